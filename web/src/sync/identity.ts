// Who this browser is: a random participant id (written in items' `author`, never a name)
// and the display name, both kept in localStorage.

const ID_KEY = 'tavolo.participant'
const NAME_KEY = 'tavolo.name'

function store (): Storage | null {
  try { return typeof localStorage === 'undefined' ? null : localStorage } catch { return null }
}

export function participantId (): string {
  const s = store()
  let id = s?.getItem(ID_KEY)
  if (!id || !/^[A-Za-z0-9_-]{1,64}$/.test(id)) {
    const bytes = new Uint8Array(9)
    crypto.getRandomValues(bytes)
    id = 'p-' + Array.from(bytes, (b) => b.toString(36).padStart(2, '0')).join('').slice(0, 14)
    s?.setItem(ID_KEY, id)
  }
  return id
}

export function displayName (): string | null {
  const n = store()?.getItem(NAME_KEY)?.trim()
  return n ? n : null
}

export function setDisplayName (name: string): void {
  store()?.setItem(NAME_KEY, name.trim().slice(0, 40))
}

/** Cursor colours: each carries white text at a contrast of at least 4.5:1. */
export const PRESENCE_COLORS = ['#B3261E', '#1D4ED8', '#047857', '#7C3AED', '#B45309', '#BE185D', '#0F766E', '#4D7C0F', '#6D28D9', '#9A3412']

export function colorFor (id: string): string {
  let h = 0
  for (let i = 0; i < id.length; i++) h = (h * 31 + id.charCodeAt(i)) >>> 0
  return PRESENCE_COLORS[h % PRESENCE_COLORS.length]
}
