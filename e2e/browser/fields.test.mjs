// Issue 14, point 1: the side panel's free-text fields merge concurrent typing the way a
// note's own text does. Three people (three browser contexts) type into the same field of
// the same item at the same time — a stakeholder's notes, an indicator's name, a reporting
// item's audience, a link's label, the board's title — at 1366x768 and at 1024x640. Each
// person's words must come out whole (no interleaved characters) and none may be lost, in
// every browser and in what the server exports (Markdown, CSV, `tavolo board-json`).

import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'

import { addCard, boardJSON, dragBoard, openBoard, placeWithTool, screenshot, serverBinary, setCamera, setupSuite, toPage, uniqueBoard, waitFor } from './helpers.mjs'

const run = promisify(execFile)
let suite
before(async () => { suite = await setupSuite() })
after(async () => { await suite?.cleanup.run() })

const VIEWPORTS = [{ width: 1366, height: 768 }, { width: 1024, height: 640 }]
const PEOPLE = ['Anna', 'Bruno', 'Carla']
// letters and spaces only, so that every export shows them as they are
const PHRASES = ['Anna firma la convenzione del Liceo ', 'Bruno porta i dati del consultorio ', 'Carla scrive il verbale entro venerdì ']

async function people (viewport) {
  return Promise.all(PEOPLE.map((name) => suite.user(name, { viewport })))
}

/** Opens the board in every context: the first creates it as a `kind` board. */
async function openAll (ps, board, kind, title) {
  await openBoard(ps[0].page, board, { kind, title })
  await Promise.all(ps.slice(1).map((p) => openBoard(p.page, board)))
  for (const p of ps) await setCamera(p.page, -40, -120, 0.5)
}

/** Selects an item by clicking it on the canvas, once everyone has it. */
async function selectItem (page, id) {
  await waitFor(() => page.evaluate((id) => !!window.tavolo.board.getItem(id), id), 10_000, 'the item arrived')
  const it = (await boardJSON(page)).items[id]
  const p = await toPage(page, { x: it.x + it.w / 2, y: it.y + it.h / 2 })
  await page.click('.toolbar [data-tool="select"]')
  await page.mouse.click(p.x, p.y)
  await page.waitForSelector(`.inspector[data-item="${id}"]`)
}

/**
 * Everyone focuses `selector` (an empty field), then all type their phrase at once, key by
 * key. Returns the field's final value, once every browser shows the same.
 */
async function typeTogether (ps, selector, name) {
  for (const p of ps) {
    await p.page.waitForSelector(`${selector}:not([disabled])`)
    await p.page.click(selector)
  }
  await Promise.all(ps.map((p, i) => p.page.keyboard.type(PHRASES[i], { delay: 15 + 7 * i })))
  let values = []
  await waitFor(async () => {
    values = await Promise.all(ps.map((p) => p.page.inputValue(selector)))
    return values.every((v) => v === values[0]) && values[0].length >= PHRASES.join('').length
  }, 15_000, () => `the browsers do not agree on ${name}: ${JSON.stringify(values)}`)
  for (const p of ps) await screenshot(p.page, `fields-${name}-${p.page.viewportSize().width}-${PEOPLE[ps.indexOf(p)]}`)
  return values[0]
}

/** Each person's phrase is in `text` whole, and nothing else is: no interleaving, nothing lost. */
function assertWhole (text, what) {
  for (const phrase of PHRASES) assert.ok(text.includes(phrase.trim()), `${what}: "${phrase.trim()}" is not whole in ${JSON.stringify(text)}`)
  assert.equal(text.length, PHRASES.join('').length, `${what}: ${JSON.stringify(text)} has characters lost or added`)
}

async function exported (board, format) {
  const res = await fetch(`${suite.server.url}/api/boards/${board}/export/${format}`)
  assert.equal(res.status, 200, `${format} export`)
  return res.text()
}

async function rustReading (board) {
  const args = ['board-json', board, '--data-dir', suite.dataDir]
  if (process.env.E2E_DATABASE_URL) args.push('--database-url', process.env.E2E_DATABASE_URL)
  return JSON.parse((await run(serverBinary(), args, { timeout: 20_000 })).stdout)
}

/** The value as every browser's board and the server read it, each checked whole. */
async function checkEverywhere (ps, board, read, exports) {
  for (const p of ps) assertWhole(read(await boardJSON(p.page)), `${PEOPLE[ps.indexOf(p)]}'s board`)
  let rust
  await waitFor(async () => {
    rust = read(await rustReading(board))
    return rust?.length === PHRASES.join('').length
  }, 15_000, () => `the server's reading: ${JSON.stringify(rust)}`)
  assertWhole(rust, 'tavolo board-json')
  for (const format of exports) {
    const body = await exported(board, format)
    for (const phrase of PHRASES) assert.ok(body.includes(phrase.trim()), `the ${format} export lacks "${phrase.trim()}" whole:\n${body}`)
  }
}

