// Dot voting on a board: while the facilitator has a vote open (state.votes[board]), a
// participant clicks items to place their dots (or uses the list in the side panel, by
// keyboard); everyone sees the tally live (the control channel's {"type":"vote"}).
// Who voted for what is not stored by the server; this browser remembers its own dots
// (sessionStorage) only to offer taking them back.
// A closed vote keeps its counts (GET /api/sessions/{id}/votes): the board shows its latest
// closed vote's badges and results, which anyone can hide on their own screen.

import { useCallback, useEffect, useState } from 'preact/hooks'
import type { Editor } from '../editor/editor'
import { getLang, t, tCount } from '../i18n'
import { ApiError, apiPath, del, get, post, type Schemas } from '../sync/api'
import type { ControlChannel } from '../sync/control'
import { dotsOf, type Tally, type VoteResult } from '../sync/session'
import { itemName } from '../render/names'
import { useEditor } from './hooks'

export type VoteInfo = Schemas['VoteView']

const VOTABLE = new Set(['sticky', 'card', 'text', 'shape'])

function mineKey (vote: string, me: string) { return `tavolo.vote.${vote}.${me}` }
function loadMine (vote: string, me: string): Record<string, number> {
  try { return JSON.parse(sessionStorage.getItem(mineKey(vote, me)) ?? '{}') } catch { return {} }
}
function saveMine (vote: string, me: string, mine: Record<string, number>) {
  try { sessionStorage.setItem(mineKey(vote, me), JSON.stringify(mine)) } catch { /* storage denied */ }
}

export interface VoteHandle {
  info: VoteInfo | null
  tally: Tally[]
  mine: Record<string, number>
  error: string | null
  place: (item: string) => Promise<void>
  remove: (item: string) => Promise<void>
}

export function useVote (voteId: string | null, me: string, control: ControlChannel): VoteHandle {
  const [info, setInfo] = useState<VoteInfo | null>(null)
  const [tally, setTally] = useState<Tally[]>([])
  const [mine, setMine] = useState<Record<string, number>>({})
  const [error, setError] = useState<string | null>(null)
  useEffect(() => {
    setInfo(null); setTally([]); setError(null)
    if (!voteId) return
    setMine(loadMine(voteId, me))
    let alive = true
    get<VoteInfo>(apiPath('votes', voteId)).then((v) => { if (alive) { setInfo(v); setTally(v.tally) } }).catch(() => {})
    const off = control.on(() => {
      const live = control.tallies.get(voteId)
      if (live) setTally(live)
    })
    return () => { alive = false; off() }
  }, [voteId, me, control])
  const act = useCallback(async (item: string, add: boolean) => {
    if (!voteId) return
    setError(null)
    try {
      const v = add
        ? await post<VoteInfo>(apiPath('votes', voteId, 'dots'), { item })
        : await del<VoteInfo>(apiPath('votes', voteId, 'dots'), { item })
      setInfo(v)
      setTally(v.tally)
      setMine((m) => {
        const next = { ...m, [item]: Math.max(0, (m[item] ?? 0) + (add ? 1 : -1)) }
        if (!next[item]) delete next[item]
        saveMine(voteId, me, next)
        return next
      })
    } catch (e) {
      setError(e instanceof ApiError && e.status === 409 ? (add ? t('vote.noneLeft') : t('vote.noDotHere')) : t('error.generic'))
    }
  }, [voteId, me])
  return { info, tally, mine, error, place: (i) => act(i, true), remove: (i) => act(i, false) }
}

export function isVotable (editor: Editor, id: string): boolean {
  const it = editor.board.getItem(id)
  return !!it && VOTABLE.has(it.type)
}

/** The side panel during a vote: dots left, the items with their dots, + / − by keyboard. */
export function VotePanel ({ editor, vote, canVote }: { editor: Editor, vote: VoteHandle, canVote: boolean }) {
  useEditor(editor, ['items'])
  const items = editor.sorted().filter(([id]) => isVotable(editor, id))
    .map(([id, it]) => ({ id, name: itemName(it, editor.board.textOf(id)), dots: dotsOf(vote.tally, id) }))
    .sort((a, b) => b.dots - a.dots || a.name.localeCompare(b.name))
  return (
    <section class="vote-panel" aria-labelledby="vote-title">
      <h2 id="vote-title">{t('vote.title')}</h2>
      {canVote
        ? (
          <>
            <p>{t('vote.help')}</p>
            <p class="dots-left" data-dots-left={vote.info?.my_dots_left ?? ''}><strong>{t('vote.left', { n: vote.info?.my_dots_left ?? '…' })}</strong></p>
          </>
          )
        : <p class="muted">{t('vote.watching')}</p>}
      {vote.error ? <p class="error" role="alert">{vote.error}</p> : null}
      <ol class="tally" aria-label={t('vote.tally')}>
        {items.map((i) => (
          <li key={i.id} data-item={i.id}>
            <span class="tally-name">{i.name}</span>
            <span class="tally-dots" aria-label={tCount('vote.dots', i.dots)}>{i.dots}</span>
            {canVote
              ? (
                <span class="tally-actions">
                  <button type="button" class="small" aria-label={t('vote.place', { name: i.name })} title={t('vote.place', { name: i.name })} onClick={() => vote.place(i.id)}>+</button>
                  <button type="button" class="small" aria-label={t('vote.remove', { name: i.name })} title={t('vote.remove', { name: i.name })} disabled={!vote.mine[i.id]} onClick={() => vote.remove(i.id)}>−</button>
                </span>
                )
              : null}
          </li>
        ))}
      </ol>
    </section>
  )
}

