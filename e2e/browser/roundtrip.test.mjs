// Schema round trip, browser → server → Rust: each template board is made in the browser
// (plus a sticky note and a link), then `tavolo board-json` (the Rust crate's reading of
// the stored board) must give exactly what the browser reads from its own document.

import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { isDeepStrictEqual, promisify } from 'node:util'

import { addSticky, boardJSON, dragBoard, openBoard, serverBinary, setCamera, setupSuite, uniqueBoard, waitFor } from './helpers.mjs'

const run = promisify(execFile)
let suite
before(async () => { suite = await setupSuite() })
after(async () => { await suite?.cleanup.run() })

async function rustReading (boardId) {
  const args = ['board-json', boardId, '--data-dir', suite.dataDir]
  if (process.env.E2E_DATABASE_URL) args.push('--database-url', process.env.E2E_DATABASE_URL)
  const { stdout } = await run(serverBinary(), args, { timeout: 20_000 })
  return JSON.parse(stdout)
}

/** Both sides as plain parsed JSON (key order does not matter to the comparison). */
const normal = (v) => JSON.parse(JSON.stringify(v))

for (const kind of ['free', 'stakeholder_map', 'problem_tree', 'theory_of_change', 'social_report']) {
  test(`${kind}: the server's Rust reading equals the browser's`, async () => {
    const { page, context } = await suite.user('Anna')
    try {
      const board = uniqueBoard(`rt-${kind}`)
      await openBoard(page, board, { kind, title: `Prova «${kind}» è già così 😀` })
      await setCamera(page, -100, -100, 0.5)
      const a = await addSticky(page, 300, 300, 'Un post-it con accenti: perché sì')
      const b = await addSticky(page, 900, 300, 'Un altro')
      await page.click('.toolbar [data-tool="connector"]')
      await dragBoard(page, { x: 300, y: 300 }, { x: 900, y: 300 })
      const mine = await boardJSON(page)
      assert.equal(Object.keys(mine.links).length, 1)
      assert.ok(mine.items[a] && mine.items[b])
      let theirs
      await waitFor(async () => {
        theirs = await rustReading(board)
        return isDeepStrictEqual(normal(theirs), normal(mine))
      }, 15_000, () => `board-json differs from the browser:\nrust:    ${JSON.stringify(theirs)}\nbrowser: ${JSON.stringify(mine)}`)
      assert.deepEqual(normal(theirs), normal(mine))
      assert.equal(theirs.meta.kind, kind)
    } finally { await context.close() }
  })
}
