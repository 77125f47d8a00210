// The board schema, version 2 (schema/README.md is the contract; this file mirrors it).
// Plain data types only: no Yjs, no DOM.

export const SCHEMA_VERSION = 2

export const BOARD_KINDS = [
  'free',
  'stakeholder_map',
  'problem_tree',
  'objective_tree',
  'theory_of_change',
  'social_report'
] as const
export type BoardKind = (typeof BOARD_KINDS)[number]

export const ITEM_TYPES = ['sticky', 'text', 'shape', 'frame', 'card', 'ink'] as const
export type ItemType = (typeof ITEM_TYPES)[number]

export const SHAPES = ['rect', 'ellipse'] as const
export type ShapeKind = (typeof SHAPES)[number]

export const LINK_KINDS = ['arrow', 'causal', 'relation'] as const
export type LinkKind = (typeof LINK_KINDS)[number]

/** The palette: name → fill. Text on every colour is TEXT_COLOR (contrast ≥ 11:1). */
export const PALETTE = {
  yellow: '#FFE066',
  orange: '#FFB570',
  pink: '#FFADC6',
  green: '#B5E8A0',
  blue: '#A8D8FF',
  purple: '#D4BBFF',
  grey: '#E0E0E0',
  white: '#FFFFFF'
} as const
export type ColorName = keyof typeof PALETTE
export const COLOR_NAMES = Object.keys(PALETTE) as ColorName[]
export const TEXT_COLOR = '#1A1A1A'

export function colorHex (name: string | undefined): string {
  return (name && (PALETTE as Record<string, string>)[name]) || PALETTE.yellow
}

// ---- roles ---------------------------------------------------------------------------

export const TOC_LEVELS = [
  'input',
  'activity',
  'output',
  'outcome_short',
  'outcome_mid',
  'outcome_long',
  'impact'
] as const
export type TocLevel = (typeof TOC_LEVELS)[number]

export const PROBLEM_ROLES = ['effect', 'core_problem', 'cause'] as const
export const OBJECTIVE_ROLES = ['end', 'objective', 'means'] as const
export type ProblemRole = (typeof PROBLEM_ROLES)[number]
export type ObjectiveRole = (typeof OBJECTIVE_ROLES)[number]

export const REPORT_SECTIONS = [
  'identity',
  'governance',
  'people',
  'objectives_activities',
  'economic',
  'other'
] as const
export type ReportSection = (typeof REPORT_SECTIONS)[number]

export type Role =
  | 'stakeholder'
  | ProblemRole
  | ObjectiveRole
  | TocLevel
  | 'assumption'
  | 'indicator'
  | 'report_item'

export const STAKEHOLDER_CATEGORIES = ['public', 'third_sector', 'citizens', 'private', 'other'] as const
export type StakeholderCategory = (typeof STAKEHOLDER_CATEGORIES)[number]
export const ATTITUDES = ['supportive', 'neutral', 'opposed'] as const
export type Attitude = (typeof ATTITUDES)[number]
export const RINGS = ['core', 'involved', 'inform'] as const
export type Ring = (typeof RINGS)[number]
export const QUADRANTS = ['manage_closely', 'keep_satisfied', 'keep_informed', 'monitor'] as const
export type Quadrant = (typeof QUADRANTS)[number]

export interface Indicator {
  id: string
  name: string
  unit: string
  baseline: string
  target: string
  source: string
  frequency: string
}

export const INDICATOR_FIELDS = ['name', 'unit', 'baseline', 'target', 'source', 'frequency'] as const
export const REPORT_FIELDS = ['audience', 'channel', 'data', 'period', 'indicator'] as const

/** The role's fields. Open-ended on purpose: unknown fields written by others are kept. */
export interface ItemData {
  // stakeholder
  category?: StakeholderCategory
  attitude?: Attitude
  notes?: string
  ring?: Ring
  // objective tree
  rewrite?: boolean
  original?: string
  // theory of change
  indicators?: Indicator[]
  link?: string
  level?: TocLevel
  // social report
  audience?: string
  channel?: string
  data?: string
  period?: string
  indicator?: string
  [key: string]: unknown
}

/** An item as stored in `items` (a plain object; its text lives in `texts`). */
export interface Item {
  type: ItemType
  x: number
  y: number
  w: number
  h: number
  color: string
  z: string
  shape?: ShapeKind
  points?: number[]
  frame?: string
  role?: string
  data?: ItemData
  author?: string
}

export interface Link {
  from: string
  to: string
  kind: LinkKind
  label?: string
}

export interface Rect { x: number, y: number, w: number, h: number }

export interface Band { role: string, y: number, h: number }
export interface Lane { level: TocLevel, x: number, w: number }
export interface SectionArea extends Rect { section: ReportSection }

export interface TemplateGeometry {
  grid?: Rect
  bands?: Band[]
  lanes?: Lane[]
  sections?: SectionArea[]
}

export interface Meta {
  schema: number
  kind: BoardKind
  title: string
  locked: boolean
  template?: TemplateGeometry
  source_board?: string
}

/** The JSON form of a board (fixtures, the JSON export): items carry their text. */
export interface BoardJSON {
  meta: Meta
  items: Record<string, Item & { text: string }>
  links: Record<string, Link>
}

export const ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/
export const BOARD_ID_PATTERN = /^[A-Za-z0-9_-][A-Za-z0-9_.-]{0,127}$/

export function isBoardKind (v: unknown): v is BoardKind {
  return typeof v === 'string' && (BOARD_KINDS as readonly string[]).includes(v)
}
