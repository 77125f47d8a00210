// The meeting's call: one RTCPeerConnection to the media server inside tavolo, signalled
// on /api/sessions/{id}/call (docs/calls.md). The server decides which call (room) this
// browser is in from the room state and changes only what it forwards: moving between
// the plenary and the groups renegotiates this same connection (the server's offers), so
// the camera and microphone are asked for once.

export type CallStatus = 'idle' | 'connecting' | 'connected' | 'reconnecting' | 'left' | 'ended'

/** Someone else in the same call, as the server lists them. */
export interface CallPeer {
  stream: string
  member: string
  name: string
  role: string
  audio: boolean
  video: boolean
  /** Whether the server forwards their video to this browser now (it forwards the videos
   *  of those who spoke last, up to this browser's `videos`); absent: yes. */
  shown?: boolean
  /** The stream id of the screen they share now, if they do. */
  screen?: string
}

/** Why there is no (or only part of the) local media: a message key of the panel. */
export type MediaProblem = 'denied' | 'noCamera' | 'noDevices' | null

/** Why sharing the screen did not start: the person cancelled the browser's choice (or
 *  the browser forbids it), or the browser cannot share a screen at all. */
export type ScreenProblem = 'screenDenied' | 'screenUnsupported' | null

export function callUrl (sessionId: string, token: string | null, loc: { protocol: string, host: string } = location): string {
  const base = `${loc.protocol === 'https:' ? 'wss:' : 'ws:'}//${loc.host}/api/sessions/${encodeURIComponent(sessionId)}/call`
  return token ? `${base}?token=${encodeURIComponent(token)}` : base
}

/**
 * The connection's configuration from the server's hello: its TURN servers (short-lived
 * credentials, `--turn-url`) as they come, anything malformed left out. `relayOnly`
 * forces every candidate through TURN (`window.tavoloIceTransportPolicy = 'relay'`, set
 * before the call starts: how the browser tests, or an operator in the console, check
 * that the TURN server carries a call).
 */
export function rtcConfiguration (iceServers: unknown, relayOnly = false): RTCConfiguration {
  const servers: RTCIceServer[] = []
  for (const s of Array.isArray(iceServers) ? iceServers as unknown[] : []) {
    const { urls, username, credential } = (s ?? {}) as Record<string, unknown>
    if (!Array.isArray(urls) || urls.length === 0 || !urls.every((u) => typeof u === 'string')) continue
    if (typeof username !== 'string' || typeof credential !== 'string') continue
    servers.push({ urls: urls as string[], username, credential })
  }
  const config: RTCConfiguration = { bundlePolicy: 'max-bundle', iceServers: servers }
  if (relayOnly) config.iceTransportPolicy = 'relay'
  return config
}

function relayOnly (): boolean {
  return (globalThis as { tavoloIceTransportPolicy?: unknown }).tavoloIceTransportPolicy === 'relay'
}

/** The devices this browser chose for calls (kept in localStorage): a microphone and a
 *  camera by device id (none: the browser's default), or no camera at all (audio only). */
export interface DevicePrefs { mic: string | null, camera: string | null, audioOnly: boolean, videos: number }

/** How many videos a browser may ask to receive: the server's default last-N (9), fewer
 *  for a small screen or a weak connection, none for voices only. */
export const VIDEO_CHOICES = [9, 4, 1, 0]

const PREFS_KEY = 'tavolo.callDevices'

export function loadDevicePrefs (): DevicePrefs {
  try {
    const p = JSON.parse(localStorage.getItem(PREFS_KEY) ?? '{}') as Partial<DevicePrefs>
    return {
      mic: typeof p.mic === 'string' ? p.mic : null,
      camera: typeof p.camera === 'string' ? p.camera : null,
      audioOnly: p.audioOnly === true,
      videos: typeof p.videos === 'number' && VIDEO_CHOICES.includes(p.videos) ? p.videos : VIDEO_CHOICES[0],
    }
  } catch { return { mic: null, camera: null, audioOnly: false, videos: VIDEO_CHOICES[0] } }
}

