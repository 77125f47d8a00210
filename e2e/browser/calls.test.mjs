// Issue 15, calls, end to end: a facilitator, three participants and an observer, each in
// their own Chromium context with a fake camera and microphone, in a meeting whose calls
// go through the media server inside tavolo.
//
// Media stays on loopback: the test creates a network namespace with only `lo` up and
// runs the server and Chromium inside it (`ip netns exec`; root is needed), and the SFU
// announces 127.0.0.1. What each browser receives is read from its own getStats():
// someone is "heard and seen" when the inbound audio bytes and the decoded video frames of
// their stream grow.
//
// The plenary call: everyone receives the others. Breakouts start: a member receives only
// their group. A person is moved: they follow. The facilitator visits a group: heard
// there only. Breakouts end: everyone again, on the same connections (no new camera
// prompt: one getUserMedia per browser). The observer is heard by nobody, and a
// hand-written offer with a track is refused. A revoked member's streams stop at once.
//
// TURN: a coturn of the test's own runs in the namespace too (use-auth-secret, on
// 127.0.0.1), and tavolo hands each browser credentials for it (--turn-url,
// --turn-secret). A late participant whose browser may only relay
// (window.tavoloIceTransportPolicy = 'relay') still hears and sees the others, and is
// heard, through it: their selected candidate pair is a relay one.

import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync, spawn } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import readline from 'node:readline'
import crypto from 'node:crypto'
import { chromium } from 'playwright-core'

import { ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, Cleanup, axeProblems, serverBinary, waitFor } from './helpers.mjs'
import { makeDataDir, removeDataDir } from '../tests/helpers.mjs'

const NS = `tavolo-calls-${process.pid}`
const PEOPLE = ['Anna', 'Bruno', 'Carla']
const EMAIL = 'facilitatrice@comune.example'
const PASSWORD = 'una password lunga'
const TURN_PORT = 3478 // the namespace is the test's own: nothing else listens there
const TURN_SECRET = crypto.randomBytes(24).toString('hex')
const TURNSERVER = process.env.TURNSERVER ?? '/usr/bin/turnserver'

let cleanup
let server // { url, setupUrl }
let browser
const ctx = {} // name → page
const s = {} // ids learnt on the way

function ip (...args) { return execFileSync('ip', args, { stdio: ['ignore', 'pipe', 'pipe'] }).toString() }

