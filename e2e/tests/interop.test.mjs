// Interoperability of the Tavolo server with the official Yjs clients (yjs + y-websocket).
//
// Every test starts its own server on a fresh temporary data dir and stops it afterwards.
// Set E2E_DATABASE_URL to run the same tests against another database (e.g. PostgreSQL);
// room names are unique per run so a shared database does not mix tests up.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { isDeepStrictEqual } from 'node:util'

import WebSocket from 'ws'
import * as Y from 'yjs'
import * as awarenessProtocol from 'y-protocols/awareness'

import {
  Cleanup,
  connect,
  frame,
  makeDataDir,
  removeDataDir,
  startServer,
  varUint8Array,
  waitFor
} from './helpers.mjs'

const TEST_TIMEOUT_MS = 45_000
const DATABASE_URL = process.env.E2E_DATABASE_URL || undefined

let roomCounter = 0
/** A room name unique to this run, within the allowed `[A-Za-z0-9_.-]`. */
const uniqueRoom = (base) => `${base}-${process.pid}-${Date.now().toString(36)}-${++roomCounter}`

/**
 * Per-test fixture: a fresh data dir, and functions that start servers on it and connect
 * clients, each registered for clean-up (clients destroyed, then servers stopped, then the
 * data dir removed) when the test ends, whether it passed or not.
 */
function setup (t) {
  const cleanup = new Cleanup()
  t.after(() => cleanup.run())
  const dataDir = makeDataDir()
  cleanup.add(() => removeDataDir(dataDir))
  return {
    dataDir,
    async start () {
      const server = await startServer({ dataDir, databaseUrl: DATABASE_URL })
      cleanup.add(() => server.stop())
      return server
    },
    async client (wsUrl, room, name) {
      const c = await connect(wsUrl, room, { name })
      cleanup.add(c.destroy)
      return c
    },
    /** A raw `ws` socket (no Yjs client logic), open. */
    async rawSocket (url) {
      const ws = new WebSocket(url)
      ws.on('error', () => {}) // reported through the promise below, or by the test
      cleanup.add(() => ws.terminate())
      await new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`raw websocket to ${url} did not open within 10 s`)), 10_000)
        ws.once('open', () => { clearTimeout(timer); resolve() })
        ws.once('error', (e) => { clearTimeout(timer); reject(new Error(`raw websocket to ${url} failed: ${e.message}`)) })
      })
      return ws
    },
    cleanup
  }
}

/** The JSON of every shared type the tests use. */
function snapshot (doc) {
  return {
    m: doc.getMap('m').toJSON(),
    a: doc.getArray('a').toJSON(),
    t: doc.getText('t').toJSON()
  }
}

const stateVector = (doc) => Buffer.from(Y.encodeStateVector(doc))

/** Whether all docs have identical content and identical encoded state vectors. */
function converged (...docs) {
  const [first, ...rest] = docs
  const json = snapshot(first) // compared regardless of key order: maps keep local insertion order
  const sv = stateVector(first)
  return rest.every((d) => isDeepStrictEqual(snapshot(d), json) && stateVector(d).equals(sv))
}

const describeDocs = (docs) => () => docs
  .map(([label, d]) => `\n  ${label}: ${JSON.stringify(snapshot(d))} sv=${stateVector(d).toString('hex')}`)
  .join('')

/** The `user.name` that `provider` sees in the awareness state of `clientID`, if any. */
const seenName = (provider, clientID) => provider.awareness.getStates().get(clientID)?.user?.name

/** Fills a doc with a bit of everything, accented Italian and non-BMP characters included. */
function writeSampleContent (doc) {
  doc.transact(() => {
    const m = doc.getMap('m')
    m.set('titolo', 'Riunione di lunedì')
    m.set('numero', 42)
    m.set('annidato', { città: 'Forlì', tag: ['caffè', 'però'], ok: true, niente: null })
  })
  doc.getArray('a').push(['uno', 2, { tre: 3 }])
  doc.getArray('a').insert(1, ['inserito'])
  const t = doc.getText('t')
  t.insert(0, 'perché è così? ')
  t.insert(t.length, 'Più tardi sarà già lì 🙂🍝')
  t.delete(0, 1)
  t.insert(0, 'P')
}

