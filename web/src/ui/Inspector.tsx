// The side panel: properties of the selected item or link, including each template role's
// fields (stakeholder, indicators, assumptions, reporting items, objective-tree rewrite)
// and the values derived from the item's position.

import type { JSX } from 'preact'
import type { Editor } from '../editor/editor'
import { formatNumber, t, tDynamic } from '../i18n'
import {
  ATTITUDES, COLOR_NAMES, INDICATOR_FIELDS, type Indicator, type Item, type ItemData, LINK_KINDS, PALETTE,
  REPORT_FIELDS, RINGS, STAKEHOLDER_CATEGORIES, TOC_LEVELS
} from '../model/schema'
import { CATEGORY_COLOR, sectionOf, stakeholderMetrics, tocLevel } from '../model/templates'
import { newId } from '../model/board'
import { indicatorFieldPath, itemFieldPath, linkLabelPath } from '../model/fields'
import { FieldInput } from '../render/FieldInput'
import { kindLabel } from '../render/names'

const OUTPUT_OR_OUTCOME = new Set(['output', 'outcome_short', 'outcome_mid', 'outcome_long'])

export function Inspector ({ editor }: { editor: Editor }) {
  const b = editor.board
  const meta = b.getMeta()
  if (editor.selectedLink) {
    const l = b.links.get(editor.selectedLink)
    if (!l) return null
    const lid = editor.selectedLink
    return (
      <section class="inspector" aria-label={t('panel.label')}>
        <h2>{t('tool.connector')}</h2>
        <p class="muted">{clipText(b.textOf(l.from))} → {clipText(b.textOf(l.to))}</p>
        <label class="field">{t('panel.linkKind')}
          <select value={l.kind} disabled={editor.readOnly} onChange={(e) => b.updateLink(lid, { kind: (e.target as HTMLSelectElement).value as never })}>
            {LINK_KINDS.map((k) => <option key={k} value={k}>{t(`linkKind.${k}`)}</option>)}
          </select>
        </label>
        <label class="field">{t('panel.linkLabel')}
          <FieldInput key={lid} board={b} path={linkLabelPath(lid)} fallback={l.label ?? ''} disabled={editor.readOnly} data-field="label" />
        </label>
        <button type="button" class="danger" disabled={editor.readOnly} onClick={() => editor.deleteSelection()}>{t('panel.delete')}</button>
      </section>
    )
  }
  const ids = [...editor.selection]
  if (ids.length === 0) {
    return <section class="inspector" aria-label={t('panel.label')}><p class="muted">{t('panel.nothing')}</p></section>
  }
  if (ids.length > 1) {
    return (
      <section class="inspector" aria-label={t('panel.label')}>
        <h2>{t('panel.many', { n: ids.length })}</h2>
        <ColorPicker editor={editor} current={b.getItem(ids[0])?.color} />
        <Actions editor={editor} />
      </section>
    )
  }
  const id = ids[0]
  const item = b.getItem(id)
  if (!item) return null
  const setData = (patch: Partial<ItemData>) => {
    const data: ItemData = { ...(b.getItem(id)?.data ?? {}) }
    for (const [k, v] of Object.entries(patch)) {
      if (v === undefined || v === '') delete data[k]
      else data[k] = v
    }
    b.updateItem(id, { data: Object.keys(data).length ? data : undefined })
  }
  const ro = editor.readOnly
  const role = item.role
  return (
    <section class="inspector" aria-label={t('panel.label')} data-item={id}>
      <h2>{kindLabel(item)}</h2>
      {item.author === editor.author ? <p class="muted small">{t('panel.author')}</p> : null}
      {item.type !== 'ink' ? <ColorPicker editor={editor} current={item.color} /> : null}

      {role === 'stakeholder' ? <StakeholderFields editor={editor} id={id} item={item} setData={setData} /> : null}

      {meta?.kind === 'theory_of_change' && item.type === 'card' && role !== 'assumption'
        ? (
          <p class="derived"><span>{t('panel.level')}:</span> <output>{(() => { const lv = tocLevel(item, meta.template?.lanes); return lv ? tDynamic(`role.${lv}`) : t('panel.noLevel') })()}</output></p>
          )
        : null}
      {role && OUTPUT_OR_OUTCOME.has(role) ? <Indicators editor={editor} id={id} item={item} readOnly={ro} /> : null}
      {role === 'assumption' ? <AssumptionFields editor={editor} id={id} item={item} setData={setData} /> : null}

      {role === 'report_item'
        ? (
          <fieldset class="group">
            <legend>{t('role.report_item')}</legend>
            {REPORT_FIELDS.map((f) => (
              <label key={`${id}/${f}`} class="field">{t(`field.${f}`)}
                <FieldInput board={b} path={itemFieldPath(id, f)} fallback={String(item.data?.[f] ?? '')} disabled={ro} data-field={f} />
              </label>
            ))}
          </fieldset>
          )
        : null}
      {meta?.kind === 'social_report'
        ? <p class="derived"><span>{t('panel.section')}:</span> <output>{(() => { const s = sectionOf(item, meta.template?.sections); return s ? tDynamic(`section.${s}`) : t('panel.noSection') })()}</output></p>
        : null}

      {item.data?.original !== undefined
        ? (
          <div class="group rewrite">
            <p><strong>{t('panel.original')}:</strong> {item.data.original}</p>
            {item.data.rewrite
              ? <p><span class="badge">{t('panel.rewrite')}</span> <button type="button" disabled={ro} onClick={() => setData({ rewrite: false })}>{t('panel.rewritten')}</button></p>
              : null}
          </div>
          )
        : null}
      <Actions editor={editor} />
    </section>
  )
}