/** The dots on the canvas: a badge with the count at each voted item's corner. */
export function VoteDots ({ editor, tally, mine, closed }: { editor: Editor, tally: Tally[], mine: Record<string, number>, closed?: boolean }) {
  useEditor(editor, ['camera', 'items'])
  return (
    <div class={`vote-dots${closed ? ' closed' : ''}`} aria-hidden="true">
      {tally.filter((x) => x.dots > 0).map((x) => {
        const it = editor.display(x.item)
        if (!it) return null
        const p = editor.toScreen({ x: it.x + it.w, y: it.y })
        return <span key={x.item} class={`vote-dot${mine[x.item] ? ' mine' : ''}`} data-item={x.item} style={{ left: `${p.x}px`, top: `${p.y}px` }}>{x.dots}</span>
      })}
    </div>
  )
}

// ---- closed votes ----------------------------------------------------------------------

/**
 * The meeting's closed votes, fetched again whenever `key` changes (sync/session.ts
 * `resultsKey`: a vote opening or closing); null until the first answer.
 */
export function useVoteResults (sessionId: string, key: string): VoteResult[] | null {
  const [results, setResults] = useState<VoteResult[] | null>(null)
  useEffect(() => {
    let alive = true
    get<{ votes: VoteResult[] }>(apiPath('sessions', sessionId, 'votes'))
      .then((r) => { if (alive) setResults(r.votes) })
      .catch(() => {})
    return () => { alive = false }
  }, [sessionId, key])
  return results
}

// Hiding the counts is one's own choice, for every board (kept in this browser).
const HIDDEN_KEY = 'tavolo.voteCounts'
const hiddenListeners = new Set<(hidden: boolean) => void>()
function loadHidden (): boolean {
  try { return localStorage.getItem(HIDDEN_KEY) === 'hidden' } catch { return false }
}

/** Whether this browser hides the counts of closed votes, and how to change it. */
export function useCountsHidden (): [boolean, (hidden: boolean) => void] {
  const [hidden, setHiddenState] = useState(loadHidden)
  useEffect(() => { hiddenListeners.add(setHiddenState); return () => { hiddenListeners.delete(setHiddenState) } }, [])
  const setHidden = useCallback((h: boolean) => {
    try { if (h) localStorage.setItem(HIDDEN_KEY, 'hidden'); else localStorage.removeItem(HIDDEN_KEY) } catch { /* storage denied */ }
    hiddenListeners.forEach((f) => f(h))
  }, [])
  return [hidden, setHidden]
}

export function formatWhen (ms: number): string {
  try {
    return new Date(ms).toLocaleString(getLang() === 'it' ? 'it-IT' : 'en-GB', { day: 'numeric', month: 'long', hour: '2-digit', minute: '2-digit' })
  } catch { return new Date(ms).toISOString() }
}

/** A result's label from the server; an item no longer on the board, in this language. */
export function resultLabel (label: string): string {
  return label === '(elemento eliminato)' ? t('vote.deletedItem') : label
}

/**
 * A closed vote's items, ranked (equal counts share a rank), with their counts, named as
 * the server names them (the text when the vote was read), on the board as in the console.
 */
export function ResultList ({ result }: { result: VoteResult }) {
  if (!result.items.length) return <p class="muted small">{t('vote.noDots')}</p>
  return (
    <ol class="tally results" aria-label={t('vote.tally')}>
      {result.items.map((i) => (
        <li key={i.item} data-item={i.item} data-rank={i.rank}>
          <span class="tally-rank">{t('vote.rank', { n: i.rank })}</span>
          <span class="tally-name" title={resultLabel(i.label)}>{resultLabel(i.label)}</span>
          <span class="tally-dots" data-dots={i.dots}>{tCount('vote.dots', i.dots)}</span>
        </li>
      ))}
    </ol>
  )
}

/** The side panel of a board whose latest vote is closed: its results and the hide toggle. */
export function VoteResultPanel ({ result, hidden, onHidden }: { result: VoteResult, hidden: boolean, onHidden: (h: boolean) => void }) {
  return (
    <section class="vote-panel vote-results" aria-labelledby="vote-results-title" data-vote={result.id}>
      <h2 id="vote-results-title">{t('vote.results')}</h2>
      <p class="muted small">{t('vote.closedAt', { when: formatWhen(result.closed_at) })} · {tCount('vote.perPerson', result.dots)} · {tCount('vote.total', result.total)}</p>
      <button type="button" class="small" data-action="vote-counts" onClick={() => onHidden(!hidden)}>{hidden ? t('vote.showCounts') : t('vote.hideCounts')}</button>
      {hidden
        ? <p class="muted small" role="status">{t('vote.countsHidden')}</p>
        : <ResultList result={result} />}
    </section>
  )
}
