// The bar above a board in a meeting: which meeting and room, the boards one may open
// (tabs), the timer everyone sees and the facilitator's latest message.

import type { ComponentChildren } from 'preact'
import { useEffect, useRef, useState } from 'preact/hooks'
import { t } from '../i18n'
import { findBoard, openableRooms, type Me, type MessageState, type SessionView } from '../sync/session'
import { TimerDisplay } from './Timer'

export function roleLabel (role: string): string {
  return role === 'facilitator' ? t('role.facilitator') : role === 'observer' ? t('role.observer') : t('role.participant')
}

export function MeetingBar ({ view, me, boardId, offset, onPick, children }: {
  view: SessionView, me: Me, boardId: string | null, offset: number, onPick: (board: string) => void, children?: ComponentChildren
}) {
  const here = boardId ? findBoard(view, boardId) : null
  const rooms = openableRooms(view, me).filter((r) => r.boards.length)
  // the tabs scroll in one row: the current board's tab is brought into the strip
  const strip = useRef<HTMLElement>(null)
  useEffect(() => {
    const s = strip.current
    const cur = s?.querySelector<HTMLElement>('[aria-current="page"]')
    if (!s || !cur) return
    if (cur.offsetLeft < s.scrollLeft || cur.offsetLeft + cur.offsetWidth > s.scrollLeft + s.clientWidth) s.scrollLeft = Math.max(0, cur.offsetLeft - 8)
  }, [boardId, rooms.length])
  return (
    <>
      <div class="meeting-bar" role="region" aria-label={t('meeting.bar')}>
        <div class="mb-where">
          <span class="mb-title" title={view.title}>{view.title}</span>
          {here ? <span class="mb-room" data-room-kind={here.room.kind}>{here.room.name}</span> : null}
          {me.role !== 'participant' ? <span class={`role-badge role-${me.role}`}>{roleLabel(me.role)}</span> : null}
          {view.closed ? <span class="role-badge closed">{t('meeting.closedBadge')}</span> : null}
        </div>
        {rooms.length > 1 || (rooms[0]?.boards.length ?? 0) > 1
          ? (
            <nav ref={strip} class="mb-boards" aria-label={t('meeting.boards')}>
              {rooms.map((r) => (
                <div key={r.id} class="mb-room-boards" role="group" aria-label={r.name}>
                  {rooms.length > 1 ? <span class="mb-room-name" aria-hidden="true">{r.name}</span> : null}
                  {r.boards.map((b) => (
                    <button key={b.id} type="button" class="mb-board" data-board={b.id} title={b.title} aria-current={b.id === boardId ? 'page' : undefined} onClick={() => onPick(b.id)}>
                      {b.title}{b.locked ? <span class="sr-only"> ({t('meeting.lockedShort')})</span> : null}
                      {b.locked ? <span aria-hidden="true"> 🔒</span> : null}
                    </button>
                  ))}
                </div>
              ))}
            </nav>
            )
          : null}
        <div class="mb-right">
          {children}
          <TimerDisplay timer={view.state.timer} offset={offset} />
        </div>
      </div>
      <MessageBanner message={view.state.message} />
      <ActivityCue view={view} me={me} boardId={boardId} onPick={onPick} />
    </>
  )
}

// the message dismissed last, kept while the page lives (moving to another board keeps it hidden)
let dismissedAt: number | null = null

/** The facilitator's latest broadcast, until dismissed (a new one shows again). */
export function MessageBanner ({ message }: { message: MessageState | null }) {
  const [dismissed, setDismissedState] = useState<number | null>(dismissedAt)
  const setDismissed = (at: number) => { dismissedAt = at; setDismissedState(at) }
  if (!message || dismissed === message.at) return <div class="sr-only" role="status" aria-live="polite" />
  return (
    <div class="broadcast" role="status" aria-live="polite" data-at={message.at}>
      <span class="broadcast-label">{t('message.from')}</span>
      <span class="broadcast-text">{message.text}</span>
      <button type="button" class="small" onClick={() => setDismissed(message.at)} aria-label={t('message.dismiss')}>{t('message.dismissShort')}</button>
    </div>
  )
}

/**
 * Tells a participant that a vote or private writing is open on a board other than the
 * one they are on, with a button that takes them there (the boards they may open only).
 */
export function ActivityCue ({ view, me, boardId, onPick }: {
  view: SessionView, me: Me, boardId: string | null, onPick: (board: string) => void
}) {
  const elsewhere = me.role === 'participant' && !view.closed
    ? openableRooms(view, me).flatMap((r) => r.boards).filter((b) => b.id !== boardId)
    : []
  const cues = [
    ...elsewhere.filter((b) => view.state.votes[b.id]).map((b) => ({ board: b, text: t('cue.vote', { board: b.title }), what: 'vote' })),
    ...elsewhere.filter((b) => view.state.private[b.id] === true).map((b) => ({ board: b, text: t('cue.private', { board: b.title }), what: 'private' }))
  ]
  return (
    <div class={cues.length ? 'cue-bar' : 'cue-bar empty'} role="status" aria-live="polite">
      {cues.map((c) => (
        <p key={`${c.what}:${c.board.id}`} data-cue={c.what} data-board={c.board.id}>
          <span>{c.text}</span>
          <button type="button" class="small primary" onClick={() => onPick(c.board.id)}>{t('cue.go')}</button>
        </p>
      ))}
    </div>
  )
}
