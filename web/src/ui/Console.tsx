// The sections of the facilitator's console. Each one changes the meeting through the REST
// API; the server then publishes the new state on the control channel, which re-renders
// everyone (this console included).

import { useEffect, useState } from 'preact/hooks'
import { t, tCount, tDynamic } from '../i18n'
import { BOARD_KINDS } from '../model/schema'
import { apiPath, del, get, patch, post, type Schemas } from '../sync/api'
import type { ControlChannel } from '../sync/control'
import {
  assignUnassigned, boardLabel, findBoard, groupColumns, shuffleIntoGroups, groupRooms, plenaryRoom, resultsKey, timerRunning,
  type BoardInfo, type MemberInfo, type SessionView, type Tally
} from '../sync/session'
import { convertBoardInMeeting } from '../sync/convert'
import { LiveBoardPreview } from './BoardPreview'
import { Notice, useNotice } from './Notice'
import { Confirm } from './Dialog'
import { Link } from './Account'
import { roleLabel } from './MeetingBar'
import { SnapshotsDialog } from './Snapshots'
import { MinutesButton, VoteResultsDownloads, downloadFile, galleryUrl } from './ExportMenu'
import { formatWhen, ResultList, useVoteResults } from './Vote'
import { TimerDisplay } from './Timer'
import { navigate } from './router'
import { formatDate, today } from './HomePage'
import { errorText } from './errors'
import { QrCode } from './QrCode'

/** Runs an API call; keeps its error for the section to show. */
function useRun (): [string | null, (f: () => Promise<unknown>) => Promise<boolean>] {
  const [error, setError] = useState<string | null>(null)
  const run = async (f: () => Promise<unknown>) => {
    setError(null)
    try { await f(); return true } catch (e) { setError(errorText(e)); return false }
  }
  return [error, run]
}

const Err = ({ error }: { error: string | null }) => error ? <p class="error" role="alert">{error}</p> : null

// ---- timer and message ------------------------------------------------------------------

export function TimerControls ({ view, control }: { view: SessionView, control: ControlChannel }) {
  const [minutes, setMinutes] = useState('20')
  const [error, run] = useRun()
  const timer = view.state.timer
  const call = (action: string, seconds?: number) => run(() => post(apiPath('sessions', view.id, 'timer'), seconds === undefined ? { action } : { action, seconds }))
  return (
    <section class="timer-controls" aria-labelledby="timer-title">
      <h2 id="timer-title">{t('timer.title')}</h2>
      <TimerDisplay timer={timer} offset={control.offset} />
      <form class="inline-form" onSubmit={(e) => {
        e.preventDefault()
        const m = Number(minutes)
        if (m > 0) void call('start', Math.round(m * 60))
      }}>
        <label class="field">{t('timer.minutes')}
          <input type="number" name="minutes" min={0.1} max={600} step="any" value={minutes} required onInput={(e) => setMinutes((e.target as HTMLInputElement).value)} />
        </label>
        <button type="submit" class="primary" data-action="timer-start">{timer ? t('timer.restart') : t('timer.start')}</button>
      </form>
      {timer
        ? (
          <div class="actions">
            {timerRunning(timer)
              ? <button type="button" data-action="timer-pause" onClick={() => call('pause')}>{t('timer.pause')}</button>
              : <button type="button" data-action="timer-resume" onClick={() => call('resume')}>{t('timer.resume')}</button>}
            <button type="button" data-action="timer-add1" onClick={() => call('add', 60)}>{t('timer.add', { n: 1 })}</button>
            <button type="button" data-action="timer-add5" onClick={() => call('add', 300)}>{t('timer.add', { n: 5 })}</button>
            <button type="button" data-action="timer-stop" onClick={() => call('stop')}>{t('timer.stop')}</button>
          </div>
          )
        : null}
      <Err error={error} />
    </section>
  )
}

/** The broadcast: send one, replace the one showing (send again), or withdraw it. */
export function MessageForm ({ view }: { view: SessionView }) {
  const [text, setText] = useState('')
  const [status, setStatus] = useState('')
  const [error, run] = useRun()
  const current = view.state.message
  return (
    <section class="message-form" aria-labelledby="msg-title">
      <h2 id="msg-title">{t('message.title')}</h2>
      <form class="inline-form" onSubmit={async (e) => {
        e.preventDefault()
        setStatus('')
        if (await run(() => post(apiPath('sessions', view.id, 'message'), { text: text.trim() }))) setText('')
      }}>
        <label class="field grow">{t('message.label')}
          <input type="text" name="message" value={text} required maxLength={500} placeholder={t('message.placeholder')} onInput={(e) => setText((e.target as HTMLInputElement).value)} />
        </label>
        <button type="submit" class="primary" data-action="message-send">{current ? t('message.replace') : t('message.send')}</button>
      </form>
      {current
        ? (
          <div class="message-current">
            <p class="small" data-message-at={current.at}>{t('message.last', { text: current.text })}</p>
            <button type="button" class="small danger" data-action="message-withdraw" onClick={async () => {
              if (await run(() => del(apiPath('sessions', view.id, 'message')))) setStatus(t('message.withdrawn'))
            }}>{t('message.withdraw')}</button>
          </div>
          )
        : null}
      <p class="muted small" role="status">{current ? '' : status}</p>
      <Err error={error} />
    </section>
  )
}

