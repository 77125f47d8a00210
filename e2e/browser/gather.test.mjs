// Issue 14, point 3, end to end in Chromium: gathering keeps the method. A facilitator and
// two participants, each in their own browser context, against the real server: two groups
// with the Theory of Change template, each participant writes a card in a lane of their
// group's board, the facilitator calls everyone back and gathers. Everyone lands on a
// Theory of Change (not a free board): every group's lanes are drawn, each group sits in a
// frame titled with its name, a card written on the gathered board in a group's lane gets
// that lane's level in the other participant's browser, and the board's CSV lists the
// groups' cards by level with their group. The console's side-by-side gallery exports the
// groups' boards as one PDF (pictures, then their tables as text).

import { test } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import { execFileSync } from 'node:child_process'

import { addCard, addPlenaryBoard, ARTIFACTS, facilitatorWithMeeting, joinMeeting, meetingSuite, newPage, onBoard, participantLink, screenshot, setCamera, waitFor } from './helpers.mjs'

const PEOPLE = ['Anna', 'Bruno']

const suite = meetingSuite()
const pages = {}
const s = {}

const view = (page) => page.evaluate(() => window.tavoloControl?.view ?? null)
const board = (page) => page.evaluate(() => window.tavolo.board.toJSON())

test('two Theory of Change groups write in their lanes', async () => {
  const fac = await newPage(suite.browser, suite.server.url)
  pages.fac = fac
  s.session = await facilitatorWithMeeting(fac, suite.server.setupUrl, { workspace: 'Tavolo giovani', title: 'Incontro 2: il cambiamento', date: '2026-12-09' })
  await addPlenaryBoard(fac, 'free', 'Benvenuti')
  const link = await participantLink(fac)
  await Promise.all(PEOPLE.map(async (name) => {
    pages[name] = await newPage(suite.browser, suite.server.url)
    await joinMeeting(pages[name], link, name, s.session)
  }))
  await waitFor(async () => (await view(fac))?.members.filter((m) => m.role === 'participant').length === 2, 10_000, 'both joined')
  await fac.fill('.spawn-form input[name="groups"]', '2')
  await fac.selectOption('.spawn-form select[name="kind"]', 'theory_of_change')
  await fac.click('[data-action="spawn"]')
  await fac.waitForSelector('.group-col[data-group]:not([data-group=""])')
  await fac.click('[data-action="start"]')
  const v = await view(fac)
  s.groups = v.state.groups
  const boardOfGroup = (g) => v.rooms.find((r) => r.id === g).boards[0].id
  s.groupOf = Object.fromEntries(PEOPLE.map((n) => [n, v.members.find((m) => m.name === n).group]))
  assert.notEqual(s.groupOf.Anna, s.groupOf.Bruno, 'one in each group')
  await Promise.all(PEOPLE.map(async (name) => {
    const page = pages[name]
    await onBoard(page, boardOfGroup(s.groupOf[name]), `${name} on their group's board`)
    await waitFor(() => page.evaluate(() => window.tavolo.board.getMeta()?.kind === 'theory_of_change'), 10_000, 'a Theory of Change')
    await setCamera(page, 0, 0, 0.5)
  }))
  // Anna an activity (lane 300..600), Bruno an output (lane 600..900)
  await addCard(pages.Anna, 'activity', 450, 300, 'Laboratori nelle scuole')
  await addCard(pages.Bruno, 'output', 750, 300, 'Sportello aperto il sabato')
})

