// A meeting (session) as the server describes it — GET /api/sessions/{id} and the control
// channel's {"type":"session"} messages (docs/control-channel.md) — and what the client
// derives from it: where a member belongs, which boards they may open and edit, the
// breakout groups' columns, the timer. No DOM, no network.

import type { components } from './openapi'

// The server's answers are described once, by the Rust types behind the OpenAPI document;
// these are their generated TypeScript (openapi.d.ts, `npm run api-types`).
type Schemas = components['schemas']

export type Role = Schemas['Part']
export type BoardInfo = Schemas['BoardSummary']
export type RoomInfo = Schemas['RoomView']
export type MemberInfo = Schemas['MemberView']
export type TimerState = Schemas['Timer']
export type MessageState = Schemas['Broadcast']
export type FollowState = Schemas['Follow']
export type PresentEntry = Schemas['Presence']
export type RoomState = Schemas['SessionState']
/** The asker: a member as in `members`, or the facilitator (`role` tells which). */
export type Me = Schemas['Me']
/** `now`: the server's clock (unix ms) when the view was made. */
export type SessionView = Schemas['SessionView']
export type Tally = Schemas['Tally']

/** Fills what an older or partial view may lack, so the UI can read every field. */
export function normalizeView (v: SessionView): SessionView {
  const s = (v.state ?? {}) as Partial<RoomState>
  return {
    ...v,
    rooms: v.rooms ?? [],
    members: v.members ?? [],
    present: v.present ?? [],
    state: {
      phase: s.phase === 'breakout' ? 'breakout' : 'plenary',
      groups: s.groups ?? [],
      timer: s.timer ?? null,
      message: s.message ?? null,
      follow: s.follow ?? null,
      private: s.private ?? {},
      votes: s.votes ?? {},
      gathered: s.gathered ?? null
    }
  }
}

export function plenaryRoom (v: SessionView): RoomInfo | undefined {
  return v.rooms.find((r) => r.kind === 'plenary')
}

/** The breakout rooms of the current round, in order. */
export function groupRooms (v: SessionView): RoomInfo[] {
  return v.state.groups.map((id) => v.rooms.find((r) => r.id === id)).filter((r): r is RoomInfo => !!r)
}

export function findBoard (v: SessionView, boardId: string): { room: RoomInfo, board: BoardInfo } | null {
  for (const room of v.rooms) {
    const board = room.boards.find((b) => b.id === boardId)
    if (board) return { room, board }
  }
  return null
}

/** The group (breakout room id) of a member, as the members list says now. */
export function groupOf (v: SessionView, memberId: string): string | null {
  return v.members.find((m) => m.id === memberId)?.group ?? null
}

/**
 * The room a member belongs in now: their group's room while breakouts run (participants
 * with a group of this round), otherwise the plenary.
 */
export function homeRoom (v: SessionView, me: Me): RoomInfo | undefined {
  if (me.role === 'participant' && v.state.phase === 'breakout') {
    const g = groupOf(v, me.id)
    if (g && v.state.groups.includes(g)) {
      const room = v.rooms.find((r) => r.id === g)
      if (room) return room
    }
  }
  return plenaryRoom(v)
}

/**
 * The rooms whose boards someone may open, in the order shown: the facilitator every room;
 * a participant their home room first, then the plenary; an observer the plenary and,
 * while breakouts run, every group (they watch, read-only).
 */
export function openableRooms (v: SessionView, me: Me): RoomInfo[] {
  if (me.role === 'facilitator') return v.rooms
  const plenary = plenaryRoom(v)
  const home = homeRoom(v, me)
  const out: RoomInfo[] = []
  const add = (r: RoomInfo | undefined) => { if (r && !out.includes(r)) out.push(r) }
  add(home)
  add(plenary)
  if (me.role === 'observer' && v.state.phase === 'breakout') groupRooms(v).forEach(add)
  return out
}

export function canOpen (v: SessionView, me: Me, boardId: string): boolean {
  return openableRooms(v, me).some((r) => r.boards.some((b) => b.id === boardId))
}

/**
 * The board a member should be looking at: `wanted` if they may open it, otherwise the
 * first board of their home room (or of the plenary), or null when there is none yet.
 */
export function pickBoard (v: SessionView, me: Me, wanted: string | null): string | null {
  if (wanted && canOpen(v, me, wanted)) return wanted
  const home = homeRoom(v, me)
  if (home?.boards.length) return home.boards[0].id
  return plenaryRoom(v)?.boards[0]?.id ?? null
}

/** Why someone may not edit a board, or null when they may. */
export function readOnlyReason (v: SessionView, me: Me, boardId: string): 'observer' | 'closed' | 'locked' | null {
  if (me.role === 'facilitator') return null
  if (me.role === 'observer') return 'observer'
  if (v.closed) return 'closed'
  if (findBoard(v, boardId)?.board.locked) return 'locked'
  return null
}