before(async () => {
  cleanup = new Cleanup()
  // the namespace, with only loopback
  ip('netns', 'add', NS)
  cleanup.add(() => { try { ip('netns', 'del', NS) } catch { /* already gone */ } })
  ip('netns', 'exec', NS, 'ip', 'link', 'set', 'lo', 'up')
  const links = ip('netns', 'exec', NS, 'ip', '-o', 'link', 'show', 'up')
  assert.deepEqual(links.trim().split('\n').map((l) => l.split(':')[1].trim()), ['lo'], 'only lo is up in the namespace')

  // coturn, inside it: the TURN REST API's shared secret, UDP only, relaying to loopback
  // (which it refuses by default) from a small port range
  const turnDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tavolo-turn-'))
  cleanup.add(() => fs.rmSync(turnDir, { recursive: true, force: true }))
  const turn = spawn('ip', ['netns', 'exec', NS, TURNSERVER, '--use-auth-secret', `--static-auth-secret=${TURN_SECRET}`,
    '--realm=tavolo.test', '--listening-ip=127.0.0.1', '--relay-ip=127.0.0.1', `--listening-port=${TURN_PORT}`,
    '--min-port=49160', '--max-port=49200', '--no-tls', '--no-dtls', '--no-tcp-relay', '--allow-loopback-peers', '--no-cli',
    '--log-file=stdout', '--simple-log', `--pidfile=${path.join(turnDir, 'turnserver.pid')}`,
    `--userdb=${path.join(turnDir, 'turndb')}`], { stdio: ['ignore', 'pipe', 'pipe'] })
  let turnLog = ''
  const keep = (c) => { turnLog = (turnLog + c).slice(-8000); if (process.env.E2E_VERBOSE === '1') process.stderr.write(c) }
  turn.stdout.on('data', keep)
  turn.stderr.on('data', keep)
  const turnExited = new Promise((resolve) => turn.once('exit', resolve))
  cleanup.add(async () => {
    if (turn.exitCode !== null || turn.signalCode !== null) return
    turn.kill('SIGTERM')
    const t = setTimeout(() => turn.kill('SIGKILL'), 5_000)
    await turnExited
    clearTimeout(t)
  })
  await waitFor(() => {
    if (turn.exitCode !== null) throw new Error(`turnserver exited (${turn.exitCode})\n${turnLog}`)
    return ip('netns', 'exec', NS, 'ss', '-Hlun', `sport = :${TURN_PORT}`).trim() !== ''
  }, 15_000, () => `turnserver listening on UDP ${TURN_PORT}\n${turnLog}`)

  // the server, inside it: the SFU on 127.0.0.1, any free port
  const dataDir = makeDataDir()
  cleanup.add(() => removeDataDir(dataDir))
  const child = spawn('ip', ['netns', 'exec', NS, serverBinary(), '--bind', '127.0.0.1:0', '--media-udp', '127.0.0.1:0',
    '--data-dir', dataDir, '--insecure-cookies', '--turn-url', `turn:127.0.0.1:${TURN_PORT}?transport=udp`],
  { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, TAVOLO_TURN_SECRET: TURN_SECRET } })
  let stderr = ''
  child.stderr.on('data', (c) => { stderr = (stderr + c).slice(-8000); if (process.env.E2E_VERBOSE === '1') process.stderr.write(c) })
  const exited = new Promise((resolve) => child.once('exit', resolve))
  cleanup.add(async () => {
    if (child.exitCode !== null) return
    child.kill('SIGTERM')
    const t = setTimeout(() => child.kill('SIGKILL'), 10_000)
    await exited
    clearTimeout(t)
  })
  server = await new Promise((resolve, reject) => {
    let url = null
    const timer = setTimeout(() => reject(new Error(`tavolo did not start within 30 s\n${stderr}`)), 30_000)
    exited.then((c) => reject(new Error(`tavolo exited (${c})\n${stderr}`)))
    readline.createInterface({ input: child.stdout }).on('line', (line) => {
      const a = /listening on (http:\/\/\S+)/.exec(line)
      if (a) url = a[1]
      const setup = /(http:\/\/\S+\/setup\/[0-9a-f]+)/.exec(line)
      if (url && setup) { clearTimeout(timer); resolve({ url, setupUrl: setup[1] }) }
    })
  })

  // Chromium, inside it too (playwright talks to it over pipes)
  const wrapper = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'tavolo-calls-')), 'chromium')
  fs.writeFileSync(wrapper, `#!/bin/sh\nexec ip netns exec ${NS} ${CHROMIUM} "$@"\n`, { mode: 0o755 })
  cleanup.add(() => fs.rmSync(path.dirname(wrapper), { recursive: true, force: true }))
  browser = await chromium.launch({
    executablePath: wrapper,
    args: [...CHROMIUM_ARGS, '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream',
      '--allow-loopback-in-peer-connection', '--autoplay-policy=no-user-gesture-required']
  })
  cleanup.add(() => browser.close())
  fs.mkdirSync(ARTIFACTS, { recursive: true })
})
after(async () => { await cleanup?.run() })

async function person (name, viewport = { width: 1366, height: 768 }, { relayOnly = false } = {}) {
  const context = await browser.newContext({ viewport, baseURL: server.url })
  // call.ts reads this when the call starts: every candidate through TURN
  if (relayOnly) await context.addInitScript(() => { window.tavoloIceTransportPolicy = 'relay' })
  // count the camera prompts: moving between calls must never ask again
  await context.addInitScript(() => {
    window.gumCalls = 0
    const real = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices)
    navigator.mediaDevices.getUserMedia = (c) => { window.gumCalls++; return real(c) }
  })
  const page = await context.newPage()
  page.errors = []
  page.on('pageerror', (e) => page.errors.push(e))
  ctx[name] = page
  return page
}

/** Goes to another page of the app without reloading it (as its own links do). */
async function inApp (page, url) {
  await page.evaluate((url) => { history.pushState(null, '', url); dispatchEvent(new PopStateEvent('popstate')) }, url)
}

/** A REST call from the facilitator's page (the server is reachable only inside the namespace). */
async function api (method, url, body) {
  return ctx.fac.evaluate(async ([method, url, body]) => {
    const r = await fetch(url, { method, headers: body ? { 'content-type': 'application/json' } : {}, body: body ? JSON.stringify(body) : undefined })
    return { status: r.status, json: await r.json().catch(() => null) }
  }, [method, url, body])
}

/**
 * What a page receives now: for each stream (person) the inbound audio bytes and decoded
 * video frames of its live tracks, by name.
 */
