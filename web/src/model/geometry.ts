// Plane geometry on board coordinates (x right, y down; an item's (x, y) is its top-left).

import type { Item, Rect } from './schema'

export interface Point { x: number, y: number }

export const clamp = (v: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, v))

export function center (r: Rect): Point {
  return { x: r.x + r.w / 2, y: r.y + r.h / 2 }
}

export function containsPoint (r: Rect, p: Point): boolean {
  return p.x >= r.x && p.x <= r.x + r.w && p.y >= r.y && p.y <= r.y + r.h
}

/** Whether `inner` lies entirely inside `outer`. */
export function containsRect (outer: Rect, inner: Rect): boolean {
  return inner.x >= outer.x && inner.y >= outer.y &&
    inner.x + inner.w <= outer.x + outer.w && inner.y + inner.h <= outer.y + outer.h
}

export function intersects (a: Rect, b: Rect): boolean {
  return a.x <= b.x + b.w && b.x <= a.x + a.w && a.y <= b.y + b.h && b.y <= a.y + a.h
}

/** A rectangle from two corners in any order. */
export function rectFromPoints (a: Point, b: Point): Rect {
  return { x: Math.min(a.x, b.x), y: Math.min(a.y, b.y), w: Math.abs(a.x - b.x), h: Math.abs(a.y - b.y) }
}

export function expand (r: Rect, by: number): Rect {
  return { x: r.x - by, y: r.y - by, w: r.w + 2 * by, h: r.h + 2 * by }
}

/** The bounding box of some rectangles, or null for none. */
export function unionRects (rects: Iterable<Rect>): Rect | null {
  let x0 = Infinity; let y0 = Infinity; let x1 = -Infinity; let y1 = -Infinity
  for (const r of rects) {
    x0 = Math.min(x0, r.x); y0 = Math.min(y0, r.y)
    x1 = Math.max(x1, r.x + r.w); y1 = Math.max(y1, r.y + r.h)
  }
  return x0 === Infinity ? null : { x: x0, y: y0, w: x1 - x0, h: y1 - y0 }
}

/**
 * Where the segment from the centre of `item` towards `toward` leaves the item's outline
 * (a rectangle, or an ellipse for `shape: ellipse`): the end of a connector.
 */
export function outlinePoint (item: Rect & { type?: string, shape?: string }, toward: Point): Point {
  const c = center(item)
  const dx = toward.x - c.x
  const dy = toward.y - c.y
  if (dx === 0 && dy === 0) return c
  const rx = Math.max(item.w / 2, 0.5)
  const ry = Math.max(item.h / 2, 0.5)
  let t: number
  if (item.type === 'shape' && item.shape === 'ellipse') {
    t = 1 / Math.sqrt((dx * dx) / (rx * rx) + (dy * dy) / (ry * ry))
  } else {
    t = Math.min(dx === 0 ? Infinity : rx / Math.abs(dx), dy === 0 ? Infinity : ry / Math.abs(dy))
  }
  t = Math.min(t, 1)
  return { x: c.x + dx * t, y: c.y + dy * t }
}

/** The end points of a connector between two items, on their outlines. */
export function connectorEnds (from: Item, to: Item): { a: Point, b: Point } {
  const a = outlinePoint(from, center(to))
  const b = outlinePoint(to, center(from))
  return { a, b }
}

export function distanceToSegment (p: Point, a: Point, b: Point): number {
  const dx = b.x - a.x
  const dy = b.y - a.y
  const len2 = dx * dx + dy * dy
  let t = len2 === 0 ? 0 : ((p.x - a.x) * dx + (p.y - a.y) * dy) / len2
  t = clamp(t, 0, 1)
  return Math.hypot(p.x - (a.x + t * dx), p.y - (a.y + t * dy))
}

/** Whether `p` (board coordinates) hits the item, with `tolerance` board pixels for strokes. */
export function hitItem (item: Item, p: Point, tolerance: number): boolean {
  if (item.type === 'ink') {
    if (!containsPoint(expand(item, tolerance), p)) return false
    const pts = item.points ?? []
    for (let i = 0; i + 3 < pts.length; i += 2) {
      const a = { x: item.x + pts[i], y: item.y + pts[i + 1] }
      const b = { x: item.x + pts[i + 2], y: item.y + pts[i + 3] }
      if (distanceToSegment(p, a, b) <= tolerance) return true
    }
    return pts.length === 2 && Math.hypot(p.x - item.x - pts[0], p.y - item.y - pts[1]) <= tolerance
  }
  if (item.type === 'shape' && item.shape === 'ellipse') {
    const c = center(item)
    const rx = item.w / 2 + tolerance
    const ry = item.h / 2 + tolerance
    return ((p.x - c.x) ** 2) / (rx * rx) + ((p.y - c.y) ** 2) / (ry * ry) <= 1
  }
  return containsPoint(expand(item, tolerance), p)
}

/**
 * Ink points relative to their own bounding box: `{ x, y, w, h, points }` from absolute
 * points `[x0, y0, x1, y1, …]`.
 */
export function normalizeInk (abs: number[]): Rect & { points: number[] } {
  let x0 = Infinity; let y0 = Infinity; let x1 = -Infinity; let y1 = -Infinity
  for (let i = 0; i + 1 < abs.length; i += 2) {
    x0 = Math.min(x0, abs[i]); x1 = Math.max(x1, abs[i])
    y0 = Math.min(y0, abs[i + 1]); y1 = Math.max(y1, abs[i + 1])
  }
  if (x0 === Infinity) return { x: 0, y: 0, w: 1, h: 1, points: [] }
  const points = abs.map((v, i) => Math.round((i % 2 === 0 ? v - x0 : v - y0) * 10) / 10)
  return { x: x0, y: y0, w: Math.max(1, x1 - x0), h: Math.max(1, y1 - y0), points }
}

/** Ink points scaled when its box is resized from (w0, h0) to (w1, h1). */
export function scalePoints (points: number[], w0: number, h0: number, w1: number, h1: number): number[] {
  const sx = w0 > 0 ? w1 / w0 : 1
  const sy = h0 > 0 ? h1 / h0 : 1
  return points.map((v, i) => Math.round(v * (i % 2 === 0 ? sx : sy) * 10) / 10)
}

/** Ramer–Douglas–Peucker simplification of a freehand stroke (absolute points). */
export function simplifyStroke (abs: number[], epsilon: number): number[] {
  const n = abs.length / 2
  if (n <= 2) return abs.slice()
  const keep = new Uint8Array(n)
  keep[0] = 1; keep[n - 1] = 1
  const stack: Array<[number, number]> = [[0, n - 1]]
  while (stack.length) {
    const [s, e] = stack.pop()!
    const a = { x: abs[2 * s], y: abs[2 * s + 1] }
    const b = { x: abs[2 * e], y: abs[2 * e + 1] }
    let maxD = 0; let idx = -1
    for (let i = s + 1; i < e; i++) {
      const d = distanceToSegment({ x: abs[2 * i], y: abs[2 * i + 1] }, a, b)
      if (d > maxD) { maxD = d; idx = i }
    }
    if (idx >= 0 && maxD > epsilon) {
      keep[idx] = 1
      stack.push([s, idx], [idx, e])
    }
  }
  const out: number[] = []
  for (let i = 0; i < n; i++) if (keep[i]) out.push(abs[2 * i], abs[2 * i + 1])
  return out
}
