import { useEffect, useState } from 'preact/hooks'
import type { ConnectionStatus, BoardConnection, Denial } from '../sync/connection'
import type { Presence } from '../sync/presence'
import { t } from '../i18n'

/** The connection's status, kept up to date. */
export function useConnectionStatus (conn: BoardConnection): ConnectionStatus {
  const [status, setStatus] = useState<ConnectionStatus>(conn.status)
  useEffect(() => { setStatus(conn.status); return conn.onStatus(setStatus) }, [conn])
  return status
}

/**
 * Up to two initials of a display name: the first letter or digit of each word, so that
 * punctuation is skipped ("Anna (Comune)" → "AC", not "A(") and a name without letters
 * still shows something.
 */
export function initialsOf (name: string): string {
  const firsts = name.split(/\s+/).map((w) => /[\p{L}\p{N}]/u.exec(w)?.[0] ?? '').join('')
  return (firsts || name.trim().slice(0, 1) || '?').slice(0, 2).toUpperCase()
}

/** The page shown instead of a board the server does not let this browser open. */
export function AccessDenied ({ why }: { why: Denial }) {
  useEffect(() => { document.title = `${t('denied.title')} — ${t('app.name')}` }, [])
  return (
    <main class="denied" data-denial={why}>
      <h1>{t('denied.title')}</h1>
      <p>{t(`denied.${why}`)}</p>
      <p><a href="/">{t('denied.home')}</a></p>
    </main>
  )
}

export function ConnectionBadge ({ conn }: { conn: BoardConnection }) {
  const status = useConnectionStatus(conn)
  return (
    <div class={`conn conn-${status}`} role="status" aria-label={t('conn.label')} data-status={status}>
      <span class="dot" aria-hidden="true" /><span class="conn-text">{t(`conn.${status}`)}</span>
    </div>
  )
}

export function PresenceBar ({ presence, following, onFollow, onRename }: {
  presence: Presence, following: number | null, onFollow: (clientId: number | null) => void, onRename?: () => void
}) {
  const [, setN] = useState(0)
  useEffect(() => presence.onChange(() => setN((n) => n + 1)), [presence])
  const peers = presence.peers()
  const followed = peers.find((p) => p.clientId === following)
  return (
    <div class="presence">
      {followed
        ? <button type="button" class="following" onClick={() => onFollow(null)}>{t('presence.following', { name: followed.state.user!.name })} — {t('presence.stopFollow')}</button>
        : null}
      <ul class="people" aria-label={t('presence.label')}>
        {peers.map((p) => {
          const u = p.state.user!
          const initials = initialsOf(u.name)
          return (
            <li key={p.clientId}>
              {p.self && !onRename
                ? <span class="avatar self" role="img" style={{ background: u.color }} title={t('presence.you', { name: u.name })} aria-label={t('presence.you', { name: u.name })}>{initials}</span>
                : p.self
                ? <button type="button" class="avatar self" style={{ background: u.color }} title={t('presence.you', { name: u.name })} aria-label={`${t('presence.you', { name: u.name })} — ${t('name.change')}`} onClick={onRename}>{initials}</button>
                : <button type="button" class="avatar" style={{ background: u.color }} aria-pressed={following === p.clientId} title={t('presence.follow', { name: u.name })} aria-label={t('presence.follow', { name: u.name })} data-peer={u.name} onClick={() => onFollow(following === p.clientId ? null : p.clientId)}>{initials}</button>}
            </li>
          )
        })}
      </ul>
    </div>
  )
}
