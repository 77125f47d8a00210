// Typed access to a board's Yjs document, exactly as schema/README.md lays it out:
//   meta  : Y.Map    (schema, kind, title, locked, template, source_board)
//   items : Y.Map<id, plain object>
//   texts : Y.Map<id, Y.Text>
//   links : Y.Map<id, plain object>
//   fields: Y.Map<path, Y.Text>  (free-text fields: the title, notes, indicators, labels…)
// Every write goes through one transaction with this board's origin, so a Y.UndoManager
// whose trackedOrigins is that origin undoes only this user's changes.

import * as Y from 'yjs'
import {
  type BoardJSON,
  INDICATOR_FIELDS,
  type Indicator,
  type Item,
  type Link,
  type Meta,
  SCHEMA_VERSION,
  isBoardKind
} from './schema'
import {
  TITLE_FIELD,
  indicatorFieldPath,
  itemFieldPrefix,
  itemFields,
  linkLabelPath,
  linkWithLabel,
  storedItem,
  withFields
} from './fields'

export type ItemPatch = { [K in keyof Item]?: Item[K] | undefined }

export class Board {
  readonly doc: Y.Doc
  readonly meta: Y.Map<unknown>
  readonly items: Y.Map<Item>
  readonly texts: Y.Map<Y.Text>
  readonly links: Y.Map<Link>
  /** Free-text fields by path (model/fields.ts): one Y.Text each, so concurrent typing merges. */
  readonly fields: Y.Map<Y.Text>
  /** The transaction origin of this user's edits (what the undo manager tracks). */
  readonly origin: object

  constructor (doc: Y.Doc, origin: object = {}) {
    this.doc = doc
    this.meta = doc.getMap('meta')
    this.items = doc.getMap('items') as Y.Map<Item>
    this.texts = doc.getMap('texts') as Y.Map<Y.Text>
    this.links = doc.getMap('links') as Y.Map<Link>
    this.fields = doc.getMap('fields') as Y.Map<Y.Text>
    this.origin = origin
  }

  /** Runs `fn` in one transaction with this board's origin (nested calls join it). */
  transact<T> (fn: () => T): T {
    let out!: T
    this.doc.transact(() => { out = fn() }, this.origin)
    return out
  }

  // ---- meta -------------------------------------------------------------------------

  /** The meta map as a typed object, or null while the document is still empty. */
  getMeta (): Meta | null {
    const kind = this.meta.get('kind')
    if (!isBoardKind(kind)) return null
    const m = this.meta.toJSON() as Partial<Meta>
    return {
      schema: typeof m.schema === 'number' ? m.schema : SCHEMA_VERSION,
      kind,
      title: this.fields.get(TITLE_FIELD)?.toString() ?? (typeof m.title === 'string' ? m.title : ''),
      locked: m.locked === true,
      ...(m.template ? { template: m.template } : {}),
      ...(m.source_board ? { source_board: m.source_board } : {})
    }
  }

  /** Writes meta fields; the title goes to its Y.Text (edited in place). */
  setMeta (patch: Partial<Meta>): void {
    this.transact(() => {
      for (const [k, v] of Object.entries(patch)) {
        if (k === 'title') this.putField(TITLE_FIELD, typeof v === 'string' ? v : '')
        else if (v === undefined) this.meta.delete(k)
        else this.meta.set(k, v)
      }
    })
  }

  // ---- free-text fields ---------------------------------------------------------------

  /** The Y.Text of a free-text field, or undefined while the board holds none for it. */
  field (path: string): Y.Text | undefined {
    return this.fields.get(path)
  }

  private fieldOf = (path: string): string | undefined => this.fields.get(path)?.toString()

  /**
   * Makes a field hold `value`: its Y.Text is edited in place if it exists, created
   * otherwise. Only for fields created together with what they belong to (an item, an
   * indicator, a link, a new board), never for a field someone may already be typing in.
   */
  private putField (path: string, value: string): void {
    const t = this.fields.get(path)
    if (!t) { this.fields.set(path, new Y.Text(value)); return }
    if (t.toString() === value) return
    t.delete(0, t.length)
    if (value) t.insert(0, value)
  }