test('two clients converge on concurrent edits of a Y.Map, a Y.Array and a Y.Text', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  const { start, client } = setup(t)
  const server = await start()
  const room = uniqueRoom('converge')
  const a = await client(server.wsUrl, room, 'Alice')
  const b = await client(server.wsUrl, room, 'Bruno')

  // A common base both clients have before the concurrent round.
  a.doc.getText('t').insert(0, 'Ciao mondo')
  a.doc.getArray('a').push(['base'])
  await waitFor(
    () => b.doc.getText('t').toString() === 'Ciao mondo' && b.doc.getArray('a').length === 1,
    10_000, () => `B to receive A's base content${describeDocs([['A', a.doc], ['B', b.doc]])()}`)

  // The concurrent round: all of it runs in this one synchronous block, so neither client
  // can have received anything of the other's round before making its own edits.
  const ma = a.doc.getMap('m')
  const mb = b.doc.getMap('m')
  ma.set('soloA', 1)
  mb.set('soloB', 2)
  a.doc.transact(() => {
    ma.set('condivisa', 'da Alice')
    ma.set('annidato', { chi: 'Alice', numeri: [1, 2, 3] })
  })
  mb.set('condivisa', 'da Bruno')

  const aa = a.doc.getArray('a')
  const ab = b.doc.getArray('a')
  aa.push(['a1', 'a2'])
  ab.push(['b1'])
  aa.insert(0, ['a0'])
  ab.insert(0, ['b0'])

  const ta = a.doc.getText('t')
  const tb = b.doc.getText('t')
  const pieceA = 'perché è così '
  const pieceB = 'però sì, già più '
  ta.insert(5, pieceA) // both right after "Ciao "
  tb.insert(5, pieceB)
  ta.insert(0, '«') // both at the very start
  tb.insert(0, '»')
  tb.insert(tb.length, ' 🙂')

  await waitFor(() => converged(a.doc, b.doc), 10_000,
    () => `A and B to converge${describeDocs([['A', a.doc], ['B', b.doc]])()}`)

  assert.deepEqual(snapshot(b.doc), snapshot(a.doc))
  assert.deepEqual(Y.encodeStateVector(b.doc), Y.encodeStateVector(a.doc))

  // Nothing was lost, and each type merged the way Yjs merges.
  const m = a.doc.getMap('m').toJSON()
  assert.equal(m.soloA, 1)
  assert.equal(m.soloB, 2)
  assert.ok(['da Alice', 'da Bruno'].includes(m.condivisa), `condivisa = ${m.condivisa}`)
  assert.deepEqual(m.annidato, { chi: 'Alice', numeri: [1, 2, 3] })
  assert.deepEqual(Object.keys(m).sort(), ['annidato', 'condivisa', 'soloA', 'soloB'])

  const arr = a.doc.getArray('a').toJSON()
  assert.equal(arr.length, 6, `array = ${JSON.stringify(arr)}`)
  assert.deepEqual(arr.slice(0, 2).sort(), ['a0', 'b0'])
  assert.equal(arr[2], 'base')
  assert.deepEqual(arr.slice(3).sort(), ['a1', 'a2', 'b1'])
  assert.ok(arr.indexOf('a1') < arr.indexOf('a2'), `array = ${JSON.stringify(arr)}`)

  const text = a.doc.getText('t').toString()
  const core = text.replace('«', '').replace('»', '')
  assert.ok(text.startsWith('«»') || text.startsWith('»«'), `text = ${JSON.stringify(text)}`)
  assert.ok(
    core === `Ciao ${pieceA}${pieceB}mondo 🙂` || core === `Ciao ${pieceB}${pieceA}mondo 🙂`,
    `concurrent inserts at the same position must both be kept, each in one piece: ${JSON.stringify(text)}`)

  // Both clients' clocks are in both state vectors.
  const sv = Y.decodeStateVector(Y.encodeStateVector(b.doc))
  assert.ok(sv.get(a.doc.clientID) > 0 && sv.get(b.doc.clientID) > 0, `state vector ${JSON.stringify([...sv])}`)
})

