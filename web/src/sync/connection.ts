// One board's live document: the official y-websocket provider against /sync/{boardId} on
// the page's own host, and y-indexeddb so that edits made offline are kept in the browser
// and sent when the connection comes back.

import * as Y from 'yjs'
import { WebsocketProvider } from 'y-websocket'
import { IndexeddbPersistence } from 'y-indexeddb'
import type { Awareness } from 'y-protocols/awareness'

export type ConnectionStatus = 'connecting' | 'connected' | 'reconnecting' | 'offline' | 'deleted'

/** The close code with which the server ends the sockets of a board it erased. */
export const BOARD_DELETED = 4004

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
  private browserOffline = typeof navigator !== 'undefined' && navigator.onLine === false
  private wsStatus: 'connected' | 'connecting' | 'disconnected' = 'connecting'
  private listeners = new Set<(s: ConnectionStatus) => void>()
  private last: ConnectionStatus = 'connecting'
  private destroyed = false
  private deleted = false
  private onOffline = () => { this.browserOffline = true; this.provider.disconnect(); this.emit() }
  private onOnline = () => { this.browserOffline = false; if (!this.deleted) this.provider.connect(); this.emit() }

  constructor (boardId: string, opts: ConnectionOptions = {}) {
    this.boardId = boardId
    this.doc = new Y.Doc()
    const persist = opts.persist ?? typeof indexedDB !== 'undefined'
    this.local = persist ? new IndexeddbPersistence(`tavolo:${boardId}`, this.doc) : null
    this.localLoaded = this.local ? this.local.whenSynced.then(() => undefined) : Promise.resolve()
    this.provider = new WebsocketProvider(opts.url ?? syncUrl(), boardId, this.doc, {
      connect: !this.browserOffline,
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
      if (event?.code !== BOARD_DELETED || this.deleted) return
      this.deleted = true
      this.provider.shouldConnect = false
      this.provider.disconnect()
      void this.local?.clearData()
      this.emit()
    })
    if (typeof window !== 'undefined') {
      window.addEventListener('offline', this.onOffline)
      window.addEventListener('online', this.onOnline)
    }
  }

  get status (): ConnectionStatus {
    if (this.deleted) return 'deleted'
    if (this.browserOffline) return 'offline'
    if (this.wsStatus === 'connected') return this.provider.synced ? 'connected' : 'connecting'
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
