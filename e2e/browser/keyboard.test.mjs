// Keyboard only (issue 14, points 9 and 10): a participant creates items without a mouse,
// reaches the canvas through a skip link, and Tab / Shift+Tab always lead out of the canvas
// again (no keyboard trap, WCAG 2.1.2); a double-click on a template's area creates that
// template's card. At the two screen sizes of the municipal PCs the issue names.

import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import path from 'node:path'

import { ARTIFACTS, boardJSON, openBoard, setupSuite, toPage, uniqueBoard, waitFor } from './helpers.mjs'

let suite
before(async () => { suite = await setupSuite() })
after(async () => { await suite?.cleanup.run() })

const SIZES = [{ width: 1366, height: 768 }, { width: 1024, height: 640 }]
const onCanvas = (page) => page.evaluate(() => document.activeElement?.classList.contains('canvas') === true)
const focusedLabel = (page) => page.evaluate(() => {
  const el = document.activeElement
  return el ? `${el.tagName.toLowerCase()}.${el.className}` : ''
})

for (const size of SIZES) {
  test(`keyboard only at ${size.width}x${size.height}: skip link, create and write a note, Tab leaves the canvas`, async () => {
    const { context, page } = await suite.user('Carla')
    try {
      await page.setViewportSize(size)
      const board = uniqueBoard('keys')
      await openBoard(page, board, { kind: 'free', title: 'Tastiera' })
      // the first Tab of the page reaches the skip link, visible while it has focus
      await page.evaluate(() => document.activeElement?.blur())
      await page.keyboard.press('Tab')
      assert.match(await focusedLabel(page), /skip-link/)
      const box = await page.locator('.skip-link').boundingBox()
      assert.ok(box && box.y >= 0, 'the skip link is on screen while focused')
      await page.keyboard.press('Enter')
      assert.ok(await onCanvas(page), 'Enter on the skip link puts focus on the canvas')

      // N picks the note tool, Enter places one in the middle and starts writing in it
      await page.keyboard.press('n')
      await page.keyboard.press('Enter')
      await page.waitForSelector('textarea.text-editor:focus', { timeout: 5000 })
      await page.keyboard.type('Nota scritta da tastiera')
      await page.keyboard.press('Escape')
      await waitFor(async () => Object.values((await boardJSON(page)).items).some((it) => it.text === 'Nota scritta da tastiera'),
        5000, 'the note holds the typed text')
      await page.locator('.canvas').focus()
      await page.keyboard.press('Escape') // nothing selected
      // with nothing chosen, Enter creates a note too (a second one, beside the first)
      await page.keyboard.press('Enter')
      await page.waitForSelector('textarea.text-editor:focus', { timeout: 5000 })
      await page.keyboard.type('Seconda')
      await page.keyboard.press('Escape')
      const items = Object.values((await boardJSON(page)).items)
      assert.equal(items.length, 2)
      assert.notDeepEqual([items[0].x, items[0].y], [items[1].x, items[1].y], 'the second note does not cover the first')

      // Tab walks the two notes, then leaves the canvas; Shift+Tab comes back and leaves it backwards
      await page.locator('.canvas').focus()
      await page.keyboard.press('Escape')
      await page.keyboard.press('Tab')
      assert.ok(await onCanvas(page))
      assert.equal(await page.evaluate(() => window.tavolo.editor.selection.size), 1)
      await page.keyboard.press('Tab')
      assert.ok(await onCanvas(page))
      await page.keyboard.press('Tab')
      assert.ok(!(await onCanvas(page)), `Tab after the last item leaves the canvas (focus on ${await focusedLabel(page)})`)
      await page.keyboard.press('Shift+Tab')
      assert.ok(await onCanvas(page), 'Shift+Tab comes back to the canvas')
      await page.keyboard.press('Shift+Tab')
      await page.keyboard.press('Shift+Tab')
      await page.keyboard.press('Shift+Tab')
      assert.ok(!(await onCanvas(page)), 'Shift+Tab before the first item leaves the canvas backwards')
      await page.screenshot({ path: path.join(ARTIFACTS, `keyboard-${size.width}x${size.height}.png`) })
      assert.deepEqual(page.errors, [])
    } finally { await context.close() }
  })
}

test('a double-click or Enter on a template\'s area creates that template\'s card, which the derived values count', async () => {
  const { context, page } = await suite.user('Dario')
  try {
    await page.setViewportSize(SIZES[0])
    // Theory of Change: a double-click in the "activity" lane makes an activity card
    await openBoard(page, uniqueBoard('keys-toc'), { kind: 'theory_of_change', title: 'ToC' })
    await page.evaluate(() => window.tavolo.editor.setCamera({ x: 0, y: -100, zoom: 0.5 }))
    const p = await toPage(page, { x: 450, y: 400 })
    await page.mouse.dblclick(p.x, p.y)
    await page.waitForSelector('textarea.text-editor:focus', { timeout: 5000 })
    await page.keyboard.type('Sportello di ascolto')
    await page.keyboard.press('Escape')
    const toc = Object.values((await boardJSON(page)).items).find((it) => it.text === 'Sportello di ascolto')
    assert.equal(toc?.type, 'card')
    assert.equal(toc?.role, 'activity')

    // stakeholder map: Enter with nothing selected puts a stakeholder card on the grid
    await openBoard(page, uniqueBoard('keys-stake'), { kind: 'stakeholder_map', title: 'Mappa' })
    await page.locator('.canvas').focus()
    await page.keyboard.press('Escape')
    await page.keyboard.press('Enter')
    await page.waitForSelector('textarea.text-editor:focus', { timeout: 5000 })
    await page.keyboard.type('Consultorio')
    await page.keyboard.press('Escape')
    const card = Object.values((await boardJSON(page)).items).find((it) => it.text === 'Consultorio')
    assert.equal(card?.role, 'stakeholder')
    assert.equal(card?.type, 'card')
    assert.deepEqual(page.errors, [])
  } finally { await context.close() }
})
