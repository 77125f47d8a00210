// Template boards: their geometry (kept in meta.template), their starting content, and
// every value derived from positions (stakeholder power/interest/quadrant/ring, ToC level,
// social-report section, problem-tree outline, objective-tree conversion, frame children).
// The server derives the same values from the same rules (schema/README.md).

import { center, clamp } from './geometry'
import {
  type Band,
  type BoardJSON,
  type BoardKind,
  type Item,
  type Lane,
  type Link,
  type Meta,
  type Quadrant,
  type Rect,
  type ReportSection,
  type Ring,
  type SectionArea,
  type TemplateGeometry,
  type TocLevel,
  REPORT_SECTIONS,
  SCHEMA_VERSION,
  TOC_LEVELS
} from './schema'
import { compareZ } from './zorder'

// ---- geometry of each template ------------------------------------------------------

export const LANE_WIDTH = 300
export const SECTION_W = 500
export const SECTION_H = 400
export const SECTION_GAP = 20

export function templateGeometry (kind: BoardKind): TemplateGeometry | undefined {
  switch (kind) {
    case 'stakeholder_map':
      return { grid: { x: 0, y: 0, w: 1600, h: 1200 } }
    case 'problem_tree':
      return { bands: [{ role: 'effect', y: 0, h: 400 }, { role: 'core_problem', y: 400, h: 200 }, { role: 'cause', y: 600, h: 600 }] }
    case 'objective_tree':
      return { bands: [{ role: 'end', y: 0, h: 400 }, { role: 'objective', y: 400, h: 200 }, { role: 'means', y: 600, h: 600 }] }
    case 'theory_of_change':
      return { lanes: TOC_LEVELS.map((level, i) => ({ level, x: i * LANE_WIDTH, w: LANE_WIDTH })) }
    case 'social_report':
      return {
        sections: REPORT_SECTIONS.map((section, i) => ({
          section,
          x: (i % 3) * (SECTION_W + SECTION_GAP),
          y: Math.floor(i / 3) * (SECTION_H + SECTION_GAP),
          w: SECTION_W,
          h: SECTION_H
        }))
      }
    default:
      return undefined
  }
}

/** The horizontal extent drawn for problem-tree bands and the height of ToC lanes. */
export const BAND_SPAN = { x: -200, w: 2000 }
export const LANE_SPAN = { y: -100, h: 1100 }

/** Default size and colour of a card of each role. */
export function roleStyle (role: string | undefined): { w: number, h: number, color: string } {
  switch (role) {
    case 'stakeholder': return { w: 200, h: 110, color: 'blue' }
    case 'core_problem': return { w: 240, h: 120, color: 'orange' }
    case 'objective': return { w: 240, h: 120, color: 'green' }
    case 'cause': return { w: 220, h: 110, color: 'yellow' }
    case 'means': return { w: 220, h: 110, color: 'blue' }
    case 'effect': return { w: 220, h: 110, color: 'pink' }
    case 'end': return { w: 220, h: 110, color: 'purple' }
    case 'input': return { w: 220, h: 100, color: 'grey' }
    case 'activity': return { w: 220, h: 100, color: 'blue' }
    case 'output': return { w: 220, h: 100, color: 'green' }
    case 'outcome_short':
    case 'outcome_mid':
    case 'outcome_long': return { w: 220, h: 100, color: 'yellow' }
    case 'impact': return { w: 220, h: 100, color: 'purple' }
    case 'assumption': return { w: 220, h: 100, color: 'white' }
    case 'report_item': return { w: 260, h: 120, color: 'green' }
    default: return { w: 200, h: 120, color: 'yellow' }
  }
}

/** A stakeholder card's colour by category (as in the schema fixture), until someone picks another. */
export const CATEGORY_COLOR: Record<string, string> = { public: 'blue', third_sector: 'yellow', citizens: 'pink', private: 'green', other: 'grey' }

