// Issue 14, points 4 and 8, in Chromium against the real server: a facilitator (console
// at 1366x768) and two participants (Anna at 1366x768, Bruno at 1024x640), each in their
// own browser context.
//
// Point 4: the facilitator opens a dot vote, the participants place their dots, the vote
// closes, and everyone still sees the counts on the items (grey badges) and the ranked
// results in the side panel; the console lists the closed vote ranked, with downloads; the
// facilitator (on the board, in a second tab) hides the counts and shows them again, on
// their own screen only.
// Point 8: the facilitator sends a broadcast, replaces it, withdraws it, and it leaves the
// participants' screens live.
// axe runs on each new state; screenshots go to e2e/artifacts/votes-*.png.

import { test } from 'node:test'
import assert from 'node:assert/strict'

import { addPlenaryBoard, addSticky, axeProblems, facilitatorWithMeeting, joinMeeting, meetingSuite, newPage, onBoard, participantLink, screenshot, setCamera, waitFor } from './helpers.mjs'


const suite = meetingSuite()
let fac
let facBoard
let anna
let bruno
const s = {}

const person = (width, height) => newPage(suite.browser, suite.server.url, { width, height })

/** A sticky note through the toolbar at board point (x, y), seen at zoom 0.5; returns its id. */
async function sticky (page, x, y, text) {
  await setCamera(page, 0, 0, 0.5)
  return addSticky(page, x, y, text)
}

/** Gives a dot to `item` with the side panel's + button (the keyboard alternative). */
async function dot (page, item, leftAfter) {
  await page.click(`.vote-panel .tally li[data-item="${item}"] .tally-actions button >> nth=0`)
  await page.waitForSelector(`.vote-panel [data-dots-left="${leftAfter}"]`, { timeout: 10_000 })
}

test('a facilitator, a meeting with a free board, two participants on it with three notes', async () => {
  fac = await person(1366, 768)
  s.session = await facilitatorWithMeeting(fac, suite.server.setupUrl, { workspace: 'Tavolo quartiere', title: 'Incontro 3: le priorità', date: '2026-12-03' })
  s.board = await addPlenaryBoard(fac, 'free', 'Idee per il quartiere')
  s.link = await participantLink(fac)
  // before any vote is closed, the console says there are no results yet
  await fac.waitForSelector('.vote-results-panel [data-results="none"]')

  anna = await person(1366, 768)
  bruno = await person(1024, 640)
  for (const [page, name] of [[anna, 'Anna'], [bruno, 'Bruno']]) {
    await joinMeeting(page, s.link, name, s.session)
    await onBoard(page, s.board, `${name} on the board`)
  }
  s.orti = await sticky(anna, 200, 200, 'Orti urbani')
  s.panchine = await sticky(anna, 500, 200, 'Panchine al parco')
  s.luce = await sticky(anna, 800, 200, 'Luce in via Roma')
  await waitFor(() => bruno.evaluate(() => window.tavolo.board.items.size === 3), 10_000, 'Bruno sees the three notes')
})

