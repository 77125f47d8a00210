// Issue 4, facilitation, end to end in Chromium: one facilitator and four participants
// (and an observer), each in their own browser context, against the real server.
//
// The facilitator creates the account from the setup link, a workspace and a meeting with a
// stakeholder map in the plenary, and invitation links; the participants join by link with
// their names and edit the map; the facilitator spawns two groups with the problem-tree
// template, moves people by drag and drop and by keyboard, starts a timer and the groups;
// each participant lands on their group's board and edits it; the timer and a broadcast
// show everywhere; the facilitator visits a group, calls everyone back, shows the groups'
// boards side by side and gathers them into the plenary (a problem tree, as the groups'
// template), converts it into an objective tree there; votes and writes privately; the
// observer cannot change anything; closing the meeting keeps snapshots and the minutes hold
// every board; the next meeting opens on the final state. The whole meeting walk of issue
// 14, at 1366x768 with some steps looked at again at 1024x640 (screenshots in artifacts/).

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'

import { ARTIFACTS, axeProblems, meetingSuite, placeWithTool, screenshot, setCamera, toPage, waitFor } from './helpers.mjs'

const artifact = (name) => path.join(ARTIFACTS, `${name}.png`)
const PEOPLE = ['Anna', 'Bruno', 'Carla', 'Dario']
const EMAIL = 'facilitatrice@comune.example'
const PASSWORD = 'una password lunga'

const suite = meetingSuite()
const ctx = {} // name → { context, page }
const s = {} // what the scenario learns on the way: ids, links

async function person (name) {
  // a municipal PC's screen; some steps look again at 1024x640
  const context = await suite.browser.newContext({ viewport: { width: 1366, height: 768 }, baseURL: suite.server.url })
  const page = await context.newPage()
  page.errors = []
  page.on('pageerror', (e) => page.errors.push(e))
  ctx[name] = { context, page }
  return ctx[name]
}

const all = () => PEOPLE.map((n) => ctx[n].page)
const view = (page) => page.evaluate(() => window.tavoloControl?.view ?? null)
const boardOf = (page) => page.evaluate(() => window.tavolo?.boardId ?? null)
const synced = (page) => page.evaluate(() => window.tavolo?.conn.provider.synced === true)
const texts = (page) => page.evaluate(() => {
  const b = window.tavolo.board
  return [...b.items.keys()].map((id) => b.textOf(id)).filter(Boolean)
})

/** Waits until the page shows board `id`, synced with the server. */
async function onBoard (page, id, what) {
  await waitFor(async () => (await boardOf(page)) === id && (await synced(page)), 15_000, what ?? `board ${id}`)
  await page.waitForSelector('.canvas', { timeout: 10_000 })
}

/** Adds a sticky note at board point (x, y) with `text` through the toolbar; returns its id. */
async function sticky (page, x, y, text) {
  await setCamera(page, 0, 0, 0.5)
  const before = await page.evaluate(() => [...window.tavolo.board.items.keys()])
  await placeWithTool(page, 'sticky', x, y)
  await page.waitForSelector('textarea.text-editor:focus', { timeout: 5000 })
  await page.keyboard.type(text)
  await page.keyboard.press('Escape')
  const id = await page.evaluate((before) => [...window.tavolo.board.items.keys()].find((k) => !before.includes(k)), before)
  assert.ok(id, `${text}: a note was created`)
  return id
}

