// The stakeholder map's second view: the same stakeholders placed on concentric circles by
// ring (core table, involved, to inform), grouped by category around each circle.

import type { Item, Rect, Ring } from '../model/schema'
import { RINGS, STAKEHOLDER_CATEGORIES } from '../model/schema'
import { stakeholderMetrics } from '../model/templates'

export interface CirclesGeometry { cx: number, cy: number, radii: Record<Ring, number> }

export const CIRCLE_CARD = { w: 200, h: 96 }

export function circlesGeometry (grid: Rect): CirclesGeometry {
  const r = Math.min(grid.w, grid.h) / 2
  return { cx: grid.x + grid.w / 2, cy: grid.y + grid.h / 2, radii: { core: r * 0.36, involved: r * 0.7, inform: r } }
}

/** The ring whose band holds a point at distance `d` from the centre. */
export function ringAt (g: CirclesGeometry, d: number): Ring {
  if (d <= g.radii.core) return 'core'
  if (d <= g.radii.involved) return 'involved'
  return 'inform'
}

/** Where each stakeholder is drawn in the circles view (top-left corners, fixed card size). */
export function circlesLayout (items: Iterable<[string, Item]>, grid: Rect): Map<string, Rect> {
  const g = circlesGeometry(grid)
  const byRing: Record<Ring, Array<[string, Item]>> = { core: [], involved: [], inform: [] }
  for (const [id, it] of items) {
    if (it.role !== 'stakeholder') continue
    byRing[stakeholderMetrics(it, grid).ring].push([id, it])
  }
  const out = new Map<string, Rect>()
  const catIndex = (it: Item) => {
    const i = STAKEHOLDER_CATEGORIES.indexOf(it.data?.category as never)
    return i < 0 ? STAKEHOLDER_CATEGORIES.length : i
  }
  let inner = 0
  for (const ring of RINGS) {
    const list = byRing[ring].sort(([a, ia], [b, ib]) => catIndex(ia) - catIndex(ib) || (a < b ? -1 : 1))
    const outer = g.radii[ring]
    const mid = ring === 'core' && list.length === 1 ? 0 : (inner + outer) / 2
    list.forEach(([id], i) => {
      const angle = -Math.PI / 2 + (2 * Math.PI * i) / Math.max(1, list.length) + (ring === 'involved' ? 0.3 : ring === 'inform' ? 0.6 : 0)
      const x = g.cx + mid * Math.cos(angle) - CIRCLE_CARD.w / 2
      const y = g.cy + mid * Math.sin(angle) - CIRCLE_CARD.h / 2
      out.set(id, { x: Math.round(x), y: Math.round(y), w: CIRCLE_CARD.w, h: CIRCLE_CARD.h })
    })
    inner = outer
  }
  return out
}
