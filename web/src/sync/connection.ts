// One board's live document: the official y-websocket provider against /sync/{boardId} on
// the page's own host, and y-indexeddb so that edits made offline are kept in the browser
// and sent when the connection comes back.

import * as Y from 'yjs'
import { WebsocketProvider } from 'y-websocket'
import { IndexeddbPersistence } from 'y-indexeddb'
import type { Awareness } from 'y-protocols/awareness'

export type ConnectionStatus = 'connecting' | 'connected' | 'reconnecting' | 'offline' | 'deleted' | 'denied' | 'full'

/** Why the server does not let this browser open the board (status `denied`). */
export type Denial = 'login' | 'forbidden' | 'missing'

/**
 * What an HTTP status of the sync endpoint says about this browser's access. A browser
 * cannot read why a WebSocket upgrade was refused, but the endpoint takes the same access
 * decision for a plain GET before it looks for an upgrade: 401, 403 and 404 are answers,
 * anything else (the upgrade the GET lacks, a server in trouble) is not.
 */
export function denialOf (status: number): Denial | 'deleted' | null {
  switch (status) {
    case 401: return 'login'
    case 403: return 'forbidden'
    case 404: return 'missing'
    case 410: return 'deleted'
    default: return null
  }
}

/** The close code with which the server ends the sockets of a board it erased. */
export const BOARD_DELETED = 4004

/**
 * The close code with which the server refuses a change that would take a size-capped
 * (anonymous) board past its cap. Reconnecting would send the same change and be refused
 * again, so the browser stops and drops its copy: reloading starts from what was saved.
 */
export const BOARD_FULL = 4007

/** ws:// or wss:// + the page's host + /sync (the provider appends /{boardId}). */
export function syncUrl (loc: { protocol: string, host: string } = location): string {
  return `${loc.protocol === 'https:' ? 'wss:' : 'ws:'}//${loc.host}/sync`
}

export interface ConnectionOptions {
  /** Defaults to syncUrl(location). */
  url?: string
  /** Keep a copy in IndexedDB (default true; off where IndexedDB is missing). */
  persist?: boolean
  /** Query parameters of the socket URL: `{ token }` for a member whose browser has no cookie. */
  params?: Record<string, string>
}

export class BoardConnection {
  readonly boardId: string
  readonly doc: Y.Doc
  readonly provider: WebsocketProvider
  readonly awareness: Awareness
  readonly local: IndexeddbPersistence | null
  /** Resolves when the local (IndexedDB) copy has been loaded into the doc. */
  readonly localLoaded: Promise<void>
  /** Resolves on the first completed sync with the server. */
  readonly serverSynced: Promise<void>
  private everConnected = false
  /** What the browser says of the network (`navigator.onLine`, then its `offline` and
   *  `online` events). At the start only a hint: Chromium says offline wherever it sees no
   *  interface with a route, as on a machine whose only network is local (found by the
   *  call tests, in a network namespace), so the board connects all the same and says
   *  offline only while it is not connected. A change to offline is the network going
   *  away: the board stops trying until it is back. */
  private browserOffline = typeof navigator !== 'undefined' && navigator.onLine === false
  private wsStatus: 'connected' | 'connecting' | 'disconnected' = 'connecting'
  private listeners = new Set<(s: ConnectionStatus) => void>()
  private last: ConnectionStatus = 'connecting'
  private destroyed = false
  private deleted = false
  private full = false
  /** Set when the server refuses this browser the board (see `denialOf`). */
  denial: Denial | null = null
  private probing = false
  private readonly probeUrl: string
  private onOffline = () => { this.browserOffline = true; this.provider.disconnect(); this.emit() }
  // back online: try at once rather than after the back-off
  private onOnline = () => {
    this.browserOffline = false
    if (!this.stopped) this.provider.connect()
    this.emit()
  }

