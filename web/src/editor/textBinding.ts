// Binds a <textarea> or <input> to a Y.Text (an item's text, a side-panel field) with delta
// operations (never a full replacement), so that two people typing in the same note or
// field merge. Remote changes move the local caret the way the text moved under it.

import type * as Y from 'yjs'

export interface TextChange { index: number, remove: number, insert: string }

/**
 * The single edit that turns `prev` into `next`. `caret` (the caret after the edit) settles
 * ambiguous cases such as typing "a" inside "aa": the edit ends at the caret.
 */
export function textDiff (prev: string, next: string, caret = next.length): TextChange | null {
  if (prev === next) return null
  const maxSuffix = Math.min(prev.length, next.length, Math.max(0, next.length - caret))
  let suffix = 0
  while (suffix < maxSuffix && prev[prev.length - 1 - suffix] === next[next.length - 1 - suffix]) suffix++
  const maxPrefix = Math.min(prev.length, next.length) - suffix
  let prefix = 0
  while (prefix < maxPrefix && prev[prefix] === next[prefix]) prefix++
  // never split a surrogate pair
  if (prefix > 0 && isHighSurrogate(prev.charCodeAt(prefix - 1))) prefix--
  return { index: prefix, remove: prev.length - prefix - suffix, insert: next.slice(prefix, next.length - suffix) }
}

const isHighSurrogate = (c: number) => c >= 0xd800 && c <= 0xdbff

/**
 * Where a position moves when `delta` is applied. `pos` and the delta's retains and
 * deletes count in the text before the change (inserts take no room there), so a delta of
 * several inserts — concurrent typing of several people, arriving in one update — moves
 * the position by the inserts before it only.
 */
export function transformPosition (pos: number, delta: Array<{ insert?: unknown, retain?: number, delete?: number }>, local = false): number {
  let old = 0
  let out = pos
  for (const op of delta) {
    if (old > pos) break
    if (op.retain) old += op.retain
    else if (typeof op.insert === 'string') {
      if (old < pos || (local && old === pos)) out += op.insert.length
    } else if (op.delete) {
      if (old < pos) out -= Math.min(op.delete, pos - old)
      old += op.delete
    }
  }
  return Math.max(0, out)
}

export function bindTextarea (el: HTMLTextAreaElement | HTMLInputElement, ytext: Y.Text, origin: object): () => void {
  let prev = ytext.toString()
  el.value = prev
  const doc = ytext.doc!
  const onInput = () => {
    const next = el.value
    const change = textDiff(prev, next, el.selectionEnd ?? next.length)
    prev = next
    if (!change) return
    doc.transact(() => {
      if (change.remove) ytext.delete(change.index, change.remove)
      if (change.insert) ytext.insert(change.index, change.insert)
    }, origin)
  }
  const observer = (ev: Y.YTextEvent) => {
    const now = ytext.toString()
    if (now === el.value) { prev = now; return }
    const start = el.selectionStart ?? 0
    const end = el.selectionEnd ?? 0
    const delta = ev.delta as Array<{ insert?: unknown, retain?: number, delete?: number }>
    const s = transformPosition(start, delta)
    const e = transformPosition(end, delta)
    el.value = now
    prev = now
    if (document.activeElement === el) el.setSelectionRange(s, e)
  }
  el.addEventListener('input', onInput)
  ytext.observe(observer)
  return () => {
    el.removeEventListener('input', onInput)
    ytext.unobserve(observer)
  }
}
