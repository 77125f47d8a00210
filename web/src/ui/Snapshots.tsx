// A board's snapshot history (istantanee): the labelled snapshots, newest first — closing
// snapshots of meetings and manual ones — each with a small read-only preview of its
// content and a restore (a new change: history is never rewritten); and taking one now.

import { useCallback, useEffect, useState } from 'preact/hooks'
import { t, tCount } from '../i18n'
import type { BoardJSON } from '../model/schema'
import { apiPath, get, post, type Schemas } from '../sync/api'
import { JsonBoardPreview } from './BoardPreview'
import { Confirm, Modal } from './Dialog'
import { ExportMenu } from './ExportMenu'
import { Notice, useNotice } from './Notice'
import { errorText } from './errors'

type SnapshotRow = Schemas['SnapshotListed']
/** `content` is the board's schema JSON (the document says only "an object"). */
type SnapshotContent = Omit<Schemas['SnapshotView'], 'content'> & { content: BoardJSON }

export function formatTime (ms: number): string {
  try {
    return new Date(ms).toLocaleString(document.documentElement.lang || 'it', { day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit' })
  } catch { return new Date(ms).toISOString() }
}

export function SnapshotsDialog ({ boardId, title, kind, onClose }: { boardId: string, title: string, kind: string, onClose: () => void }) {
  const [list, setList] = useState<SnapshotRow[] | null>(null)
  const [label, setLabel] = useState('')
  const [error, setError] = useState<string | null>(null)
  const [status, setStatus] = useNotice()
  const [previews, setPreviews] = useState<Record<number, BoardJSON>>({})
  const [restoring, setRestoring] = useState<SnapshotRow | null>(null)
  const load = useCallback(() => get<SnapshotRow[]>(apiPath('boards', boardId, 'snapshots')).then(setList).catch((e) => setError(errorText(e))), [boardId])
  useEffect(() => { void load() }, [load])
  const preview = async (s: SnapshotRow) => {
    if (previews[s.id]) { setPreviews((p) => { const n = { ...p }; delete n[s.id]; return n }); return }
    try {
      const c = await get<SnapshotContent>(apiPath('snapshots', String(s.id)))
      setPreviews((p) => ({ ...p, [s.id]: c.content }))
    } catch (e) { setError(errorText(e)) }
  }
  return (
    <Modal title={t('snapshots.titleOf', { title })} onClose={onClose} wide>
      <form class="inline-form" onSubmit={async (e) => {
        e.preventDefault()
        setError(null)
        try {
          await post(apiPath('boards', boardId, 'snapshots'), { label: label.trim() || t('snapshots.defaultLabel', { time: formatTime(Date.now()) }) })
          setLabel('')
          setStatus(t('snapshots.taken'))
          await load()
        } catch (err) { setError(errorText(err)) }
      }}>
        <label class="field grow">{t('snapshots.label')}
          <input type="text" value={label} maxLength={200} placeholder={t('snapshots.labelPlaceholder')} onInput={(e) => setLabel((e.target as HTMLInputElement).value)} />
        </label>
        <button type="submit" class="primary">{t('snapshots.take')}</button>
      </form>
      <Notice said={status} />
      {error ? <p class="error" role="alert">{error}</p> : null}
      {list === null
        ? <p role="status">{t('meeting.loading')}</p>
        : list.length === 0
          ? <p class="muted">{t('snapshots.none')}</p>
          : (
            <ul class="snapshot-list">
              {list.map((s) => (
                <li key={s.id} data-snapshot={s.id} data-kind={s.kind}>
                  <div class="snap-head">
                    <strong>{s.label}</strong>
                    <span class="muted small">{s.kind === 'closing' ? t('snapshots.closing') : t('snapshots.manual')} · {formatTime(s.created_at)}</span>
                    <span class="actions">
                      <button type="button" class="small" aria-expanded={!!previews[s.id]} onClick={() => preview(s)}>{t('snapshots.preview')}</button>
                      <button type="button" class="small" onClick={() => setRestoring(s)}>{t('snapshots.restore')}</button>
                      <ExportMenu boardId={boardId} kind={kind} snapshot={s.id} />
                    </span>
                  </div>
                  {previews[s.id]
                    ? (
                      <figure class="snap-preview">
                        <JsonBoardPreview content={previews[s.id]} width={420} height={260} />
                        <figcaption class="muted small">{tCount('snapshots.previewCaption', Object.keys(previews[s.id].items ?? {}).length)}</figcaption>
                      </figure>
                      )
                    : null}
                </li>
              ))}
            </ul>
            )}
      {restoring
        ? (
          <Confirm title={t('snapshots.restoreTitle')} confirmLabel={t('snapshots.restore')}
            message={<p>{t('snapshots.restoreMessage', { label: restoring.label ?? '' })}</p>}
            onCancel={() => setRestoring(null)}
            onConfirm={async () => {
              try {
                await post(apiPath('snapshots', String(restoring.id), 'restore'))
                setStatus(t('snapshots.restored'))
              } catch (e) { setError(errorText(e)) }
              setRestoring(null)
            }} />
          )
        : null}
    </Modal>
  )
}