  constructor (boardId: string, opts: ConnectionOptions = {}) {
    this.boardId = boardId
    const base = (opts.url ?? syncUrl()).replace(/^ws/, 'http')
    const query = opts.params ? `?${new URLSearchParams(opts.params)}` : ''
    this.probeUrl = `${base}/${boardId}${query}`
    this.doc = new Y.Doc()
    const persist = opts.persist ?? typeof indexedDB !== 'undefined'
    this.local = persist ? new IndexeddbPersistence(`tavolo:${boardId}`, this.doc) : null
    this.localLoaded = this.local ? this.local.whenSynced.then(() => undefined) : Promise.resolve()
    this.provider = new WebsocketProvider(opts.url ?? syncUrl(), boardId, this.doc, {
      maxBackoffTime: 2500,
      ...(opts.params ? { params: opts.params } : {})
    })
    this.awareness = this.provider.awareness
    this.serverSynced = new Promise((resolve) => {
      if (this.provider.synced) resolve()
      const onSync = (synced: boolean) => {
        if (!synced) return
        this.provider.off('sync', onSync)
        resolve()
      }
      this.provider.on('sync', onSync)
    })
    this.provider.on('status', ({ status }: { status: 'connected' | 'connecting' | 'disconnected' }) => {
      this.wsStatus = status
      if (status === 'connected') this.everConnected = true
      this.emit()
    })
    // The board was erased on the server: stop reconnecting and drop the browser's copy,
    // so that nothing of it stays on this computer either.
    this.provider.on('connection-close', (event: CloseEvent | null) => {
      if (event?.code === BOARD_DELETED) this.end('deleted')
      else if (event?.code === BOARD_FULL) this.end('full')
      // a refused upgrade (the browser sees 1006) or a socket the server ended (revoked,
      // logged out, removed): ask the endpoint whether this browser may still open it
      else void this.probe()
    })
    this.provider.on('connection-error', () => { void this.probe() })
    if (typeof window !== 'undefined') {
      window.addEventListener('offline', this.onOffline)
      window.addEventListener('online', this.onOnline)
    }
  }

  /** Asks the sync endpoint (a plain GET) whether this browser may open the board; at most one at a time. */
  private async probe (): Promise<void> {
    if (this.probing || this.stopped || this.destroyed || typeof fetch === 'undefined') return
    this.probing = true
    try {
      const res = await fetch(this.probeUrl, { credentials: 'same-origin', cache: 'no-store' })
      let why = denialOf(res.status)
      // a participant's link token refused: the invitation was revoked or has expired, and
      // signing in would not help
      if (why === 'login' && this.probeUrl.includes('token=')) why = 'forbidden'
      if (why && !this.destroyed) this.end(why)
    } catch {
      // no answer: the network or the server is down, and the provider keeps retrying
    } finally {
      this.probing = false
    }
  }

  /** The server ended this board for this browser: no more reconnecting. */
  private get stopped (): boolean { return this.deleted || this.full || this.denial !== null }

  /**
   * The server will not serve this board to this browser, or not take its changes: stop
   * reconnecting. An erased board's copy is dropped from this computer, and so is the copy
   * of a board this browser is no longer allowed to see, and of a full board (its copy holds
   * the change the server refused); a login that ended keeps it (logging in again sends
   * what was written offline).
   */
  private end (why: Denial | 'deleted' | 'full'): void {
    if (this.stopped) return
    if (why === 'deleted') this.deleted = true
    else if (why === 'full') this.full = true
    else this.denial = why
    this.provider.shouldConnect = false
    this.provider.disconnect()
    if (why !== 'login') void this.local?.clearData()
    this.emit()
  }

  get status (): ConnectionStatus {
    if (this.deleted) return 'deleted'
    if (this.full) return 'full'
    if (this.denial) return 'denied'
    if (this.wsStatus === 'connected') return this.provider.synced ? 'connected' : 'connecting'
    if (this.browserOffline) return 'offline'
    if (!this.everConnected) return this.provider.wsUnsuccessfulReconnects > 3 ? 'offline' : 'connecting'
    return this.provider.wsUnsuccessfulReconnects > 6 ? 'offline' : 'reconnecting'
  }

  onStatus (fn: (s: ConnectionStatus) => void): () => void {
    this.listeners.add(fn)
    const onSync = () => this.emit()
    this.provider.on('sync', onSync)
    return () => { this.listeners.delete(fn); this.provider.off('sync', onSync) }
  }

  private emit (): void {
    const s = this.status
    if (s === this.last) return
    this.last = s
    for (const fn of this.listeners) fn(s)
  }

  /**
   * Resolves once the document reflects what is known: the local copy, and the server's
   * state if the server answers within `timeoutMs` (false if it did not).
   */
  async ready (timeoutMs = 4000): Promise<boolean> {
    await this.localLoaded
    let timer: ReturnType<typeof setTimeout> | undefined
    const synced = await Promise.race([
      this.serverSynced.then(() => true),
      new Promise<boolean>((resolve) => { timer = setTimeout(() => resolve(false), timeoutMs) })
    ])
    clearTimeout(timer)
    return synced
  }

  destroy (): void {
    if (this.destroyed) return
    this.destroyed = true
    if (typeof window !== 'undefined') {
      window.removeEventListener('offline', this.onOffline)
      window.removeEventListener('online', this.onOnline)
    }
    this.listeners.clear()
    this.provider.destroy()
    this.local?.destroy()
    this.doc.destroy()
  }
}
