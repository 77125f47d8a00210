#!/usr/bin/env node
// Benchmark of the web editor in Chromium (not a test): frame times while panning and
// zooming a 1,000-item board, and the time from page load to the first synced render.
//
//   cargo build -p tavolo   (after `npm run build` in web/)
//   node e2e/browser/bench-editor.mjs [--write]     (--write updates BENCHMARKS.md)
//
// Frame times are the intervals between requestAnimationFrame timestamps while a script
// pans and zooms the camera every frame (the same calls the wheel and keyboard make).

import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { execFileSync } from 'node:child_process'

import { E2E_DIR, makeDataDir, removeDataDir, startServer } from '../tests/helpers.mjs'
import { CHROMIUM, launchBrowser } from './helpers.mjs'

const ITEMS = 1000
const LINKS = 300
const FRAMES = 240
const LOAD_RUNS = 5

const dataDir = makeDataDir()
const server = await startServer({ dataDir })
const browser = await launchBrowser()
const board = `bench-${Date.now().toString(36)}`

try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, baseURL: server.url })
  await context.addInitScript(() => localStorage.setItem('tavolo.name', 'Bench'))
  const page = await context.newPage()
  await page.goto(`/b/${board}?new=free&title=Bench`)
  await page.waitForFunction(() => window.tavolo?.board.getMeta()?.kind === 'free')

  // 1,000 items (sticky notes, cards, shapes, text, ink) in a 40 x 25 grid, and 300 links
  await page.evaluate(([n, nl]) => {
    const { board } = window.tavolo
    const colors = ['yellow', 'orange', 'pink', 'green', 'blue', 'purple', 'grey', 'white']
    const ids = []
    board.transact(() => {
      for (let i = 0; i < n; i++) {
        const id = `b${i}`
        const x = (i % 40) * 240
        const y = Math.floor(i / 40) * 240
        const kind = i % 10
        const z = `a${String(i).padStart(4, '0')}`
        let item
        if (kind < 6) item = { type: 'sticky', x, y, w: 180, h: 180, color: colors[i % 8], z }
        else if (kind === 6) item = { type: 'card', role: 'cause', x, y, w: 200, h: 110, color: 'yellow', z }
        else if (kind === 7) item = { type: 'shape', shape: i % 2 ? 'ellipse' : 'rect', x, y, w: 180, h: 120, color: 'blue', z }
        else if (kind === 8) item = { type: 'text', x, y, w: 200, h: 48, color: 'white', z }
        else item = { type: 'ink', x, y, w: 160, h: 80, color: 'purple', z, points: [0, 0, 40, 60, 80, 10, 120, 70, 160, 20] }
        board.addItem(id, item, kind === 9 ? '' : `Nota ${i}: una proposta per il servizio di quartiere`)
        ids.push(id)
      }
      for (let i = 0; i < nl; i++) board.addLink(`l${i}`, { from: ids[i * 3], to: ids[i * 3 + 1], kind: 'arrow' })
    })
  }, [ITEMS, LINKS])
  // wait until the server has it all (a second client sees every item)
  const probe = await context.newPage()
  await probe.goto(`/b/${board}`)
  await probe.waitForFunction((n) => window.tavolo?.board.items.size === n, ITEMS, { timeout: 30_000 })
  await probe.close()

  async function framesOf (script) {
    return page.evaluate(([frames, script]) => new Promise((resolve) => {
      const ed = window.tavolo.editor
      const stamps = []
      let i = 0
      const step = (ts) => {
        stamps.push(ts)
        if (i >= frames) {
          const d = stamps.slice(1).map((t, k) => t - stamps[k]).sort((a, b) => a - b)
          const q = (p) => d[Math.min(d.length - 1, Math.floor(p * d.length))]
          resolve({ frames: d.length, mean: d.reduce((s, x) => s + x, 0) / d.length, p50: q(0.5), p95: q(0.95), p99: q(0.99), max: d[d.length - 1], mounted: document.querySelectorAll('.scene .items > g').length })
          return
        }
        if (script === 'pan') ed.panBy(Math.sin(i / 20) * 40, Math.cos(i / 25) * 30)
        else ed.zoomAtPoint(ed.camera.zoom * (i % 120 < 60 ? 1.02 : 1 / 1.02), { x: 640, y: 400 })
        i++
        requestAnimationFrame(step)
      }
      requestAnimationFrame(step)
    }), [FRAMES, script])
  }

  const results = {}
  await page.evaluate(() => window.tavolo.editor.setCamera({ x: 0, y: 0, zoom: 1 }))
  await page.waitForTimeout(300)
  results['pan at 100% (culled)'] = await framesOf('pan')
  await page.evaluate(() => window.tavolo.editor.zoomToFit())
  await page.waitForTimeout(300)
  results['pan, whole board in view'] = await framesOf('pan')
  await page.evaluate(() => window.tavolo.editor.setCamera({ x: 1000, y: 500, zoom: 0.35 }))
  await page.waitForTimeout(300)
  results['pan at 35% (every card\'s text drawn)'] = await framesOf('pan')
  await page.evaluate(() => window.tavolo.editor.setCamera({ x: 2000, y: 1000, zoom: 0.6 }))
  await page.waitForTimeout(300)
  results['zoom in and out around 60%'] = await framesOf('zoom')

  // page load → first synced render of the 1,000 items, in a fresh context (no IndexedDB copy)
  const loads = []
  for (let r = 0; r < LOAD_RUNS; r++) {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 }, baseURL: server.url })
    await ctx.addInitScript(() => localStorage.setItem('tavolo.name', 'Bench'))
    const p = await ctx.newPage()
    await p.goto(`/b/${board}`)
    const ms = await p.waitForFunction((n) => {
      const t = window.tavolo
      if (!t || !t.conn.provider.synced || t.board.items.size !== n) return false
      return document.querySelectorAll('.scene .items > g').length > 0 ? performance.now() : false
    }, ITEMS, { timeout: 30_000, polling: 'raf' })
    loads.push(await ms.jsonValue())
    await ctx.close()
  }
  loads.sort((a, b) => a - b)

  const chromiumVersion = execFileSync(CHROMIUM, ['--version']).toString().trim()
  const machine = `${os.cpus()[0]?.model ?? 'unknown CPU'}, ${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB RAM, ${os.type()} ${os.release()}; ${chromiumVersion} headless (--disable-gpu: software rendering); Node ${process.version}`
  const f = (x) => x.toFixed(1)
  const lines = [
    '## Web editor',
    '',
    `Measured with \`node e2e/browser/bench-editor.mjs --write\` on ${new Date().toISOString().slice(0, 10)}: ${machine}.`,
    `Board: ${ITEMS} items (600 sticky notes, 100 cards, 100 shapes, 100 text, 100 ink strokes; all but the ink with text) and ${LINKS} connectors, served by the debug build of \`tavolo\` on 127.0.0.1. Viewport 1280 x 800.`,
    '',
    `Frame time: intervals between requestAnimationFrame timestamps over ${FRAMES} frames while the camera moves every frame (60 Hz means 16.7 ms).`,
    '',
    '| scenario | items mounted | mean ms | p50 | p95 | p99 | max |',
    '|---|---|---|---|---|---|---|',
    ...Object.entries(results).map(([k, r]) => `| ${k} | ${r.mounted} | ${f(r.mean)} | ${f(r.p50)} | ${f(r.p95)} | ${f(r.p99)} | ${f(r.max)} |`),
    '',
    'Below 30% zoom the scene draws no text (level of detail), so the whole-board row measures 1,000 mounted shapes without their text; the 35% row has every mounted card with its text. Items mounted: the culled set (viewport plus a margin) at the end of the run.',
    '',
    `Page load → first synced render (the ${ITEMS} items received from the server and drawn), fresh browser context each time, ${LOAD_RUNS} runs: median ${f(loads[Math.floor(loads.length / 2)])} ms, min ${f(loads[0])} ms, max ${f(loads[loads.length - 1])} ms.`,
    ''
  ]
  const section = lines.join('\n')
  console.log(section)
  if (process.argv.includes('--write')) {
    const file = path.resolve(E2E_DIR, '..', 'BENCHMARKS.md')
    let text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '# Benchmarks\n\n'
    const re = /## Web editor\n[\s\S]*?(?=\n## |$)/
    text = re.test(text) ? text.replace(re, section) : text.trimEnd() + '\n\n' + section
    fs.writeFileSync(file, text.endsWith('\n') ? text : text + '\n')
    console.log(`written to ${file}`)
  }
} finally {
  await browser.close()
  await server.stop()
  removeDataDir(dataDir)
}
