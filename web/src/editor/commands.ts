// Keyboard commands as objects: a label, the keys shown in the help panel, a matcher and
// what it does. The help panel lists this table, so what is documented is what runs.

import type { MessageKey } from '../i18n'
import type { Editor, ToolId } from './editor'

export interface KeyLike { key: string, code?: string, ctrlKey: boolean, metaKey: boolean, shiftKey: boolean, altKey: boolean }

export interface CommandContext {
  toggleHelp: () => void
  toggleList: () => void
  announce: (msg: string) => void
}

export interface Command {
  id: string
  label: MessageKey
  keys: string[]
  group: 'tools' | 'edit' | 'view'
  /** Handled by the browser's clipboard events (listed for the help panel only). */
  viaClipboard?: boolean
  /** An edit command that changes nothing, so it runs on a read-only board too (see `runsReadOnly`). */
  readOnlyOk?: true
  match: (e: KeyLike) => boolean
  /** `false`: the key was not used, and the browser does what it does with it (Tab leaving the canvas). */
  run: (ed: Editor, ctx: CommandContext, e: KeyLike) => void | false
}

const mod = (e: KeyLike) => e.ctrlKey || e.metaKey
const plain = (e: KeyLike) => !e.ctrlKey && !e.metaKey && !e.altKey
const keyIs = (e: KeyLike, ...keys: string[]) => keys.includes(e.key) || keys.includes(e.key.toLowerCase())

function tool (id: string, t: ToolId, label: MessageKey, key: string): Command {
  return {
    id: `tool.${id}`,
    label,
    keys: [key.toUpperCase()],
    group: 'tools',
    match: (e) => plain(e) && !e.shiftKey && e.key.toLowerCase() === key,
    run: (ed) => ed.setTool(t)
  }
}

export const TOOL_COMMANDS: Command[] = [
  tool('select', 'select', 'tool.select', 'v'),
  tool('hand', 'hand', 'tool.hand', 'h'),
  tool('sticky', 'sticky', 'tool.sticky', 'n'),
  tool('text', 'text', 'tool.text', 't'),
  tool('rect', 'rect', 'tool.rect', 'r'),
  tool('ellipse', 'ellipse', 'tool.ellipse', 'o'),
  tool('connector', 'connector', 'tool.connector', 'c'),
  tool('frame', 'frame', 'tool.frame', 'f'),
  tool('pen', 'pen', 'tool.pen', 'p')
]