function received (page) {
  return page.evaluate(async () => {
    const call = window.tavoloCall
    const pc = call?.pc
    if (!pc) return {}
    const nameOf = new Map(call.peers.map((p) => [p.stream, p.name]))
    const byMid = new Map()
    for (const t of pc.getTransceivers()) {
      if (t.stopped || t.currentDirection === 'stopped' || t.currentDirection === 'inactive' || !t.mid) continue
      const stream = call.streams.get([...call.streams.keys()].find((k) => call.streams.get(k).getTracks().includes(t.receiver.track)))
      if (stream) byMid.set(t.mid, stream.id)
    }
    const out = {}
    const stats = await pc.getStats()
    stats.forEach((r) => {
      if (r.type !== 'inbound-rtp' || !byMid.has(r.mid)) return
      const name = nameOf.get(byMid.get(r.mid)) ?? byMid.get(r.mid)
      out[name] ??= { audio: 0, frames: 0 }
      if (r.kind === 'audio') out[name].audio += r.bytesReceived ?? 0
      if (r.kind === 'video') out[name].frames += r.framesDecoded ?? 0
    })
    return out
  })
}

/** Whom a page hears and sees now: names whose audio bytes and video frames grow. */
async function hears (page) {
  const a = await received(page)
  await new Promise((resolve) => setTimeout(resolve, 1200))
  const b = await received(page)
  return Object.keys(b).filter((n) => b[n].audio > (a[n]?.audio ?? 0) && b[n].frames > (a[n]?.frames ?? 0)).sort()
}

/** Waits until `name`'s page hears exactly `expected`. */
async function expectHears (name, expected, what) {
  let last = null
  await waitFor(async () => {
    last = await hears(ctx[name])
    return JSON.stringify(last) === JSON.stringify([...expected].sort())
  }, 30_000, `${what}: ${name} hears ${JSON.stringify(expected)} (last: ${JSON.stringify(last)})`)
}

test('a facilitator, three participants and an observer join the meeting', async () => {
  const fac = await person('fac')
  await fac.goto(server.setupUrl)
  await fac.fill('input[name="name"]', 'Francesca')
  await fac.fill('input[name="email"]', EMAIL)
  await fac.fill('input[name="password"]', PASSWORD)
  await fac.click('button[type="submit"]')
  await fac.waitForURL('**/w')
  const ws = await api('POST', '/api/workspaces', { name: 'Tavolo anziani' })
  assert.equal(ws.status, 201, JSON.stringify(ws))
  const session = await api('POST', `/api/workspaces/${ws.json.id}/sessions`, { title: 'Incontro in chiamata', date: '2026-12-01' })
  s.session = session.json.id
  const board = await api('POST', `/api/sessions/${s.session}/boards`, { kind: 'free', title: 'Idee' })
  s.board = board.json.id
  const invite = async (role) => (await api('POST', `/api/sessions/${s.session}/invites`, { role })).json
  s.inviteAB = await invite('participant')
  s.inviteC = await invite('participant') // Carla's own, revoked at the end
  s.inviteO = await invite('observer')
  const links = { Anna: s.inviteAB, Bruno: s.inviteAB, Carla: s.inviteC, Osvaldo: s.inviteO }
  await Promise.all(Object.entries(links).map(async ([name, inv], i) => {
    // two sizes of screen, as the meeting room has
    const page = await person(name, i % 2 ? { width: 1024, height: 640 } : { width: 1366, height: 768 })
    await page.goto(`/join/${inv.token}`)
    await page.fill('input[name="name"]', name)
    await page.click('button[type="submit"]')
    await page.waitForURL(`**/s/${s.session}`)
    await page.waitForSelector('.canvas', { timeout: 15_000 })
    // the board syncs, although Chromium in this network namespace (loopback only) says
    // it is offline: navigator.onLine once kept every board from connecting here
    assert.equal(await page.evaluate(() => navigator.onLine), false, 'the namespace has no route')
    await waitFor(() => page.evaluate(() => window.tavolo?.conn.provider.synced === true), 15_000, `${name}'s board synced`)
  }))
  await fac.goto(`/s/${s.session}`)
  await fac.waitForSelector('.console')
  const view = await fac.evaluate(() => window.tavoloControl.view)
  s.members = Object.fromEntries(view.members.map((m) => [m.name, m.id]))
})

