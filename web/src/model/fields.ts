// The free-text fields of a board (schema version 2): each one a Y.Text in the root map
// `fields`, keyed by its path, so that two people typing in the same field merge the way
// they do in an item's own text. The stored item and link objects no longer hold these
// strings; the JSON form still does (schema/README.md, "Free-text fields").
// crates/tavolo-board is this file's Rust twin.

import { INDICATOR_FIELDS, type Item, type Link, REPORT_FIELDS } from './schema'

export const TITLE_FIELD = 'meta/title'
export const STAKEHOLDER_FIELDS = ['notes'] as const

const FIELD_ID = /^[A-Za-z0-9_-]{1,64}$/

/** The `data` keys that are free-text fields of an item with this role. */
export function dataFields (role: string | undefined): readonly string[] {
  if (role === 'stakeholder') return STAKEHOLDER_FIELDS
  if (role === 'report_item') return REPORT_FIELDS
  return []
}

export const itemFieldPath = (id: string, key: string): string => `item/${id}/${key}`
export const indicatorFieldPath = (id: string, indicator: string, key: string): string => `item/${id}/indicator/${indicator}/${key}`
export const linkLabelPath = (id: string): string => `link/${id}/label`
export const itemFieldPrefix = (id: string): string => `item/${id}/`

function indicatorList (item: Item): Array<Record<string, unknown>> {
  const l = item.data?.indicators
  return Array.isArray(l) ? l.filter((x): x is never => typeof x === 'object' && x !== null) : []
}

/** The item's free-text fields as `[path, value]` ("" for a field not set); indicators without a valid id have none. */
export function itemFields (id: string, item: Item): Array<[string, string]> {
  const out: Array<[string, string]> = []
  for (const key of dataFields(item.role)) {
    const v = item.data?.[key]
    out.push([itemFieldPath(id, key), typeof v === 'string' ? v : ''])
  }
  for (const ind of indicatorList(item)) {
    if (typeof ind.id !== 'string' || !FIELD_ID.test(ind.id)) continue
    for (const key of INDICATOR_FIELDS) {
      const v = ind[key]
      out.push([indicatorFieldPath(id, ind.id, key), typeof v === 'string' ? v : ''])
    }
  }
  return out
}

/** The object stored in `items`: the item without its free-text fields. */
export function storedItem (item: Item): Item {
  const keys = dataFields(item.role)
  if (!item.data) return item
  const data: Record<string, unknown> = { ...item.data }
  for (const k of keys) delete data[k]
  if (Array.isArray(data.indicators)) {
    data.indicators = (data.indicators as Array<Record<string, unknown>>).map((ind) => {
      if (typeof ind !== 'object' || ind === null || typeof ind.id !== 'string' || !FIELD_ID.test(ind.id)) return ind
      const rest: Record<string, unknown> = { ...ind }
      for (const k of INDICATOR_FIELDS) delete rest[k]
      return rest
    })
  }
  const out: Item = { ...item, data: data as Item['data'] }
  if (Object.keys(data).length === 0) delete out.data
  return out
}

/**
 * The item with its free-text fields read from `fieldOf(path)` where it has a Y.Text
 * (empty `data` fields are left out, indicator fields are always set); plain strings of a
 * board not migrated yet are kept as they are.
 */
export function withFields (id: string, item: Item, fieldOf: (path: string) => string | undefined): Item {
  const keys = dataFields(item.role)
  const inds = item.data?.indicators
  if (!keys.length && !Array.isArray(inds)) return item
  const data: Record<string, unknown> = { ...item.data }
  for (const key of keys) {
    const v = fieldOf(itemFieldPath(id, key))
    if (v === undefined) continue
    if (v === '') delete data[key]
    else data[key] = v
  }
  if (Array.isArray(inds)) {
    data.indicators = (inds as unknown as Array<Record<string, unknown>>).map((ind) => {
      if (typeof ind !== 'object' || ind === null || typeof ind.id !== 'string' || !FIELD_ID.test(ind.id)) return ind
      const out: Record<string, unknown> = { ...ind }
      for (const key of INDICATOR_FIELDS) {
        const v = fieldOf(indicatorFieldPath(id, ind.id, key))
        if (v !== undefined) out[key] = v
      }
      return out
    })
  }
  const out: Item = { ...item, data: data as Item['data'] }
  if (Object.keys(data).length === 0) delete out.data
  return out
}

/** The link with its label read from `fieldOf` where it has a Y.Text (an empty label is left out). */
export function linkWithLabel (id: string, link: Link, fieldOf: (path: string) => string | undefined): Link {
  const v = fieldOf(linkLabelPath(id))
  if (v === undefined) return link
  const out: Link = { ...link }
  if (v === '') delete out.label
  else out.label = v
  return out
}