test('the facilitator creates the account from the setup link, a workspace and a meeting', async () => {
  const { page } = await person('fac')
  await page.goto(suite.server.setupUrl)
  await page.waitForSelector('form[aria-labelledby="setup-title"]')
  assert.equal(await page.getAttribute('html', 'lang'), 'it')
  assert.deepEqual(await axeProblems(page), [])
  await page.fill('input[name="name"]', 'Francesca Facilitatrice')
  await page.fill('input[name="email"]', EMAIL)
  await page.fill('input[name="password"]', PASSWORD)
  await page.click('button[type="submit"]')
  await page.waitForURL('**/w')
  await page.fill('input[name="workspace"]', 'Tavolo anziani')
  await page.click('form[aria-labelledby="ws-create"] button[type="submit"]')
  await page.click('a.ws-name:has-text("Tavolo anziani")')
  await page.waitForURL(/\/w\/[0-9a-f]+$/)
  assert.deepEqual(await axeProblems(page), [])
  await page.fill('input[name="title"]', 'Incontro 1: costruire il tavolo')
  await page.fill('input[name="date"]', '2026-12-01')
  await page.click('form[aria-labelledby="m-create"] button[type="submit"]')
  await page.waitForURL(/\/s\/[0-9a-f]+$/)
  s.session = page.url().split('/s/')[1]
  await page.waitForSelector('.console')

  // a stakeholder map in the plenary
  await page.selectOption('.add-board select[name="kind"]', 'stakeholder_map')
  await page.fill('.add-board input[name="board-title"]', 'Chi siede al tavolo')
  await page.click('.add-board button[type="submit"]')
  await page.waitForSelector('.board-row .br-title:has-text("Chi siede al tavolo")')
  s.map = await page.getAttribute('.board-row', 'data-board')

  // invitation links, with copy buttons
  await page.click('[data-action="invite-participant"]')
  await page.click('[data-action="invite-observer"]')
  await page.waitForSelector('.invite-list li[data-role="participant"] input')
  await page.waitForSelector('.invite-list li[data-role="observer"] input')
  s.participantLink = await page.inputValue('.invite-list li[data-role="participant"] input')
  s.observerLink = await page.inputValue('.invite-list li[data-role="observer"] input')
  assert.match(s.participantLink, /\/join\/[0-9a-f]{64}$/)
  await page.context().grantPermissions(['clipboard-read', 'clipboard-write'])
  await page.click('.invite-list li[data-role="participant"] [data-action="copy"]')
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), s.participantLink)
})

test('four participants and an observer join by link with their names', async () => {
  await Promise.all([...PEOPLE, 'Osvaldo'].map(async (name) => {
    const { page } = await person(name)
    await page.goto(name === 'Osvaldo' ? s.observerLink : s.participantLink)
    await page.waitForSelector('#join-privacy')
    if (name === 'Anna') {
      assert.match(await page.textContent('#join-privacy'), /unico dato personale/)
      assert.deepEqual(await axeProblems(page), [])
    }
    await page.fill('input[name="name"]', name)
    await page.click('button[type="submit"]')
    await page.waitForURL(`**/s/${s.session}`)
    await onBoard(page, s.map, `${name} on the plenary map`)
  }))
  const fac = ctx.fac.page
  await waitFor(async () => (await view(fac))?.present.filter((p) => p.role !== 'facilitator').length === 5, 10_000, 'five people present in the console')
  const present = await fac.textContent('.present-list')
  for (const n of [...PEOPLE, 'Osvaldo']) assert.match(present, new RegExp(n))
  assert.match(present, /Chi siede al tavolo/)
})

test('everyone edits the plenary stakeholder map; the observer cannot change it', async () => {
  const ids = await Promise.all(PEOPLE.map((n, i) => sticky(ctx[n].page, 300 + i * 250, 300, `Ente di ${n}`)))
  for (const page of [...all(), ctx.Osvaldo.page]) {
    await waitFor(async () => {
      const got = await texts(page)
      return PEOPLE.every((n) => got.includes(`Ente di ${n}`))
    }, 10_000, 'every note everywhere')
  }
  s.mapNotes = ids
  const obs = ctx.Osvaldo.page
  assert.match(await obs.textContent('.locked-banner'), /osservatore/)
  assert.equal(await obs.isDisabled('.toolbar [data-tool="sticky"]'), true)
  // even a change written straight into the observer's document never reaches anyone
  await obs.evaluate(() => window.tavolo.board.addItem('osservatore-1', { type: 'sticky', x: 0, y: 0, w: 100, h: 100, color: 'yellow', z: 'a0' }, 'Nota di Osvaldo'))
  await new Promise((r) => setTimeout(r, 600))
  assert.equal((await texts(ctx.Anna.page)).includes('Nota di Osvaldo'), false)
})

