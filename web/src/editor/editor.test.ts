import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { Board } from '../model/board'
import { initialBoard } from '../model/templates'
import { Editor } from './editor'

function setup (kind: Parameters<typeof initialBoard>[0] = 'free') {
  const doc = new Y.Doc()
  const board = new Board(doc, { me: true })
  board.loadJSON(initialBoard(kind, 'Prova'))
  const ed = new Editor(board, 'p-me')
  ed.undo.clear()
  return { doc, board, ed }
}

describe('Editor', () => {
  it('moving a frame carries its items; dropping an item in or out of a frame sets or clears `frame`', () => {
    const { board, ed } = setup()
    const f = ed.createItem('frame', { x: 0, y: 0 }, { x: 0, y: 0, w: 600, h: 400 })!
    const n = ed.createItem('sticky', { x: 100, y: 100 })!
    expect(board.getItem(n)!.frame).toBe(f)
    ed.setSelection([f])
    ed.nudge(50, 20)
    expect(board.getItem(f)).toMatchObject({ x: 50, y: 20 })
    expect(board.getItem(n)).toMatchObject({ x: 100 - 90 + 50, y: 100 - 90 + 20, frame: f })
    ed.setSelection([n])
    ed.moveFrom(new Map([[n, { x: 60, y: 30 }]]), 2000, 0)
    ed.settle([n])
    expect(board.getItem(n)!.frame).toBeUndefined()
    ed.moveFrom(new Map([[n, { x: 2060, y: 30 }]]), -1900, 0)
    ed.settle([n])
    expect(board.getItem(n)!.frame).toBe(f)
  })

  it('on a Theory of Change a card takes the level of the lane it lands in', () => {
    const { board, ed } = setup('theory_of_change')
    const id = ed.createItem('card:activity', { x: 750, y: 300 })!
    expect(board.getItem(id)!.role).toBe('output')
    ed.setSelection([id])
    ed.nudge(300, 0)
    expect(board.getItem(id)!.role).toBe('outcome_short')
    const as = ed.createItem('card:assumption', { x: 750, y: 600 })!
    expect(board.getItem(as)!.role).toBe('assumption')
  })

  it('a double-click or Enter creates the template\'s card for the area under it, a note elsewhere', () => {
    const cases: Array<[Parameters<typeof initialBoard>[0], { x: number, y: number }, string | undefined]> = [
      ['stakeholder_map', { x: 800, y: 600 }, 'stakeholder'],
      ['problem_tree', { x: 300, y: 100 }, 'effect'],
      ['problem_tree', { x: 300, y: 800 }, 'cause'],
      ['objective_tree', { x: 300, y: 500 }, 'objective'],
      ['theory_of_change', { x: 450, y: 300 }, 'activity'],
      ['social_report', { x: 100, y: 100 }, 'report_item'],
      ['free', { x: 100, y: 100 }, undefined],
      ['stakeholder_map', { x: 5000, y: 600 }, undefined]
    ]
    for (const [kind, p, role] of cases) {
      const { board, ed } = setup(kind)
      const id = ed.createItem(ed.toolAt(p), p)!
      const it = board.getItem(id)!
      expect([kind, it.role]).toEqual([kind, role])
      expect(it.type).toBe(role ? 'card' : 'sticky')
    }
  })

  it('Enter places an item in the middle of the view, each next one beside the last; Tab stops after the last item', () => {
    const { board, ed } = setup('free')
    ed.setSize(1000, 600)
    expect(ed.cycleSelection(1)).toBeNull() // an empty board: Tab leaves the canvas
    ed.setTool('sticky')
    const a = ed.placeFromKeyboard()!
    expect(ed.editing).toBe(a)
    ed.stopEditing()
    ed.setSelection([])
    const b = ed.placeFromKeyboard()!
    expect(board.items.size).toBe(2)
    expect(board.getItem(b)!.x).toBeGreaterThan(board.getItem(a)!.x)
    ed.stopEditing()
    ed.setSelection([a])
    expect(ed.cycleSelection(1)).toBe(b)
    expect(ed.cycleSelection(1)).toBeNull()
    ed.setSelection([a])
    expect(ed.cycleSelection(-1)).toBeNull()
    ed.readOnly = true
    expect(ed.placeFromKeyboard()).toBeNull()
  })

  it('undo reverts only this user\'s changes; an item\'s creation and first text are one step', () => {
    const { doc, board, ed } = setup()
    const other = new Board(doc, { them: true })
    const mine = ed.createItem('sticky', { x: 0, y: 0 })!
    ed.startEditing(mine)
    board.text(mine).insert(0, 'ciao')
    ed.stopEditing()
    other.addItem('theirs', { type: 'sticky', x: 500, y: 0, w: 10, h: 10, color: 'pink', z: 'b0' }, 'loro')
    ed.undoLast()
    expect(board.items.has(mine)).toBe(false)
    expect(board.items.has('theirs')).toBe(true)
    ed.redoLast()
    expect(board.textOf(mine)).toBe('ciao')
  })

  it('duplicates and pastes with new ids, keeping links and frames among the copies', () => {
    const { board, ed } = setup()
    const f = ed.createItem('frame', { x: 0, y: 0 }, { x: 0, y: 0, w: 600, h: 400 })!
    const a = ed.createItem('sticky', { x: 100, y: 100 }, undefined, {}, 'A')!
    const b = ed.createItem('sticky', { x: 400, y: 100 }, undefined, {}, 'B')!
    ed.createLink(a, b)
    ed.setSelection([f])
    const copies = ed.duplicate()
    expect(copies).toHaveLength(3)
    const fc = copies.find((id) => board.getItem(id)!.type === 'frame')!
    for (const id of copies) if (id !== fc) expect(board.getItem(id)!.frame).toBe(fc)
    const copiedLinks = [...board.links.values()].filter((l) => copies.includes(l.from) && copies.includes(l.to))
    expect(copiedLinks).toHaveLength(1)
    expect(ed.selection).toEqual(new Set([fc]))
    // paste of a plain text makes a sticky note
    const [p] = ed.paste('Una nota incollata')
    expect(board.getItem(p)!.type).toBe('sticky')
    expect(board.textOf(p)).toBe('Una nota incollata')
  })

  it('brings to front and sends to back with fractional keys', () => {
    const { board, ed } = setup()
    const a = ed.createItem('sticky', { x: 0, y: 0 })!
    const b = ed.createItem('sticky', { x: 0, y: 0 })!
    ed.setSelection([a])
    ed.bringToFront()
    expect(board.getItem(a)!.z > board.getItem(b)!.z).toBe(true)
    ed.sendToBack()
    expect(board.getItem(a)!.z < board.getItem(b)!.z).toBe(true)
    expect(ed.hitTest({ x: 0, y: 0 })).toBe(b)
  })

  it('the circles view places stakeholders by ring and a drop changes the ring', () => {
    const { board, ed } = setup('stakeholder_map')
    const s = ed.createItem('card:stakeholder', { x: 1300, y: 150 })!
    ed.setView('circles')
    const shown = ed.display(s)!
    expect(shown.w).toBe(200)
    expect(Math.hypot(shown.x + shown.w / 2 - 800, shown.y + shown.h / 2 - 600)).toBeLessThan(220)
    ed.dropInCircle(s, { x: 800 + 560, y: 600 })
    expect(board.getItem(s)!.data!.ring).toBe('inform')
  })
})
