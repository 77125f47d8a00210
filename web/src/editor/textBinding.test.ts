import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { textDiff, transformPosition } from './textBinding'

function apply (prev: string, c: ReturnType<typeof textDiff>): string {
  if (!c) return prev
  return prev.slice(0, c.index) + c.insert + prev.slice(c.index + c.remove)
}

describe('textDiff', () => {
  it('finds single inserts, deletes and replacements', () => {
    expect(textDiff('ciao', 'ciao!')).toEqual({ index: 4, remove: 0, insert: '!' })
    expect(textDiff('ciao', 'cao', 1)).toEqual({ index: 1, remove: 1, insert: '' })
    expect(textDiff('ciao mondo', 'ciao tutti', 10)).toEqual({ index: 5, remove: 5, insert: 'tutti' })
  })
  it('places an ambiguous insert at the caret', () => {
    expect(textDiff('aa', 'aaa', 1)).toEqual({ index: 0, remove: 0, insert: 'a' })
    expect(textDiff('aa', 'aaa', 3)).toEqual({ index: 2, remove: 0, insert: 'a' })
  })
  it('never splits an emoji', () => {
    const c = textDiff('a😀', 'a😃', 3)!
    expect(apply('a😀', c)).toBe('a😃')
    expect(c.index).toBe(1)
  })
  it('two users typing in one Y.Text through diffs merge', () => {
    const a = new Y.Doc(); const b = new Y.Doc()
    const ta = a.getText('t'); const tb = b.getText('t')
    ta.insert(0, 'Servizio')
    Y.applyUpdate(b, Y.encodeStateAsUpdate(a))
    const ca = textDiff('Servizio', 'Servizio di quartiere')!
    const cb = textDiff('Servizio', 'Il Servizio', 3)!
    ta.insert(ca.index, ca.insert)
    tb.insert(cb.index, cb.insert)
    Y.applyUpdate(b, Y.encodeStateAsUpdate(a))
    Y.applyUpdate(a, Y.encodeStateAsUpdate(b))
    expect(ta.toString()).toBe('Il Servizio di quartiere')
    expect(tb.toString()).toBe(ta.toString())
  })
})

describe('transformPosition', () => {
  it('moves a caret after remote inserts and deletes before it', () => {
    expect(transformPosition(5, [{ insert: 'abc' }])).toBe(8)
    expect(transformPosition(5, [{ retain: 6 }, { insert: 'abc' }])).toBe(5)
    expect(transformPosition(5, [{ retain: 1 }, { delete: 2 }])).toBe(3)
    expect(transformPosition(5, [{ retain: 3 }, { delete: 10 }])).toBe(3)
  })
})