test('gathering gives a Theory of Change: every group in its titled frame, lanes and levels kept', async () => {
  const fac = pages.fac
  await fac.click('[data-action="end"]')
  await fac.click('[data-action="gather"]')
  await fac.waitForSelector('[data-action="open-gathered"]')
  s.gathered = (await view(fac)).state.gathered
  assert.ok(s.gathered)
  await Promise.all(PEOPLE.map((n) => onBoard(pages[n], s.gathered, `${n} on the gathered board`)))
  const anna = pages.Anna
  const got = await board(anna)
  assert.equal(got.meta.kind, 'theory_of_change', 'the template is kept')
  assert.equal(got.meta.template.lanes.length, 14, 'seven lanes per group')
  // every group's lanes are drawn inside its frame, with their titles (over the frame's
  // fill, so they read as on the group's board): seen whole (a board opens at a readable
  // zoom from its top-left, where only the first group shows)
  await setCamera(anna, -100, -300, 0.2)
  for (const f of ['g1-frame', 'g2-frame']) {
    await anna.waitForSelector(`[data-id="${f}"] .frame-bg .bg-lanes`)
    assert.equal(await anna.locator(`[data-id="${f}"] .frame-bg .lane-title`).count(), 7, f)
    assert.equal(await anna.locator(`[data-id="${f}"] .frame-bg .lane-title`, { hasText: 'Attività' }).count(), 1, f)
  }
  // one frame per group, titled with the group's name
  const frames = Object.values(got.items).filter((i) => i.type === 'frame')
  assert.deepEqual(frames.map((f) => f.text).sort(), ['Gruppo 1 — Teoria del cambiamento', 'Gruppo 2 — Teoria del cambiamento'])
  const titles = await anna.locator('.frame-title').allTextContents()
  assert.ok(titles.includes('Gruppo 1 — Teoria del cambiamento') && titles.includes('Gruppo 2 — Teoria del cambiamento'), `${titles}`)
  // both groups' cards, kept in their lanes (their roles follow the lane under them)
  const card = (b, text) => Object.values(b.items).find((i) => i.text === text)
  assert.equal(card(got, 'Laboratori nelle scuole')?.role, 'activity')
  assert.equal(card(got, 'Sportello aperto il sabato')?.role, 'output')

  // Bruno writes an impact in the second group's impact lane on the gathered board; Anna
  // sees it, and it is an impact there too
  const impactLanes = got.meta.template.lanes.filter((l) => l.level === 'impact')
  const second = impactLanes.reduce((a, b) => (b.x > a.x ? b : a))
  await setCamera(pages.Bruno, second.x - 1800, 0, 0.4)
  await addCard(pages.Bruno, 'impact', second.x + second.w / 2, 600, 'Un quartiere che si parla')
  await waitFor(async () => card(await board(anna), 'Un quartiere che si parla')?.role === 'impact', 10_000, 'Anna sees the new impact')

  // the facilitator sees it whole; a look at 1366×768
  await fac.click('[data-action="open-gathered"]')
  await onBoard(fac, s.gathered, 'the facilitator on the gathered board')
  await setCamera(fac, -100, -300, 0.2)
  await fac.waitForTimeout(300)
  await screenshot(fac, 'gather-theory-of-change')
  await setCamera(fac, -100, -200, 0.5)
  await fac.waitForTimeout(300)
  await screenshot(fac, 'gather-theory-of-change-close')
  // the exported picture draws each group's lanes inside its frame, as the browser does
  const png = await fac.evaluate(async (id) => {
    const r = await fetch(`/api/boards/${id}/export/png`)
    return r.ok ? Array.from(new Uint8Array(await r.arrayBuffer())) : []
  }, s.gathered)
  assert.ok(png.length > 1000, 'a PNG')
  fs.writeFileSync(`${ARTIFACTS}/gather-theory-of-change-export.png`, Buffer.from(png))
})

test("the gathered board's CSV lists the groups' cards by level, with their group", async () => {
  const csv = await pages.fac.evaluate(async (id) => {
    const r = await fetch(`/api/boards/${id}/export/csv`)
    return r.ok ? r.text() : `HTTP ${r.status}`
  }, s.gathered)
  const rows = csv.replace(/^\uFEFF/, '').split('\r\n').filter(Boolean).map((l) => l.split(';'))
  assert.deepEqual(rows[0].slice(0, 3), ['Livello', 'Gruppo', 'Elemento'])
  const cards = rows.slice(1).filter((r) => r[2]).map((r) => r.slice(0, 3))
  const group = (name) => (s.groupOf[name] === s.groups[0] ? 'Gruppo 1' : 'Gruppo 2') + ' — Teoria del cambiamento'
  assert.deepEqual(cards, [
    ['Attività', group('Anna'), 'Laboratori nelle scuole'],
    ['Realizzazioni (output)', group('Bruno'), 'Sportello aperto il sabato'],
    ['Impatto', 'Gruppo 2 — Teoria del cambiamento', 'Un quartiere che si parla']
  ], csv)
})

test("the console's gallery of the groups' boards exports as one PDF", async () => {
  const fac = pages.fac
  await fac.click('.fac-actions a.button-link')
  await fac.waitForSelector('.console')
  await fac.click('[data-action="gallery"]')
  await fac.waitForSelector('[data-action="export-gallery"]')
  const [download] = await Promise.all([
    fac.waitForEvent('download'),
    fac.click('[data-action="export-gallery"]')
  ])
  assert.match(download.suggestedFilename(), /^gruppi-.*\.pdf$/)
  const file = await download.path()
  const pdf = fs.readFileSync(file)
  assert.equal(pdf.subarray(0, 5).toString(), '%PDF-')
  // a page per group board, then their tables as text
  const info = execFileSync('pdfinfo', [file]).toString()
  assert.equal(Number(/Pages:\s+(\d+)/.exec(info)?.[1]), 3, info)
  const text = execFileSync('pdftotext', [file, '-']).toString()
  for (const t of ['Laboratori nelle scuole', 'Sportello aperto il sabato', 'i gruppi a confronto']) assert.ok(text.includes(t), `${t} in the gallery PDF`)
  for (const p of Object.values(pages)) assert.deepEqual(p.errors, [])
})
