import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { Board } from './board'

describe('Board', () => {
  it('writes whole plain objects and deletes links and texts with their items', () => {
    const b = new Board(new Y.Doc())
    b.addItem('f', { type: 'frame', x: 0, y: 0, w: 500, h: 500, color: 'white', z: 'a0' }, 'Frame')
    b.addItem('n', { type: 'sticky', x: 10, y: 10, w: 100, h: 100, color: 'yellow', z: 'a1', frame: 'f' }, 'ciao')
    b.addItem('m', { type: 'sticky', x: 600, y: 10, w: 100, h: 100, color: 'yellow', z: 'a2' })
    b.addLink('l', { from: 'n', to: 'm', kind: 'arrow' })
    const before = b.getItem('n')
    b.updateItem('n', { x: 20 })
    expect(b.getItem('n')).not.toBe(before)
    expect(b.getItem('n')).toMatchObject({ x: 20, y: 10, frame: 'f' })
    b.updateItem('n', { frame: undefined })
    expect('frame' in b.getItem('n')!).toBe(false)
    b.updateItem('n', { frame: 'f' })
    b.deleteItems(['f'])
    expect(b.getItem('n')!.frame).toBeUndefined()
    b.deleteItems(['m'])
    expect(b.links.size).toBe(0)
    expect(b.texts.has('m')).toBe(false)
    expect(b.textOf('n')).toBe('ciao')
  })
  it('tags every write with its origin, so an undo manager sees only its own user', () => {
    const doc = new Y.Doc()
    const mine = new Board(doc, { me: 1 })
    const theirs = new Board(doc, { them: 1 })
    const um = new Y.UndoManager([mine.items, mine.texts, mine.links], { trackedOrigins: new Set([mine.origin]) })
    mine.addItem('a', { type: 'sticky', x: 0, y: 0, w: 1, h: 1, color: 'yellow', z: 'a0' })
    um.stopCapturing()
    theirs.addItem('b', { type: 'sticky', x: 0, y: 0, w: 1, h: 1, color: 'yellow', z: 'a1' })
    um.undo()
    expect([...doc.getMap('items').keys()]).toEqual(['b'])
  })
})