test('two groups with the problem-tree template, moved by drag and drop and by keyboard', async () => {
  const fac = ctx.fac.page
  await fac.fill('.spawn-form input[name="groups"]', '2')
  await fac.selectOption('.spawn-form select[name="kind"]', 'problem_tree')
  await fac.click('[data-action="spawn"]')
  await fac.waitForSelector('.group-col[data-group]:not([data-group=""])')
  let v = await view(fac)
  s.groups = v.state.groups
  assert.equal(s.groups.length, 2)
  const groupOf = (v, name) => v.members.find((m) => m.name === name).group
  const sizes = (v) => s.groups.map((g) => v.members.filter((m) => m.group === g).length)
  assert.deepEqual(sizes(v), [2, 2], 'balanced')
  // drag Anna to the other group
  const from = groupOf(v, 'Anna')
  const to = s.groups.find((g) => g !== from)
  const anna = v.members.find((m) => m.name === 'Anna').id
  await fac.dragAndDrop(`.member-chip[data-member="${anna}"]`, `.group-col[data-group="${to}"]`)
  await waitFor(async () => groupOf(await view(fac), 'Anna') === to, 10_000, 'Anna moved by drag and drop')
  // and someone of that group back, with the keyboard (the menu next to the name)
  v = await view(fac)
  const back = v.members.find((m) => m.group === to && m.name !== 'Anna' && m.role === 'participant')
  await fac.focus(`.member-chip[data-member="${back.id}"] select`)
  await fac.selectOption(`.member-chip[data-member="${back.id}"] select`, from)
  await waitFor(async () => groupOf(await view(fac), back.name) === from, 10_000, 'moved back by keyboard')
  assert.deepEqual(sizes(await view(fac)), [2, 2])
})

test('timer, start: each participant lands in their group and edits; a broadcast shows everywhere', async () => {
  const fac = ctx.fac.page
  await fac.fill('.timer-controls input[name="minutes"]', '20')
  await fac.click('[data-action="timer-start"]')
  await fac.click('[data-action="start"]')
  const v = await view(fac)
  const boardOfGroup = (g) => v.rooms.find((r) => r.id === g).boards[0].id
  s.groupBoards = s.groups.map(boardOfGroup)
  await Promise.all(PEOPLE.map(async (name) => {
    const page = ctx[name].page
    const g = v.members.find((m) => m.name === name).group
    await onBoard(page, boardOfGroup(g), `${name} lands on their group's board`)
    assert.match(await page.textContent('.mb-room'), /Gruppo [12]/)
    await waitFor(() => page.evaluate(() => window.tavolo.board.getMeta()?.kind === 'problem_tree'), 10_000, 'problem tree')
  }))
  // the timer, in every context
  for (const page of [fac, ...all(), ctx.Osvaldo.page]) {
    await page.waitForSelector('.timer[data-state="running"] .timer-clock', { timeout: 10_000 })
    assert.match(await page.textContent('.timer .timer-clock'), /^(20:00|19:5\d)$/)
  }
  // pause, add time, resume: everyone follows
  await fac.click('[data-action="timer-pause"]')
  await ctx.Bruno.page.waitForSelector('.timer[data-state="paused"]', { timeout: 10_000 })
  await fac.click('[data-action="timer-add5"]')
  await ctx.Bruno.page.waitForSelector('.timer .timer-clock:text-matches("^2[45]:")', { timeout: 10_000 })
  await fac.click('[data-action="timer-resume"]')
  await ctx.Bruno.page.waitForSelector('.timer[data-state="running"]', { timeout: 10_000 })
  // each participant writes a cause on their group's board; the groupmate sees it
  await Promise.all(PEOPLE.map((n, i) => sticky(ctx[n].page, 250 + (i % 2) * 350, 900, `Causa di ${n}`)))
  for (const name of PEOPLE) {
    const g = v.members.find((m) => m.name === name).group
    const mates = v.members.filter((m) => m.group === g).map((m) => m.name)
    await waitFor(async () => {
      const got = await texts(ctx[name].page)
      return mates.every((n) => got.includes(`Causa di ${n}`)) && PEOPLE.filter((n) => !mates.includes(n)).every((n) => !got.includes(`Causa di ${n}`))
    }, 10_000, `${name} sees their group's causes only`)
  }
  await fac.fill('.message-form input[name="message"]', 'Ancora 5 minuti, poi rientriamo')
  await fac.click('.message-form button[type="submit"]')
  for (const page of [...all(), ctx.Osvaldo.page]) {
    await page.waitForSelector('.broadcast-text:has-text("Ancora 5 minuti")', { timeout: 10_000 })
  }
  try {
    await waitFor(async () => (await fac.textContent('.present-list')).includes('Gruppo 1 —'), 10_000, 'the console shows who is in which group')
  } catch (e) {
    // say what it showed instead (seen once in a full run, never alone)
    const present = await fac.evaluate(() => JSON.stringify(window.tavoloControl?.view?.present ?? null))
    const clients = await Promise.all(PEOPLE.map((n) => ctx[n].page.evaluate(() => {
      const c = window.tavoloControl
      return { here: c?.here, ws: c?.ws?.readyState ?? null, status: c?.status, board: window.tavolo?.boardId }
    })))
    throw new Error(`${e.message}; the list reads ${JSON.stringify(await fac.textContent('.present-list'))}, the view's present: ${present}; the participants' control channels: ${JSON.stringify(clients)}`)
  }
  await fac.evaluate(() => window.scrollTo(0, 0))
  await fac.screenshot({ path: artifact('facilitation-console'), fullPage: true })
  await ctx.Anna.page.evaluate(() => window.tavolo.editor.zoomToFit())
  await screenshot(ctx.Anna.page, 'facilitation-participant-group')
  assert.deepEqual(await axeProblems(fac), [])
  assert.deepEqual(await axeProblems(ctx.Anna.page), [])
})

