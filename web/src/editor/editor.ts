// The editor: camera, selection, the current tool, per-user undo, and every command that
// changes the board. No DOM rendering here; the renderer and the UI subscribe to `on(...)`.

import * as Y from 'yjs'
import { Board, newId } from '../model/board'
import {
  type Point,
  center,
  connectorEnds,
  containsPoint,
  containsRect,
  distanceToSegment,
  hitItem,
  intersects,
  unionRects
} from '../model/geometry'
import type { BoardJSON, BoardKind, Item, Link, LinkKind, Rect } from '../model/schema'
import { compareZ, keysAbove, keysBelow } from '../model/zorder'
import { CATEGORY_COLOR, roleAtPoint, roleStyle, templateBounds, tocLevel, TOC_NOT_LEVEL_ROLES } from '../model/templates'
import { type Camera, boardToScreen, clampZoom, fitRect, readableFit, screenToBoard, stepZoom, visibleRect, zoomAt } from './camera'
import { circlesGeometry, circlesLayout, ringAt } from './circles'

export type ToolId = 'select' | 'hand' | 'sticky' | 'text' | 'rect' | 'ellipse' | 'connector' | 'frame' | 'pen' | `card:${string}`
export type MapView = 'grid' | 'circles'

export type EditorEvent = 'camera' | 'selection' | 'tool' | 'editing' | 'overlay' | 'items' | 'view' | 'undo'

/** What the interactive layer draws while a gesture is under way. */
export interface Overlay {
  rubberBand?: Rect
  connector?: { from: string, to: Point, target?: string }
  stroke?: number[]
  draft?: Rect & { tool: ToolId }
}

/** The tools a read-only editor keeps: they change nothing. */
export const READ_ONLY_TOOLS: ReadonlySet<ToolId> = new Set<ToolId>(['select', 'hand'])

export const CLIPBOARD_MARK = 'tavolo-clipboard-v1'
const PASTE_OFFSET = 24
const CAPTURE_MS = 500

export class Editor {
  readonly board: Board
  readonly undo: Y.UndoManager
  readonly author: string
  camera: Camera = { x: -100, y: -100, zoom: 1 }
  size = { w: 1200, h: 800 }
  selection: ReadonlySet<string> = new Set()
  selectedLink: string | null = null
  tool: ToolId = 'select'
  editing: string | null = null
  view: MapView = 'grid'
  overlay: Overlay = {}
  /** Nothing that changes the board runs: see `EDITOR_METHODS`, the one gate. */
  readOnly = false
  /** Zoom to fit as soon as the canvas knows its size (a freshly opened board). */
  fitOnMount = true
  /** Items drawn somewhere else than their stored position (the circles view). */
  displayOverride: Map<string, Rect> | null = null
  private listeners = new Map<EditorEvent, Set<() => void>>()
  private sortedCache: Array<[string, Item]> | null = null
  private memoryClipboard: string | null = null
  private pasteCount = 0

  constructor (board: Board, author: string) {
    this.board = board
    this.author = author
    this.undo = new Y.UndoManager([board.items, board.texts, board.links, board.fields], {
      trackedOrigins: new Set([board.origin]),
      captureTimeout: CAPTURE_MS
    })
    this.undo.on('stack-item-added', () => this.emit('undo'))
    this.undo.on('stack-item-popped', () => this.emit('undo'))
    board.items.observe((ev) => {
      this.sortedCache = null
      // forget selected items that someone deleted
      let lost = false
      for (const key of ev.keysChanged) if (!board.items.has(key) && this.selection.has(key)) lost = true
      if (lost) this.setSelection([...this.selection].filter((id) => board.items.has(id)))
      if (this.editing && !board.items.has(this.editing)) this.stopEditing()
      if (this.view === 'circles') this.computeOverride()
      this.emit('items')
    })
    board.links.observe(() => {
      if (this.selectedLink && !board.links.has(this.selectedLink)) { this.selectedLink = null; this.emit('selection') }
    })
  }

  get kind (): BoardKind { return this.board.getMeta()?.kind ?? 'free' }

