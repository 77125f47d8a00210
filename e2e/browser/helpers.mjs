// Helpers for the browser tests: a real Tavolo server (serving the embedded web client)
// per test file, Debian's Chromium driven by playwright-core, and bounded waits.

import { after, before } from 'node:test'
import fs from 'node:fs'
import path from 'node:path'
import { chromium } from 'playwright-core'
import { AxeBuilder } from '@axe-core/playwright'

import { Cleanup, E2E_DIR, makeDataDir, removeDataDir, serverBinary, startServer, waitFor, sleep } from '../tests/helpers.mjs'

export { Cleanup, waitFor, sleep, serverBinary }

export const ARTIFACTS = path.join(E2E_DIR, 'artifacts')
export const CHROMIUM = process.env.CHROMIUM_BIN || '/usr/bin/chromium'
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run']

export async function launchBrowser () {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}: apt-get install -y chromium, or set CHROMIUM_BIN`)
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS })
}

/**
 * Per test file: one server on a fresh data dir and one browser, both stopped at the end.
 * `user(name)` opens a new browser context (its own storage, like another computer) whose
 * display name is already saved.
 */
export async function setupSuite ({ anonymousBoards = true, extraArgs = [] } = {}) {
  const cleanup = new Cleanup()
  const dataDir = makeDataDir()
  cleanup.add(() => removeDataDir(dataDir))
  const server = await startServer({ dataDir, databaseUrl: process.env.E2E_DATABASE_URL || undefined, anonymousBoards, extraArgs })
  cleanup.add(() => server.stop())
  const browser = await launchBrowser()
  cleanup.add(() => browser.close())
  const home = await (await fetch(server.url + '/')).text()
  if (!home.includes('id="app"')) {
    throw new Error('the server does not serve the built web client: run `npm run build` in web/ before `cargo build -p tavolo`')
  }
  fs.mkdirSync(ARTIFACTS, { recursive: true })
  return {
    server,
    dataDir,
    browser,
    cleanup,
    async user (name, { lang, viewport = { width: 1280, height: 800 } } = {}) {
      const context = await browser.newContext({ viewport, baseURL: server.url })
      await context.addInitScript(([n, l]) => {
        if (n && !localStorage.getItem('tavolo.name')) localStorage.setItem('tavolo.name', n)
        if (l) localStorage.setItem('tavolo.lang', l)
      }, [name, lang])
      const page = await context.newPage()
      const errors = []
      page.on('pageerror', (e) => errors.push(e))
      page.errors = errors
      return { context, page }
    }
  }
}

let boardCounter = 0
export const uniqueBoard = (base) => `${base}-${process.pid}-${Date.now().toString(36)}-${++boardCounter}`

/** Opens a board page and waits until the board is loaded and synced. */
export async function openBoard (page, boardId, { kind, title } = {}) {
  const q = kind ? `?${new URLSearchParams({ new: kind, title: title ?? kind })}` : ''
  await page.goto(`/b/${boardId}${q}`)
  await page.waitForSelector('.canvas', { timeout: 15_000 })
  await waitFor(() => page.evaluate(() => window.tavolo?.conn.provider.synced === true), 10_000, 'board synced')
  if (kind) await waitFor(() => page.evaluate(() => window.tavolo.board.getMeta()?.kind), 10_000, 'board initialised')
}

/** The board as the browser reads it (the schema's JSON form). */
export const boardJSON = (page) => page.evaluate(() => window.tavolo.board.toJSON())

/** Screen position (page coordinates) of a board point. */
export async function toPage (page, p) {
  return page.evaluate(({ x, y }) => {
    const ed = window.tavolo.editor
    const r = document.querySelector('.canvas').getBoundingClientRect()
    const s = ed.toScreen({ x, y })
    return { x: r.left + s.x, y: r.top + s.y }
  }, p)
}

/** Puts the camera at zoom 1 with board point (x, y) at the canvas' top-left. */
export async function setCamera (page, x, y, zoom = 1) {
  await page.evaluate(([x, y, zoom]) => window.tavolo.editor.setCamera({ x, y, zoom }), [x, y, zoom])
}

/** Picks a tool from the toolbar and clicks the board at board point (x, y). */
export async function placeWithTool (page, tool, x, y) {
  await page.click(`.toolbar [data-tool="${tool}"]`)
  const p = await toPage(page, { x, y })
  await page.mouse.click(p.x, p.y)
}

/** Creates a sticky note through the UI at (x, y) and types `text` in it. Returns its id. */
export async function addSticky (page, x, y, text) {
  const before = new Set(Object.keys((await boardJSON(page)).items))
  await placeWithTool(page, 'sticky', x, y)
  await page.waitForSelector('textarea.text-editor:focus', { timeout: 5000 })
  await page.keyboard.type(text)
  await page.keyboard.press('Escape')
  const after = await boardJSON(page)
  const id = Object.keys(after.items).find((k) => !before.has(k))
  if (!id) throw new Error('no sticky was created')
  return id
}

/** Drags with the mouse from board point a to board point b. */
export async function dragBoard (page, a, b, steps = 8) {
  const pa = await toPage(page, a)
  const pb = await toPage(page, b)
  await page.mouse.move(pa.x, pa.y)
  await page.mouse.down()
  await page.mouse.move(pb.x, pb.y, { steps })
  await page.mouse.up()
}

export async function screenshot (page, name) {
  const file = path.join(ARTIFACTS, `${name}.png`)
  await page.screenshot({ path: file })
  return file
}

/**
 * A meeting test file's server (with its setup link, `startTavoloWithSetup`) and Chromium:
 * started before the file's first test, stopped after its last. `const suite =
 * meetingSuite()` at the top; `suite.server` and `suite.browser` inside the tests.
 */
export function meetingSuite () {
  const suite = { server: null, browser: null, cleanup: new Cleanup() }
  before(async () => {
    suite.server = await startTavoloWithSetup(suite.cleanup)
    suite.browser = await launchBrowser()
    suite.cleanup.add(() => suite.browser.close())
    fs.mkdirSync(ARTIFACTS, { recursive: true })
  })
  after(async () => { await suite.cleanup.run() })
  return suite
}

/**
 * Starts the real `tavolo` binary on a fresh data dir and reads both lines it prints on its
 * first start: the address and the one-time setup link of the first facilitator.
 * Returns `{ url, setupUrl, dataDir, stop }`.
 */
export async function startTavoloWithSetup (cleanup) {
  const { spawn } = await import('node:child_process')
  const readline = await import('node:readline')
  const dataDir = makeDataDir()
  cleanup.add(() => removeDataDir(dataDir))
  // any free UDP port for the media server: several servers run side by side
  const args = ['--bind', '127.0.0.1:0', '--media-udp', '127.0.0.1:0', '--data-dir', dataDir, '--anonymous-boards', '--anonymous-boards-per-minute', '0']
  if (process.env.E2E_DATABASE_URL) args.push('--database-url', process.env.E2E_DATABASE_URL)
  const child = spawn(serverBinary(), args, { stdio: ['ignore', 'pipe', 'pipe'], env: process.env })
  let stderr = ''
  child.stderr.on('data', (c) => {
    if (process.env.E2E_VERBOSE === '1') process.stderr.write(c)
    stderr = (stderr + c).slice(-8000)
  })
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })))
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return
    child.kill('SIGTERM')
    const t = setTimeout(() => child.kill('SIGKILL'), 10_000)
    await exited
    clearTimeout(t)
  }
  cleanup.add(stop)
  const lines = readline.createInterface({ input: child.stdout })
  let url = null
  let setupUrl = null
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`tavolo did not print its address and setup link within 30 s\n${stderr}`)), 30_000)
    exited.then((e) => reject(new Error(`tavolo exited early (${JSON.stringify(e)})\n${stderr}`)))
    lines.on('line', (line) => {
      const a = /listening on (http:\/\/\S+)/.exec(line)
      if (a) url = a[1].replace(/\/+$/, '')
      const s = /(http:\/\/\S+\/setup\/[0-9a-f]+)/.exec(line)
      if (s) setupUrl = s[1]
      if (url && setupUrl) { clearTimeout(timer); resolve() }
    })
  })
  return { url, setupUrl, dataDir, stop }
}

/** Serious and critical axe violations (WCAG 2.1 A and AA) of the page, as readable lines. */
export async function axeProblems (page) {
  const result = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze()
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.impact} ${v.id}: ${v.help} — ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')}`)
}

