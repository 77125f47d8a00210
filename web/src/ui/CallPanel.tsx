// The call panel beside the board: a tile per person in this browser's call (name,
// microphone state, a ring while they speak), mute, camera on/off, leave and rejoin.
// The call itself (CallClient) lives as long as the meeting page: moving between boards
// and rooms keeps it, and the server moves it between calls.

import { useEffect, useRef, useState } from 'preact/hooks'
import { t } from '../i18n'
import { VIDEO_CHOICES } from '../sync/call'
import type { CallClient, CallPeer } from '../sync/call'
import type { SessionView } from '../sync/session'

function useCall (call: CallClient): void {
  const [, setN] = useState(0)
  useEffect(() => call.on(() => setN((n) => n + 1)), [call])
}

function Video ({ stream, muted, label }: { stream: MediaStream | null, muted: boolean, label: string }) {
  const ref = useRef<HTMLVideoElement>(null)
  useEffect(() => {
    const v = ref.current
    if (v && v.srcObject !== stream) v.srcObject = stream
  }, [stream])
  return <video ref={ref} autoplay playsInline muted={muted} aria-label={label} />
}

function Tile ({ name, stream, audio, video, speaking, self, listener, paused = false }: {
  name: string
  stream: MediaStream | null
  audio: boolean
  video: boolean
  speaking: boolean
  self: boolean
  listener: boolean
  /** Their camera is on, but the server does not forward it here now (not among the
   *  last speakers this browser receives the videos of). */
  paused?: boolean
}) {
  const state = listener ? t('call.listener') : audio ? t('call.micOn') : t('call.micOff')
  return (
    <li class={`call-tile${speaking ? ' speaking' : ''}`} data-name={name} data-paused={paused ? 'true' : undefined}>
      {video && stream ? <Video stream={stream} muted={self} label={name} /> : <div class="call-avatar" aria-hidden="true">{name.slice(0, 1).toUpperCase()}</div>}
      {/* audio of someone without video still plays */}
      {!video && stream && !self ? <Video stream={stream} muted={false} label={name} /> : null}
      <span class="call-name">{self ? t('call.you', { name }) : name}</span>
      {video && stream && !self ? <FullScreenButton /> : null}
      <span class="call-mic">{state}{speaking ? `, ${t('call.speaking')}` : ''}{paused ? `, ${t('call.videoPaused')}` : ''}</span>
    </li>
  )
}

/** Shows its tile's video full screen (for a camera, the server then sends the full
 *  simulcast layer: `useTileWidth`). */
function FullScreenButton () {
  return (
    <button type="button" class="call-full"
      onClick={(e) => { void e.currentTarget.parentElement?.querySelector('video')?.requestFullscreen().catch(() => {}) }}>
      {t('call.fullScreen')}
    </button>
  )
}

/** A screen someone shares: the whole width of the panel, and full screen on demand. */
function ScreenTile ({ name, stream }: { name: string, stream: MediaStream }) {
  const label = t('call.screenOf', { name })
  return (
    <li class="call-tile screen" data-screen={name}>
      <Video stream={stream} muted label={label} />
      <span class="call-name">{label}</span>
      <FullScreenButton />
    </li>
  )
}

/** Choosing the microphone and the camera, or no camera (audio only). */
function Devices ({ call }: { call: CallClient }) {
  const [list, setList] = useState<{ mics: MediaDeviceInfo[], cameras: MediaDeviceInfo[] } | null>(null)
  const [failed, setFailed] = useState(false)
  useEffect(() => { void call.devices().then(setList).catch(() => setFailed(true)) }, [call, call.local])
  const change = (f: () => Promise<void>) => { setFailed(false); f().catch(() => setFailed(true)) }
  if (!list) return null
  const mic = call.deviceInUse('audio') ?? ''
  const camera = call.local?.getVideoTracks().length ? (call.deviceInUse('video') ?? '') : 'none'
  const name = (d: MediaDeviceInfo, n: number) => d.label || t('call.deviceN', { n: n + 1 })
  return (
    <fieldset class="call-devices" data-call-devices>
      <legend>{t('call.devices')}</legend>
      <label class="field">{t('call.mute')}
        <select name="mic" value={mic} onChange={(e) => change(() => call.useMicrophone((e.target as HTMLSelectElement).value))}>
          {list.mics.map((d, n) => <option key={d.deviceId} value={d.deviceId}>{name(d, n)}</option>)}
        </select>
      </label>
      <label class="field">{t('call.camera')}
        <select name="camera" value={camera} onChange={(e) => { const v = (e.target as HTMLSelectElement).value; change(() => call.useCamera(v === 'none' ? null : v)) }}>
          <option value="none">{t('call.audioOnly')}</option>
          {list.cameras.map((d, n) => <option key={d.deviceId} value={d.deviceId}>{name(d, n)}</option>)}
        </select>
      </label>
      <label class="field">{t('call.videos')}
        <select name="videos" value={String(call.prefs.videos)} onChange={(e) => call.setVideos(Number((e.target as HTMLSelectElement).value))}>
          {VIDEO_CHOICES.map((n) => <option key={n} value={String(n)}>{n === 0 ? t('call.videosNone') : t('call.videosUpTo', { n })}</option>)}
        </select>
      </label>
      {failed ? <p class="call-error" role="alert">{t('call.deviceFailed')}</p> : null}
    </fieldset>
  )
}

/** Why the server ended the call, in the UI's language (its reason is for logs). */
function endedText (code: number | null): string {
  if (code === 4001) return t('call.endedLogout')
  if (code === 4002) return t('call.endedClosed')
  if (code === 4003) return t('call.endedRevoked')
  return t('call.endedNoReason')
}