  on (ev: EditorEvent, fn: () => void): () => void {
    let set = this.listeners.get(ev)
    if (!set) this.listeners.set(ev, (set = new Set()))
    set.add(fn)
    return () => { set!.delete(fn) }
  }

  emit (ev: EditorEvent): void {
    for (const fn of this.listeners.get(ev) ?? []) fn()
  }

  // ---- items in drawing order ---------------------------------------------------------

  /** Every item, ascending z (frames first among equals: they are backgrounds). */
  sorted (): Array<[string, Item]> {
    if (!this.sortedCache) {
      this.sortedCache = [...this.board.items.entries()].sort(([a, ia], [b, ib]) => {
        const fa = ia.type === 'frame' ? 0 : 1
        const fb = ib.type === 'frame' ? 0 : 1
        return fa - fb || compareZ(ia.z, ib.z) || (a < b ? -1 : a > b ? 1 : 0)
      })
    }
    return this.sortedCache
  }

  /** Where an item is drawn (its stored geometry, or the circles view's place for it). */
  display (id: string, item?: Item): Item | undefined {
    const it = item ?? this.board.getItem(id)
    if (!it) return undefined
    const o = this.displayOverride?.get(id)
    return o ? { ...it, ...o } : it
  }

  /** Items hidden by the current view (the circles view shows only stakeholders). */
  hiddenInView (item: Item): boolean {
    return this.view === 'circles' && item.role !== 'stakeholder'
  }

  // ---- camera -------------------------------------------------------------------------

  setCamera (c: Camera): void {
    this.camera = { x: c.x, y: c.y, zoom: clampZoom(c.zoom) }
    this.emit('camera')
  }

  setSize (w: number, h: number): void {
    if (w === this.size.w && h === this.size.h) return
    this.size = { w, h }
    this.emit('camera')
  }

  toBoard (p: Point): Point { return screenToBoard(this.camera, p) }
  toScreen (p: Point): Point { return boardToScreen(this.camera, p) }
  visible (): Rect { return visibleRect(this.camera, this.size) }

  panBy (dxScreen: number, dyScreen: number): void {
    this.setCamera({ ...this.camera, x: this.camera.x - dxScreen / this.camera.zoom, y: this.camera.y - dyScreen / this.camera.zoom })
  }

  zoomAtPoint (zoom: number, at: Point = { x: this.size.w / 2, y: this.size.h / 2 }): void {
    this.setCamera(zoomAt(this.camera, zoom, at))
  }

  zoomStep (dir: 1 | -1): void { this.zoomAtPoint(stepZoom(this.camera.zoom, dir)) }

  contentBounds (): Rect | null {
    const rects: Rect[] = []
    for (const [id, it] of this.sorted()) if (!this.hiddenInView(it)) rects.push(this.display(id, it)!)
    const tb = templateBounds(this.board.getMeta()?.template)
    if (tb) rects.push(tb)
    return unionRects(rects)
  }

  zoomToFit (): void {
    const r = this.contentBounds()
    if (r) this.setCamera(fitRect(r, this.size))
  }

  /** The view a board opens with: whole if readable, else readable from its top-left (camera.readableFit). */
  zoomToReadable (): void {
    const r = this.contentBounds()
    if (!r) return
    const items: Rect[] = []
    for (const [id, it] of this.sorted()) if (!this.hiddenInView(it)) items.push(this.display(id, it)!)
    this.setCamera(readableFit(r, unionRects(items), this.size))
  }

  zoomToSelection (): void {
    const r = this.selectionBounds()
    if (r) this.setCamera(fitRect(r, this.size, 80, 2))
  }

  /** Pans (without zooming) so that the item is on screen. */
  reveal (id: string): void {
    const it = this.display(id)
    if (!it) return
    const v = this.visible()
    if (containsRect(v, it)) return
    const c = center(it)
    this.setCamera({ ...this.camera, x: c.x - v.w / 2, y: c.y - v.h / 2 })
  }

  // ---- selection ----------------------------------------------------------------------