test('in the plenary call everyone receives everyone else; the observer is heard by nobody', async () => {
  const everyone = ['fac', ...PEOPLE, 'Osvaldo']
  for (const name of everyone) {
    await ctx[name].click('.call-panel button.primary')
  }
  for (const name of everyone) {
    await waitFor(() => ctx[name].evaluate(() => window.tavoloCall?.status === 'connected'), 20_000, `${name} connected`)
  }
  const all = ['Francesca', ...PEOPLE]
  for (const name of everyone) {
    const me = name === 'fac' ? 'Francesca' : name
    await expectHears(name, all.filter((n) => n !== me), 'plenary')
  }
  // the panel lists the observer as listening, and nobody receives anything from them
  await ctx.Anna.waitForSelector('.call-tile[data-name="Osvaldo"] .call-mic:has-text("ascolta")')
  assert.equal(await ctx.Osvaldo.evaluate(() => window.gumCalls), 0, 'the observer was never asked for a camera')
  assert.equal(await ctx.Osvaldo.evaluate(() => window.tavoloCall.pc.getSenders().filter((x) => x.track).length), 0)
  for (const name of PEOPLE) {
    const names = Object.keys(await received(ctx[name]))
    assert.ok(!names.includes('Osvaldo'), `${name} receives no stream of the observer`)
  }
  // the panel beside the board: tiles, and the board still usable at 1366x768 and 1024x640
  await ctx.Anna.waitForSelector('.call-tile[data-name="Bruno"] video')
  const canvas = await ctx.Anna.evaluate(() => document.querySelector('.canvas').getBoundingClientRect().width)
  assert.ok(canvas > 600, `the board keeps ${canvas}px at 1366x768`)
  const small = await ctx.Bruno.evaluate(() => document.querySelector('.canvas').getBoundingClientRect().width)
  assert.ok(small > 400, `the board keeps ${small}px at 1024x640`)
  await ctx.Anna.screenshot({ path: path.join(ARTIFACTS, 'calls-plenary-1366.png') })
  await ctx.Bruno.screenshot({ path: path.join(ARTIFACTS, 'calls-plenary-1024.png') })
  await ctx.fac.screenshot({ path: path.join(ARTIFACTS, 'calls-console-1366.png') })
})

test('breakouts split the call; a moved person and a visiting facilitator follow; ending joins it again', async () => {
  const spawned = await api('POST', `/api/sessions/${s.session}/breakouts`, { groups: 2, kind: 'free', assign: 'balanced' })
  assert.equal(spawned.status, 201, JSON.stringify(spawned))
  // Anna and Bruno together in the first group, Carla alone in the second
  const view = (await api('GET', `/api/sessions/${s.session}`)).json
  const groups = view.rooms.filter((r) => r.kind === 'breakout')
  s.g1 = groups[0]
  s.g2 = groups[1]
  const moved = await api('POST', `/api/sessions/${s.session}/assignments`, {
    [s.members.Anna]: s.g1.id, [s.members.Bruno]: s.g1.id, [s.members.Carla]: s.g2.id
  })
  assert.equal(moved.status, 200, JSON.stringify(moved))
  assert.equal((await api('POST', `/api/sessions/${s.session}/breakouts/start`, {})).status, 200)
  await expectHears('Anna', ['Bruno'], 'breakouts')
  await expectHears('Bruno', ['Anna'], 'breakouts')
  await expectHears('Carla', [], 'breakouts')
  await expectHears('Osvaldo', ['Francesca'], 'breakouts: the observer stays with the facilitator in the plenary')
  await expectHears('fac', [], 'breakouts: nobody in the plenary publishes but the facilitator')
  // each one's board followed too
  await waitFor(async () => (await ctx.Anna.evaluate(() => window.tavolo?.boardId)) === s.g1.boards[0].id, 15_000, 'Anna on her group board')

  // Bruno is moved to Carla's group
  assert.equal((await api('POST', `/api/sessions/${s.session}/assignments`, { [s.members.Bruno]: s.g2.id })).status, 200)
  await expectHears('Bruno', ['Carla'], 'moved')
  await expectHears('Carla', ['Bruno'], 'moved')
  await expectHears('Anna', [], 'moved')

  // the facilitator visits the second group: heard there, no longer in the plenary
  await inApp(ctx.fac, `/s/${s.session}/b/${s.g2.boards[0].id}`)
  await ctx.fac.waitForSelector('.canvas')
  await expectHears('Carla', ['Bruno', 'Francesca'], 'visit')
  await expectHears('fac', ['Bruno', 'Carla'], 'visit')
  await expectHears('Osvaldo', [], 'visit: the facilitator left the plenary call')
  await ctx.fac.screenshot({ path: path.join(ARTIFACTS, 'calls-visit-1366.png') })

  // back to the plenary
  assert.equal((await api('POST', `/api/sessions/${s.session}/breakouts/end`, {})).status, 200)
  await inApp(ctx.fac, `/s/${s.session}`)
  await ctx.fac.waitForSelector('.console')
  for (const name of PEOPLE) await expectHears(name, ['Francesca', ...PEOPLE].filter((n) => n !== name), 'ended')
  // the same connection and camera all along: one getUserMedia per participant
  for (const name of ['fac', ...PEOPLE]) {
    assert.equal(await ctx[name].evaluate(() => window.gumCalls), 1, `${name} was asked for the camera once`)
  }
})

