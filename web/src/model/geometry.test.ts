import { describe, expect, it } from 'vitest'
import { connectorEnds, hitItem, normalizeInk, outlinePoint, scalePoints, simplifyStroke, unionRects } from './geometry'
import type { Item } from './schema'

const rect = (x: number, y: number, w: number, h: number, extra: Partial<Item> = {}): Item =>
  ({ type: 'sticky', x, y, w, h, color: 'yellow', z: 'a0', ...extra })

describe('geometry', () => {
  it('puts connector ends on the outlines facing each other', () => {
    const { a, b } = connectorEnds(rect(0, 0, 100, 100), rect(300, 0, 100, 100))
    expect(a).toEqual({ x: 100, y: 50 })
    expect(b).toEqual({ x: 300, y: 50 })
  })
  it('ends on an ellipse outline', () => {
    const p = outlinePoint({ ...rect(0, 0, 200, 100), type: 'shape', shape: 'ellipse' }, { x: 100, y: 500 })
    expect(p.x).toBeCloseTo(100)
    expect(p.y).toBeCloseTo(100)
  })
  it('hits ink strokes near the line only', () => {
    const ink = rect(0, 0, 100, 100, { type: 'ink', points: [0, 0, 100, 100] })
    expect(hitItem(ink, { x: 50, y: 52 }, 4)).toBe(true)
    expect(hitItem(ink, { x: 90, y: 10 }, 4)).toBe(false)
  })
  it('normalises, scales and simplifies ink', () => {
    const n = normalizeInk([10, 20, 30, 60])
    expect(n).toEqual({ x: 10, y: 20, w: 20, h: 40, points: [0, 0, 20, 40] })
    expect(scalePoints([0, 0, 20, 40], 20, 40, 40, 20)).toEqual([0, 0, 40, 20])
    expect(simplifyStroke([0, 0, 1, 0.01, 2, 0, 3, 0], 0.5)).toEqual([0, 0, 3, 0])
  })
  it('unions rectangles', () => {
    expect(unionRects([rect(0, 0, 10, 10), rect(20, -5, 10, 10)])).toEqual({ x: 0, y: -5, w: 30, h: 15 })
    expect(unionRects([])).toBeNull()
  })
})
