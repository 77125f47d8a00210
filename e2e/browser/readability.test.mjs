// Issue 14, point 5: template boards readable at the default zoom on a laptop (1366×768)
// and a small screen (1024×640). For the facilitator and a participant, on a Theory of
// Change and a stakeholder map filled in as in a workshop, it measures what is on screen:
// the cards' text drawn at ≥ 11 CSS px when the board opens, the lane titles drawn, the
// bars above the canvas one row each, every control of the toolbar, the header and the
// meeting bar reachable (on screen, or brought there by scrolling its own strip) with no
// horizontal overflow of the page, the side panel collapsing (remembered) and coming
// back, its select boxes not cut off, and text still drawn at zooms where it is legible.
// Screenshots: e2e/artifacts/readability-*.png.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import path from 'node:path'

import { addPlenaryBoard, ARTIFACTS, axeProblems, facilitatorWithMeeting, joinMeeting, meetingSuite, newPage, onBoard, participantLink, waitFor } from './helpers.mjs'

const suite = meetingSuite()
const s = {}

const SIZES = [{ width: 1366, height: 768 }, { width: 1024, height: 640 }]
const sizeName = (v) => `${v.width}x${v.height}`

// What a group writes in an hour: a few cards in each ToC lane, stakeholders over the grid.
const TOC_CARDS = [
  ['input', 20, 40, 'Due educatori del Comune'], ['input', 20, 180, 'Locali della biblioteca'],
  ['activity', 320, 40, 'Laboratori di orientamento'], ['activity', 320, 180, 'Sportello per le famiglie'],
  ['output', 620, 40, '12 laboratori in un anno'], ['output', 620, 180, '200 colloqui'],
  ['outcome_short', 920, 40, 'I ragazzi conoscono le scuole'], ['outcome_mid', 1220, 40, 'Meno abbandoni al primo anno'],
  ['outcome_long', 1520, 40, 'Più diplomati nel quartiere']
]
const STAKEHOLDERS = [
  [80, 120, 'Ufficio scolastico regionale'], [420, 260, 'Fondazione bancaria'], [900, 100, 'Dirigenti scolastici'],
  [1250, 240, 'Associazione genitori'], [200, 700, 'Parrocchia'], [600, 860, 'Commercianti di via Roma'],
  [1000, 640, 'Centro per l\'impiego'], [1300, 900, 'Consulta dei giovani']
]

test('a meeting with a Theory of Change and a stakeholder map, filled in, and a participant', async () => {
  const fac = await newPage(suite.browser, suite.server.url)
  s.fac = fac
  s.session = await facilitatorWithMeeting(fac, suite.server.setupUrl, { workspace: 'Politiche giovanili', title: 'Incontro 3: teoria del cambiamento', date: '2026-12-02' })
  s.toc = await addPlenaryBoard(fac, 'theory_of_change', 'Teoria del cambiamento del progetto')
  s.map = await addPlenaryBoard(fac, 'stakeholder_map', 'Chi conta nel quartiere')
  // a running timer, as in a real session: the meeting bar carries it
  await fac.fill('.timer-controls input[name="minutes"]', '20')
  await fac.click('[data-action="timer-start"]')
  s.link = await participantLink(fac)
  for (const [board, cards] of [[s.toc, TOC_CARDS.map(([role, x, y, text]) => ({ role, x, y, text, w: 220, h: 100, color: 'blue' }))],
    [s.map, STAKEHOLDERS.map(([x, y, text]) => ({ role: 'stakeholder', x, y, text, w: 200, h: 110, color: 'blue' }))]]) {
    await fac.goto(`/s/${s.session}/b/${board}`)
    await onBoard(fac, board)
    await waitFor(() => fac.evaluate(() => !!window.tavolo.board.getMeta()?.template), 10_000, 'template')
    await fac.evaluate((cards) => {
      const b = window.tavolo.board
      const Z = '123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ'
      cards.forEach((c, i) => b.addItem(`c${i}`, { type: 'card', role: c.role, x: c.x, y: c.y, w: c.w, h: c.h, color: c.color, z: `a${Z[i]}` }, c.text))
    }, cards)
    await waitFor(() => fac.evaluate((n) => window.tavolo.board.items.size >= n, cards.length), 10_000, 'cards written')
  }
  const anna = await newPage(suite.browser, suite.server.url)
  s.anna = anna
  await joinMeeting(anna, s.link, 'Anna Partecipante', s.session)
  await anna.waitForSelector('.canvas', { timeout: 15_000 })
})