// Issue 15: the microphone and camera are chosen in the call panel, and a person may go
// voice-only (the camera off, not just muted) and come back, without leaving the call.
test('a participant picks her microphone and camera, goes voice-only and back; the others follow', async () => {
  const anna = ctx.Anna
  const bruno = ctx.Bruno
  await anna.click('[data-action="call-devices"]')
  assert.equal(await anna.getAttribute('[data-action="call-devices"]', 'aria-expanded'), 'true')
  await anna.waitForSelector('[data-call-devices] select[name="camera"] option:not([value="none"])', { state: 'attached' })
  const mics = await anna.$$eval('[data-call-devices] select[name="mic"] option', (o) => o.map((x) => ({ value: x.value, label: x.textContent })))
  assert.ok(mics.length >= 1 && mics.every((m) => m.value && m.label), JSON.stringify(mics))
  const cameras = await anna.$$eval('[data-call-devices] select[name="camera"] option:not([value="none"])', (o) => o.map((x) => x.value))
  // the microphone chosen anew: a new track replaces the old one on the same connection
  const pcBefore = await anna.evaluate(() => { window.pcSeen = window.tavoloCall.pc; return true })
  assert.ok(pcBefore)
  const oldMic = await anna.evaluate(() => window.tavoloCall.local.getAudioTracks()[0].id)
  await anna.selectOption('[data-call-devices] select[name="mic"]', mics[mics.length - 1].value)
  await waitFor(() => anna.evaluate((old) => window.tavoloCall.local.getAudioTracks()[0]?.id !== old, oldMic), 10_000, 'a new microphone track')
  assert.equal(await anna.evaluate(() => window.tavoloCall.pc === window.pcSeen), true, 'the same connection')
  await expectHears('Bruno', ['Francesca', ...PEOPLE].filter((n) => n !== 'Bruno'), 'after the microphone change')

  // voice only: Bruno keeps hearing her, gets no more frames, and sees her initial
  await anna.selectOption('[data-call-devices] select[name="camera"]', 'none')
  await waitFor(() => anna.evaluate(() => window.tavoloCall.local.getVideoTracks().length === 0), 10_000, 'the camera is off')
  await waitFor(async () => {
    const a = (await received(bruno)).Anna ?? { audio: 0, frames: 0 }
    await new Promise((resolve) => setTimeout(resolve, 1200))
    const b = (await received(bruno)).Anna ?? { audio: 0, frames: 0 }
    return b.audio > a.audio && b.frames === a.frames
  }, 20_000, 'Bruno hears Anna and receives no video of her')
  await bruno.waitForSelector('.call-tile[data-name="Anna"] .call-avatar')
  assert.equal(await anna.evaluate(() => JSON.parse(localStorage.getItem('tavolo.callDevices')).audioOnly), true, 'kept for her next calls')
  await anna.screenshot({ path: path.join(ARTIFACTS, 'calls-devices-1366.png') })
  assert.deepEqual(await axeProblems(anna), [])

  // the camera back: Bruno sees her again, on the same connection
  await anna.selectOption('[data-call-devices] select[name="camera"]', cameras[0])
  await expectHears('Bruno', ['Francesca', ...PEOPLE].filter((n) => n !== 'Bruno'), 'the camera back')
  await bruno.waitForSelector('.call-tile[data-name="Anna"] video')
  assert.equal(await anna.evaluate(() => window.tavoloCall.pc === window.pcSeen), true, 'the same connection')
  assert.equal(await anna.evaluate(() => JSON.parse(localStorage.getItem('tavolo.callDevices')).audioOnly), false)
})

/** The names whose video frames a page decodes now (growing over a second). */
async function seesVideoOf (page) {
  const a = await received(page)
  await new Promise((resolve) => setTimeout(resolve, 1200))
  const b = await received(page)
  return Object.keys(b).filter((n) => b[n].frames > (a[n]?.frames ?? 0)).sort()
}

async function setMic (page, on) {
  const pressed = await page.getAttribute('.call-controls button[aria-pressed]:has-text("Microfono")', 'aria-pressed')
  if ((pressed === 'false') !== on) await page.click('.call-controls button[aria-pressed]:has-text("Microfono")')
  await waitFor(() => page.evaluate((on) => window.tavoloCall.audio === on, on), 5_000, `microphone ${on ? 'on' : 'off'}`)
}