/** Places a card of `role` at board point (x, y) with its toolbar tool and types `text`
 * into it; returns the new card's id. */
export async function addCard (page, role, x, y, text) {
  const before = new Set(Object.keys((await boardJSON(page)).items))
  await placeWithTool(page, `card:${role}`, x, y)
  await page.waitForSelector('textarea.text-editor:focus')
  await page.keyboard.type(text)
  await page.keyboard.press('Escape')
  const id = Object.keys((await boardJSON(page)).items).find((k) => !before.has(k))
  if (!id) throw new Error(`no ${role} card was created`)
  return id
}

// ---- meetings, as a facilitator and members reach them through the UI --------------------

/** A browser context of its own (like another computer), with one page that collects page errors. */
export async function newPage (browser, baseURL, viewport = { width: 1366, height: 768 }) {
  const context = await browser.newContext({ viewport, baseURL })
  const page = await context.newPage()
  page.errors = []
  page.on('pageerror', (e) => page.errors.push(e))
  return page
}

/** Waits until a meeting page shows board `id`, synced with the server. */
export async function onBoard (page, id, what) {
  await waitFor(async () => (await page.evaluate(() => window.tavolo?.boardId ?? null)) === id &&
    (await page.evaluate(() => window.tavolo?.conn.provider.synced === true)), 15_000, what ?? `board ${id}`)
  await page.waitForSelector('.canvas', { timeout: 10_000 })
}