  setSelection (ids: Iterable<string>): void {
    const next = new Set([...ids].filter((id) => this.board.items.has(id)))
    const same = next.size === this.selection.size && [...next].every((id) => this.selection.has(id))
    if (next.size) this.selectedLink = null
    if (same) return
    this.selection = next
    this.emit('selection')
  }

  selectLink (id: string | null): void {
    this.selectedLink = id
    if (id) this.selection = new Set()
    this.emit('selection')
  }

  toggleSelected (id: string): void {
    const next = new Set(this.selection)
    if (next.has(id)) next.delete(id)
    else next.add(id)
    this.setSelection(next)
  }

  selectAll (): void {
    this.setSelection(this.sorted().filter(([, it]) => !this.hiddenInView(it)).map(([id]) => id))
  }

  selectionBounds (): Rect | null {
    return unionRects([...this.selection].map((id) => this.display(id)!).filter(Boolean))
  }

  /**
   * The next (or previous) item in reading order, for Tab. Null past the last (or before
   * the first) item and on an empty board: the key then moves focus out of the canvas, as
   * Tab does everywhere else (no keyboard trap, WCAG 2.1.2).
   */
  cycleSelection (dir: 1 | -1): string | null {
    const list = this.sorted().filter(([, it]) => !this.hiddenInView(it)).map(([id]) => [id, this.display(id)!] as const)
      .sort(([a, ia], [b, ib]) => Math.round(ia.y / 40) - Math.round(ib.y / 40) || ia.x - ib.x || (a < b ? -1 : 1))
    if (list.length === 0) return null
    const current = [...this.selection][0]
    const i = list.findIndex(([id]) => id === current)
    const at = i < 0 ? (dir > 0 ? 0 : list.length - 1) : i + dir
    if (at < 0 || at >= list.length) return null
    const next = list[at][0]
    this.setSelection([next])
    this.reveal(next)
    return next
  }

  // ---- tools and gestures' overlay ----------------------------------------------------

  /** Whether the tool can be picked now: on a read-only board, only those that change nothing. */
  mayUseTool (tool: ToolId): boolean {
    return !this.readOnly || READ_ONLY_TOOLS.has(tool)
  }

  setTool (tool: ToolId): void {
    this.tool = tool
    this.emit('tool')
  }

  setOverlay (o: Overlay): void {
    this.overlay = o
    this.emit('overlay')
  }

  setView (v: MapView): void {
    if (v === this.view) return
    this.view = v
    this.computeOverride()
    this.stopEditing()
    this.emit('view')
    this.emit('items')
  }

  private computeOverride (): void {
    const grid = this.board.getMeta()?.template?.grid
    this.displayOverride = this.view === 'circles' && grid ? circlesLayout(this.board.items.entries(), grid) : null
  }

  // ---- hit testing (board coordinates) --------------------------------------------------

  /** The topmost item under `p`. Frames are hit on their title bar or border only. */
  hitTest (p: Point): string | null {
    const tol = 6 / this.camera.zoom
    const list = this.sorted()
    for (let i = list.length - 1; i >= 0; i--) {
      const [id, raw] = list[i]
      if (this.hiddenInView(raw)) continue
      const it = this.display(id, raw)!
      if (it.type === 'frame') {
        const title = { x: it.x, y: it.y - 32 / Math.min(1, this.camera.zoom), w: it.w, h: 32 / Math.min(1, this.camera.zoom) }
        const inner = { x: it.x + tol, y: it.y + tol, w: it.w - 2 * tol, h: it.h - 2 * tol }
        if (containsPoint(title, p) || (hitItem(it, p, tol) && !containsPoint(inner, p))) return id
        continue
      }
      if (hitItem(it, p, tol)) return id
    }
    return null
  }

  hitLink (p: Point): string | null {
    if (this.view === 'circles') return null
    const tol = 6 / this.camera.zoom
    for (const [id, l] of this.board.links.entries()) {
      const a = this.board.getItem(l.from)
      const b = this.board.getItem(l.to)
      if (!a || !b) continue
      const ends = connectorEnds(a, b)
      if (distanceToSegment(p, ends.a, ends.b) <= tol) return id
    }
    return null
  }

