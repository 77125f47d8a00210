import { afterEach, describe, expect, it } from 'vitest'
import { setLang } from '../i18n'
import { ApiError } from '../sync/api'
import { errorText } from './errors'

describe('errorText', () => {
  afterEach(() => { setLang('it') })

  it('never shows the server\'s English in the Italian UI', () => {
    setLang('it')
    const refused = new ApiError(409, 'there are no groups to gather', 'no_groups')
    expect(errorText(refused)).toBe('Non ci sono gruppi: creali prima.')
    expect(errorText(new ApiError(409, 'something new', null))).toBe('Non è possibile in questo momento.')
    expect(errorText(new ApiError(400, 'title must be at most 200 characters'))).not.toContain('title')
    expect(errorText(new ApiError(410, 'this invitation was revoked', 'invite_revoked'))).toBe('Il facilitatore ha ritirato questo link di invito: chiedigliene uno nuovo.')
    expect(errorText(new ApiError(503, 'busy'))).toBe('Errore del server. Riprova tra poco.')
    expect(errorText(new ApiError(0, 'Failed to fetch'))).toContain('Il server non risponde')
    expect(errorText(new Error('boom'))).toBe('Qualcosa non ha funzionato. Riprova.')
  })

  it('adds the server\'s reason as a detail in the English UI', () => {
    setLang('en')
    expect(errorText(new ApiError(409, 'no dots left', 'no_dots_left'))).toBe('You have used all your dots. (no dots left)')
    expect(errorText(new ApiError(500, 'internal error'))).toBe('Server error. Try again shortly.')
  })
})
