// Removing a participant, in Chromium with two browser contexts against the real server:
// the facilitator (1366x768) removes a participant (1024x640) who is on a board, with
// the keyboard and a confirmation; the participant's page says in Italian that they were
// removed and can no longer edit (the board is gone, the server refuses their
// credential), what they wrote stays on the board, and the console no longer lists them.
// Then the same two pages at the other size each, for the screenshots.

import { test } from 'node:test'
import assert from 'node:assert/strict'

import { addPlenaryBoard, axeProblems, facilitatorWithMeeting, joinMeeting, meetingSuite, newPage, participantLink, placeWithTool, screenshot, setCamera, waitFor } from './helpers.mjs'

const suite = meetingSuite()
let fac
let bruno
const s = {}

const person = (width, height) => newPage(suite.browser, suite.server.url, { width, height })

const texts = (page) => page.evaluate(() => {
  const b = window.tavolo.board
  return [...b.items.keys()].map((id) => b.textOf(id)).filter(Boolean)
})

test('a facilitator with a meeting, a board and a participant on it', async () => {
  fac = await person(1366, 768)
  s.session = await facilitatorWithMeeting(fac, suite.server.setupUrl, { workspace: 'Tavolo minori', title: 'Incontro 2', date: '2026-12-02' })
  s.board = await addPlenaryBoard(fac, 'free', 'Idee')
  s.link = await participantLink(fac)

  bruno = await person(1024, 640)
  await joinMeeting(bruno, s.link, 'Bruno', s.session)
  await waitFor(() => bruno.evaluate(() => window.tavolo?.conn.provider.synced === true), 15_000, 'Bruno on the board')
  await setCamera(bruno, 0, 0, 0.5)
  await placeWithTool(bruno, 'sticky', 300, 300)
  await bruno.waitForSelector('textarea.text-editor:focus', { timeout: 5000 })
  await bruno.keyboard.type('Più spazi per i ragazzi')
  await bruno.keyboard.press('Escape')
  s.bruno = await bruno.evaluate(() => window.tavoloControl.view.me.id)
  await fac.waitForSelector(`.member-list li[data-member="${s.bruno}"]`)
})

test('the facilitator removes the participant with the keyboard, after a confirmation', async () => {
  const button = `.member-list li[data-member="${s.bruno}"] [data-action="remove-member"]`
  assert.equal(await fac.getAttribute(button, 'aria-label'), 'Rimuovi Bruno dall\'incontro')
  await fac.focus(button)
  await fac.keyboard.press('Enter')
  await fac.waitForSelector('dialog.modal[open]')
  assert.match(await fac.textContent('dialog.modal'), /Rimuovere Bruno\?/)
  assert.match(await fac.textContent('dialog.modal'), /resta sulle lavagne/)
  assert.deepEqual(await axeProblems(fac), [])
  await screenshot(fac, 'removal-confirm-1366')
  // Escape cancels and changes nothing
  await fac.keyboard.press('Escape')
  await waitFor(async () => (await fac.$('dialog.modal[open]')) === null, 5000, 'dialog closed')
  assert.ok(await fac.$(`.member-list li[data-member="${s.bruno}"]`))
  assert.equal(await bruno.evaluate(() => window.tavoloControl.ended), null)
  // again, and confirm: Tab from the dialog's buttons to "Rimuovi", Enter
  await fac.focus(button)
  await fac.keyboard.press('Enter')
  await fac.waitForSelector('dialog.modal[open]')
  await fac.focus('dialog.modal [data-action="confirm"]')
  assert.equal(await fac.evaluate(() => document.activeElement.textContent), 'Rimuovi')
  await fac.keyboard.press('Enter')
  await waitFor(async () => (await fac.$(`.member-list li[data-member="${s.bruno}"]`)) === null, 10_000, 'Bruno leaves the console')
  // the confirmation comes when the request answers, which may be after the member list
  // (pushed on the control channel) has dropped him
  await fac.waitForSelector('section[aria-labelledby="members-title"] [role="status"]:has-text("Bruno non fa più parte dell\'incontro")', { timeout: 10_000 })
  assert.equal(await fac.textContent('#members-title'), 'Iscritti (0)')
})

