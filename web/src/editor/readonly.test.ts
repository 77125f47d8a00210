import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { Board } from '../model/board'
import { initialBoard } from '../model/templates'
import { COMMANDS, runsReadOnly } from './commands'
import { EDITOR_METHODS, Editor, isGated, type ToolId } from './editor'

type Name = keyof typeof EDITOR_METHODS

/** A stakeholder map (it has circles) with a frame F holding note A, a note B outside, and one undoable change. */
function fixture () {
  const doc = new Y.Doc()
  const board = new Board(doc, { me: true })
  board.loadJSON(initialBoard('stakeholder_map', 'Prova'))
  const ed = new Editor(board, 'p-me')
  const F = ed.createItem('frame', { x: 0, y: 0 }, { x: 0, y: 0, w: 600, h: 400 })!
  const A = ed.createItem('sticky', { x: 100, y: 100 })!
  const B = ed.createItem('sticky', { x: 1000, y: 1000 })!
  ed.undo.clear()
  ed.createItem('sticky', { x: 2000, y: 2000 })
  ed.undo.stopCapturing()
  ed.setSelection([A])
  return { doc, board, ed, F, A, B }
}

type Fixture = ReturnType<typeof fixture>

/** How to call each command that changes the board, and (when the document alone does not show it) what it changed. */
const CALLS: Record<string, { args: (f: Fixture) => unknown[], before?: (f: Fixture) => void, changed?: (f: Fixture) => boolean }> = {
  setTool: { args: () => ['sticky'], changed: (f) => f.ed.tool === 'sticky' },
  placeFromKeyboard: { args: () => [] },
  createItem: { args: () => ['sticky', { x: 3000, y: 0 }] },
  createInk: { args: () => [[0, 0, 10, 10], { x: 0, y: 0, w: 10, h: 10, points: [0, 0, 10, 10] }] },
  createLink: { args: (f) => [f.A, f.B] },
  moveFrom: { args: (f) => [new Map([[f.A, { x: 0, y: 0 }]]), 50, 50] },
  settle: { before: (f) => f.board.updateItem(f.B, { x: 50, y: 50 }), args: (f) => [[f.B]] },
  dropInCircle: { args: (f) => [f.A, { x: 0, y: 0 }] },
  nudge: { args: () => [10, 0] },
  resize: { args: (f) => [f.A, { x: 0, y: 0, w: 300, h: 300 }] },
  deleteSelection: { args: () => [] },
  setColor: { args: () => ['pink'] },
  bringToFront: { args: () => [] },
  sendToBack: { args: () => [] },
  cut: { args: () => [] },
  paste: { args: () => ['ciao'] },
  duplicate: { args: () => [] },
  undoLast: { args: () => [] },
  redoLast: { before: (f) => f.ed.undoLast(), args: () => [] },
  startEditing: { args: (f) => [f.A], changed: (f) => f.ed.editing === f.A }
}

function call (f: Fixture, name: string): unknown {
  const c = CALLS[name]
  c.before?.(f)
  const method = (f.ed as unknown as Record<string, (...a: unknown[]) => unknown>)[name]
  return method.apply(f.ed, c.args(f))
}

const state = (doc: Y.Doc) => Array.from(Y.encodeStateAsUpdate(doc))

const gated = (Object.entries(EDITOR_METHODS) as Array<[Name, (typeof EDITOR_METHODS)[Name]]>)
  .filter(([, g]) => g !== 'reads')

describe('the read-only gate', () => {
  it('is on exactly the methods listed as changing the board', () => {
    for (const [name, gate] of Object.entries(EDITOR_METHODS) as Array<[Name, unknown]>) {
      expect(isGated(name), name).toBe(gate !== 'reads')
    }
    expect(gated.map(([n]) => n).sort()).toEqual(Object.keys(CALLS).sort())
  })

  it('a read-only editor refuses every command that changes the board, each of which works otherwise', () => {
    for (const [name, gate] of gated) {
      // writable: the call changes the board (or the editor's tool or editing)
      const w = fixture()
      const before = state(w.doc)
      call(w, name)
      const effect = CALLS[name].changed?.(w) ?? false
      expect(effect || state(w.doc).join() !== before.join(), `${name} changes something when writable`).toBe(true)

      // read-only: nothing changes, and the refusal's value comes back
      const r = fixture()
      r.ed.readOnly = true
      CALLS[name].before?.(r)
      const ready = state(r.doc)
      const tool = r.ed.tool
      const got = (r.ed as unknown as Record<string, (...a: unknown[]) => unknown>)[name].apply(r.ed, CALLS[name].args(r))
      expect(got, name).toEqual((gate as { refuse: () => unknown }).refuse())
      expect(state(r.doc), `${name} changed a read-only board`).toEqual(ready)
      expect(r.ed.tool, name).toBe(tool)
      expect(r.ed.editing, name).toBeNull()
      if (CALLS[name].changed) expect(CALLS[name].changed!(r), name).toBe(false)
    }
  })

  it('a read-only editor keeps the tools and commands that change nothing', () => {
    const f = fixture()
    const { ed, doc } = f
    ed.readOnly = true
    const before = state(doc)
    const creating: ToolId[] = ['sticky', 'text', 'rect', 'ellipse', 'connector', 'frame', 'pen', 'card:stakeholder']
    for (const tool of creating) {
      expect(ed.mayUseTool(tool), tool).toBe(false)
      ed.setTool(tool)
      expect(ed.tool, tool).toBe('select')
    }
    ed.setTool('hand')
    expect(ed.tool).toBe('hand')
    ed.setTool('select')
    expect(ed.tool).toBe('select')
    expect(ed.mayUseTool('hand') && ed.mayUseTool('select')).toBe(true)

    ed.selectAll()
    expect(ed.selection.size).toBe(f.board.items.size)
    ed.setSelection([f.B])
    expect([...ed.selection]).toEqual([f.B])
    expect(ed.cycleSelection(1)).not.toBeNull()
    ed.selectLink(null)
    const camera = ed.camera
    ed.panBy(100, 0)
    ed.zoomStep(1)
    expect(ed.camera).not.toEqual(camera)
    ed.zoomToFit()
    ed.setView('circles')
    expect(ed.view).toBe('circles')
    ed.setView('grid')
    ed.setSelection([f.A])
    expect(ed.copyJSON()).toContain(f.A)
    ed.setOverlay({ rubberBand: { x: 0, y: 0, w: 1, h: 1 } })
    expect(ed.hitTest({ x: 100, y: 100 })).toBe(f.A)
    expect(state(doc)).toEqual(before)

    // writable again, the same editor creates
    ed.readOnly = false
    ed.setTool('sticky')
    expect(ed.tool).toBe('sticky')
    expect(ed.createItem('sticky', { x: 5000, y: 0 })).not.toBeNull()
  })

  it('on a read-only board the keys run the tools\' and the view\'s commands, and the edit commands that change nothing', () => {
    const kept = COMMANDS.filter((c) => c.group === 'edit' && runsReadOnly(c)).map((c) => c.id)
    expect(kept.sort()).toEqual(['escape', 'nextItem', 'selectAll'])
    expect(COMMANDS.filter((c) => c.group !== 'edit').every(runsReadOnly)).toBe(true)
  })
})
