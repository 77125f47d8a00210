// The facilitator's home: their workspaces (tavoli / percorsi) — create, rename, archive,
// delete with confirmation — and, for one workspace, its meetings (incontri) in order —
// create with a title and a date, open.

import { useCallback, useEffect, useState } from 'preact/hooks'
import { t } from '../i18n'
import { apiPath, del, get, patch, post, type Schemas } from '../sync/api'
import { Confirm } from './Dialog'
import { FacilitatorHeader, Link, useFacilitator } from './Account'
import { navigate } from './router'
import { errorText } from './errors'

type Workspace = Schemas['WorkspaceView']
type Meeting = Schemas['SessionListed']

export function today (): string {
  const d = new Date()
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`
}

/** 2026-12-01 → "1 dicembre 2026" (in the page's language); anything else as it is. */
export function formatDate (date: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date)
  if (!m) return date
  const d = new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]))
  try { return d.toLocaleDateString(document.documentElement.lang || 'it', { day: 'numeric', month: 'long', year: 'numeric' }) } catch { return date }
}

export function HomePage () {
  const ok = useFacilitator()
  const [list, setList] = useState<Workspace[] | null>(null)
  const [name, setName] = useState('')
  const [error, setError] = useState<string | null>(null)
  const [editing, setEditing] = useState<string | null>(null)
  const [editName, setEditName] = useState('')
  const [deleting, setDeleting] = useState<Workspace | null>(null)
  const load = useCallback(() => get<Workspace[]>('/api/workspaces').then(setList).catch((e) => setError(errorText(e))), [])
  useEffect(() => { if (ok) void load() }, [ok])
  useEffect(() => { document.title = `${t('home.title')} — ${t('app.name')}` }, [])
  if (!ok) return <p class="loading" role="status">{t('meeting.loading')}</p>
  const run = async (f: () => Promise<unknown>) => { setError(null); try { await f(); await load() } catch (e) { setError(errorText(e)) } }
  const active = (list ?? []).filter((w) => !w.archived)
  const archived = (list ?? []).filter((w) => w.archived)
  const row = (w: Workspace) => (
    <li key={w.id} class="ws-row" data-workspace={w.id}>
      {editing === w.id
        ? (
          <form class="inline-form" onSubmit={(e) => { e.preventDefault(); void run(async () => { await patch(apiPath('workspaces', w.id), { name: editName }); setEditing(null) }) }}>
            <label class="field">{t('home.newName')}
              <input type="text" value={editName} required maxLength={200} onInput={(e) => setEditName((e.target as HTMLInputElement).value)} />
            </label>
            <button type="submit" class="primary">{t('common.save')}</button>
            <button type="button" onClick={() => setEditing(null)}>{t('common.cancel')}</button>
          </form>
          )
        : (
          <>
            <Link class="ws-name" href={`/w/${w.id}`}>{w.name}</Link>
            <span class="actions">
              <button type="button" class="small" onClick={() => { setEditing(w.id); setEditName(w.name) }} aria-label={t('home.renameOf', { name: w.name })}>{t('home.rename')}</button>
              <button type="button" class="small" onClick={() => run(() => patch(apiPath('workspaces', w.id), { archived: !w.archived }))}
                aria-label={w.archived ? t('home.unarchiveOf', { name: w.name }) : t('home.archiveOf', { name: w.name })}>{w.archived ? t('home.unarchive') : t('home.archive')}</button>
              <button type="button" class="small danger" onClick={() => setDeleting(w)} aria-label={t('home.deleteOf', { name: w.name })}>{t('home.delete')}</button>
            </span>
          </>
          )}
    </li>
  )
  return (
    <div class="fac-page">
      <FacilitatorHeader trail={[{ label: t('home.title') }]} />
      <main class="fac-main">
        <h1>{t('home.title')}</h1>
        <p class="muted">{t('home.help')}</p>
        <form class="card-form inline-create" aria-labelledby="ws-create" onSubmit={(e) => {
          e.preventDefault()
          void run(async () => { await post('/api/workspaces', { name: name.trim() }); setName('') })
        }}>
          <h2 id="ws-create">{t('home.create')}</h2>
          <label class="field">{t('home.name')}
            <input type="text" name="workspace" value={name} required maxLength={200} placeholder={t('home.namePlaceholder')} onInput={(e) => setName((e.target as HTMLInputElement).value)} />
          </label>
          <button type="submit" class="primary">{t('home.createSubmit')}</button>
        </form>
        {error ? <p class="error" role="alert">{error}</p> : null}
        <section aria-labelledby="ws-list">
          <h2 id="ws-list">{t('home.list')}</h2>
          {list === null ? <p role="status">{t('meeting.loading')}</p> : active.length ? <ul class="ws-list">{active.map(row)}</ul> : <p class="muted">{t('home.empty')}</p>}
        </section>
        {archived.length
          ? (
            <details class="archived">
              <summary>{t('home.archived', { n: archived.length })}</summary>
              <ul class="ws-list">{archived.map(row)}</ul>
            </details>
            )
          : null}
      </main>
      {deleting
        ? (
          <Confirm title={t('home.deleteTitle')} danger confirmLabel={t('home.deleteConfirm')}
            message={<p>{t('home.deleteMessage', { name: deleting.name })}</p>}
            onCancel={() => setDeleting(null)}
            onConfirm={() => run(async () => { await del(apiPath('workspaces', deleting.id)); setDeleting(null) })} />
          )
        : null}
    </div>
  )
}

export function WorkspacePage ({ workspaceId }: { workspaceId: string }) {
  const ok = useFacilitator()
  const [ws, setWs] = useState<Workspace | null>(null)
  const [meetings, setMeetings] = useState<Meeting[] | null>(null)
  const [title, setTitle] = useState('')
  const [date, setDate] = useState(today())
  const [error, setError] = useState<string | null>(null)
  const load = useCallback(async () => {
    try {
      const all = await get<Workspace[]>('/api/workspaces')
      setWs(all.find((w) => w.id === workspaceId) ?? null)
      setMeetings(await get<Meeting[]>(apiPath('workspaces', workspaceId, 'sessions')))
    } catch (e) { setError(errorText(e)) }
  }, [workspaceId])
  useEffect(() => { if (ok) void load() }, [ok, load])
  useEffect(() => { document.title = `${ws?.name ?? t('home.title')} — ${t('app.name')}` }, [ws?.name])
  if (!ok) return <p class="loading" role="status">{t('meeting.loading')}</p>
  return (
    <div class="fac-page">
      <FacilitatorHeader trail={[{ label: t('home.title'), href: '/w' }, { label: ws?.name ?? '…' }]} />
      <main class="fac-main">
        <h1>{ws?.name ?? '…'}</h1>
        <p class="muted">{t('meetings.help')}</p>
        <form class="card-form inline-create" aria-labelledby="m-create" onSubmit={async (e) => {
          e.preventDefault()
          setError(null)
          try {
            const r = await post<{ id: string }>(apiPath('workspaces', workspaceId, 'sessions'), { title: title.trim(), date })
            navigate(`/s/${r.id}`)
          } catch (err) { setError(errorText(err)) }
        }}>
          <h2 id="m-create">{t('meetings.create')}</h2>
          <div class="row">
            <label class="field grow">{t('meetings.title')}
              <input type="text" name="title" value={title} required maxLength={200} placeholder={t('meetings.titlePlaceholder')} onInput={(e) => setTitle((e.target as HTMLInputElement).value)} />
            </label>
            <label class="field">{t('meetings.date')}
              <input type="date" name="date" value={date} required onInput={(e) => setDate((e.target as HTMLInputElement).value)} />
            </label>
          </div>
          {meetings?.length ? <p class="muted small">{t('meetings.continues')}</p> : null}
          <button type="submit" class="primary">{t('meetings.createSubmit')}</button>
        </form>
        {error ? <p class="error" role="alert">{error}</p> : null}
        <section aria-labelledby="m-list">
          <h2 id="m-list">{t('meetings.list')}</h2>
          {meetings === null
            ? <p role="status">{t('meeting.loading')}</p>
            : meetings.length
              ? (
                <ol class="meeting-list">
                  {meetings.map((m) => (
                    <li key={m.id} data-session={m.id}>
                      <Link href={`/s/${m.id}`} class="m-title">{m.title}</Link>
                      <span class="muted"> — {formatDate(m.date)}</span>
                      {m.closed ? <span class="role-badge closed">{t('meeting.closedBadge')}</span> : null}
                    </li>
                  ))}
                </ol>
                )
              : <p class="muted">{t('meetings.empty')}</p>}
        </section>
      </main>
    </div>
  )
}
