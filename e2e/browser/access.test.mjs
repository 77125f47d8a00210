// Issue 14, point 11: someone who opens a board they may not open sees an Italian page that
// says so, instead of an empty board reading "Offline: le modifiche sono salvate su questo
// computer" that retries for ever. This server runs as installed by default: without
// anonymous boards, so a board link alone opens nothing.

import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import path from 'node:path'

import { ARTIFACTS, axeProblems, setupSuite, sleep, uniqueBoard, waitFor } from './helpers.mjs'

let suite
before(async () => { suite = await setupSuite({ anonymousBoards: false }) })
after(async () => { await suite?.cleanup.run() })

for (const size of [{ width: 1366, height: 768 }, { width: 1024, height: 640 }]) {
  test(`a board link without access shows why, in Italian, and stops retrying (${size.width}x${size.height})`, async () => {
    const { context, page } = await suite.user('Elena')
    try {
      await page.setViewportSize(size)
      let sockets = 0
      page.on('websocket', () => { sockets++ })
      await page.goto(`/b/${uniqueBoard('denied')}?new=stakeholder_map&title=Mappa`)
      await page.waitForSelector('main.denied', { timeout: 15_000 })
      const text = await page.locator('main.denied').innerText()
      assert.match(text, /Non puoi aprire questa lavagna/)
      assert.match(text, /accedi come facilitatore, oppure apri il link di invito/)
      assert.doesNotMatch(text, /Offline|[Tt]his board|invitation/, 'no English and no offline message')
      assert.equal(await page.locator('.canvas').count(), 0, 'no empty board behind it')
      assert.equal(await page.title(), 'Non puoi aprire questa lavagna — Tavolo')
      // it stopped: no new socket while we wait longer than the provider's back-off
      const seen = sockets
      await sleep(4000)
      assert.equal(sockets, seen, 'the page keeps trying to connect')
      // nothing was initialised or kept in this browser for that board
      assert.equal(await page.evaluate(() => window.tavolo.board.isEmpty()), true)
      assert.deepEqual(await axeProblems(page), [])
      await page.screenshot({ path: path.join(ARTIFACTS, `access-denied-${size.width}x${size.height}.png`) })
      // and the way out works
      await page.getByRole('link', { name: 'Torna alla pagina iniziale' }).click()
      await waitFor(() => page.evaluate(() => location.pathname === '/'), 5000, 'back on the start page')
      assert.deepEqual(page.errors, [])
    } finally { await context.close() }
  })
}
