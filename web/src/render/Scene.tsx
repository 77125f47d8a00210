// The static scene: template background, items and connectors, in board coordinates under
// one transformed group. Only what is near the viewport is mounted (culling), each item is
// a memoised component that re-renders only when its own object or text changes, and the
// camera moves the group's transform directly, without a render, while the culled set
// still covers the screen.

import { memo } from 'preact/compat'
import { useEffect, useMemo, useRef, useState } from 'preact/hooks'
import type { Editor } from '../editor/editor'
import { colorHex, type Item, type Link, type Meta, TEXT_COLOR, type Rect } from '../model/schema'
import { connectorEnds, expand, intersects } from '../model/geometry'
import { frameGeometry, stakeholderMetrics } from '../model/templates'
import { t, tDynamic } from '../i18n'
import { Background } from './Background'
import { itemName, kindLabel } from './names'
import { useItemText } from './useYText'

// Below this zoom a card's text (16 board px) would be drawn under 4 CSS px, too small to
// read: it gives way to grey lines where the text is (and the browser stops laying it out).
export const LOW_DETAIL_ZOOM = 0.25
// Lane titles (22 board px) stay until they would be under 4 CSS px too.
export const FAR_ZOOM = 0.18

interface Cull { rect: Rect, zoom: number }

function cullFor (ed: Editor): Cull {
  const v = ed.visible()
  return { rect: expand(v, Math.max(v.w, v.h) * 0.5), zoom: ed.camera.zoom }
}

function covers (c: Cull, ed: Editor): boolean {
  const v = ed.visible()
  const z = ed.camera.zoom
  return v.x >= c.rect.x && v.y >= c.rect.y && v.x + v.w <= c.rect.x + c.rect.w && v.y + v.h <= c.rect.y + c.rect.h &&
    z / c.zoom < 1.6 && c.zoom / z < 1.6
}

export function transformOf (ed: Editor): string {
  const { x, y, zoom } = ed.camera
  return `matrix(${zoom} 0 0 ${zoom} ${-x * zoom} ${-y * zoom})`
}

export function Scene ({ editor }: { editor: Editor }) {
  const world = useRef<SVGGElement>(null)
  const root = useRef<SVGSVGElement>(null)
  const [cull, setCull] = useState<Cull>(() => cullFor(editor))
  const [version, setVersion] = useState(0)
  const [editing, setEditing] = useState(editor.editing)
  const cullRef = useRef(cull)
  cullRef.current = cull

  useEffect(() => {
    const onCamera = () => {
      world.current?.setAttribute('transform', transformOf(editor))
      root.current?.classList.toggle('low-detail', editor.camera.zoom < LOW_DETAIL_ZOOM)
      root.current?.classList.toggle('far', editor.camera.zoom < FAR_ZOOM)
      if (!covers(cullRef.current, editor)) setCull(cullFor(editor))
    }
    onCamera()
    let pending = false
    const bump = () => {
      // many remote changes in one frame: one render
      if (pending) return
      pending = true
      requestAnimationFrame(() => { pending = false; setVersion((v) => v + 1) })
    }
    const offs = [
      editor.on('camera', onCamera),
      editor.on('items', bump),
      editor.on('view', bump),
      editor.on('editing', () => setEditing(editor.editing))
    ]
    const onLinks = () => bump()
    editor.board.links.observe(onLinks)
    const onMeta = () => bump()
    editor.board.meta.observe(onMeta)
    return () => { offs.forEach((f) => f()); editor.board.links.unobserve(onLinks); editor.board.meta.unobserve(onMeta) }
  }, [editor])

  const visible = useMemo(() => {
    const out: Array<[string, Item]> = []
    for (const [id, raw] of editor.sorted()) {
      if (editor.hiddenInView(raw)) continue
      const it = editor.display(id, raw)!
      if (intersects(cull.rect, it)) out.push([id, it])
    }
    return out
  }, [editor, cull, version])

  const links = useMemo(() => {
    if (editor.view === 'circles') return []
    const out: Array<[string, Link, Item, Item]> = []
    for (const [id, l] of editor.board.links.entries()) {
      const a = editor.board.getItem(l.from)
      const b = editor.board.getItem(l.to)
      if (!a || !b) continue
      const box = { x: Math.min(a.x, b.x), y: Math.min(a.y, b.y), w: Math.max(a.x + a.w, b.x + b.w) - Math.min(a.x, b.x), h: Math.max(a.y + a.h, b.y + b.h) - Math.min(a.y, b.y) }
      if (intersects(cull.rect, box)) out.push([id, l, a, b])
    }
    return out
  }, [editor, cull, version])

  const meta = editor.board.getMeta()
  // one object per distinct grid, so memoised stakeholder cards do not re-render for nothing
  const gridKey = JSON.stringify(meta?.template?.grid ?? null)
  const grid = useMemo(() => meta?.template?.grid, [gridKey])

  return (
    <svg ref={root} class="scene">
      <defs>
        <marker id="arrow-end" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="8" markerHeight="8" orient="auto-start-reverse">
          <path d="M0,0 L10,5 L0,10 z" fill="#3A3A3A" />
        </marker>
        <marker id="arrow-causal" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="9" markerHeight="9" orient="auto-start-reverse">
          <path d="M0,0 L10,5 L0,10 z" fill="#8A3B00" />
        </marker>
      </defs>
      <g ref={world} transform={transformOf(editor)}>
        <Background meta={meta} view={editor.view} items={editor.board.items as never} version={version} />
        <g class="items">
          {visible.map(([id, it]) => (
            <ItemView key={id} id={id} item={it} editor={editor} editing={editing === id} grid={it.role === 'stakeholder' ? grid : undefined} />
          ))}
        </g>
        <g class="links">
          {links.map(([id, l, a, b]) => <LinkView key={id} link={l} from={a} to={b} />)}
        </g>
      </g>
    </svg>
  )
}

