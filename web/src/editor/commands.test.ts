import { describe, expect, it } from 'vitest'
import { COMMANDS, commandFor, type KeyLike } from './commands'
import { it as itTable } from '../i18n/it'

const key = (k: string, m: Partial<KeyLike> = {}): KeyLike => ({ key: k, ctrlKey: false, metaKey: false, shiftKey: false, altKey: false, ...m })

describe('keyboard commands', () => {
  it('each documented key reaches its own command', () => {
    const cases: Array<[KeyLike, string]> = [
      [key('v'), 'tool.select'], [key('n'), 'tool.sticky'], [key('p'), 'tool.pen'], [key('c'), 'tool.connector'],
      [key('Delete'), 'delete'], [key('Backspace'), 'delete'], [key('d', { ctrlKey: true }), 'duplicate'],
      [key('z', { ctrlKey: true }), 'undo'], [key('z', { metaKey: true }), 'undo'],
      [key('Z', { ctrlKey: true, shiftKey: true }), 'redo'], [key('y', { ctrlKey: true }), 'redo'],
      [key(']'), 'front'], [key('['), 'back'], [key('Enter'), 'editText'], [key('Escape'), 'escape'],
      [key('Tab'), 'nextItem'], [key('Tab', { shiftKey: true }), 'nextItem'], [key('ArrowLeft'), 'move'],
      [key('+'), 'zoomIn'], [key('-'), 'zoomOut'], [key('0'), 'zoomReset'],
      [key('!', { shiftKey: true, code: 'Digit1' }), 'zoomFit'], [key('?', { shiftKey: true }), 'help'],
      [key('a', { ctrlKey: true }), 'selectAll'], [key('l'), 'list']
    ]
    for (const [e, id] of cases) expect(commandFor(e)?.id, JSON.stringify(e)).toBe(id)
  })
  it('a shortcut with Ctrl is not taken for a tool key', () => {
    expect(commandFor(key('c', { ctrlKey: true }))).toBeUndefined()
    expect(commandFor(key('v', { ctrlKey: true }))).toBeUndefined()
  })
  it('has unique ids and translated labels', () => {
    expect(new Set(COMMANDS.map((c) => c.id)).size).toBe(COMMANDS.length)
    for (const c of COMMANDS) expect(Object.keys(itTable)).toContain(c.label)
  })
})