test('awareness: presence is shared, updated, and removed when a client leaves', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  const { start, client } = setup(t)
  const server = await start()
  const room = uniqueRoom('presence')
  const a = await client(server.wsUrl, room, 'Alice')
  const b = await client(server.wsUrl, room, 'Bruno')
  const aId = a.doc.clientID
  const bId = b.doc.clientID
  const states = (p) => () => JSON.stringify([...p.awareness.getStates()])

  await waitFor(() => seenName(b.provider, aId) === 'Alice', 10_000,
    () => `B to see Alice in its awareness states; B sees ${states(b.provider)()}`)
  await waitFor(() => seenName(a.provider, bId) === 'Bruno', 10_000,
    () => `A to see Bruno in its awareness states; A sees ${states(a.provider)()}`)

  a.provider.awareness.setLocalStateField('user', { name: 'Alice Rossi' })
  await waitFor(() => seenName(b.provider, aId) === 'Alice Rossi', 10_000,
    () => `B to see Alice's new name; B sees ${states(b.provider)()}`)

  // Well under the 30 s after which the client itself drops a silent peer, so the removal
  // can only come through the server.
  const left = Date.now()
  a.destroy()
  await waitFor(() => !b.provider.awareness.getStates().has(aId), 10_000,
    () => `Alice's entry to disappear from B's states after A's provider was destroyed; B sees ${states(b.provider)()}`)
  t.diagnostic(`presence removed ${Date.now() - left} ms after the client left`)
  assert.equal(seenName(b.provider, bId), 'Bruno', 'B keeps its own state')
})

test('awareness: the server removes the presence of a connection that drops without saying goodbye', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  const { start, client, rawSocket } = setup(t)
  const server = await start()
  const room = uniqueRoom('dropped')
  const b = await client(server.wsUrl, room, 'Bruno')

  // A bare socket speaking the protocol by hand, so that closing it sends no "state = null"
  // awareness update: only the server can tell the others that this client is gone.
  const ghostDoc = new Y.Doc()
  t.after(() => ghostDoc.destroy())
  const ghost = new awarenessProtocol.Awareness(ghostDoc)
  ghost.setLocalState({ user: { name: 'Fantasma' } })
  const ws = await rawSocket(`${server.wsUrl}/${room}`)
  ws.send(frame(0, 0, varUint8Array(Y.encodeStateVector(ghostDoc)))) // sync step 1
  ws.send(frame(1, varUint8Array(awarenessProtocol.encodeAwarenessUpdate(ghost, [ghostDoc.clientID]))))

  const states = () => JSON.stringify([...b.provider.awareness.getStates()])
  await waitFor(() => seenName(b.provider, ghostDoc.clientID) === 'Fantasma', 10_000,
    () => `B to see the raw client's presence; B sees ${states()}`)

  ws.terminate() // drop the TCP connection: no close frame, no awareness removal message
  await waitFor(() => !b.provider.awareness.getStates().has(ghostDoc.clientID), 10_000,
    () => `the dropped connection's presence to disappear from B's states; B sees ${states()}`)
})

test('a late joiner receives the full state (and the presence of those already there)', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  const { start, client } = setup(t)
  const server = await start()
  const room = uniqueRoom('late')
  const a = await client(server.wsUrl, room, 'Alice')
  const b = await client(server.wsUrl, room, 'Bruno')

  writeSampleContent(a.doc)
  b.doc.getMap('m').set('daBruno', 'sì')
  b.doc.getArray('a').push(['da Bruno'])
  b.doc.getText('t').insert(0, 'Nota: ')
  await waitFor(() => converged(a.doc, b.doc), 10_000,
    () => `A and B to converge${describeDocs([['A', a.doc], ['B', b.doc]])()}`)
  const expected = snapshot(a.doc)
  const expectedSv = Y.encodeStateVector(a.doc)

  // Content must be complete as soon as the first sync is done, with no further waiting.
  const c = await client(server.wsUrl, room, 'Carla')
  assert.deepEqual(snapshot(c.doc), expected)
  assert.deepEqual(Y.encodeStateVector(c.doc), expectedSv)

  await waitFor(() => seenName(c.provider, a.doc.clientID) === 'Alice' && seenName(c.provider, b.doc.clientID) === 'Bruno',
    10_000, () => `the late joiner to see Alice and Bruno; it sees ${JSON.stringify([...c.provider.awareness.getStates()])}`)

  // Everyone leaves; someone coming later still gets everything.
  a.destroy()
  b.destroy()
  c.destroy()
  const d = await client(server.wsUrl, room, 'Dario')
  assert.deepEqual(snapshot(d.doc), expected)
  assert.deepEqual(Y.encodeStateVector(d.doc), expectedSv)
})

