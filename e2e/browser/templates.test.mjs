// Each template, created from the start page in a real browser: its structure, its side
// panel, a screenshot (e2e/artifacts/), and an axe-core accessibility scan.

import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'

import { addCard, addSticky, axeProblems, boardJSON, dragBoard, openBoard, placeWithTool, screenshot, setCamera, setupSuite, toPage, uniqueBoard, waitFor } from './helpers.mjs'

let suite
before(async () => { suite = await setupSuite() })
after(async () => { await suite?.cleanup.run() })

/** Creates a board from the start page form and waits for it to be ready. */
async function createFromStart (page, kind, title) {
  await page.goto('/')
  await page.waitForSelector('form input[name="title"]')
  await page.fill('input[name="title"]', title)
  await page.check(`input[name="kind"][value="${kind}"]`)
  await page.click('form[aria-labelledby="create-title"] button[type="submit"]')
  await page.waitForURL(/\/b\/[a-z0-9]+$/, { timeout: 15_000 })
  await page.waitForSelector('.canvas')
  await waitFor(() => page.evaluate(() => window.tavolo?.board.getMeta()?.kind), 10_000, 'board initialised')
  return page.evaluate(() => window.tavolo.boardId)
}

async function selectItem (page, id) {
  const it = (await boardJSON(page)).items[id]
  const p = await toPage(page, { x: it.x + it.w / 2, y: it.y + it.h / 2 })
  await page.click('.toolbar [data-tool="select"]')
  await page.mouse.click(p.x, p.y)
  // the side panel must show this item before the test types into it
  await page.waitForSelector(`.inspector[data-item="${id}"]`)
}

test('the start page: Italian by default, English on request, accessible', async () => {
  const { page, context } = await suite.user(null)
  try {
    await page.goto('/')
    await page.waitForSelector('h1')
    assert.equal(await page.getAttribute('html', 'lang'), 'it')
    assert.match(await page.textContent('body'), /Crea una lavagna/)
    assert.deepEqual(await axeProblems(page), [])
    await page.click('button.lang')
    assert.equal(await page.getAttribute('html', 'lang'), 'en')
    assert.match(await page.textContent('body'), /Create a board/)
    await page.reload()
    await page.waitForSelector('h1')
    assert.equal(await page.getAttribute('html', 'lang'), 'en', 'the choice is kept')
    await page.click('button.lang')
    // opening a board asks for a name once
    await page.fill('input[name="board"]', 'bad id!')
    await page.click('form[aria-labelledby="open-title"] button[type="submit"]')
    await page.waitForSelector('#open-error')
    await page.fill('input[name="board"]', `http://example.invalid/b/${uniqueBoard('nome')}`)
    await page.click('form[aria-labelledby="open-title"] button[type="submit"]')
    await page.waitForSelector('input[name="name"]')
    await page.fill('input[name="name"]', 'Dora')
    await page.click('.name-dialog button[type="submit"]')
    await page.waitForSelector('.canvas')
    assert.equal(await page.evaluate(() => localStorage.getItem('tavolo.name')), 'Dora')
    await page.reload()
    await page.waitForSelector('.canvas')
    await page.waitForSelector('.people button.self')
  } finally { await context.close() }
})

