// Unit tests of one host call through the gateway: store page checks (a broken adapter is a 500, never a malformed answer).
import { isScimError } from '../../lib/errors'
import { checkPage, MEMO_LIMIT, ReadMemo } from '../../lib/gateway/call'

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

describe('ReadMemo', () => {
  const reader = () => {
    const calls: string[] = []
    const read =
      (id: string, fail = false) =>
      () => {
        calls.push(id)
        return fail ? Promise.reject(new Error(`no ${id}`)) : Promise.resolve(`record ${id}`)
      }
    return { calls, read }
  }
  const same = (value: string) => value
  /** What the gateway hands the memo: a read whose failures (the call's, the check's) go through `forget`. */
  const start =
    (call: () => Promise<string>, check: (value: string) => string) => (forget: (error: unknown) => never) =>
      call().then((value) => {
        try {
          return check(value)
        } catch (error) {
          return forget(error)
        }
      }, forget)

  it('remembers the first read, then each further id, and asks the store once per id', async () => {
    const memo = new ReadMemo<string>()
    const { calls, read } = reader()
    expect(memo.peek('a')).toBeUndefined()
    const first = memo.read('a', start(read('a'), same))
    expect(memo.read('a', start(read('a'), same))).toBe(first)
    expect(await memo.read('b', start(read('b'), same))).toBe('record b')
    // After the second id, the first is still remembered.
    expect(memo.read('a', start(read('a'), same))).toBe(first)
    expect(await memo.peek('b')).toBe('record b')
    expect(calls).toEqual(['a', 'b'])
  })

  it('forgets a failed read or a refused record, so the next caller asks again', async () => {
    const memo = new ReadMemo<string>()
    const { calls, read } = reader()
    await expect(memo.read('a', start(read('a', true), same))).rejects.toThrow('no a')
    expect(memo.peek('a')).toBeUndefined()
    await expect(
      memo.read(
        'a',
        start(read('a'), () => {
          throw new Error('refused')
        }),
      ),
    ).rejects.toThrow('refused')
    expect(memo.peek('a')).toBeUndefined()
    expect(await memo.read('a', start(read('a'), same))).toBe('record a')
    // The same with the Map in use: a second id fails and is forgotten, the first stays.
    await expect(memo.read('b', start(read('b', true), same))).rejects.toThrow('no b')
    expect(memo.peek('b')).toBeUndefined()
    expect(await memo.peek('a')).toBe('record a')
    expect(calls).toEqual(['a', 'a', 'a', 'b'])
  })

  it.each([
    ['its only read', false],
    ['one of several reads (its Map)', true],
  ])('keeps a read that replaced a failed one when the failure settles later, as %s', async (_, others) => {
    const memo = new ReadMemo<string>()
    const { read } = reader()
    if (others) memo.read('x', start(read('x'), same))
    let fail: (error: Error) => void = () => {}
    const failing = memo.read(
      'a',
      start(() => new Promise<string>((_, reject) => (fail = reject)), same),
    )
    memo.clear()
    if (others) memo.read('x', start(read('x'), same))
    const second = memo.read(
      'a',
      start(() => Promise.resolve('fresh'), same),
    )
    fail(new Error('late'))
    await expect(failing).rejects.toThrow('late')
    expect(memo.peek('a')).toBe(second)
    expect(memo.peek('x') !== undefined).toBe(others)
  })

  it(`holds at most ${MEMO_LIMIT} reads, forgetting the oldest (the first one first)`, async () => {
    const memo = new ReadMemo<string>()
    const { read } = reader()
    for (let i = 0; i <= MEMO_LIMIT; i++) memo.read(`id${i}`, start(read(`id${i}`), same))
    expect(memo.peek('id0')).toBeUndefined()
    expect(memo.peek('id1')).toBeDefined()
    expect(memo.peek(`id${MEMO_LIMIT}`)).toBeDefined()
  })

  it('forgets everything on clear, with one read or many', () => {
    const memo = new ReadMemo<string>()
    const { read } = reader()
    memo.read('a', start(read('a'), same))
    memo.clear()
    expect(memo.peek('a')).toBeUndefined()
    memo.read('a', start(read('a'), same))
    memo.read('b', start(read('b'), same))
    memo.clear()
    expect(memo.peek('a')).toBeUndefined()
    expect(memo.peek('b')).toBeUndefined()
  })
})
