// Inline text editing: a textarea laid over the item being edited, bound to its Y.Text
// with delta operations, so two people typing in the same note merge.

import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks'
import type { Editor } from '../editor/editor'
import { bindTextarea } from '../editor/textBinding'
import { t, tDynamic } from '../i18n'
import { kindLabel } from './names'

export function TextEditor ({ editor }: { editor: Editor }) {
  const [id, setId] = useState(editor.editing)
  const [, setTick] = useState(0)
  const ref = useRef<HTMLTextAreaElement>(null)

  useEffect(() => {
    const offs = [
      editor.on('editing', () => setId(editor.editing)),
      editor.on('camera', () => setTick((n) => n + 1)),
      editor.on('items', () => setTick((n) => n + 1))
    ]
    return () => offs.forEach((f) => f())
  }, [editor])

  // bound and focused as soon as the textarea exists, so no keystroke goes elsewhere
  useLayoutEffect(() => {
    const el = ref.current
    if (!id || !el) return
    const unbind = bindTextarea(el, editor.board.text(id), editor.board.origin)
    el.focus()
    el.setSelectionRange(el.value.length, el.value.length)
    return unbind
  }, [editor, id])

  if (!id) return null
  const item = editor.display(id)
  if (!item) return null
  const z = editor.camera.zoom
  const p = editor.toScreen(item)
  const frame = item.type === 'frame'
  const style = frame
    ? { left: `${p.x}px`, top: `${p.y - 36 * Math.min(1, z)}px`, width: `${Math.max(160, item.w * z)}px`, height: `${32}px`, fontSize: '18px' }
    : { left: `${p.x}px`, top: `${p.y}px`, width: `${item.w * z}px`, height: `${item.h * z}px`, fontSize: `${fontSize(item.type) * z}px`, padding: `${(item.type === 'card' ? 26 : 12) * z}px ${12 * z}px ${12 * z}px` }
  const placeholder = item.role ? tDynamic(`placeholder.${item.role}`, t('placeholder.text')) : t('placeholder.text')
  return (
    <textarea
      ref={ref}
      class={`text-editor te-${item.type}${item.type === 'shape' ? ' te-center' : ''}`}
      style={style}
      aria-label={`${t('panel.text')}: ${kindLabel(item)}`}
      placeholder={placeholder}
      onKeyDown={(e) => {
        e.stopPropagation()
        if (e.key === 'Escape' || (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) || (frame && e.key === 'Enter')) {
          e.preventDefault()
          editor.stopEditing()
          document.querySelector<HTMLElement>('.canvas')?.focus()
        } else if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === 'z') {
          e.preventDefault()
          if (e.shiftKey) editor.redoLast()
          else editor.undoLast()
        } else if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === 'y') {
          e.preventDefault()
          editor.redoLast()
        }
      }}
      onBlur={() => { if (editor.editing === id) editor.stopEditing() }}
      onPointerDown={(e) => e.stopPropagation()}
    />
  )
}

export function fontSize (type: string): number {
  return type === 'text' ? 22 : type === 'sticky' ? 18 : 16
}
