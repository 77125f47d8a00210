import { describe, expect, it } from 'vitest'
import { READABLE_ZOOM, fitRect, readableFit } from './camera'

describe('readableFit: the camera a board opens with', () => {
  const laptop = { w: 963, h: 674 } // the canvas at 1366x768 beside the toolbar and panel

  it('shows the whole board when that keeps text readable', () => {
    const r = { x: 0, y: 0, w: 600, h: 400 }
    expect(readableFit(r, null, laptop)).toEqual(fitRect(r, laptop, 32))
  })

  it('opens a Theory of Change at the readable zoom from its top-left, not at the 40 % that fits it', () => {
    const lanes = { x: 0, y: -100, w: 2100, h: 1100 }
    expect(fitRect(lanes, laptop).zoom).toBeLessThan(0.5)
    const c = readableFit(lanes, { x: 20, y: 40, w: 2040, h: 240 }, laptop)
    expect(c.zoom).toBe(READABLE_ZOOM)
    expect(16 * c.zoom).toBeGreaterThanOrEqual(11)
    // the lane titles (top of the lanes) and the first lane are on screen
    expect(c.x).toBeLessThanOrEqual(0)
    expect(c.y).toBeLessThanOrEqual(-100)
  })

  it('fits the width when that is readable', () => {
    const tall = { x: 0, y: 0, w: 1000, h: 4000 }
    const c = readableFit(tall, null, laptop)
    expect(c.zoom).toBeCloseTo((963 - 64) / 1000)
    expect(c.y).toBeLessThan(0)
  })

  it('moves towards the cards when they start far inside the template, without passing its right edge', () => {
    const lanes = { x: 0, y: -100, w: 2100, h: 1100 }
    const c = readableFit(lanes, { x: 1840, y: 100, w: 220, h: 100 }, laptop)
    const right = c.x + laptop.w / c.zoom
    expect(right).toBeGreaterThanOrEqual(1840 + 220)
    expect(right).toBeLessThanOrEqual(2100 + 32 / c.zoom + 1)
  })
})
