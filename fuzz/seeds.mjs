// Writes the fuzz targets' seed corpus from the official Yjs client: boards edited the way
// Tavolo's web client edits them (web/src/model/board.ts: maps `meta`, `items`, `texts`
// of Y.Text, `links`), by several clients, with typing, deletions, concurrent edits and
// out-of-order delivery, plus awareness (web/src/sync/presence.ts) and whole frames.
//
//   (cd e2e && npm ci) && node fuzz/seeds.mjs
//
// Deterministic (fixed client ids, no clocks): running it again writes the same files.
import { createRequire } from 'node:module'
import { mkdirSync, writeFileSync, readFileSync, readdirSync, rmSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))
const require = createRequire(join(here, '../e2e/package.json'))
// CommonJS builds throughout, so that yjs is one module for y-protocols and for us.
const Y = require('yjs')
const encoding = require('lib0/encoding')
const { Awareness, encodeAwarenessUpdate, removeAwarenessStates } = require('y-protocols/awareness')
const sync = require('y-protocols/sync')

const corpus = join(here, 'corpus')
const out = {}
function seed (target, name, bytes) {
  (out[target] ??= []).push([name, Buffer.from(bytes)])
}
/** Pieces as the multi-input targets split them: varUint(len) bytes, each. */
function pieces (list) {
  const e = encoding.createEncoder()
  for (const p of list) encoding.writeVarUint8Array(e, p)
  return encoding.toUint8Array(e)
}
function frame (write) {
  const e = encoding.createEncoder()
  write(e)
  return encoding.toUint8Array(e)
}
const syncStep1 = (doc) => frame((e) => { encoding.writeVarUint(e, 0); sync.writeSyncStep1(e, doc) })
const syncStep2 = (doc, sv) => frame((e) => { encoding.writeVarUint(e, 0); sync.writeSyncStep2(e, doc, sv) })
const updateFrame = (u) => frame((e) => { encoding.writeVarUint(e, 0); sync.writeUpdate(e, u) })
const awarenessFrame = (a) => frame((e) => { encoding.writeVarUint(e, 1); encoding.writeVarUint8Array(e, a) })
const queryAwareness = () => frame((e) => encoding.writeVarUint(e, 3))

/** A board document of the web client's schema, recording every update it emits. */
function board (clientID) {
  const doc = new Y.Doc()
  doc.clientID = clientID
  const updates = []
  doc.on('update', (u) => updates.push(u))
  const b = {
    doc,
    updates,
    meta: doc.getMap('meta'),
    items: doc.getMap('items'),
    texts: doc.getMap('texts'),
    links: doc.getMap('links'),
    addItem (id, item, text = '') {
      doc.transact(() => { b.items.set(id, item); b.texts.set(id, new Y.Text(text)) })
    },
    updateItem (id, patch) { doc.transact(() => b.items.set(id, { ...b.items.get(id), ...patch })) },
    deleteItems (ids) {
      doc.transact(() => {
        for (const id of ids) { b.items.delete(id); b.texts.delete(id) }
        for (const [lid, l] of b.links.entries()) if (ids.includes(l.from) || ids.includes(l.to)) b.links.delete(lid)
      })
    },
    loadJSON (json) {
      doc.transact(() => {
        for (const [k, v] of Object.entries(json.meta)) b.meta.set(k, v)
        for (const [id, { text, ...item }] of Object.entries(json.items ?? {})) {
          b.items.set(id, item)
          b.texts.set(id, new Y.Text(text ?? ''))
        }
        for (const [id, l] of Object.entries(json.links ?? {})) b.links.set(id, l)
      })
    }
  }
  return b
}
const state = (doc) => Y.encodeStateAsUpdate(doc)
const sv = (doc) => Y.encodeStateVector(doc)

// ---- a session on a free board: two participants -----------------------------------------
const a = board(101)
a.meta.set('schema', 1)
a.meta.set('kind', 'free')
a.meta.set('title', 'Lavagna libera')
a.addItem('n1', { type: 'sticky', x: 40, y: 60, w: 180, h: 180, color: 'yellow', z: 'a1', author: 'p-1' })
const t1 = a.texts.get('n1')
for (const ch of 'Perché non un servizio?') t1.insert(t1.length, ch) // typing, one key at a time
t1.delete(5, 4)
t1.insert(0, '🎉 ')
a.updateItem('n1', { x: 120.5, y: -30 })
a.addItem('p1', { type: 'ink', x: 0, y: 0, w: 10, h: 10, color: 'purple', z: 'a2', points: [0, 0, 5.5, 4, 10, 10] })
a.addItem('f1', { type: 'frame', x: 0, y: 0, w: 800, h: 600, color: 'white', z: 'a0' }, 'Idee')
a.updateItem('n1', { frame: 'f1', data: { votes: 3, tags: ['a', 'b'], nested: { deep: [1, [2, [3]]] } } })

const b = board(202)
Y.applyUpdate(b.doc, state(a.doc))
const afterSync = b.updates.length
b.addItem('n2', { type: 'sticky', x: 260, y: 60, w: 180, h: 180, color: 'pink', z: 'a3' }, 'È già così')
b.links.set('l1', { from: 'n1', to: 'n2', kind: 'arrow', label: 'vedi' })
// concurrent edits of the same text and item
const tb = b.texts.get('n1')
tb.insert(2, 'B:')
t1.insert(t1.length, ' (A)')
b.updateItem('n1', { color: 'green' })
a.updateItem('n1', { color: 'blue' })
b.deleteItems(['p1'])
Y.applyUpdate(a.doc, state(b.doc))
Y.applyUpdate(b.doc, state(a.doc))

const own = (bd, from = 0) => bd.updates.slice(from)
const aUpdates = own(a)
const bUpdates = own(b, afterSync)

