// /join/{token}: an invitation. Asks the display name — the only personal data Tavolo
// keeps about a participant, and the page says so — joins, and opens the meeting.

import { useEffect, useState } from 'preact/hooks'
import { t } from '../i18n'
import { ApiError, post, type Schemas } from '../sync/api'
import { settleMemberToken } from '../sync/credentials'
import { displayName, setDisplayName } from '../sync/identity'
import { formatDate } from './HomePage'
import { LangSwitch } from './LangSwitch'
import { navigate } from './router'

type Preview = Schemas['Preview']

/** Why joining did not work, in the UI's language (the server's codes, never its English). */
function joinError (err: unknown): string {
  if (!(err instanceof ApiError)) return t('error.generic')
  if (err.status === 0) return t('error.network')
  if (err.status === 404) return t('join.invalid')
  if (err.status === 403) return t('join.removed')
  if (err.status === 410) {
    return err.code === 'invite_revoked'
      ? t('join.revoked')
      : err.code === 'invite_expired' ? t('join.expired') : err.code === 'meeting_closed' ? t('join.closed') : t('join.gone')
  }
  return t('error.generic')
}

/** A link that leads nowhere any more (unknown, revoked, expired, closed): no form to fill. */
const ended = (err: unknown) => err instanceof ApiError && (err.status === 404 || err.status === 410)

export function JoinPage ({ token }: { token: string }) {
  const [name, setName] = useState(displayName() ?? '')
  const [error, setError] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)
  const [preview, setPreview] = useState<Preview | null>(null)
  const [gone, setGone] = useState<string | null>(null)
  useEffect(() => { document.title = `${t('join.title')} — ${t('app.name')}` }, [])
  // the meeting the link opens, or why it no longer opens anything, before a name is typed
  useEffect(() => {
    post<Preview>('/api/join/preview', { token })
      .then(setPreview)
      .catch((err) => { if (ended(err)) setGone(joinError(err)) })
  }, [token])
  const submit = async (e: Event) => {
    e.preventDefault()
    const n = name.trim()
    if (!n) return
    setBusy(true); setError(null)
    try {
      const r = await post<{ id: string, session: string, token: string }>('/api/join', { token, display_name: n })
      setDisplayName(n)
      await settleMemberToken(r.session, r.token)
      navigate(`/s/${r.session}`, true)
    } catch (err) {
      if (ended(err)) setGone(joinError(err))
      else setError(joinError(err))
    } finally { setBusy(false) }
  }
  return (
    <div class="start narrow">
      <header class="start-head"><h1>{t('app.name')}</h1><LangSwitch /></header>
      <main>
        {gone
          ? (
            <section class="card-form" aria-labelledby="join-title">
              <h2 id="join-title">{t('join.title')}</h2>
              <p class="error" role="alert">{gone}</p>
            </section>
            )
          : (
        <form class="card-form" aria-labelledby="join-title" onSubmit={submit}>
          <h2 id="join-title">{t('join.title')}</h2>
          {preview
            ? (
              <p class="join-meeting" data-role={preview.role}>
                <strong>{preview.title}</strong>{preview.date ? <>, {formatDate(preview.date)}</> : null}
                {preview.role === 'observer' ? <><br />{t('join.asObserver')}</> : null}
              </p>
              )
            : null}
          <p>{t('join.help')}</p>
          <label class="field">{t('name.label')}
            <input type="text" name="name" value={name} required maxLength={80} autoComplete="nickname" aria-describedby="join-privacy"
              onInput={(e) => setName((e.target as HTMLInputElement).value)} />
          </label>
          <p id="join-privacy" class="privacy">{t('join.privacy')}</p>
          {error ? <p class="error" role="alert">{error}</p> : null}
          <button type="submit" class="primary" disabled={busy}>{t('join.submit')}</button>
        </form>
            )}
      </main>
    </div>
  )
}
