// One open board: header (title, template actions, presence, connection), toolbar, canvas
// or list view, side panel.

import type { ComponentChildren } from 'preact'
import { useCallback, useEffect, useMemo, useState } from 'preact/hooks'
import * as Y from 'yjs'
import type { Editor } from '../editor/editor'
import { TITLE_FIELD } from '../model/fields'
import { FieldInput } from '../render/FieldInput'
import type { BoardConnection } from '../sync/connection'
import type { Presence } from '../sync/presence'
import { t } from '../i18n'
import { Canvas, SelectionAnnouncer } from '../render/Canvas'
import { layoutTree } from '../model/templates'
import { fitRect } from '../editor/camera'
import { Toolbar, ViewControls } from './Toolbar'
import { Inspector } from './Inspector'
import { ListView } from './ListView'
import { HelpPanel } from './Help'
import { AccessDenied, ConnectionBadge, PresenceBar, useConnectionStatus } from './Presence'
import { LangSwitch } from './LangSwitch'
import { ExportMenu } from './ExportMenu'
import { useEditor, useLang, useSidePanel } from './hooks'
import { navigate } from './router'

interface Props {
  editor: Editor
  conn: BoardConnection
  presence: Presence
  /** Changing one's display name; without it the own avatar is not a button. */
  onRename?: () => void
  /** Problem tree → objective tree; without it the button is not offered. */
  onConvert?: () => Promise<void>
  /** Read-only whatever the board says (observer, board locked by the facilitator, meeting closed). */
  readOnly?: boolean
  /** What the read-only banner says (default: the board is locked). */
  readOnlyMessage?: string
  /** Where the "Tavolo" link in the header goes (default: the start page). */
  home?: { href: string, label: string }
  /** Shown above the header (a meeting's bar: room, timer, message). */
  top?: ComponentChildren
  /** Shown in the side panel above the properties (e.g. the dot vote). */
  side?: ComponentChildren
  /** Drawn over the canvas (e.g. vote dots). */
  overlay?: ComponentChildren
  /** Drawn under the board, read-only (the shared board under one's private draft). */
  underlay?: Editor
  /** Takes a click on an item instead of selecting it (dot voting); true when handled. */
  onItemClick?: (id: string) => boolean
  /**
   * Who may rename the board in the header, and what else a rename must update. In a
   * meeting only the facilitator renames, and the meeting's tabs and console follow
   * (`onTitle` with the new title when the field is left). Default: whoever may edit.
   */
  title?: { editable: boolean, onTitle?: (title: string) => void }
}

