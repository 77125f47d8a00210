// Presence over the awareness protocol: who is here (name, colour), where their cursor is
// and which part of the board they are looking at (so others can follow them).

import type { Awareness } from 'y-protocols/awareness'

export interface PresenceUser { id: string, name: string, color: string }
export interface Viewport { x: number, y: number, w: number, h: number }
export interface PresenceState {
  user?: PresenceUser
  /** Board coordinates of the pointer, or null when it is off the board. */
  cursor?: { x: number, y: number } | null
  /** The board rectangle this person sees. */
  viewport?: Viewport
  selection?: string[]
}

export interface Peer { clientId: number, state: PresenceState, self: boolean }

export class Presence {
  readonly awareness: Awareness
  private pending: Partial<PresenceState> = {}
  private scheduled = false

  constructor (awareness: Awareness, user: PresenceUser) {
    this.awareness = awareness
    awareness.setLocalStateField('user', user)
  }

  get clientId (): number { return this.awareness.clientID }

  setUser (user: PresenceUser): void {
    this.awareness.setLocalStateField('user', user)
  }

  /** Cursor, viewport and selection are sent at most once per animation frame (or 50 ms). */
  update (fields: Partial<PresenceState>): void {
    Object.assign(this.pending, fields)
    if (this.scheduled) return
    this.scheduled = true
    const flush = () => {
      this.scheduled = false
      const state = { ...(this.awareness.getLocalState() ?? {}), ...this.pending }
      this.pending = {}
      this.awareness.setLocalState(state)
    }
    setTimeout(flush, 50)
  }

  peers (): Peer[] {
    const out: Peer[] = []
    for (const [clientId, state] of this.awareness.getStates()) {
      if (!state || !(state as PresenceState).user) continue
      out.push({ clientId, state: state as PresenceState, self: clientId === this.awareness.clientID })
    }
    return out.sort((a, b) => (a.self ? -1 : b.self ? 1 : (a.state.user!.name).localeCompare(b.state.user!.name)))
  }

  onChange (fn: () => void): () => void {
    const h = () => fn()
    this.awareness.on('change', h)
    return () => this.awareness.off('change', h)
  }
}