  itemsInRect (r: Rect): string[] {
    return this.sorted().filter(([id, it]) => !this.hiddenInView(it) && containsRect(r, this.display(id, it)!)).map(([id]) => id)
  }

  itemsIntersecting (r: Rect): string[] {
    return this.sorted().filter(([id, it]) => !this.hiddenInView(it) && intersects(r, this.display(id, it)!)).map(([id]) => id)
  }

  // ---- creating -----------------------------------------------------------------------

  private topZ (): string { return keysAbove(this.sorted().map(([, it]) => it.z))[0] }

  /** The frame (topmost) whose area holds the rectangle's centre, not counting `except`. */
  frameAt (r: Rect, except?: Set<string>): string | null {
    const c = center(r)
    const list = this.sorted()
    for (let i = list.length - 1; i >= 0; i--) {
      const [id, it] = list[i]
      if (it.type === 'frame' && !except?.has(id) && containsPoint(it, c)) return id
    }
    return null
  }

  /** The role a new card gets on this board at this place (ToC: the lane's level). */
  private roleAt (role: string, r: Rect): string {
    if (this.kind === 'theory_of_change' && !TOC_NOT_LEVEL_ROLES.has(role)) {
      const level = tocLevel({ type: 'card', ...r, color: '', z: '' }, this.board.getMeta()?.template?.lanes)
      if (level) return level
    }
    return role
  }

  /** What a double-click (or Enter with no tool chosen) creates at `p`: the template's card there, else a note. */
  toolAt (p: Point): ToolId {
    const role = roleAtPoint(this.kind, this.board.getMeta()?.template, p)
    return role ? `card:${role}` : 'sticky'
  }

  /** Whether the current tool creates an item where it is used (not select, hand, connector, pen). */
  get placing (): boolean {
    return ['sticky', 'text', 'rect', 'ellipse', 'frame'].includes(this.tool) || this.tool.startsWith('card:')
  }

  /**
   * Creates an item with the current tool (or, with the select tool, what a double-click
   * would) at the centre of the view, for the keyboard; each next one a step further so
   * that they do not cover each other. Starts writing in it when it holds text.
   */
  placeFromKeyboard (): string | null {
    if (this.view === 'circles') return null
    const v = this.visible()
    const c = { x: v.x + v.w / 2, y: v.y + v.h / 2 }
    const tool = this.placing ? this.tool : this.toolAt(c)
    let at = c
    // the next free place in rows of four, a note's width (and a gap) apart
    for (let n = 1; n < 16 && this.hitTest(at); n++) at = { x: c.x + 200 * (n % 4), y: c.y + 200 * Math.floor(n / 4) }
    const id = this.createItem(tool, at)
    if (id && (tool === 'sticky' || tool === 'text' || tool.startsWith('card:'))) this.startEditing(id)
    if (id) this.setTool('select')
    return id
  }

  createItem (tool: ToolId, at: Point, rect?: Rect, extra: Partial<Item> = {}, text = ''): string | null {
    let item: Item
    const base = { z: this.topZ(), author: this.author }
    if (tool === 'sticky') {
      item = { type: 'sticky', x: 0, y: 0, w: 180, h: 180, color: 'yellow', ...base }
    } else if (tool === 'text') {
      item = { type: 'text', x: 0, y: 0, w: 280, h: 48, color: 'white', ...base }
    } else if (tool === 'rect' || tool === 'ellipse') {
      item = { type: 'shape', shape: tool, x: 0, y: 0, w: 180, h: 120, color: 'blue', ...base }
    } else if (tool === 'frame') {
      item = { type: 'frame', x: 0, y: 0, w: 800, h: 560, color: 'white', z: keysBelow(this.sorted().map(([, it]) => it.z))[0], author: this.author }
    } else if (tool.startsWith('card:')) {
      const role = tool.slice(5)
      const st = roleStyle(role)
      item = { type: 'card', role, x: 0, y: 0, w: st.w, h: st.h, color: st.color, ...base }
      if (role === 'stakeholder') { item.data = { category: 'other', attitude: 'neutral' }; item.color = CATEGORY_COLOR.other }
    } else {
      return null
    }
    Object.assign(item, extra)
    if (rect) {
      item.x = Math.round(rect.x); item.y = Math.round(rect.y)
      item.w = Math.max(20, Math.round(rect.w)); item.h = Math.max(20, Math.round(rect.h))
    } else {
      item.x = Math.round(at.x - item.w / 2); item.y = Math.round(at.y - item.h / 2)
    }
    if (item.type === 'card' && item.role) item.role = this.roleAt(item.role, item)
    if (item.type !== 'frame') {
      const f = this.frameAt(item)
      if (f) item.frame = f
    }
    const id = newId()
    this.undo.stopCapturing()
    this.board.transact(() => {
      this.board.addItem(id, item, text)
      if (item.type === 'frame') this.adoptInto(id, item)
    })
    // no stopCapturing() here: typing the first text right after creating a note is part
    // of the same undo step (see startEditing)
    this.setSelection([id])
    return id
  }

