// Unit tests of one host call through the gateway: store page checks (a broken adapter is a 500, never a malformed answer).
import { isScimError } from '../../lib/errors'
import { checkPage } from '../../lib/gateway/call'

describe('checkPage', () => {
  it('returns a well-formed page as it is', () => {
    const resources = [{ id: 'a' }]
    expect(checkPage({ totalResults: 5, resources }, 10)).toEqual({ totalResults: 5, resources })
  })

  it('cuts a page longer than asked', () => {
    const resources = Array.from({ length: 10 }, (_, i) => ({ id: String(i) }))
    const page = checkPage<{ id: string }>({ totalResults: 10, resources }, 3)
    expect(page.resources.map((r) => r.id)).toEqual(['0', '1', '2'])
    expect(checkPage({ totalResults: 10, resources }, 0).resources).toEqual([])
  })

  it.each<[string, unknown]>([
    ['undefined', undefined],
    ['null', null],
    ['an array', []],
    ['no totalResults', { resources: [] }],
    ['a string totalResults', { totalResults: '1', resources: [] }],
    ['a NaN totalResults', { totalResults: Number.NaN, resources: [] }],
    ['an infinite totalResults', { totalResults: Number.POSITIVE_INFINITY, resources: [] }],
    ['no resources', { totalResults: 1 }],
    ['resources as an object', { totalResults: 1, resources: { 0: 'a' } }],
    ['a promise', Promise.resolve({ totalResults: 0, resources: [] })],
  ])('throws a plain Error (a 500) for %s', (_, page) => {
    let thrown: unknown
    try {
      checkPage(page, 10)
    } catch (error) {
      thrown = error
    }
    expect(thrown).toBeInstanceOf(Error)
    expect(isScimError(thrown)).toBe(false)
    expect((thrown as Error).message).toMatch(/list\(\) must return/)
  })

  it.each<[string, number]>([
    ['a negative totalResults', -1],
    ['a fractional totalResults', 1.5],
  ])('throws for %s, which no ListResponse may carry', (_, totalResults) => {
    expect(() => checkPage({ totalResults, resources: [] }, 10)).toThrow(Error)
  })
})
