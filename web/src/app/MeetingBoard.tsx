// One board inside a meeting, for a facilitator or a member: the board's connection with
// the member's credential, the meeting bar (room, boards, timer, message), read-only when
// the role or the meeting says so, dot voting, a participant's private draft while the
// board is in private mode, and "bring everyone to me" in both directions.

import { useCallback, useEffect, useRef, useState } from 'preact/hooks'
import { Board } from '../model/board'
import { Editor } from '../editor/editor'
import { BoardConnection } from '../sync/connection'
import { Presence } from '../sync/presence'
import { colorFor, displayName, setDisplayName } from '../sync/identity'
import { ApiError, apiPath, patch, post } from '../sync/api'
import type { ControlChannel } from '../sync/control'
import { draftId, findBoard, latestResult, readOnlyReason, resultsKey, type FollowState, type Me, type SessionView } from '../sync/session'
import { t } from '../i18n'
import { BoardView } from '../ui/BoardView'
import { MeetingBar, roleLabel } from '../ui/MeetingBar'
import { isVotable, useCountsHidden, useVote, useVoteResults, VoteDots, VotePanel, VoteResultPanel } from '../ui/Vote'
import { navigate } from '../ui/router'
import { NameDialog } from '../ui/NameDialog'
import { Notice, useNotice } from '../ui/Notice'
import { convertInMeeting } from '../sync/convert'
import { errorText } from '../ui/errors'

interface Live { conn: BoardConnection, board: Board, editor: Editor }

function open (boardId: string, me: Me, token: string | null): Live {
  const conn = new BoardConnection(boardId, token ? { params: { token } } : {})
  const board = new Board(conn.doc, { user: me.id })
  return { conn, board, editor: new Editor(board, me.id) }
}

/** The camera that puts board point (x, y) at the centre of the canvas at `zoom`. */
export function centredOn (editor: Editor, f: { x: number, y: number, zoom: number }): void {
  editor.setCamera({ x: f.x - editor.size.w / 2 / f.zoom, y: f.y - editor.size.h / 2 / f.zoom, zoom: f.zoom })
}

interface Props {
  view: SessionView
  me: Me
  control: ControlChannel
  token: string | null
  boardId: string
  onPick: (board: string) => void
  /** A "bring everyone to me" to apply to this board once it is ready. */
  follow?: FollowState | null
}