  /** Items entirely inside a (new or resized) frame join it; items of it that left it leave. */
  private adoptInto (frameId: string, frame: Rect): void {
    for (const [id, it] of this.board.items.entries()) {
      if (id === frameId || it.type === 'frame') continue
      const inside = containsPoint(frame, center(it))
      if (inside && !it.frame && containsRect(frame, it)) this.board.updateItem(id, { frame: frameId })
      else if (!inside && it.frame === frameId) this.board.updateItem(id, { frame: undefined })
    }
  }

  createInk (abs: number[], bounds: Rect & { points: number[] }): string | null {
    if (abs.length < 4) return null
    const id = newId()
    const item: Item = { type: 'ink', ...bounds, color: 'purple', z: this.topZ(), author: this.author }
    const f = this.frameAt(item)
    if (f) item.frame = f
    this.undo.stopCapturing()
    this.board.addItem(id, item, '')
    this.undo.stopCapturing()
    return id
  }

  defaultLinkKind (): LinkKind {
    const k = this.kind
    if (k === 'problem_tree' || k === 'objective_tree' || k === 'theory_of_change') return 'causal'
    if (k === 'stakeholder_map') return 'relation'
    return 'arrow'
  }

  createLink (from: string, to: string, kind: LinkKind = this.defaultLinkKind()): string | null {
    if (from === to || !this.board.items.has(from) || !this.board.items.has(to)) return null
    for (const l of this.board.links.values()) if (l.from === from && l.to === to) return null
    const id = newId()
    this.undo.stopCapturing()
    this.board.addLink(id, { from, to, kind })
    this.undo.stopCapturing()
    this.selectLink(id)
    return id
  }

  // ---- moving and resizing --------------------------------------------------------------

  /** The selection plus everything carried by a selected frame. */
  movingSet (ids: Iterable<string> = this.selection): Set<string> {
    const out = new Set(ids)
    const frames = [...out].filter((id) => this.board.getItem(id)?.type === 'frame')
    if (frames.length) {
      const fs = new Set(frames)
      for (const [id, it] of this.board.items.entries()) if (it.frame && fs.has(it.frame)) out.add(id)
    }
    return out
  }

  /** Moves items from their `origins` by (dx, dy) board pixels (one transaction). */
  moveFrom (origins: Map<string, Point>, dx: number, dy: number): void {
    this.board.transact(() => {
      for (const [id, o] of origins) this.board.updateItem(id, { x: Math.round(o.x + dx), y: Math.round(o.y + dy) })
    })
  }

  /** After a move: frame membership by where each item landed, ToC roles by lane. */
  settle (ids: Iterable<string>): void {
    const moved = new Set(ids)
    const lanes = this.board.getMeta()?.template?.lanes
    this.board.transact(() => {
      for (const id of moved) {
        const it = this.board.getItem(id)
        if (!it) continue
        const patch: Partial<Item> = {}
        if (it.type !== 'frame') {
          const carrierMoved = it.frame && moved.has(it.frame)
          if (!carrierMoved) {
            const f = this.frameAt(it, new Set([id]))
            if ((f ?? undefined) !== it.frame) patch.frame = f ?? undefined
          }
        }
        if (this.kind === 'theory_of_change' && it.type === 'card' && it.role && !TOC_NOT_LEVEL_ROLES.has(it.role)) {
          const level = tocLevel(it, lanes)
          if (level && level !== it.role) patch.role = level
        }
        if (Object.keys(patch).length) this.board.updateItem(id, patch)
      }
    })
  }