test('the participant\'s page says they were removed and can no longer edit', async () => {
  await bruno.waitForSelector('[data-ended="4005"]', { timeout: 10_000 })
  const alert = await bruno.textContent('[data-ended] [role="alert"]')
  assert.match(alert, /Il facilitatore ti ha rimosso dall'incontro/)
  assert.match(alert, /non puoi più vedere né modificare le lavagne/)
  assert.equal(await bruno.getAttribute('html', 'lang'), 'it')
  assert.equal(await bruno.$('.canvas'), null, 'no board to edit any more')
  assert.equal(await bruno.evaluate(() => window.tavoloControl.status), 'ended')
  // the server refuses the credential the page still holds, on REST and on a board socket
  assert.equal(await bruno.evaluate((id) => fetch(`/api/sessions/${id}`).then((r) => r.status), s.session), 401)
  const socket = await bruno.evaluate((board) => new Promise((resolve) => {
    const ws = new WebSocket(`${location.origin.replace('http', 'ws')}/sync/${board}`)
    ws.onopen = () => { ws.close(); resolve('open') }
    ws.onerror = () => resolve('refused')
  }), s.board)
  assert.equal(socket, 'refused')
  assert.deepEqual(await axeProblems(bruno), [])
  await screenshot(bruno, 'removal-participant-1024')
  // opening the invitation link again from this browser does not let him back in as
  // someone new: the page says why, and the member list stays empty
  await bruno.goto(s.link)
  await bruno.waitForSelector('#join-privacy')
  await bruno.fill('input[name="name"]', 'Bruno di nuovo')
  await bruno.click('button[type="submit"]')
  await bruno.waitForSelector('.start [role="alert"], .start .error', { timeout: 10_000 })
  assert.match(await bruno.textContent('.start'), /Il facilitatore ti ha rimosso da questo incontro: da questo browser non puoi rientrare/)
  assert.doesNotMatch(await bruno.textContent('.start'), /removed/)
  assert.ok(bruno.url().includes('/join/'), 'still on the join page')
  assert.deepEqual(await axeProblems(bruno), [])
  assert.equal(await fac.textContent('#members-title'), 'Iscritti (0)')
  assert.deepEqual(bruno.errors, [])
})

test('what the participant wrote stays on the board', async () => {
  await fac.goto(`/s/${s.session}/b/${s.board}`)
  await waitFor(() => fac.evaluate(() => window.tavolo?.conn.provider.synced === true), 15_000, 'the facilitator on the board')
  assert.deepEqual(await texts(fac), ['Più spazi per i ragazzi'])
  await fac.goto(`/s/${s.session}`)
  await fac.waitForSelector('.console')
  assert.equal(await fac.textContent('#members-title'), 'Iscritti (0)')
  assert.deepEqual(fac.errors, [])
})

test('both pages at the other size', async () => {
  await fac.setViewportSize({ width: 1024, height: 640 })
  await fac.waitForSelector('section[aria-labelledby="members-title"]')
  await screenshot(fac, 'removal-console-1024')
  await bruno.setViewportSize({ width: 1366, height: 768 })
  await screenshot(bruno, 'removal-participant-1366')
  // the console's member list with someone in it, at 1024x640: a new participant joins
  const carla = await person(1024, 640)
  await joinMeeting(carla, s.link, 'Carla Maria Bianchi De Santis', s.session)
  await fac.waitForSelector('.member-list li [data-action="remove-member"]')
  await fac.locator('section[aria-labelledby="members-title"]').scrollIntoViewIfNeeded()
  await screenshot(fac, 'removal-console-member-1024')
  assert.deepEqual(carla.errors, [])
})