// Issue 15, point 4: every voice reaches everyone, but each browser gets the videos of
// the last speakers only (at most its choice, never more than --call-last-n); the
// console shows who is in which call and who is speaking.
test('last-N: a browser that asks for one video gets the latest speaker\'s; every voice still; the console shows who speaks', async () => {
  const carla = ctx.Carla
  // Anna and Bruno fall silent; the facilitator's fake microphone beeps on
  await setMic(ctx.Anna, false)
  await setMic(ctx.Bruno, false)
  await carla.click('[data-action="call-devices"]')
  await carla.selectOption('[data-call-devices] select[name="videos"]', '1')
  let last = null
  await waitFor(async () => {
    last = await seesVideoOf(carla)
    return JSON.stringify(last) === JSON.stringify(['Francesca'])
  }, 30_000, () => `Carla sees only the facilitator's video (last: ${JSON.stringify(last)})`)
  // and still hears everyone (muted microphones send silence, still bytes)
  const a = await received(carla)
  await new Promise((resolve) => setTimeout(resolve, 1200))
  const b = await received(carla)
  for (const n of ['Anna', 'Bruno', 'Francesca']) assert.ok(b[n].audio > a[n].audio, `Carla still receives ${n}'s audio`)
  await carla.waitForSelector('.call-tile[data-name="Anna"][data-paused="true"] .call-mic:has-text("video in pausa")')
  // the others asked for nothing: they still see every video
  await expectHears('Osvaldo', ['Francesca', ...PEOPLE], 'the others keep every video')

  // the console: who is in the plenary's call, and who speaks (the facilitator)
  const fac = ctx.fac
  await fac.waitForSelector('[data-calls] h3:has-text("Plenaria")')
  await fac.waitForSelector(`[data-calls] li[data-member="${s.members.Carla}"]`)
  await waitFor(() => fac.evaluate((anna) => !document.querySelector(`[data-calls] li[data-member="${anna}"][data-speaking]`), s.members.Anna),
    10_000, 'the muted Anna is not speaking')
  await fac.screenshot({ path: path.join(ARTIFACTS, 'calls-console-speaking-1366.png') })

  // Bruno speaks and the facilitator falls silent: Carla's one video becomes Bruno's
  await setMic(fac, false)
  await setMic(ctx.Bruno, true)
  await waitFor(async () => {
    last = await seesVideoOf(carla)
    return JSON.stringify(last) === JSON.stringify(['Bruno'])
  }, 30_000, () => `Carla sees only Bruno's video (last: ${JSON.stringify(last)})`)
  await fac.waitForSelector(`[data-calls] li[data-member="${s.members.Bruno}"][data-speaking="true"]`, { timeout: 10_000 })
  await carla.screenshot({ path: path.join(ARTIFACTS, 'calls-last-n-1366.png') })

  // voices only: no video at all, every voice
  await carla.selectOption('[data-call-devices] select[name="videos"]', '0')
  await waitFor(async () => (await seesVideoOf(carla)).length === 0, 20_000, 'Carla receives no video')
  assert.equal(await carla.evaluate(() => JSON.parse(localStorage.getItem('tavolo.callDevices')).videos), 0, 'kept for her next calls')
  assert.deepEqual(await axeProblems(carla), [])
  // back as before
  await carla.selectOption('[data-call-devices] select[name="videos"]', '9')
  await carla.click('[data-action="call-devices"]')
  for (const page of [fac, ctx.Anna, ctx.Bruno]) await setMic(page, true)
  await expectHears('Carla', ['Francesca', 'Anna', 'Bruno'], 'every video again')
})

/** The width of the frames a page decodes of `name`'s camera now (0: none yet). */
function cameraWidth (page, name) {
  return page.evaluate(async (name) => {
    const call = window.tavoloCall
    const stream = call.streams.get(call.peers.find((p) => p.name === name)?.stream)
    const track = stream?.getVideoTracks()[0]
    const tr = track && call.pc.getTransceivers().find((t) => t.receiver.track === track)
    let width = 0
    ;(await call.pc.getStats()).forEach((r) => { if (r.type === 'inbound-rtp' && r.mid === tr?.mid) width = r.frameWidth ?? 0 })
    return width
  }, name)
}

