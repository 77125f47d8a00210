import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { Board } from './board'
import { BOARD_KINDS, type Item } from './schema'
import { frameGeometry, initialBoard, layoutTree, positionFor, stakeholderMetrics, templateGeometry, toObjectiveTree, treeOutline } from './templates'
import { intersects } from './geometry'

describe('initial boards', () => {
  it('two browsers initialising the same new board at once converge without duplicates', () => {
    for (const kind of BOARD_KINDS) {
      const a = new Board(new Y.Doc())
      const b = new Board(new Y.Doc())
      a.loadJSON(initialBoard(kind, 'A'))
      b.loadJSON(initialBoard(kind, 'A'))
      Y.applyUpdate(a.doc, Y.encodeStateAsUpdate(b.doc))
      Y.applyUpdate(b.doc, Y.encodeStateAsUpdate(a.doc))
      expect(a.toJSON()).toEqual(b.toJSON())
      expect(a.items.size).toBe(Object.keys(initialBoard(kind, 'A').items).length)
      expect(a.getMeta()!.kind).toBe(kind)
    }
  })
  it('carries the template geometry in meta', () => {
    expect(initialBoard('stakeholder_map', 't').meta.template!.grid).toEqual({ x: 0, y: 0, w: 1600, h: 1200 })
    expect(initialBoard('theory_of_change', 't').meta.template!.lanes!.map((l) => l.level))
      .toEqual(['input', 'activity', 'output', 'outcome_short', 'outcome_mid', 'outcome_long', 'impact'])
    expect(initialBoard('social_report', 't').meta.template!.sections!.map((s) => s.section))
      .toEqual(['identity', 'governance', 'people', 'objectives_activities', 'economic', 'other'])
    expect(initialBoard('problem_tree', 't').meta.template!.bands!.map((b) => b.role)).toEqual(['effect', 'core_problem', 'cause'])
    expect(initialBoard('free', 't').meta.template).toBeUndefined()
  })
})

describe('stakeholder position', () => {
  it('positionFor is the inverse of the metrics', () => {
    const grid = { x: 0, y: 0, w: 1600, h: 1200 }
    const p = positionFor(0.3, 0.9, grid, { w: 200, h: 100 })
    const m = stakeholderMetrics({ type: 'card', x: p.x, y: p.y, w: 200, h: 100, color: 'blue', z: 'a0' }, grid)
    expect(m.power).toBeCloseTo(0.3)
    expect(m.interest).toBeCloseTo(0.9)
    expect(m.quadrant).toBe('keep_informed')
  })
})

describe('problem tree', () => {
  const card = (role: string, x: number, y: number): Item => ({ type: 'card', role, x, y, w: 220, h: 110, color: 'yellow', z: 'a0' })
  const items: Array<[string, Item]> = [
    ['core', card('core_problem', 0, 0)],
    ['c1', card('cause', 900, 900)],
    ['c2', card('cause', 100, 900)],
    ['c21', card('cause', 50, 50)],
    ['c22', card('cause', 60, 60)],
    ['e1', card('effect', 0, 0)],
    ['e2', card('effect', 0, 0)],
    ['lonely', card('cause', 0, 0)]
  ]
  const links: Array<[string, any]> = [
    ['l1', { from: 'c1', to: 'core', kind: 'causal' }],
    ['l2', { from: 'c2', to: 'core', kind: 'causal' }],
    ['l3', { from: 'c21', to: 'c2', kind: 'causal' }],
    ['l4', { from: 'c22', to: 'c2', kind: 'causal' }],
    ['l5', { from: 'core', to: 'e1', kind: 'causal' }],
    ['l6', { from: 'e1', to: 'e2', kind: 'causal' }],
    ['loop', { from: 'core', to: 'c22', kind: 'causal' }]
  ]
  it('outlines effects, the core, then causes depth-first left to right, unlinked cards after their group', () => {
    expect(treeOutline('problem_tree', items, links)).toEqual([
      { id: 'e1', role: 'effect', depth: 0 },
      { id: 'e2', role: 'effect', depth: 1 },
      { id: 'core', role: 'core_problem', depth: 0 },
      { id: 'c2', role: 'cause', depth: 1 },
      { id: 'c21', role: 'cause', depth: 2 },
      { id: 'c22', role: 'cause', depth: 2 },
      { id: 'c1', role: 'cause', depth: 1 },
      { id: 'lonely', role: 'cause', depth: 0 }
    ])
  })
  it('lays the tree out without overlaps, causes below the core, effects above', () => {
    const geo = templateGeometry('problem_tree')
    const pos = layoutTree('problem_tree', items, links, geo)
    const placed = new Map(items.map(([id, it]) => [id, { ...it, ...pos[id] }]))
    expect(Object.keys(pos).sort()).toEqual(items.map(([id]) => id).sort())
    const ids = [...placed.keys()]
    for (let i = 0; i < ids.length; i++) {
      for (let j = i + 1; j < ids.length; j++) {
        expect(intersects(placed.get(ids[i])!, placed.get(ids[j])!), `${ids[i]} overlaps ${ids[j]}`).toBe(false)
      }
    }
    const y = (id: string) => placed.get(id)!.y
    expect(y('c2')).toBeGreaterThan(y('core'))
    expect(y('c21')).toBeGreaterThan(y('c2'))
    expect(y('e1')).toBeLessThan(y('core'))
    expect(y('e2')).toBeLessThan(y('e1'))
    // the core sits in its band
    expect(y('core')).toBeGreaterThanOrEqual(400)
    expect(y('core') + 110).toBeLessThanOrEqual(600)
  })
})