test('stakeholder map: grid, cards with category and attitude, derived power/interest, circles view', async () => {
  const { page, context } = await suite.user('Anna')
  try {
    await createFromStart(page, 'stakeholder_map', 'Chi siede al tavolo')
    const j = await boardJSON(page)
    assert.equal(j.meta.kind, 'stakeholder_map')
    assert.equal(j.meta.title, 'Chi siede al tavolo')
    assert.deepEqual(j.meta.template, { grid: { x: 0, y: 0, w: 1600, h: 1200 } })
    await page.waitForSelector('.scene .bg-grid')
    for (const q of ['Coinvolgere da vicino', 'Mantenere soddisfatti', 'Tenere informati', 'Monitorare']) {
      assert.match(await page.textContent('.scene .bg-grid'), new RegExp(q))
    }
    await setCamera(page, -100, -60, 0.55)
    const s1 = await addCard(page, 'stakeholder', 1200, 200, 'Ufficio di Piano')
    const s2 = await addCard(page, 'stakeholder', 300, 1000, 'Comitato di quartiere')
    await selectItem(page, s1)
    await page.selectOption('.inspector select[data-field="category"]', 'public')
    await page.selectOption('.inspector select[data-field="attitude"]', 'supportive')
    await page.fill('.inspector textarea[data-field="notes"]', 'firma la convenzione')
    const item = (await boardJSON(page)).items[s1]
    assert.equal(item.role, 'stakeholder')
    assert.deepEqual(item.data, { category: 'public', attitude: 'supportive', notes: 'firma la convenzione' })
    assert.equal(item.color, 'blue', 'the colour follows the category')
    // written the Italian way, as in the exports
    assert.equal(await page.textContent('output[data-derived="interest"]'), '0,75')
    assert.equal(await page.textContent('output[data-derived="power"]'), (1 - 200 / 1200).toFixed(2).replace('.', ','))
    assert.equal(await page.textContent('output[data-derived="quadrant"]'), 'Coinvolgere da vicino')
    // a relation between them
    await page.click('.toolbar [data-tool="connector"]')
    await dragBoard(page, { x: 1200, y: 200 }, { x: 300, y: 1000 })
    const links = Object.values((await boardJSON(page)).links)
    assert.equal(links.length, 1)
    assert.equal(links[0].kind, 'relation')
    await page.keyboard.press('Escape')
    await screenshot(page, 'stakeholder_map')
    assert.deepEqual(await axeProblems(page), [])
    // the concentric circles view of the same stakeholders
    await page.click('[data-view="circles"]')
    await page.waitForSelector('.scene .bg-circles')
    assert.equal(await page.locator(`.scene [data-id="${s1}"]`).count(), 1)
    assert.equal(await page.locator(`.scene [data-id="${s2}"]`).count(), 1)
    await screenshot(page, 'stakeholder_map-circles')
    assert.deepEqual(await axeProblems(page), [])
    await page.click('[data-view="grid"]')
  } finally { await context.close() }
})

