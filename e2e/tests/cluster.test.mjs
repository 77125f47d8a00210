// Two Tavolo nodes on one PostgreSQL with a Redis bus, and the official yjs +
// y-websocket clients: a client on each node, and they converge; awareness crosses nodes.
// Needs PostgreSQL on 127.0.0.1:5432 (trust auth) and redis-server on the PATH; the test
// makes its own database and starts its own Redis on a free port.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn, execFileSync } from 'node:child_process'
import net from 'node:net'
import { startServer, connect, waitFor, Cleanup, makeDataDir, removeDataDir, sleep } from './helpers.mjs'

const PG_ADMIN = process.env.TAVOLO_TEST_POSTGRES_URL || 'postgres://postgres@127.0.0.1:5432/postgres'

function freePort () {
  return new Promise((resolve, reject) => {
    const srv = net.createServer()
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address()
      srv.close(() => resolve(port))
    })
    srv.on('error', reject)
  })
}

async function startRedis (port) {
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' })
  await waitFor(() => new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1', () => { s.end(); resolve(true) })
    s.on('error', () => resolve(false))
  }), 10_000, () => 'redis-server did not start')
  return child
}

test('the official clients on two nodes converge, and awareness crosses nodes', { timeout: 60_000 }, async (t) => {
  const cleanup = new Cleanup()
  t.after(() => cleanup.run())
  const dbName = `tavolo_e2e_${process.pid}_${Date.now()}`
  execFileSync('psql', [PG_ADMIN, '-qc', `CREATE DATABASE ${dbName}`])
  cleanup.add(() => execFileSync('psql', [PG_ADMIN, '-qc', `DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`]))
  const dbUrl = PG_ADMIN.replace(/\/[^/]*$/, `/${dbName}`)
  const port = await freePort()
  const redis = await startRedis(port)
  cleanup.add(() => redis.kill('SIGKILL'))
  const nodes = []
  for (let i = 0; i < 2; i++) {
    const dataDir = makeDataDir()
    cleanup.add(() => removeDataDir(dataDir))
    const server = await startServer({ dataDir, databaseUrl: dbUrl, extraArgs: ['--bus', `redis://127.0.0.1:${port}`] })
    cleanup.add(() => server.stop())
    nodes.push(server)
  }
  const room = 'cluster-' + Date.now()
  const a = await connect(nodes[0].wsUrl, room, { name: 'Anna (A)' })
  cleanup.add(() => a.destroy())
  const b = await connect(nodes[1].wsUrl, room, { name: 'Bruno (B)' })
  cleanup.add(() => b.destroy())

  // concurrent edits to a map, an array and a text, one client per node
  for (let i = 0; i < 20; i++) {
    a.doc.getMap('m').set(`a${i}`, i)
    b.doc.getMap('m').set(`b${i}`, i)
    a.doc.getArray('arr').push([`a${i}`])
    b.doc.getArray('arr').insert(0, [`b${i}`])
  }
  a.doc.getText('t').insert(0, 'perché ')
  b.doc.getText('t').insert(0, 'è così ')
  const done = (c) => c.doc.getMap('m').size === 40 && c.doc.getArray('arr').length === 40 && c.doc.getText('t').length === 14
  await waitFor(() => done(a) && done(b), 15_000, () => 'the two nodes did not converge')
  assert.deepEqual(a.doc.getMap('m').toJSON(), b.doc.getMap('m').toJSON())
  assert.deepEqual(a.doc.getArray('arr').toJSON(), b.doc.getArray('arr').toJSON())
  assert.equal(a.doc.getText('t').toString(), b.doc.getText('t').toString())

  // awareness: B sees A's name, set on node A
  await waitFor(() => [...b.provider.awareness.getStates().values()].some((s) => s.user?.name === 'Anna (A)'),
    10_000, () => 'awareness did not cross nodes')
  await sleep(10)
})