const LinkView = memo(function LinkView ({ link, from, to }: { link: Link, from: Item, to: Item }) {
  const { a, b } = connectorEnds(from, to)
  const causal = link.kind === 'causal'
  const relation = link.kind === 'relation'
  const mx = (a.x + b.x) / 2
  const my = (a.y + b.y) / 2
  return (
    <g class={`link link-${link.kind}`}>
      <line x1={a.x} y1={a.y} x2={b.x} y2={b.y} stroke={causal ? '#8A3B00' : '#3A3A3A'} stroke-width={causal ? 3 : 2}
        stroke-dasharray={relation ? '8 6' : undefined} marker-end={relation ? undefined : causal ? 'url(#arrow-causal)' : 'url(#arrow-end)'} />
      {link.label
        ? (
          <g>
            <rect x={mx - link.label.length * 4.2 - 8} y={my - 13} width={link.label.length * 8.4 + 16} height={26} rx={6} fill="#FFFFFF" stroke="#BBBBBB" />
            <text x={mx} y={my + 5} text-anchor="middle" font-size="14" fill={TEXT_COLOR}>{link.label}</text>
          </g>
          )
        : null}
    </g>
  )
})

const ATTITUDE_MARK: Record<string, string> = { supportive: '+', neutral: '=', opposed: '−' }

interface ItemProps { id: string, item: Item, editor: Editor, editing: boolean, grid?: Rect }

