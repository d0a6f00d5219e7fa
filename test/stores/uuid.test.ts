// The memory stores' ids: random version 4 UUIDs (RFC 9562 §5.4), one flat lower-case string each.
import { UuidSource } from '../../lib/stores/uuid'

const V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/

describe('UuidSource', () => {
  it('writes version 4 UUIDs with the RFC 9562 variant, across several draws of random bytes', () => {
    const source = new UuidSource()
    const ids = Array.from({ length: 1000 }, () => source.next())
    for (const id of ids) expect(id).toMatch(V4)
    expect(new Set(ids).size).toBe(ids.length)
  })

  it('uses every hex digit in every free position, and all four variants', () => {
    const source = new UuidSource()
    const seen = Array.from({ length: 36 }, () => new Set<string>())
    for (let i = 0; i < 2000; i++) {
      const id = source.next()
      for (let at = 0; at < id.length; at++) seen[at]!.add(id[at]!)
    }
    seen.forEach((chars, at) => {
      if ([8, 13, 18, 23].includes(at)) expect([...chars]).toEqual(['-'])
      else if (at === 14) expect([...chars]).toEqual(['4'])
      else if (at === 19) expect([...chars].sort()).toEqual(['8', '9', 'a', 'b'])
      else expect(chars.size).toBe(16)
    })
  })

  it('gives two sources different ids', () => {
    const a = new UuidSource()
    const b = new UuidSource()
    const fromA = new Set(Array.from({ length: 200 }, () => a.next()))
    for (let i = 0; i < 200; i++) expect(fromA.has(b.next())).toBe(false)
  })
})
