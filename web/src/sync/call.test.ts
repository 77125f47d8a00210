import { describe, expect, it } from 'vitest'
import { rtcConfiguration } from './call'

describe('rtcConfiguration', () => {
  const turn = { urls: ['turn:127.0.0.1:3478?transport=udp'], username: '1767225600:m_1', credential: 'NhVsuCHhQ07r0ZIvo5kn09f+YO0=' }

  it('takes the hello\'s TURN servers as they come', () => {
    expect(rtcConfiguration([turn])).toEqual({ bundlePolicy: 'max-bundle', iceServers: [turn] })
  })

  it('has none without TURN (no ice_servers in the hello)', () => {
    expect(rtcConfiguration(undefined)).toEqual({ bundlePolicy: 'max-bundle', iceServers: [] })
  })

  it('leaves out what is malformed', () => {
    const bad = [null, 3, { urls: 'turn:x', username: 'u', credential: 'c' }, { urls: [], username: 'u', credential: 'c' },
      { urls: ['turn:x'], username: 1, credential: 'c' }, { urls: ['turn:x', 2], username: 'u', credential: 'c' }]
    expect(rtcConfiguration([...bad, turn]).iceServers).toEqual([turn])
  })

  it('forces relay only when asked', () => {
    expect(rtcConfiguration([turn], true).iceTransportPolicy).toBe('relay')
    expect(rtcConfiguration([turn]).iceTransportPolicy).toBeUndefined()
  })
})