const ItemView = memo(function ItemView ({ id, item, editor, editing, grid }: ItemProps) {
  const text = useItemText(editor.board, id)
  const name = itemName(item, text)
  const fill = colorHex(item.color)
  const common = { 'data-id': id, role: 'img' as const, 'aria-label': name, class: `item item-${item.type}` }

  if (item.type === 'ink') {
    const pts = item.points ?? []
    let d = ''
    for (let i = 0; i + 1 < pts.length; i += 2) d += `${i ? 'L' : 'M'}${item.x + pts[i]},${item.y + pts[i + 1]}`
    return (
      <g {...common}>
        <path d={d} fill="none" stroke={darker(item.color)} stroke-width={3} stroke-linecap="round" stroke-linejoin="round" />
      </g>
    )
  }
  if (item.type === 'frame') {
    // a gathered group's frame draws its board's template inside it (relative to its corner)
    const geometry = frameGeometry(item.data?.template)
    return (
      <g {...common}>
        <rect x={item.x} y={item.y} width={item.w} height={item.h} fill={fill} fill-opacity={0.75} stroke="#8C8C8C" stroke-width={1.5} rx={4} />
        {geometry
          ? (
            <g class="frame-bg" transform={`translate(${item.x} ${item.y})`}>
              <Background meta={{ template: geometry } as Meta} view="grid" items={editor.board.items as never} version={0} span={{ w: item.w, h: item.h }} />
            </g>
            )
          : null}
        <text class="frame-title" x={item.x + 4} y={item.y - 10} font-size="18" font-weight="600" fill={TEXT_COLOR}>{editing ? '' : (text || t('type.frame'))}</text>
      </g>
    )
  }
  const isEllipse = item.type === 'shape' && item.shape === 'ellipse'
  const metrics = item.role === 'stakeholder' && grid ? stakeholderMetrics(item, grid) : null
  const indicators = item.data?.indicators?.length ?? 0
  return (
    <g {...common}>
      {isEllipse
        ? <ellipse cx={item.x + item.w / 2} cy={item.y + item.h / 2} rx={item.w / 2} ry={item.h / 2} fill={fill} stroke="#5A5A5A" stroke-width={1.5} />
        : item.type === 'text'
          ? <rect x={item.x} y={item.y} width={item.w} height={item.h} fill="transparent" />
          : <rect x={item.x} y={item.y} width={item.w} height={item.h} rx={item.type === 'sticky' ? 2 : 8} fill={fill}
              stroke={item.data?.rewrite ? '#A34700' : item.type === 'sticky' ? 'none' : '#5A5A5A'} stroke-width={item.data?.rewrite ? 3 : 1.2}
              stroke-dasharray={item.data?.rewrite ? '8 5' : undefined} class={item.type === 'sticky' ? 'sticky-shadow' : undefined} />}
      {text && !editing ? <TextLines item={item} length={text.length} /> : null}
      <foreignObject x={item.x} y={item.y} width={item.w} height={item.h}>
        <div class={`it it-${item.type}${isEllipse ? ' it-ellipse' : ''}`}>
          {item.type === 'card' && item.role ? <div class="it-role">{kindLabel(item)}</div> : null}
          {editing ? <div class="it-text" /> : text ? <div class="it-text">{text}</div> : item.type === 'card' ? <div class="it-text it-placeholder">{item.role ? tDynamic(`placeholder.${item.role}`, '') : ''}</div> : <div class="it-text" />}
          {metrics
            ? <div class="it-foot"><span>{item.data?.category ? t(`category.${item.data.category}` as never) : ''}</span><span class="att" title={item.data?.attitude ? t(`attitude.${item.data.attitude}` as never) : ''}>{ATTITUDE_MARK[item.data?.attitude ?? ''] ?? ''}</span></div>
            : null}
          {item.role === 'report_item' && (item.data?.audience || item.data?.period)
            ? <div class="it-foot"><span>{[item.data?.audience, item.data?.channel, item.data?.period].filter(Boolean).join(' · ')}</span></div>
            : null}
          {indicators ? <div class="it-foot"><span>{t('panel.indicators')}: {indicators}</span></div> : null}
          {item.data?.rewrite ? <div class="it-foot it-rewrite">{t('item.rewrite')}</div> : null}
        </div>
      </foreignObject>
    </g>
  )
})

/**
 * Where the text is, drawn as grey lines: shown instead of the text itself when the board is
 * zoomed out too far for it to be read (CSS: .scene.low-detail .lod-text).
 */
function TextLines ({ item, length }: { item: Item, length: number }) {
  const pad = 12
  const width = Math.max(0, item.w - 2 * pad)
  const perLine = Math.max(1, Math.floor(width / 9))
  const top = item.y + (item.type === 'card' && item.role ? 30 : pad)
  const room = Math.max(1, Math.floor((item.y + item.h - pad - top) / 22))
  const n = Math.max(1, Math.min(room, Math.ceil(length / perLine), 4))
  const centred = item.type === 'shape'
  return (
    <g class="lod-text" aria-hidden="true">
      {Array.from({ length: n }, (_, i) => {
        const w = i === n - 1 && n > 1 ? width * 0.6 : Math.min(width, length * 9)
        return <rect key={i} x={centred ? item.x + (item.w - w) / 2 : item.x + pad} y={top + i * 22} width={w} height={12} rx={4} fill="#5A5A5A" fill-opacity={0.45} />
      })}
    </g>
  )
}

function darker (color: string): string {
  const map: Record<string, string> = { yellow: '#8A6D00', orange: '#A34700', pink: '#A3244F', green: '#2E6B1A', blue: '#1D5A99', purple: '#5B2BB5', grey: '#4A4A4A', white: '#1A1A1A' }
  return map[color] ?? '#1A1A1A'
}