test('the timer ends visibly and with a beep, everywhere', async () => {
  const fac = ctx.fac.page
  await fac.fill('.timer-controls input[name="minutes"]', '0.1')
  await fac.click('[data-action="timer-start"]')
  for (const page of [fac, ...all()]) {
    await page.waitForSelector('.timer[data-state="ended"]', { timeout: 15_000 })
    assert.match(await page.textContent('.timer'), /Tempo scaduto/)
    await waitFor(() => page.evaluate(() => (window.tavoloTimer?.beeps ?? 0) >= 1), 5000, 'a beep')
  }
})

test('the facilitator visits a group, calls everyone back, shows the groups side by side and gathers them', async () => {
  const fac = ctx.fac.page
  await fac.click(`.group-col a.visit[data-board="${s.groupBoards[0]}"]`)
  await onBoard(fac, s.groupBoards[0], 'the facilitator on group 1')
  await waitFor(async () => (await texts(fac)).filter((x) => x.startsWith('Causa di')).length === 2, 10_000, 'group 1 notes')
  await fac.click('.fac-actions a.button-link')
  await fac.waitForSelector('.console')
  await fac.click('[data-action="end"]')
  await Promise.all(PEOPLE.map((name) => onBoard(ctx[name].page, s.map, `${name} back in the plenary`)))
  // the console no longer says anyone is in a group
  await waitFor(async () => (await fac.locator('.present-list li').count()) === PEOPLE.length + 1, 10_000, 'everyone present')
  assert.equal(await fac.locator('.present-list .p-group').count(), 0, 'no "in Gruppo" once the groups ended')
  // side by side: a live, read-only preview of each group's board
  await fac.click('[data-action="gallery"]')
  for (const b of s.groupBoards) {
    await fac.waitForSelector(`.gallery-item[data-board="${b}"] .scene .item`, { timeout: 10_000 })
  }
  await screenshot(fac, 'facilitation-gallery')
  await fac.click('[data-action="gather"]')
  await fac.waitForSelector('[data-action="open-gathered"]')
  const gathered = (await view(fac)).state.gathered
  assert.ok(gathered)
  // participants are shown the gathered results
  await Promise.all(PEOPLE.map((name) => onBoard(ctx[name].page, gathered, `${name} on the gathered board`)))
  const got = await ctx.Carla.page.evaluate(() => window.tavolo.board.toJSON())
  const frames = Object.values(got.items).filter((i) => i.type === 'frame')
  assert.equal(frames.length, 2, 'one frame per group')
  const all4 = Object.values(got.items).map((i) => i.text)
  for (const n of PEOPLE) assert.ok(all4.includes(`Causa di ${n}`), `${n}'s cause gathered`)
  await fac.click('[data-action="open-gathered"]')
  await onBoard(fac, gathered, 'the facilitator on the gathered board')
  await fac.click('.fac-actions a.button-link')
  await fac.waitForSelector('.console')

  // the groups shared the problem-tree template, so the gathered board is a problem tree;
  // the facilitator converts it into an objective tree from the console, in the plenary
  assert.equal(got.meta.kind, 'problem_tree', 'the groups\' template is kept')
  await fac.click(`.board-row[data-board="${gathered}"] [data-action="convert"]`)
  await waitFor(async () => { const b = await boardOf(fac); return b && b !== gathered }, 15_000, 'the objective tree opens')
  s.objective = await boardOf(fac)
  await onBoard(fac, s.objective, 'the facilitator on the objective tree')
  const objective = await fac.evaluate(() => window.tavolo.board.toJSON())
  assert.equal(objective.meta.kind, 'objective_tree')
  const written = Object.values(objective.items).map((i) => i.text ?? '')
  for (const n of PEOPLE) assert.ok(written.some((t) => t.includes(n)), `${n}'s cause became a means: ${written}`)
  // each group's frame is an objective tree too: its bands read Fini, Obiettivo, Mezzi
  const frameKinds = Object.values(objective.items).filter((i) => i.type === 'frame').map((i) => i.data?.kind)
  assert.deepEqual(frameKinds, ['objective_tree', 'objective_tree'])
  const plenary = (await view(fac)).rooms.find((r) => r.kind === 'plenary')
  assert.ok(plenary.boards.some((b) => b.id === s.objective), 'the objective tree is the plenary\'s')
  s.objectiveTitle = plenary.boards.find((b) => b.id === s.objective).title
  await fac.evaluate(() => window.tavolo.editor.zoomToFit())
  await screenshot(fac, 'facilitation-objective-tree')
  await fac.setViewportSize({ width: 1024, height: 640 })
  await screenshot(fac, 'facilitation-objective-tree-1024')
  await fac.setViewportSize({ width: 1366, height: 768 })
  await fac.click('.fac-actions a.button-link')
  await fac.waitForSelector('.console')
  await fac.setViewportSize({ width: 1024, height: 640 })
  await fac.evaluate(() => window.scrollTo(0, 0))
  await fac.screenshot({ path: artifact('facilitation-console-1024') })
  assert.deepEqual(await axeProblems(fac), [])
  await fac.setViewportSize({ width: 1366, height: 768 })
})