// Issue 15, point 4: each camera sends two layers (simulcast); a receiver gets the one
// that fits its largest tile: half resolution in the panel, full in full screen.
test('simulcast: a small tile gets the half layer, full screen the full one, and back', async () => {
  const bruno = ctx.Bruno
  const senders = await ctx.Anna.evaluate(() => window.tavoloCall.pc.getSenders()
    .filter((x) => x.track?.kind === 'video').map((x) => x.getParameters().encodings.map((e) => e.rid)))
  assert.deepEqual(senders[0], ['l', 'f'], 'Anna\'s camera sends two layers')
  let width = 0
  await waitFor(async () => { width = await cameraWidth(bruno, 'Anna'); return width === 320 }, 30_000,
    () => `in the panel Bruno gets Anna's half layer (${width})`)
  await bruno.click('.call-tile[data-name="Anna"] .call-full')
  await waitFor(() => bruno.evaluate(() => document.fullscreenElement !== null), 5_000, 'full screen')
  await waitFor(async () => { width = await cameraWidth(bruno, 'Anna'); return width === 640 }, 30_000,
    () => `in full screen Bruno gets Anna's full layer (${width})`)
  // Carla's small tiles still get the half layer meanwhile
  assert.equal(await cameraWidth(ctx.Carla, 'Anna'), 320)
  await bruno.evaluate(() => document.exitFullscreen())
  await waitFor(async () => { width = await cameraWidth(bruno, 'Anna'); return width === 320 }, 30_000,
    () => `back in the panel, the half layer (${width})`)
  await expectHears('Bruno', ['Francesca', 'Anna', 'Carla'], 'after the layer switches')
  // the media server's bitrates and losses on /metrics (issue 15, point 8)
  let rates = null
  await waitFor(async () => {
    rates = [await metricValue('tavolo_media_bitrate_in_bps'), await metricValue('tavolo_media_bitrate_out_bps')]
    return rates[0] > 100_000 && rates[1] > 100_000
  }, 15_000, () => `bitrates in and out on /metrics (${JSON.stringify(rates)})`)
  for (const name of ['tavolo_media_packet_loss_in_ratio', 'tavolo_media_packet_loss_out_ratio']) {
    const loss = await metricValue(name)
    assert.ok(loss >= 0 && loss < 0.05, `${name} on loopback: ${loss}`)
  }
})

// Issue 15, point 4: a participant shows a document: her screen reaches everyone in the
// call at its own resolution, beside the faces, and stops when she stops.
test('a participant shares her screen: everyone in the call sees it, at full resolution, until she stops', async () => {
  const anna = ctx.Anna
  const prompts = await anna.evaluate(() => window.gumCalls)
  await anna.click('[data-action="call-screen"]')
  await anna.waitForSelector('.call-panel .call-note:has-text("Stai condividendo")', { timeout: 15_000 })
  const size = await anna.evaluate(() => window.tavoloCall.screen.getSettings())
  for (const name of ['Bruno', 'Osvaldo', 'fac']) {
    const page = ctx[name]
    await page.waitForSelector('.call-tile.screen[data-screen="Anna"] video', { timeout: 20_000 })
    let got = null
    await waitFor(async () => {
      got = await page.evaluate(async () => {
        const call = window.tavoloCall
        const shared = call.peers.find((p) => p.name === 'Anna')?.screen
        const track = call.streams.get(shared)?.getVideoTracks()[0]
        if (!track) return null
        const tr = call.pc.getTransceivers().find((t) => t.receiver.track === track)
        let out = null
        ;(await call.pc.getStats()).forEach((r) => {
          if (r.type === 'inbound-rtp' && r.mid === tr?.mid) out = { frames: r.framesDecoded ?? 0, width: r.frameWidth ?? 0, height: r.frameHeight ?? 0 }
        })
        return out
      })
      return got && got.frames > 2 && got.width > 0
    }, 30_000, () => `${name} decodes Anna's screen (last: ${JSON.stringify(got)})`)
    // what she shares, as wide as it is: no smaller layer for the screen
    assert.equal(got.width, size.width, `${name} gets the screen at its width (${JSON.stringify(got)} vs ${JSON.stringify(size)})`)
  }
  await ctx.Bruno.screenshot({ path: path.join(ARTIFACTS, 'calls-screen-1024.png') })
  // her camera still goes on beside it
  await expectHears('Bruno', ['Francesca', 'Anna', 'Carla'], 'the camera beside the screen')
  await anna.click('[data-action="call-screen"]')
  await ctx.Bruno.waitForSelector('.call-tile.screen', { state: 'detached', timeout: 15_000 })
  assert.equal(await anna.evaluate(() => window.tavoloCall.screen), null)
  assert.equal(await anna.evaluate(() => window.gumCalls), prompts, 'no camera prompt for the screen')
})

test('an observer\'s hand-written offer with a track is refused by the server', async () => {
  const result = await ctx.Osvaldo.evaluate(async (session) => {
    const pc = new RTCPeerConnection()
    pc.addTransceiver('audio', { direction: 'sendrecv' })
    pc.addTransceiver('video', { direction: 'sendonly' })
    const offer = await pc.createOffer()
    await pc.setLocalDescription(offer)
    const ws = new WebSocket(`ws://${location.host}/api/sessions/${session}/call`)
    return new Promise((resolve) => {
      ws.onmessage = (ev) => {
        const m = JSON.parse(ev.data)
        if (m.type === 'hello') ws.send(JSON.stringify({ type: 'offer', sdp: offer.sdp }))
        if (m.type === 'answer') resolve({ answered: true })
      }
      ws.onclose = (ev) => { pc.close(); resolve({ code: ev.code, reason: ev.reason }) }
      setTimeout(() => resolve({ timeout: true }), 10_000)
    })
  }, s.session)
  assert.equal(result.code, 1008, JSON.stringify(result))
  assert.match(result.reason, /observers/)
  // and the observer's own call goes on
  await expectHears('Osvaldo', ['Francesca', ...PEOPLE], 'after the refused offer')
})

