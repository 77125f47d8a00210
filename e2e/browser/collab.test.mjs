// Two people on one board, each in their own browser context, against the real server.

import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'

import { addSticky, boardJSON, dragBoard, openBoard, placeWithTool, setCamera, setupSuite, toPage, uniqueBoard, waitFor } from './helpers.mjs'

let suite
before(async () => { suite = await setupSuite() })
after(async () => { await suite?.cleanup.run() })

async function pair (kind = 'free') {
  const board = uniqueBoard('collab')
  const anna = await suite.user('Anna')
  const bruno = await suite.user('Bruno')
  await openBoard(anna.page, board, { kind, title: 'Prova' })
  await openBoard(bruno.page, board)
  await setCamera(anna.page, 0, 0)
  await setCamera(bruno.page, 0, 0)
  return { board, anna, bruno, close: async () => { await anna.context.close(); await bruno.context.close() } }
}

const textIn = (page, id) => page.evaluate((id) => window.tavolo.board.textOf(id), id)

test('a sticky created in one browser appears with its text in the other', async () => {
  const { anna, bruno, close } = await pair()
  try {
    const id = await addSticky(anna.page, 200, 200, 'Servizio di quartiere')
    await waitFor(async () => (await textIn(bruno.page, id)) === 'Servizio di quartiere', 10_000, 'text reaches Bruno')
    // and it is drawn on Bruno's canvas, with its text and an accessible name
    const label = await bruno.page.waitForSelector(`.scene [data-id="${id}"]`, { timeout: 5000 })
    assert.match(await label.getAttribute('aria-label'), /Post-it: Servizio di quartiere/)
    assert.match(await label.textContent(), /Servizio di quartiere/)
    const item = (await boardJSON(bruno.page)).items[id]
    assert.equal(item.type, 'sticky')
    assert.equal(item.color, 'yellow')
    assert.match(item.author, /^p-/)
    assert.deepEqual(anna.page.errors, [])
    assert.deepEqual(bruno.page.errors, [])
  } finally { await close() }
})

test('two people typing in the same note at once: both edits are kept', async () => {
  const { anna, bruno, close } = await pair()
  try {
    const id = await addSticky(anna.page, 200, 200, 'Servizio')
    await waitFor(async () => (await textIn(bruno.page, id)) === 'Servizio', 10_000, 'note reaches Bruno')
    const p = await toPage(anna.page, { x: 200, y: 200 })
    await anna.page.mouse.dblclick(p.x, p.y)
    await bruno.page.mouse.dblclick(p.x, p.y)
    await anna.page.waitForSelector('textarea.text-editor:focus')
    await bruno.page.waitForSelector('textarea.text-editor:focus')
    await anna.page.keyboard.press('End')
    await bruno.page.keyboard.press('Control+Home')
    await Promise.all([
      anna.page.keyboard.type(' di quartiere', { delay: 15 }),
      bruno.page.keyboard.type('Il nuovo ', { delay: 15 })
    ])
    const want = 'Il nuovo Servizio di quartiere'
    await waitFor(async () => (await textIn(anna.page, id)) === want && (await textIn(bruno.page, id)) === want, 10_000,
      async () => `merged text: anna=${JSON.stringify(await textIn(anna.page, id))} bruno=${JSON.stringify(await textIn(bruno.page, id))}`)
    // each textarea shows the merged text too
    assert.equal(await anna.page.inputValue('textarea.text-editor'), want)
    assert.equal(await bruno.page.inputValue('textarea.text-editor'), want)
  } finally { await close() }
})

test('moving an item moves its connectors, for everyone', async () => {
  const { anna, bruno, close } = await pair()
  try {
    const a = await addSticky(anna.page, 150, 150, 'A')
    const b = await addSticky(anna.page, 600, 150, 'B')
    await anna.page.click('.toolbar [data-tool="connector"]')
    await dragBoard(anna.page, { x: 150, y: 150 }, { x: 600, y: 160 })
    const links = Object.values((await boardJSON(anna.page)).links)
    assert.equal(links.length, 1)
    assert.deepEqual({ from: links[0].from, to: links[0].to, kind: links[0].kind }, { from: a, to: b, kind: 'arrow' })
    const lineOf = (page) => page.evaluate(() => {
      const l = document.querySelector('.scene .links line')
      return l && ['x1', 'y1', 'x2', 'y2'].map((k) => Number(l.getAttribute(k)))
    })
    await waitFor(() => lineOf(bruno.page), 10_000, 'Bruno sees the connector')
    const before = await lineOf(bruno.page)
    // Anna drags B down by 300
    await anna.page.click('.toolbar [data-tool="select"]')
    await dragBoard(anna.page, { x: 600, y: 150 }, { x: 600, y: 450 })
    await waitFor(async () => (await boardJSON(bruno.page)).items[b].y === 60 + 300, 10_000, 'move reaches Bruno')
    await waitFor(async () => {
      const now = await lineOf(bruno.page)
      return now && now[3] > before[3] + 200
    }, 10_000, 'the connector end follows the note')
    const [x1, y1, x2, y2] = await lineOf(bruno.page)
    // still on the outlines of the two notes
    const json = await boardJSON(bruno.page)
    const A = json.items[a]; const B = json.items[b]
    const on = (it, x, y) => x >= it.x - 1 && x <= it.x + it.w + 1 && y >= it.y - 1 && y <= it.y + it.h + 1
    assert.ok(on(A, x1, y1), `start ${x1},${y1} on A`)
    assert.ok(on(B, x2, y2), `end ${x2},${y2} on B`)
  } finally { await close() }
})

