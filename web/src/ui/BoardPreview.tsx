// Small read-only pictures of boards: a live one (its own connection, nothing is ever
// written) for the groups' boards shown side by side, and one from a snapshot's JSON
// content (a local document that goes nowhere). Both draw the editor's own Scene.

import { useEffect, useState } from 'preact/hooks'
import * as Y from 'yjs'
import { Board } from '../model/board'
import type { BoardJSON } from '../model/schema'
import { Editor } from '../editor/editor'
import { BoardConnection } from '../sync/connection'
import { Scene } from '../render/Scene'
import { itemName } from '../render/names'
import { t, tCount } from '../i18n'
import { useEditor } from './hooks'

function readOnlyEditor (board: Board): Editor {
  const ed = new Editor(board, 'preview')
  ed.readOnly = true
  ed.fitOnMount = false
  return ed
}

function Frame ({ editor, width, height }: { editor: Editor, width: number, height: number }) {
  useEffect(() => {
    editor.setSize(width, height)
    let pending = false
    const fit = () => {
      if (pending) return
      pending = true
      requestAnimationFrame(() => { pending = false; editor.zoomToFit() })
    }
    editor.zoomToFit()
    const off = editor.on('items', fit)
    editor.board.meta.observe(fit)
    return () => { off(); editor.board.meta.unobserve(fit) }
  }, [editor, width, height])
  return (
    <div class="preview-frame" style={{ width: `${width}px`, height: `${height}px` }} aria-hidden="true">
      <Scene editor={editor} />
    </div>
  )
}

/** What a board says, in short: the texts of its items (frames excepted), as a list. */
function Texts ({ editor, max = 8 }: { editor: Editor, max?: number }) {
  useEditor(editor, ['items'])
  const [, setN] = useState(0)
  useEffect(() => {
    const f = () => setN((n) => n + 1)
    editor.board.texts.observeDeep(f)
    return () => editor.board.texts.unobserveDeep(f)
  }, [editor])
  const list = editor.sorted()
    .filter(([, it]) => it.type !== 'frame')
    .map(([id, it]) => ({ id, name: itemName(it, editor.board.textOf(id)), text: editor.board.textOf(id).trim() }))
    .filter((x) => x.text)
  if (!list.length) return <p class="muted small">{t('gather.empty')}</p>
  return (
    <ul class="preview-texts">
      {list.slice(0, max).map((x) => <li key={x.id}>{x.name}</li>)}
      {list.length > max ? <li class="muted">{tCount('gather.more', list.length - max)}</li> : null}
    </ul>
  )
}

/** A live, read-only picture of a board (credentials: the page's cookie, or `token`), and optionally its texts. */
export function LiveBoardPreview ({ boardId, token, width = 360, height = 240, withTexts = false }: { boardId: string, token?: string | null, width?: number, height?: number, withTexts?: boolean }) {
  const [editor, setEditor] = useState<Editor | null>(null)
  useEffect(() => {
    const conn = new BoardConnection(boardId, { persist: false, ...(token ? { params: { token } } : {}) })
    const ed = readOnlyEditor(new Board(conn.doc))
    setEditor(ed)
    return () => { ed.destroy(); conn.destroy() }
  }, [boardId, token])
  if (!editor) return <div class="preview-frame" style={{ width: `${width}px`, height: `${height}px` }} />
  return (
    <>
      <Frame editor={editor} width={width} height={height} />
      {withTexts ? <Texts editor={editor} /> : null}
    </>
  )
}

/** A read-only picture of a board's JSON form (a snapshot's content). */
export function JsonBoardPreview ({ content, width = 360, height = 240 }: { content: BoardJSON, width?: number, height?: number }) {
  const [editor, setEditor] = useState<Editor | null>(null)
  useEffect(() => {
    const doc = new Y.Doc()
    const board = new Board(doc)
    board.loadJSON({ meta: content.meta, items: content.items ?? {}, links: content.links ?? {} })
    const ed = readOnlyEditor(board)
    setEditor(ed)
    return () => { ed.destroy(); doc.destroy() }
  }, [content])
  return editor ? <Frame editor={editor} width={width} height={height} /> : null
}
