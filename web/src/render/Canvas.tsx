// The board surface: the static scene, the interactive layer and the text editor stacked
// in one focusable element that turns pointer, wheel, keyboard and clipboard events into
// editor gestures and commands.

import { useEffect, useRef } from 'preact/hooks'
import type { Editor } from '../editor/editor'
import { Gestures, type PointerInput } from '../editor/tools'
import { commandFor, runsReadOnly, type CommandContext } from '../editor/commands'
import type { Presence } from '../sync/presence'
import { t } from '../i18n'
import { Scene } from './Scene'
import { Interactive } from './Interactive'
import { TextEditor } from './TextEditor'
import { itemName } from './names'

interface Props {
  editor: Editor
  presence: Presence | null
  title: string
  commands: CommandContext
  /** Called when the user moves the view themselves (stops following someone). */
  onUserView?: () => void
  /** A second board drawn read-only under this one, with the same camera (a private draft's shared board). */
  underlay?: Editor
  /** Takes a click on an item instead of the usual gesture (dot voting); true when handled. */
  onItemClick?: (id: string) => boolean
}

export function Canvas ({ editor, presence, title, commands, onUserView, underlay, onItemClick }: Props) {
  const el = useRef<HTMLDivElement>(null)
  const gestures = useRef<Gestures | null>(null)
  if (!gestures.current) gestures.current = new Gestures(editor)

  useEffect(() => {
    const node = el.current!
    const g = gestures.current!
    const ro = new ResizeObserver(() => {
      const r = node.getBoundingClientRect()
      editor.setSize(Math.round(r.width), Math.round(r.height))
    })
    ro.observe(node)

    const input = (e: PointerEvent | MouseEvent): PointerInput => {
      const rect = node.getBoundingClientRect()
      const screen = { x: e.clientX - rect.left, y: e.clientY - rect.top }
      return { screen, board: editor.toBoard(screen), shift: e.shiftKey, mod: e.ctrlKey || e.metaKey, button: e.button }
    }
    const onDown = (e: PointerEvent) => {
      if ((e.target as Element).closest('.text-editor')) return
      node.focus({ preventScroll: true })
      if (e.button === 1) e.preventDefault()
      const p = input(e)
      if (onItemClick && e.button === 0 && !g.spaceHeld && editor.tool === 'select') {
        const hit = editor.hitTest(p.board)
        if (hit && onItemClick(hit)) return
      }
      node.setPointerCapture(e.pointerId)
      if (e.button === 1 || g.spaceHeld || editor.tool === 'hand') onUserView?.()
      g.down(p)
      node.style.cursor = g.cursor(p)
    }
    const onMove = (e: PointerEvent) => {
      const p = input(e)
      presence?.update({ cursor: p.board })
      if (g.active) g.move(p)
      else node.style.cursor = g.cursor(p)
    }
    const onUp = (e: PointerEvent) => {
      if (!g.active) return
      const p = input(e)
      g.up(p)
      if (node.hasPointerCapture(e.pointerId)) node.releasePointerCapture(e.pointerId)
      node.style.cursor = g.cursor(p)
    }
    const onCancel = () => g.cancel()
    const onLeave = () => presence?.update({ cursor: null })
    const onWheel = (e: WheelEvent) => {
      e.preventDefault()
      onUserView?.()
      const rect = node.getBoundingClientRect()
      const at = { x: e.clientX - rect.left, y: e.clientY - rect.top }
      const unit = e.deltaMode === 1 ? 16 : e.deltaMode === 2 ? rect.height : 1
      if (e.ctrlKey || e.metaKey) {
        // pinch on a trackpad arrives as ctrl+wheel with small deltas
        const factor = Math.exp(-e.deltaY * unit * 0.0025)
        editor.zoomAtPoint(editor.camera.zoom * factor, at)
      } else {
        const dx = e.shiftKey && !e.deltaX ? e.deltaY : e.deltaX
        const dy = e.shiftKey && !e.deltaX ? 0 : e.deltaY
        editor.panBy(-dx * unit, -dy * unit)
      }
    }
    const onDbl = (e: MouseEvent) => {
      if ((e.target as Element).closest('.text-editor')) return
      const p = input(e)
      const hit = editor.hitTest(p.board)
      if (hit) editor.startEditing(hit)
      else if (editor.tool === 'select' && editor.view !== 'circles') {
        const id = editor.createItem(editor.toolAt(p.board), p.board)
        if (id) editor.startEditing(id)
      }
    }
    // If the browser sends no paste event (no clipboard access), paste what was copied here.
    let pasteHandled = false
    const onKeyDown = (e: KeyboardEvent) => {
      if (e.target !== node) return
      if ((e.ctrlKey || e.metaKey) && !e.altKey) {
        const k = e.key.toLowerCase()
        if (k === 'c') { editor.copyJSON(); return }
        if (k === 'v') {
          pasteHandled = false
          setTimeout(() => { if (!pasteHandled) editor.paste() }, 80)
          return
        }
      }
      if (e.key === ' ' && !e.repeat) { g.spaceHeld = true; node.style.cursor = 'grab'; e.preventDefault(); return }
      const cmd = commandFor(e)
      if (!cmd) return
      if (editor.readOnly && !runsReadOnly(cmd)) return
      if (cmd.group === 'view') onUserView?.()
      if (cmd.run(editor, commands, e) !== false) e.preventDefault()
    }
    const onKeyUp = (e: KeyboardEvent) => {
      if (e.key === ' ') { g.spaceHeld = false; node.style.cursor = 'default' }
    }
    // Clipboard: the browser's own events, so Ctrl+C / Ctrl+V need no permission prompt.
    const focused = () => document.activeElement === node
    const onCopy = (e: ClipboardEvent) => {
      if (!focused()) return
      const json = editor.copyJSON()
      if (json && e.clipboardData) { e.clipboardData.setData('text/plain', json); e.preventDefault() }
    }
    const onCut = (e: ClipboardEvent) => {
      if (!focused()) return
      const json = editor.cut()
      if (json && e.clipboardData) { e.clipboardData.setData('text/plain', json); e.preventDefault() }
    }
    const onPaste = (e: ClipboardEvent) => {
      // on a read-only board the editor refuses the paste; the event is left to the browser
      if (!focused() || editor.readOnly) return
      const text = e.clipboardData?.getData('text/plain')
      e.preventDefault()
      pasteHandled = true
      editor.paste(text || undefined)
    }
    node.addEventListener('pointerdown', onDown)
    node.addEventListener('pointermove', onMove)
    node.addEventListener('pointerup', onUp)
    node.addEventListener('pointercancel', onCancel)
    node.addEventListener('pointerleave', onLeave)
    node.addEventListener('wheel', onWheel, { passive: false })
    node.addEventListener('dblclick', onDbl)
    node.addEventListener('keydown', onKeyDown)
    node.addEventListener('keyup', onKeyUp)
    document.addEventListener('copy', onCopy)
    document.addEventListener('cut', onCut)
    document.addEventListener('paste', onPaste)
    const offCamera = editor.on('camera', () => {
      if (underlay) {
        underlay.setSize(editor.size.w, editor.size.h)
        underlay.setCamera(editor.camera)
      }
      const { x, y, zoom } = editor.camera
      // dot grid that moves with the board
      const step = 24 * zoom
      node.style.backgroundSize = `${step}px ${step}px`
      node.style.backgroundPosition = `${-x * zoom}px ${-y * zoom}px`
      node.classList.toggle('no-dots', step < 8)
      presence?.update({ viewport: editor.visible() })
    })
    const r = node.getBoundingClientRect()
    editor.setSize(Math.round(r.width), Math.round(r.height))
    if (editor.fitOnMount) { editor.fitOnMount = false; editor.zoomToReadable() } else editor.emit('camera')
    const offSel = editor.on('selection', () => presence?.update({ selection: [...editor.selection] }))
    const offTool = editor.on('tool', () => { node.style.cursor = editor.tool === 'hand' ? 'grab' : editor.tool === 'select' ? 'default' : 'crosshair' })
    return () => {
      ro.disconnect()
      node.removeEventListener('pointerdown', onDown)
      node.removeEventListener('pointermove', onMove)
      node.removeEventListener('pointerup', onUp)
      node.removeEventListener('pointercancel', onCancel)
      node.removeEventListener('pointerleave', onLeave)
      node.removeEventListener('wheel', onWheel)
      node.removeEventListener('dblclick', onDbl)
      node.removeEventListener('keydown', onKeyDown)
      node.removeEventListener('keyup', onKeyUp)
      document.removeEventListener('copy', onCopy)
      document.removeEventListener('cut', onCut)
      document.removeEventListener('paste', onPaste)
      offCamera(); offSel(); offTool()
    }
  }, [editor, presence, commands, onUserView, underlay, onItemClick])

  return (
    <div
      ref={el}
      id="board-canvas"
      class="canvas"
      tabIndex={0}
      role="application"
      aria-roledescription={t('app.name')}
      aria-label={t('board.canvas', { title })}
      aria-describedby="canvas-status"
    >
      {underlay ? <div class="underlay" aria-hidden="true"><Scene editor={underlay} /></div> : null}
      <Scene editor={editor} />
      <Interactive editor={editor} presence={presence} />
      <TextEditor editor={editor} />
    </div>
  )
}

/** A polite live region that announces the selection to screen readers. */
export function SelectionAnnouncer ({ editor }: { editor: Editor }) {
  const ref = useRef<HTMLDivElement>(null)
  useEffect(() => editor.on('selection', () => {
    const ids = [...editor.selection]
    let msg = ''
    if (ids.length === 1) {
      const it = editor.board.getItem(ids[0])
      if (it) msg = t('announce.selected', { name: itemName(it, editor.board.textOf(ids[0])) })
    } else if (ids.length > 1) {
      msg = t('announce.selectedMany', { n: ids.length })
    }
    if (ref.current) ref.current.textContent = msg
  }), [editor])
  return <div id="canvas-status" ref={ref} class="sr-only" aria-live="polite" />
}