test('undo undoes only one\'s own change', async () => {
  const { anna, bruno, close } = await pair()
  try {
    const mine = await addSticky(anna.page, 150, 150, 'di Anna')
    await waitFor(async () => (await boardJSON(bruno.page)).items[mine], 10_000, 'Bruno sees Anna\'s note')
    const theirs = await addSticky(bruno.page, 500, 150, 'di Bruno')
    await waitFor(async () => (await boardJSON(anna.page)).items[theirs], 10_000, 'Anna sees Bruno\'s note')
    await anna.page.focus('.canvas')
    await anna.page.keyboard.press('Control+z')
    await waitFor(async () => {
      const j = await boardJSON(bruno.page)
      return !j.items[mine] && j.items[theirs]
    }, 10_000, 'Anna\'s note undone everywhere, Bruno\'s kept')
    const j = await boardJSON(anna.page)
    assert.equal(j.items[mine], undefined)
    assert.equal(j.items[theirs].type, 'sticky')
    // and redo brings it back
    await anna.page.keyboard.press('Control+Shift+z')
    await waitFor(async () => (await boardJSON(bruno.page)).items[mine], 10_000, 'redo reaches Bruno')
    assert.equal(await textIn(bruno.page, mine), 'di Anna')
  } finally { await close() }
})

test('one person\'s cursor and presence are visible to the other, and following works', async () => {
  const { anna, bruno, close } = await pair()
  try {
    const p = await toPage(anna.page, { x: 400, y: 300 })
    await anna.page.mouse.move(p.x, p.y)
    await anna.page.mouse.move(p.x + 10, p.y + 10, { steps: 3 })
    const cursor = await bruno.page.waitForSelector('.interactive .peer-cursor[data-peer="Anna"]', { timeout: 10_000 })
    assert.match(await cursor.textContent(), /Anna/)
    // the cursor is drawn where Anna's pointer is on the board
    let at = ''
    await waitFor(async () => {
      at = await bruno.page.getAttribute('.interactive .peer-cursor[data-peer="Anna"]', 'transform')
      const [, sx, sy] = /translate\(([-\d.]+) ([-\d.]+)\)/.exec(at)
      return Math.abs(Number(sx) - 410) < 1 && Math.abs(Number(sy) - 310) < 1
    }, 10_000, () => `Anna's cursor drawn at 410,310 on Bruno's screen (last: ${at})`)
    // the list of people
    await bruno.page.waitForSelector('.people [data-peer="Anna"]')
    // follow Anna: Bruno's view moves to where Anna looks
    await setCamera(anna.page, 3000, 2000, 1)
    const seen = await anna.page.evaluate(() => window.tavolo.editor.visible())
    await bruno.page.click('.people [data-peer="Anna"]')
    await waitFor(async () => {
      const v = await bruno.page.evaluate(() => window.tavolo.editor.visible())
      return Math.abs(v.x + v.w / 2 - (seen.x + seen.w / 2)) < 2 && Math.abs(v.y + v.h / 2 - (seen.y + seen.h / 2)) < 2
    }, 10_000, 'Bruno follows Anna\'s viewport')
    await bruno.page.waitForSelector('.presence .following')
  } finally { await close() }
})

test('an edit made offline is kept and syncs after reconnecting', async () => {
  const { board, anna, bruno, close } = await pair()
  try {
    await bruno.context.setOffline(true)
    await bruno.page.waitForSelector('.conn[data-status="offline"]', { timeout: 10_000 })
    const id = await addSticky(bruno.page, 300, 300, 'Scritto senza rete')
    await new Promise((r) => setTimeout(r, 500))
    assert.equal((await boardJSON(anna.page)).items[id], undefined, 'not delivered while offline')
    await bruno.context.setOffline(false)
    await bruno.page.waitForSelector('.conn[data-status="connected"]', { timeout: 15_000 })
    await waitFor(async () => (await textIn(anna.page, id)) === 'Scritto senza rete', 15_000, 'offline edit reaches Anna')
    // and it is on the server: a fresh browser sees it
    const carla = await suite.user('Carla')
    try {
      await openBoard(carla.page, board)
      assert.equal(await textIn(carla.page, id), 'Scritto senza rete')
    } finally { await carla.context.close() }
  } finally { await close() }
})