/**
 * The first facilitator's account from the server's setup link, then a workspace and a
 * meeting in it, through the UI; ends on the meeting's console and returns its id.
 */
export async function facilitatorWithMeeting (page, setupUrl, { workspace, title, date, email = 'facilitatrice@comune.example', password = 'una password lunga' }) {
  await page.goto(setupUrl)
  await page.waitForSelector('form[aria-labelledby="setup-title"]')
  await page.fill('input[name="name"]', 'Francesca Facilitatrice')
  await page.fill('input[name="email"]', email)
  await page.fill('input[name="password"]', password)
  await page.click('button[type="submit"]')
  await page.waitForURL('**/w')
  await page.fill('input[name="workspace"]', workspace)
  await page.click('form[aria-labelledby="ws-create"] button[type="submit"]')
  await page.click(`a.ws-name:has-text("${workspace}")`)
  await page.waitForURL(/\/w\/[0-9a-f]+$/)
  await page.fill('input[name="title"]', title)
  await page.fill('input[name="date"]', date)
  await page.click('form[aria-labelledby="m-create"] button[type="submit"]')
  await page.waitForURL(/\/s\/[0-9a-f]+$/)
  await page.waitForSelector('.console')
  return page.url().split('/s/')[1]
}

/** Adds a board of `kind` to the plenary from the console; returns its id. */
export async function addPlenaryBoard (page, kind, title) {
  await page.selectOption('.add-board select[name="kind"]', kind)
  await page.fill('.add-board input[name="board-title"]', title)
  await page.click('.add-board button[type="submit"]')
  await page.waitForSelector(`.board-row .br-title:has-text("${title}")`)
  return page.getAttribute(`.board-row:has(.br-title:has-text("${title}"))`, 'data-board')
}

/** A new participants' invitation link from the console. */
export async function participantLink (page) {
  await page.click('[data-action="invite-participant"]')
  await page.waitForSelector('.invite-list li[data-role="participant"] input')
  return page.inputValue('.invite-list li[data-role="participant"] input')
}

/** Joins through `link` with `name` and waits for meeting `session`'s page. */
export async function joinMeeting (page, link, name, session) {
  await page.goto(link)
  await page.waitForSelector('#join-privacy')
  await page.fill('input[name="name"]', name)
  await page.click('button[type="submit"]')
  await page.waitForURL(`**/s/${session}`)
}