test('a revoked member\'s streams stop at once, and the page says so', async () => {
  assert.equal((await api('POST', `/api/invites/${s.inviteC.id}/revoke`, {})).status, 200)
  await waitFor(() => ctx.Carla.evaluate(() => window.tavoloCall.status === 'ended'), 10_000, 'Carla\'s call ended')
  // the meeting page gives way to the page that says her invitation was revoked (the
  // control channel ended too: 4003), with no call panel left on it
  await ctx.Carla.waitForSelector('[data-ended="4003"] [role="alert"]', { timeout: 10_000 })
  assert.match(await ctx.Carla.textContent('[data-ended] [role="alert"]'), /ritirato/)
  assert.equal(await ctx.Carla.locator('.call-panel').count(), 0)
  await expectHears('Anna', ['Bruno', 'Francesca'], 'after the revocation')
  for (const name of ['fac', ...PEOPLE, 'Osvaldo']) assert.deepEqual(ctx[name].errors, [], `${name}: no page errors`)
})

/** The local and remote candidate types of a page's selected candidate pair. */
function selectedPair (page) {
  return page.evaluate(async () => {
    const stats = await window.tavoloCall.pc.getStats()
    const byId = new Map()
    stats.forEach((r) => byId.set(r.id, r))
    const transport = [...byId.values()].find((r) => r.type === 'transport' && r.selectedCandidatePairId)
    const pair = transport && byId.get(transport.selectedCandidatePairId)
    if (!pair) return null
    const local = byId.get(pair.localCandidateId)
    const remote = byId.get(pair.remoteCandidateId)
    const locals = [...byId.values()].filter((r) => r.type === 'local-candidate').map((r) => r.candidateType)
    return { local: local?.candidateType, relayProtocol: local?.relayProtocol, remote: remote?.candidateType, locals }
  })
}

async function metricValue (name) {
  const text = await ctx.fac.evaluate(async () => (await fetch('/metrics')).text())
  const line = text.split('\n').find((l) => l.startsWith(`${name} `))
  assert.ok(line, `${name} on /metrics`)
  return Number(line.split(' ')[1])
}

test('a browser that may only relay through TURN (coturn) is heard and seen, and hears and sees the others', async () => {
  const before = await metricValue('tavolo_media_turn_credentials_total')
  assert.ok(before >= 5, `everyone who joined got TURN credentials (${before})`)
  const inv = (await api('POST', `/api/sessions/${s.session}/invites`, { role: 'participant' })).json
  const dario = await person('Dario', { width: 1366, height: 768 }, { relayOnly: true })
  await dario.goto(`/join/${inv.token}`)
  await dario.fill('input[name="name"]', 'Dario')
  await dario.click('button[type="submit"]')
  await dario.waitForURL(`**/s/${s.session}`)
  await dario.waitForSelector('.canvas', { timeout: 15_000 })
  await dario.click('.call-panel button.primary')
  await waitFor(() => dario.evaluate(() => window.tavoloCall?.status === 'connected'), 30_000, 'Dario connected through TURN')
  const config = await dario.evaluate(() => window.tavoloCall.pc.getConfiguration())
  assert.equal(config.iceTransportPolicy, 'relay')
  assert.equal(config.iceServers.length, 1, JSON.stringify(config))
  assert.deepEqual(config.iceServers[0].urls, [`turn:127.0.0.1:${TURN_PORT}?transport=udp`])
  await expectHears('Dario', ['Anna', 'Bruno', 'Francesca'], 'relayed')
  await expectHears('Anna', ['Bruno', 'Dario', 'Francesca'], 'Dario relayed, heard by the others')
  const pair = await selectedPair(dario)
  assert.equal(pair?.local, 'relay', `Dario's selected pair: ${JSON.stringify(pair)}`)
  assert.ok(pair.locals.every((t) => t === 'relay'), `only relay candidates: ${JSON.stringify(pair)}`)
  // the others still go straight to the SFU
  assert.equal((await selectedPair(ctx.Anna))?.local, 'host')
  assert.ok(await metricValue('tavolo_media_turn_credentials_total') >= before + 1, 'Dario\'s credentials counted')
  assert.deepEqual(dario.errors, [], 'Dario: no page errors')
})