// updates: one per piece
seed('update_apply', 'a-in-order', pieces(aUpdates.slice(0, 8)))
seed('update_apply', 'a-typing', pieces(aUpdates.slice(4, 12)))
seed('update_apply', 'b-then-a', pieces([...bUpdates.slice(0, 4), ...aUpdates.slice(0, 4)]))
seed('update_apply', 'reversed', pieces(aUpdates.slice(0, 8).reverse())) // parked, then released
seed('update_apply', 'state-and-diff', pieces([state(a.doc), Y.diffUpdate(state(b.doc), sv(a.doc))]))
seed('update_apply', 'merged', pieces([Y.mergeUpdates(aUpdates), Y.mergeUpdates(bUpdates)]))
seed('update_apply', 'deletion-first', pieces([bUpdates[bUpdates.length - 1], state(a.doc)]))
for (const [i, u] of aUpdates.slice(0, 6).entries()) seed('update_apply', `single-${i}`, pieces([u]))

// whole states: the backups import_yjs takes
seed('import_yjs', 'session', state(a.doc))
const fixtures = join(here, '../schema/fixtures')
const templates = join(here, '../schema/templates')
for (const dir of [fixtures, templates]) {
  for (const f of readdirSync(dir).filter((f) => f.endsWith('.json')).sort()) {
    const json = JSON.parse(readFileSync(join(dir, f), 'utf8'))
    const name = `${dir === fixtures ? 'fixture' : 'template'}-${f.replace('.json', '')}`
    seed('import_json', name, readFileSync(join(dir, f)))
    if (!json.meta) continue
    const d = board(300)
    d.loadJSON(json)
    seed('import_yjs', name, state(d.doc))
    if (dir === fixtures) seed('update_apply', name, pieces([state(d.doc)]))
  }
}

// state vectors
seed('state_vector', 'empty', sv(new Y.Doc()))
seed('state_vector', 'a', sv(a.doc))
const c = board(303)
Y.applyUpdate(c.doc, aUpdates[0])
seed('state_vector', 'partial', sv(c.doc))
seed('state_vector', 'big-clients', (() => {
  const d = new Y.Doc()
  d.clientID = 2 ** 53 - 1
  d.getText('t').insert(0, 'x')
  return sv(d)
})())

// awareness, as presence.ts sets it
function presence (clientID, name) {
  const doc = new Y.Doc()
  doc.clientID = clientID
  const aw = new Awareness(doc)
  aw.setLocalStateField('user', { id: `p-${clientID}`, name, color: '#FFADC6' })
  return aw
}
const anna = presence(11, 'Anna')
const bruno = presence(22, 'Bruno')
const aw = [encodeAwarenessUpdate(anna, [11])]
anna.setLocalState({ ...anna.getLocalState(), cursor: { x: 10.5, y: -3 }, viewport: { x: 0, y: 0, w: 1280, h: 720 } })
aw.push(encodeAwarenessUpdate(anna, [11]))
aw.push(encodeAwarenessUpdate(bruno, [22]))
anna.setLocalState({ ...anna.getLocalState(), cursor: null, selection: ['n1', 'n2'] })
aw.push(encodeAwarenessUpdate(anna, [11]))
removeAwarenessStates(bruno, [22], 'test')
aw.push(encodeAwarenessUpdate(bruno, [22]))
seed('awareness', 'session', pieces(aw))
seed('awareness', 'two', pieces([aw[0], aw[2], aw[1], aw[4], aw[3], aw[0]]))
seed('awareness', 'keepalive', pieces([new Uint8Array([0])]))

// frames: what an official client sends
const frames = [
  syncStep1(a.doc),
  syncStep2(b.doc, sv(c.doc)),
  updateFrame(aUpdates[3]),
  updateFrame(bUpdates[0]),
  awarenessFrame(aw[1]),
  awarenessFrame(aw[4]),
  queryAwareness(),
  new Uint8Array([...syncStep1(c.doc), ...awarenessFrame(aw[0])]),
  new Uint8Array([...updateFrame(aUpdates[1]), ...updateFrame(aUpdates[2]), ...queryAwareness()]),
  frame((e) => { encoding.writeVarUint(e, 2); encoding.writeVarUint(e, 0); encoding.writeVarString(e, 'sola lettura') })
]
for (const [i, f] of frames.entries()) {
  seed('wire_decode', `frame-${i}`, f)
  seed('conn_parse', `frame-${i}`, f)
}

// the control channel: op byte (see fuzz_targets/control.rs) + a client's text
const ctl = (op, text) => new Uint8Array([op, ...Buffer.from(text)])
seed('control', 'here', pieces([
  ctl(0, ''), ctl(0x20, ''), ctl(1, '{"type":"here","board":"b-1"}'),
  ctl(5, '{"type":"here","board":"session.draft.p-2"}'), ctl(3, '{"type":"session"}'),
  ctl(1, '{"type":"here"}'), ctl(2, ''), ctl(0x10, ''), ctl(0x13, 'x'), ctl(2, ''), ctl(2, '')
]))
seed('control', 'junk', pieces([ctl(0, '{"type":"here","board":"../etc"}'), ctl(1, '{"type":"here","board":".x"}'), ctl(1, '[]'), ctl(2, 'null')]))

// write
rmSync(corpus, { recursive: true, force: true })
let files = 0
let bytes = 0
for (const [target, list] of Object.entries(out)) {
  mkdirSync(join(corpus, target), { recursive: true })
  for (const [name, data] of list) {
    writeFileSync(join(corpus, target, name), data)
    files++
    bytes += data.length
  }
}
console.log(`${files} seeds, ${bytes} bytes, in ${corpus}`)
