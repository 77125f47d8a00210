// Helpers for the interoperability tests: run the real Tavolo binary, connect the official
// Yjs / y-websocket clients to it, and wait for things with bounded time.
//
// Every wait here has a deadline, so a broken server makes a test fail, never hang.

import { spawn } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import readline from 'node:readline'
import { fileURLToPath } from 'node:url'

import WebSocket from 'ws'
import * as Y from 'yjs'
import { WebsocketProvider } from 'y-websocket'

/** The e2e/ folder (the parent of this tests/ folder). */
export const E2E_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')

const VERBOSE = process.env.E2E_VERBOSE === '1'
const STARTUP_TIMEOUT_MS = 30_000
const STOP_GRACE_MS = 10_000
const STDERR_TAIL_BYTES = 8 * 1024

/** The server binary: `$TAVOLO_BIN`, or `../target/debug/tavolo` relative to e2e/. */
export function serverBinary () {
  const fromEnv = process.env.TAVOLO_BIN
  return fromEnv ? path.resolve(fromEnv) : path.resolve(E2E_DIR, '..', 'target', 'debug', 'tavolo')
}

// Servers still running if the test process goes away without stopping them
// (an uncaught error, a test runner timeout): killed so none outlives the run.
const running = new Set()
process.on('exit', () => {
  for (const child of running) {
    try { child.kill('SIGKILL') } catch { /* already gone */ }
  }
})

/**
 * Starts the Tavolo server on a free port of 127.0.0.1.
 *
 * @param {{ dataDir: string, databaseUrl?: string }} opts
 * @returns {Promise<{ url: string, wsUrl: string, pid: number,
 *   stop: () => Promise<{ code: number | null, signal: string | null, forced: boolean,
 *     alreadyExited: boolean }> }>}
 *   `url` is `http://127.0.0.1:PORT`, `wsUrl` is `ws://127.0.0.1:PORT/sync`. `stop()` sends
 *   SIGTERM and waits for the process to exit, sending SIGKILL after 10 s (`forced` says so;
 *   `alreadyExited` says the process had died before `stop()` was called).
 */
export function startServer ({ dataDir, databaseUrl, extraArgs = [], anonymousBoards = true } = {}) {
  if (!dataDir) throw new Error('startServer: dataDir is required')
  const bin = serverBinary()
  if (!fs.existsSync(bin)) {
    return Promise.reject(new Error(
      `Tavolo binary not found at ${bin}: build it with \`cargo build -p tavolo\` ` +
      'or point TAVOLO_BIN at it'))
  }
  // any free UDP port for the media server: several servers run side by side
  const args = ['--bind', '127.0.0.1:0', '--media-udp', '127.0.0.1:0', '--data-dir', dataDir]
  // no limit on new anonymous boards per address: every test opens many from 127.0.0.1
  if (anonymousBoards) args.push('--anonymous-boards', '--anonymous-boards-per-minute', '0')
  if (databaseUrl) args.push('--database-url', databaseUrl)
  args.push(...extraArgs)

  const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'], env: process.env })
  running.add(child)

  let stderrTail = ''
  child.stderr.on('data', (chunk) => {
    if (VERBOSE) process.stderr.write(chunk)
    stderrTail = (stderrTail + chunk.toString('utf8')).slice(-STDERR_TAIL_BYTES)
  })
  const describe = () => `${bin} ${args.join(' ')}`
  const withStderr = (msg) =>
    stderrTail.trim() ? `${msg}\n--- server stderr (tail) ---\n${stderrTail.trimEnd()}` : msg

  // Resolves when the process has exited (or failed to spawn), with how it ended.
  let exitInfo = null
  const exited = new Promise((resolve) => {
    const done = (info) => {
      if (exitInfo) return
      exitInfo = info
      running.delete(child)
      resolve(info)
    }
    child.once('exit', (code, signal) => done({ code, signal }))
    child.once('error', (error) => done({ code: null, signal: null, error }))
  })

  const stop = async () => {
    if (exitInfo) return { ...exitInfo, forced: false, alreadyExited: true }
    child.kill('SIGTERM')
    let timer
    const gentle = await Promise.race([
      exited,
      new Promise((resolve) => { timer = setTimeout(() => resolve(null), STOP_GRACE_MS) })
    ])
    clearTimeout(timer)
    if (gentle) return { ...gentle, forced: false, alreadyExited: false }
    child.kill('SIGKILL')
    return { ...(await exited), forced: true, alreadyExited: false }
  }

  return new Promise((resolve, reject) => {
    let settled = false
    const lines = readline.createInterface({ input: child.stdout })
    const fail = (msg) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      lines.close()
      child.kill('SIGKILL')
      // give the stderr pipe a moment to deliver the reason before reporting it
      setTimeout(() => reject(new Error(withStderr(msg))), 100)
    }
    const timer = setTimeout(() => fail(
      `Tavolo did not print "listening on http://..." on stdout within ` +
      `${STARTUP_TIMEOUT_MS / 1000} s: ${describe()}`), STARTUP_TIMEOUT_MS)

    lines.on('line', (line) => {
      if (VERBOSE) process.stderr.write(`[tavolo stdout] ${line}\n`)
      if (settled) return
      const m = /listening on (http:\/\/\S+)/.exec(line)
      if (!m) return
      settled = true
      clearTimeout(timer)
      const url = m[1].replace(/\/+$/, '')
      const wsUrl = url.replace(/^http:/, 'ws:') + '/sync'
      resolve({ url, wsUrl, pid: child.pid, stop })
    })
    // keep draining stdout after the line was found so the pipe can never fill up
    exited.then((info) => {
      if (info.error) {
        fail(`could not start Tavolo (${describe()}): ${info.error.message}`)
      } else {
        fail(`Tavolo exited (code ${info.code}, signal ${info.signal}) before printing ` +
          `the listening line: ${describe()}`)
      }
    })
  })
}