  /** Drops a stakeholder in the circles view: its ring follows the circle it lands in. */
  dropInCircle (id: string, p: Point): void {
    const grid = this.board.getMeta()?.template?.grid
    const it = this.board.getItem(id)
    if (!grid || !it) return
    const g = circlesGeometry(grid)
    const ring = ringAt(g, Math.hypot(p.x - g.cx, p.y - g.cy))
    this.board.updateItem(id, { data: { ...(it.data ?? {}), ring } })
  }

  nudge (dx: number, dy: number): void {
    if (this.selection.size === 0 || this.view === 'circles') return
    const ids = this.movingSet()
    const origins = new Map<string, Point>()
    for (const id of ids) { const it = this.board.getItem(id); if (it) origins.set(id, { x: it.x, y: it.y }) }
    this.moveFrom(origins, dx, dy)
    this.settle(ids)
  }

  resize (id: string, r: Rect, from?: Item): void {
    const it = from ?? this.board.getItem(id)
    if (!it) return
    const patch: Partial<Item> = { x: Math.round(r.x), y: Math.round(r.y), w: Math.max(20, Math.round(r.w)), h: Math.max(20, Math.round(r.h)) }
    if (it.type === 'ink' && it.points) {
      const sx = patch.w! / it.w
      const sy = patch.h! / it.h
      patch.points = it.points.map((v, i) => Math.round(v * (i % 2 ? sy : sx) * 10) / 10)
    }
    this.board.transact(() => {
      this.board.updateItem(id, patch)
      if (it.type === 'frame') this.adoptInto(id, { ...it, ...patch } as Rect)
    })
  }

  // ---- edit commands ------------------------------------------------------------------

  deleteSelection (): number {
    if (this.selectedLink) {
      this.board.deleteLinks([this.selectedLink])
      this.selectLink(null)
      return 1
    }
    const ids = [...this.selection]
    if (!ids.length) return 0
    this.undo.stopCapturing()
    this.board.deleteItems(ids)
    this.undo.stopCapturing()
    this.setSelection([])
    return ids.length
  }

  setColor (color: string): void {
    this.board.transact(() => { for (const id of this.selection) this.board.updateItem(id, { color }) })
  }

  bringToFront (): void {
    const ids = this.sortedSelection()
    if (!ids.length) return
    const keys = keysAbove(this.sorted().map(([, it]) => it.z), ids.length)
    this.board.transact(() => ids.forEach((id, i) => this.board.updateItem(id, { z: keys[i] })))
  }

  sendToBack (): void {
    const ids = this.sortedSelection()
    if (!ids.length) return
    const keys = keysBelow(this.sorted().map(([, it]) => it.z), ids.length)
    this.board.transact(() => ids.forEach((id, i) => this.board.updateItem(id, { z: keys[i] })))
  }

  private sortedSelection (): string[] {
    return this.sorted().map(([id]) => id).filter((id) => this.selection.has(id))
  }

  /** The selection (with frames' contents) and the links among it, in the JSON form. */
  copyJSON (): string | null {
    const ids = this.movingSet()
    if (!ids.size) return null
    const items: BoardJSON['items'] = {}
    for (const id of ids) {
      const it = this.board.itemWithFields(id)
      if (it) items[id] = { ...it, text: this.board.textOf(id) }
    }
    const links: BoardJSON['links'] = {}
    for (const [id, l] of this.board.links.entries()) if (ids.has(l.from) && ids.has(l.to)) links[id] = this.board.linkWithLabel(id) ?? l
    const json = JSON.stringify({ [CLIPBOARD_MARK]: true, items, links })
    this.memoryClipboard = json
    this.pasteCount = 0
    return json
  }

  cut (): string | null {
    const json = this.copyJSON()
    if (json) this.deleteSelection()
    return json
  }

