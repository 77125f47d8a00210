import { useEffect, useState } from 'preact/hooks'
import type { Editor, EditorEvent } from '../editor/editor'
import { getLang, onLangChange, type Lang } from '../i18n'

/** Re-renders the component on the given editor events (at most once per frame). */
export function useEditor (editor: Editor, events: EditorEvent[]): number {
  const [n, setN] = useState(0)
  useEffect(() => {
    let pending = false
    const bump = () => {
      if (pending) return
      pending = true
      requestAnimationFrame(() => { pending = false; setN((x) => x + 1) })
    }
    const offs = events.map((e) => editor.on(e, bump))
    // what happened between the render and now (a sibling's effect fitting the board) is missed: render once more
    bump()
    return () => offs.forEach((f) => f())
  }, [editor, events.join()])
  return n
}

const SIDE_KEY = 'tavolo.sidePanel'

/** Whether the side panel is open: open unless this browser collapsed it (kept in localStorage). */
export function useSidePanel (): [boolean, (open: boolean) => void] {
  const read = () => { try { return localStorage.getItem(SIDE_KEY) !== 'closed' } catch { return true } }
  const [open, setOpenState] = useState(read)
  const setOpen = (v: boolean) => {
    try { if (v) localStorage.removeItem(SIDE_KEY); else localStorage.setItem(SIDE_KEY, 'closed') } catch { /* private mode: this page only */ }
    setOpenState(v)
  }
  return [open, setOpen]
}

export function useLang (): Lang {
  const [lang, setLangState] = useState(getLang())
  useEffect(() => onLangChange(setLangState), [])
  return lang
}
