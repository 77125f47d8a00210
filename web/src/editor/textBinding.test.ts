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
  it('counts a delta of several inserts in the text before it (concurrent typing of several people)', () => {
    // "abcdef", caret after "abc"; others typed "XX" after "a" and "Y" after "b": "aXXbYc|def"
    expect(transformPosition(3, [{ retain: 1 }, { insert: 'XX' }, { retain: 1 }, { insert: 'Y' }])).toBe(6)
    // an insert just past the caret does not move it, however many came before
    expect(transformPosition(3, [{ retain: 1 }, { insert: 'XX' }, { retain: 2 }, { insert: 'Y' }])).toBe(5)
    // a delete before the caret, then an insert before it
    expect(transformPosition(4, [{ delete: 2 }, { retain: 1 }, { insert: 'Z' }])).toBe(3)
  })
  it('keeps the caret of each of three people typing at once after their own words', () => {
    const docs = [new Y.Doc(), new Y.Doc(), new Y.Doc()]
    const words = ['Anna firma ', 'Bruno porta ', 'Carla scrive ']
    const carets = [0, 0, 0]
    const texts = docs.map((d) => d.getText('t'))
    texts.forEach((t, i) => t.observe((ev) => { if (!ev.transaction.local) carets[i] = transformPosition(carets[i], ev.delta as never) }))
    for (let k = 0; k < 13; k++) {
      // each types one character at its caret, then they exchange what they typed at once
      const svs = docs.map((d) => Y.encodeStateVector(d))
      texts.forEach((t, i) => { if (k < words[i].length) { t.insert(carets[i], words[i][k]); carets[i]++ } })
      const updates = docs.map((d, i) => Y.encodeStateAsUpdate(d, svs[i]))
      docs.forEach((d, i) => Y.applyUpdate(d, Y.mergeUpdates(updates.filter((_, j) => j !== i)), 'remote'))
    }
    const final = texts[0].toString()
    expect(texts[1].toString()).toBe(final)
    expect(texts[2].toString()).toBe(final)
    for (const w of words) expect(final).toContain(w)
    expect(final.length).toBe(words.join('').length)
  })
})
