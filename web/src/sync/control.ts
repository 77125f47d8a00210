// The meeting's control channel: one WebSocket per meeting at
// /api/sessions/{id}/control (docs/control-channel.md). The server sends the whole view on
// connect and after every change, who is present, and vote tallies; this client tells it
// which board it is looking at ({"type":"here"}). It reconnects by itself.

import { clockOffset, normalizeView, type PresentEntry, type SessionView, type Tally } from './session'

export type ControlStatus = 'connecting' | 'open' | 'reconnecting' | 'ended'

/**
 * Close codes with which the server ends a credential's sockets for good
 * (docs/control-channel.md): the invitation was revoked, the facilitator removed the
 * member, the invitation or the sign-in expired. The channel does not reconnect after them.
 */
export const REVOKED = 4003
export const REMOVED = 4005
export const EXPIRED = 4006
const ENDINGS = [REVOKED, REMOVED, EXPIRED]

export function controlUrl (sessionId: string, token: string | null, loc: { protocol: string, host: string } = location): string {
  const base = `${loc.protocol === 'https:' ? 'wss:' : 'ws:'}//${loc.host}/api/sessions/${encodeURIComponent(sessionId)}/control`
  return token ? `${base}?token=${encodeURIComponent(token)}` : base
}

export class ControlChannel {
  readonly sessionId: string
  view: SessionView | null = null
  present: PresentEntry[] = []
  /** Tallies by vote id, from {"type":"vote"} messages. */
  readonly tallies = new Map<string, Tally[]>()
  /** Add to Date.now() to get the server's clock. */
  offset = 0
  status: ControlStatus = 'connecting'
  /** Connection attempts in a row that never opened. */
  failures = 0
  /** Why the server ended this credential's access (REVOKED, REMOVED, EXPIRED), if it did. */
  ended: number | null = null
  private ws: WebSocket | null = null
  private here: string | null = null
  private listeners = new Set<() => void>()
  private timer: ReturnType<typeof setTimeout> | null = null
  private destroyed = false
  private readonly token: string | null

  constructor (sessionId: string, opts: { token?: string | null, initial?: SessionView } = {}) {
    this.sessionId = sessionId
    this.token = opts.token ?? null
    if (opts.initial) this.apply(opts.initial)
    this.connect()
  }

  /** The server's clock now (unix ms). */
  serverNow (): number { return Date.now() + this.offset }

  on (fn: () => void): () => void {
    this.listeners.add(fn)
    return () => { this.listeners.delete(fn) }
  }

  private emit (): void { for (const fn of this.listeners) fn() }

  /** Takes a fresh view (from the channel, or a REST answer that carries one). */
  apply (raw: SessionView): void {
    const v = normalizeView(raw)
    // the channel's views do not carry `me`: keep the one from GET /api/sessions/{id}
    if (!v.me && this.view?.me) v.me = this.view.me
    if (v.me && v.me.role !== 'facilitator') {
      const self = v.members.find((m) => m.id === v.me!.id)
      if (self) v.me = { ...v.me, group: self.group, name: self.name }
    }
    this.view = v
    this.present = v.present
    if (typeof v.now === 'number') this.offset = clockOffset(v.now)
    this.emit()
  }

  /** Tells the server which board this client is looking at (null: none). */
  setHere (board: string | null): void {
    this.here = board
    this.send()
  }

  /** This client no longer looks at `board`: says so unless it already looks at another.
   *  Leaving one board and opening the next are two components' effects, whose order
   *  Preact does not promise: a late "left the old board" once overwrote "on the new
   *  one", and the console showed people on their group boards as still arriving. */
  leftBoard (board: string): void {
    if (this.here === board) this.setHere(null)
  }

  private send (): void {
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify({ type: 'here', board: this.here }))
  }

  private connect (): void {
    if (this.destroyed) return
    const ws = new WebSocket(controlUrl(this.sessionId, this.token))
    this.ws = ws
    let opened = false
    ws.onopen = () => {
      opened = true
      this.failures = 0
      this.status = 'open'
      this.send()
      this.emit()
    }
    ws.onmessage = (ev) => {
      let msg: { type?: string } & Record<string, unknown>
      try { msg = JSON.parse(String(ev.data)) } catch { return }
      if (msg.type === 'session') {
        this.apply(msg as unknown as SessionView)
      } else if (msg.type === 'presence') {
        this.present = (msg.present as PresentEntry[]) ?? []
        if (this.view) this.view = { ...this.view, present: this.present }
        this.emit()
      } else if (msg.type === 'vote') {
        const vote = msg.vote as { id: string, tally: Tally[] } | undefined
        if (vote?.id) { this.tallies.set(vote.id, vote.tally ?? []); this.emit() }
      }
    }
    ws.onclose = (ev) => {
      if (this.ws !== ws) return
      this.ws = null
      if (!opened) this.failures++
      if (this.destroyed) return
      if (ENDINGS.includes(ev.code)) {
        // the credential opens nothing any more: reconnecting would only be refused
        this.ended = ev.code
        this.status = 'ended'
        this.emit()
        return
      }
      this.status = 'reconnecting'
      this.emit()
      const delay = Math.min(5000, 300 * 2 ** Math.min(this.failures, 4))
      this.timer = setTimeout(() => this.connect(), delay)
    }
  }

  destroy (): void {
    this.destroyed = true
    if (this.timer) clearTimeout(this.timer)
    const ws = this.ws
    this.ws = null
    ws?.close()
    this.listeners.clear()
  }
}
