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
    return () => offs.forEach((f) => f())
  }, [editor, events.join()])
  return n
}

export function useLang (): Lang {
  const [lang, setLangState] = useState(getLang())
  useEffect(() => onLangChange(setLangState), [])
  return lang
}