/** The roles a user can add on a board of this kind (the template's palette of cards). */
export function rolesFor (kind: BoardKind): string[] {
  switch (kind) {
    case 'stakeholder_map': return ['stakeholder']
    case 'problem_tree': return ['effect', 'core_problem', 'cause']
    case 'objective_tree': return ['end', 'objective', 'means']
    case 'theory_of_change': return [...TOC_LEVELS, 'assumption']
    case 'social_report': return ['report_item']
    default: return []
  }
}

/**
 * A new board of `kind`: meta and the starting cards. Ids are fixed, so two browsers that
 * initialise the same new board at once write the same keys and the result has no duplicates.
 */
export function initialBoard (kind: BoardKind, title: string): BoardJSON {
  const template = templateGeometry(kind)
  const meta: Meta = { schema: SCHEMA_VERSION, kind, title, locked: false, ...(template ? { template } : {}) }
  const items: BoardJSON['items'] = {}
  const card = (role: string, x: number, y: number, z: string): Item & { text: string } => {
    const s = roleStyle(role)
    return { type: 'card', role, x, y, w: s.w, h: s.h, color: s.color, z, text: '' }
  }
  if (kind === 'problem_tree') items.core = card('core_problem', 680, 440, 'a0')
  if (kind === 'objective_tree') items.core = card('objective', 680, 440, 'a0')
  if (kind === 'theory_of_change') items.impact = card('impact', 6 * LANE_WIDTH + 40, 100, 'a0')
  return { meta, items, links: {} }
}

/**
 * The role of the card a person creates at `p` without choosing one (double-click, or Enter
 * with nothing chosen): the template's card for the area under the point — a stakeholder on
 * the grid, the band's role in a tree, the lane's level in a Theory of Change, a reporting
 * item in a report section. Null outside every area (and on a free board): a plain note.
 */
export function roleAtPoint (kind: BoardKind, t: TemplateGeometry | undefined, p: { x: number, y: number }): string | null {
  if (!t) return null
  const inside = (r: Rect) => p.x >= r.x && p.x < r.x + r.w && p.y >= r.y && p.y < r.y + r.h
  if (kind === 'stakeholder_map' && t.grid) return inside(t.grid) ? 'stakeholder' : null
  if ((kind === 'problem_tree' || kind === 'objective_tree') && t.bands) {
    const band = t.bands.find((b) => inside({ x: BAND_SPAN.x, w: BAND_SPAN.w, y: b.y, h: b.h }))
    return band?.role ?? null
  }
  if (kind === 'theory_of_change' && t.lanes) {
    const lane = t.lanes.find((l) => inside({ x: l.x, w: l.w, y: LANE_SPAN.y, h: LANE_SPAN.h }))
    return lane?.level ?? null
  }
  if (kind === 'social_report' && t.sections) return t.sections.some(inside) ? 'report_item' : null
  return null
}

/** Where the template's own geometry is (for zoom to fit on a board with few items). */
export function templateBounds (t: TemplateGeometry | undefined): Rect | null {
  if (!t) return null
  if (t.grid) return t.grid
  if (t.bands && t.bands.length) {
    const y0 = Math.min(...t.bands.map((b) => b.y))
    const y1 = Math.max(...t.bands.map((b) => b.y + b.h))
    return { x: BAND_SPAN.x, y: y0, w: BAND_SPAN.w, h: y1 - y0 }
  }
  if (t.lanes && t.lanes.length) {
    const x0 = Math.min(...t.lanes.map((l) => l.x))
    const x1 = Math.max(...t.lanes.map((l) => l.x + l.w))
    return { x: x0, y: LANE_SPAN.y, w: x1 - x0, h: LANE_SPAN.h }
  }
  if (t.sections && t.sections.length) {
    const x0 = Math.min(...t.sections.map((s) => s.x))
    const y0 = Math.min(...t.sections.map((s) => s.y))
    const x1 = Math.max(...t.sections.map((s) => s.x + s.w))
    const y1 = Math.max(...t.sections.map((s) => s.y + s.h))
    return { x: x0, y: y0, w: x1 - x0, h: y1 - y0 }
  }
  return null
}

