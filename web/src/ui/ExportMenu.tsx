// Exports through the server (crates/tavolo-http/src/api/export.rs): a board's menu
// (pictures, tables, data, backup) and a meeting's minutes (one ZIP, with progress).
// Downloads go through fetch, so a refusal is shown as a message rather than saved as a file.

import { useState } from 'preact/hooks'
import { t } from '../i18n'
import type { MessageKey } from '../i18n'
import { ApiError } from '../sync/api'
import { errorText } from './errors'

export type ExportFormat = 'png' | 'svg' | 'pdf' | 'json' | 'csv' | 'md' | 'yjs'

/** The export URL of a board, or of one of its snapshots. */
export function exportUrl (boardId: string, format: ExportFormat, snapshot?: number): string {
  const q = snapshot === undefined ? '' : `?snapshot=${snapshot}`
  return `/api/boards/${encodeURIComponent(boardId)}/export/${format}${q}`
}

/** The export URL of a meeting's closed votes' results. */
export function votesExportUrl (sessionId: string, format: 'csv' | 'md'): string {
  return `/api/sessions/${encodeURIComponent(sessionId)}/votes/export/${format}`
}

/** The PDF of the console's gallery: the current round's groups' boards, a page each. */
export function galleryUrl (sessionId: string): string {
  return `/api/sessions/${encodeURIComponent(sessionId)}/gallery.pdf`
}

export function minutesUrl (sessionId: string): string {
  return `/api/sessions/${encodeURIComponent(sessionId)}/minutes.zip`
}

/**
 * Downloads `url` as a file named by the server (Content-Disposition), reading the body as
 * a stream so that `onProgress` can show the bytes received (and the total, when known).
 */
export async function downloadFile (url: string, onProgress?: (received: number, total: number | null) => void): Promise<void> {
  let res: Response
  try {
    res = await fetch(url, { credentials: 'same-origin' })
  } catch (e) {
    throw new ApiError(0, e instanceof Error ? e.message : String(e))
  }
  if (!res.ok) {
    let body: { error?: string, code?: string } = {}
    try { body = (await res.json()) as typeof body } catch { /* not JSON */ }
    throw new ApiError(res.status, body.error ?? res.statusText, body.code ?? null)
  }
  const total = Number(res.headers.get('content-length')) || null
  const name = /filename="([^"]+)"/.exec(res.headers.get('content-disposition') ?? '')?.[1] ?? 'tavolo'
  const chunks: Uint8Array[] = []
  let received = 0
  const reader = res.body?.getReader()
  if (reader) {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      chunks.push(value)
      received += value.length
      onProgress?.(received, total)
    }
  } else {
    const all = new Uint8Array(await res.arrayBuffer())
    chunks.push(all)
    onProgress?.(all.length, total)
  }
  const blob = new Blob(chunks as BlobPart[], { type: res.headers.get('content-type') ?? 'application/octet-stream' })
  const href = URL.createObjectURL(blob)
  const a = document.createElement('a')
  a.href = href
  a.download = name
  document.body.appendChild(a)
  a.click()
  a.remove()
  setTimeout(() => URL.revokeObjectURL(href), 30_000)
}

function size (bytes: number): string {
  return bytes < 1024 * 1024 ? `${Math.max(1, Math.round(bytes / 1024))} KB` : `${(bytes / 1024 / 1024).toFixed(1)} MB`
}

const TEMPLATE_KINDS = ['stakeholder_map', 'problem_tree', 'objective_tree', 'theory_of_change', 'social_report']

/** The board's export menu: PNG, SVG, PDF, JSON, (template boards) CSV and Markdown, and the Yjs backup. */
export function ExportMenu ({ boardId, kind, snapshot }: { boardId: string, kind: string, snapshot?: number }) {
  const [busy, setBusy] = useState<ExportFormat | null>(null)
  const [error, setError] = useState<string | null>(null)
  const formats: ExportFormat[] = ['png', 'svg', 'pdf', 'json', ...(TEMPLATE_KINDS.includes(kind) ? ['csv', 'md'] as ExportFormat[] : []), 'yjs']
  const run = async (f: ExportFormat) => {
    setBusy(f)
    setError(null)
    try {
      await downloadFile(exportUrl(boardId, f, snapshot))
    } catch (e) {
      setError(t('export.failed', { error: errorText(e) }))
    } finally {
      setBusy(null)
    }
  }
  return (
    <details class="export-menu" data-action="export">
      <summary aria-label={t('export.label')}>{busy ? t('export.working') : t('export.menu')}</summary>
      <ul>
        {formats.map((f) => (
          <li key={f}>
            <button type="button" data-format={f} disabled={busy !== null} onClick={() => { void run(f) }}>{t(`export.${f}` as MessageKey)}</button>
          </li>
        ))}
      </ul>
      {error ? <p class="error" role="alert">{error}</p> : null}
    </details>
  )
}

/** Downloads of a meeting's vote results (CSV, Markdown), as the board menu downloads tables. */
export function VoteResultsDownloads ({ sessionId }: { sessionId: string }) {
  const [busy, setBusy] = useState<'csv' | 'md' | null>(null)
  const [error, setError] = useState<string | null>(null)
  const run = async (f: 'csv' | 'md') => {
    setBusy(f)
    setError(null)
    try { await downloadFile(votesExportUrl(sessionId, f)) } catch (e) { setError(t('export.failed', { error: errorText(e) })) } finally { setBusy(null) }
  }
  return (
    <div class="vote-downloads" role="group" aria-labelledby="vote-downloads-label">
      <span class="muted small" id="vote-downloads-label">{t('vote.download')}</span>
      {(['csv', 'md'] as const).map((f) => (
        <button key={f} type="button" class="small" data-format={f} disabled={busy !== null}
          onClick={() => { void run(f) }}>{f === 'csv' ? t('vote.downloadCsv') : t('vote.downloadMd')}</button>
      ))}
      {error ? <p class="error" role="alert">{error}</p> : null}
    </div>
  )
}

type MinutesState = { s: 'idle' } | { s: 'preparing' } | { s: 'receiving', received: number, total: number | null } | { s: 'done' } | { s: 'error', message: string }

/** The meeting's minutes: one ZIP, with what is happening said as it happens. */
export function MinutesButton ({ sessionId }: { sessionId: string }) {
  const [st, setSt] = useState<MinutesState>({ s: 'idle' })
  const busy = st.s === 'preparing' || st.s === 'receiving'
  const start = async () => {
    setSt({ s: 'preparing' })
    try {
      await downloadFile(minutesUrl(sessionId), (received, total) => setSt({ s: 'receiving', received, total }))
      setSt({ s: 'done' })
    } catch (e) {
      setSt({ s: 'error', message: t('export.failed', { error: errorText(e) }) })
    }
  }
  let status = ''
  if (st.s === 'preparing') status = t('minutes.preparing')
  if (st.s === 'receiving') {
    status = st.total
      ? t('minutes.progress', { received: size(st.received), total: size(st.total) })
      : t('minutes.progressUnknown', { received: size(st.received) })
  }
  if (st.s === 'done') status = t('minutes.done')
  if (st.s === 'error') status = st.message
  return (
    <div class="minutes">
      <button type="button" data-action="minutes" disabled={busy} aria-busy={busy} onClick={() => { void start() }}>{t('minutes.download')}</button>
      {st.s === 'receiving' && st.total ? <progress max={st.total} value={st.received} aria-hidden="true" /> : busy ? <span class="spinner" aria-hidden="true" /> : null}
      <span role="status" aria-live="polite" class={st.s === 'error' ? 'error' : 'muted small'}>{status}</span>
    </div>
  )
}
