// The facilitator's account pages: /setup/{token} (the first facilitator, from the link the
// server prints on its first start) and /login; the header of the facilitator's pages,
// with sign-out; and the guard that sends someone who is not signed in to /login.

import type { ComponentChildren } from 'preact'
import { useEffect, useState } from 'preact/hooks'
import { t } from '../i18n'
import { ApiError, get, post, type Schemas } from '../sync/api'
import { setDisplayName } from '../sync/identity'
import { LangSwitch } from './LangSwitch'
import { navigate } from './router'
import { errorText } from './errors'

type MeAnswer = Schemas['MeView']

/** A link that moves inside the app without reloading the page. */
export function Link ({ href, children, ...rest }: { href: string, children: ComponentChildren } & Record<string, unknown>) {
  return <a href={href} {...rest} onClick={(e) => { if (e.ctrlKey || e.metaKey || e.shiftKey || e.button !== 0) return; e.preventDefault(); navigate(href) }}>{children}</a>
}

/** Whether the login cookie came back: on plain HTTP a `Secure` cookie is dropped by the browser. */
async function signedIn (): Promise<boolean> {
  try { return (await get<MeAnswer>('/api/me')).kind === 'facilitator' } catch { return false }
}

function nextPath (): string {
  const next = new URLSearchParams(location.search).get('next')
  return next && next.startsWith('/') && !next.startsWith('//') ? next : '/w'
}

export function SetupPage ({ token }: { token: string }) {
  const [done, setDone] = useState<boolean | null>(null)
  const [name, setName] = useState('')
  const [email, setEmail] = useState('')
  const [password, setPassword] = useState('')
  const [error, setError] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)
  useEffect(() => { get<MeAnswer>('/api/me').then((m) => setDone((m.kind === 'anonymous' && !m.setup_needed) || m.kind === 'facilitator')).catch(() => setDone(false)) }, [])
  useEffect(() => { document.title = `${t('setup.title')} — ${t('app.name')}` }, [])
  const submit = async (e: Event) => {
    e.preventDefault()
    if (password.length < 10) { setError(t('setup.passwordShort')); return }
    setBusy(true); setError(null)
    try {
      await post('/api/setup', { token, email: email.trim(), display_name: name.trim(), password })
      setDisplayName(name)
      if (!(await signedIn())) { setError(t('login.cookieRefused')); return }
      navigate('/w')
    } catch (err) {
      setError(err instanceof ApiError && err.status === 410 ? t('setup.done') : err instanceof ApiError && err.status === 403 ? t('setup.invalid') : errorText(err))
    } finally { setBusy(false) }
  }
  return (
    <div class="start narrow">
      <header class="start-head"><h1>{t('app.name')}</h1><LangSwitch /></header>
      <main>
        {done
          ? <section class="card-form"><h2>{t('setup.title')}</h2><p role="status">{t('setup.done')}</p><p><Link href="/login">{t('login.title')}</Link></p></section>
          : (
            <form class="card-form" aria-labelledby="setup-title" onSubmit={submit}>
              <h2 id="setup-title">{t('setup.title')}</h2>
              <p>{t('setup.help')}</p>
              <label class="field">{t('setup.name')}
                <input type="text" name="name" value={name} required maxLength={100} autoComplete="name" onInput={(e) => setName((e.target as HTMLInputElement).value)} />
              </label>
              <label class="field">{t('login.email')}
                <input type="email" name="email" value={email} required maxLength={200} autoComplete="email" onInput={(e) => setEmail((e.target as HTMLInputElement).value)} />
              </label>
              <label class="field">{t('login.password')}
                <input type="password" name="password" value={password} required minLength={10} autoComplete="new-password" aria-describedby="pw-help" onInput={(e) => setPassword((e.target as HTMLInputElement).value)} />
              </label>
              <p id="pw-help" class="muted small">{t('setup.passwordHelp')}</p>
              {error ? <p class="error" role="alert">{error}</p> : null}
              <button type="submit" class="primary" disabled={busy}>{t('setup.submit')}</button>
            </form>
            )}
      </main>
    </div>
  )
}

export function LoginPage () {
  const [email, setEmail] = useState('')
  const [password, setPassword] = useState('')
  const [error, setError] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)
  useEffect(() => { document.title = `${t('login.title')} — ${t('app.name')}` }, [])
  const submit = async (e: Event) => {
    e.preventDefault()
    setBusy(true); setError(null)
    try {
      await post('/api/login', { email: email.trim(), password })
      if (!(await signedIn())) { setError(t('login.cookieRefused')); return }
      navigate(nextPath())
    } catch (err) {
      setError(err instanceof ApiError && err.status === 403 ? t('login.wrong') : errorText(err))
    } finally { setBusy(false) }
  }
  return (
    <div class="start narrow">
      <header class="start-head"><h1>{t('app.name')}</h1><LangSwitch /></header>
      <main>
        <form class="card-form" aria-labelledby="login-title" onSubmit={submit}>
          <h2 id="login-title">{t('login.title')}</h2>
          <p>{t('login.help')}</p>
          <label class="field">{t('login.email')}
            <input type="email" name="email" value={email} required autoComplete="username" onInput={(e) => setEmail((e.target as HTMLInputElement).value)} />
          </label>
          <label class="field">{t('login.password')}
            <input type="password" name="password" value={password} required autoComplete="current-password" onInput={(e) => setPassword((e.target as HTMLInputElement).value)} />
          </label>
          {error ? <p class="error" role="alert">{error}</p> : null}
          <button type="submit" class="primary" disabled={busy}>{t('login.submit')}</button>
          <p class="muted small">{t('login.participantsHint')}</p>
        </form>
      </main>
    </div>
  )
}

/** Sends whoever is not a signed-in facilitator to /login (and back here afterwards). */
export function useFacilitator (): boolean {
  const [ok, setOk] = useState(false)
  useEffect(() => {
    let alive = true
    signedIn().then((yes) => {
      if (!alive) return
      if (yes) setOk(true)
      else navigate(`/login?next=${encodeURIComponent(location.pathname)}`, true)
    })
    return () => { alive = false }
  }, [])
  return ok
}

export async function logout (): Promise<void> {
  try { await post('/api/logout') } catch { /* signed out anyway */ }
  navigate('/login')
}

/** The header of the facilitator's pages: where one is, the language, sign-out. */
export function FacilitatorHeader ({ trail }: { trail: Array<{ label: string, href?: string }> }) {
  return (
    <header class="fac-head">
      <Link class="home" href="/w">{t('app.name')}</Link>
      <nav aria-label={t('nav.trail')} class="trail">
        <ol>
          {trail.map((c, i) => (
            <li key={i}>{c.href && i < trail.length - 1 ? <Link href={c.href}>{c.label}</Link> : <span aria-current={i === trail.length - 1 ? 'page' : undefined}>{c.label}</span>}</li>
          ))}
        </ol>
      </nav>
      <div class="head-right">
        <LangSwitch />
        <button type="button" onClick={logout}>{t('login.logout')}</button>
      </div>
    </header>
  )
}