test('dot voting, private writing, locking and "bring everyone to me" on the plenary map', async () => {
  const fac = ctx.fac.page
  // everyone back on the map, with the boards' tabs of the meeting bar
  await Promise.all(PEOPLE.map(async (n) => {
    await ctx[n].page.click(`.mb-board[data-board="${s.map}"]`)
    await onBoard(ctx[n].page, s.map, `${n} back on the map`)
  }))

  // a manual snapshot first
  const row = `.board-row[data-board="${s.map}"]`
  await fac.click(`${row} [data-action="snapshots"]`)
  await fac.fill('dialog.modal input[type="text"]', 'Prima della votazione')
  await fac.click('dialog.modal button[type="submit"]')
  await fac.waitForSelector('.snapshot-list li[data-kind="manual"]:has-text("Prima della votazione")')
  await fac.click('dialog.modal .modal-head button')
  await fac.waitForSelector('dialog.modal', { state: 'detached' })

  // a dot vote, two dots each: Anna clicks a note, Bruno uses the list (keyboard alternative)
  await fac.fill(`${row} .vote-control input`, '2')
  await fac.click(`${row} [data-action="vote-open"]`)
  const anna = ctx.Anna.page
  await anna.waitForSelector('.vote-panel [data-dots-left="2"]')
  const note = s.mapNotes[3]
  await anna.evaluate(() => window.tavolo.editor.zoomToFit())
  const it = await anna.evaluate((id) => window.tavolo.board.getItem(id), note)
  const p = await toPage(anna, { x: it.x + it.w / 2, y: it.y + it.h / 2 })
  await anna.mouse.click(p.x, p.y)
  await anna.waitForSelector('.vote-panel [data-dots-left="1"]')
  await ctx.Bruno.page.click(`.tally li[data-item="${note}"] .tally-actions button >> nth=0`)
  await ctx.Carla.page.waitForSelector(`.vote-dot[data-item="${note}"]:has-text("2")`, { timeout: 10_000 })
  await fac.waitForSelector(`${row} .badge[data-vote]:has-text("2")`, { timeout: 10_000 })
  assert.equal((await ctx.Carla.page.textContent(`.tally li[data-item="${note}"] .tally-dots`)).trim(), '2')
  await screenshot(ctx.Carla.page, 'facilitation-vote')
  assert.deepEqual(await axeProblems(ctx.Carla.page), [])
  await fac.click(`${row} [data-action="vote-close"]`)
  // closed: no more dots to place, but the results stay (issue 14 point 4; browser/votes.test.mjs)
  await anna.waitForSelector('.vote-panel [data-dots-left]', { state: 'detached', timeout: 10_000 })
  await anna.waitForSelector(`.vote-results .tally li[data-item="${note}"][data-rank="1"]`, { timeout: 10_000 })

  // private writing: Bruno's note stays in his own draft until the facilitator reveals it
  await fac.click(`${row} [data-action="private-on"]`)
  const bruno = ctx.Bruno.page
  await waitFor(() => bruno.evaluate(() => !!window.tavolo.draft), 10_000, 'Bruno drafts privately')
  await bruno.waitForSelector('.private-panel')
  await bruno.click('.toolbar [data-tool="sticky"]')
  const r = await bruno.evaluate(() => { const b = document.querySelector('.canvas').getBoundingClientRect(); return { x: b.left + b.width / 2, y: b.top + b.height / 2 } })
  await bruno.mouse.click(r.x, r.y)
  await bruno.waitForSelector('textarea.text-editor:focus')
  await bruno.keyboard.type('Idea privata di Bruno')
  await bruno.keyboard.press('Escape')
  await waitFor(() => bruno.evaluate(() => [...window.tavolo.draft.board.items.keys()].some((id) => window.tavolo.draft.board.textOf(id) === 'Idea privata di Bruno')), 5000, 'in the draft')
  await screenshot(bruno, 'facilitation-private')
  assert.deepEqual(await axeProblems(bruno), [])
  await new Promise((resolve) => setTimeout(resolve, 500))
  assert.equal((await texts(anna)).includes('Idea privata di Bruno'), false, 'nobody else sees a draft')
  assert.equal((await texts(bruno)).includes('Idea privata di Bruno'), false, 'not in the shared board yet')
  await fac.click(`${row} [data-action="reveal"]`)
  for (const page of [anna, bruno]) {
    await waitFor(async () => (await texts(page)).includes('Idea privata di Bruno'), 10_000, 'revealed to everyone')
  }
  await waitFor(() => bruno.evaluate(() => !window.tavolo.draft), 10_000, 'private mode over')

  // locking: participants get a read-only board until it is unlocked
  const dario = ctx.Dario.page
  await fac.click(`${row} [data-action="lock"]`)
  await dario.waitForSelector('.locked-banner:has-text("bloccato")', { timeout: 10_000 })
  assert.equal(await dario.isDisabled('.toolbar [data-tool="sticky"]'), true)
  await fac.click(`${row} [data-action="lock"]`)
  await dario.waitForSelector('.locked-banner', { state: 'detached', timeout: 10_000 })

  // "bring everyone to me"
  await fac.click(`${row} a.br-title`)
  await onBoard(fac, s.map, 'the facilitator on the map')
  await fac.evaluate(() => window.tavolo.editor.setCamera({ x: 900, y: 500, zoom: 1.5 }))
  const centre = await fac.evaluate(() => { const v = window.tavolo.editor.visible(); return { x: v.x + v.w / 2, y: v.y + v.h / 2 } })
  await fac.click('[data-action="follow"]')
  const carla = ctx.Carla.page
  await waitFor(async () => {
    const c = await carla.evaluate(() => { const ed = window.tavolo.editor; const v = ed.visible(); return { x: v.x + v.w / 2, y: v.y + v.h / 2, zoom: ed.camera.zoom } })
    return Math.abs(c.x - centre.x) < 2 && Math.abs(c.y - centre.y) < 2 && c.zoom === 1.5
  }, 10_000, 'Carla sees what the facilitator sees')
  await fac.click('.fac-actions a.button-link')
  await fac.waitForSelector('.console')
})

