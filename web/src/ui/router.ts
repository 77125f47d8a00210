// The single-page app's routes: "/" (start page), "/b/{boardId}" (an anonymous board), and
// facilitation: "/setup/{token}", "/login", "/w" (the facilitator's workspaces),
// "/w/{workspaceId}" (its meetings), "/join/{token}" (an invitation), "/s/{sessionId}"
// (the console, or a member's view of the meeting) and "/s/{sessionId}/b/{boardId}".

import { BOARD_ID_PATTERN } from '../model/schema'

export type Route =
  | { page: 'start' }
  | { page: 'board', boardId: string }
  | { page: 'invalid' }
  | { page: 'setup', token: string }
  | { page: 'login' }
  | { page: 'home' }
  | { page: 'workspace', workspaceId: string }
  | { page: 'join', token: string }
  | { page: 'session', sessionId: string, boardId: string | null }

const SEGMENT = /^[A-Za-z0-9_.~-]{1,200}$/

export function parseRoute (pathname: string): Route {
  if (pathname === '/' || pathname === '') return { page: 'start' }
  const parts = pathname.replace(/\/+$/, '').split('/').slice(1).map((p) => {
    try { return decodeURIComponent(p) } catch { return '\u0000' }
  })
  const ok = (s: string | undefined): s is string => !!s && SEGMENT.test(s)
  const [head, a, b, c] = parts
  if (head === 'b' && parts.length === 2) {
    return BOARD_ID_PATTERN.test(a) ? { page: 'board', boardId: a } : { page: 'invalid' }
  }
  if (head === 'setup' && parts.length === 2 && ok(a)) return { page: 'setup', token: a }
  if (head === 'login' && parts.length === 1) return { page: 'login' }
  if (head === 'w' && parts.length === 1) return { page: 'home' }
  if (head === 'w' && parts.length === 2 && ok(a)) return { page: 'workspace', workspaceId: a }
  if (head === 'join' && parts.length === 2 && ok(a)) return { page: 'join', token: a }
  if (head === 's' && parts.length === 2 && ok(a)) return { page: 'session', sessionId: a, boardId: null }
  if (head === 's' && parts.length === 4 && ok(a) && b === 'b') {
    return BOARD_ID_PATTERN.test(c) ? { page: 'session', sessionId: a, boardId: c } : { page: 'invalid' }
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