test('a closed vote keeps its counts on the items, in the side panel and in the console', async () => {
  const row = `.board-row[data-board="${s.board}"]`
  await fac.fill(`${row} .vote-control input`, '3')
  await fac.click(`${row} [data-action="vote-open"]`)
  await anna.waitForSelector('.vote-panel [data-dots-left="3"]', { timeout: 10_000 })
  await bruno.waitForSelector('.vote-panel [data-dots-left="3"]', { timeout: 10_000 })
  await dot(anna, s.orti, 2)
  await dot(anna, s.orti, 1)
  await dot(anna, s.panchine, 0)
  await dot(bruno, s.orti, 2)
  await dot(bruno, s.luce, 1)
  await fac.waitForSelector(`${row} .badge[data-vote]:has-text("5")`, { timeout: 10_000 })
  await fac.click(`${row} [data-action="vote-close"]`)

  // the vote is closed: no more voting, but the counts stay for everyone
  for (const page of [anna, bruno]) {
    await page.waitForSelector('.vote-panel.vote-results', { timeout: 10_000 })
    await page.waitForSelector(`.vote-dots.closed .vote-dot[data-item="${s.orti}"]:has-text("3")`, { timeout: 10_000 })
    assert.equal((await page.textContent(`.vote-dots.closed .vote-dot[data-item="${s.panchine}"]`)).trim(), '1')
    assert.equal((await page.textContent(`.vote-dots.closed .vote-dot[data-item="${s.luce}"]`)).trim(), '1')
    assert.equal(await page.locator('.vote-panel [data-dots-left]').count(), 0, 'no dots left to place')
    const ranked = await page.$$eval('.vote-results .tally li', (lis) => lis.map((li) => [li.dataset.rank, li.querySelector('.tally-name').textContent, li.querySelector('.tally-dots').textContent]))
    assert.deepEqual(ranked, [['1', 'Orti urbani', '3 punti'], ['2', 'Luce in via Roma', '1 punto'], ['2', 'Panchine al parco', '1 punto']])
    assert.match(await page.textContent('.vote-results h2'), /Risultati della votazione/)
    assert.match(await page.textContent('.vote-results'), /3 punti a testa · 5 punti in tutto/)
  }
  await anna.evaluate(() => window.tavolo.editor.zoomToFit())
  await bruno.evaluate(() => window.tavolo.editor.zoomToFit())
  await anna.waitForTimeout(300)
  await screenshot(anna, 'votes-results-board-1366')
  await screenshot(bruno, 'votes-results-board-1024')
  assert.deepEqual(await axeProblems(anna), [])
  assert.deepEqual(await axeProblems(bruno), [])

  // the console lists the closed vote: board, when, items ranked with their dots
  const item = `.vote-results-panel li[data-vote][data-board="${s.board}"]`
  await fac.waitForSelector(item, { timeout: 10_000 })
  assert.match(await fac.textContent(`${item} h3`), /Idee per il quartiere/)
  assert.match(await fac.textContent(item), /Chiusa il .*3 punti a testa · 5 punti in tutto/)
  const ranked = await fac.$$eval(`${item} .tally li`, (lis) => lis.map((li) => li.textContent))
  assert.deepEqual(ranked, ['1°Orti urbani3 punti', '2°Luce in via Roma1 punto', '2°Panchine al parco1 punto'])
  assert.equal(await fac.locator('.vote-results-panel .vote-downloads button').count(), 2, 'CSV and Markdown')
  // the downloads are the server's export (what the buttons fetch)
  const csv = await fac.evaluate((id) => fetch(`/api/sessions/${id}/votes/export/csv`).then((r) => r.text()), s.session)
  assert.match(csv, /Idee per il quartiere;Plenaria;.*;3;1;Orti urbani;3;5/)
  await fac.locator('.vote-results-panel').scrollIntoViewIfNeeded()
  await screenshot(fac, 'votes-console-results-1366')
  assert.deepEqual(await axeProblems(fac), [])
})