export function MeetingBoard ({ view, me, control, token, boardId, onPick, follow }: Props) {
  const [live, setLive] = useState<Live & { presence: Presence } | null>(null)
  const [ready, setReady] = useState(false)
  const [draft, setDraft] = useState<Live | null>(null)
  const [notice, say] = useNotice()
  const [failure, setFailure] = useState<string | null>(null)
  const name = (me.role !== 'facilitator' ? me.name : null) ?? displayName() ?? roleLabel(me.role)

  useEffect(() => {
    const l = open(boardId, me, token)
    const presence = new Presence(l.conn.awareness, { id: me.id, name, color: colorFor(me.id) })
    setLive({ ...l, presence })
    setReady(false)
    let alive = true
    l.conn.ready(4000).then(() => { if (alive) setReady(true) })
    control.setHere(boardId)
    // the browser tests read the live document through this handle, as on anonymous boards
    ;(window as unknown as { tavolo?: unknown }).tavolo = { boardId, doc: l.conn.doc, board: l.board, editor: l.editor, conn: l.conn, presence, sessionId: view.id, me }
    // leaving the board (for the console, say) is said too: the call follows where one looks
    return () => { alive = false; l.editor.destroy(); l.conn.destroy(); control.leftBoard(boardId) }
  }, [boardId, token, me.id])

  useEffect(() => { live?.presence.setUser({ id: me.id, name, color: colorFor(me.id) }) }, [live, name])

  // private mode: a participant's new notes go into their own draft of this board
  const privateOn = me.role === 'participant' && !view.closed && view.state.private[boardId] === true
  useEffect(() => {
    if (!privateOn || !live || !ready) { setDraft(null); return }
    const d = open(draftId(boardId, me.id), me, token)
    let alive = true
    d.conn.ready(4000).then(() => {
      if (!alive) return
      // the draft carries the board's template (lanes, grid) so cards get the same roles;
      // only items and links are revealed into the board
      const meta = live.board.getMeta()
      if (d.board.isEmpty() && meta) d.board.loadJSON({ meta: { ...meta, locked: false }, items: {}, links: {} })
      setDraft(d)
      const handle = (window as unknown as { tavolo?: Record<string, unknown> }).tavolo
      if (handle?.boardId === boardId) handle.draft = { boardId: d.conn.boardId, board: d.board, editor: d.editor, conn: d.conn }
    })
    return () => {
      alive = false
      setDraft(null)
      const handle = (window as unknown as { tavolo?: Record<string, unknown> }).tavolo
      if (handle?.draft) delete handle.draft
      d.editor.destroy()
      d.conn.destroy()
    }
  }, [privateOn, live, ready])

  // dot voting
  const voteId = view.state.votes[boardId] ?? null
  const vote = useVote(voteId, me.id, control)
  const canVote = !!voteId && me.role === 'participant' && !view.closed
  const voteRef = useRef(vote)
  voteRef.current = vote
  const editorRef = useRef<Editor | null>(null)
  editorRef.current = live?.editor ?? null
  // a closed vote's results stay on the board (its latest one), unless one hides them
  const results = useVoteResults(view.id, resultsKey(view))
  const closedResult = voteId ? null : latestResult(results, boardId)
  const [countsHidden, setCountsHidden] = useCountsHidden()
  const onItemClick = useCallback((id: string) => {
    const ed = editorRef.current
    if (!ed || !isVotable(ed, id)) return false
    void voteRef.current.place(id)
    return true
  }, [])

  // "bring everyone to me": jump to the facilitator's view once this board is on screen
  const applied = useRef<number | null>(null)
  useEffect(() => {
    if (!ready || !live || !follow || follow.board !== boardId || applied.current === follow.at) return
    applied.current = follow.at
    const ed = live.editor
    ed.fitOnMount = false
    requestAnimationFrame(() => requestAnimationFrame(() => { centredOn(ed, follow); ed.emit('camera') }))
  }, [ready, live, follow?.at, boardId])

  const reason = readOnlyReason(view, me, boardId)
  const message = reason ? t(`readonly.${reason}`) : canVote ? t('readonly.vote') : privateOn && !draft ? t('private.loading') : undefined
  const info = findBoard(view, boardId)

  const bringHere = async () => {
    if (!live) return
    const v = live.editor.visible()
    try {
      await post(apiPath('sessions', view.id, 'follow'), { board: boardId, x: v.x + v.w / 2, y: v.y + v.h / 2, zoom: live.editor.camera.zoom })
      setFailure(null)
      say(t('follow.sent'))
    } catch (e) { setFailure(errorText(e)) }
  }
  const toggleLock = async () => {
    if (!info) return
    try {
      await patch(apiPath('boards', boardId), { locked: !info.board.locked })
      setFailure(null)
      say(info.board.locked ? t('board.unlockedNow') : t('board.lockedNow'))
    } catch (e) { setFailure(errorText(e)) }
  }

  // problem tree → objective tree: the facilitator's, into this board's room
  const convert = me.role === 'facilitator' && !view.closed && info && live
    ? async () => {
      try {
        navigate(`/s/${view.id}/b/${await convertInMeeting(view.id, info.room.id, boardId, live.board.toJSON())}`)
      } catch (e) { setFailure(errorText(e)) }
    }
    : undefined

  // a member changes the name the others see (their avatar in the header)
  const [renaming, setRenaming] = useState(false)
  const [renameError, setRenameError] = useState<string | null>(null)
  const renameSelf = (n: string) => {
    patch('/api/me', { name: n })
      .then(() => { setDisplayName(n); setRenaming(false); setRenameError(null) })
      .catch((e) => setRenameError(e instanceof ApiError && e.status === 400 ? t('name.invalid') : t('error.generic')))
  }

  // the facilitator renamed the board in its header: the meeting's tabs and console follow
  const rename = (title: string) => {
    if (!info || !title || title === info.board.title) return
    patch(apiPath('boards', boardId), { title })
      .then(() => { setFailure(null); say(t('board.renamed', { title })) })
      .catch((e) => setFailure(errorText(e)))
  }

  const bar = (
    <MeetingBar view={view} me={me} boardId={boardId} offset={control.offset} onPick={onPick}>
      {me.role === 'facilitator'
        ? (
          <div class="fac-actions">
            <a class="button-link" href={`/s/${view.id}`} onClick={(e) => { e.preventDefault(); navigate(`/s/${view.id}`) }}>{t('console.back')}</a>
            <button type="button" data-action="follow" onClick={bringHere}>{t('follow.bring')}</button>
            {info ? <button type="button" data-action="lock" aria-pressed={info.board.locked} onClick={toggleLock}>{info.board.locked ? t('board.unlock') : t('board.lock')}</button> : null}
            <Notice said={notice} />
            {failure ? <span class="error" role="alert">{failure}</span> : null}
          </div>
          )
        : null}
      {privateOn ? <span class="private-badge" data-private="on">{draft ? t('private.drafting') : t('private.loading')}</span> : null}
    </MeetingBar>
  )

  if (!live || !ready) {
    return <div class="board-page">{bar}<p class="loading" role="status">{t('board.loading')}</p></div>
  }
  const drafting = privateOn && draft
  if (drafting) live.editor.readOnly = true
  const shown = drafting ? draft.editor : live.editor
  return (
    <>
    <BoardView
      key={`${boardId}${drafting ? ':draft' : ''}`}
      editor={shown}
      conn={drafting ? draft.conn : live.conn}
      presence={live.presence}
      readOnly={!!reason || canVote}
      readOnlyMessage={message}
      home={me.role === 'facilitator' ? { href: `/s/${view.id}`, label: t('console.title') } : { href: `/s/${view.id}`, label: view.title }}
      top={bar}
      underlay={drafting ? live.editor : undefined}
      side={voteId
        ? <VotePanel editor={live.editor} vote={vote} canVote={canVote} />
        : drafting
          ? <section class="private-panel"><h2>{t('private.title')}</h2><p>{t('private.help')}</p></section>
          : closedResult ? <VoteResultPanel result={closedResult} hidden={countsHidden} onHidden={setCountsHidden} /> : null}
      overlay={voteId
        ? <VoteDots editor={live.editor} tally={vote.tally} mine={vote.mine} />
        : closedResult && !countsHidden && !drafting ? <VoteDots editor={live.editor} tally={closedResult.items} mine={{}} closed /> : null}
      onItemClick={canVote ? onItemClick : undefined}
      onConvert={drafting ? undefined : convert}
      title={{ editable: me.role === 'facilitator' && !drafting, onTitle: me.role === 'facilitator' ? rename : undefined }}
      onRename={me.role !== 'facilitator' && !view.closed ? () => setRenaming(true) : undefined}
    />
    {renaming ? <NameDialog initial={name} error={renameError} onDone={renameSelf} onCancel={() => { setRenaming(false); setRenameError(null) }} /> : null}
    </>
  )
}