test('problem tree: core, causes, effects, layout, and conversion to an objective tree', async () => {
  const anna = await suite.user('Anna')
  const bruno = await suite.user('Bruno')
  try {
    const page = anna.page
    const source = await createFromStart(page, 'problem_tree', 'Anziani soli')
    let j = await boardJSON(page)
    assert.deepEqual(j.meta.template.bands.map((b) => b.role), ['effect', 'core_problem', 'cause'])
    assert.equal(j.items.core.role, 'core_problem')
    await page.waitForSelector('.scene .bg-bands')
    // write the core problem, add two causes and an effect, link them
    await setCamera(page, -150, -40, 0.6)
    await selectItem(page, 'core')
    await page.keyboard.press('Enter')
    await page.waitForSelector('textarea.text-editor:focus')
    await page.keyboard.type('Gli anziani soli non accedono ai servizi')
    await page.keyboard.press('Escape')
    const c1 = await addCard(page, 'cause', 400, 800, 'Scarsa informazione')
    const c2 = await addCard(page, 'cause', 1100, 800, 'Trasporti insufficienti')
    const e1 = await addCard(page, 'effect', 800, 200, 'Isolamento')
    await page.click('.toolbar [data-tool="connector"]')
    await dragBoard(page, { x: 400, y: 800 }, { x: 800, y: 500 })
    await page.click('.toolbar [data-tool="connector"]')
    await dragBoard(page, { x: 1100, y: 800 }, { x: 800, y: 500 })
    await page.click('.toolbar [data-tool="connector"]')
    await dragBoard(page, { x: 800, y: 500 }, { x: 800, y: 200 })
    j = await boardJSON(page)
    const links = Object.values(j.links).map((l) => `${l.from}>${l.to}:${l.kind}`).sort()
    assert.deepEqual(links, [`${c1}>core:causal`, `${c2}>core:causal`, `core>${e1}:causal`].sort())
    // automatic layout keeps causes below and effects above the core
    await page.click('[data-action="layout"]')
    j = await boardJSON(page)
    assert.ok(j.items[c1].y > j.items.core.y && j.items[c2].y > j.items.core.y)
    assert.ok(j.items[e1].y < j.items.core.y)
    assert.ok(j.items[c1].x < j.items[c2].x)
    await page.keyboard.press('Escape')
    await screenshot(page, 'problem_tree')
    assert.deepEqual(await axeProblems(page), [])
    const before = await boardJSON(page)

    // convert: a new board, same structure, roles mapped, rewrite flags
    await page.click('[data-action="convert"]')
    await page.waitForURL((u) => /\/b\/[a-z0-9]+$/.test(u.pathname) && !u.pathname.endsWith(source), { timeout: 15_000 })
    await waitFor(() => page.evaluate(() => window.tavolo?.board.getMeta()?.kind === 'objective_tree'), 10_000, 'objective tree opened')
    const target = await page.evaluate(() => window.tavolo.boardId)
    assert.notEqual(target, source)
    const obj = await boardJSON(page)
    assert.equal(obj.meta.source_board, source)
    assert.deepEqual(obj.meta.template.bands.map((b) => b.role), ['end', 'objective', 'means'])
    assert.deepEqual(Object.keys(obj.items).sort(), Object.keys(before.items).sort())
    assert.deepEqual(obj.links, before.links)
    const roleMap = { cause: 'means', core_problem: 'objective', effect: 'end' }
    for (const [id, it] of Object.entries(before.items)) {
      assert.equal(obj.items[id].role, roleMap[it.role])
      assert.equal(obj.items[id].text, it.text)
      assert.deepEqual(obj.items[id].data, { rewrite: true, original: it.text })
    }
    // the rewrite flag is visible, and cleared when marked as rewritten
    await page.waitForSelector('.scene .it-rewrite')
    await screenshot(page, 'objective_tree')
    assert.deepEqual(await axeProblems(page), [])
    await selectItem(page, 'core')
    await page.keyboard.press('Enter')
    await page.waitForSelector('textarea.text-editor:focus')
    await page.keyboard.press('Control+a')
    await page.keyboard.type('Gli anziani soli accedono ai servizi')
    await page.keyboard.press('Escape')
    await page.click('.inspector .rewrite button')
    const after = await boardJSON(page)
    assert.deepEqual(after.items.core.data, { rewrite: false, original: 'Gli anziani soli non accedono ai servizi' })
    // another person opening the new board by link sees the same converted structure
    await openBoard(bruno.page, target)
    const seen = await boardJSON(bruno.page)
    assert.equal(seen.meta.kind, 'objective_tree')
    assert.deepEqual(seen.links, before.links)
    // and the problem tree is unchanged
    await openBoard(bruno.page, source)
    assert.deepEqual((await boardJSON(bruno.page)).items.core.role, 'core_problem')
  } finally { await anna.context.close(); await bruno.context.close() }
})

test('theory of change: seven lanes, level from position, indicators and assumptions in the side panel', async () => {
  const { page, context } = await suite.user('Anna')
  try {
    await createFromStart(page, 'theory_of_change', 'Teoria del cambiamento')
    let j = await boardJSON(page)
    assert.deepEqual(j.meta.template.lanes.map((l) => l.level), ['input', 'activity', 'output', 'outcome_short', 'outcome_mid', 'outcome_long', 'impact'])
    assert.equal(j.items.impact.role, 'impact')
    await setCamera(page, -40, -120, 0.55)
    // a card dropped in the "output" lane gets that level, whatever tool made it
    const o1 = await addCard(page, 'activity', 750, 300, 'Persone raggiunte')
    j = await boardJSON(page)
    assert.equal(j.items[o1].role, 'output')
    // move it to the short-term outcomes lane: the role follows
    await page.click('.toolbar [data-tool="select"]')
    await dragBoard(page, { x: 750, y: 300 }, { x: 1050, y: 300 })
    assert.equal((await boardJSON(page)).items[o1].role, 'outcome_short')
    await dragBoard(page, { x: 1050, y: 300 }, { x: 750, y: 300 })
    assert.equal((await boardJSON(page)).items[o1].role, 'output')
    await selectItem(page, o1)
    await page.click('.inspector .indicators > button')
    const values = { name: 'Persone raggiunte', unit: 'persone', baseline: '0', target: '300', source: 'registro accessi', frequency: 'mensile' }
    for (const [f, v] of Object.entries(values)) await page.fill(`.inspector .indicator input[data-field="${f}"]`, v)
    j = await boardJSON(page)
    const ind = j.items[o1].data.indicators
    assert.equal(ind.length, 1)
    assert.match(ind[0].id, /^ind-/)
    assert.deepEqual({ ...ind[0], id: undefined }, { ...values, id: undefined })
    // a causal link and an assumption on it
    const a1 = await addCard(page, 'activity', 450, 300, 'Sportello mobile')
    await page.click('.toolbar [data-tool="connector"]')
    await dragBoard(page, { x: 450, y: 300 }, { x: 750, y: 300 })
    const [linkId] = Object.keys((await boardJSON(page)).links)
    const as1 = await addCard(page, 'assumption', 750, 700, 'I medici di base segnalano i casi')
    j = await boardJSON(page)
    assert.equal(j.items[as1].role, 'assumption')
    assert.equal(j.items[a1].role, 'activity')
    await selectItem(page, as1)
    await page.selectOption('.inspector select', `link:${linkId}`)
    assert.deepEqual((await boardJSON(page)).items[as1].data, { link: linkId })
    await page.keyboard.press('Escape')
    await screenshot(page, 'theory_of_change')
    assert.deepEqual(await axeProblems(page), [])
  } finally { await context.close() }
})

