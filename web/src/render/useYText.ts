import { useEffect, useState } from 'preact/hooks'
import type * as Y from 'yjs'
import type { Board } from '../model/board'

/** The current string of an item's Y.Text, re-rendering on every change to it. */
export function useItemText (board: Board, id: string): string {
  const [text, setText] = useState(() => board.textOf(id))
  useEffect(() => {
    let ytext: Y.Text | undefined
    const onText = () => setText(ytext ? ytext.toString() : '')
    const attach = () => {
      const next = board.texts.get(id)
      if (next === ytext) return
      if (ytext) ytext.unobserve(onText)
      ytext = next
      if (ytext) ytext.observe(onText)
      onText()
    }
    attach()
    // the Y.Text itself may be replaced (e.g. by a concurrent creation): follow it
    const onTexts = (ev: Y.YMapEvent<Y.Text>) => { if (ev.keysChanged.has(id)) attach() }
    board.texts.observe(onTexts)
    return () => { board.texts.unobserve(onTexts); if (ytext) ytext.unobserve(onText) }
  }, [board, id])
  return text
}
