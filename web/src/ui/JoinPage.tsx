// /join/{token}: an invitation. Asks the display name — the only personal data Tavolo
// keeps about a participant, and the page says so — joins, and opens the meeting.

import { useEffect, useState } from 'preact/hooks'
import { t } from '../i18n'
import { ApiError, post } from '../sync/api'
import { settleMemberToken } from '../sync/credentials'
import { displayName, setDisplayName } from '../sync/identity'
import { LangSwitch } from './LangSwitch'
import { navigate } from './router'

export function JoinPage ({ token }: { token: string }) {
  const [name, setName] = useState(displayName() ?? '')
  const [error, setError] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)
  useEffect(() => { document.title = `${t('join.title')} — ${t('app.name')}` }, [])
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
      if (err instanceof ApiError && err.status === 404) setError(t('join.invalid'))
      else if (err instanceof ApiError && err.status === 403) setError(t('join.removed'))
      else if (err instanceof ApiError && err.status === 410) setError(t('join.gone', { reason: err.message }))
      else setError(err instanceof ApiError && err.status === 0 ? t('error.network') : t('error.withReason', { reason: err instanceof Error ? err.message : String(err) }))
    } finally { setBusy(false) }
  }
  return (
    <div class="start narrow">
      <header class="start-head"><h1>{t('app.name')}</h1><LangSwitch /></header>
      <main>
        <form class="card-form" aria-labelledby="join-title" onSubmit={submit}>
          <h2 id="join-title">{t('join.title')}</h2>
          <p>{t('join.help')}</p>
          <label class="field">{t('name.label')}
            <input type="text" name="name" value={name} required maxLength={80} autoComplete="nickname" aria-describedby="join-privacy"
              onInput={(e) => setName((e.target as HTMLInputElement).value)} />
          </label>
          <p id="join-privacy" class="privacy">{t('join.privacy')}</p>
          {error ? <p class="error" role="alert">{error}</p> : null}
          <button type="submit" class="primary" disabled={busy}>{t('join.submit')}</button>
        </form>
      </main>
    </div>
  )
}