export interface GroupColumn { room: RoomInfo | null, members: MemberInfo[] }

/**
 * The participants by group of the current round (one column per group, in order), and a
 * first column (room null) of those in no group of this round.
 */
export function groupColumns (v: SessionView): GroupColumn[] {
  const groups = groupRooms(v)
  const ids = new Set(groups.map((g) => g.id))
  const participants = v.members.filter((m) => m.role === 'participant')
  const byName = (a: MemberInfo, b: MemberInfo) => a.name.localeCompare(b.name) || (a.id < b.id ? -1 : 1)
  return [
    { room: null, members: participants.filter((m) => !m.group || !ids.has(m.group)).sort(byName) },
    ...groups.map((room) => ({ room, members: participants.filter((m) => m.group === room.id).sort(byName) }))
  ]
}

/** A board's place for people: "Plenaria — Mappa degli stakeholder". */
export function boardLabel (v: SessionView, boardId: string | null): string | null {
  if (!boardId) return null
  const draft = /^(.*)\.draft\.[^.]+$/.exec(boardId)
  const found = findBoard(v, draft ? draft[1] : boardId)
  return found ? `${found.room.name} — ${found.board.title}` : null
}

// ---- timer ------------------------------------------------------------------------------

/** Milliseconds left on the timer at server time `serverNow`; null when there is no timer. */
export function timerRemaining (timer: TimerState | null, serverNow: number): number | null {
  if (!timer) return null
  if (timer.ends_at != null) return Math.max(0, timer.ends_at - serverNow)
  return Math.max(0, timer.remaining_ms)
}

export function timerRunning (timer: TimerState | null): boolean {
  return !!timer && timer.ends_at != null
}

/** 20:00, 4:05, 1:02:03 (rounded up to the second, as countdowns are). */
export function formatClock (ms: number): string {
  const total = Math.max(0, Math.ceil(ms / 1000))
  const h = Math.floor(total / 3600)
  const m = Math.floor((total % 3600) / 60)
  const s = total % 60
  const two = (n: number) => String(n).padStart(2, '0')
  return h ? `${h}:${two(m)}:${two(s)}` : `${m}:${two(s)}`
}

/** The difference to add to Date.now() to get the server's clock. */
export function clockOffset (serverNow: number, localNow: number = Date.now()): number {
  return serverNow - localNow
}

// ---- votes ------------------------------------------------------------------------------

export function dotsOf (tally: Tally[] | undefined, item: string): number {
  return tally?.find((t) => t.item === item)?.dots ?? 0
}

/** A closed vote's result (GET /api/sessions/{id}/votes): counts per item, ranked. */
export type VoteResultItem = Schemas['ResultItem']
export type VoteResult = Schemas['ResultView']

/** The board's most recently closed vote, which its badges show (null: none). */
export function latestResult (results: VoteResult[] | null, board: string): VoteResult | null {
  let best: VoteResult | null = null
  for (const r of results ?? []) {
    if (r.board === board && (!best || r.closed_at >= best.closed_at)) best = r
  }
  return best
}

/**
 * What changes a meeting's closed votes: a vote opening or closing changes `state.votes`,
 * closing the meeting changes `closed`. The results are fetched again when this changes.
 */
export function resultsKey (v: SessionView): string {
  return `${v.closed ? 1 : 0}:${Object.entries(v.state.votes).sort().map(([b, id]) => `${b}=${id}`).join(',')}`
}

/** The private draft of a board for one participant (docs/control-channel.md). */
export function draftId (boardId: string, participantId: string): string {
  return `${boardId}.draft.${participantId}`
}

// ---- assigning people to groups ---------------------------------------------------------

/**
 * Those in no group of this round, each to the group with the fewest participants at that
 * moment (ties: the first such group): `{ participantId: roomId }` for POST …/assignments.
 */
export function assignUnassigned (v: SessionView): Record<string, string> {
  const cols = groupColumns(v)
  const sizes = new Map(cols.slice(1).map((c) => [c.room!.id, c.members.length]))
  const out: Record<string, string> = {}
  if (!sizes.size) return out
  for (const m of cols[0].members) {
    let best: string | null = null
    for (const [id, n] of sizes) if (best === null || n < sizes.get(best)!) best = id
    out[m.id] = best!
    sizes.set(best!, sizes.get(best!)! + 1)
  }
  return out
}

/** Every participant into the groups of this round at random, as evenly as possible. */
export function shuffleIntoGroups (v: SessionView, random: () => number = Math.random): Record<string, string> {
  const groups = v.state.groups.filter((g) => v.rooms.some((r) => r.id === g))
  const people = v.members.filter((m) => m.role === 'participant').map((m) => m.id)
  for (let i = people.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1))
    ;[people[i], people[j]] = [people[j], people[i]]
  }
  const out: Record<string, string> = {}
  if (!groups.length) return out
  people.forEach((id, i) => { out[id] = groups[i % groups.length] })
  return out
}
