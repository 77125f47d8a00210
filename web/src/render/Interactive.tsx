// The interactive layer, above the scene and in screen coordinates: selection outlines and
// handles, the rubber band, gesture previews, and the other participants' cursors and
// selections. It re-renders on its own events, never the scene.

import { useEffect, useState } from 'preact/hooks'
import type { Editor } from '../editor/editor'
import type { Presence, PresenceState } from '../sync/presence'
import { connectorEnds } from '../model/geometry'
import type { Rect } from '../model/schema'

export function Interactive ({ editor, presence }: { editor: Editor, presence: Presence | null }) {
  const [, setTick] = useState(0)
  useEffect(() => {
    let pending = false
    const bump = () => {
      if (pending) return
      pending = true
      requestAnimationFrame(() => { pending = false; setTick((n) => n + 1) })
    }
    const offs = ['camera', 'selection', 'overlay', 'items', 'view', 'editing'].map((e) => editor.on(e as never, bump))
    const offP = presence?.onChange(bump)
    editor.board.links.observe(bump)
    return () => { offs.forEach((f) => f()); offP?.(); editor.board.links.unobserve(bump) }
  }, [editor, presence])

  const screenRect = (r: Rect) => {
    const a = editor.toScreen({ x: r.x, y: r.y })
    return { x: a.x, y: a.y, w: r.w * editor.camera.zoom, h: r.h * editor.camera.zoom }
  }

  const sel = [...editor.selection].map((id) => editor.display(id)).filter(Boolean) as Rect[]
  const single = sel.length === 1 && !editor.readOnly && editor.view !== 'circles'
  const o = editor.overlay
  const peers = presence ? presence.peers().filter((p) => !p.self) : []

  let linkSel: { a: { x: number, y: number }, b: { x: number, y: number } } | null = null
  if (editor.selectedLink) {
    const l = editor.board.links.get(editor.selectedLink)
    const ends = l && editor.linkEnds(l)
    if (ends) linkSel = { a: editor.toScreen(ends.a), b: editor.toScreen(ends.b) }
  }

  return (
    <svg class="interactive" aria-hidden="true">
      {peers.map((p) => <PeerSelection key={`s${p.clientId}`} editor={editor} state={p.state} />)}
      {sel.map((r, i) => {
        const s = screenRect(r)
        return <rect key={i} class="sel" x={s.x - 2} y={s.y - 2} width={s.w + 4} height={s.h + 4} />
      })}
      {single && sel[0]
        ? (() => {
            const s = screenRect(sel[0])
            return [[s.x, s.y], [s.x + s.w, s.y], [s.x, s.y + s.h], [s.x + s.w, s.y + s.h]].map(([x, y], i) => (
              <rect key={`h${i}`} class="handle" x={x - 5} y={y - 5} width={10} height={10} />
            ))
          })()
        : null}
      {linkSel ? <line class="link-sel" x1={linkSel.a.x} y1={linkSel.a.y} x2={linkSel.b.x} y2={linkSel.b.y} /> : null}
      {o.rubberBand ? (() => { const s = screenRect(o.rubberBand!); return <rect class="rubber" x={s.x} y={s.y} width={s.w} height={s.h} /> })() : null}
      {o.draft ? (() => { const s = screenRect(o.draft!); return o.draft!.tool === 'ellipse' ? <ellipse class="draft" cx={s.x + s.w / 2} cy={s.y + s.h / 2} rx={s.w / 2} ry={s.h / 2} /> : <rect class="draft" x={s.x} y={s.y} width={s.w} height={s.h} /> })() : null}
      {o.connector ? <ConnectorPreview editor={editor} c={o.connector} /> : null}
      {o.stroke ? <polyline class="stroke-preview" points={strokeToScreen(editor, o.stroke)} /> : null}
      {peers.map((p) => <PeerCursor key={`c${p.clientId}`} editor={editor} state={p.state} />)}
    </svg>
  )
}

function strokeToScreen (editor: Editor, pts: number[]): string {
  let s = ''
  for (let i = 0; i + 1 < pts.length; i += 2) {
    const p = editor.toScreen({ x: pts[i], y: pts[i + 1] })
    s += `${p.x},${p.y} `
  }
  return s
}

function ConnectorPreview ({ editor, c }: { editor: Editor, c: NonNullable<Editor['overlay']['connector']> }) {
  const from = editor.board.getItem(c.from)
  if (!from) return null
  const target = c.target ? editor.board.getItem(c.target) : undefined
  const ends = target ? connectorEnds(from, target) : { a: { x: from.x + from.w / 2, y: from.y + from.h / 2 }, b: c.to }
  const a = editor.toScreen(ends.a)
  const b = editor.toScreen(ends.b)
  return (
    <g>
      {target ? (() => { const s = editor.toScreen(target); return <rect class="sel" x={s.x - 3} y={s.y - 3} width={target.w * editor.camera.zoom + 6} height={target.h * editor.camera.zoom + 6} /> })() : null}
      <line class="connector-preview" x1={a.x} y1={a.y} x2={b.x} y2={b.y} />
    </g>
  )
}

function PeerSelection ({ editor, state }: { editor: Editor, state: PresenceState }) {
  if (!state.selection?.length || !state.user) return null
  return (
    <g>
      {state.selection.slice(0, 50).map((id) => {
        const it = editor.display(id)
        if (!it) return null
        const a = editor.toScreen(it)
        return <rect key={id} class="peer-sel" x={a.x - 4} y={a.y - 4} width={it.w * editor.camera.zoom + 8} height={it.h * editor.camera.zoom + 8} stroke={state.user!.color} />
      })}
    </g>
  )
}

function PeerCursor ({ editor, state }: { editor: Editor, state: PresenceState }) {
  if (!state.cursor || !state.user) return null
  const p = editor.toScreen(state.cursor)
  if (p.x < -40 || p.y < -40 || p.x > editor.size.w + 40 || p.y > editor.size.h + 40) return null
  const name = state.user.name
  const w = Math.min(220, name.length * 8 + 16)
  return (
    <g class="peer-cursor" transform={`translate(${p.x} ${p.y})`} data-peer={name}>
      <path d="M0,0 L0,18 L5,13 L9,22 L12,21 L8,12 L15,12 z" fill={state.user.color} stroke="#FFFFFF" stroke-width={1.5} />
      <rect x={14} y={20} width={w} height={22} rx={11} fill={state.user.color} />
      <text x={14 + w / 2} y={35} text-anchor="middle" font-size="13" fill="#FFFFFF">{name}</text>
    </g>
  )
}
