import { describe, expect, it } from 'vitest'
import {
  assignUnassigned, boardLabel, canOpen, clockOffset, draftId, latestResult, resultsKey, shuffleIntoGroups, formatClock, groupColumns, homeRoom, normalizeView, openableRooms, pickBoard,
  readOnlyReason, timerRemaining, timerRunning, type BoardInfo, type Me, type SessionView, type VoteResult
} from './session'
import { controlUrl } from './control'

const board = (id: string, title: string, locked = false): BoardInfo => ({ id, kind: 'free', title, locked, private: false, vote: null })

function view (over: Partial<SessionView['state']> = {}, closed = false): SessionView {
  return normalizeView({
    id: 's1',
    title: 'Incontro 1',
    date: '2026-12-01',
    closed,
    workspace: { id: 'w1', name: 'Tavolo anziani' },
    rooms: [
      { id: 'p', kind: 'plenary', name: 'Plenaria', boards: [board('map', 'Mappa'), board('res', 'Risultati', true)] },
      { id: 'g1', kind: 'breakout', name: 'Gruppo 1', boards: [board('t1', 'Albero')] },
      { id: 'g2', kind: 'breakout', name: 'Gruppo 2', boards: [board('t2', 'Albero')] },
      { id: 'old', kind: 'breakout', name: 'Gruppo 1', boards: [board('t0', 'Vecchio')] }
    ],
    members: [
      { id: 'anna', name: 'Anna', role: 'participant', group: 'g1' },
      { id: 'bruno', name: 'Bruno', role: 'participant', group: 'g2' },
      { id: 'carla', name: 'Carla', role: 'participant', group: 'old' },
      { id: 'dario', name: 'Dario', role: 'participant', group: null },
      { id: 'oss', name: 'Osvaldo', role: 'observer', group: null }
    ],
    state: { groups: ['g1', 'g2'], ...over } as SessionView['state'],
    present: [],
    now: 1000
  })
}

const anna: Me = { id: 'anna', name: 'Anna', role: 'participant', group: 'g1' }
const carla: Me = { id: 'carla', name: 'Carla', role: 'participant', group: 'old' }
const oss: Me = { id: 'oss', name: 'Osvaldo', role: 'observer', group: null }
const fac: Me = { id: 'f', role: 'facilitator' }

describe('where a member belongs', () => {
  it('is the plenary until the breakouts start, then their group of this round', () => {
    expect(homeRoom(view(), anna)?.id).toBe('p')
    expect(pickBoard(view(), anna, null)).toBe('map')
    const running = view({ phase: 'breakout' })
    expect(homeRoom(running, anna)?.id).toBe('g1')
    expect(pickBoard(running, anna, null)).toBe('t1')
    // a group of an earlier round does not count
    expect(homeRoom(running, carla)?.id).toBe('p')
    expect(homeRoom(running, oss)?.id).toBe('p')
  })
  it('keeps the board one picked while allowed, and moves when it no longer is', () => {
    expect(pickBoard(view(), anna, 'res')).toBe('res')
    expect(pickBoard(view(), anna, 't1')).toBe('map')
    const running = view({ phase: 'breakout' })
    expect(pickBoard(running, anna, 'map')).toBe('map')
    expect(pickBoard(running, anna, 't2')).toBe('t1')
    expect(canOpen(running, oss, 't2')).toBe(true)
    expect(canOpen(view(), oss, 't2')).toBe(false)
    expect(openableRooms(running, anna).map((r) => r.id)).toEqual(['g1', 'p'])
    expect(openableRooms(view(), fac).length).toBe(4)
  })
  it('says why a board is read-only', () => {
    expect(readOnlyReason(view(), anna, 'map')).toBeNull()
    expect(readOnlyReason(view(), anna, 'res')).toBe('locked')
    expect(readOnlyReason(view(), oss, 'map')).toBe('observer')
    expect(readOnlyReason(view({}, true), anna, 'map')).toBe('closed')
    expect(readOnlyReason(view({}, true), fac, 'res')).toBeNull()
  })
})

