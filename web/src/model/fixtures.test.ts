// Every schema fixture (schema/fixtures/*.json): build a Y.Doc from it, send it through a
// Yjs update into a second doc (as the wire does), read it back in the JSON form, and check
// every value in `expected`. An `expected` key this test does not know fails the test, so a
// fixture can never carry an expectation nobody checks.

import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'

import { Board } from './board'
import { TITLE_FIELD, itemFields, linkLabelPath, storedItem } from './fields'
import type { BoardJSON, Item } from './schema'
import {
  frameChildren,
  indicatorCount,
  sectionOf,
  stakeholderMetrics,
  toObjectiveTree,
  tocLevel,
  treeOutline
} from './templates'
import { compareZ } from './zorder'

const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../schema/fixtures')
const files = fs.readdirSync(FIXTURES).filter((f) => f.endsWith('.json')).sort()

type Fixture = BoardJSON & { expected: Record<string, unknown> }

function load (file: string): { fixture: Fixture, board: Board } {
  const fixture = JSON.parse(fs.readFileSync(path.join(FIXTURES, file), 'utf8')) as Fixture
  const first = new Board(new Y.Doc())
  first.loadJSON(fixture)
  const second = new Y.Doc()
  Y.applyUpdate(second, Y.encodeStateAsUpdate(first.doc))
  return { fixture, board: new Board(second) }
}

const entries = (b: Board): Array<[string, Item]> => [...b.items.entries()]

const checks: Record<string, (board: Board, expected: any, fixture: Fixture) => void> = {
  stakeholders (board, expected) {
    const grid = board.getMeta()!.template!.grid!
    const derived = Object.fromEntries(entries(board).filter(([, it]) => it.role === 'stakeholder').map(([id]) => [id, true]))
    expect(Object.keys(derived).sort()).toEqual(Object.keys(expected).sort())
    for (const [id, want] of Object.entries<any>(expected)) {
      const got = stakeholderMetrics(board.getItem(id)!, grid)
      expect(got.power, `${id}.power`).toBeCloseTo(want.power, 4)
      expect(got.interest, `${id}.interest`).toBeCloseTo(want.interest, 4)
      expect(got.quadrant, `${id}.quadrant`).toBe(want.quadrant)
      expect(got.ring, `${id}.ring`).toBe(want.ring)
    }
  },
  outline (board, expected) {
    const kind = board.getMeta()!.kind as 'problem_tree' | 'objective_tree'
    expect(treeOutline(kind, board.items.entries(), board.links.entries())).toEqual(expected)
  },
  objective_roles (board, expected) {
    const json = board.toJSON()
    const obj = toObjectiveTree(json, { title: 'Albero degli obiettivi', sourceBoard: 'source-board' })
    const roles = Object.fromEntries(Object.entries(obj.items).filter(([, it]) => it.role).map(([id, it]) => [id, it.role]))
    expect(roles).toEqual(expected)
    // same structure: links identical, every text kept, each card asks for a rewrite
    expect(obj.links).toEqual(json.links)
    expect(obj.meta.kind).toBe('objective_tree')
    expect(obj.meta.source_board).toBe('source-board')
    expect(obj.meta.template!.bands!.map((b) => b.role)).toEqual(['end', 'objective', 'means'])
    for (const [id, it] of Object.entries(obj.items)) {
      expect(it.text).toBe(json.items[id].text)
      expect(it.data).toMatchObject({ rewrite: true, original: json.items[id].text })
    }
    // and the converted board reads back as the same outline with mapped roles
    const objBoard = new Board(new Y.Doc())
    objBoard.loadJSON(obj)
    const before = treeOutline('problem_tree', board.items.entries(), board.links.entries())
    const after = treeOutline('objective_tree', objBoard.items.entries(), objBoard.links.entries())
    expect(after.map((e) => [e.id, e.depth])).toEqual(before.map((e) => [e.id, e.depth]))
  },
  levels (board, expected) {
    const lanes = board.getMeta()!.template!.lanes!
    const got = Object.fromEntries(Object.keys(expected).map((id) => [id, tocLevel(board.getItem(id)!, lanes)]))
    expect(got).toEqual(expected)
  },
  indicator_count (board, expected) {
    expect(indicatorCount(board.items.values())).toBe(expected)
  },
  report_items (board, expected) {
    const got = entries(board)
      .filter(([, it]) => it.role === 'report_item')
      .sort(([, a], [, b]) => compareZ(a.z, b.z))
      .map(([id]) => id)
    expect(got).toEqual(expected)
  },
  sections (board, expected) {
    const sections = board.getMeta()!.template!.sections!
    const got: Record<string, string> = {}
    for (const [id, it] of entries(board)) {
      const s = sectionOf(it, sections)
      if (s) got[id] = s
    }
    expect(got).toEqual(expected)
  },
  frame_children (board, expected) {
    expect(frameChildren(board.items.entries())).toEqual(expected)
  }
}

describe('schema fixtures', () => {
  it('are there', () => {
    expect(files.length).toBeGreaterThanOrEqual(5)
  })

  for (const file of files) {
    describe(file, () => {
      it('round-trips through a Y.Doc and a Yjs update unchanged', () => {
        const { fixture, board } = load(file)
        const { expected: _expected, ...want } = fixture
        expect(board.toJSON()).toEqual(want)
        expect(board.getMeta()!.schema).toBe(2)
        // items are plain objects and texts are Y.Text, as the schema says
        for (const id of Object.keys(fixture.items)) {
          expect(board.items.get(id)).not.toBeInstanceOf(Y.AbstractType)
          expect(board.texts.get(id)).toBeInstanceOf(Y.Text)
        }
        // every free-text field is a Y.Text in `fields`, and only there
        expect(board.field(TITLE_FIELD)?.toString()).toBe(fixture.meta.title)
        expect(board.meta.has('title')).toBe(false)
        for (const [id, item] of Object.entries(fixture.items)) {
          for (const [path, value] of itemFields(id, item)) {
            expect(board.field(path), path).toBeInstanceOf(Y.Text)
            expect(board.field(path)!.toString(), path).toBe(value)
          }
          expect(board.items.get(id), id).toEqual(storedItem(board.items.get(id)!))
        }
        for (const [id, link] of Object.entries(fixture.links)) {
          expect(board.field(linkLabelPath(id))?.toString()).toBe(link.label ?? '')
          expect(board.links.get(id)).not.toHaveProperty('label')
        }
      })

      const { fixture } = load(file)
      for (const key of Object.keys(fixture.expected ?? {})) {
        it(`derives expected.${key}`, () => {
          const check = checks[key]
          expect(check, `no check for expected.${key}: add one to fixtures.test.ts`).toBeTypeOf('function')
          const { board } = load(file)
          check(board, fixture.expected[key], fixture)
        })
      }
    })
  }
})
