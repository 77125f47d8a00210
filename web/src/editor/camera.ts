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
