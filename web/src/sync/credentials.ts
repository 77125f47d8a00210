// A member's credential. POST /api/join sets the HTTP-only tavolo_member cookie, which the
// REST calls, the control channel and the board sockets all carry by themselves. Only when
// the browser did not keep that cookie (a Secure cookie on plain HTTP, cookies blocked) is
// the token kept for this tab (sessionStorage) and sent explicitly: `Authorization: Bearer`
// on REST, `?token=` on the sockets.

import { get, setBearer } from './api'

const KEY = (session: string) => `tavolo.member.${session}`

function storage (): Storage | null {
  try { return typeof sessionStorage === 'undefined' ? null : sessionStorage } catch { return null }
}

interface MeAnswer { kind: string, session?: string }

/** After joining: keeps the token only if the cookie does not identify this browser. */
export async function settleMemberToken (session: string, token: string): Promise<void> {
  setBearer(null)
  let cookieWorks = false
  try {
    const me = await get<MeAnswer>('/api/me')
    cookieWorks = me.kind !== 'anonymous' && me.kind !== 'facilitator' && me.session === session
  } catch { /* treat as not working */ }
  if (cookieWorks) {
    storage()?.removeItem(KEY(session))
  } else {
    storage()?.setItem(KEY(session), token)
  }
}

/** The explicit token for a meeting (null: the cookie is enough); also used for REST calls. */
export function memberToken (session: string): string | null {
  const token = storage()?.getItem(KEY(session)) ?? null
  setBearer(token)
  return token
}
