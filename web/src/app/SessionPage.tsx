// /s/{session} and /s/{session}/b/{board}: a meeting. The facilitator gets the console
// (or a board of the meeting with the meeting bar); a participant or observer gets the
// meeting itself, and is moved by the room state: to their group's board while the
// breakouts run, back to the plenary when they end, to the gathered results, to the
// facilitator's view on "bring everyone to me".

import { useEffect, useRef, useState } from 'preact/hooks'
import { t } from '../i18n'
import { ApiError, apiPath, get } from '../sync/api'
import { ControlChannel, EXPIRED, REMOVED } from '../sync/control'
import { memberToken } from '../sync/credentials'
import { canOpen, findBoard, pickBoard, type FollowState, type Me, type SessionView } from '../sync/session'
import { LangSwitch } from '../ui/LangSwitch'
import { MeetingBar } from '../ui/MeetingBar'
import { navigate } from '../ui/router'
import { lazy } from 'preact/compat'
import { MeetingBoard } from './MeetingBoard'
import { CallClient } from '../sync/call'
import { CallPanel } from '../ui/CallPanel'
import { errorText } from '../ui/errors'

// the console loads on demand (participants never need it)
const ConsolePage = lazy(() => import('./ConsolePage').then((m) => ({ default: m.ConsolePage })))

/** Re-renders on every change of the control channel. */
export function useControl (control: ControlChannel | null): SessionView | null {
  const [, setN] = useState(0)
  useEffect(() => control?.on(() => setN((n) => n + 1)), [control])
  return control?.view ?? null
}

/** Calls `fn` when `value` changes from one render to the next (not on the first). */
function useChanged<T> (value: T, fn: (value: T) => void): void {
  const prev = useRef(value)
  useEffect(() => {
    if (prev.current !== value) {
      prev.current = value
      fn(value)
    }
  }, [value])
}

export function SessionPage ({ sessionId, boardId }: { sessionId: string, boardId: string | null }) {
  const [control, setControl] = useState<ControlChannel | null>(null)
  const [error, setError] = useState<ApiError | null>(null)
  const [token, setToken] = useState<string | null>(null)
  useEffect(() => {
    let alive = true
    let ch: ControlChannel | null = null
    const tok = memberToken(sessionId)
    setToken(tok)
    setError(null)
    get<SessionView>(apiPath('sessions', sessionId))
      .then((v) => {
        if (!alive) return
        ch = new ControlChannel(sessionId, { token: tok, initial: v })
        ;(window as unknown as { tavoloControl?: unknown }).tavoloControl = ch
        setControl(ch)
      })
      .catch((e) => { if (alive) setError(e instanceof ApiError ? e : new ApiError(0, String(e))) })
    return () => { alive = false; ch?.destroy(); setControl(null) }
  }, [sessionId])
  const view = useControl(control)
  // the call lives as long as the meeting page: boards and rooms change under it
  const [call, setCall] = useState<CallClient | null>(null)
  useEffect(() => {
    const c = new CallClient(sessionId, memberToken(sessionId))
    ;(window as unknown as { tavoloCall?: unknown }).tavoloCall = c
    setCall(c)
    return () => { c.destroy(); setCall(null) }
  }, [sessionId])
  useEffect(() => { if (view) document.title = `${view.title} — ${t('app.name')}` }, [view?.title])

  if (error) return <SessionError error={error} sessionId={sessionId} />
  if (!control || !view?.me) return <p class="loading" role="status">{t('meeting.loading')}</p>
  const me = view.me
  // the server ended this credential's access: the boards close (unmounted) and say why
  if (control.ended !== null) return <SessionEnded code={control.ended} facilitator={me.role === 'facilitator'} sessionId={sessionId} />
  const page = meetingPage(view, me, control, token, boardId, sessionId)
  if (!call) return page
  return (
    <div class="with-call">
      <div class="with-call-main">{page}</div>
      <CallPanel call={call} view={view} myName={me.role !== 'facilitator' ? me.name : t('role.facilitator')} />
    </div>
  )
}

