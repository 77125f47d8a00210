// Pointer gestures: each tool is a small state machine fed with pointer events in screen
// and board coordinates. The canvas component only forwards events here.

import { type Point, normalizeInk, rectFromPoints, simplifyStroke } from '../model/geometry'
import type { Item, Rect } from '../model/schema'
import type { Editor } from './editor'

export interface PointerInput {
  screen: Point
  board: Point
  shift: boolean
  mod: boolean
  button: number
}

export type Handle = 'nw' | 'ne' | 'sw' | 'se'
const HANDLE_PX = 9
const DRAG_PX = 4

type Gesture =
  | { kind: 'pan', start: Point, camera: { x: number, y: number } }
  | { kind: 'move', start: Point, origins: Map<string, Point>, moved: boolean, clickedId: string, wasSelected: boolean, shift: boolean }
  | { kind: 'resize', id: string, handle: Handle, from: Item }
  | { kind: 'rubber', start: Point, base: Set<string> }
  | { kind: 'connector', from: string }
  | { kind: 'pen', points: number[] }
  | { kind: 'draft', start: Point, startScreen: Point }
  | { kind: 'none' }

export class Gestures {
  private g: Gesture = { kind: 'none' }
  spaceHeld = false
  constructor (private readonly ed: Editor) {}

  get active (): boolean { return this.g.kind !== 'none' }

  /** The selection handle under a screen point (single selection only). */
  handleAt (screen: Point): { id: string, handle: Handle } | null {
    const ed = this.ed
    if (ed.selection.size !== 1 || ed.readOnly || ed.view === 'circles') return null
    const id = [...ed.selection][0]
    const it = ed.display(id)
    if (!it) return null
    const corners: Array<[Handle, Point]> = [
      ['nw', { x: it.x, y: it.y }], ['ne', { x: it.x + it.w, y: it.y }],
      ['sw', { x: it.x, y: it.y + it.h }], ['se', { x: it.x + it.w, y: it.y + it.h }]
    ]
    for (const [h, p] of corners) {
      const s = ed.toScreen(p)
      if (Math.abs(s.x - screen.x) <= HANDLE_PX && Math.abs(s.y - screen.y) <= HANDLE_PX) return { id, handle: h }
    }
    return null
  }

  /** The CSS cursor for a hovering pointer. */
  cursor (p: PointerInput): string {
    const ed = this.ed
    if (this.g.kind === 'pan') return 'grabbing'
    if (this.spaceHeld || ed.tool === 'hand') return 'grab'
    if (ed.tool === 'select') {
      const h = this.handleAt(p.screen)
      if (h) return h.handle === 'nw' || h.handle === 'se' ? 'nwse-resize' : 'nesw-resize'
      return ed.hitTest(p.board) ? 'move' : 'default'
    }
    return 'crosshair'
  }

  down (p: PointerInput): void {
    const ed = this.ed
    if (p.button === 1 || p.button === 2 || this.spaceHeld || ed.tool === 'hand') {
      if (p.button === 2) return
      this.g = { kind: 'pan', start: p.screen, camera: { x: ed.camera.x, y: ed.camera.y } }
      return
    }
    if (ed.editing) ed.stopEditing()
    switch (ed.tool) {
      case 'select': return this.downSelect(p)
      case 'connector': {
        const from = ed.hitTest(p.board)
        if (from) {
          this.g = { kind: 'connector', from }
          ed.setOverlay({ connector: { from, to: p.board } })
        } else {
          this.downSelect(p)
        }
        return
      }
      case 'pen':
        this.g = { kind: 'pen', points: [p.board.x, p.board.y] }
        ed.setOverlay({ stroke: this.g.points.slice() })
        return
      default:
        this.g = { kind: 'draft', start: p.board, startScreen: p.screen }
    }
  }

  private downSelect (p: PointerInput): void {
    const ed = this.ed
    const h = this.handleAt(p.screen)
    if (h) {
      const from = ed.board.getItem(h.id)
      if (from) { this.g = { kind: 'resize', id: h.id, handle: h.handle, from }; ed.undo.stopCapturing() }
      return
    }
    const hit = ed.hitTest(p.board)
    if (hit) {
      const wasSelected = ed.selection.has(hit)
      if (p.shift) ed.toggleSelected(hit)
      else if (!wasSelected) ed.setSelection([hit])
      const origins = new Map<string, Point>()
      for (const id of ed.movingSet()) {
        const it = ed.board.getItem(id)
        if (it) origins.set(id, { x: it.x, y: it.y })
      }
      ed.undo.stopCapturing()
      this.g = { kind: 'move', start: p.board, origins, moved: false, clickedId: hit, wasSelected, shift: p.shift }
      return
    }
    const link = ed.hitLink(p.board)
    if (link && !p.shift) { ed.selectLink(link); return }
    if (!p.shift) { ed.setSelection([]); ed.selectLink(null) }
    this.g = { kind: 'rubber', start: p.board, base: new Set(p.shift ? ed.selection : []) }
  }