describe('the console', () => {
  it('lays participants out by group of this round, the unassigned first', () => {
    const cols = groupColumns(view())
    expect(cols.map((c) => c.room?.id ?? null)).toEqual([null, 'g1', 'g2'])
    expect(cols.map((c) => c.members.map((m) => m.name))).toEqual([['Carla', 'Dario'], ['Anna'], ['Bruno']])
  })
  it('names a board (or a draft of it) by room and title', () => {
    expect(boardLabel(view(), 't2')).toBe('Gruppo 2 — Albero')
    expect(boardLabel(view(), `${'map'}.draft.anna`)).toBe('Plenaria — Mappa')
    expect(boardLabel(view(), 'nope')).toBeNull()
    expect(draftId('map', 'anna')).toBe('map.draft.anna')
  })
  it('fills a partial view', () => {
    const v = normalizeView({ id: 's', rooms: [], members: [], state: {} } as unknown as SessionView)
    expect(v.state).toEqual({ phase: 'plenary', groups: [], timer: null, message: null, follow: null, private: {}, votes: {}, gathered: null })
  })
})

describe('the timer', () => {
  it('counts down from the server clock, and stands still when paused', () => {
    const running = { duration_ms: 1_200_000, ends_at: 1_000_000 + 1_200_000, remaining_ms: 1_200_000 }
    expect(timerRunning(running)).toBe(true)
    expect(timerRemaining(running, 1_000_000 + 60_000)).toBe(1_140_000)
    expect(timerRemaining(running, 9_999_999)).toBe(0)
    const paused = { duration_ms: 1_200_000, ends_at: null, remaining_ms: 300_000 }
    expect(timerRunning(paused)).toBe(false)
    expect(timerRemaining(paused, 123)).toBe(300_000)
    expect(timerRemaining(null, 1)).toBeNull()
  })
  it('formats like a countdown, and corrects for this computer\'s clock', () => {
    expect(formatClock(1_200_000)).toBe('20:00')
    expect(formatClock(245_001)).toBe('4:06')
    expect(formatClock(3_723_000)).toBe('1:02:03')
    expect(formatClock(-5)).toBe('0:00')
    expect(clockOffset(10_000, 9_000)).toBe(1000)
  })
})

describe('the control channel', () => {
  it('follows the page\'s scheme and carries a token only when there is one', () => {
    expect(controlUrl('s1', null, { protocol: 'https:', host: 'tavolo.comune.it' })).toBe('wss://tavolo.comune.it/api/sessions/s1/control')
    expect(controlUrl('s1', 'abc', { protocol: 'http:', host: '127.0.0.1:8080' })).toBe('ws://127.0.0.1:8080/api/sessions/s1/control?token=abc')
  })
})

describe('assigning people to groups', () => {
  it('puts those without a group into the smallest groups', () => {
    // Carla (a group of an earlier round) and Dario have none; g1 and g2 have one each
    expect(assignUnassigned(view())).toEqual({ carla: 'g1', dario: 'g2' })
    expect(assignUnassigned(view({ groups: [] }))).toEqual({})
  })
  it('shuffles everyone evenly', () => {
    let seed = 7
    const random = () => { seed = (seed * 16807) % 2147483647; return seed / 2147483647 }
    const a = shuffleIntoGroups(view(), random)
    expect(Object.keys(a).sort()).toEqual(['anna', 'bruno', 'carla', 'dario'])
    const counts = Object.values(a).reduce<Record<string, number>>((c, g) => ({ ...c, [g]: (c[g] ?? 0) + 1 }), {})
    expect(counts).toEqual({ g1: 2, g2: 2 })
  })
})

describe('closed votes', () => {
  const result = (id: string, board: string, closedAt: number): VoteResult => ({
    id, board, board_title: 'Mappa', room: 'Plenaria', dots: 3, opened_at: 0, closed_at: closedAt, total: 1, items: [{ item: 'a', label: 'A', dots: 1, rank: 1 }]
  })
  it('badges a board with its latest closed vote', () => {
    const all = [result('v1', 'map', 10), result('v2', 'map', 30), result('v3', 'res', 40)]
    expect(latestResult(all, 'map')?.id).toBe('v2')
    expect(latestResult(all, 't1')).toBeNull()
    expect(latestResult(null, 'map')).toBeNull()
  })
  it('fetches the results again when a vote opens or closes, or the meeting closes', () => {
    const before = resultsKey(view({ votes: { map: 'v1' } }))
    expect(resultsKey(view({ votes: { map: 'v1' } }))).toBe(before)
    expect(resultsKey(view({ votes: {} }))).not.toBe(before)
    expect(resultsKey(view({ votes: { map: 'v1' } }, true))).not.toBe(before)
  })
})
