// The camera: which part of the board is on screen. screen = (board - (x, y)) * zoom.

import type { Point } from '../model/geometry'
import type { Rect } from '../model/schema'

export interface Camera { x: number, y: number, zoom: number }

export const MIN_ZOOM = 0.05
export const MAX_ZOOM = 4
export const ZOOM_STEPS = [0.05, 0.1, 0.15, 0.25, 0.33, 0.5, 0.67, 0.8, 1, 1.25, 1.5, 2, 3, 4]

export const clampZoom = (z: number): number => Math.min(MAX_ZOOM, Math.max(MIN_ZOOM, z))

export function screenToBoard (c: Camera, p: Point): Point {
  return { x: c.x + p.x / c.zoom, y: c.y + p.y / c.zoom }
}

export function boardToScreen (c: Camera, p: Point): Point {
  return { x: (p.x - c.x) * c.zoom, y: (p.y - c.y) * c.zoom }
}

/** The camera after zooming to `zoom` while the board point under `at` (screen) stays put. */
export function zoomAt (c: Camera, zoom: number, at: Point): Camera {
  const z = clampZoom(zoom)
  const p = screenToBoard(c, at)
  return { x: p.x - at.x / z, y: p.y - at.y / z, zoom: z }
}

/** The next zoom step up or down from `zoom`. */
export function stepZoom (zoom: number, dir: 1 | -1): number {
  if (dir > 0) return ZOOM_STEPS.find((s) => s > zoom + 1e-6) ?? MAX_ZOOM
  return [...ZOOM_STEPS].reverse().find((s) => s < zoom - 1e-6) ?? MIN_ZOOM
}

/** The camera that shows `r` whole in a viewport of `size`, with a margin, at most at `maxZoom`. */
export function fitRect (r: Rect, size: { w: number, h: number }, margin = 48, maxZoom = 1): Camera {
  const w = Math.max(1, size.w - 2 * margin)
  const h = Math.max(1, size.h - 2 * margin)
  const zoom = clampZoom(Math.min(w / Math.max(r.w, 1), h / Math.max(r.h, 1), maxZoom))
  return { x: r.x + r.w / 2 - size.w / 2 / zoom, y: r.y + r.h / 2 - size.h / 2 / zoom, zoom }
}

export function visibleRect (c: Camera, size: { w: number, h: number }): Rect {
  return { x: c.x, y: c.y, w: size.w / c.zoom, h: size.h / c.zoom }
}

/**
 * The zoom at which a card's text (16 board px) is drawn at 11 CSS px: the smallest a board
 * opens at when the whole of it would be smaller.
 */
export const READABLE_ZOOM = 0.7

/**
 * The camera a board opens with: the whole of `content` (template and items) if it fits at
 * a readable zoom; else its whole width if that is readable, from the top; else the
 * readable zoom from the top-left of the content, moved towards the cards (`items`) when
 * they start further in (the first of them on screen), and people pan to see the rest.
 */
export function readableFit (content: Rect, items: Rect | null, size: { w: number, h: number }, margin = 32): Camera {
  const whole = fitRect(content, size, margin)
  if (whole.zoom >= READABLE_ZOOM) return whole
  const w = Math.max(1, size.w - 2 * margin)
  const widthZoom = Math.min(1, w / Math.max(content.w, 1))
  const zoom = Math.max(READABLE_ZOOM, widthZoom)
  // the top-left of the content, unless the cards start well inside it (an emptier corner)
  const x0 = items ? Math.max(content.x, Math.min(items.x - 60, content.x + content.w - w / zoom)) : content.x
  const y0 = items ? Math.max(content.y, items.y - 160) : content.y
  return { x: x0 - margin / zoom, y: y0 - margin / zoom, zoom }
}