test('select, duplicate, copy/paste, delete and z-order from the keyboard', async () => {
  const { anna, close } = await pair()
  try {
    const page = anna.page
    const a = await addSticky(page, 150, 150, 'Uno')
    await placeWithTool(page, 'rect', 500, 150)
    await placeWithTool(page, 'ellipse', 800, 150)
    let j = await boardJSON(page)
    assert.equal(Object.keys(j.items).length, 3)
    // rubber band over everything, then duplicate
    await page.click('.toolbar [data-tool="select"]')
    await dragBoard(page, { x: 20, y: 20 }, { x: 1000, y: 400 })
    assert.equal(await page.evaluate(() => window.tavolo.editor.selection.size), 3)
    await page.keyboard.press('Control+d')
    j = await boardJSON(page)
    assert.equal(Object.keys(j.items).length, 6)
    assert.ok(Object.values(j.items).some((it) => it.type === 'sticky' && it.x === j.items[a].x + 24))
    await page.keyboard.press('Delete')
    assert.equal(Object.keys((await boardJSON(page)).items).length, 3)
    // copy and paste through the clipboard events
    const p = await toPage(page, { x: 150, y: 150 })
    await page.mouse.click(p.x, p.y)
    await page.keyboard.press('Control+c')
    await page.keyboard.press('Control+v')
    j = await boardJSON(page)
    const copies = Object.entries(j.items).filter(([id, it]) => it.type === 'sticky' && id !== a)
    assert.equal(copies.length, 1)
    assert.equal(await textIn(page, copies[0][0]), 'Uno')
    // send the copy to the back, then bring it to the front
    await page.keyboard.press('[')
    j = await boardJSON(page)
    assert.ok(Object.entries(j.items).every(([id, it]) => id === copies[0][0] || it.z > j.items[copies[0][0]].z))
    await page.keyboard.press(']')
    j = await boardJSON(page)
    assert.ok(Object.entries(j.items).every(([id, it]) => id === copies[0][0] || it.z < j.items[copies[0][0]].z))
    // Tab walks through the items; Enter edits the selected one
    await page.keyboard.press('Escape')
    await page.keyboard.press('Tab')
    assert.equal(await page.evaluate(() => window.tavolo.editor.selection.size), 1)
    await page.waitForFunction(() => document.querySelector('#canvas-status')?.textContent.startsWith('Selezionato'))
  } finally { await close() }
})

test('frames carry their contents, and pen, text and resize work', async () => {
  const { anna, close } = await pair()
  try {
    const page = anna.page
    await page.click('.toolbar [data-tool="frame"]')
    await dragBoard(page, { x: 50, y: 50 }, { x: 650, y: 450 })
    let j = await boardJSON(page)
    const frame = Object.keys(j.items).find((k) => j.items[k].type === 'frame')
    assert.ok(frame)
    const note = await addSticky(page, 200, 200, 'Dentro')
    j = await boardJSON(page)
    assert.equal(j.items[note].frame, frame, 'a note created inside a frame belongs to it')
    // drag the frame by its title bar: the note comes along
    await page.click('.toolbar [data-tool="select"]')
    await dragBoard(page, { x: 300, y: 40 }, { x: 500, y: 140 })
    j = await boardJSON(page)
    assert.equal(j.items[frame].x, 250)
    assert.equal(j.items[note].x, 110 + 200)
    // drag the note out of the frame: it leaves it
    await dragBoard(page, { x: 400, y: 300 }, { x: 750, y: 650 })
    j = await boardJSON(page)
    assert.equal(j.items[note].frame, undefined)
    // pen
    await page.click('.toolbar [data-tool="pen"]')
    await dragBoard(page, { x: 300, y: 600 }, { x: 500, y: 700 }, 10)
    j = await boardJSON(page)
    const ink = Object.values(j.items).find((it) => it.type === 'ink')
    assert.ok(ink && ink.points.length >= 4)
    // resize the note from its bottom-right handle
    await page.click('.toolbar [data-tool="select"]')
    const p = await toPage(page, { x: j.items[note].x + 10, y: j.items[note].y + 10 })
    await page.mouse.click(p.x, p.y)
    const n = j.items[note]
    await dragBoard(page, { x: n.x + n.w, y: n.y + n.h }, { x: n.x + n.w + 100, y: n.y + n.h + 50 })
    j = await boardJSON(page)
    assert.equal(j.items[note].w, n.w + 100)
    assert.equal(j.items[note].h, n.h + 50)
  } finally { await close() }
})
