// A confirmation of what the facilitator just did ("link copied", "everyone brought
// here"): shown on screen for a few seconds and read by screen readers (a status region
// that is always in the page, so that the change is announced).

import { useCallback, useEffect, useState } from 'preact/hooks'

/** `at` counts what was said, so that saying the same text again is a change. */
export interface Said { text: string, at: number }

/** What to confirm, and the function that says it (the same text said twice shows twice). */
export function useNotice (): [Said | null, (text: string) => void] {
  const [said, setSaid] = useState<Said | null>(null)
  const say = useCallback((text: string) => setSaid((last) => ({ text, at: (last?.at ?? 0) + 1 })), [])
  return [said, say]
}

export function Notice ({ said, ms = 6000 }: { said: Said | null, ms?: number }) {
  const [shown, setShown] = useState(false)
  useEffect(() => {
    if (!said) return
    setShown(true)
    const timer = setTimeout(() => setShown(false), ms)
    return () => clearTimeout(timer)
  }, [said])
  return <p class={`notice${shown && said ? '' : ' empty'}`} role="status">{shown && said ? said.text : ''}</p>
}
