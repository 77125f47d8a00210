// The template's geometry drawn behind the items: the power/interest grid (or the
// concentric circles), the problem-tree bands, the Theory of Change lanes, the social
// report's sections. Read from meta.template, like the server does. A board gathered from
// groups repeats its geometry once per group, so entries are keyed by position, not name.

import { memo } from 'preact/compat'
import type * as Y from 'yjs'
import { t, tDynamic } from '../i18n'
import type { Meta } from '../model/schema'
import { BAND_SPAN, LANE_SPAN } from '../model/templates'
import { circlesGeometry } from '../editor/circles'
import type { MapView } from '../editor/editor'

const LABEL = '#2B2B2B'
const QUADRANT_FILL: Record<string, string> = {
  keep_satisfied: '#EEF3FB', manage_closely: '#E9F5E6', monitor: '#F4F4F4', keep_informed: '#FBF3E6'
}

// `span`: drawn inside a gathered group's frame (of that size, the geometry relative to its
// corner), lanes run its whole height and bands its whole width instead of the board's
// LANE_SPAN and BAND_SPAN.
interface Props { meta: Meta | null, view: MapView, items: Y.Map<unknown>, version: number, span?: { w: number, h: number } }

export const Background = memo(function Background ({ meta, view, span }: Props) {
  const tpl = meta?.template
  if (!tpl) return null
  const bandSpan = span ? { x: 0, w: span.w } : BAND_SPAN
  const laneSpan = span ? { y: 0, h: span.h } : LANE_SPAN
  if (tpl.grid && view === 'circles') {
    const g = circlesGeometry(tpl.grid)
    const rings: Array<['core' | 'involved' | 'inform', string]> = [['inform', '#F4F4F4'], ['involved', '#FBF3E6'], ['core', '#E9F5E6']]
    return (
      <g class="bg bg-circles" aria-hidden="true">
        {rings.map(([r, fill]) => <circle key={r} cx={g.cx} cy={g.cy} r={g.radii[r]} fill={fill} stroke="#9A9A9A" stroke-width={2} />)}
        {rings.map(([r]) => (
          <text key={`l-${r}`} x={g.cx} y={g.cy - g.radii[r] + 36} text-anchor="middle" font-size="26" font-weight="600" fill={LABEL}>{t(`ring.${r}`)}</text>
        ))}
      </g>
    )
  }
  if (tpl.grid) {
    const { x, y, w, h } = tpl.grid
    const hw = w / 2
    const hh = h / 2
    const q = (key: string, qx: number, qy: number, anchor: 'start' | 'end', tx: number, ty: number) => (
      <g key={key}>
        <rect x={qx} y={qy} width={hw} height={hh} fill={QUADRANT_FILL[key]} />
        <text x={tx} y={ty} text-anchor={anchor} font-size="30" font-weight="600" fill={LABEL}>{t(`quadrant.${key}` as never)}</text>
      </g>
    )
    return (
      <g class="bg bg-grid" aria-hidden="true">
        {q('keep_satisfied', x, y, 'start', x + 24, y + 44)}
        {q('manage_closely', x + hw, y, 'end', x + w - 24, y + 44)}
        {q('monitor', x, y + hh, 'start', x + 24, y + h - 24)}
        {q('keep_informed', x + hw, y + hh, 'end', x + w - 24, y + h - 24)}
        <rect x={x} y={y} width={w} height={h} fill="none" stroke="#7A7A7A" stroke-width={2} />
        <line x1={x + hw} y1={y} x2={x + hw} y2={y + h} stroke="#9A9A9A" stroke-width={2} stroke-dasharray="10 8" />
        <line x1={x} y1={y + hh} x2={x + w} y2={y + hh} stroke="#9A9A9A" stroke-width={2} stroke-dasharray="10 8" />
        <line x1={x} y1={y + h + 40} x2={x + w} y2={y + h + 40} stroke={LABEL} stroke-width={3} marker-end="url(#arrow-end)" />
        <text x={x + w / 2} y={y + h + 80} text-anchor="middle" font-size="26" fill={LABEL}>{t('axis.interest')} →</text>
        <line x1={x - 40} y1={y + h} x2={x - 40} y2={y} stroke={LABEL} stroke-width={3} marker-end="url(#arrow-end)" />
        <text x={x - 64} y={y + h / 2} text-anchor="middle" font-size="26" fill={LABEL} transform={`rotate(-90 ${x - 64} ${y + h / 2})`}>{t('axis.power')} →</text>
      </g>
    )
  }
  if (tpl.bands) {
    const fills = ['#FBEFF3', '#FFF4E8', '#FFFBE6']
    return (
      <g class="bg bg-bands" aria-hidden="true">
        {tpl.bands.map((b, i) => (
          <g key={i}>
            <rect x={bandSpan.x} y={b.y} width={bandSpan.w} height={b.h} fill={fills[i % fills.length]} stroke="#C8C8C8" />
            <text x={bandSpan.x + 24} y={b.y + 40} font-size="28" font-weight="600" fill={LABEL}>{bandLabel(b.role)}</text>
          </g>
        ))}
      </g>
    )
  }
  if (tpl.lanes) {
    return (
      <g class="bg bg-lanes" aria-hidden="true">
        {tpl.lanes.map((l, i) => (
          <g key={i}>
            <rect x={l.x} y={laneSpan.y} width={l.w} height={laneSpan.h} fill={i % 2 ? '#F2F5FA' : '#FAFAF7'} stroke="#C8C8C8" />
            <foreignObject x={l.x + 8} y={laneSpan.y + 8} width={l.w - 16} height={70}>
              <div class="lane-title">{tDynamic(`role.${l.level}`, l.level)}</div>
            </foreignObject>
          </g>
        ))}
      </g>
    )
  }
  if (tpl.sections) {
    return (
      <g class="bg bg-sections" aria-hidden="true">
        {tpl.sections.map((s, i) => (
          <g key={i}>
            <rect x={s.x} y={s.y} width={s.w} height={s.h} fill="#F7F9F4" stroke="#A8B59A" stroke-width={2} rx={6} />
            <text x={s.x + 20} y={s.y + 38} font-size="26" font-weight="600" fill={LABEL}>{tDynamic(`section.${s.section}`, s.section)}</text>
          </g>
        ))}
      </g>
    )
  }
  return null
})

function bandLabel (role: string): string {
  return tDynamic(`band.${role}`, role)
}