// ---- stakeholder map ----------------------------------------------------------------

export interface StakeholderMetrics {
  power: number
  interest: number
  quadrant: Quadrant
  ring: Ring
}

export function quadrantOf (power: number, interest: number): Quadrant {
  if (power >= 0.5) return interest >= 0.5 ? 'manage_closely' : 'keep_satisfied'
  return interest >= 0.5 ? 'keep_informed' : 'monitor'
}

export function ringOfQuadrant (q: Quadrant): Ring {
  return q === 'manage_closely' ? 'core' : q === 'monitor' ? 'inform' : 'involved'
}

/** Power, interest and quadrant from the card's centre on the grid; ring from data or quadrant. */
export function stakeholderMetrics (item: Item, grid: Rect): StakeholderMetrics {
  const c = center(item)
  const interest = clamp((c.x - grid.x) / grid.w, 0, 1)
  const power = clamp(1 - (c.y - grid.y) / grid.h, 0, 1)
  const quadrant = quadrantOf(power, interest)
  const explicit = item.data?.ring
  const ring = explicit === 'core' || explicit === 'involved' || explicit === 'inform' ? explicit : ringOfQuadrant(quadrant)
  return { power, interest, quadrant, ring }
}

/** Where a card's centre goes for a given power/interest (the inverse of the rule above). */
export function positionFor (power: number, interest: number, grid: Rect, size: { w: number, h: number }): { x: number, y: number } {
  return {
    x: grid.x + interest * grid.w - size.w / 2,
    y: grid.y + (1 - power) * grid.h - size.h / 2
  }
}

// ---- theory of change ---------------------------------------------------------------

export const TOC_NOT_LEVEL_ROLES = new Set(['assumption', 'indicator'])

/** The level of the lane under the item's centre; null for assumptions, non-cards, and outside the lanes. */
export function tocLevel (item: Item, lanes: TemplateGeometry['lanes']): TocLevel | null {
  if (!lanes || item.type !== 'card' || (item.role && TOC_NOT_LEVEL_ROLES.has(item.role))) return null
  const cx = center(item).x
  for (const lane of lanes) {
    if (cx >= lane.x && cx < lane.x + lane.w) return lane.level
  }
  // the right edge of the last lane still belongs to it
  const last = lanes.reduce<typeof lanes[number] | null>((a, l) => (!a || l.x + l.w > a.x + a.w ? l : a), null)
  if (last && cx === last.x + last.w) return last.level
  return null
}

export function indicatorCount (items: Iterable<Item>): number {
  let n = 0
  for (const item of items) n += Array.isArray(item.data?.indicators) ? item.data!.indicators!.length : 0
  return n
}

// ---- social report ------------------------------------------------------------------

/** The report section whose area holds the item's centre, or null. */
export function sectionOf (item: Item, sections: TemplateGeometry['sections']): ReportSection | null {
  if (!sections) return null
  const c = center(item)
  for (const s of sections) if (c.x >= s.x && c.x < s.x + s.w && c.y >= s.y && c.y < s.y + s.h) return s.section
  return null
}

// ---- problem tree / objective tree --------------------------------------------------

export const OBJECTIVE_ROLE_OF: Record<string, string> = { cause: 'means', core_problem: 'objective', effect: 'end' }
const TREE_ROLES: Record<'problem_tree' | 'objective_tree', { effect: string, core: string, cause: string }> = {
  problem_tree: { effect: 'effect', core: 'core_problem', cause: 'cause' },
  objective_tree: { effect: 'end', core: 'objective', cause: 'means' }
}

export interface OutlineEntry { id: string, role: string, depth: number }

/** Siblings: left to right, then by id (as the server does). */
function byX (items: Map<string, Item>) {
  return (a: string, b: string): number => items.get(a)!.x - items.get(b)!.x || (a < b ? -1 : a > b ? 1 : 0)
}

