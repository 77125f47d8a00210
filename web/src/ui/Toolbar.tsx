import type { Editor, ToolId } from '../editor/editor'
import { t, tDynamic, type MessageKey } from '../i18n'
import { rolesFor } from '../model/templates'
import { useEditor } from './hooks'

const TOOLS: Array<[ToolId, MessageKey, string, string]> = [
  ['select', 'tool.select', 'V', 'M4 3 L4 19 L9 14 L13 22 L16 20 L12 13 L19 13 Z'],
  ['hand', 'tool.hand', 'H', 'M7 11 V5 a1.5 1.5 0 0 1 3 0 V10 V4 a1.5 1.5 0 0 1 3 0 V10 V5 a1.5 1.5 0 0 1 3 0 V12 V8 a1.5 1.5 0 0 1 3 0 V15 a7 7 0 0 1 -7 7 h-1 a7 7 0 0 1 -6 -4 L4 13 a1.5 1.5 0 0 1 3 -2 Z'],
  ['sticky', 'tool.sticky', 'N', 'M4 4 H20 V15 L15 20 H4 Z M15 20 V15 H20'],
  ['text', 'tool.text', 'T', 'M5 5 H19 M12 5 V20 M9 20 H15'],
  ['rect', 'tool.rect', 'R', 'M4 6 H20 V18 H4 Z'],
  ['ellipse', 'tool.ellipse', 'O', 'M12 5 a8 7 0 1 0 0.01 0 Z'],
  ['connector', 'tool.connector', 'C', 'M4 20 L18 6 M12 6 H18 V12'],
  ['frame', 'tool.frame', 'F', 'M7 3 V21 M17 3 V21 M3 7 H21 M3 17 H21'],
  ['pen', 'tool.pen', 'P', 'M4 20 L5 15 L16 4 L20 8 L9 19 Z M14 6 L18 10']
]

function Icon ({ d }: { d: string }) {
  return <svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true" focusable="false"><path d={d} fill="none" stroke="currentColor" stroke-width="1.8" stroke-linejoin="round" stroke-linecap="round" /></svg>
}

export function Toolbar ({ editor, listMode, onToggleList, onHelp }: { editor: Editor, listMode: boolean, onToggleList: () => void, onHelp: () => void }) {
  useEditor(editor, ['tool', 'items'])
  const roles = rolesFor(editor.kind)
  const pick = (tool: ToolId) => { editor.setTool(tool); document.querySelector<HTMLElement>('.canvas')?.focus() }
  return (
    <div class="toolbar" role="toolbar" aria-label={t('toolbar.label')} aria-orientation="vertical">
      {!listMode && TOOLS.map(([id, label, key, d]) => (
        <button key={id} type="button" class="tool" data-tool={id} aria-pressed={editor.tool === id} title={`${t(label)} (${key})`}
          aria-label={t(label)} aria-keyshortcuts={key} disabled={!editor.mayUseTool(id)} onClick={() => pick(id)}>
          <Icon d={d} />
        </button>
      ))}
      {!listMode && roles.length
        ? (
          <div class="cards" role="group" aria-label={t('toolbar.cards')}>
            {roles.map((r) => (
              <button key={r} type="button" class="tool card-tool" data-tool={`card:${r}`} aria-pressed={editor.tool === `card:${r}`}
                disabled={!editor.mayUseTool(`card:${r}`)} title={t('tool.card', { role: tDynamic(`role.${r}`) })} onClick={() => pick(`card:${r}`)}>
                {tDynamic(`role.${r}`)}
              </button>
            ))}
          </div>
          )
        : null}
      <div class="sep" />
      <button type="button" class="tool" aria-pressed={listMode} title={`${t('toolbar.list')} (L)`} aria-label={t('toolbar.list')} data-action="list" onClick={onToggleList}><Icon d="M8 6 H20 M8 12 H20 M8 18 H20 M4 6 H4.5 M4 12 H4.5 M4 18 H4.5" /></button>
      <button type="button" class="tool" title={`${t('toolbar.help')} (?)`} aria-label={t('toolbar.help')} data-action="help" onClick={onHelp}><Icon d="M9 9 a3 3 0 1 1 4 2.8 c-1 .4 -1 1.2 -1 2.2 M12 18 V18.5" /></button>
    </div>
  )
}

/**
 * Undo, redo and zoom, floating over the canvas' bottom-left corner: out of the side
 * toolbar, whose template cards (eight on a Theory of Change) need its height.
 */
export function ViewControls ({ editor }: { editor: Editor }) {
  useEditor(editor, ['camera', 'undo'])
  return (
    <div class="view-controls" role="toolbar" aria-label={t('toolbar.view')}>
      <button type="button" class="tool" title={t('toolbar.undo')} aria-label={t('toolbar.undo')} disabled={editor.readOnly || !editor.undo.canUndo()} onClick={() => editor.undoLast()}><Icon d="M9 14 L4 9 L9 4 M4 9 H15 a5 5 0 0 1 0 10 H11" /></button>
      <button type="button" class="tool" title={t('toolbar.redo')} aria-label={t('toolbar.redo')} disabled={editor.readOnly || !editor.undo.canRedo()} onClick={() => editor.redoLast()}><Icon d="M15 14 L20 9 L15 4 M20 9 H9 a5 5 0 0 0 0 10 H13" /></button>
      <button type="button" class="tool" title={t('toolbar.zoomOut')} aria-label={t('toolbar.zoomOut')} onClick={() => editor.zoomStep(-1)}><Icon d="M5 12 H19" /></button>
      <button type="button" class="tool zoom-level" title={t('toolbar.zoomReset')} aria-label={t('toolbar.zoomLevel', { pct: Math.round(editor.camera.zoom * 100) })} onClick={() => editor.zoomAtPoint(1)}>{Math.round(editor.camera.zoom * 100)}%</button>
      <button type="button" class="tool" title={t('toolbar.zoomIn')} aria-label={t('toolbar.zoomIn')} onClick={() => editor.zoomStep(1)}><Icon d="M5 12 H19 M12 5 V19" /></button>
      <button type="button" class="tool" title={t('toolbar.zoomFit')} aria-label={t('toolbar.zoomFit')} onClick={() => editor.zoomToFit()}><Icon d="M4 9 V4 H9 M15 4 H20 V9 M20 15 V20 H15 M9 20 H4 V15" /></button>
    </div>
  )
}
