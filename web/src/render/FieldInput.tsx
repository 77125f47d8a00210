// A side-panel free-text field (title, notes, indicator fields, reporting fields, link
// labels) bound to its Y.Text in `fields` with the same binding as the sticky editor, so
// two people typing in the same field merge instead of overwriting each other.

import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks'
import type * as Y from 'yjs'
import type { Board } from '../model/board'
import { bindTextarea } from '../editor/textBinding'

/** The Y.Text of a field, following it if the board replaces it (a restore, a migration). */
export function useField (board: Board, path: string): Y.Text | undefined {
  const [text, setText] = useState(() => board.field(path))
  useEffect(() => {
    setText(board.field(path))
    const onFields = (ev: Y.YMapEvent<Y.Text>) => { if (ev.keysChanged.has(path)) setText(board.field(path)) }
    board.fields.observe(onFields)
    return () => board.fields.unobserve(onFields)
  }, [board, path])
  return text
}

interface Props {
  board: Board
  path: string
  /** What the field shows while the board holds no Y.Text for it (a board not migrated yet): read-only. */
  fallback?: string
  multiline?: boolean
  disabled?: boolean
  [attr: string]: unknown
}

export function FieldInput ({ board, path, fallback = '', multiline = false, disabled = false, ...attrs }: Props) {
  const ytext = useField(board, path)
  const ref = useRef<HTMLInputElement & HTMLTextAreaElement>(null)
  useLayoutEffect(() => {
    const el = ref.current
    if (!el) return
    if (!ytext) { el.value = fallback; return }
    return bindTextarea(el, ytext, board.origin)
  }, [board, ytext, fallback])
  const off = disabled || !ytext
  return multiline
    ? <textarea ref={ref} rows={3} disabled={off} data-path={path} {...attrs} />
    : <input ref={ref} type="text" disabled={off} data-path={path} {...attrs} />
}