/** Tells the call how wide its largest camera tile is (full screen included), so that
 *  the server forwards the simulcast layer that fits. */
function useTileWidth (call: CallClient): void {
  useEffect(() => {
    const measure = () => {
      let widest = 0
      for (const v of document.querySelectorAll<HTMLVideoElement>('.call-tile:not(.screen) video')) {
        widest = Math.max(widest, v.getBoundingClientRect().width * devicePixelRatio)
      }
      call.fitTiles(widest)
    }
    measure()
    addEventListener('resize', measure)
    document.addEventListener('fullscreenchange', measure)
    return () => { removeEventListener('resize', measure); document.removeEventListener('fullscreenchange', measure) }
  })
}

export function CallPanel ({ call, view, myName }: { call: CallClient, view: SessionView, myName: string }) {
  useCall(call)
  useTileWidth(call)
  // hidden: the panel folded away while in the call
  const [hidden, setHidden] = useState(false)
  // the device choice, unfolded
  const [devices, setDevices] = useState(false)
  const room = view.rooms.find((r) => r.id === call.call)
  const active = call.status === 'connecting' || call.status === 'connected' || call.status === 'reconnecting'
  if (view.closed && !active) return null
  const status = call.status === 'connecting'
    ? t('call.connecting')
    : call.status === 'reconnecting'
      ? t('call.reconnecting')
      : call.status === 'connected'
        ? (call.peers.length === 0 ? t('call.alone') : t('call.connected'))
        : call.status === 'left' ? t('call.left') : ''
  const ended = call.status === 'ended' ? endedText(call.endCode) : null
  const problem = call.problem === 'denied'
    ? t('call.denied')
    : call.problem === 'noCamera' ? t('call.noCamera') : call.problem === 'noDevices' ? t('call.noDevices') : null
  const screenProblem = call.screenProblem === 'screenDenied'
    ? t('call.screenDenied')
    : call.screenProblem === 'screenUnsupported' ? t('call.screenUnsupported') : null
  if (!active || hidden) {
    // not in the call (or folded away): a small box over the page's corner, so that the
    // board and the console keep their whole width
    return (
      <aside class="call-panel floating" aria-label={t('call.title')}>
        {ended ? <p class="call-error" role="alert">{ended}</p> : null}
        {problem ? <p class="call-error" role="alert">{problem}</p> : null}
        {active
          ? <button type="button" onClick={() => setHidden(false)} aria-expanded="false">{t('call.show')}</button>
          : <button type="button" class="primary" onClick={() => { setHidden(false); call.join() }}>{call.status === 'idle' ? t('call.join') : t('call.rejoin')}</button>}
      </aside>
    )
  }
  return (
    <aside class="call-panel" aria-label={t('call.title')}>
      <div class="call-head">
        <h2>{room ? t('call.room', { room: room.name }) : t('call.title')}</h2>
        <button type="button" class="call-hide" onClick={() => setHidden(true)} aria-expanded="true">{t('call.hide')}</button>
      </div>
      {status ? <p class="call-status" role="status">{status}</p> : null}
      {ended ? <p class="call-error" role="alert">{ended}</p> : null}
      {problem ? <p class="call-error" role="alert">{problem}</p> : null}
      {!call.publish ? <p class="call-note">{t('call.observer')}</p> : null}
      {call.screen ? <p class="call-note" role="status">{t('call.sharing')}</p> : null}
      {screenProblem ? <p class="call-error" role="alert">{screenProblem}</p> : null}
      {(
          <ul class="call-tiles">
            {call.peers.map((p: CallPeer) => {
              const stream = p.screen ? call.streams.get(p.screen) : undefined
              return stream ? <ScreenTile key={p.screen} name={p.name} stream={stream} /> : null
            })}
            {call.publish && call.local
              ? <Tile name={myName} stream={call.local} audio={call.audio} video={call.video && call.local.getVideoTracks().length > 0}
                  speaking={call.speaking.has('self')} self listener={false} />
              : null}
            {call.peers.map((p: CallPeer) => (
              <Tile key={p.stream} name={p.name} stream={call.streams.get(p.stream) ?? null} audio={p.audio} video={p.video && p.shown !== false}
                speaking={call.speaking.has(p.stream)} self={false} listener={p.role === 'observer'} paused={p.video && p.shown === false} />
            ))}
          </ul>
          )}
      <div class="call-controls">
        {call.publish && call.local
          ? (
            <>
              <button type="button" aria-pressed={!call.audio} onClick={() => call.setAudio(!call.audio)}>
                {t('call.mute')}: {call.audio ? t('call.micOn') : t('call.micOff')}
              </button>
              {call.local.getVideoTracks().length > 0
                ? <button type="button" aria-pressed={!call.video} onClick={() => call.setVideo(!call.video)}>{t('call.camera')}: {call.video ? t('call.cameraOn') : t('call.cameraOff')}</button>
                : null}
            </>
            )
          : null}
        {call.publish && call.local
          ? (
            <button type="button" aria-pressed={call.screen !== null} data-action="call-screen"
              onClick={() => { void (call.screen ? call.stopScreen() : call.shareScreen()) }}>
              {call.screen ? t('call.stopScreen') : t('call.shareScreen')}
            </button>
            )
          : null}
        {call.publish && call.local
          ? <button type="button" aria-expanded={devices} data-action="call-devices" onClick={() => setDevices(!devices)}>{t('call.devices')}</button>
          : null}
        <button type="button" class="call-leave" onClick={() => call.leave()}>{t('call.leave')}</button>
      </div>
      {devices && call.publish && call.local ? <Devices call={call} /> : null}
    </aside>
  )
}