export const COMMANDS: Command[] = [
  ...TOOL_COMMANDS,
  {
    id: 'delete', label: 'cmd.delete', keys: ['Del', 'Backspace'], group: 'edit',
    match: (e) => plain(e) && keyIs(e, 'Delete', 'Backspace'),
    run: (ed, ctx) => { const n = ed.deleteSelection(); if (n) ctx.announce(`${n}`) }
  },
  {
    id: 'duplicate', label: 'cmd.duplicate', keys: ['Ctrl+D'], group: 'edit',
    match: (e) => mod(e) && !e.shiftKey && keyIs(e, 'd'),
    run: (ed) => { ed.duplicate() }
  },
  { id: 'copy', label: 'cmd.copy', keys: ['Ctrl+C'], group: 'edit', viaClipboard: true, match: () => false, run: () => {} },
  { id: 'cut', label: 'cmd.cut', keys: ['Ctrl+X'], group: 'edit', viaClipboard: true, match: () => false, run: () => {} },
  { id: 'paste', label: 'cmd.paste', keys: ['Ctrl+V'], group: 'edit', viaClipboard: true, match: () => false, run: () => {} },
  {
    id: 'selectAll', label: 'cmd.selectAll', keys: ['Ctrl+A'], group: 'edit', readOnlyOk: true,
    match: (e) => mod(e) && !e.shiftKey && keyIs(e, 'a'),
    run: (ed) => ed.selectAll()
  },
  {
    id: 'undo', label: 'cmd.undo', keys: ['Ctrl+Z'], group: 'edit',
    match: (e) => mod(e) && !e.shiftKey && keyIs(e, 'z'),
    run: (ed) => ed.undoLast()
  },
  {
    id: 'redo', label: 'cmd.redo', keys: ['Ctrl+Shift+Z', 'Ctrl+Y'], group: 'edit',
    match: (e) => mod(e) && ((e.shiftKey && keyIs(e, 'z')) || (!e.shiftKey && keyIs(e, 'y'))),
    run: (ed) => ed.redoLast()
  },
  {
    id: 'front', label: 'cmd.front', keys: [']'], group: 'edit',
    match: (e) => !e.altKey && (e.key === ']' || e.code === 'BracketRight'),
    run: (ed) => ed.bringToFront()
  },
  {
    id: 'back', label: 'cmd.back', keys: ['['], group: 'edit',
    match: (e) => !e.altKey && (e.key === '[' || e.code === 'BracketLeft'),
    run: (ed) => ed.sendToBack()
  },
  {
    id: 'editText', label: 'cmd.editText', keys: ['Enter', 'F2'], group: 'edit',
    match: (e) => plain(e) && keyIs(e, 'Enter', 'F2'),
    run: (ed) => {
      const id = [...ed.selection][0]
      if (id && ed.selection.size === 1 && !ed.placing) ed.startEditing(id)
      else if (ed.placing || ed.selection.size === 0) ed.placeFromKeyboard()
    }
  },
  {
    id: 'escape', label: 'cmd.escape', keys: ['Esc'], group: 'edit', readOnlyOk: true,
    match: (e) => e.key === 'Escape',
    run: (ed) => { ed.setSelection([]); ed.selectLink(null); ed.setTool('select') }
  },
  {
    id: 'nextItem', label: 'cmd.nextItem', keys: ['Tab', 'Shift+Tab'], group: 'edit', readOnlyOk: true,
    match: (e) => plain(e) && e.key === 'Tab',
    run: (ed, ctx, e) => {
      if (ed.cycleSelection(e.shiftKey ? -1 : 1) !== null) { ctx.announce(''); return }
      ed.setSelection([])
      return false
    }
  },
  {
    id: 'move', label: 'cmd.move', keys: ['←', '↑', '→', '↓'], group: 'edit',
    match: (e) => plain(e) && e.key.startsWith('Arrow'),
    run: (ed, _ctx, e) => {
      const step = e.shiftKey ? 50 : 10
      const d = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] }[e.key] ?? [0, 0]
      if (ed.selection.size) ed.nudge(d[0] * step, d[1] * step)
      else ed.panBy(-d[0] * step * 8, -d[1] * step * 8)
    }
  },
  { id: 'pan', label: 'cmd.pan', keys: ['Space+Drag'], group: 'view', match: () => false, run: () => {} },
  {
    id: 'zoomIn', label: 'cmd.zoomIn', keys: ['+', 'Ctrl+='], group: 'view',
    match: (e) => !e.altKey && (e.key === '+' || e.key === '='),
    run: (ed) => ed.zoomStep(1)
  },
  {
    id: 'zoomOut', label: 'cmd.zoomOut', keys: ['-', 'Ctrl+-'], group: 'view',
    match: (e) => !e.altKey && (e.key === '-' || e.key === '_'),
    run: (ed) => ed.zoomStep(-1)
  },
  {
    id: 'zoomReset', label: 'cmd.zoomReset', keys: ['0'], group: 'view',
    match: (e) => !e.altKey && !e.shiftKey && e.key === '0',
    run: (ed) => ed.zoomAtPoint(1)
  },
  {
    id: 'zoomFit', label: 'cmd.zoomFit', keys: ['Shift+1'], group: 'view',
    match: (e) => e.shiftKey && !mod(e) && (e.code === 'Digit1' || e.key === '!' || e.key === '1'),
    run: (ed) => ed.zoomToFit()
  },
  {
    id: 'zoomSelection', label: 'cmd.zoomSelection', keys: ['Shift+2'], group: 'view',
    match: (e) => e.shiftKey && !mod(e) && (e.code === 'Digit2' || e.key === '"' || e.key === '@' || e.key === '2'),
    run: (ed) => ed.zoomToSelection()
  },
  { id: 'wheel', label: 'cmd.wheel', keys: ['Wheel'], group: 'view', match: () => false, run: () => {} },
  {
    id: 'list', label: 'cmd.list', keys: ['L'], group: 'view',
    match: (e) => plain(e) && !e.shiftKey && keyIs(e, 'l'),
    run: (_ed, ctx) => ctx.toggleList()
  },
  {
    id: 'help', label: 'cmd.help', keys: ['?'], group: 'view',
    match: (e) => !mod(e) && e.key === '?',
    run: (_ed, ctx) => ctx.toggleHelp()
  }
]

/**
 * Whether a key command runs on a read-only board: the tools' and the view's do (a tool that
 * creates is refused by the editor), and the edit commands that change nothing.
 */
export function runsReadOnly (cmd: Command): boolean {
  return cmd.group !== 'edit' || cmd.readOnlyOk === true
}

/** The command a key press runs, if any. */
/** Key names shown in the help panel go through the translation table (`key.*`). */
export const KEY_WORDS = ['Del', 'Backspace', 'Enter', 'Shift', 'Space', 'Drag', 'Wheel', 'Esc', 'Ctrl'] as const

export function commandFor (e: KeyLike): Command | undefined {
  return COMMANDS.find((c) => !c.viaClipboard && c.match(e))
}
