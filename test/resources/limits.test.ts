// checkResourceLimits on its own: the byte limit exactly at its edge for any JSON (the size bound must never let a larger resource through), value counts by path, and what the store drops.
import { describe, expect, it } from '@jest/globals'
import * as fc from 'fast-check'
import { isScimError } from '../../lib/errors'
import { checkResourceLimits, type ResourceLimits } from '../../lib/resources/limits'

const bytesOf = (value: unknown) => Buffer.byteLength(JSON.stringify(value))

/** The status `checkResourceLimits` answers (200 when it lets the resource through). */
function statusOf(
  limits: ResourceLimits,
  resource: Record<string, unknown>,
  current?: Record<string, unknown>,
) {
  try {
    checkResourceLimits(limits, resource, 'User', current)
    return 200
  } catch (error) {
    if (!isScimError(error)) throw error
    return error.status
  }
}

const bytes = (maxResourceBytes: number): ResourceLimits => ({
  maxResourceBytes,
  maxValuesPerAttribute: 1_000,
})

/** Strings of every kind JSON escapes or encodes in several bytes: quotes, controls, non-ASCII, lone surrogates. */
const awkwardString = fc.string({
  unit: fc.oneof(
    fc.constantFrom('"', '\\', '\u0000', '\u001f', '\n', 'a', 'é', '€', '\ud83d', '\ude00', '😀'),
    fc.string({ unit: 'binary', maxLength: 1 }),
  ),
  maxLength: 40,
})

const jsonValue = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    awkwardString,
    fc.double(),
    fc.integer(),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(awkwardString, tie('value'), { maxKeys: 4 }),
  ),
})).value

describe('checkResourceLimits: bytes', () => {
  it('passes a resource of exactly the limit and refuses one byte more, for any JSON value (property)', () => {
    fc.assert(
      fc.property(fc.dictionary(awkwardString, jsonValue, { maxKeys: 6 }), (drawn) => {
        // Keys the store drops would not count: keep them out so the size is the whole resource's.
        const resource = Object.fromEntries(
          Object.entries(drawn).filter(
            ([key]) => !['id', 'meta', 'password', 'groups'].includes(key.toLowerCase()),
          ),
        )
        const size = bytesOf(resource)
        expect(statusOf(bytes(size), resource)).toBe(200)
        if (size > 1) expect(statusOf(bytes(size - 1), resource)).toBe(413)
      }),
      { numRuns: 500 },
    )
  })

  it('counts a string of control characters at its escaped size (6 bytes each)', () => {
    const resource = { userName: '\u0001'.repeat(100) }
    expect(bytesOf(resource)).toBe(615)
    expect(statusOf(bytes(615), resource)).toBe(200)
    expect(statusOf(bytes(614), resource)).toBe(413)
  })

  it('measures values nested deeper than SCIM values nest, and non-JSON objects, exactly', () => {
    const deep = { a: [[[[[['x'.repeat(50)]]]]]] }
    expect(statusOf(bytes(bytesOf(deep)), deep)).toBe(200)
    expect(statusOf(bytes(bytesOf(deep) - 1), deep)).toBe(413)
    const dated = { userName: 'u', when: new Date(0) }
    expect(statusOf(bytes(bytesOf(dated)), dated)).toBe(200)
    expect(statusOf(bytes(bytesOf(dated) - 1), dated)).toBe(413)
  })

  it('leaves out what the store does not keep (id, meta, password, groups), in any case', () => {
    const kept = { userName: 'alice' }
    const resource = {
      ...kept,
      ID: 'x'.repeat(500),
      meta: { location: 'y'.repeat(500) },
      Password: 'z'.repeat(500),
    }
    expect(statusOf(bytes(bytesOf(kept)), resource)).toBe(200)
  })

  it('lets an update through that leaves an oversized stored resource no larger, and refuses one that grows it', () => {
    const current = { userName: 'alice', title: 'x'.repeat(200) }
    const limits = bytes(100)
    expect(statusOf(limits, { ...current, active: false }, current)).toBe(200)
    expect(statusOf(limits, { ...current, title: 'x'.repeat(201) }, current)).toBe(413)
  })
})

describe('checkResourceLimits: values per attribute', () => {
  const values = (maxValuesPerAttribute: number): ResourceLimits => ({
    maxValuesPerAttribute,
    maxResourceBytes: 1_000_000,
  })
  const emails = (count: number) => Array.from({ length: count }, (_, i) => ({ value: `e${i}@example.com` }))

  it('refuses a multi-valued attribute over the limit with 400 invalidValue naming it', () => {
    expect(statusOf(values(3), { userName: 'a', emails: emails(3) })).toBe(200)
    try {
      checkResourceLimits(values(3), { userName: 'a', emails: emails(4) }, 'User')
      throw new Error('not refused')
    } catch (error) {
      expect(isScimError(error) && error.status).toBe(400)
      expect(isScimError(error) && error.scimType).toBe('invalidValue')
      expect((error as Error).message).toContain("'emails' has 4 values")
    }
  })

  it("names an extension's attribute by its URN path", () => {
    const urn = 'urn:example:params:scim:schemas:extension:acme:2.0:User'
    const resource = { userName: 'a', [urn]: { badges: ['a', 'b', 'c'] } }
    try {
      checkResourceLimits(values(2), resource, 'User')
      throw new Error('not refused')
    } catch (error) {
      expect((error as Error).message).toContain(`'${urn}:badges' has 3 values`)
    }
  })

  it('lets an update keep (or shrink) a list stored over the limit, and refuses one that grows it', () => {
    const current = { userName: 'a', emails: emails(5) }
    expect(statusOf(values(3), { userName: 'a', emails: emails(5) }, current)).toBe(200)
    expect(statusOf(values(3), { userName: 'a', emails: emails(4) }, current)).toBe(200)
    expect(statusOf(values(3), { userName: 'a', emails: emails(6) }, current)).toBe(400)
  })
})