function meetingPage (view: SessionView, me: Me, control: ControlChannel, token: string | null, boardId: string | null, sessionId: string) {
  if (me.role === 'facilitator') {
    if (!boardId) return <ConsolePage view={view} control={control} />
    return (
      <MeetingBoard key={boardId} view={view} me={me} control={control} token={null} boardId={boardId}
        onPick={(b) => navigate(`/s/${sessionId}/b/${b}`)} />
    )
  }
  return <MemberMeeting view={view} me={me} control={control} token={token} wanted={boardId} />
}

function MemberMeeting ({ view, me, control, token, wanted }: { view: SessionView, me: Me, control: ControlChannel, token: string | null, wanted: string | null }) {
  const [choice, setChoice] = useState<string | null>(wanted)
  const [follow, setFollow] = useState<FollowState | null>(null)
  // breakouts start or end, or this participant moves to another group: go where they belong
  useChanged(`${view.state.phase}:${me.role !== 'facilitator' ? me.group ?? '' : ''}`, () => setChoice(null))
  // the groups' results were gathered into the plenary: show them
  useChanged(view.state.gathered, (g) => { if (g) setChoice(g) })
  // "bring everyone to me"
  useChanged(view.state.follow?.at ?? null, () => {
    const f = view.state.follow
    if (f && canOpen(view, me, f.board)) { setChoice(f.board); setFollow(f) }
  })
  const current = pickBoard(view, me, choice)
  // say where one was moved (the board under the keyboard focus is replaced)
  const room = current ? findBoard(view, current)?.room : undefined
  const [announce, setAnnounce] = useState('')
  useChanged(room?.id ?? null, () => { if (room) setAnnounce(t('meeting.movedTo', { room: room.name, board: findBoard(view, current!)!.board.title })) })
  useEffect(() => {
    // keep the address simple: members' boards follow the room state, not the URL
    if (wanted && location.pathname !== `/s/${view.id}`) history.replaceState(null, '', `/s/${view.id}`)
  }, [])
  if (!current) {
    return (
      <div class="board-page">
        <MeetingBar view={view} me={me} boardId={null} offset={control.offset} onPick={setChoice} />
        <main class="waiting"><h1>{view.title}</h1><p role="status">{t('meeting.noBoard')}</p><LangSwitch /></main>
      </div>
    )
  }
  return (
    <>
      <MeetingBoard key={current} view={view} me={me} control={control} token={token} boardId={current} onPick={setChoice} follow={follow} />
      <div class="sr-only" role="status" aria-live="polite">{announce}</div>
    </>
  )
}

function SessionEnded ({ code, facilitator, sessionId }: { code: number, facilitator: boolean, sessionId: string }) {
  const msg = code === REMOVED
    ? t('meeting.removed')
    : code === EXPIRED ? (facilitator ? t('meeting.loginExpired') : t('meeting.inviteExpired')) : t('meeting.revoked')
  const login = `/login?next=${encodeURIComponent(`/s/${sessionId}`)}`
  return (
    <main class="start narrow" data-ended={code}>
      <h1>{t('meeting.endedTitle')}</h1>
      <p role="alert">{msg}</p>
      {facilitator
        ? <p><a href={login} onClick={(e) => { e.preventDefault(); navigate(login) }}>{t('login.facilitatorLink')}</a></p>
        : null}
      <p><a href="/">{t('board.home')}</a></p>
      <LangSwitch />
    </main>
  )
}

function SessionError ({ error, sessionId }: { error: ApiError, sessionId: string }) {
  const msg = error.status === 401
    ? t('meeting.needInvite')
    : error.status === 403
      ? t('meeting.forbidden')
      : error.status === 404 ? t('meeting.notFound') : errorText(error)
  return (
    <main class="start narrow">
      <h1>{t('app.name')}</h1>
      <p role="alert">{msg}</p>
      {error.status === 401 || error.status === 403
        ? <p><a href={`/login?next=${encodeURIComponent(`/s/${sessionId}`)}`} onClick={(e) => { e.preventDefault(); navigate(`/login?next=${encodeURIComponent(`/s/${sessionId}`)}`) }}>{t('login.facilitatorLink')}</a></p>
        : null}
      <p><a href="/">{t('board.home')}</a></p>
    </main>
  )
}