/** Opens `board` as `who` at `size`, from the start (a fresh page load). */
async function openAt (who, page, board, size) {
  await page.setViewportSize(size)
  if (who === 'fac') {
    await page.goto(`/s/${s.session}/b/${board}`)
  } else {
    await page.goto(`/s/${s.session}`)
    await page.waitForSelector(`.meeting-bar [data-board="${board}"]`, { timeout: 15_000 })
    // the tab may be scrolled out of its strip: bring it in, as a person would
    await page.evaluate((id) => document.querySelector(`.meeting-bar [data-board="${id}"]`).scrollIntoView({ block: 'nearest', inline: 'nearest' }), board)
    await page.click(`.meeting-bar [data-board="${board}"]`)
  }
  await onBoard(page, board)
  await waitFor(() => page.evaluate(() => window.tavolo.board.items.size >= 8), 10_000, 'the cards')
  // two frames: the first fit and the culled scene are on screen
  await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))))
  await page.waitForTimeout(200)
}

/** The cards on screen with text: the size their text is drawn at (CSS px), and whether it is drawn. */
function cardsOnScreen (page) {
  return page.evaluate(() => {
    const canvas = document.querySelector('.canvas').getBoundingClientRect()
    const out = []
    for (const g of document.querySelectorAll('.scene .items .item')) {
      const text = g.querySelector('.it-text:not(.it-placeholder)')
      const fo = g.querySelector('foreignObject')
      if (!text || !fo || !text.textContent.trim()) continue
      const r = g.getBoundingClientRect()
      // at least half the card inside the canvas
      const w = Math.max(0, Math.min(r.right, canvas.right) - Math.max(r.left, canvas.left))
      const h = Math.max(0, Math.min(r.bottom, canvas.bottom) - Math.max(r.top, canvas.top))
      if (w * h < 0.5 * r.width * r.height) continue
      const drawn = getComputedStyle(fo).display !== 'none' && text.getBoundingClientRect().height > 0
      const px = parseFloat(getComputedStyle(text).fontSize) * fo.getScreenCTM().a
      out.push({ text: text.textContent, px: Math.round(px * 10) / 10, drawn })
    }
    return out
  })
}

/** Every button, link and field of the page's bars and toolbar that a person cannot reach. */
function unreachable (page) {
  return page.evaluate(async () => {
    const bad = []
    const controls = document.querySelectorAll('.meeting-bar button, .meeting-bar a, .board-head button, .board-head a, .board-head input, .board-head summary, .toolbar button, .view-controls button, .side-toggle')
    for (const el of controls) {
      if (el.closest('[hidden]') || el.closest('.sr-only')) continue
      const menu = el.closest('details')
      const opener = menu?.querySelector(':scope > summary')
      if (menu && opener && el !== opener) {
        // in a menu (the export menu): opening it from its summary shows the control on screen
        const wasOpen = menu.open
        if (!wasOpen) { opener.click(); await new Promise((resolve) => requestAnimationFrame(resolve)) }
        const r = el.getBoundingClientRect()
        const ok = r.width > 0 && r.height > 0 && r.left >= 0 && r.right <= innerWidth + 0.5 && r.top >= 0 && r.bottom <= innerHeight + 0.5
        if (!ok) bad.push(`${el.textContent.trim() || el.getAttribute('aria-label')}: not on screen with its menu open`)
        if (!wasOpen) { opener.click(); await new Promise((resolve) => requestAnimationFrame(resolve)) }
        continue
      }
      el.scrollIntoView({ block: 'nearest', inline: 'nearest' })
      const r = el.getBoundingClientRect()
      const cx = r.left + r.width / 2
      const cy = r.top + r.height / 2
      const inView = r.width > 0 && r.height > 0 && r.left >= -0.5 && r.right <= innerWidth + 0.5 && r.top >= -0.5 && r.bottom <= innerHeight + 0.5
      const hit = inView ? document.elementFromPoint(cx, cy) : null
      if (!inView || !hit || !(el === hit || el.contains(hit) || hit.contains(el))) {
        bad.push(`${(el.getAttribute('aria-label') || el.textContent || el.outerHTML).trim().slice(0, 60)} at ${Math.round(r.left)},${Math.round(r.top)} ${Math.round(r.width)}×${Math.round(r.height)}`)
      }
    }
    // scrolling strips back where they were
    for (const strip of document.querySelectorAll('.toolbar, .mb-boards')) strip.scrollTo(0, 0)
    return bad
  })
}

