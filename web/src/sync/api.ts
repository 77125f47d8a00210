// The facilitation REST API (crates/tavolo-http/openapi.json) on the page's own
// origin. Credentials: the facilitator's tavolo_login cookie, a member's tavolo_member
// cookie, or — only where the browser did not keep the cookie — the member's token as a
// bearer header. Errors carry the HTTP status and the server's `error` text.

import type { components } from './openapi'

/** The server's request and answer types, generated from its OpenAPI document (openapi.d.ts). */
export type Schemas = components['schemas']

export class ApiError extends Error {
  readonly status: number
  /** The server's stable code for some refusals (`invite_revoked`…), to translate. */
  readonly code: string | null
  constructor (status: number, message: string, code: string | null = null) {
    super(message)
    this.status = status
    this.code = code
  }
}

/** A member token kept for this tab when the browser refused the cookie (see credentials.ts). */
let bearer: string | null = null
export function setBearer (token: string | null): void { bearer = token }
export function currentBearer (): string | null { return bearer }

export async function api<T = unknown> (method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' }
  if (body !== undefined) headers['Content-Type'] = 'application/json'
  if (bearer) headers.Authorization = `Bearer ${bearer}`
  let res: Response
  try {
    res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'same-origin' })
  } catch (e) {
    throw new ApiError(0, e instanceof Error ? e.message : String(e))
  }
  const text = await res.text()
  let json: unknown = null
  try { json = text ? JSON.parse(text) : null } catch { json = null }
  if (!res.ok) {
    const msg = json && typeof json === 'object' && 'error' in json ? String((json as { error: unknown }).error) : (text || res.statusText)
    const code = json && typeof json === 'object' && 'code' in json ? String((json as { code: unknown }).code) : null
    throw new ApiError(res.status, msg, code)
  }
  return json as T
}

export const get = <T>(path: string) => api<T>('GET', path)
export const post = <T>(path: string, body: unknown = {}) => api<T>('POST', path, body)
export const patch = <T>(path: string, body: unknown) => api<T>('PATCH', path, body)
export const del = <T>(path: string, body?: unknown) => api<T>('DELETE', path, body)

/** `/api/...` with each path segment encoded. */
export function apiPath (...parts: string[]): string {
  return '/api/' + parts.map(encodeURIComponent).join('/')
}
