// The board as a structured, screen-reader-friendly table: every item by role with its
// text (editable, bound to the same Y.Text as the canvas), what is derived from its
// position, and the links. Problem and objective trees are listed as their outline.

import { useEffect, useRef } from 'preact/hooks'
import type { Editor } from '../editor/editor'
import { bindTextarea } from '../editor/textBinding'
import { formatNumber, t, tDynamic } from '../i18n'
import type { Item } from '../model/schema'
import { sectionOf, stakeholderMetrics, tocLevel, treeOutline } from '../model/templates'
import { compareZ } from '../model/zorder'
import { kindLabel } from '../render/names'

export function ListView ({ editor, onShow }: { editor: Editor, onShow: (id: string) => void }) {
  const b = editor.board
  const meta = b.getMeta()
  const kind = meta?.kind ?? 'free'
  let rows: Array<{ id: string, item: Item, depth: number }>
  if (kind === 'problem_tree' || kind === 'objective_tree') {
    const outline = treeOutline(kind, b.items.entries(), b.links.entries())
    const inTree = new Set(outline.map((e) => e.id))
    rows = [
      ...outline.map((e) => ({ id: e.id, item: b.getItem(e.id)!, depth: e.depth })),
      ...[...b.items.entries()].filter(([id]) => !inTree.has(id)).map(([id, item]) => ({ id, item, depth: 0 }))
    ]
  } else {
    rows = [...b.items.entries()]
      .sort(([, a], [, c]) => (a.role ?? a.type).localeCompare(c.role ?? c.type) || a.y - c.y || a.x - c.x || compareZ(a.z, c.z))
      .map(([id, item]) => ({ id, item, depth: 0 }))
  }
  const details = (id: string, stored: Item): string => {
    const it = b.itemWithFields(id) ?? stored
    const parts: string[] = []
    const tpl = meta?.template
    if (it.role === 'stakeholder' && tpl?.grid) {
      const m = stakeholderMetrics(it, tpl.grid)
      parts.push(`${t('panel.quadrant')}: ${t(`quadrant.${m.quadrant}`)}`, `${t('panel.power')} ${formatNumber(m.power, 2)}`, `${t('panel.interest')} ${formatNumber(m.interest, 2)}`, `${t('panel.ring')}: ${t(`ring.${m.ring}`)}`)
      if (it.data?.category) parts.push(tDynamic(`category.${it.data.category}`))
      if (it.data?.attitude) parts.push(tDynamic(`attitude.${it.data.attitude}`))
    }
    if (kind === 'theory_of_change' && tpl?.lanes) {
      const lv = tocLevel(it, tpl.lanes)
      if (lv) parts.push(`${t('panel.level')}: ${tDynamic(`role.${lv}`)}`)
    }
    if (it.data?.indicators?.length) parts.push(`${t('panel.indicators')}: ${it.data.indicators.map((i) => i.name || '—').join(', ')}`)
    if (kind === 'social_report' && tpl?.sections) {
      const s = sectionOf(it, tpl.sections)
      if (s) parts.push(`${t('panel.section')}: ${tDynamic(`section.${s}`)}`)
    }
    if (it.role === 'report_item') {
      for (const f of ['audience', 'channel', 'data', 'period', 'indicator'] as const) if (it.data?.[f]) parts.push(`${t(`field.${f}`)}: ${it.data[f]}`)
    }
    if (it.data?.rewrite) parts.push(t('item.rewrite'))
    if (it.frame) parts.push(t('item.inFrame', { frame: b.textOf(it.frame) || t('type.frame') }))
    return parts.join(' · ')
  }
  return (
    <section class="list-view" aria-label={t('list.label')}>
      <h2>{kind === 'problem_tree' || kind === 'objective_tree' ? t('list.outline') : t('list.label')}</h2>
      {rows.length === 0
        ? <p>{t('list.empty')}</p>
        : (
          <table>
            <thead><tr><th scope="col">{t('list.role')}</th><th scope="col">{t('list.text')}</th><th scope="col">{t('list.details')}</th><th scope="col"><span class="sr-only">{t('list.show')}</span></th></tr></thead>
            <tbody>
              {rows.map(({ id, item, depth }) => (
                <tr key={id} data-id={id}>
                  <th scope="row" style={{ paddingLeft: `${0.5 + depth * 1.25}rem` }}>
                    {kindLabel(item)}{depth ? <span class="sr-only">, {t('list.depth', { n: depth })}</span> : null}
                  </th>
                  <td><BoundText editor={editor} id={id} label={kindLabel(item)} /></td>
                  <td>{details(id, item)}</td>
                  <td><button type="button" onClick={() => onShow(id)}>{t('list.show')}</button></td>
                </tr>
              ))}
            </tbody>
          </table>
          )}
      {b.links.size
        ? (
          <>
            <h3>{t('list.links')}</h3>
            <ul>
              {[...b.links.keys()].map((id) => {
                const l = b.linkWithLabel(id)!
                return <li key={id}>{b.textOf(l.from) || '—'} → {b.textOf(l.to) || '—'} ({t(`linkKind.${l.kind}`)}{l.label ? `: ${l.label}` : ''})</li>
              })}
            </ul>
          </>
          )
        : null}
    </section>
  )
}

function BoundText ({ editor, id, label }: { editor: Editor, id: string, label: string }) {
  const ref = useRef<HTMLTextAreaElement>(null)
  useEffect(() => {
    if (!ref.current) return
    return bindTextarea(ref.current, editor.board.text(id), editor.board.origin)
  }, [editor, id])
  return <textarea ref={ref} rows={2} aria-label={`${t('panel.text')}: ${label}`} readOnly={editor.readOnly} />
}