/** Heights of the bars above the board body, and what overflows the page sideways. */
function layout (page) {
  return page.evaluate(() => {
    const h = (sel) => { const e = document.querySelector(sel); return e ? Math.round(e.getBoundingClientRect().height) : 0 }
    const body = document.querySelector('.board-body').getBoundingClientRect()
    return {
      meetingBar: h('.meeting-bar'),
      header: h('.board-head'),
      aboveCanvas: Math.round(body.top),
      pageScrollWidth: document.documentElement.scrollWidth,
      viewport: innerWidth,
      currentTab: (() => {
        const tab = document.querySelector('.mb-board[aria-current="page"]')
        if (!tab) return 'none'
        const a = tab.getBoundingClientRect()
        const b = tab.closest('.mb-boards').getBoundingClientRect()
        return a.left >= b.left - 0.5 && a.right <= b.right + 0.5 ? 'in its strip' : `cut: ${Math.round(a.left)}-${Math.round(a.right)} in ${Math.round(b.left)}-${Math.round(b.right)}`
      })(),
      toolbarHidden: (() => { const tb = document.querySelector('.toolbar'); return tb.scrollHeight - tb.clientHeight })()
    }
  })
}

for (const size of SIZES) {
  for (const who of ['fac', 'anna']) {
    for (const which of ['toc', 'map']) {
      test(`${sizeName(size)}, ${who === 'fac' ? 'facilitator' : 'participant'}, ${which === 'toc' ? 'Theory of Change' : 'stakeholder map'}: readable on opening, every control reachable`, async () => {
        const page = s[who]
        await openAt(who, page, s[which], size)
        const zoom = await page.evaluate(() => window.tavolo.editor.camera.zoom)
        const cards = await cardsOnScreen(page)
        const file = path.join(ARTIFACTS, `readability-${which}-${who}-${sizeName(size)}.png`)
        await page.screenshot({ path: file })
        // fewer cards fit on the smaller screen (its canvas is about 670×550 px beside the panel)
        const least = size.width >= 1366 ? 3 : 2
        assert.ok(cards.length >= least, `at least ${least} cards with text on screen at zoom ${zoom}: ${JSON.stringify(cards)}`)
        for (const c of cards) {
          assert.ok(c.drawn, `text drawn: ${JSON.stringify(c)} at zoom ${zoom}`)
          assert.ok(c.px >= 11, `text at ≥ 11 CSS px: ${JSON.stringify(c)} at zoom ${zoom}`)
        }
        // the zoom control says the zoom the board opened at
        await waitFor(async () => (await page.locator('.zoom-level').textContent({ timeout: 2000 })) === `${Math.round(zoom * 100)}%`, 5000, 'the zoom level shown')
        if (which === 'toc') {
          // the lane titles are drawn, and at a readable size
          const lanes = await page.evaluate(() => [...document.querySelectorAll('.scene .bg-lanes .lane-title')].map((el) => {
            const r = el.getBoundingClientRect()
            return { text: el.textContent, h: r.height, px: parseFloat(getComputedStyle(el).fontSize) * el.closest('foreignObject').getScreenCTM().a }
          }))
          assert.ok(lanes.filter((l) => l.h > 0 && l.px >= 11).length >= 3, `lane titles drawn: ${JSON.stringify(lanes)}`)
        }
        const l = await layout(page)
        assert.ok(l.meetingBar > 0 && l.meetingBar <= 48, `the meeting bar is one row: ${JSON.stringify(l)}`)
        assert.ok(l.header <= 56, `the board's header is one row: ${JSON.stringify(l)}`)
        assert.ok(l.aboveCanvas <= 110, `at most 110 px of bars above the canvas: ${JSON.stringify(l)}`)
        assert.equal(l.currentTab, 'in its strip', 'the current board\'s tab is shown whole')
        assert.ok(l.pageScrollWidth <= l.viewport, `nothing overflows the page sideways: ${JSON.stringify(l)}`)
        // on the laptop the whole toolbar is on screen; on the small screen it may scroll
        if (size.width >= 1366) assert.ok(l.toolbarHidden <= 0, `the toolbar fits without scrolling: ${JSON.stringify(l)}`)
        assert.deepEqual(await unreachable(page), [], 'every control is reachable')
        assert.deepEqual(page.errors, [])
      })
    }
  }

  test(`${sizeName(size)}: the side panel collapses, is remembered, comes back; its fields fit; text is drawn while legible`, async () => {
    const page = s.fac
    await openAt('fac', page, s.map, size)
    // the select boxes of a stakeholder's properties are not cut off
    await page.evaluate(() => window.tavolo.editor.setSelection(['c0']))
    await page.waitForSelector('.inspector[data-item="c0"] select')
    const cut = await page.evaluate(() => {
      const side = document.querySelector('aside.side')
      const right = side.getBoundingClientRect().left + side.clientWidth
      return [...side.querySelectorAll('select, input, button')].filter((e) => e.getBoundingClientRect().width > 0)
        .map((e) => ({ name: e.name || e.textContent.trim(), right: e.getBoundingClientRect().right }))
        .filter((e) => e.right > right + 0.5).map((e) => `${e.name} ends at ${Math.round(e.right)} > ${Math.round(right)}`)
    })
    assert.deepEqual(cut, [], 'the side panel\'s fields fit in it')
    await page.screenshot({ path: path.join(ARTIFACTS, `readability-panel-${sizeName(size)}.png`) })

    const toggle = page.locator('.side-toggle')
    assert.equal(await toggle.getAttribute('aria-expanded'), 'true')
    const wide = await page.evaluate(() => window.tavolo.editor.size.w)
    // by keyboard: the toggle takes focus and Enter collapses the panel
    await toggle.focus()
    await page.keyboard.press('Enter')
    await waitFor(async () => (await toggle.getAttribute('aria-expanded')) === 'false', 5000, 'collapsed')
    await waitFor(async () => (await page.evaluate(() => window.tavolo.editor.size.w)) > wide + 150, 5000, 'the canvas takes the freed width')
    assert.equal(await page.locator('.inspector').count(), 0, 'the properties are hidden')
    assert.ok(await page.evaluate(() => document.activeElement?.classList.contains('side-toggle')), 'focus stays on the toggle')
    await page.screenshot({ path: path.join(ARTIFACTS, `readability-collapsed-${sizeName(size)}.png`) })
    // remembered by this browser
    await openAt('fac', page, s.map, size)
    assert.equal(await page.locator('.side-toggle').getAttribute('aria-expanded'), 'false', 'still collapsed after a reload')
    await page.click('.side-toggle')
    await waitFor(async () => (await page.locator('.side-toggle').getAttribute('aria-expanded')) === 'true', 5000, 'expanded')
    await page.waitForSelector('.inspector')

    // text stays drawn while it would be legible (≥ 4 px), and gives way to a placeholder below
    await page.evaluate(() => window.tavolo.editor.setCamera({ x: -50, y: -50, zoom: 0.27 }))
    await page.waitForTimeout(100)
    const small = await cardsOnScreen(page)
    assert.ok(small.length >= 3 && small.every((c) => c.drawn && c.px >= 4), `text drawn at zoom 0.27: ${JSON.stringify(small)}`)
    await page.evaluate(() => window.tavolo.editor.setCamera({ x: -400, y: -400, zoom: 0.12 }))
    await page.waitForTimeout(100)
    const tiny = await cardsOnScreen(page)
    assert.ok(tiny.length >= 3 && tiny.every((c) => !c.drawn), `text too small to read is not drawn: ${JSON.stringify(tiny)}`)
    const lines = await page.locator('.scene.low-detail .item .lod-text').count()
    assert.ok(lines >= 3, `a placeholder for the text of each card: ${lines}`)
    await page.screenshot({ path: path.join(ARTIFACTS, `readability-far-${sizeName(size)}.png`) })
    assert.deepEqual(await axeProblems(page), [])
    assert.deepEqual(page.errors, [])
  })
}
