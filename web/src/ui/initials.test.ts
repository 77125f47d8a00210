import { describe, expect, it } from 'vitest'
import { initialsOf } from './Presence'

describe('initialsOf', () => {
  it('skips punctuation', () => {
    expect(initialsOf('Anna (Comune)')).toBe('AC')
    expect(initialsOf('A. Rossi')).toBe('AR')
    expect(initialsOf('«Bruno» Verdi')).toBe('BV')
  })
  it('keeps accented letters and digits', () => {
    expect(initialsOf('élodie ñandú')).toBe('ÉÑ')
    expect(initialsOf('Gruppo 2')).toBe('G2')
  })
  it('shows something for a name without letters', () => {
    expect(initialsOf('???')).toBe('?')
    expect(initialsOf('  ')).toBe('?')
  })
})