test('state survives a server restart on the same data dir', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  const { start, client } = setup(t)
  const room = uniqueRoom('restart')

  // First life: edit, and wait until a second client has everything, which proves the
  // server has received it all before it is told to stop.
  const first = await start()
  const a = await client(first.wsUrl, room, 'Alice')
  const b = await client(first.wsUrl, room, 'Bruno')
  writeSampleContent(a.doc)
  await waitFor(() => converged(a.doc, b.doc), 10_000,
    () => `B to receive A's edits${describeDocs([['A', a.doc], ['B', b.doc]])()}`)
  const expected = snapshot(a.doc)
  const expectedSv = Y.encodeStateVector(a.doc)
  a.destroy()
  b.destroy()

  const firstExit = await first.stop()
  t.diagnostic(`first server exited with code ${firstExit.code}, signal ${firstExit.signal}`)
  assert.equal(firstExit.alreadyExited, false, 'the server died before it was asked to stop')
  assert.equal(firstExit.forced, false, 'the server did not exit within 10 s of SIGTERM and had to be killed')

  // Second life: a fresh client gets the same content; it edits once more.
  const second = await start()
  const c = await client(second.wsUrl, room, 'Carla')
  assert.deepEqual(snapshot(c.doc), expected)
  assert.deepEqual(Y.encodeStateVector(c.doc), expectedSv)

  c.doc.getMap('m').set('dopoRiavvio', 'è tutto qui')
  c.doc.getText('t').insert(0, '[2] ')
  const d = await client(second.wsUrl, room, 'Dario')
  await waitFor(() => converged(c.doc, d.doc), 10_000,
    () => `D to receive C's edits${describeDocs([['C', c.doc], ['D', d.doc]])()}`)
  const expected2 = snapshot(c.doc)
  const expectedSv2 = Y.encodeStateVector(c.doc)
  c.destroy()
  d.destroy()

  const secondExit = await second.stop()
  assert.equal(secondExit.alreadyExited, false, 'the second server died before it was asked to stop')
  assert.equal(secondExit.forced, false, 'the second server did not exit within 10 s of SIGTERM')

  // Third life: both rounds of edits are there.
  const third = await start()
  const e = await client(third.wsUrl, room, 'Elena')
  assert.deepEqual(snapshot(e.doc), expected2)
  assert.deepEqual(Y.encodeStateVector(e.doc), expectedSv2)
  assert.equal(e.doc.getMap('m').get('titolo'), 'Riunione di lunedì')
  assert.equal(e.doc.getMap('m').get('dopoRiavvio'), 'è tutto qui')
})

test('a board id with a character that is not allowed is refused with 400', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  const { start, rawSocket, cleanup } = setup(t)
  const server = await start()

  // Plain HTTP.
  const badUrl = `${server.url}/sync/bad%20id!`
  const res = await fetch(badUrl, { signal: AbortSignal.timeout(10_000) }).catch((e) => {
    throw new Error(`GET ${badUrl} failed: ${e.message}${e.cause ? ` (${e.cause.message ?? e.cause})` : ''}`)
  })
  await res.arrayBuffer()
  assert.equal(res.status, 400, `GET /sync/bad%20id! answered ${res.status}`)

  // A real WebSocket upgrade request for the same id (the way y-websocket would ask).
  const status = await new Promise((resolve, reject) => {
    const ws = new WebSocket(`${server.wsUrl}/bad%20id!`)
    cleanup.add(() => ws.terminate())
    const timer = setTimeout(() => reject(new Error('no answer to the upgrade request within 10 s')), 10_000)
    ws.once('unexpected-response', (_req, response) => {
      clearTimeout(timer)
      response.resume()
      resolve(response.statusCode)
    })
    ws.once('open', () => { clearTimeout(timer); resolve('upgraded') })
    ws.once('error', (e) => { clearTimeout(timer); reject(e) })
  })
  assert.equal(status, 400, `the upgrade request for "bad id!" was answered with ${status}`)

  // The same request with an allowed id is upgraded: the 400 was about the id.
  const good = await rawSocket(`${server.wsUrl}/${uniqueRoom('good')}`)
  assert.equal(good.readyState, WebSocket.OPEN)
})
