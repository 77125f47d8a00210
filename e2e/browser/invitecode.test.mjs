// Issue 14 ("smaller, each seen"): invitation links are 64-character URLs, hard to share
// in a room. The console shows each new invitation's short code (to read aloud) and, on
// demand, its link as a QR code; a participant types the code on the start page, as they
// heard it, and joins; a phone reading the QR code gets the link.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import path from 'node:path'
import jsQR from 'jsqr'

import { ARTIFACTS, axeProblems, facilitatorWithMeeting, meetingSuite, newPage, participantLink } from './helpers.mjs'

const suite = meetingSuite()

test('a participant joins with the short code read aloud; the QR code holds the link', async () => {
  const fac = await newPage(suite.browser, suite.server.url, { width: 1366, height: 768 })
  const session = await facilitatorWithMeeting(fac, suite.server.setupUrl, { workspace: 'Anziani soli', title: 'Tavolo anziani: incontro 1', date: '2026-12-02' })
  const link = await participantLink(fac)
  const row = '.invite-list li[data-role="participant"]'
  const code = (await fac.textContent(`${row} [data-invite-code]`)).trim()
  assert.match(code, /^[0-9A-Z]{4}-[0-9A-Z]{4}$/)
  // the link is not in the code's text: the code is a key of its own
  assert.ok(!link.includes(code), `${link} ${code}`)

  // the QR code, decoded from the pixels the console draws, is the link
  await fac.click(`${row} [data-action="qr"]`)
  assert.equal(await fac.getAttribute(`${row} [data-action="qr"]`, 'aria-expanded'), 'true')
  const qr = fac.locator(`${row} svg.qr`)
  await qr.waitFor()
  assert.match(await qr.getAttribute('aria-label'), /QR/)
  await fac.screenshot({ path: path.join(ARTIFACTS, 'invite-code-1366.png') })
  const pixels = await fac.evaluate(async (sel) => {
    const svg = document.querySelector(sel)
    const xml = new XMLSerializer().serializeToString(svg)
    const img = new Image()
    img.src = 'data:image/svg+xml;charset=utf-8,' + encodeURIComponent(xml)
    await img.decode()
    const canvas = document.createElement('canvas')
    canvas.width = 400; canvas.height = 400
    const ctx = canvas.getContext('2d')
    ctx.drawImage(img, 0, 0, 400, 400)
    return Array.from(ctx.getImageData(0, 0, 400, 400).data)
  }, `${row} svg.qr`)
  const read = jsQR(Uint8ClampedArray.from(pixels), 400, 400)
  assert.ok(read, 'the QR code reads')
  assert.equal(read.data, link)
  assert.deepEqual(await axeProblems(fac), [])

  // Bruno heard "abcd efgh" and types it that way on the start page
  const bruno = await newPage(suite.browser, suite.server.url, { width: 1024, height: 640 })
  await bruno.goto(`${suite.server.url}/`)
  await bruno.fill('[data-form="join-code"] input[name="code"]', 'abc-12')
  await bruno.click('[data-form="join-code"] button[type="submit"]')
  await bruno.waitForSelector('#code-error')
  assert.match(await bruno.textContent('#code-error'), /8 lettere e cifre/)
  await bruno.fill('[data-form="join-code"] input[name="code"]', code.replace('-', ' ').toLowerCase())
  await bruno.click('[data-form="join-code"] button[type="submit"]')
  await bruno.waitForSelector('#join-privacy')
  await bruno.waitForSelector('.join-meeting')
  assert.match(await bruno.textContent('.join-meeting'), /Tavolo anziani: incontro 1/)
  await bruno.fill('input[name="name"]', 'Bruno')
  await bruno.click('button[type="submit"]')
  await bruno.waitForURL(`**/s/${session}`)
  await bruno.screenshot({ path: path.join(ARTIFACTS, 'invite-code-joined-1024.png') })
  // the facilitator sees him among the members
  await fac.waitForFunction(() => (window.tavoloControl?.view?.members ?? []).some((m) => m.name === 'Bruno'))

  // revoked, the code opens nothing: the join page says so in Italian, with no form
  await fac.click(`${row} [data-action="revoke"]`)
  await fac.waitForSelector(`${row}.inactive`)
  const late = await newPage(suite.browser, suite.server.url, { width: 1024, height: 640 })
  await late.goto(`${suite.server.url}/join/${code}`)
  await late.waitForSelector('[role="alert"]')
  assert.match(await late.textContent('main'), /ritirato/)
  assert.equal(await late.locator('input[name="name"]').count(), 0)
})