function clipText (s: string): string { return s.length > 40 ? s.slice(0, 39) + '…' : s || '—' }

function ColorPicker ({ editor, current }: { editor: Editor, current?: string }) {
  return (
    <fieldset class="colors">
      <legend>{t('panel.color')}</legend>
      {COLOR_NAMES.map((c) => (
        <button key={c} type="button" class="swatch" style={{ background: PALETTE[c] }} aria-pressed={current === c}
          aria-label={t(`color.${c}`)} title={t(`color.${c}`)} disabled={editor.readOnly} onClick={() => editor.setColor(c)} />
      ))}
    </fieldset>
  )
}

function Actions ({ editor }: { editor: Editor }) {
  return (
    <div class="actions">
      <button type="button" disabled={editor.readOnly} onClick={() => editor.duplicate()}>{t('cmd.duplicate')}</button>
      <button type="button" disabled={editor.readOnly} onClick={() => editor.bringToFront()}>{t('cmd.front')}</button>
      <button type="button" disabled={editor.readOnly} onClick={() => editor.sendToBack()}>{t('cmd.back')}</button>
      <button type="button" class="danger" disabled={editor.readOnly} onClick={() => editor.deleteSelection()}>{t('panel.delete')}</button>
    </div>
  )
}

interface FieldProps { editor: Editor, id: string, item: Item, setData: (p: Partial<ItemData>) => void }