  /** Pastes what copyJSON produced (new ids, offset), or plain text as a new sticky note. */
  paste (text: string | null = this.memoryClipboard, at?: Point): string[] {
    if (!text) return []
    let parsed: { items?: BoardJSON['items'], links?: BoardJSON['links'] } | null = null
    try {
      const o = JSON.parse(text)
      if (o && o[CLIPBOARD_MARK]) parsed = o
    } catch { /* plain text */ }
    if (!parsed) {
      const c = at ?? this.toBoard({ x: this.size.w / 2, y: this.size.h / 2 })
      const id = this.createItem('sticky', c, undefined, {}, text.slice(0, 5000))
      return id ? [id] : []
    }
    this.pasteCount++
    return this.insertCopies(parsed.items ?? {}, parsed.links ?? {}, at, PASTE_OFFSET * this.pasteCount)
  }

  duplicate (): string[] {
    const json = this.copyJSON()
    if (!json) return []
    const o = JSON.parse(json)
    return this.insertCopies(o.items, o.links, undefined, PASTE_OFFSET)
  }

  private insertCopies (items: BoardJSON['items'], links: BoardJSON['links'], at: Point | undefined, offset: number): string[] {
    const entries = Object.entries(items).sort(([, a], [, b]) => compareZ(a.z, b.z))
    if (!entries.length) return []
    const idMap = new Map(entries.map(([id]) => [id, newId()]))
    const bounds = unionRects(entries.map(([, it]) => it))!
    const dx = at ? at.x - (bounds.x + bounds.w / 2) : offset
    const dy = at ? at.y - (bounds.y + bounds.h / 2) : offset
    const zs = keysAbove(this.sorted().map(([, it]) => it.z), entries.length)
    this.undo.stopCapturing()
    this.board.transact(() => {
      entries.forEach(([id, src], i) => {
        const { text, ...item } = src
        const copy: Item = { ...item, x: Math.round(item.x + dx), y: Math.round(item.y + dy), z: zs[i], author: this.author }
        if (copy.frame) {
          if (idMap.has(copy.frame)) copy.frame = idMap.get(copy.frame)
          else delete copy.frame
        }
        if (copy.data?.link) {
          const data = { ...copy.data }
          delete data.link
          copy.data = data
        }
        this.board.addItem(idMap.get(id)!, copy, text ?? '')
      })
      for (const l of Object.values(links)) {
        const from = idMap.get(l.from)
        const to = idMap.get(l.to)
        if (from && to) this.board.addLink(newId(), { ...l, from, to })
      }
    })
    // after the transaction (the drawing order now knows the copies): frames by position,
    // except for copies whose frame was copied with them
    this.settle(idMap.values())
    this.undo.stopCapturing()
    const ids = [...idMap.values()].filter((id) => this.board.items.has(id))
    this.setSelection(ids.filter((id) => {
      const f = this.board.getItem(id)?.frame
      return !f || !ids.includes(f)
    }))
    return ids
  }

  // the text editor follows Y.Text changes, so editing may go on across an undo
  undoLast (): void { this.undo.undo() }
  redoLast (): void { this.undo.redo() }

  // ---- text editing -------------------------------------------------------------------

  startEditing (id: string): void {
    if (this.view === 'circles') return
    const it = this.board.getItem(id)
    if (!it || it.type === 'ink') return
    this.editing = id
    this.setSelection([id])
    this.board.text(id) // make sure it exists
    // one editing session is one undo step (together with the creation just before it)
    this.undo.captureTimeout = 24 * 3600 * 1000
    this.emit('editing')
  }

  stopEditing (): void {
    if (!this.editing) return
    this.editing = null
    this.undo.stopCapturing()
    this.undo.captureTimeout = CAPTURE_MS
    this.emit('editing')
  }

  // ---- links helpers ------------------------------------------------------------------

  linkEnds (l: Link): { a: Point, b: Point } | null {
    const a = this.board.getItem(l.from)
    const b = this.board.getItem(l.to)
    return a && b ? connectorEnds(a, b) : null
  }

  destroy (): void {
    this.undo.destroy()
    this.listeners.clear()
  }
}