describe('schema/templates', () => {
  it('initialBoard writes exactly the shared template files (server and browser start boards alike)', async () => {
    const fs = await import('node:fs')
    const path = await import('node:path')
    const { fileURLToPath } = await import('node:url')
    const dir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../schema/templates')
    for (const kind of BOARD_KINDS) {
      const file = JSON.parse(fs.readFileSync(path.join(dir, `${kind}.json`), 'utf8'))
      expect(initialBoard(kind, ''), kind).toEqual(file)
    }
  })
})

describe('a gathered group frame\'s geometry', () => {
  it('keeps well-formed areas and drops what a client may have written instead', () => {
    const g = frameGeometry({
      lanes: [{ level: 'input', x: 60, w: 300 }, { level: 'activity', x: 'a', w: 300 }, null, { level: 'output', x: 660, w: -1 }],
      grid: { x: 0, y: 0, w: 1600, h: Infinity },
      sections: 'nope'
    })
    expect(g).toEqual({ lanes: [{ level: 'input', x: 60, w: 300 }] })
    expect(frameGeometry({ lanes: [] })).toBeNull()
    expect(frameGeometry([1, 2])).toBeNull()
    expect(frameGeometry('x')).toBeNull()
    expect(frameGeometry({ grid: { x: 10, y: 20, w: 1600, h: 1200 } })).toEqual({ grid: { x: 10, y: 20, w: 1600, h: 1200 } })
  })
})

describe('toObjectiveTree of a gathered problem tree', () => {
  it('turns each group frame\'s own bands with the board', () => {
    const problem = initialBoard('problem_tree', 'Risultati dei gruppi')
    const bands = templateGeometry('problem_tree')!.bands!
    problem.items['g1-frame'] = {
      type: 'frame', x: 0, y: 0, w: 1600, h: 1200, z: 'a9', text: 'Gruppo 1 — Albero dei problemi', color: '#FFFFFF',
      data: { group: 'Gruppo 1', kind: 'problem_tree', template: { bands } }
    } as never
    const obj = toObjectiveTree(problem, { title: 'Albero degli obiettivi', sourceBoard: 'b' })
    const frame = obj.items['g1-frame'] as unknown as { text: string, data: { kind: string, group: string, template: { bands: Array<{ role: string }> } } }
    expect(frame.data.kind).toBe('objective_tree')
    expect(frame.data.group).toBe('Gruppo 1')
    expect(frame.data.template.bands.map((b) => b.role)).toEqual(['end', 'objective', 'means'])
    expect(frame.text).toBe('Gruppo 1 — Albero dei problemi')
  })
})