  move (p: PointerInput): void {
    const ed = this.ed
    const g = this.g
    switch (g.kind) {
      case 'pan':
        ed.setCamera({ zoom: ed.camera.zoom, x: g.camera.x - (p.screen.x - g.start.x) / ed.camera.zoom, y: g.camera.y - (p.screen.y - g.start.y) / ed.camera.zoom })
        return
      case 'move': {
        const dx = p.board.x - g.start.x
        const dy = p.board.y - g.start.y
        if (!g.moved && Math.hypot(dx, dy) * ed.camera.zoom < DRAG_PX) return
        g.moved = true
        if (ed.view === 'circles') {
          ed.setOverlay({ draft: { ...ed.display(g.clickedId)!, x: ed.display(g.clickedId)!.x + dx, y: ed.display(g.clickedId)!.y + dy, tool: 'select' } })
          return
        }
        ed.moveFrom(g.origins, dx, dy)
        return
      }
      case 'resize': {
        const f = g.from
        let x0 = f.x; let y0 = f.y; let x1 = f.x + f.w; let y1 = f.y + f.h
        if (g.handle === 'nw' || g.handle === 'sw') x0 = Math.min(p.board.x, x1 - 20)
        else x1 = Math.max(p.board.x, x0 + 20)
        if (g.handle === 'nw' || g.handle === 'ne') y0 = Math.min(p.board.y, y1 - 20)
        else y1 = Math.max(p.board.y, y0 + 20)
        if (p.shift && f.w > 0 && f.h > 0) {
          const ratio = f.w / f.h
          const w = x1 - x0
          const h = w / ratio
          if (g.handle === 'nw' || g.handle === 'ne') y0 = y1 - h
          else y1 = y0 + h
        }
        ed.resize(g.id, { x: x0, y: y0, w: x1 - x0, h: y1 - y0 }, f)
        return
      }
      case 'rubber': {
        const r = rectFromPoints(g.start, p.board)
        ed.setOverlay({ rubberBand: r })
        ed.setSelection([...g.base, ...ed.itemsIntersecting(r)])
        return
      }
      case 'connector': {
        const target = ed.hitTest(p.board)
        ed.setOverlay({ connector: { from: g.from, to: p.board, target: target && target !== g.from ? target : undefined } })
        return
      }
      case 'pen':
        g.points.push(p.board.x, p.board.y)
        ed.setOverlay({ stroke: g.points.slice() })
        return
      case 'draft':
        if (ed.tool === 'rect' || ed.tool === 'ellipse' || ed.tool === 'frame') {
          if (Math.hypot(p.screen.x - g.startScreen.x, p.screen.y - g.startScreen.y) >= DRAG_PX) {
            ed.setOverlay({ draft: { ...rectFromPoints(g.start, p.board), tool: ed.tool } })
          }
        }
    }
  }

  up (p: PointerInput): void {
    const ed = this.ed
    const g = this.g
    this.g = { kind: 'none' }
    switch (g.kind) {
      case 'move':
        if (g.moved) {
          if (ed.view === 'circles') {
            const it = ed.display(g.clickedId)!
            ed.dropInCircle(g.clickedId, { x: it.x + it.w / 2 + p.board.x - g.start.x, y: it.y + it.h / 2 + p.board.y - g.start.y })
            ed.setOverlay({})
          } else {
            ed.settle(g.origins.keys())
          }
          ed.undo.stopCapturing()
        } else if (!g.shift && g.wasSelected && ed.selection.size > 1) {
          ed.setSelection([g.clickedId])
        }
        return
      case 'resize':
        ed.undo.stopCapturing()
        return
      case 'rubber':
        ed.setOverlay({})
        return
      case 'connector': {
        ed.setOverlay({})
        const target = ed.hitTest(p.board)
        if (target && target !== g.from) ed.createLink(g.from, target)
        return
      }
      case 'pen': {
        ed.setOverlay({})
        const pts = simplifyStroke(g.points, 0.8 / ed.camera.zoom)
        if (pts.length >= 4) ed.createInk(pts, normalizeInk(pts))
        return
      }
      case 'draft': {
        ed.setOverlay({})
        const tool = ed.tool
        const dragged = Math.hypot(p.screen.x - g.startScreen.x, p.screen.y - g.startScreen.y) >= DRAG_PX
        let rect: Rect | undefined
        if (dragged && (tool === 'rect' || tool === 'ellipse' || tool === 'frame')) rect = rectFromPoints(g.start, p.board)
        const id = ed.createItem(tool, g.start, rect)
        ed.setTool('select')
        if (id && (tool === 'sticky' || tool === 'text' || tool.startsWith('card:'))) ed.startEditing(id)
      }
    }
  }

  cancel (): void {
    this.g = { kind: 'none' }
    this.ed.setOverlay({})
  }
}