// ---- vote results -----------------------------------------------------------------------

/** Every closed vote of the meeting: board, when, items ranked with their dots; downloads. */
export function VoteResultsPanel ({ view }: { view: SessionView }) {
  const results = useVoteResults(view.id, resultsKey(view))
  return (
    <section class="panel vote-results-panel" aria-labelledby="vote-results-all">
      <h2 id="vote-results-all">{t('vote.resultsAll')}</h2>
      {results === null
        ? <p class="muted small">{t('vote.loading')}</p>
        : results.length === 0
          ? <p class="muted small" data-results="none">{t('vote.noResults')}</p>
          : (
            <>
              <ul class="vote-results-list">
                {results.slice().reverse().map((r) => (
                  <li key={r.id} data-vote={r.id} data-board={r.board}>
                    <h3>{r.board_title} <span class="muted small">— {r.room}</span></h3>
                    <p class="muted small">{t('vote.closedAt', { when: formatWhen(r.closed_at) })} · {tCount('vote.perPerson', r.dots)} · {tCount('vote.total', r.total)}</p>
                    <ResultList result={r} />
                  </li>
                ))}
              </ul>
              <VoteResultsDownloads sessionId={view.id} />
            </>
            )}
    </section>
  )
}

// ---- who is present ---------------------------------------------------------------------

export function PresentPanel ({ view }: { view: SessionView }) {
  const people = view.present.filter((p) => p.role !== 'facilitator')
  // the group someone belongs to, when the board they are on does not say it already
  const groupName = (id: string, board: string | null) => {
    const g = view.members.find((m) => m.id === id)?.group
    if (!g || view.state.phase !== 'breakout' || !view.state.groups.includes(g)) return null
    const room = view.rooms.find((r) => r.id === g)
    return room && !room.boards.some((b) => board?.startsWith(b.id)) ? room.name : null
  }
  return (
    <section class="panel" aria-labelledby="present-title">
      <h2 id="present-title">{t('present.title', { n: people.length })}</h2>
      {people.length === 0
        ? <p class="muted">{t('present.none')}</p>
        : (
          <ul class="present-list">
            {people.map((p) => (
              <li key={p.id} data-member={p.id}>
                <span class="p-name">{p.name}</span>
                {p.role === 'observer' ? <span class="role-badge role-observer">{roleLabel(p.role)}</span> : null}
                <span class="p-where muted small">{boardLabel(view, p.board) ?? t('present.noBoard')}</span>
                {groupName(p.id, p.board) ? <span class="p-group small">{t('present.inGroup', { group: groupName(p.id, p.board)! })}</span> : null}
              </li>
            ))}
          </ul>
          )}
    </section>
  )
}

// ---- calls -------------------------------------------------------------------------------

type CallsView = Schemas['CallsView']

/** Who is in which call (the plenary's, each group's) and who is speaking, as the media
 *  server says: asked again every second and a half while the console is open. */