function saveDevicePrefs (p: DevicePrefs): void {
  try { localStorage.setItem(PREFS_KEY, JSON.stringify(p)) } catch { /* storage denied: this page only */ }
}

const VIDEO = { width: 640, height: 360 }

/** The camera's two simulcast layers (docs/calls.md): `l` at half resolution for the
 *  call panel's tiles, `f` at full for a large tile or full screen. The server forwards
 *  each receiver the one it asks for (`layer` of the view message). */
const SIMULCAST: RTCRtpEncodingParameters[] = [
  { rid: 'l', scaleResolutionDownBy: 2, maxBitrate: 200_000 },
  { rid: 'f', scaleResolutionDownBy: 1, maxBitrate: 800_000 },
]

/** A camera tile at least this wide on the screen (device pixels) gets the full layer. */
const FULL_LAYER_WIDTH = 480

export type Layer = 'low' | 'full'

/** Close codes after which the browser does not come back by itself. */
const FINAL = new Set([1008, 1009, 4001, 4002, 4003])

export class CallClient {
  readonly sessionId: string
  status: CallStatus = 'idle'
  /** The server's reason when it ended the call (refused offer, meeting closed…), in
   *  English for logs; `endCode` is what the panel translates. */
  reason: string | null = null
  endCode: number | null = null
  /** The devices chosen for this browser's calls. */
  prefs: DevicePrefs = loadDevicePrefs()
  problem: MediaProblem = null
  /** Whether this browser may publish (the server says; observers only listen). */
  publish = false
  /** The room id of the call this browser is in now. */
  call: string | null = null
  peers: CallPeer[] = []
  /** Remote streams by their id (the server's `stream` of each peer). */
  readonly streams = new Map<string, MediaStream>()
  local: MediaStream | null = null
  /** The screen (or window) this browser shares now. */
  screen: MediaStreamTrack | null = null
  screenProblem: ScreenProblem = null
  audio = true
  video = true
  /** Stream ids speaking now (the server's, from the audio levels), this browser's own
   *  as `self` (measured here). */
  speaking = new Set<string>()
  private remoteSpeaking = new Set<string>()
  pc: RTCPeerConnection | null = null
  private ws: WebSocket | null = null
  private readonly token: string | null
  private listeners = new Set<() => void>()
  private retry: ReturnType<typeof setTimeout> | null = null
  private levels: ReturnType<typeof setInterval> | null = null
  /** The video section that carries the shared screen: offered from the start without
   *  a track, so sharing needs no renegotiation (`replaceTrack`). */
  private screenTx: RTCRtpTransceiver | null = null
  /** The TURN servers of this connection's hello (fresh credentials on each join). */
  private iceServers: unknown = []

  constructor (sessionId: string, token: string | null) {
    this.sessionId = sessionId
    this.token = token
  }

  on (fn: () => void): () => void {
    this.listeners.add(fn)
    return () => { this.listeners.delete(fn) }
  }

  private emit (): void { for (const fn of this.listeners) fn() }

  /** Joins the call (asks for the camera and microphone the first time only). */
  join (): void {
    if (this.ws) return
    this.reason = null
    this.status = this.status === 'reconnecting' ? 'reconnecting' : 'connecting'
    this.emit()
    const ws = new WebSocket(callUrl(this.sessionId, this.token))
    this.ws = ws
    ws.onmessage = (ev) => { void this.message(ws, String(ev.data)) }
    ws.onclose = (ev) => {
      if (this.ws !== ws) return
      this.ws = null
      this.closePc()
      if (this.status === 'left') return
      if (FINAL.has(ev.code)) {
        this.status = 'ended'
        this.reason = ev.reason || null
        this.endCode = ev.code
        this.stopLocal()
      } else {
        // a restart or a network blip: back in by itself, with the same camera
        this.status = 'reconnecting'
        this.retry = setTimeout(() => this.join(), 1000)
      }
      this.emit()
    }
  }