for (const viewport of VIEWPORTS) {
  const size = `${viewport.width}x${viewport.height}`

  test(`${size}: three people typing in one stakeholder's notes at once`, async () => {
    const ps = await people(viewport)
    try {
      const board = uniqueBoard('fields-notes')
      await openAll(ps, board, 'stakeholder_map', 'Mappa')
      const id = await addCard(ps[0].page, 'stakeholder', 600, 500, 'Liceo Galilei')
      for (const p of ps) await selectItem(p.page, id)
      const text = await typeTogether(ps, '.inspector textarea[data-field="notes"]', 'notes')
      assertWhole(text, 'the notes field')
      await checkEverywhere(ps, board, (j) => j.items[id]?.data?.notes ?? '', ['md', 'csv'])
    } finally { await Promise.all(ps.map((p) => p.context.close())) }
  })

  test(`${size}: three people typing in one indicator's name at once`, async () => {
    const ps = await people(viewport)
    try {
      const board = uniqueBoard('fields-indicator')
      await openAll(ps, board, 'theory_of_change', 'Teoria')
      const id = await addCard(ps[0].page, 'activity', 750, 300, 'Persone raggiunte')
      for (const p of ps) await selectItem(p.page, id)
      await ps[0].page.click('.inspector .indicators > button')
      const text = await typeTogether(ps, '.inspector .indicator input[data-field="name"]', 'indicator')
      assertWhole(text, 'the indicator name')
      await checkEverywhere(ps, board, (j) => j.items[id]?.data?.indicators?.[0]?.name ?? '', ['md', 'csv'])
    } finally { await Promise.all(ps.map((p) => p.context.close())) }
  })

  test(`${size}: three people typing in one reporting item's audience at once`, async () => {
    const ps = await people(viewport)
    try {
      const board = uniqueBoard('fields-report')
      await openAll(ps, board, 'social_report', 'Bilancio')
      const id = await addCard(ps[0].page, 'report_item', 250, 600, 'Persone raggiunte dallo sportello')
      for (const p of ps) await selectItem(p.page, id)
      const text = await typeTogether(ps, '.inspector input[data-field="audience"]', 'report')
      assertWhole(text, 'the audience field')
      await checkEverywhere(ps, board, (j) => j.items[id]?.data?.audience ?? '', ['md', 'csv'])
    } finally { await Promise.all(ps.map((p) => p.context.close())) }
  })

  test(`${size}: three people typing in one link's label at once`, async () => {
    const ps = await people(viewport)
    try {
      const board = uniqueBoard('fields-label')
      await openAll(ps, board, 'stakeholder_map', 'Relazioni')
      const a = await addCard(ps[0].page, 'stakeholder', 400, 500, 'Comune')
      const b = await addCard(ps[0].page, 'stakeholder', 1000, 500, 'Cooperativa')
      await ps[0].page.click('.toolbar [data-tool="connector"]')
      await dragBoard(ps[0].page, { x: 400, y: 500 }, { x: 1000, y: 500 })
      const [lid] = Object.keys((await boardJSON(ps[0].page)).links)
      assert.ok(lid, 'a link was drawn')
      for (const p of ps) {
        await waitFor(() => p.page.evaluate((lid) => window.tavolo.board.links.has(lid), lid), 10_000, 'the link arrived')
        await p.page.click('.toolbar [data-tool="select"]')
        await p.page.evaluate((lid) => window.tavolo.editor.selectLink(lid), lid)
        await p.page.waitForSelector('.inspector label.field input')
      }
      const text = await typeTogether(ps, '.inspector label.field input', 'label')
      assertWhole(text, 'the link label')
      await checkEverywhere(ps, board, (j) => j.links[lid]?.label ?? '', ['md'])
    } finally { await Promise.all(ps.map((p) => p.context.close())) }
  })

  test(`${size}: three people typing in the board's title at once`, async () => {
    const ps = await people(viewport)
    try {
      const board = uniqueBoard('fields-title')
      await openAll(ps, board, 'free', '')
      // the title starts empty: clear what the new board was given
      await ps[0].page.fill('.title-field input', '')
      await ps[0].page.keyboard.press('Enter')
      for (const p of ps) await waitFor(async () => (await p.page.inputValue('.title-field input')) === '', 10_000, 'an empty title')
      const text = await typeTogether(ps, '.title-field input', 'title')
      // the title is written when the field is left, on the old client
      for (const p of ps) await p.page.keyboard.press('Tab')
      assertWhole(text, 'the title')
      await checkEverywhere(ps, board, (j) => j.meta.title, ['json'])
    } finally { await Promise.all(ps.map((p) => p.context.close())) }
  })
}
