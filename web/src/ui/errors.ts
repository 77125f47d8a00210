// What a refused API call tells the person, in the UI's language. The server's `error`
// strings are English and meant for logs and scripts: the Italian UI never shows them.
// A stable `code` (some refusals carry one) is translated; otherwise the status is.
// In the English UI the server's reason follows, as a detail.

import { getLang, t, type MessageKey } from '../i18n'
import { ApiError } from '../sync/api'

const CODES: Record<string, MessageKey> = {
  invite_revoked: 'join.revoked',
  invite_expired: 'join.expired',
  meeting_closed: 'error.code.meeting_closed',
  vote_closed: 'error.code.vote_closed',
  no_dots_left: 'error.code.no_dots_left',
  no_dot_here: 'error.code.no_dot_here',
  no_groups: 'error.code.no_groups',
  no_timer: 'error.code.no_timer',
  facilitator_exists: 'error.code.facilitator_exists',
}

function byStatus (status: number): MessageKey {
  if (status === 0) return 'error.network'
  if (status === 400 || status === 422) return 'error.status.400'
  if (status === 401) return 'error.status.401'
  if (status === 403) return 'error.status.403'
  if (status === 404) return 'error.status.404'
  if (status === 409) return 'error.status.409'
  if (status === 410) return 'error.status.410'
  if (status === 413) return 'error.status.413'
  if (status === 429) return 'error.status.429'
  if (status >= 500) return 'error.status.500'
  return 'error.generic'
}

/** The sentence to show for `e` (anything a call threw). */
export function errorText (e: unknown): string {
  if (!(e instanceof ApiError)) return t('error.generic')
  const key = (e.code !== null ? CODES[e.code] : undefined) ?? byStatus(e.status)
  const text = t(key)
  return getLang() === 'en' && e.status !== 0 && e.message && e.status < 500 ? `${text} (${e.message})` : text
}
