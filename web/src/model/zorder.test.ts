import { describe, expect, it } from 'vitest'
import { compareZ, keyBetween, keysAbove, keysBelow } from './zorder'

describe('fractional z-index', () => {
  it('starts where the fixtures start', () => {
    expect(keysAbove([], 3)).toEqual(['a0', 'a1', 'a2'])
  })
  it('puts new keys above and below every existing one', () => {
    const zs = ['a0', 'a3', 'a1']
    const [top] = keysAbove(zs)
    const [bottom] = keysBelow(zs)
    for (const z of zs) {
      expect(compareZ(top, z)).toBe(1)
      expect(compareZ(bottom, z)).toBe(-1)
    }
  })
  it('finds a key between two neighbours, many times over', () => {
    let lo = 'a0'
    const hi = 'a1'
    for (let i = 0; i < 50; i++) {
      const k = keyBetween(lo, hi)
      expect(k > lo && k < hi).toBe(true)
      lo = k
    }
  })
  it('ignores keys it cannot build on', () => {
    expect(keysAbove(['', 'zzz!', 'a5'])[0] > 'a5').toBe(true)
  })
})