/** Reading order: top to bottom, left to right, then id. */
function byReading (items: Map<string, Item>) {
  return (a: string, b: string): number => {
    const ia = items.get(a)!
    const ib = items.get(b)!
    return ia.y - ib.y || ia.x - ib.x || (a < b ? -1 : a > b ? 1 : 0)
  }
}

/**
 * The tree as a nested outline, the same as the server's (`tavolo_board::derive`):
 * effects first (those the core problem leads to at depth 0, their own effects deeper),
 * then effects no link reaches (depth 0); then each core problem (depth 0, in reading
 * order) followed by its causes depth-first (direct causes at depth 1), then causes no link
 * reaches (depth 0). Structure comes from causal (and arrow) links; siblings go left to
 * right.
 */
export function treeOutline (
  kind: 'problem_tree' | 'objective_tree',
  itemsIn: Iterable<[string, Item]>,
  linksIn: Iterable<[string, Link]>
): OutlineEntry[] {
  const roles = TREE_ROLES[kind]
  const items = new Map<string, Item>(itemsIn)
  const links: Array<[string, string]> = []
  for (const [, l] of linksIn) if (l.kind === 'causal' || l.kind === 'arrow') links.push([l.from, l.to])
  const withRole = (role: string) => [...items.keys()].filter((id) => items.get(id)!.role === role).sort(byReading(items))
  const seen = new Set<string>()
  const out: OutlineEntry[] = []
  const visit = (id: string, role: string, depth: number): boolean => {
    if (seen.has(id)) return false
    seen.add(id)
    out.push({ id, role, depth })
    return true
  }
  const walk = (from: string, role: string, forward: boolean, depth: number): void => {
    const next = links
      .filter(([f, t]) => (forward ? f === from : t === from))
      .map(([f, t]) => (forward ? t : f))
      .filter((id) => items.get(id)?.role === role)
    const unique = [...new Set(next)].sort(byX(items))
    for (const id of unique) if (visit(id, role, depth)) walk(id, role, forward, depth + 1)
  }
  const cores = withRole(roles.core)
  for (const c of cores) walk(c, roles.effect, true, 0)
  for (const id of withRole(roles.effect)) visit(id, roles.effect, 0)
  for (const c of cores) {
    visit(c, roles.core, 0)
    walk(c, roles.cause, false, 1)
  }
  for (const id of withRole(roles.cause)) visit(id, roles.cause, 0)
  return out
}

/**
 * The objective tree made from a problem tree: the same items (same ids) and links, roles
 * mapped, each tree card marked `rewrite: true` with its negative statement in `original`.
 */
export function toObjectiveTree (problem: BoardJSON, opts: { title: string, sourceBoard: string }): BoardJSON {
  const items: BoardJSON['items'] = {}
  for (const [id, item] of Object.entries(problem.items)) {
    const mapped = item.role ? OBJECTIVE_ROLE_OF[item.role] : undefined
    if (mapped) {
      const style = roleStyle(mapped)
      items[id] = { ...item, role: mapped, color: style.color, data: { ...(item.data ?? {}), rewrite: true, original: item.text } }
    } else if (item.type === 'frame' && item.data?.kind === 'problem_tree') {
      // a gathered group's frame: its own copy of the tree's bands turns with the board
      const geometry = frameGeometry(item.data.template)
      const bands = geometry?.bands?.map((b) => ({ ...b, role: OBJECTIVE_ROLE_OF[b.role] ?? b.role }))
      items[id] = { ...item, data: { ...item.data, kind: 'objective_tree', ...(bands ? { template: { ...geometry, bands } } : {}) } }
    } else {
      items[id] = { ...item }
    }
  }
  const links: BoardJSON['links'] = {}
  for (const [id, l] of Object.entries(problem.links)) links[id] = { ...l }
  const template = templateGeometry('objective_tree')
  const bands = problem.meta.template?.bands?.map((b) => ({ ...b, role: OBJECTIVE_ROLE_OF[b.role] ?? b.role }))
  return {
    meta: {
      schema: SCHEMA_VERSION,
      kind: 'objective_tree',
      title: opts.title,
      locked: false,
      template: bands ? { bands } : template,
      source_board: opts.sourceBoard
    },
    items,
    links
  }
}