test('the facilitator hides the counts and shows them again, on their own screen', async () => {
  facBoard = await fac.context().newPage()
  facBoard.errors = []
  facBoard.on('pageerror', (e) => facBoard.errors.push(e))
  await facBoard.goto(`/s/${s.session}/b/${s.board}`)
  await onBoard(facBoard, s.board, 'the facilitator on the board')
  await facBoard.waitForSelector(`.vote-dots.closed .vote-dot[data-item="${s.orti}"]:has-text("3")`, { timeout: 10_000 })
  await facBoard.click('.vote-results [data-action="vote-counts"]')
  await facBoard.waitForSelector('.vote-dots.closed', { state: 'detached' })
  assert.match(await facBoard.textContent('.vote-results'), /I conteggi sono nascosti sul tuo schermo/)
  assert.equal((await facBoard.textContent('.vote-results [data-action="vote-counts"]')).trim(), 'Mostra i conteggi')
  await screenshot(facBoard, 'votes-counts-hidden-1366')
  assert.deepEqual(await axeProblems(facBoard), [])
  // the participants still see theirs
  assert.equal((await anna.textContent(`.vote-dots.closed .vote-dot[data-item="${s.orti}"]`)).trim(), '3')
  // and the hiding lasts through a reload (kept in this browser)
  await facBoard.reload()
  await onBoard(facBoard, s.board, 'the facilitator back on the board')
  await facBoard.waitForSelector('.vote-results [data-action="vote-counts"]:has-text("Mostra i conteggi")')
  assert.equal(await facBoard.locator('.vote-dots.closed').count(), 0)
  await facBoard.click('.vote-results [data-action="vote-counts"]')
  await facBoard.waitForSelector(`.vote-dots.closed .vote-dot[data-item="${s.orti}"]:has-text("3")`)
  assert.equal((await facBoard.textContent('.vote-results [data-action="vote-counts"]')).trim(), 'Nascondi i conteggi')
  // a participant may hide them too (Bruno, at 1024x640)
  await bruno.click('.vote-results [data-action="vote-counts"]')
  await bruno.waitForSelector('.vote-dots.closed', { state: 'detached' })
  assert.equal(await anna.locator('.vote-dots.closed .vote-dot').count(), 3, 'Anna is not affected')
  await bruno.click('.vote-results [data-action="vote-counts"]')
  await bruno.waitForSelector('.vote-dots.closed .vote-dot')
  await facBoard.close()
})

test('a broadcast is sent, replaced and withdrawn, and leaves the participants\' screens', async () => {
  const form = '.message-form'
  await fac.fill(`${form} input[name="message"]`, 'Pausa di 10 minuti')
  await fac.click(`${form} [data-action="message-send"]`)
  for (const page of [anna, bruno]) await page.waitForSelector('.broadcast-text:has-text("Pausa di 10 minuti")', { timeout: 10_000 })
  await fac.waitForSelector(`${form} [data-action="message-withdraw"]`)
  assert.equal((await fac.textContent(`${form} [data-action="message-send"]`)).trim(), 'Sostituisci il messaggio')

  // replaced: the new text takes the old one's place
  await fac.fill(`${form} input[name="message"]`, 'Riprendiamo alle 11 in plenaria')
  await fac.click(`${form} [data-action="message-send"]`)
  for (const page of [anna, bruno]) {
    await page.waitForSelector('.broadcast-text:has-text("Riprendiamo alle 11")', { timeout: 10_000 })
    assert.equal(await page.locator('.broadcast').count(), 1)
    assert.doesNotMatch(await page.textContent('.broadcast'), /Pausa di 10 minuti/)
  }
  assert.match(await fac.textContent(form), /Messaggio che tutti vedono ora: «Riprendiamo alle 11 in plenaria»/)
  await screenshot(anna, 'votes-message-replaced-1366')
  await screenshot(bruno, 'votes-message-replaced-1024')
  await fac.locator(form).scrollIntoViewIfNeeded()
  await screenshot(fac, 'votes-console-message-1366')
  assert.deepEqual(await axeProblems(fac), [])
  assert.deepEqual(await axeProblems(bruno), [])

  // withdrawn: gone from every screen, live
  await fac.click(`${form} [data-action="message-withdraw"]`)
  for (const page of [anna, bruno]) await page.waitForSelector('.broadcast', { state: 'detached', timeout: 10_000 })
  await fac.waitForSelector(`${form} [role="status"]:has-text("Messaggio ritirato")`)
  assert.equal(await fac.locator(`${form} [data-action="message-withdraw"]`).count(), 0)
  assert.equal((await fac.textContent(`${form} [data-action="message-send"]`)).trim(), 'Invia a tutti')
  await screenshot(anna, 'votes-message-withdrawn-1366')
  await screenshot(bruno, 'votes-message-withdrawn-1024')
  assert.deepEqual(await axeProblems(anna), [])
  // the console at the smaller size too
  await fac.setViewportSize({ width: 1024, height: 640 })
  await fac.locator('.vote-results-panel').scrollIntoViewIfNeeded()
  await screenshot(fac, 'votes-console-results-1024')
  assert.deepEqual(await axeProblems(fac), [])
  for (const page of [fac, anna, bruno]) assert.deepEqual(page.errors.map(String), [])
})