export function CallsPanel ({ view }: { view: SessionView }) {
  const [calls, setCalls] = useState<CallsView['calls'] | null>(null)
  const [off, setOff] = useState(false)
  useEffect(() => {
    // a closed meeting has no calls: nothing to ask
    if (view.closed) return
    let stop = false
    let timer: ReturnType<typeof setTimeout> | null = null
    const ask = async () => {
      try {
        const v = await get<CallsView>(apiPath('sessions', view.id, 'calls'))
        if (!stop) setCalls(v.calls)
      } catch (e) {
        // 410: this server runs without calls
        if ((e as { status?: number }).status === 410) { setOff(true); return }
      }
      if (!stop) timer = setTimeout(() => { void ask() }, 1500)
    }
    void ask()
    return () => { stop = true; if (timer) clearTimeout(timer) }
  }, [view.id, view.closed])
  if (off || view.closed) return null
  const roomName = (id: string) => view.rooms.find((r) => r.id === id)?.name ?? id
  return (
    <section class="panel" aria-labelledby="calls-title" data-calls>
      <h2 id="calls-title">{t('calls.title')}</h2>
      {calls === null
        ? null
        : calls.length === 0
          ? <p class="muted">{t('calls.none')}</p>
          : (
            <ul class="calls-list">
              {calls.map((c) => (
                <li key={c.call} data-call={c.call}>
                  <h3 class="small">{t('calls.room', { room: roomName(c.call), n: c.peers.length })}</h3>
                  <ul class="present-list">
                    {c.peers.map((p, i) => (
                      <li key={`${p.member}-${i}`} data-member={p.member} data-speaking={p.speaking ? 'true' : undefined} class={p.speaking ? 'speaking' : undefined}>
                        <span class="p-name">{p.name}</span>
                        {p.role !== 'participant' ? <span class={`role-badge role-${p.role}`}>{roleLabel(p.role)}</span> : null}
                        <span class="muted small">
                          {p.role === 'observer' ? t('call.listener') : p.audio ? t('call.micOn') : t('call.micOff')}
                          {p.speaking ? `, ${t('call.speaking')}` : ''}
                        </span>
                      </li>
                    ))}
                  </ul>
                </li>
              ))}
            </ul>
            )}
    </section>
  )
}

// ---- members ----------------------------------------------------------------------------

/** Everyone who joined through an invitation, each of whom the facilitator may remove. */
export function MembersPanel ({ view }: { view: SessionView }) {
  const [removing, setRemoving] = useState<MemberInfo | null>(null)
  const [status, setStatus] = useNotice()
  const [error, run] = useRun()
  const present = new Set(view.present.map((p) => p.id))
  return (
    <section class="panel" aria-labelledby="members-title">
      <h2 id="members-title">{t('members.title', { n: view.members.length })}</h2>
      {view.members.length === 0
        ? <p class="muted">{t('members.none')}</p>
        : (
          <ul class="member-list">
            {view.members.map((m) => (
              <li key={m.id} data-member={m.id}>
                <span class="p-name">{m.name}</span>
                {m.role === 'observer' ? <span class="role-badge role-observer">{roleLabel(m.role)}</span> : null}
                {present.has(m.id) ? <span class="muted small">{t('members.online')}</span> : null}
                <button type="button" class="small danger" data-action="remove-member" aria-label={t('members.removeLabel', { name: m.name })}
                  onClick={() => setRemoving(m)}>{t('members.remove')}</button>
              </li>
            ))}
          </ul>
          )}
      <Notice said={status} />
      <Err error={error} />
      {removing
        ? (
          <Confirm title={t('members.confirmTitle', { name: removing.name })} danger confirmLabel={t('members.remove')}
            message={<p>{t('members.confirmMessage', { name: removing.name })}</p>}
            onCancel={() => setRemoving(null)}
            onConfirm={async () => {
              const who = removing
              if (await run(() => post(apiPath('members', who.id, 'remove')))) setStatus(t('members.removed', { name: who.name }))
              setRemoving(null)
            }} />
          )
        : null}
    </section>
  )
}

// ---- invitations ------------------------------------------------------------------------

type Invite = Schemas['InviteListed']
const INVITES_KEY = 'tavolo.invites'

/** What this browser was shown when it made an invitation (the server keeps only hashes). */
interface SavedInvite { link: string, code?: string }

function savedLinks (): Record<string, SavedInvite> {
  try {
    const raw = JSON.parse(localStorage.getItem(INVITES_KEY) ?? '{}') as Record<string, string | SavedInvite>
    // earlier versions kept the link alone
    return Object.fromEntries(Object.entries(raw).map(([id, v]) => [id, typeof v === 'string' ? { link: v } : v]))
  } catch { return {} }
}
function saveLink (id: string, saved: SavedInvite): void {
  try { localStorage.setItem(INVITES_KEY, JSON.stringify({ ...savedLinks(), [id]: saved })) } catch { /* storage denied */ }
}

export async function copyText (text: string): Promise<boolean> {
  try { await navigator.clipboard.writeText(text); return true } catch {
    const ta = document.createElement('textarea')
    ta.value = text
    ta.setAttribute('readonly', '')
    ta.style.position = 'fixed'; ta.style.opacity = '0'
    document.body.appendChild(ta)
    ta.select()
    let ok = false
    try { ok = document.execCommand('copy') } catch { ok = false }
    ta.remove()
    return ok
  }
}

/** An invitation's short code (to read aloud: where to type it, and the code) and, on
 *  demand, its link as a QR code large enough to project. */