export interface TreeLayout { [id: string]: { x: number, y: number } }

/**
 * Automatic tree layout: the core problem centred in its band, causes in rows below it
 * (one row per depth), effects in rows above, each subtree given the width of its leaves so
 * that no two cards overlap. Returns new top-left positions; cards keep their sizes.
 */
export function layoutTree (
  kind: 'problem_tree' | 'objective_tree',
  itemsIn: Iterable<[string, Item]>,
  linksIn: Iterable<[string, Link]>,
  geometry: TemplateGeometry | undefined
): TreeLayout {
  const items = new Map(itemsIn)
  const links = [...linksIn]
  const outline = treeOutline(kind, items, links)
  const roles = TREE_ROLES[kind]
  const GAP_X = 40
  const ROW = 170
  const bands = geometry?.bands ?? templateGeometry(kind)!.bands!
  const band = (role: string) => bands.find((b) => b.role === role)
  const coreBand = band(roles.core) ?? { y: 400, h: 200 }
  const causeBand = band(roles.cause) ?? { y: coreBand.y + coreBand.h, h: 600 }
  const effectBand = band(roles.effect) ?? { y: 0, h: coreBand.y }
  const children = new Map<string, string[]>()
  const parents = new Map<string, string>()
  // rebuild the tree exactly as the outline walked it
  const stack: OutlineEntry[] = []
  const result: TreeLayout = {}
  const causes = outline.filter((e) => items.get(e.id)!.role !== roles.effect)
  // (an orphan cause, depth 0, starts a new stack and is placed with the unlinked cards)
  for (const e of causes) {
    while (stack.length && stack[stack.length - 1].depth >= e.depth) stack.pop()
    if (e.depth > 0 && stack.length) {
      const p = stack[stack.length - 1].id
      push(children, p, e.id)
      parents.set(e.id, p)
    }
    stack.push(e)
  }
  const effects = outline.filter((e) => items.get(e.id)!.role === roles.effect)
  const effectKids = new Map<string, string[]>()
  const estack: OutlineEntry[] = []
  for (const e of effects) {
    while (estack.length && estack[estack.length - 1].depth >= e.depth) estack.pop()
    if (e.depth > 0 && estack.length) push(effectKids, estack[estack.length - 1].id, e.id)
    estack.push(e)
  }
  const width = (id: string, kids: Map<string, string[]>): number => {
    const ks = kids.get(id) ?? []
    const own = items.get(id)!.w
    if (ks.length === 0) return own
    const sum = ks.reduce((s, k) => s + width(k, kids), 0) + GAP_X * (ks.length - 1)
    return Math.max(own, sum)
  }
  const place = (id: string, left: number, y: number, dy: number, kids: Map<string, string[]>) => {
    const it = items.get(id)!
    const w = width(id, kids)
    result[id] = { x: Math.round(left + w / 2 - it.w / 2), y: Math.round(y) }
    let x = left
    for (const k of kids.get(id) ?? []) {
      place(k, x, y + dy, dy, kids)
      x += width(k, kids) + GAP_X
    }
  }
  const roots = outline.filter((e) => e.depth === 0 && items.get(e.id)!.role === roles.core).map((e) => e.id)
  let left = 0
  for (const core of roots) {
    const it = items.get(core)!
    const topEffects = effects.filter((e) => e.depth === 0 && (links.some(([, l]) => l.kind === 'causal' && l.from === core && l.to === e.id)))
    const causeW = width(core, children)
    const effW = topEffects.reduce((s, e) => s + width(e.id, effectKids), 0) + GAP_X * Math.max(0, topEffects.length - 1)
    const total = Math.max(causeW, effW, it.w)
    // core row
    result[core] = { x: Math.round(left + total / 2 - it.w / 2), y: Math.round(coreBand.y + (coreBand.h - it.h) / 2) }
    // causes below
    let x = left + (total - causeW) / 2 + Math.max(0, (causeW - (children.get(core) ?? []).reduce((s, k, i) => s + width(k, children) + (i ? GAP_X : 0), 0)) / 2)
    for (const k of children.get(core) ?? []) {
      place(k, x, causeBand.y + 40, ROW, children)
      x += width(k, children) + GAP_X
    }
    // effects above
    x = left + (total - effW) / 2
    for (const e of topEffects) {
      const eh = items.get(e.id)!.h
      place(e.id, x, effectBand.y + effectBand.h - eh - 40, -ROW, effectKids)
      x += width(e.id, effectKids) + GAP_X
    }
    left += total + GAP_X * 3
  }
  // unlinked cards: a row at the bottom of the board, left to right
  const placed = new Set(Object.keys(result))
  let ox = 0
  const orphanY = causeBand.y + causeBand.h + 60
  for (const e of outline) {
    if (placed.has(e.id)) continue
    result[e.id] = { x: ox, y: orphanY }
    ox += items.get(e.id)!.w + GAP_X
  }
  return result
}

