// Issue 14, point 2: in a meeting, the facilitator converts a problem tree into an
// objective tree, from the board and from the console. The objective tree belongs to the
// problem tree's room (tabs, console, minutes), and nobody without the meeting's rights can
// open it: before, the conversion made an anonymous board that anyone with its link could
// read and edit. A meeting's board opened at /b/{id} opens inside its meeting.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import path from 'node:path'

import { addCard, addPlenaryBoard, ARTIFACTS, axeProblems, facilitatorWithMeeting, meetingSuite, newPage, onBoard, participantLink, setCamera, waitFor } from './helpers.mjs'

const suite = meetingSuite()
const s = {}
const pages = {}

async function person (name, viewport) {
  pages[name] = await newPage(suite.browser, suite.server.url, viewport)
  return pages[name]
}

const view = (page) => page.evaluate(() => window.tavoloControl?.view ?? null)
const boardOf = (page) => page.evaluate(() => window.tavolo?.boardId ?? null)
const boardsOf = (v) => v.rooms.flatMap((r) => r.boards.map((b) => ({ ...b, room: r.id })))

test('a meeting with a problem tree in the plenary, and a participant', async () => {
  const fac = await person('fac')
  s.session = await facilitatorWithMeeting(fac, suite.server.setupUrl, { workspace: 'Dispersione scolastica', title: 'Incontro 2: problemi e obiettivi', date: '2026-12-02' })
  s.problem = await addPlenaryBoard(fac, 'problem_tree', 'Perché i ragazzi lasciano la scuola')
  s.link = await participantLink(fac)

  const anna = await person('Anna')
  await anna.goto(s.link)
  await anna.waitForSelector('#join-privacy')
  // the join page names the meeting before she types her name
  await anna.waitForSelector('.join-meeting')
  assert.match(await anna.textContent('.join-meeting'), /Incontro 2: problemi e obiettivi, 2 dicembre 2026/)
  await anna.fill('input[name="name"]', 'Anna')
  await anna.click('button[type="submit"]')
  await anna.waitForURL(`**/s/${s.session}`)
  await onBoard(anna, s.problem)
  // Anna writes the core problem and a cause
  await setCamera(anna, 0, 0, 0.5)
  await addCard(anna, 'core_problem', 700, 500, 'I ragazzi lasciano la scuola')
  await addCard(anna, 'cause', 500, 800, 'Pochi servizi di orientamento')
})

test('the facilitator converts the tree from the board: the objective tree is in the meeting, not on a public link', async () => {
  const fac = pages.fac
  await fac.goto(`/s/${s.session}/b/${s.problem}`)
  await onBoard(fac, s.problem)
  await waitFor(async () => (await fac.evaluate(() => window.tavolo.board.items.size)) >= 2, 10_000, 'Anna\'s cards')
  const before = boardsOf(await view(fac)).map((b) => b.id)
  await fac.click('[data-action="convert"]')
  await waitFor(async () => { const b = await boardOf(fac); return b && b !== s.problem }, 15_000, 'the new board opens')
  s.objective = await boardOf(fac)
  assert.ok(!before.includes(s.objective))
  assert.ok(fac.url().endsWith(`/s/${s.session}/b/${s.objective}`), fac.url())
  await onBoard(fac, s.objective)
  const json = await fac.evaluate(() => window.tavolo.board.toJSON())
  assert.equal(json.meta.kind, 'objective_tree')
  assert.equal(json.meta.source_board, s.problem)
  assert.equal(json.meta.title, 'Perché i ragazzi lasciano la scuola — obiettivi')
  // every card came over, its role mapped (core problem → objective, cause → means)
  const source = await pages.Anna.evaluate(() => window.tavolo.board.toJSON())
  const mapped = { core_problem: 'objective', cause: 'means', effect: 'end' }
  assert.equal(Object.keys(json.items).length, Object.keys(source.items).length)
  for (const [id, item] of Object.entries(source.items)) {
    assert.equal(json.items[id]?.role, mapped[item.role] ?? item.role, id)
  }
  assert.ok(Object.values(json.items).some((i) => i.text === 'Pochi servizi di orientamento' && i.role === 'means'))
  // it is a board of the plenary, for everyone in the meeting
  const v = await view(fac)
  const made = boardsOf(v).find((b) => b.id === s.objective)
  assert.ok(made, 'listed in the meeting')
  assert.equal(made.room, v.rooms.find((r) => r.kind === 'plenary').id)
  assert.equal(made.kind, 'objective_tree')
  // the participant's tabs list it, and she can open it
  const anna = pages.Anna
  await anna.waitForSelector(`.meeting-bar [data-board="${s.objective}"]`, { timeout: 10_000 })
  await fac.screenshot({ path: path.join(ARTIFACTS, 'meeting-converted-1366x768.png') })
  assert.deepEqual(await axeProblems(fac), [])
  // a stranger holding only the link sees nothing of it
  const stranger = await person('stranger')
  // with a name already given, so that the board page would connect at once
  await stranger.goto('/')
  await stranger.evaluate(() => localStorage.setItem('tavolo.name', 'Estraneo'))
  await stranger.goto(`/b/${s.objective}`)
  await stranger.waitForSelector('main.denied', { timeout: 15_000 })
  assert.equal(await stranger.locator('.canvas').count(), 0)
  const status = await stranger.evaluate((id) => fetch(`/api/boards/${id}/export/json`).then((r) => r.status), s.objective)
  assert.ok(status === 401 || status === 403, `export status ${status}`)
  // its page is in the minutes
  const zip = await fac.evaluate((id) => fetch(`/api/sessions/${id}/minutes.zip`).then(async (r) => ({ status: r.status, bytes: (await r.arrayBuffer()).byteLength })), s.session)
  assert.equal(zip.status, 200)
  assert.ok(zip.bytes > 0)
  assert.deepEqual(fac.errors, [])
  assert.deepEqual(stranger.errors, [])
})