// ---- the read-only gate ---------------------------------------------------------------

type Method = { [K in keyof Editor]: Editor[K] extends (...args: never[]) => unknown ? K : never }[keyof Editor]

/** What a method that changes the board does on a read-only editor: nothing, returning `refuse()`, unless `allows` its arguments. */
export interface Gated<A extends unknown[], R> {
  refuse: () => R
  allows?: (...args: A) => boolean
}

type Gate<F> = F extends (...args: infer A) => infer R ? 'reads' | Gated<A, R> : never

/**
 * Every public method of the editor, by whether it may change the board. Those that may are
 * refused on a read-only editor, here and only here (the gate below wraps them once, on the
 * prototype): no command checks `readOnly` itself. The type requires every method to be
 * listed, so a new one cannot be added without saying which it is.
 */
export const EDITOR_METHODS: { readonly [K in Method]: Gate<Editor[K]> } = {
  on: 'reads',
  emit: 'reads',
  sorted: 'reads',
  display: 'reads',
  hiddenInView: 'reads',
  setCamera: 'reads',
  setSize: 'reads',
  toBoard: 'reads',
  toScreen: 'reads',
  visible: 'reads',
  panBy: 'reads',
  zoomAtPoint: 'reads',
  zoomStep: 'reads',
  contentBounds: 'reads',
  zoomToFit: 'reads',
  zoomToReadable: 'reads',
  zoomToSelection: 'reads',
  reveal: 'reads',
  setSelection: 'reads',
  selectLink: 'reads',
  toggleSelected: 'reads',
  selectAll: 'reads',
  selectionBounds: 'reads',
  cycleSelection: 'reads',
  mayUseTool: 'reads',
  // picking a tool changes nothing, but the tools that create are refused: they would
  setTool: { refuse: () => undefined, allows: (tool) => READ_ONLY_TOOLS.has(tool) },
  setOverlay: 'reads',
  setView: 'reads',
  hitTest: 'reads',
  hitLink: 'reads',
  itemsInRect: 'reads',
  itemsIntersecting: 'reads',
  frameAt: 'reads',
  toolAt: 'reads',
  placeFromKeyboard: { refuse: () => null },
  createItem: { refuse: () => null },
  createInk: { refuse: () => null },
  defaultLinkKind: 'reads',
  createLink: { refuse: () => null },
  movingSet: 'reads',
  moveFrom: { refuse: () => undefined },
  settle: { refuse: () => undefined },
  dropInCircle: { refuse: () => undefined },
  nudge: { refuse: () => undefined },
  resize: { refuse: () => undefined },
  deleteSelection: { refuse: () => 0 },
  setColor: { refuse: () => undefined },
  bringToFront: { refuse: () => undefined },
  sendToBack: { refuse: () => undefined },
  copyJSON: 'reads',
  cut: { refuse: () => null },
  paste: { refuse: () => [] },
  duplicate: { refuse: () => [] },
  undoLast: { refuse: () => undefined },
  redoLast: { refuse: () => undefined },
  // writing in an item is changing it (and creates its text if it has none)
  startEditing: { refuse: () => undefined },
  stopEditing: 'reads',
  linkEnds: 'reads',
  destroy: 'reads'
}

const GATED = Symbol('read-only gate')

/** Whether the method is behind the read-only gate (for tests). */
export function isGated (name: Method): boolean {
  return (Editor.prototype[name] as unknown as Record<symbol, unknown>)[GATED] === true
}

for (const [name, gate] of Object.entries(EDITOR_METHODS) as Array<[string, 'reads' | Gated<unknown[], unknown>]>) {
  if (gate === 'reads') continue
  const proto = Editor.prototype as unknown as Record<string, (this: Editor, ...args: unknown[]) => unknown>
  const inner = proto[name]
  const gated = function (this: Editor, ...args: unknown[]): unknown {
    if (this.readOnly && !(gate.allows?.(...args) ?? false)) return gate.refuse()
    return inner.apply(this, args)
  }
  Object.defineProperty(gated, GATED, { value: true })
  proto[name] = gated
}
