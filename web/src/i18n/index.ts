// One translation table for every user-visible string. Italian by default; the choice is
// kept in localStorage and mirrored on <html lang>.

import { en } from './en'
import { it, type MessageKey } from './it'

export type { MessageKey }
export type Lang = 'it' | 'en'
export const LANGS: Lang[] = ['it', 'en']
const TABLES: Record<Lang, Record<MessageKey, string>> = { it, en }
const STORAGE_KEY = 'tavolo.lang'

let current: Lang = 'it'
const listeners = new Set<(lang: Lang) => void>()

function storage (): Storage | null {
  try { return typeof localStorage === 'undefined' ? null : localStorage } catch { return null }
}

/** Reads the saved language (default Italian) and applies it to the document. */
export function initLang (): Lang {
  const saved = storage()?.getItem(STORAGE_KEY)
  current = saved === 'en' ? 'en' : 'it'
  applyToDocument()
  return current
}

export function getLang (): Lang { return current }

export function setLang (lang: Lang): void {
  if (lang === current) return
  current = lang
  storage()?.setItem(STORAGE_KEY, lang)
  applyToDocument()
  for (const fn of listeners) fn(lang)
}

export function onLangChange (fn: (lang: Lang) => void): () => void {
  listeners.add(fn)
  return () => { listeners.delete(fn) }
}

function applyToDocument (): void {
  if (typeof document !== 'undefined') document.documentElement.lang = current
}

/** The message for `key` in the current language, with `{name}` placeholders filled. */
export function t (key: MessageKey, params?: Record<string, string | number>): string {
  return format(TABLES[current][key] ?? it[key] ?? key, params)
}

export function tIn (lang: Lang, key: MessageKey, params?: Record<string, string | number>): string {
  return format(TABLES[lang][key], params)
}

/** A number with `digits` decimals, written the way the current language writes it ("0,87" in Italian, as the exports do). */
export function formatNumber (n: number, digits = 0): string {
  return new Intl.NumberFormat(current === 'it' ? 'it-IT' : 'en-GB', { minimumFractionDigits: digits, maximumFractionDigits: digits }).format(n)
}

/**
 * A message that counts `n` things: its `.one` form (`vote.dots.one`) where the language
 * calls `n` singular (Intl.PluralRules: 1 in Italian and English), the plain form otherwise.
 */
export function tCount (key: MessageKey, n: number, params?: Record<string, string | number>): string {
  const one = `${key}.one`
  const table = TABLES[current] as Record<string, string>
  const singular = new Intl.PluralRules(current).select(n) === 'one' && one in table
  return format(singular ? table[one] : TABLES[current][key] ?? it[key] ?? key, { ...params, n })
}

/** A key built at run time (e.g. `role.${role}`), falling back to `fallback` when unknown. */
export function tDynamic (key: string, fallback = key, params?: Record<string, string | number>): string {
  const table = TABLES[current] as Record<string, string>
  return key in table ? format(table[key], params) : fallback
}

function format (s: string, params?: Record<string, string | number>): string {
  if (!params) return s
  return s.replace(/\{(\w+)\}/g, (m, k: string) => (k in params ? String(params[k]) : m))
}

export function messageTable (lang: Lang): Readonly<Record<MessageKey, string>> {
  return TABLES[lang]
}