test('social reporting: six sections, reporting items with their fields', async () => {
  const { page, context } = await suite.user('Anna')
  try {
    await createFromStart(page, 'social_report', 'Bilancio sociale')
    const j0 = await boardJSON(page)
    assert.deepEqual(j0.meta.template.sections.map((s) => s.section), ['identity', 'governance', 'people', 'objectives_activities', 'economic', 'other'])
    await page.waitForSelector('.scene .bg-sections')
    await setCamera(page, -40, -40, 0.7)
    const r1 = await addCard(page, 'report_item', 250, 600, 'Persone raggiunte dallo sportello')
    await selectItem(page, r1)
    const values = { audience: 'Consiglio comunale', channel: 'sito web', data: 'registro accessi', period: 'annuale', indicator: 'ind1' }
    for (const [f, v] of Object.entries(values)) await page.fill(`.inspector input[data-field="${f}"]`, v)
    const j = await boardJSON(page)
    assert.equal(j.items[r1].role, 'report_item')
    assert.deepEqual(j.items[r1].data, values)
    assert.match(await page.textContent('.inspector'), /Obiettivi e attività/)
    await addSticky(page, 250, 150, 'Missione: nessuno resta solo')
    await page.keyboard.press('Escape')
    await screenshot(page, 'social_report')
    assert.deepEqual(await axeProblems(page), [])
  } finally { await context.close() }
})

test('free board and the list view: items by role with editable text; help panel', async () => {
  const { page, context } = await suite.user('Anna')
  try {
    await createFromStart(page, 'free', 'Idee')
    await setCamera(page, 0, 0, 1)
    const n1 = await addSticky(page, 200, 200, 'Perché non un servizio di quartiere?')
    await placeWithTool(page, 'rect', 600, 200)
    await placeWithTool(page, 'text', 600, 450)
    await page.waitForSelector('textarea.text-editor:focus')
    await page.keyboard.type('Titolo')
    await page.keyboard.press('Escape')
    await page.keyboard.press('Escape')
    await screenshot(page, 'free')
    assert.deepEqual(await axeProblems(page), [])
    await page.focus('.canvas')
    await page.keyboard.press('l')
    await page.waitForSelector('.list-view table')
    assert.deepEqual(await axeProblems(page), [])
    const row = page.locator(`.list-view tr[data-id="${n1}"] textarea`)
    assert.equal(await row.inputValue(), 'Perché non un servizio di quartiere?')
    await row.click()
    await page.keyboard.press('End')
    await page.keyboard.type(' Sì!')
    assert.equal(await page.evaluate((id) => window.tavolo.board.textOf(id), n1), 'Perché non un servizio di quartiere? Sì!')
    await screenshot(page, 'free-list')
    await page.click('[data-action="list"]')
    await page.click('[data-action="help"]')
    await page.waitForSelector('dialog.help[open]')
    assert.match(await page.textContent('dialog.help'), /Duplica/)
    assert.deepEqual(await axeProblems(page), [])
    await screenshot(page, 'help')
    await page.keyboard.press('Escape')
  } finally { await context.close() }
})