test('a meeting board opened at /b/{id} opens inside its meeting', async () => {
  const fac = pages.fac
  await fac.goto(`/b/${s.problem}`)
  await fac.waitForURL(`**/s/${s.session}/b/${s.problem}`)
  await onBoard(fac, s.problem)
  assert.equal(await fac.locator('.meeting-bar').count(), 1)
  // and from the source link of the objective tree
  await fac.goto(`/s/${s.session}/b/${s.objective}`)
  await onBoard(fac, s.objective)
  await fac.click('a.source')
  await fac.waitForURL(`**/s/${s.session}/b/${s.problem}`)
  await onBoard(fac, s.problem)
})

test('the facilitator converts from the console too, at 1024x640', async () => {
  const fac = pages.fac
  await fac.setViewportSize({ width: 1024, height: 640 })
  await fac.goto(`/s/${s.session}`)
  await fac.waitForSelector(`.board-row[data-board="${s.problem}"] [data-action="convert"]`)
  // only problem trees offer it
  assert.equal(await fac.locator(`.board-row[data-board="${s.objective}"] [data-action="convert"]`).count(), 0)
  await fac.screenshot({ path: path.join(ARTIFACTS, 'meeting-console-convert-1024x640.png') })
  await fac.click(`.board-row[data-board="${s.problem}"] [data-action="convert"]`)
  await waitFor(async () => { const b = await boardOf(fac); return b && b !== s.problem && b !== s.objective }, 15_000, 'the second objective tree opens')
  const second = await boardOf(fac)
  await onBoard(fac, second)
  const json = await fac.evaluate(() => window.tavolo.board.toJSON())
  assert.equal(json.meta.kind, 'objective_tree')
  assert.ok(Object.values(json.items).some((i) => i.text === 'I ragazzi lasciano la scuola' && i.role === 'objective'))
  assert.ok(boardsOf(await view(fac)).some((b) => b.id === second))
  assert.deepEqual(await axeProblems(fac), [])
  assert.deepEqual(fac.errors, [])
  // participants have no conversion control
  assert.equal(await pages.Anna.locator('[data-action="convert"]').count(), 0)
})

