// A two-route single-page app: "/" (start page) and "/b/{boardId}" (a board).

import { BOARD_ID_PATTERN } from '../model/schema'

export type Route = { page: 'start' } | { page: 'board', boardId: string } | { page: 'invalid' }

export function parseRoute (pathname: string): Route {
  if (pathname === '/' || pathname === '') return { page: 'start' }
  const m = /^\/b\/([^/]+)\/?$/.exec(pathname)
  if (m) {
    const id = decodeURIComponent(m[1])
    return BOARD_ID_PATTERN.test(id) ? { page: 'board', boardId: id } : { page: 'invalid' }
  }
  return { page: 'start' }
}

const listeners = new Set<() => void>()
export function onNavigate (fn: () => void): () => void {
  listeners.add(fn)
  window.addEventListener('popstate', fn)
  return () => { listeners.delete(fn); window.removeEventListener('popstate', fn) }
}

export function navigate (path: string, replace = false): void {
  if (replace) history.replaceState(null, '', path)
  else history.pushState(null, '', path)
  for (const fn of listeners) fn()
}

/** A new random board id (URL-safe, in the server's alphabet). */
export function newBoardId (): string {
  const bytes = new Uint8Array(12)
  crypto.getRandomValues(bytes)
  return Array.from(bytes, (b) => 'abcdefghijkmnpqrstuvwxyz23456789'[b % 32]).join('')
}

/** A board id from a pasted link (…/b/ID) or a bare id; null if neither. */
export function boardIdFrom (input: string): string | null {
  const s = input.trim()
  const m = /\/b\/([^/?#\s]+)/.exec(s)
  const id = m ? decodeURIComponent(m[1]) : s
  return BOARD_ID_PATTERN.test(id) ? id : null
}

export interface RecentBoard { id: string, title: string, kind: string, at: number }
const RECENT_KEY = 'tavolo.recent'

export function recentBoards (): RecentBoard[] {
  try { return JSON.parse(localStorage.getItem(RECENT_KEY) ?? '[]') as RecentBoard[] } catch { return [] }
}

export function rememberBoard (b: Omit<RecentBoard, 'at'>): void {
  const list = recentBoards().filter((r) => r.id !== b.id)
  list.unshift({ ...b, at: Date.now() })
  try { localStorage.setItem(RECENT_KEY, JSON.stringify(list.slice(0, 20))) } catch { /* storage full or denied */ }
}
