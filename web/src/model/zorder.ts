// Fractional z-index: items are drawn in ascending *string* order of `z` (code-unit order,
// not locale order). Keys come from the `fractional-indexing` algorithm ("a0", "a1", …),
// the same form as the schema fixtures.

import { generateKeyBetween, generateNKeysBetween } from 'fractional-indexing'

export const compareZ = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0)

/** The largest and smallest z of some items (null when there are none). */
export function zRange (zs: Iterable<string>): { min: string | null, max: string | null } {
  let min: string | null = null
  let max: string | null = null
  for (const z of zs) {
    if (!isValidZ(z)) continue
    if (min === null || z < min) min = z
    if (max === null || z > max) max = z
  }
  return { min, max }
}

/** `n` keys above every key in `zs`, ascending. */
export function keysAbove (zs: Iterable<string>, n = 1): string[] {
  return generateNKeysBetween(zRange(zs).max, null, n)
}

/** `n` keys below every key in `zs`, ascending. */
export function keysBelow (zs: Iterable<string>, n = 1): string[] {
  return generateNKeysBetween(null, zRange(zs).min, n)
}

export function keyBetween (a: string | null, b: string | null): string {
  return generateKeyBetween(a, b)
}

/** Whether a key is one the algorithm can build on (others written by foreign clients are skipped). */
export function isValidZ (z: unknown): z is string {
  if (typeof z !== 'string' || z.length < 2) return false
  try {
    generateKeyBetween(z, null)
    return true
  } catch {
    return false
  }
}