// ---- frames -------------------------------------------------------------------------

/** Frame id → the ids of the items it carries (by their `frame` field), in z order. */
export function frameChildren (itemsIn: Iterable<[string, Item]>): Record<string, string[]> {
  const items = [...itemsIn]
  const out: Record<string, string[]> = {}
  const sorted = items.slice().sort(([a, ia], [b, ib]) => compareZ(ia.z, ib.z) || (a < b ? -1 : 1))
  const frames = new Set(items.filter(([, it]) => it.type === 'frame').map(([id]) => id))
  for (const [id, it] of sorted) {
    if (it.frame && frames.has(it.frame) && it.frame !== id) (out[it.frame] ??= []).push(id)
  }
  return out
}

function push<K, V> (m: Map<K, V[]>, k: K, v: V): void {
  const a = m.get(k)
  if (a) a.push(v)
  else m.set(k, [v])
}

/**
 * The template geometry a gathered group's frame carries (`data.template`, relative to the
 * frame's corner; see `tavolo_board::gather`), kept only where it has the shape the
 * background draws — a client may have written anything there. `null` when none is left.
 */
export function frameGeometry (v: unknown): TemplateGeometry | null {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return null
  const o = v as Record<string, unknown>
  const num = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x)
  const str = (x: unknown): x is string => typeof x === 'string'
  const list = <T>(key: string, ok: (e: Record<string, unknown>) => boolean): T[] | undefined => {
    const a = o[key]
    if (!Array.isArray(a)) return undefined
    const kept = a.filter((e) => !!e && typeof e === 'object' && ok(e as Record<string, unknown>)).slice(0, 64)
    return kept.length ? kept as T[] : undefined
  }
  const rect = (e: Record<string, unknown>) => num(e.x) && num(e.y) && num(e.w) && num(e.h) && (e.w as number) > 0 && (e.h as number) > 0
  const out: TemplateGeometry = {}
  const g = o.grid
  if (g && typeof g === 'object' && rect(g as Record<string, unknown>)) {
    const r = g as Record<string, number>
    out.grid = { x: r.x, y: r.y, w: r.w, h: r.h }
  }
  const bands = list<Band>('bands', (e) => str(e.role) && num(e.y) && num(e.h) && (e.h as number) > 0)
  if (bands) out.bands = bands
  const lanes = list<Lane>('lanes', (e) => str(e.level) && num(e.x) && num(e.w) && (e.w as number) > 0)
  if (lanes) out.lanes = lanes
  const sections = list<SectionArea>('sections', (e) => str(e.section) && rect(e))
  if (sections) out.sections = sections
  return Object.keys(out).length ? out : null
}
