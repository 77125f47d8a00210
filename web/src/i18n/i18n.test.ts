import { describe, expect, it as test } from 'vitest'
import { en } from './en'
import { it } from './it'
import { formatNumber, setLang, t, tCount, tDynamic } from './index'
import { ATTITUDES, BOARD_KINDS, QUADRANTS, REPORT_SECTIONS, RINGS, STAKEHOLDER_CATEGORIES, TOC_LEVELS, COLOR_NAMES, ITEM_TYPES } from '../model/schema'

describe('translation tables', () => {
  test('Italian and English have the same keys', () => {
    expect(Object.keys(en).sort()).toEqual(Object.keys(it).sort())
  })
  test('no message is empty, and placeholders match between languages', () => {
    const ph = (s: string) => (s.match(/\{\w+\}/g) ?? []).sort()
    for (const key of Object.keys(it) as Array<keyof typeof it>) {
      expect(it[key].trim(), key).not.toBe('')
      expect(en[key].trim(), key).not.toBe('')
      expect(ph(en[key]), key).toEqual(ph(it[key]))
    }
  })
  test('every schema value shown to users has a label', () => {
    const keys = [
      ...BOARD_KINDS.map((k) => `kind.${k}`), ...BOARD_KINDS.map((k) => `kindHelp.${k}`),
      ...TOC_LEVELS.map((k) => `role.${k}`), ...QUADRANTS.map((k) => `quadrant.${k}`),
      ...RINGS.map((k) => `ring.${k}`), ...ATTITUDES.map((k) => `attitude.${k}`),
      ...STAKEHOLDER_CATEGORIES.map((k) => `category.${k}`), ...REPORT_SECTIONS.map((k) => `section.${k}`),
      ...COLOR_NAMES.map((k) => `color.${k}`), ...ITEM_TYPES.map((k) => `type.${k}`),
      ...['stakeholder', 'effect', 'core_problem', 'cause', 'end', 'objective', 'means', 'assumption', 'report_item'].map((r) => `role.${r}`)
    ]
    for (const k of keys) expect(Object.keys(it), k).toContain(k)
  })
  test('switches language and fills placeholders', () => {
    setLang('en')
    expect(t('panel.many', { n: 3 })).toBe('3 items selected')
    expect(tDynamic('role.cause')).toBe('Cause')
    setLang('it')
    expect(t('panel.many', { n: 3 })).toBe('3 elementi selezionati')
    expect(tDynamic('role.nope', 'nope')).toBe('nope')
  })
  test('counts take the singular where the language does ("1 giorno", not "1 giorni")', () => {
    setLang('it')
    expect(tCount('invites.days', 1)).toBe('1 giorno')
    expect(tCount('invites.days', 7)).toBe('7 giorni')
    expect(tCount('close.done', 1)).toBe('Incontro chiuso: 1 istantanea salvata.')
    expect(tCount('close.done', 0)).toBe('Incontro chiuso: 0 istantanee salvate.')
    setLang('en')
    expect(tCount('vote.dots', 1)).toBe('1 dot')
    expect(tCount('vote.dots', 2)).toBe('2 dots')
    expect(formatNumber(0.875, 2)).toBe('0.88')
    setLang('it')
    expect(formatNumber(0.875, 2)).toBe('0,88')
  })

})