// Issue 14, point 7: a vote or private writing opening on another board is announced to
// participants, who get there with one click; the facilitator's confirmations are on
// screen, not for screen readers only.
test('a vote or private writing on another board is announced, with a button that goes there', async () => {
  const fac = pages.fac
  const anna = pages.Anna
  await fac.setViewportSize({ width: 1366, height: 768 })
  await fac.goto(`/s/${s.session}`)
  s.ideas = await addPlenaryBoard(fac, 'free', 'Idee per l\'orientamento')
  // Anna is on the problem tree
  await anna.click(`.meeting-bar [data-board="${s.problem}"]`)
  await onBoard(anna, s.problem)
  assert.equal(await anna.locator('.cue-bar p').count(), 0, 'no cue before anything opens')

  await fac.click(`.board-row[data-board="${s.ideas}"] [data-action="vote-open"]`)
  const cue = anna.locator(`.cue-bar p[data-cue="vote"][data-board="${s.ideas}"]`)
  await cue.waitFor({ timeout: 10_000 })
  assert.match(await cue.innerText(), /È aperta una votazione sulla lavagna «Idee per l'orientamento»/)
  assert.deepEqual(await axeProblems(anna), [])
  await anna.screenshot({ path: path.join(ARTIFACTS, 'meeting-cue-vote-1366x768.png') })
  await cue.getByRole('button', { name: 'Vai alla lavagna' }).click()
  await onBoard(anna, s.ideas)
  assert.equal(await anna.locator('.cue-bar p').count(), 0, 'no cue for the board one is on')
  await fac.click(`.board-row[data-board="${s.ideas}"] [data-action="vote-close"]`)

  // private writing on the problem tree, seen from the ideas board at 1024x640
  await anna.setViewportSize({ width: 1024, height: 640 })
  await fac.click(`.board-row[data-board="${s.problem}"] [data-action="private-on"]`)
  const priv = anna.locator(`.cue-bar p[data-cue="private"][data-board="${s.problem}"]`)
  await priv.waitFor({ timeout: 10_000 })
  assert.match(await priv.innerText(), /Sulla lavagna «Perché i ragazzi lasciano la scuola» si scrive ora in privato/)
  assert.deepEqual(await axeProblems(anna), [])
  await anna.screenshot({ path: path.join(ARTIFACTS, 'meeting-cue-private-1024x640.png') })
  await priv.getByRole('button', { name: 'Vai alla lavagna' }).click()
  await waitFor(async () => (await boardOf(anna)) === s.problem, 15_000, 'Anna on the problem tree')
  await fac.click(`.board-row[data-board="${s.problem}"] [data-action="private-off"]`)
  await waitFor(async () => (await anna.locator('.cue-bar p').count()) === 0, 10_000, 'the cue goes when private writing ends')
  assert.deepEqual(anna.errors, [])
})

test('the facilitator sees the confirmations of what they did', async () => {
  const fac = pages.fac
  await fac.context().grantPermissions(['clipboard-read', 'clipboard-write'])
  await fac.click('.invite-list li[data-role="participant"] [data-action="copy"]')
  const copied = fac.locator('section[aria-labelledby="inv-title"] .notice')
  await waitFor(async () => /copiato/i.test(await copied.innerText()), 5000, 'the copy is confirmed')
  const box = await copied.boundingBox()
  assert.ok(box && box.width > 20 && box.height > 8, `visible on screen: ${JSON.stringify(box)}`)
  // "bring everyone here" on a board
  await fac.goto(`/s/${s.session}/b/${s.ideas}`)
  await onBoard(fac, s.ideas)
  await fac.click('[data-action="follow"]')
  const sent = fac.locator('.fac-actions .notice')
  await waitFor(async () => (await sent.innerText()) === 'Tutti vedono ora questa parte della lavagna.', 5000, 'the follow is confirmed')
  const b2 = await sent.boundingBox()
  assert.ok(b2 && b2.width > 20, `visible on screen: ${JSON.stringify(b2)}`)
  await fac.screenshot({ path: path.join(ARTIFACTS, 'meeting-confirmation-1366x768.png') })
  assert.deepEqual(await axeProblems(fac), [])
  // it goes after a few seconds, the region stays for the next one
  await waitFor(async () => (await sent.innerText()) === '', 10_000, 'the confirmation fades')
  assert.deepEqual(fac.errors, [])
})

// Issue 14: renaming a board in its header updates the meeting's tabs and console, and
// only the facilitator may do it.
test('the facilitator renames a board in its header; tabs and console follow; participants cannot', async () => {
  const fac = pages.fac
  const anna = pages.Anna
  await fac.goto(`/s/${s.session}/b/${s.ideas}`)
  await onBoard(fac, s.ideas)
  const field = fac.locator('.title-field input')
  await field.fill('Idee per orientare i ragazzi')
  await field.press('Enter')
  await waitFor(async () => (await fac.locator('.fac-actions .notice').innerText()).includes('Lavagna rinominata'), 5000, 'the rename is confirmed')
  await waitFor(async () => (await anna.locator(`.meeting-bar [data-board="${s.ideas}"]`).innerText()).includes('Idee per orientare i ragazzi'), 10_000, 'Anna\'s tab follows')
  await anna.click(`.meeting-bar [data-board="${s.ideas}"]`)
  await onBoard(anna, s.ideas)
  assert.equal(await anna.locator('.title-field input').isDisabled(), true, 'a participant cannot rename')
  assert.equal(await anna.locator('.title-field input').inputValue(), 'Idee per orientare i ragazzi')
  await fac.goto(`/s/${s.session}`)
  await fac.waitForSelector(`.board-row[data-board="${s.ideas}"] .br-title:has-text("Idee per orientare i ragazzi")`)
  assert.deepEqual(fac.errors, [])
  assert.deepEqual(anna.errors, [])
})

// Issue 14: a participant changes the name the others see, inside the meeting.
test('a participant renames herself from her avatar; the console and the others follow', async () => {
  const fac = pages.fac
  const anna = pages.Anna
  await anna.setViewportSize({ width: 1366, height: 768 })
  await anna.click('.presence button.avatar.self')
  await anna.waitForSelector('dialog, [role="dialog"]')
  assert.deepEqual(await axeProblems(anna), [])
  await anna.fill('[role="dialog"] input[name="name"]', 'Anna Bianchi (Il Ponte)')
  await anna.click('[role="dialog"] button[type="submit"]')
  await anna.waitForSelector('[role="dialog"]', { state: 'detached' })
  await fac.goto(`/s/${s.session}`)
  await fac.waitForSelector('.member-list li:has-text("Anna Bianchi (Il Ponte)")', { timeout: 10_000 })
  await waitFor(async () => (await fac.locator('.present-list li:has-text("Anna Bianchi (Il Ponte)")').count()) === 1, 10_000, 'present under the new name')
  assert.equal(await anna.evaluate(() => window.tavoloControl.view.me.name), 'Anna Bianchi (Il Ponte)')
  // the initials skip the punctuation
  assert.equal(await anna.locator('.presence .avatar.self').innerText(), 'AB')
  assert.deepEqual(anna.errors, [])
})

// Issue 14, point 6: the group columns show whole names, however long.
for (const size of [{ width: 1366, height: 768 }, { width: 1024, height: 640 }]) {
  test(`group columns show long names whole (${size.width}x${size.height})`, async () => {
    const fac = pages.fac
    await fac.setViewportSize(size)
    await fac.goto(`/s/${s.session}`)
    if (await fac.locator('.group-col[data-group]:not([data-group=""])').count() === 0) {
      await fac.fill('.spawn-form input[name="groups"]', '3')
      await fac.click('[data-action="spawn"]')
      await fac.waitForSelector('.group-col[data-group]:not([data-group=""])')
    }
    const chip = fac.locator('.member-chip:has-text("Anna Bianchi (Il Ponte)") .m-name')
    await chip.waitFor()
    assert.equal(await chip.innerText(), 'Anna Bianchi (Il Ponte)')
    const clipped = await chip.evaluate((el) => el.scrollWidth > el.clientWidth + 1 || el.scrollHeight > el.clientHeight + 1)
    assert.equal(clipped, false, 'the name is not cut')
    // and the group menu is still whole and reachable
    const menu = fac.locator('.member-chip:has-text("Anna Bianchi (Il Ponte)") select')
    const box = await menu.boundingBox()
    const col = await fac.locator('.group-col:has(.member-chip:has-text("Anna Bianchi (Il Ponte)"))').boundingBox()
    assert.ok(box && col && box.x >= col.x && box.x + box.width <= col.x + col.width + 1, 'the menu fits in its column')
    await fac.locator('.groups').screenshot({ path: path.join(ARTIFACTS, `meeting-groups-${size.width}x${size.height}.png`) })
    assert.deepEqual(await axeProblems(fac), [])
  })
}

// Issue 14: a revoked link says so before anyone types a name, in Italian.
test('a revoked invitation link says so at once, in Italian', async () => {
  const fac = pages.fac
  await fac.goto(`/s/${s.session}`)
  await fac.click('.invite-list li[data-role="participant"] [data-action="revoke"]')
  await fac.waitForSelector('.invite-list li[data-role="participant"] [data-action="revoke"]', { state: 'detached', timeout: 10_000 })
  const late = await person('late', { width: 1024, height: 640 })
  await late.goto(s.link)
  await late.waitForSelector('.card-form [role="alert"]', { timeout: 10_000 })
  const text = await late.textContent('.card-form')
  assert.match(text, /Il facilitatore ha ritirato questo link di invito/)
  assert.doesNotMatch(text, /revoked|invitation/)
  assert.equal(await late.locator('input[name="name"]').count(), 0, 'no name to type for nothing')
  assert.deepEqual(await axeProblems(late), [])
  await late.screenshot({ path: path.join(ARTIFACTS, 'join-revoked-1024x640.png') })
  assert.deepEqual(late.errors, [])
})