test('closing the meeting keeps snapshots, participants become read-only, the next meeting opens on the final state', async () => {
  const fac = ctx.fac.page
  await fac.click('[data-action="close"]')
  await fac.click('dialog.modal [data-action="confirm"]')
  await fac.waitForSelector('[data-closed="true"]')
  await fac.evaluate(() => window.scrollTo(0, 0))
  await fac.screenshot({ path: artifact('facilitation-console-closed'), fullPage: true })
  assert.deepEqual(await axeProblems(fac), [])
  assert.deepEqual(await axeProblems(ctx.Osvaldo.page), [])
  assert.match(await fac.textContent('[data-closed="true"]'), /istantanee salvate/)
  for (const name of PEOPLE) {
    await ctx[name].page.waitForSelector('.locked-banner:has-text("chiuso")', { timeout: 10_000 })
  }
  // a participant's board in the closed meeting, also at 1024x640 where the side panel scrolls
  assert.deepEqual(await axeProblems(ctx.Anna.page), [])
  await ctx.Anna.page.setViewportSize({ width: 1024, height: 640 })
  assert.deepEqual(await axeProblems(ctx.Anna.page), [])
  // the snapshot of the stakeholder map, with a preview
  await fac.click(`.board-row[data-board="${s.map}"] [data-action="snapshots"]`)
  await fac.waitForSelector('.snapshot-list li[data-kind="closing"]')
  await fac.click('.snapshot-list li[data-kind="closing"] button:has-text("Anteprima")')
  await fac.waitForSelector('.snap-preview .scene .item')
  await screenshot(fac, 'facilitation-snapshot')
  // restoring the snapshot taken before the vote: the revealed idea goes away, for everyone
  await fac.click('.snapshot-list li[data-kind="manual"] button:has-text("Ripristina")')
  await fac.click('dialog.modal >> nth=1 >> [data-action="confirm"]')
  await waitFor(async () => !(await texts(ctx.Anna.page)).includes('Idea privata di Bruno'), 10_000, 'restored for Anna')
  assert.ok((await texts(ctx.Anna.page)).includes('Ente di Anna'))
  await fac.keyboard.press('Escape')
  // the minutes, in one download
  const [download] = await Promise.all([fac.waitForEvent('download', { timeout: 30_000 }), fac.click('[data-action="minutes"]')])
  assert.match(download.suggestedFilename(), /\.zip$/)
  assert.ok((await fs.promises.stat(await download.path())).size > 1000, 'the minutes are not empty')
  // every board of the meeting is in them, the objective tree converted in it too
  const names = execFileSync('python3', ['-c', 'import sys, zipfile; print("\\n".join(zipfile.ZipFile(sys.argv[1]).namelist()))', await download.path()]).toString()
  const slug = (t) => t.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '')
  assert.ok(names.includes(slug(s.objectiveTitle).slice(0, 20)), `the objective tree "${s.objectiveTitle}" in the minutes: ${names}`)
  // the next meeting
  await fac.fill('input[name="next-title"]', 'Incontro 2: coinvolgere gli stakeholder')
  await fac.click('[data-action="next-meeting"]')
  await fac.waitForURL((u) => /\/s\/[0-9a-f]+$/.test(u.pathname) && !u.pathname.endsWith(s.session))
  await fac.waitForSelector('.board-row .br-title:has-text("Chi siede al tavolo")')
  const copy = await fac.getAttribute('.board-row:has(.br-title:has-text("Chi siede al tavolo"))', 'data-board')
  assert.notEqual(copy, s.map)
  await fac.click(`.board-row[data-board="${copy}"] a.br-title`)
  await onBoard(fac, copy, 'the copy of the map')
  const got = await texts(fac)
  for (const n of PEOPLE) assert.ok(got.includes(`Ente di ${n}`), `${n}'s note carried over`)
  assert.equal(got.includes('Idea privata di Bruno'), false, 'as restored')
  // the new meeting's console, in English
  await fac.click('.fac-actions a.button-link')
  await fac.waitForSelector('.console')
  await fac.click('button.lang')
  await fac.waitForSelector('h2:has-text("Breakout groups")')
  assert.equal(await fac.getAttribute('html', 'lang'), 'en')
  await fac.screenshot({ path: artifact('facilitation-console-next-en'), fullPage: true })
  assert.deepEqual(await axeProblems(fac), [])
  for (const [name, { page }] of Object.entries(ctx)) assert.deepEqual(page.errors, [], `no page errors for ${name}`)
})