  private async message (ws: WebSocket, text: string): Promise<void> {
    let msg: Record<string, unknown>
    try { msg = JSON.parse(text) } catch { return }
    if (msg.type === 'hello') {
      this.publish = msg.publish === true
      this.iceServers = msg.ice_servers ?? []
      await this.start(ws)
    } else if (msg.type === 'answer' && this.pc) {
      await this.pc.setRemoteDescription({ type: 'answer', sdp: String(msg.sdp) })
    } else if (msg.type === 'offer' && this.pc) {
      const pc = this.pc
      await pc.setRemoteDescription({ type: 'offer', sdp: String(msg.sdp) })
      const answer = await pc.createAnswer()
      await pc.setLocalDescription(answer)
      if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ type: 'answer', sdp: answer.sdp }))
    } else if (msg.type === 'peers') {
      this.call = typeof msg.call === 'string' ? msg.call : null
      this.peers = Array.isArray(msg.peers) ? msg.peers as CallPeer[] : []
      this.emit()
    } else if (msg.type === 'speaking') {
      this.remoteSpeaking = new Set(Array.isArray(msg.streams) ? (msg.streams as unknown[]).filter((s): s is string => typeof s === 'string') : [])
      void this.measure()
    }
  }

  private async localMedia (): Promise<MediaStream | null> {
    if (this.local && this.local.getTracks().some((t) => t.readyState === 'live')) return this.local
    this.problem = null
    const audio: MediaTrackConstraints | boolean = this.prefs.mic ? { deviceId: { ideal: this.prefs.mic } } : true
    try {
      this.local = await navigator.mediaDevices.getUserMedia({
        audio,
        video: this.prefs.audioOnly ? false : { ...VIDEO, ...(this.prefs.camera ? { deviceId: { ideal: this.prefs.camera } } : {}) },
      })
      if (this.prefs.audioOnly) this.video = false
    } catch (e) {
      const name = (e as { name?: string }).name
      if (name === 'NotAllowedError' || name === 'SecurityError') {
        this.problem = 'denied'
        return null
      }
      // no camera (or it is busy): audio only
      try {
        this.local = await navigator.mediaDevices.getUserMedia({ audio })
        this.problem = 'noCamera'
        this.video = false
      } catch {
        this.problem = 'noDevices'
        return null
      }
    }
    for (const t of this.local.getAudioTracks()) t.enabled = this.audio
    for (const t of this.local.getVideoTracks()) t.enabled = this.video
    return this.local
  }

  private async start (ws: WebSocket): Promise<void> {
    const local = this.publish ? await this.localMedia() : null
    if (this.ws !== ws) return
    const pc = new RTCPeerConnection(rtcConfiguration(this.iceServers, relayOnly()))
    this.pc = pc
    if (local) {
      for (const track of local.getTracks()) {
        pc.addTransceiver(track, track.kind === 'video'
          ? { direction: 'sendonly', streams: [local], sendEncodings: SIMULCAST }
          : { direction: 'sendonly', streams: [local] })
      }
      this.screenTx = pc.addTransceiver('video', { direction: 'sendonly' })
    }
    // a data channel, so that a browser that only listens still has something to offer
    pc.createDataChannel('tavolo')
    pc.ontrack = (ev) => {
      const stream = ev.streams[0]
      if (!stream) return
      this.streams.set(stream.id, stream)
      ev.track.onended = () => this.emit()
      this.emit()
    }
    pc.onconnectionstatechange = () => {
      if (pc.connectionState === 'connected') { this.status = 'connected'; this.emit() }
      if (pc.connectionState === 'failed') ws.close()
    }
    const offer = await pc.createOffer()
    await pc.setLocalDescription(offer)
    ws.send(JSON.stringify({ type: 'offer', sdp: offer.sdp, ...(this.screenTx?.mid ? { screen: this.screenTx.mid } : {}) }))
    if (this.publish) this.sendState()
    this.sendView()
    this.levels = setInterval(() => { void this.measure() }, 300)
    this.emit()
  }

  /** Who is speaking: the others as the server says (it decides whose videos to forward
   *  from the same levels), this browser from the level of its own microphone. */
  private async measure (): Promise<void> {
    const pc = this.pc
    if (!pc) return
    const speaking = new Set(this.remoteSpeaking)
    if (this.local && this.audio) {
      const stats = await pc.getStats()
      stats.forEach((s: { type?: string, kind?: string, audioLevel?: number }) => {
        if (s.type === 'media-source' && s.kind === 'audio' && (s.audioLevel ?? 0) > 0.02) speaking.add('self')
      })
    }
    const changed = speaking.size !== this.speaking.size || [...speaking].some((s) => !this.speaking.has(s))
    this.speaking = speaking
    if (changed) this.emit()
  }

  private sendState (): void {
    const hasVideo = (this.local?.getVideoTracks().length ?? 0) > 0
    const hasAudio = (this.local?.getAudioTracks().length ?? 0) > 0
    if (this.ws?.readyState === WebSocket.OPEN) {
      this.ws.send(JSON.stringify({ type: 'state', audio: this.audio && hasAudio, video: this.video && hasVideo, screen: this.screen !== null }))
    }
  }

  /** The simulcast layer asked for: the one that fits the largest camera tile. */
  layer: Layer = 'low'

  private sendView (): void {
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify({ type: 'view', videos: this.prefs.videos, layer: this.layer }))
  }

  /** The widest camera tile is `width` device pixels wide now: asks for the layer that fits. */
  fitTiles (width: number): void {
    const layer: Layer = width >= FULL_LAYER_WIDTH ? 'full' : 'low'
    if (layer === this.layer) return
    this.layer = layer
    this.sendView()
  }

  /** Receives at most `videos` videos from now on (and in this browser's next calls). */
  setVideos (videos: number): void {
    this.prefs = { ...this.prefs, videos }
    saveDevicePrefs(this.prefs)
    this.sendView()
    this.emit()
  }

  setAudio (on: boolean): void {
    this.audio = on
    for (const t of this.local?.getAudioTracks() ?? []) t.enabled = on
    this.sendState()
    this.emit()
  }

  setVideo (on: boolean): void {
    this.video = on
    for (const t of this.local?.getVideoTracks() ?? []) t.enabled = on
    this.sendState()
    this.emit()
  }

  /** The microphones and cameras the browser has (named once it let the page use them). */
  async devices (): Promise<{ mics: MediaDeviceInfo[], cameras: MediaDeviceInfo[] }> {
    const all = await navigator.mediaDevices.enumerateDevices()
    return { mics: all.filter((d) => d.kind === 'audioinput'), cameras: all.filter((d) => d.kind === 'videoinput') }
  }

  /** The device the call sends of `kind` now (its settings' id), if any. */
  deviceInUse (kind: 'audio' | 'video'): string | null {
    const track = kind === 'audio' ? this.local?.getAudioTracks()[0] : this.local?.getVideoTracks()[0]
    return track?.getSettings().deviceId ?? null
  }

  /** Sends `track` (or nothing) as this connection's `kind` in place of what it sent,
   *  without renegotiating; false when the connection never sent that kind. */
  private async replace (kind: 'audio' | 'video', track: MediaStreamTrack | null): Promise<boolean> {
    const tr = this.pc?.getTransceivers().find((x) => x !== this.screenTx && x.receiver.track.kind === kind && (x.direction === 'sendonly' || x.direction === 'sendrecv'))
    if (!tr) return false
    await tr.sender.replaceTrack(track)
    return true
  }

  /** Sends the microphone `deviceId` from now on (and in the next calls of this browser). */
  async useMicrophone (deviceId: string): Promise<void> {
    this.prefs = { ...this.prefs, mic: deviceId }
    saveDevicePrefs(this.prefs)
    if (!this.local) return
    const track = (await navigator.mediaDevices.getUserMedia({ audio: { deviceId: { exact: deviceId } } })).getAudioTracks()[0]
    track.enabled = this.audio
    await this.replace('audio', track)
    for (const old of this.local.getAudioTracks()) { old.stop(); this.local.removeTrack(old) }
    this.local.addTrack(track)
    this.emit()
  }

  /** Sends the camera `deviceId` from now on, or no video at all (`null`: audio only, the
   *  camera turned off, not just muted). Kept for the next calls of this browser. */
  async useCamera (deviceId: string | null): Promise<void> {
    this.prefs = { ...this.prefs, camera: deviceId ?? this.prefs.camera, audioOnly: deviceId === null }
    saveDevicePrefs(this.prefs)
    const local = this.local
    if (!local) { this.emit(); return }
    if (deviceId === null) {
      await this.replace('video', null)
      for (const old of local.getVideoTracks()) { old.stop(); local.removeTrack(old) }
      this.video = false
    } else {
      const track = (await navigator.mediaDevices.getUserMedia({ video: { ...VIDEO, deviceId: { exact: deviceId } } })).getVideoTracks()[0]
      this.video = true
      if (!(await this.replace('video', track))) {
        // joined without video: a connection of its own carries it (the server's offer
        // for it comes back as for any join)
        track.stop()
        this.stopLocal()
        this.ws?.close()
        return
      }
      for (const old of local.getVideoTracks()) { old.stop(); local.removeTrack(old) }
      local.addTrack(track)
      if (this.problem === 'noCamera') this.problem = null
    }
    this.sendState()
    this.emit()
  }

  /** Shares a screen or a window (the browser asks which) with everyone in the call, at
   *  its full resolution; the others see it beside the faces. */
  async shareScreen (): Promise<void> {
    const tx = this.screenTx
    if (!tx || this.screen) return
    this.screenProblem = null
    if (!navigator.mediaDevices?.getDisplayMedia) { this.screenProblem = 'screenUnsupported'; this.emit(); return }
    let track: MediaStreamTrack | undefined
    try {
      track = (await navigator.mediaDevices.getDisplayMedia({ video: { frameRate: { ideal: 15 } }, audio: false })).getVideoTracks()[0]
    } catch (e) {
      const name = (e as { name?: string }).name
      this.screenProblem = name === 'NotSupportedError' ? 'screenUnsupported' : 'screenDenied'
      this.emit()
      return
    }
    if (!track || this.screenTx !== tx) { track?.stop(); return }
    // text and slides: keep every pixel, lower the frame rate instead
    track.contentHint = 'detail'
    await tx.sender.replaceTrack(track)
    const params = tx.sender.getParameters()
    params.degradationPreference = 'maintain-resolution'
    await tx.sender.setParameters(params).catch(() => { /* the browser keeps its own */ })
    this.screen = track
    // the browser's own "stop sharing" bar ends it too
    track.onended = () => { void this.stopScreen() }
    this.sendState()
    this.emit()
  }

  async stopScreen (): Promise<void> {
    const track = this.screen
    if (!track) return
    this.screen = null
    track.stop()
    await this.screenTx?.sender.replaceTrack(null).catch(() => { /* the connection is gone */ })
    this.sendState()
    this.emit()
  }

  /** Leaves the call: the connection closes and the camera and microphone turn off. */
  leave (): void {
    this.status = 'left'
    if (this.retry) clearTimeout(this.retry)
    const ws = this.ws
    this.ws = null
    ws?.close()
    this.closePc()
    this.stopLocal()
    this.emit()
  }

  private stopLocal (): void {
    for (const t of this.local?.getTracks() ?? []) t.stop()
    this.local = null
  }

  private closePc (): void {
    if (this.levels) clearInterval(this.levels)
    this.levels = null
    this.pc?.close()
    this.pc = null
    this.screenTx = null
    // a rejoin offers a new connection: sharing starts again from the button
    this.screen?.stop()
    this.screen = null
    this.peers = []
    this.streams.clear()
    this.speaking = new Set()
    this.remoteSpeaking = new Set()
    this.call = null
  }

  destroy (): void {
    this.leave()
    this.listeners.clear()
  }
}