  private deleteFields (prefix: string): void {
    for (const k of [...this.fields.keys()]) if (k.startsWith(prefix)) this.fields.delete(k)
  }

  /** Adds an indicator to an item, with the Y.Text of each of its fields, in one transaction. */
  addIndicator (id: string, indicatorId: string): void {
    const item = this.items.get(id)
    if (!item) return
    const list = Array.isArray(item.data?.indicators) ? item.data!.indicators! : []
    this.transact(() => {
      for (const key of INDICATOR_FIELDS) this.fields.set(indicatorFieldPath(id, indicatorId, key), new Y.Text())
      this.updateItem(id, { data: { ...item.data, indicators: [...list, { id: indicatorId } as Indicator] } })
    })
  }

  /** Removes an indicator and its fields. */
  removeIndicator (id: string, indicatorId: string): void {
    const item = this.items.get(id)
    if (!item) return
    const list = (Array.isArray(item.data?.indicators) ? item.data!.indicators! : []).filter((x) => x.id !== indicatorId)
    const data = { ...item.data }
    if (list.length) data.indicators = list
    else delete data.indicators
    this.transact(() => {
      this.deleteFields(`${itemFieldPrefix(id)}indicator/${indicatorId}/`)
      this.updateItem(id, { data: Object.keys(data).length ? data : undefined })
    })
  }

  /** True when nothing has ever been written (no meta, no items). */
  isEmpty (): boolean {
    return this.meta.size === 0 && this.items.size === 0 && this.links.size === 0
  }

  // ---- items --------------------------------------------------------------------------

  getItem (id: string): Item | undefined {
    return this.items.get(id)
  }

  /** The item's Y.Text, created (in a transaction of this origin) if it is missing. */
  text (id: string): Y.Text {
    let t = this.texts.get(id)
    if (!t) {
      t = new Y.Text()
      const created = t
      this.transact(() => this.texts.set(id, created))
    }
    return t
  }

  textOf (id: string): string {
    return this.texts.get(id)?.toString() ?? ''
  }

  /** The item with its free-text fields (as the JSON form holds it). */
  itemWithFields (id: string): Item | undefined {
    const item = this.items.get(id)
    return item && withFields(id, item, this.fieldOf)
  }

  /** The link with its label. */
  linkWithLabel (id: string): Link | undefined {
    const link = this.links.get(id)
    return link && linkWithLabel(id, link, this.fieldOf)
  }

  /**
   * Adds an item: its text and the Y.Text of each of its free-text fields are created in
   * the same transaction (values taken from `item.data`, as the JSON form holds them).
   */
  addItem (id: string, item: Item, text = ''): void {
    this.transact(() => {
      this.items.set(id, clean(storedItem(item)))
      this.texts.set(id, new Y.Text(text))
      for (const [path, value] of itemFields(id, item)) this.putField(path, value)
    })
  }

  /** Writes the whole object again with `patch` applied (`undefined` removes a field). */
  updateItem (id: string, patch: ItemPatch): void {
    const old = this.items.get(id)
    if (!old) return
    const next: Record<string, unknown> = { ...old }
    let changed = false
    for (const [k, v] of Object.entries(patch)) {
      if (v === undefined) {
        if (k in next) { delete next[k]; changed = true }
      } else if (!sameValue(next[k], v)) {
        next[k] = v
        changed = true
      }
    }
    if (!changed) return
    this.transact(() => this.items.set(id, next as unknown as Item))
  }

  updateItems (patches: Map<string, ItemPatch> | Array<[string, ItemPatch]>): void {
    this.transact(() => {
      for (const [id, patch] of patches) this.updateItem(id, patch)
    })
  }

