// Issue 12: a change that would take a size-capped (anonymous) board past its cap is
// refused and its sender closed with 4007. The page must say so and stop, rather than show
// "Riconnessione…" and send the refused change again on every retry.

import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import path from 'node:path'

import { ARTIFACTS, axeProblems, openBoard, setupSuite, sleep, uniqueBoard, waitFor } from './helpers.mjs'

let suite
before(async () => { suite = await setupSuite({ extraArgs: ['--anonymous-board-mib', '1'] }) })
after(async () => { await suite?.cleanup.run() })

for (const size of [{ width: 1366, height: 768 }, { width: 1024, height: 640 }]) {
  test(`a full board says so, turns read-only and stops retrying (${size.width}x${size.height})`, async () => {
    const { context, page } = await suite.user('Elena')
    const other = await suite.user('Marco')
    try {
      await page.setViewportSize(size)
      const board = uniqueBoard('full')
      await openBoard(page, board, { kind: 'free', title: 'Lavagna' })
      await openBoard(other.page, board)
      let sockets = 0
      page.on('websocket', () => { sockets++ })
      // 1.2 MB in the title, past the 1 MiB cap, in one change
      await page.evaluate(() => window.tavolo.board.field('meta/title').insert(0, 'x'.repeat(1_200_000)))
      await page.waitForSelector('.board-full[role="alert"]', { timeout: 15_000 })
      const text = await page.locator('.board-full').innerText()
      assert.match(text, /dimensione massima consentita/)
      assert.match(text, /sola lettura/)
      assert.equal(await page.locator('.conn').getAttribute('data-status'), 'full')
      assert.equal(await page.locator('.conn').innerText(), 'Lavagna piena')
      assert.equal(await page.evaluate(() => window.tavolo.editor.readOnly), true)
      // it stopped: no new socket while we wait longer than the provider's back-off
      const seen = sockets
      await sleep(4000)
      assert.equal(sockets, seen, 'the page kept reconnecting')
      assert.deepEqual(await axeProblems(page), [])
      await page.screenshot({ path: path.join(ARTIFACTS, `board-full-${size.width}x${size.height}.png`) })
      // nothing of the refused change reached the other browser, which stays connected
      await sleep(500)
      assert.equal(await other.page.evaluate(() => window.tavolo.board.field('meta/title').length < 100), true)
      assert.equal(await other.page.locator('.conn').getAttribute('data-status'), 'connected')
      // reloading starts from the saved board: the copy holding the refused change was dropped
      await page.getByRole('button', { name: 'Ricarica la pagina' }).click()
      await page.waitForSelector('.canvas', { timeout: 15_000 })
      await waitFor(() => page.evaluate(() => window.tavolo?.conn.provider.synced === true), 10_000, 'board synced again')
      assert.equal(await page.evaluate(() => window.tavolo.board.field('meta/title').length < 100), true)
      await sleep(1000)
      assert.equal(await page.locator('.conn').getAttribute('data-status'), 'connected')
      assert.equal(await page.locator('.board-full').count(), 0)
      assert.deepEqual(page.errors, [])
    } finally {
      await context.close()
      await other.context.close()
    }
  })
}