export function BoardView ({ editor, conn, presence, onRename, onConvert, readOnly, readOnlyMessage, home, top, side, overlay, underlay, onItemClick, title: titleRule }: Props) {
  useLang()
  useEditor(editor, ['selection', 'items', 'view'])
  const [listMode, setListMode] = useState(false)
  const [help, setHelp] = useState(false)
  const [following, setFollowing] = useState<number | null>(null)
  const [converting, setConverting] = useState(false)
  const [sideOpen, setSideOpen] = useSidePanel()
  const [, setMetaTick] = useState(0)
  const status = useConnectionStatus(conn)
  useEffect(() => {
    const f = () => setMetaTick((n) => n + 1)
    // the title is a Y.Text in `fields`: re-render when it changes or is replaced
    const onTitle = (events: Array<Y.YEvent<Y.AbstractType<unknown>>>) => {
      const title = editor.board.field(TITLE_FIELD)
      if (events.some((e) => e.target === title || (e instanceof Y.YMapEvent && e.keysChanged.has(TITLE_FIELD)))) f()
    }
    editor.board.meta.observe(f)
    editor.board.fields.observeDeep(onTitle)
    return () => { editor.board.meta.unobserve(f); editor.board.fields.unobserveDeep(onTitle) }
  }, [editor])
  const meta = editor.board.getMeta()
  editor.readOnly = meta?.locked === true || readOnly === true || status === 'full'
  const kind = meta?.kind ?? 'free'
  const title = meta?.title || t('board.untitled')
  useEffect(() => { if (status !== 'denied') document.title = `${title} — ${t('app.name')}` }, [title, status])

  const commands = useMemo(() => ({
    toggleHelp: () => setHelp((h) => !h),
    toggleList: () => setListMode((l) => !l),
    announce: () => {}
  }), [])

  // Following someone: my camera shows what their viewport shows.
  useEffect(() => {
    if (following === null) return
    const apply = () => {
      const st = presence.awareness.getStates().get(following) as { viewport?: { x: number, y: number, w: number, h: number } } | undefined
      if (!st) { setFollowing(null); return }
      if (st.viewport) editor.setCamera(fitRect(st.viewport, editor.size, 0, 8))
    }
    apply()
    return presence.onChange(apply)
  }, [following, presence, editor])
  const stopFollow = useCallback(() => setFollowing(null), [])

  const showItem = (id: string) => {
    setListMode(false)
    editor.setSelection([id])
    requestAnimationFrame(() => { editor.reveal(id); document.querySelector<HTMLElement>('.canvas')?.focus() })
  }

  const arrange = () => {
    if (kind !== 'problem_tree' && kind !== 'objective_tree') return
    const pos = layoutTree(kind, editor.board.items.entries(), editor.board.links.entries(), meta?.template)
    // keep the first core card where it was: the tree grows around it
    const core = Object.keys(pos).find((id) => editor.board.getItem(id)?.role === (kind === 'problem_tree' ? 'core_problem' : 'objective'))
    const dx = core ? editor.board.getItem(core)!.x - pos[core].x : 0
    for (const p of Object.values(pos)) p.x += dx
    editor.undo.stopCapturing()
    editor.board.updateItems(Object.entries(pos).map(([id, p]) => [id, p]))
    editor.undo.stopCapturing()
    editor.zoomToFit()
  }

  // collapsed while the panel has something of the meeting's (a vote, private writing): the toggle says so
  const toggleLabel = sideOpen ? t('panel.hide') : side ? t('panel.showActivity') : t('panel.show')

  if (status === 'denied') return <AccessDenied why={conn.denial ?? 'missing'} />

  return (
    <div class="board-page">
      <a class="skip-link" href="#board-canvas" onClick={(e) => { e.preventDefault(); document.querySelector<HTMLElement>('.canvas')?.focus() }}>{t('board.skipToCanvas')}</a>
      {top}
      {status === 'full'
        ? (
          <div class="board-full" role="alert">
            <p>{t('board.full')}</p>
            <button type="button" onClick={() => location.reload()}>{t('board.reload')}</button>
          </div>
          )
        : null}
      <header class="board-head">
        <a class="home" href={home?.href ?? '/'} onClick={(e) => { e.preventDefault(); navigate(home?.href ?? '/') }} aria-label={home?.label ?? t('board.home')} title={home?.label ?? t('board.home')}>{t('app.name')}</a>
        <label class="title-field">
          <span class="sr-only">{t('board.titleLabel')}</span>
          <FieldInput board={editor.board} path={TITLE_FIELD} fallback={meta?.title ?? ''} placeholder={t('board.untitled')} disabled={editor.readOnly || titleRule?.editable === false} maxLength={200}
            onKeyDown={(e: KeyboardEvent) => { if (e.key === 'Enter') (e.currentTarget as HTMLInputElement).blur() }}
            onBlur={titleRule?.onTitle ? (e: FocusEvent) => titleRule.onTitle!((e.currentTarget as HTMLInputElement).value.trim()) : undefined} />
        </label>
        <span class="kind-badge">{t(`kind.${kind}`)}</span>
        {meta?.source_board
          ? <a class="source" href={`/b/${meta.source_board}`} onClick={(e) => { e.preventDefault(); navigate(`/b/${meta.source_board}`) }}>{t('tree.fromProblem')}</a>
          : null}
        <div class="template-actions">
          {kind === 'stakeholder_map'
            ? (
              <div class="segmented" role="radiogroup" aria-label={t('view.label')}>
                {(['grid', 'circles'] as const).map((v) => (
                  <button key={v} type="button" role="radio" aria-checked={editor.view === v} data-view={v} aria-label={t(`view.${v}`)} title={t(`view.${v}`)} onClick={() => { editor.setView(v); editor.zoomToFit() }}>
                    <span class="long" aria-hidden="true">{t(`view.${v}`)}</span><span class="short" aria-hidden="true">{t(`view.${v}Short`)}</span>
                  </button>
                ))}
              </div>
              )
            : null}
          {kind === 'problem_tree' || kind === 'objective_tree'
            ? <button type="button" data-action="layout" disabled={editor.readOnly} onClick={arrange}>{t('tree.layout')}</button>
            : null}
          {kind === 'problem_tree' && onConvert
            ? <button type="button" data-action="convert" disabled={converting} onClick={async () => { setConverting(true); try { await onConvert() } finally { setConverting(false) } }}>{converting ? t('tree.converting') : t('tree.convert')}</button>
            : null}
        </div>
        <div class="head-right">
          <ExportMenu boardId={conn.boardId} kind={kind} />
          <PresenceBar presence={presence} following={following} onFollow={setFollowing} onRename={onRename} />
          <ConnectionBadge conn={conn} />
          <LangSwitch />
        </div>
      </header>
      {editor.readOnly && status !== 'full' ? <p class="locked-banner" role="status">{readOnly && readOnlyMessage ? readOnlyMessage : t('board.locked')}</p> : null}
      <div class="board-body">
        <Toolbar editor={editor} listMode={listMode} onToggleList={() => setListMode((l) => !l)} onHelp={() => setHelp(true)} />
        <main class="board-main">
          {listMode
            ? <ListView editor={editor} onShow={showItem} />
            : <Canvas editor={editor} presence={presence} title={title} commands={commands} onUserView={stopFollow} underlay={underlay} onItemClick={onItemClick} />}
          {listMode ? null : overlay}
          {listMode ? null : <ViewControls editor={editor} />}
        </main>
        <aside class={sideOpen ? 'side' : 'side collapsed'} tabIndex={sideOpen ? 0 : undefined} aria-label={t('panel.label')}>
          <button type="button" class={!sideOpen && side ? 'side-toggle has-side' : 'side-toggle'} aria-expanded={sideOpen} aria-controls={sideOpen ? 'side-content' : undefined}
            aria-label={toggleLabel} title={toggleLabel} onClick={() => setSideOpen(!sideOpen)}>
            <svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true" focusable="false"><path d={sideOpen ? 'M9 5 L16 12 L9 19' : 'M15 5 L8 12 L15 19'} fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round" /></svg>
          </button>
          {sideOpen
            ? (
              <div id="side-content" class="side-content">
                {side}
                <Inspector editor={editor} />
              </div>
              )
            : null}
        </aside>
      </div>
      <SelectionAnnouncer editor={editor} />
      {help ? <HelpPanel onClose={() => { setHelp(false); document.querySelector<HTMLElement>('.canvas')?.focus() }} /> : null}
    </div>
  )
}
