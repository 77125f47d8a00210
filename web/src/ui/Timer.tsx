// The meeting's timer, as everyone sees it: a countdown from the server's state (corrected
// for this computer's clock), a visible end and a short beep made with WebAudio (no audio
// file). Browsers only let a page make sound after a click or a key press on it, so the
// audio is unlocked on the first one.

import { useEffect, useRef, useState } from 'preact/hooks'
import { t } from '../i18n'
import { formatClock, timerRemaining, timerRunning, type TimerState } from '../sync/session'

let audio: AudioContext | null = null
let beeps = 0

/** Creates (or resumes) the audio context; call it from a user gesture. */
export function unlockAudio (): void {
  try {
    const Ctor = window.AudioContext ?? (window as unknown as { webkitAudioContext?: typeof AudioContext }).webkitAudioContext
    if (!Ctor) return
    audio ??= new Ctor()
    if (audio.state === 'suspended') void audio.resume()
  } catch { /* no audio on this browser */ }
}

/** Three short beeps. Counted in window.tavoloTimer.beeps (the browser tests read it). */
export function beep (): void {
  beeps++
  ;(window as unknown as { tavoloTimer?: unknown }).tavoloTimer = { beeps }
  unlockAudio()
  const ctx = audio
  if (!ctx) return
  try {
    const start = ctx.currentTime + 0.02
    for (const offset of [0, 0.32, 0.64]) {
      const osc = ctx.createOscillator()
      const gain = ctx.createGain()
      osc.type = 'sine'
      osc.frequency.value = 880
      gain.gain.setValueAtTime(0.0001, start + offset)
      gain.gain.exponentialRampToValueAtTime(0.25, start + offset + 0.02)
      gain.gain.exponentialRampToValueAtTime(0.0001, start + offset + 0.22)
      osc.connect(gain).connect(ctx.destination)
      osc.start(start + offset)
      osc.stop(start + offset + 0.25)
    }
  } catch { /* the audio context is gone */ }
}

/** Unlocks audio on the first pointer or key press anywhere on the page. */
export function installAudioUnlock (): void {
  const once = () => {
    unlockAudio()
    window.removeEventListener('pointerdown', once, true)
    window.removeEventListener('keydown', once, true)
  }
  window.addEventListener('pointerdown', once, true)
  window.addEventListener('keydown', once, true)
}

/** Re-renders every `ms` milliseconds while `on`. */
export function useTick (ms: number, on = true): void {
  const [, setN] = useState(0)
  useEffect(() => {
    if (!on) return
    const id = setInterval(() => setN((n) => n + 1), ms)
    return () => clearInterval(id)
  }, [ms, on])
}

export function TimerDisplay ({ timer, offset, compact = false }: { timer: TimerState | null, offset: number, compact?: boolean }) {
  useTick(250, !!timer)
  const live = useRef<HTMLSpanElement>(null)
  // beep once per end, and only for a countdown this page saw running
  const sawRunning = useRef<number | null>(null)
  const rang = useRef<number | null>(null)
  const remaining = timerRemaining(timer, Date.now() + offset)
  const running = timerRunning(timer)
  const ended = !!timer && remaining === 0
  const key = timer?.ends_at ?? null
  if (running && key != null && remaining! > 0) sawRunning.current = key
  useEffect(() => {
    if (ended && running && key != null && sawRunning.current === key && rang.current !== key) {
      rang.current = key
      beep()
      if (live.current) live.current.textContent = t('timer.ended')
    }
  })
  if (!timer) return null
  const state = ended ? 'ended' : running ? 'running' : 'paused'
  return (
    <div class={`timer timer-${state}${compact ? ' compact' : ''}`} data-state={state}>
      <span class="timer-label">{ended ? t('timer.ended') : running ? t('timer.label') : t('timer.paused')}</span>
      <span class="timer-clock" role="timer" aria-label={t('timer.remaining', { time: formatClock(remaining ?? 0) })}>{formatClock(remaining ?? 0)}</span>
      <span ref={live} class="sr-only" aria-live="assertive" />
    </div>
  )
}