  /** Deletes items, their texts, the links that touch them; children of a deleted frame stay, unframed. */
  deleteItems (ids: Iterable<string>): void {
    const gone = new Set(ids)
    if (gone.size === 0) return
    this.transact(() => {
      for (const id of gone) {
        this.items.delete(id)
        this.texts.delete(id)
        this.deleteFields(itemFieldPrefix(id))
      }
      for (const [lid, link] of this.links.entries()) {
        if (gone.has(link.from) || gone.has(link.to)) {
          this.links.delete(lid)
          this.fields.delete(linkLabelPath(lid))
        }
      }
      for (const [id, item] of this.items.entries()) {
        if (item.frame && gone.has(item.frame)) this.updateItem(id, { frame: undefined })
        if (item.data?.link && !this.links.has(item.data.link)) {
          const data = { ...item.data }
          delete data.link
          this.updateItem(id, { data })
        }
      }
    })
  }

  // ---- links ------------------------------------------------------------------------

  /** Adds a link and the Y.Text of its label, in one transaction. */
  addLink (id: string, link: Link): void {
    const { label, ...rest } = link
    this.transact(() => {
      this.links.set(id, clean(rest as Link))
      this.putField(linkLabelPath(id), label ?? '')
    })
  }

  /** Changes a link's kind or ends (its label is a free-text field, bound to its Y.Text). */
  updateLink (id: string, patch: Partial<Omit<Link, 'label'>>): void {
    const old = this.links.get(id)
    if (!old) return
    const next: Record<string, unknown> = { ...old }
    for (const [k, v] of Object.entries(patch)) {
      if (v === undefined || v === '') delete next[k]
      else next[k] = v
    }
    this.transact(() => this.links.set(id, next as unknown as Link))
  }

  deleteLinks (ids: Iterable<string>): void {
    this.transact(() => {
      for (const id of ids) {
        this.links.delete(id)
        this.fields.delete(linkLabelPath(id))
      }
    })
  }

  // ---- JSON form ----------------------------------------------------------------------

  /** The board in the schema's JSON form (items carry `text`). */
  toJSON (): BoardJSON {
    const meta = this.getMeta() ?? { schema: SCHEMA_VERSION, kind: 'free', title: '', locked: false }
    const items: BoardJSON['items'] = {}
    for (const [id, item] of this.items.entries()) items[id] = { ...withFields(id, item, this.fieldOf), text: this.textOf(id) }
    const links: BoardJSON['links'] = {}
    for (const [id, link] of this.links.entries()) links[id] = linkWithLabel(id, link, this.fieldOf)
    return { meta, items, links }
  }

  /** Writes a board in the JSON form into this (empty or not) document, in one transaction. */
  loadJSON (json: Pick<BoardJSON, 'meta' | 'items' | 'links'>): void {
    this.transact(() => {
      for (const [k, v] of Object.entries(json.meta)) {
        if (k === 'title') this.putField(TITLE_FIELD, typeof v === 'string' ? v : '')
        else if (v !== undefined) this.meta.set(k, v)
      }
      if (!this.fields.has(TITLE_FIELD)) this.putField(TITLE_FIELD, '')
      for (const [id, withText] of Object.entries(json.items)) {
        const { text, ...item } = withText as Item & { text?: string }
        this.addItem(id, item as Item, text ?? '')
      }
      for (const [id, link] of Object.entries(json.links ?? {})) this.addLink(id, link)
    })
  }
}

/** A copy without `undefined` fields (Yjs cannot store them). */
function clean<T extends object> (o: T): T {
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(o)) if (v !== undefined) out[k] = v
  return out as T
}

function sameValue (a: unknown, b: unknown): boolean {
  if (a === b) return true
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false
  return JSON.stringify(a) === JSON.stringify(b)
}

/** A random id in the schema's alphabet. */
export function newId (prefix = ''): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'
  const bytes = new Uint8Array(12)
  crypto.getRandomValues(bytes)
  let s = prefix
  for (const b of bytes) s += alphabet[b % alphabet.length]
  return s
}
