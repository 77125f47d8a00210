// Accessible names and labels of items and links: "role or type: text".

import { t, tDynamic } from '../i18n'
import type { Item, Link } from '../model/schema'

export function kindLabel (item: Item): string {
  if (item.role) return tDynamic(`role.${item.role}`, item.role)
  if (item.type === 'shape') return tDynamic(`shape.${item.shape ?? 'rect'}`, t('type.shape'))
  return tDynamic(`type.${item.type}`, item.type)
}

export function itemName (item: Item, text: string): string {
  const clean = text.replace(/\s+/g, ' ').trim()
  let name = t('item.name', { kind: kindLabel(item), text: clean ? clip(clean, 140) : t('item.empty') })
  if (item.data?.rewrite) name += ` (${t('item.rewrite')})`
  return name
}

export function linkName (link: Link, fromText: string, toText: string): string {
  const name = t('link.name', { from: clip(fromText || t('item.empty'), 60), to: clip(toText || t('item.empty'), 60) })
  return link.label ? `${name}: ${link.label}` : name
}

export function clip (s: string, n: number): string {
  return s.length > n ? s.slice(0, n - 1) + '…' : s
}
