import { describe, expect, it } from 'vitest'
import { boardIdFrom, parseRoute } from './router'

describe('routes', () => {
  it('parses the start page and board pages', () => {
    expect(parseRoute('/')).toEqual({ page: 'start' })
    expect(parseRoute('/b/abc-1.x_y')).toEqual({ page: 'board', boardId: 'abc-1.x_y' })
    expect(parseRoute('/b/.hidden')).toEqual({ page: 'invalid' })
    expect(parseRoute('/b/' + 'a'.repeat(129))).toEqual({ page: 'invalid' })
  })
  it('reads a board id from a link or a bare id', () => {
    expect(boardIdFrom('https://tavolo.comune.it/b/k3j4h5?x=1')).toBe('k3j4h5')
    expect(boardIdFrom('  riunione-1 ')).toBe('riunione-1')
    expect(boardIdFrom('bad id!')).toBeNull()
  })
})
