import { describe, expect, it } from 'vitest'
import { typedInviteCode } from './inviteCode'
import { qrModules } from './QrCode'

describe('typedInviteCode', () => {
  it('reads a code as people type it', () => {
    expect(typedInviteCode('abcd efgh')).toBe('ABCD-EFGH')
    expect(typedInviteCode(' AB-CD-EF-GH ')).toBe('ABCD-EFGH')
    expect(typedInviteCode('ABCDEFGH')).toBe('ABCD-EFGH')
  })
  it('refuses what cannot be a code', () => {
    for (const bad of ['', 'ABCD-EFG', 'ABCD-EFGHJ', 'ABCD-EFGU', 'ABCD-ÉFGH', 'ab/cd-efgh']) expect(typedInviteCode(bad)).toBeNull()
  })
})

describe('qrModules', () => {
  it('makes a square code that grows with its text', () => {
    const short = qrModules('https://tavolo.example/join/ABCD-EFGH')
    const long = qrModules(`https://tavolo.example/join/${'a'.repeat(64)}`)
    expect(short.length).toBeGreaterThanOrEqual(21)
    expect(short.every((row) => row.length === short.length)).toBe(true)
    expect(long.length).toBeGreaterThan(short.length)
    // the three finder patterns: dark corners
    expect(short[0][0] && short[0][short.length - 1] && short[short.length - 1][0]).toBe(true)
  })
})