/**
 * Polls `predicate` every 20 ms until it returns a truthy value (which is returned).
 * Throws a descriptive error after `timeoutMs`.
 *
 * @template T
 * @param {() => T | Promise<T>} predicate
 * @param {number} [timeoutMs]
 * @param {string | (() => string)} [what] describes what was awaited, for the error
 * @returns {Promise<T>}
 */
export async function waitFor (predicate, timeoutMs = 10_000, what) {
  const deadline = Date.now() + timeoutMs
  let lastError
  for (;;) {
    try {
      const value = await predicate()
      if (value) return value
      lastError = undefined
    } catch (e) {
      lastError = e
    }
    if (Date.now() >= deadline) {
      const desc = typeof what === 'function' ? what() : (what ?? predicate.toString())
      const err = new Error(`waitFor timed out after ${timeoutMs} ms: ${desc}` +
        (lastError ? `\nlast error from the predicate: ${lastError.stack ?? lastError}` : ''))
      if (lastError) err.cause = lastError
      throw err
    }
    await sleep(20)
  }
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * Connects an official y-websocket client to `room` with a fresh `Y.Doc`, publishes
 * `{ user: { name } }` as its awareness state, and resolves once the first sync with the
 * server is done (`provider.synced`).
 *
 * @param {string} wsUrl e.g. `ws://127.0.0.1:PORT/sync`
 * @param {string} room
 * @param {{ name?: string, timeoutMs?: number }} [opts]
 * @returns {Promise<{ doc: Y.Doc, provider: WebsocketProvider, destroy: () => void }>}
 */
export async function connect (wsUrl, room, { name = 'anonymous', timeoutMs = 10_000 } = {}) {
  const doc = new Y.Doc()
  const provider = new WebsocketProvider(wsUrl, room, doc, {
    WebSocketPolyfill: WebSocket,
    disableBc: true
  })
  provider.awareness.setLocalStateField('user', { name })

  let destroyed = false
  // Destroys the provider (closing the socket) and the doc (stopping the awareness timer).
  const destroy = () => {
    if (destroyed) return
    destroyed = true
    provider.destroy()
    doc.destroy()
  }

  const closes = []
  const onClose = (event) => {
    if (event) closes.push(`${event.code}${event.reason ? ` ${event.reason}` : ''}`)
  }
  provider.on('connection-close', onClose)
  try {
    await waitFor(() => provider.synced, timeoutMs, () =>
      `client "${name}" did not sync with ${wsUrl}/${room}` +
      (closes.length ? ` (connection closed by the server: ${closes.join(', ')})` : '') +
      ` [wsconnected=${provider.wsconnected}]`)
  } catch (e) {
    destroy()
    throw e
  } finally {
    provider.off('connection-close', onClose)
  }
  return { doc, provider, destroy }
}

/**
 * A stack of clean-up actions run in reverse order, each even if an earlier one failed.
 * Use one per test: `const cleanup = new Cleanup(); t.after(() => cleanup.run())`.
 */
export class Cleanup {
  constructor () { this.actions = [] }
  /** @param {() => any} fn */
  add (fn) { this.actions.push(fn); return fn }
  async run () {
    const errors = []
    while (this.actions.length) {
      const fn = this.actions.pop()
      try { await fn() } catch (e) { errors.push(e) }
    }
    if (errors.length === 1) throw errors[0]
    if (errors.length > 1) throw new AggregateError(errors, 'several clean-up actions failed')
  }
}

/** A fresh temporary data directory. */
export function makeDataDir () {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'tavolo-e2e-'))
}

export function removeDataDir (dir) {
  if (process.env.E2E_KEEP_DATA === '1') {
    process.stderr.write(`[e2e] keeping data dir ${dir}\n`)
    return
  }
  fs.rmSync(dir, { recursive: true, force: true })
}

/** Encodes a non-negative integer as lib0 / Yjs variable-length unsigned integer. */
export function varUint (n) {
  const out = []
  while (n > 0x7f) {
    out.push(0x80 | (n & 0x7f))
    n = Math.floor(n / 128)
  }
  out.push(n)
  return out
}

/** `varUint(length) ++ bytes`, the way y-protocols writes a byte array. */
export function varUint8Array (bytes) {
  return Uint8Array.from([...varUint(bytes.length), ...bytes])
}

/** A y-websocket message: its type (0 sync, 1 awareness, ...) followed by the payload. */
export function frame (...parts) {
  const chunks = parts.map((p) => typeof p === 'number' ? Uint8Array.from(varUint(p)) : p)
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0))
  let at = 0
  for (const c of chunks) { out.set(c, at); at += c.length }
  return out
}