function InviteCode ({ code, link, label }: { code: string, link: string, label: string }) {
  const [qr, setQr] = useState(false)
  return (
    <div class="inv-code">
      <p class="small">
        {t('invites.codeAt', { where: location.host })}{' '}
        <strong class="code" data-invite-code aria-label={t('invites.codeSpelled', { code: code.split('').join(' ') })}>{code}</strong>
      </p>
      <button type="button" class="small" aria-expanded={qr} data-action="qr" onClick={() => setQr(!qr)}>{qr ? t('invites.qrHide') : t('invites.qrShow')}</button>
      {qr ? <QrCode text={link} label={t('invites.qrLabel', { label })} /> : null}
    </div>
  )
}

export function InvitesPanel ({ view }: { view: SessionView }) {
  const [list, setList] = useState<Invite[] | null>(null)
  const [hours, setHours] = useState('168')
  const [links, setLinks] = useState(savedLinks())
  const [status, setStatus] = useNotice()
  const [error, run] = useRun()
  const load = () => get<Invite[]>(apiPath('sessions', view.id, 'invites')).then(setList).catch(() => setList([]))
  useEffect(() => { void load() }, [view.id])
  const create = (role: 'participant' | 'observer') => run(async () => {
    const r = await post<{ id: string, path: string, code: string }>(apiPath('sessions', view.id, 'invites'), { role, hours: Number(hours) })
    saveLink(r.id, { link: `${location.origin}${r.path}`, code: r.code })
    setLinks(savedLinks())
    await load()
    setStatus(t('invites.created'))
  })
  const now = Date.now()
  return (
    <section class="panel" aria-labelledby="inv-title">
      <h2 id="inv-title">{t('invites.title')}</h2>
      <p class="muted small">{t('invites.help')}</p>
      {view.closed ? <p class="muted small">{t('invites.closed')}</p> : null}
      <label class="field">{t('invites.validity')}
        <select value={hours} onChange={(e) => setHours((e.target as HTMLSelectElement).value)}>
          <option value="4">{tCount('invites.hours', 4)}</option>
          <option value="24">{tCount('invites.days', 1)}</option>
          <option value="168">{tCount('invites.days', 7)}</option>
          <option value="720">{tCount('invites.days', 30)}</option>
        </select>
      </label>
      <div class="actions">
        <button type="button" class="primary" data-action="invite-participant" disabled={view.closed} onClick={() => create('participant')}>{t('invites.newParticipant')}</button>
        <button type="button" data-action="invite-observer" onClick={() => create('observer')}>{t('invites.newObserver')}</button>
      </div>
      <Notice said={status} />
      <Err error={error} />
      {list?.length
        ? (
          <ul class="invite-list">
            {list.map((i) => {
              const saved = links[i.id]
              const link = saved?.link
              const expired = i.expires_at <= now
              const label = i.role === 'observer' ? t('invites.observerLink') : t('invites.participantLink')
              return (
                <li key={i.id} data-invite={i.id} data-role={i.role} class={i.revoked || expired ? 'inactive' : ''}>
                  <div class="inv-head">
                    <strong>{label}</strong>
                    <span class="muted small">{i.revoked ? t('invites.revoked') : expired ? t('invites.expired') : t('invites.until', { date: new Date(i.expires_at).toLocaleString(document.documentElement.lang || 'it', { day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' }) })}</span>
                  </div>
                  {link && !i.revoked && !expired
                    ? (
                      <>
                      <div class="inv-link">
                        <label class="sr-only" for={`inv-${i.id}`}>{label}</label>
                        <input id={`inv-${i.id}`} type="text" readOnly value={link} onFocus={(e) => (e.target as HTMLInputElement).select()} />
                        <button type="button" class="small" data-action="copy" onClick={async () => setStatus(await copyText(link) ? t('invites.copied') : t('invites.copyFailed'))}>{t('invites.copy')}</button>
                      </div>
                      {saved.code ? <InviteCode code={saved.code} link={link} label={label} /> : null}
                      </>
                      )
                    : !i.revoked && !expired ? <p class="muted small">{t('invites.linkElsewhere')}</p> : null}
                  {!i.revoked && !expired
                    ? <button type="button" class="small danger" data-action="revoke" onClick={() => run(async () => { await post(apiPath('invites', i.id, 'revoke')); await load(); setStatus(t('invites.revokedNow')) })}>{t('invites.revoke')}</button>
                    : null}
                </li>
              )
            })}
          </ul>
          )
        : null}
    </section>
  )
}

// ---- rooms and boards -------------------------------------------------------------------

function VoteControl ({ view, board, control }: { view: SessionView, board: BoardInfo, control: ControlChannel }) {
  const [dots, setDots] = useState('3')
  const [tally, setTally] = useState<Tally[]>([])
  const [error, run] = useRun()
  const voteId = view.state.votes[board.id]
  useEffect(() => {
    if (!voteId) return
    get<{ tally: Tally[] }>(apiPath('votes', voteId)).then((v) => setTally(v.tally)).catch(() => {})
    return control.on(() => { const x = control.tallies.get(voteId); if (x) setTally(x) })
  }, [voteId, control])
  if (voteId) {
    const total = tally.reduce((n, x) => n + x.dots, 0)
    return (
      <span class="vote-control">
        <span class="badge" data-vote={voteId}>{tCount('vote.openBadge', total)}</span>
        <button type="button" class="small" data-action="vote-close" onClick={() => run(() => post(apiPath('votes', voteId, 'close')))}>{t('vote.close')}</button>
        <Err error={error} />
      </span>
    )
  }
  return (
    <form class="vote-control" onSubmit={(e) => { e.preventDefault(); void run(() => post(apiPath('boards', board.id, 'votes'), { dots: Number(dots) })) }}>
      <label class="small">{t('vote.dotsEach')}
        <input type="number" min={1} max={20} value={dots} class="num" onInput={(e) => setDots((e.target as HTMLInputElement).value)} />
      </label>
      <button type="submit" class="small" data-action="vote-open">{t('vote.open')}</button>
      <Err error={error} />
    </form>
  )
}

function BoardRow ({ view, board, control, onSnapshots }: { view: SessionView, board: BoardInfo, control: ControlChannel, onSnapshots: (b: BoardInfo) => void }) {
  const [error, run] = useRun()
  const [converting, setConverting] = useState(false)
  const href = `/s/${view.id}/b/${board.id}`
  return (
    <li class="board-row" data-board={board.id}>
      <div class="br-head">
        <Link href={href} class="br-title">{board.title}</Link>
        <span class="kind-badge">{tDynamic(`kind.${board.kind}`, board.kind)}</span>
        {board.locked ? <span class="badge">{t('board.lockedBadge')}</span> : null}
        {board.private ? <span class="badge">{t('private.badge')}</span> : null}
        {view.state.gathered === board.id ? <span class="badge">{t('gather.badge')}</span> : null}
      </div>
      <div class="actions">
        <Link class="button-link small" href={href}>{t('board.open')}</Link>
        <button type="button" class="small" data-action="lock" aria-pressed={board.locked} onClick={() => run(() => patch(apiPath('boards', board.id), { locked: !board.locked }))}>{board.locked ? t('board.unlock') : t('board.lock')}</button>
        {board.private
          ? (
            <>
              <button type="button" class="small" data-action="reveal" onClick={() => run(() => post(apiPath('boards', board.id, 'reveal')))}>{t('private.reveal')}</button>
              <button type="button" class="small" data-action="private-off" onClick={() => run(() => post(apiPath('boards', board.id, 'private'), { on: false }))}>{t('private.off')}</button>
            </>
            )
          : <button type="button" class="small" data-action="private-on" disabled={view.closed} onClick={() => run(() => post(apiPath('boards', board.id, 'private'), { on: true }))}>{t('private.on')}</button>}
        <button type="button" class="small" data-action="snapshots" onClick={() => onSnapshots(board)}>{t('snapshots.open')}</button>
        {board.kind === 'problem_tree' && !view.closed
          ? (
            <button type="button" class="small" data-action="convert" disabled={converting} onClick={async () => {
              setConverting(true)
              await run(async () => {
                const room = findBoard(view, board.id)?.room
                if (!room) return
                navigate(`/s/${view.id}/b/${await convertBoardInMeeting(view.id, room.id, board.id)}`)
              })
              setConverting(false)
            }}>{converting ? t('tree.converting') : t('tree.convert')}</button>
            )
          : null}
      </div>
      {!view.closed ? <VoteControl view={view} board={board} control={control} /> : null}
      <Err error={error} />
    </li>
  )
}

export function RoomsPanel ({ view, control }: { view: SessionView, control: ControlChannel }) {
  const plenary = plenaryRoom(view)
  const [title, setTitle] = useState('')
  const [kind, setKind] = useState('stakeholder_map')
  const [snapshots, setSnapshots] = useState<BoardInfo | null>(null)
  const [error, run] = useRun()
  return (
    <section class="panel" aria-labelledby="rooms-title">
      <h2 id="rooms-title">{plenary?.name ?? t('rooms.plenary')}</h2>
      {plenary?.boards.length
        ? <ul class="board-list">{plenary.boards.map((b) => <BoardRow key={b.id} view={view} board={b} control={control} onSnapshots={setSnapshots} />)}</ul>
        : <p class="muted">{t('rooms.noBoards')}</p>}
      {!view.closed
        ? (
          <form class="inline-form add-board" aria-labelledby="add-board-title" onSubmit={async (e) => {
            e.preventDefault()
            if (await run(() => post(apiPath('sessions', view.id, 'boards'), { kind, title: title.trim() || tDynamic(`kind.${kind}`) }))) setTitle('')
          }}>
            <h3 id="add-board-title">{t('rooms.addBoard')}</h3>
            <label class="field">{t('start.kind')}
              <select name="kind" value={kind} onChange={(e) => setKind((e.target as HTMLSelectElement).value)}>
                {BOARD_KINDS.filter((k) => k !== 'objective_tree').map((k) => <option key={k} value={k}>{tDynamic(`kind.${k}`)}</option>)}
              </select>
            </label>
            <label class="field grow">{t('start.title')}
              <input type="text" name="board-title" value={title} maxLength={200} placeholder={tDynamic(`kind.${kind}`)} onInput={(e) => setTitle((e.target as HTMLInputElement).value)} />
            </label>
            <button type="submit" class="primary">{t('rooms.addSubmit')}</button>
          </form>
          )
        : null}
      <Err error={error} />
      {snapshots ? <SnapshotsDialog boardId={snapshots.id} title={snapshots.title} kind={snapshots.kind} onClose={() => setSnapshots(null)} /> : null}
    </section>
  )
}

// ---- breakout groups --------------------------------------------------------------------

function MemberChip ({ view, m, presentIds, onMove }: { view: SessionView, m: MemberInfo, presentIds: Set<string>, onMove: (member: string, room: string | null) => void }) {
  const groups = groupRooms(view)
  const id = `mv-${m.id}`
  return (
    <li class="member-chip" draggable={!view.closed} data-member={m.id}
      onDragStart={(e) => { e.dataTransfer?.setData('text/plain', m.id); if (e.dataTransfer) e.dataTransfer.effectAllowed = 'move' }}>
      <span class={`presence-dot${presentIds.has(m.id) ? ' on' : ''}`} aria-hidden="true" />
      <span class="m-name">{m.name}</span>
      {presentIds.has(m.id) ? <span class="sr-only">{t('groups.connected')}</span> : null}
      <label class="sr-only" for={id}>{t('groups.moveLabel', { name: m.name })}</label>
      <select id={id} class="move" disabled={view.closed} value={m.group && view.state.groups.includes(m.group) ? m.group : ''} onChange={(e) => onMove(m.id, (e.target as HTMLSelectElement).value || null)}>
        <option value="">{t('groups.unassigned')}</option>
        {groups.map((g) => <option key={g.id} value={g.id}>{g.name}</option>)}
      </select>
    </li>
  )
}

export function GroupsPanel ({ view }: { view: SessionView }) {
  const plenary = plenaryRoom(view)
  const [count, setCount] = useState('2')
  const [source, setSource] = useState<'template' | 'copy'>('template')
  const [kind, setKind] = useState('problem_tree')
  const [copyFrom, setCopyFrom] = useState('')
  const [assign, setAssign] = useState('balanced')
  const [over, setOver] = useState<string | null>(null)
  const [gallery, setGallery] = useState(false)
  const [snapshots, setSnapshots] = useState<{ id: string, title: string, kind: string } | null>(null)
  const [error, run] = useRun()
  const running = view.state.phase === 'breakout'
  const groups = groupRooms(view)
  const columns = groupColumns(view)
  const presentIds = new Set(view.present.map((p) => p.id))
  const move = (member: string, room: string | null) => { void run(() => post(apiPath('sessions', view.id, 'assignments'), { [member]: room })) }
  const sourceBoard = copyFrom || plenary?.boards[0]?.id || ''
  return (
    <section class="panel groups" aria-labelledby="groups-title">
      <h2 id="groups-title">{t('groups.title')}</h2>
      <p class="phase" data-phase={view.state.phase}>{view.closed ? t('groups.closed') : running ? t('groups.running') : groups.length ? t('groups.ready') : t('groups.none')}</p>
      {!running && !view.closed
        ? (
          <form class="spawn-form" aria-labelledby="spawn-title" onSubmit={(e) => {
            e.preventDefault()
            const body: Record<string, unknown> = { groups: Number(count), assign }
            if (source === 'copy' && sourceBoard) body.copy_from = sourceBoard
            else body.kind = kind
            void run(() => post(apiPath('sessions', view.id, 'breakouts'), body))
          }}>
            <h3 id="spawn-title">{groups.length ? t('groups.newRound') : t('groups.spawn')}</h3>
            <div class="row">
              <label class="field">{t('groups.count')}
                <input type="number" name="groups" min={1} max={20} value={count} class="num" onInput={(e) => setCount((e.target as HTMLInputElement).value)} />
              </label>
              <fieldset class="field spawn-source">
                <legend>{t('groups.source')}</legend>
                <label><input type="radio" name="source" value="template" checked={source === 'template'} onChange={() => setSource('template')} /> {t('groups.fromTemplate')}</label>
                <select aria-label={t('groups.template')} name="kind" value={kind} disabled={source !== 'template'} onChange={(e) => setKind((e.target as HTMLSelectElement).value)}>
                  {BOARD_KINDS.filter((k) => k !== 'objective_tree').map((k) => <option key={k} value={k}>{tDynamic(`kind.${k}`)}</option>)}
                </select>
                <label><input type="radio" name="source" value="copy" checked={source === 'copy'} disabled={!plenary?.boards.length} onChange={() => setSource('copy')} /> {t('groups.fromCopy')}</label>
                <select aria-label={t('groups.copyOf')} name="copy" value={sourceBoard} disabled={source !== 'copy'} onChange={(e) => setCopyFrom((e.target as HTMLSelectElement).value)}>
                  {plenary?.boards.map((b) => <option key={b.id} value={b.id}>{b.title}</option>)}
                </select>
              </fieldset>
              <label class="field">{t('groups.assign')}
                <select name="assign" value={assign} onChange={(e) => setAssign((e.target as HTMLSelectElement).value)}>
                  <option value="balanced">{t('groups.balanced')}</option>
                  <option value="random">{t('groups.random')}</option>
                  <option value="none">{t('groups.manual')}</option>
                </select>
              </label>
            </div>
            <button type="submit" class="primary" data-action="spawn">{t('groups.spawnSubmit')}</button>
          </form>
          )
        : null}
      {groups.length
        ? (
          <>
            {view.closed ? null : <p class="muted small">{t('groups.dragHelp')}</p>}
            <div class="group-columns">
              {columns.map((col) => {
                const key = col.room?.id ?? ''
                return (
                  <section key={key || 'none'} class={`group-col${over === key ? ' over' : ''}`} data-group={key} aria-labelledby={`gc-${key || 'none'}`}
                    onDragOver={(e) => { e.preventDefault(); if (e.dataTransfer) e.dataTransfer.dropEffect = 'move'; setOver(key) }}
                    onDragLeave={() => setOver((o) => (o === key ? null : o))}
                    onDrop={(e) => {
                      e.preventDefault()
                      setOver(null)
                      const id = e.dataTransfer?.getData('text/plain')
                      if (id && view.members.some((m) => m.id === id)) move(id, col.room?.id ?? null)
                    }}>
                    <h3 id={`gc-${key || 'none'}`}>{col.room?.name ?? t('groups.unassigned')} <span class="muted">({col.members.length})</span></h3>
                    {col.room?.boards.map((b) => (
                      <div key={b.id} class="actions">
                        <Link class="button-link small visit" href={`/s/${view.id}/b/${b.id}`} data-board={b.id}>{t('groups.visit', { title: b.title })}</Link>
                        <button type="button" class="small" data-action="snapshots" aria-label={t('snapshots.titleOf', { title: `${col.room!.name} — ${b.title}` })} onClick={() => setSnapshots({ id: b.id, title: `${col.room!.name} — ${b.title}`, kind: b.kind })}>{t('snapshots.open')}</button>
                      </div>
                    ))}
                    <ul class="members">
                      {col.members.map((m) => <MemberChip key={m.id} view={view} m={m} presentIds={presentIds} onMove={move} />)}
                    </ul>
                    {col.members.length === 0 ? <p class="muted small drop-hint">{t('groups.dropHere')}</p> : null}
                  </section>
                )
              })}
            </div>
            {!view.closed
              ? (
                <div class="actions">
                  <button type="button" class="small" data-action="assign-rest" disabled={columns[0].members.length === 0}
                    onClick={() => run(() => post(apiPath('sessions', view.id, 'assignments'), assignUnassigned(view)))}>{t('groups.assignRest')}</button>
                  <button type="button" class="small" data-action="shuffle"
                    onClick={() => run(() => post(apiPath('sessions', view.id, 'assignments'), shuffleIntoGroups(view)))}>{t('groups.shuffle')}</button>
                </div>
                )
              : null}
            <div class="actions big-actions">
              {running
                ? <button type="button" class="primary" data-action="end" onClick={() => run(() => post(apiPath('sessions', view.id, 'breakouts', 'end')))}>{t('groups.end')}</button>
                : !view.closed ? <button type="button" class="primary" data-action="start" onClick={() => run(() => post(apiPath('sessions', view.id, 'breakouts', 'start')))}>{t('groups.start')}</button> : null}
              <button type="button" data-action="gallery" aria-expanded={gallery} onClick={() => setGallery((g) => !g)}>{gallery ? t('gather.hideGallery') : t('gather.showGallery')}</button>
              {!view.closed ? <button type="button" data-action="gather" onClick={() => run(() => post(apiPath('sessions', view.id, 'gather')))}>{t('gather.submit')}</button> : null}
              {view.state.gathered
                ? <Link class="button-link" href={`/s/${view.id}/b/${view.state.gathered}`} data-action="open-gathered">{t('gather.open')}</Link>
                : null}
            </div>
            {gallery
              ? (
                <div class="gallery-region" aria-label={t('gather.gallery')} role="region">
                  <p class="actions">
                    <button type="button" data-action="export-gallery" onClick={() => run(() => downloadFile(galleryUrl(view.id)))}>{t('gather.exportGallery')}</button>
                  </p>
                  <div class="gallery">
                    {groups.map((g) => g.boards.map((b) => (
                      <figure key={b.id} class="gallery-item" data-board={b.id}>
                        <figcaption><Link href={`/s/${view.id}/b/${b.id}`}>{g.name} — {b.title}</Link></figcaption>
                        <LiveBoardPreview boardId={b.id} width={400} height={260} withTexts />
                      </figure>
                    )))}
                  </div>
                </div>
                )
              : null}
          </>
          )
        : null}
      <Err error={error} />
      {snapshots ? <SnapshotsDialog boardId={snapshots.id} title={snapshots.title} kind={snapshots.kind} onClose={() => setSnapshots(null)} /> : null}
    </section>
  )
}

// ---- closing the meeting ----------------------------------------------------------------

export function ClosePanel ({ view }: { view: SessionView }) {
  const [confirming, setConfirming] = useState(false)
  const [result, setResult] = useState<number | null>(null)
  const [title, setTitle] = useState('')
  const [date, setDate] = useState(today())
  const [error, run] = useRun()
  return (
    <section class="panel" aria-labelledby="close-title">
      <h2 id="close-title">{view.closed ? t('close.closedTitle') : t('close.title')}</h2>
      {view.closed
        ? (
          <>
            <p role="status" data-closed="true">{result != null ? tCount('close.done', result) : t('close.closedHelp')}</p>
            <form class="next-meeting" aria-labelledby="next-title" onSubmit={(e) => {
              e.preventDefault()
              void run(async () => {
                const r = await post<{ id: string }>(apiPath('workspaces', view.workspace.id, 'sessions'), { title: title.trim(), date })
                navigate(`/s/${r.id}`)
              })
            }}>
              <h3 id="next-title">{t('close.next')}</h3>
              <p class="muted small">{t('meetings.continues')}</p>
              <label class="field">{t('meetings.title')}
                <input type="text" name="next-title" value={title} required maxLength={200} onInput={(e) => setTitle((e.target as HTMLInputElement).value)} />
              </label>
              <label class="field">{t('meetings.date')}
                <input type="date" name="next-date" value={date} required onInput={(e) => setDate((e.target as HTMLInputElement).value)} />
              </label>
              <button type="submit" class="primary" data-action="next-meeting">{t('meetings.createSubmit')}</button>
            </form>
          </>
          )
        : (
          <>
            <p class="muted small">{t('close.help')}</p>
            <button type="button" class="danger" data-action="close" onClick={() => setConfirming(true)}>{t('close.submit')}</button>
          </>
          )}
      <div class="minutes-block">
        <p class="muted small">{t('close.minutesHelp')}</p>
        <MinutesButton sessionId={view.id} />
      </div>
      <Err error={error} />
      {confirming
        ? (
          <Confirm title={t('close.confirmTitle')} danger confirmLabel={t('close.submit')}
            message={<p>{t('close.confirmMessage', { title: view.title, date: formatDate(view.date) })}</p>}
            onCancel={() => setConfirming(false)}
            onConfirm={async () => {
              await run(async () => {
                const r = await post<{ snapshots: unknown[] }>(apiPath('sessions', view.id, 'close'))
                setResult(r.snapshots?.length ?? 0)
              })
              setConfirming(false)
            }} />
          )
        : null}
    </section>
  )
}