function StakeholderFields ({ editor, id, item, setData }: FieldProps) {
  const grid = editor.board.getMeta()?.template?.grid
  const m = grid ? stakeholderMetrics(item, grid) : null
  const ro = editor.readOnly
  const select = (label: string, field: string, options: readonly string[], prefix: string, extra?: JSX.Element) => (
    <label class="field">{label}
      <select value={String(item.data?.[field] ?? '')} disabled={ro} data-field={field} onChange={(e) => {
        const v = (e.target as HTMLSelectElement).value || undefined
        setData({ [field]: v })
        // the card's colour follows its category unless someone chose another colour
        const old = item.data?.category
        if (field === 'category' && v && (!old || item.color === CATEGORY_COLOR[old])) editor.board.updateItem(id, { color: CATEGORY_COLOR[v] })
      }}>
        {extra}
        {options.map((o) => <option key={o} value={o}>{tDynamic(`${prefix}.${o}`, o)}</option>)}
      </select>
    </label>
  )
  return (
    <fieldset class="group">
      <legend>{t('role.stakeholder')}</legend>
      {select(t('panel.category'), 'category', STAKEHOLDER_CATEGORIES, 'category')}
      {select(t('panel.attitude'), 'attitude', ATTITUDES, 'attitude')}
      {select(t('panel.ring'), 'ring', RINGS, 'ring', <option value="">{t('ring.auto', { ring: m ? t(`ring.${stakeholderMetrics({ ...item, data: {} }, grid!).ring}`) : '' })}</option>)}
      <label class="field">{t('panel.notes')}
        <FieldInput key={id} board={editor.board} path={itemFieldPath(id, 'notes')} fallback={item.data?.notes ?? ''} multiline disabled={ro} data-field="notes" />
      </label>
      {m
        ? (
          <div class="derived" aria-label={t('panel.derived')}>
            <p class="small muted">{t('panel.derived')}</p>
            <p><span>{t('panel.power')}:</span> <output data-derived="power">{formatNumber(m.power, 2)}</output></p>
            <p><span>{t('panel.interest')}:</span> <output data-derived="interest">{formatNumber(m.interest, 2)}</output></p>
            <p><span>{t('panel.quadrant')}:</span> <output data-derived="quadrant">{t(`quadrant.${m.quadrant}`)}</output></p>
          </div>
          )
        : null}
    </fieldset>
  )
}

function Indicators ({ editor, id, item, readOnly }: { editor: Editor, id: string, item: Item, readOnly: boolean }) {
  const list: Indicator[] = Array.isArray(item.data?.indicators) ? item.data!.indicators! : []
  const b = editor.board
  return (
    <fieldset class="group indicators">
      <legend>{t('panel.indicators')}</legend>
      {list.map((ind, i) => (
        <fieldset key={ind.id ?? i} class="indicator">
          <legend>{t('panel.indicatorN', { n: i + 1 })}</legend>
          {INDICATOR_FIELDS.map((f) => (
            <label key={`${id}/${ind.id}/${f}`} class="field">{t(`field.${f}`)}
              <FieldInput board={b} path={indicatorFieldPath(id, ind.id, f)} fallback={ind[f] ?? ''} disabled={readOnly} data-field={f} />
            </label>
          ))}
          <button type="button" class="danger small" disabled={readOnly} onClick={() => b.removeIndicator(id, ind.id)}>{t('panel.removeIndicator')}</button>
        </fieldset>
      ))}
      <button type="button" disabled={readOnly} onClick={() => b.addIndicator(id, newId('ind-'))}>{t('panel.addIndicator')}</button>
    </fieldset>
  )
}

function AssumptionFields ({ editor, item, setData }: FieldProps) {
  const b = editor.board
  const value = item.data?.link ? `link:${item.data.link}` : item.data?.level ? `level:${item.data.level}` : ''
  return (
    <label class="field">{t('panel.assumptionOf')}
      <select value={value} disabled={editor.readOnly} onChange={(e) => {
        const v = (e.target as HTMLSelectElement).value
        if (v.startsWith('link:')) setData({ link: v.slice(5), level: undefined })
        else if (v.startsWith('level:')) setData({ level: v.slice(6) as never, link: undefined })
        else setData({ link: undefined, level: undefined })
      }}>
        <option value="">{t('panel.assumptionNone')}</option>
        {TOC_LEVELS.map((lv) => <option key={lv} value={`level:${lv}`}>{t('panel.assumptionLevel', { level: tDynamic(`role.${lv}`) })}</option>)}
        {[...b.links.entries()].map(([lid, l]) => (
          <option key={lid} value={`link:${lid}`}>{t('panel.assumptionLink', { from: clipText(b.textOf(l.from)), to: clipText(b.textOf(l.to)) })}</option>
        ))}
      </select>
    </label>
  )
}
