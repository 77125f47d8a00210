import { describe, expect, it } from 'vitest'
import { boardIdFrom, parseRoute } from './router'

describe('routes', () => {
  it('parses the start page and board pages', () => {
    expect(parseRoute('/')).toEqual({ page: 'start' })
    expect(parseRoute('/b/abc-1.x_y')).toEqual({ page: 'board', boardId: 'abc-1.x_y' })
    expect(parseRoute('/b/.hidden')).toEqual({ page: 'invalid' })
    expect(parseRoute('/b/' + 'a'.repeat(129))).toEqual({ page: 'invalid' })
  })
  it('parses the facilitation pages', () => {
    expect(parseRoute('/setup/AbC_12-x')).toEqual({ page: 'setup', token: 'AbC_12-x' })
    expect(parseRoute('/login')).toEqual({ page: 'login' })
    expect(parseRoute('/w')).toEqual({ page: 'home' })
    expect(parseRoute('/w/')).toEqual({ page: 'home' })
    expect(parseRoute('/w/ws1')).toEqual({ page: 'workspace', workspaceId: 'ws1' })
    expect(parseRoute('/join/tok')).toEqual({ page: 'join', token: 'tok' })
    expect(parseRoute('/s/s1')).toEqual({ page: 'session', sessionId: 's1', boardId: null })
    expect(parseRoute('/s/s1/b/b2.draft.p3')).toEqual({ page: 'session', sessionId: 's1', boardId: 'b2.draft.p3' })
    expect(parseRoute('/s/s1/b/.x')).toEqual({ page: 'invalid' })
    expect(parseRoute('/join/bad%20token')).toEqual({ page: 'start' })
    expect(parseRoute('/s/%E0%A4%A')).toEqual({ page: 'start' })
  })
  it('reads a board id from a link or a bare id', () => {
    expect(boardIdFrom('https://tavolo.comune.it/b/k3j4h5?x=1')).toBe('k3j4h5')
    expect(boardIdFrom('  riunione-1 ')).toBe('riunione-1')
    expect(boardIdFrom('bad id!')).toBeNull()
  })
})
