// Unit tests of the /Bulk reader: the envelope all or nothing, each operation on its own, bulkId references found and replaced.
import {
  BULK_REQUEST_SCHEMA,
  type BulkOperation,
  isRefused,
  readBulkRequest,
  substituteReferences,
} from '../../lib/resources/bulk-request'

const LIMITS = { maxOperations: 10, maxPayloadSize: 1 << 20 }
const BODY_LIMIT = 4096

function read(operations: unknown[], extra: Record<string, unknown> = {}) {
  return readBulkRequest(
    { schemas: [BULK_REQUEST_SCHEMA], Operations: operations, ...extra },
    LIMITS,
    BODY_LIMIT,
  )
}

describe('readBulkRequest', () => {
  it('reads an operation: method upper-cased, bulkId, version, path, data and the bulkIds it refers to', () => {
    const { operations, failOnErrors } = read(
      [
        {
          method: 'patch',
          bulkId: 'p',
          version: 'W/"3"',
          path: '/Groups/bulkId:team',
          data: { Operations: [{ op: 'add', path: 'members', value: [{ value: 'bulkId:alice' }] }] },
        },
      ],
      { failOnErrors: 2 },
    )
    expect(failOnErrors).toBe(2)
    const [operation] = operations as BulkOperation[]
    expect(operation).toMatchObject({
      method: 'PATCH',
      bulkId: 'p',
      version: 'W/"3"',
      segments: ['Groups', 'bulkId:team'],
    })
    expect([...operation!.references].sort()).toEqual(['alice', 'team'])
  })

  it('reads attribute names and the schema URN in any case (RFC 7643 §2.1)', () => {
    const { operations } = readBulkRequest(
      {
        SCHEMAS: [BULK_REQUEST_SCHEMA.toUpperCase()],
        operations: [{ METHOD: 'DELETE', Path: '/Users/x' }],
        FailOnErrors: 1,
      },
      LIMITS,
      BODY_LIMIT,
    )
    expect(operations[0]).toMatchObject({ method: 'DELETE', segments: ['Users', 'x'], data: undefined })
  })

  it('counts a reference only in a whole value under a value or $ref key: elsewhere "bulkId:" is data', () => {
    const [operation] = read([
      {
        method: 'POST',
        bulkId: 'x',
        path: '/v2/Users',
        data: {
          userName: 'bulkId:carol',
          externalId: 'bulkId:dave',
          members: [{ value: 'see bulkId:alice' }, { value: 'bulkId:' }, { VALUE: 'bulkId:bob' }],
          manager: { $ref: 'bulkId:erin' },
          Operations: [{ op: 'add', path: 'members', value: ['bulkId:frank'] }],
        },
      },
    ]).operations as BulkOperation[]
    expect([...operation!.references].sort()).toEqual(['bob', 'erin', 'frank'])
    expect(operation!.segments).toEqual(['Users'])
  })

  it('reads a reference in the path from the decoded segment it is looked up by', () => {
    const [operation] = read([{ method: 'DELETE', path: '/Users/bulkId%3Aalice' }])
      .operations as BulkOperation[]
    expect([...operation!.references]).toEqual(['alice'])
    expect(operation!.segments).toEqual(['Users', 'bulkId:alice'])
  })

  it('refuses data larger than bodyLimit with 413, as the request sent alone would be', () => {
    const [operation] = read([
      { method: 'PATCH', path: '/Users/x', data: { displayName: 'x'.repeat(BODY_LIMIT) } },
    ]).operations
    expect(operation).toMatchObject({ method: 'PATCH', segments: ['Users', 'x'], error: { status: 413 } })
  })

  it('refuses more operations than maxOperations with 413, before reading any', () => {
    expect(() => read(Array.from({ length: 11 }, () => 'not even an object'))).toThrow(
      expect.objectContaining({ status: 413 }),
    )
  })

  it('refuses a bulkId longer than 256 characters or holding U+0000, echoing none', () => {
    for (const bulkId of ['x'.repeat(257), 'a\u0000b', 42]) {
      const [operation] = read([{ method: 'POST', bulkId, path: '/Users', data: {} }]).operations
      expect(isRefused(operation!)).toBe(true)
      expect(operation).toMatchObject({ method: 'POST', bulkId: undefined, error: { status: 400 } })
    }
  })

  it('refuses every operation that repeats a bulkId, whatever its method, and keeps the first', () => {
    const { operations } = read([
      { method: 'POST', bulkId: 'a', path: '/Users', data: {} },
      { method: 'PATCH', bulkId: 'a', path: '/Users/x', data: {} },
      { method: 'POST', bulkId: 'a', path: '/Users', data: {} },
      { method: 'POST', bulkId: 'b', path: '/Users', data: {} },
    ])
    expect(operations.map(isRefused)).toEqual([false, true, true, false])
  })

  it('takes any positive integer as failOnErrors, and nothing else', () => {
    expect(read([], { failOnErrors: 1e300 }).failOnErrors).toBe(1e300)
    for (const failOnErrors of [0, -1, 1.5, '2', null, Number.NaN]) {
      expect(() => read([], { failOnErrors })).toThrow(expect.objectContaining({ status: 400 }))
    }
  })
})

describe('substituteReferences', () => {
  const ids: Record<string, string> = { alice: 'id-1', bob: 'id-2' }
  const resolve = (bulkId: string) => ids[bulkId]

  it('replaces whole bulkId values under value and $ref keys at any depth, and copies the data', () => {
    const data = {
      members: [{ value: 'bulkId:alice' }, { $ref: 'bulkId:bob' }],
      displayName: 'bulkId:alice',
      externalId: 'bulkId:bob',
    }
    const copy = substituteReferences(data, resolve)
    expect(copy).toEqual({
      members: [{ value: 'id-1' }, { $ref: 'id-2' }],
      displayName: 'bulkId:alice',
      externalId: 'bulkId:bob',
    })
    expect(data.members[0]!.value).toBe('bulkId:alice')
  })

  it('keeps a __proto__ key as data, never as the prototype', () => {
    const data = JSON.parse('{"__proto__": {"admin": true}, "value": "bulkId:alice"}') as Record<
      string,
      unknown
    >
    const copy = substituteReferences(data, resolve) as Record<string, unknown>
    expect(Object.getPrototypeOf(copy)).toBe(Object.prototype)
    expect(Object.keys(copy)).toEqual(['__proto__', 'value'])
    expect((copy as { admin?: unknown }).admin).toBeUndefined()
  })

  it('refuses data nested deeper than 32 levels with 400 invalidValue', () => {
    let deep: Record<string, unknown> = { value: 'bulkId:alice' }
    for (let i = 0; i < 40; i++) deep = { next: deep }
    expect(() => substituteReferences(deep, resolve)).toThrow(
      expect.objectContaining({ status: 400, scimType: 'invalidValue' }),
    )
  })
})
