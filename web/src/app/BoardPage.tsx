// The life of one open board: connect, wait for the local copy and the server, create the
// template content if this is a new board nobody has initialised yet, then edit.

import { useEffect, useState } from 'preact/hooks'
import { Board } from '../model/board'
import { isBoardKind } from '../model/schema'
import { initialBoard, toObjectiveTree } from '../model/templates'
import { apiPath, get } from '../sync/api'
import { BoardConnection } from '../sync/connection'
import { colorFor, displayName, participantId, setDisplayName } from '../sync/identity'
import { Presence } from '../sync/presence'
import { Editor } from '../editor/editor'
import { t } from '../i18n'
import { BoardView } from '../ui/BoardView'
import { NameDialog } from '../ui/NameDialog'
import { navigate, newBoardId, rememberBoard } from '../ui/router'

interface Session { conn: BoardConnection, board: Board, editor: Editor, presence: Presence }

/**
 * Writes the template of a new board, once: only when the document is still empty after
 * the local copy and the server's state are in, in one transaction, with fixed ids (so two
 * browsers doing it at the same moment write the same keys).
 */
export function initialiseIfEmpty (board: Board, kind: string | null, title: string | null): boolean {
  if (!board.isEmpty()) return false
  const k = isBoardKind(kind) ? kind : 'free'
  board.loadJSON(initialBoard(k, title || t(`kind.${k}`)))
  return true
}

/**
 * `/b/{id}`: a board of a meeting opens inside its meeting (`/s/{session}/b/{id}`), with the
 * meeting's bar, rules and tools; only a board no meeting holds (an anonymous board) opens
 * here. Asked before anything connects, so that nothing here writes into a meeting's board.
 */
export function BoardPage ({ boardId }: { boardId: string }) {
  const [standalone, setStandalone] = useState(false)
  useEffect(() => {
    let alive = true
    setStandalone(false)
    get<{ registered: boolean, session: string | null }>(apiPath('boards', boardId))
      .then((b) => {
        if (!alive) return
        if (b.registered && b.session) navigate(`/s/${b.session}/b/${boardId}`, true)
        else setStandalone(true)
      })
      // refused or unknown: the board's own connection finds out and says why
      .catch(() => { if (alive) setStandalone(true) })
    return () => { alive = false }
  }, [boardId])
  if (!standalone) return <p class="loading" role="status">{t('board.loading')}</p>
  return <StandaloneBoard boardId={boardId} />
}

function StandaloneBoard ({ boardId }: { boardId: string }) {
  const [name, setName] = useState(displayName())
  const [renaming, setRenaming] = useState(false)
  const [session, setSession] = useState<Session | null>(null)
  const [ready, setReady] = useState(false)

  useEffect(() => {
    const conn = new BoardConnection(boardId)
    const origin = { user: participantId() }
    const board = new Board(conn.doc, origin)
    const editor = new Editor(board, participantId())
    const me = participantId()
    const presence = new Presence(conn.awareness, { id: me, name: displayName() ?? '…', color: colorFor(me) })
    setSession({ conn, board, editor, presence })
    setReady(false)
    let alive = true
    const params = new URLSearchParams(location.search)
    const intentKind = params.get('new')
    const intentTitle = params.get('title')
    ;(async () => {
      const synced = await conn.ready(4000)
      if (!alive) return
      // a board the server refuses this browser is not this browser's to initialise
      if (conn.status === 'denied' || conn.status === 'deleted') { setReady(true); return }
      if (intentKind) {
        if (synced || board.isEmpty()) initialiseIfEmpty(board, intentKind, intentTitle)
        history.replaceState(null, '', `/b/${boardId}`)
      } else if (board.isEmpty()) {
        // opened by link and still empty: whoever created it may be initialising it right
        // now; give them a moment before this becomes a free board.
        setTimeout(() => { if (alive && board.isEmpty() && conn.status !== 'denied') initialiseIfEmpty(board, 'free', null) }, 2500)
      }
      setReady(true)
      const meta = board.getMeta()
      rememberBoard({ id: boardId, title: meta?.title ?? '', kind: meta?.kind ?? 'free' })
    })()
    // tests and the benchmark read the live document through this handle
    ;(window as unknown as { tavolo?: unknown }).tavolo = { boardId, doc: conn.doc, board, editor, conn, presence }
    return () => {
      alive = false
      editor.destroy()
      conn.destroy()
    }
  }, [boardId])

  useEffect(() => {
    if (session && name) {
      const me = participantId()
      session.presence.setUser({ id: me, name, color: colorFor(me) })
    }
  }, [session, name])

  if (!name || renaming) {
    return <NameDialog initial={name ?? ''} onDone={(n) => { setDisplayName(n); setName(n); setRenaming(false) }} />
  }
  if (!session || !ready) return <p class="loading" role="status">{t('board.loading')}</p>

  const convert = async () => {
    const json = session.board.toJSON()
    const id = newBoardId()
    const target = new BoardConnection(id)
    try {
      await target.ready(5000)
      const b = new Board(target.doc, {})
      if (b.isEmpty()) b.loadJSON(toObjectiveTree(json, { title: t('tree.objectiveTitle', { title: json.meta.title || t('kind.problem_tree') }), sourceBoard: boardId }))
      await flushed(target)
    } finally {
      target.destroy()
    }
    navigate(`/b/${id}`)
  }

  return <BoardView key={boardId} editor={session.editor} conn={session.conn} presence={session.presence} onRename={() => setRenaming(true)} onConvert={convert} />
}

/** Waits (briefly) until what was written has left the socket. */
async function flushed (conn: BoardConnection): Promise<void> {
  for (let i = 0; i < 50; i++) {
    const ws = conn.provider.ws
    if (!ws || ws.readyState !== WebSocket.OPEN || ws.bufferedAmount === 0) break
    await new Promise((r) => setTimeout(r, 20))
  }
  await new Promise((r) => setTimeout(r, 50))
}
