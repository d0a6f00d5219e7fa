// The PATCH engine's cost: each attribute copied once per request, `sub eq` filters answered from an index, and a bound on everything else.
import { describe, expect, it, jest } from '@jest/globals'
import { applyPatch, createPatcher } from '../../lib/patch/apply'
import type { PatchOperation } from '../../types/patch'
import { expectScimError } from '../helpers/expect-scim-error'
import { CORE_USER, request, sampleGroup } from './helpers'

/** A user with `n` emails whose `value` getters count how often the stored elements are read. */
function countingUser(n: number): { user: Record<string, unknown>; reads: () => number } {
  let reads = 0
  const emails = Array.from({ length: n }, (_, i) => {
    const value = `e${i}@example.com`
    return Object.defineProperty({ type: 'work' } as Record<string, unknown>, 'value', {
      enumerable: true,
      get() {
        reads++
        return value
      },
    })
  })
  return { user: { schemas: [CORE_USER], id: 'u', userName: 'bjensen', emails }, reads: () => reads }
}

const many = (count: number, make: (i: number) => PatchOperation) =>
  request(...Array.from({ length: count }, (_, i) => make(i)))

const patchUser = createPatcher({ resourceType: 'User' })

describe('PATCH cost per request', () => {
  it('reads a stored multi-valued attribute once, however many operations touch it', () => {
    const { user, reads } = countingUser(5000)
    const result = patchUser(
      user,
      many(999, (i) => ({ op: 'remove', path: `emails[value eq "absent${i}@example.com"]` })),
    )
    expect(result.changed).toBe(false)
    // Before: one full copy per operation, about 999 × 5000 reads.
    expect(reads()).toBeLessThanOrEqual(5000)
  })

  it('adds one value per operation without rebuilding the duplicate check', () => {
    const { user, reads } = countingUser(5000)
    // Every index entry is a Map write: counting them counts the work, whatever the clock says.
    const sets = jest.spyOn(Map.prototype, 'set')
    try {
      const result = patchUser(
        user,
        many(999, (i) => ({ op: 'add', path: 'emails', value: [{ value: `new${i}@example.com` }] })),
      )
      expect((result.resource.emails as unknown[]).length).toBe(5999)
      // Before: the index of 5000+ values rebuilt by each of the 999 operations, about 5.5 million writes.
      expect(sets.mock.calls.length).toBeLessThan(3 * 6000)
    } finally {
      sets.mockRestore()
    }
    expect(reads()).toBeLessThanOrEqual(5000)
  })

  it('answers `sub eq "value"` filters from an index: 999 look-ups in 5000 values test almost nothing', () => {
    const { user } = countingUser(5000)
    const patch = createPatcher({ resourceType: 'User', maxValueFilterTests: 10 })
    const removed = patch(
      user,
      many(999, (i) => ({ op: 'remove', path: `emails[value eq "absent${i}@example.com"]` })),
    )
    expect(removed.changed).toBe(false)
    const replaced = patch(
      user,
      request(
        { op: 'replace', path: 'emails[value eq "E7@EXAMPLE.COM"].type', value: 'home' },
        {
          op: 'replace',
          path: 'emails[type eq "other" or value eq "e9@example.com"].display',
          value: 'nine',
        },
        { op: 'remove', path: 'emails[value eq "e8@example.com" and type eq "work"]' },
      ),
    )
    const emails = replaced.resource.emails as Record<string, unknown>[]
    expect(emails).toHaveLength(4999)
    // An `and` whose first term has no index is narrowed by the next one that has.
    const narrowed = patch(
      user,
      request({
        op: 'replace',
        path: 'emails[type pr and value eq "e5@example.com"].display',
        value: 'five',
      }),
    )
    expect((narrowed.resource.emails as Record<string, unknown>[])[5]).toEqual({
      type: 'work',
      value: 'e5@example.com',
      display: 'five',
    })
    expect(emails[7]).toEqual({ type: 'home', value: 'e7@example.com' })
    expect(emails[8]).toEqual({ type: 'work', value: 'e9@example.com', display: 'nine' })
  })

  it('keeps the index current as operations change the indexed values', () => {
    const { user } = countingUser(10)
    const patch = createPatcher({ resourceType: 'User', maxValueFilterTests: 50 })
    const result = patch(
      user,
      request(
        { op: 'replace', path: 'emails[value eq "e1@example.com"].value', value: 'moved@example.com' },
        { op: 'replace', path: 'emails[value eq "moved@example.com"].type', value: 'home' },
        { op: 'remove', path: 'emails[value eq "e1@example.com"]' },
        { op: 'add', path: 'emails', value: [{ value: 'e1@example.com', type: 'other' }] },
        { op: 'replace', path: 'emails[value eq "e1@example.com"].display', value: 'back' },
      ),
    )
    const emails = result.resource.emails as Record<string, unknown>[]
    expect(emails[1]).toEqual({ type: 'home', value: 'moved@example.com' })
    expect(emails[10]).toEqual({ value: 'e1@example.com', type: 'other', display: 'back' })
  })

  it('refuses a request whose value filters would test more elements than maxValueFilterTests (400 tooMany)', () => {
    const { user } = countingUser(5000)
    const patch = createPatcher({ resourceType: 'User', maxValueFilterTests: 20_000 })
    // Before: 999 full scans of 5000 elements, about 5 million tests, with no bound.
    expectScimError(
      () =>
        patch(
          user,
          many(999, (i) => ({ op: 'remove', path: `emails[value co "absent${i}"]` })),
        ),
      400,
      'tooMany',
    )
    // Four scans fit.
    expect(
      patch(
        user,
        many(4, (i) => ({ op: 'remove', path: `emails[value co "absent${i}"]` })),
      ).changed,
    ).toBe(false)
  })

  it('refuses a bad maxValueFilterTests at construction', () => {
    expect(() => createPatcher({ resourceType: 'User', maxValueFilterTests: 0 })).toThrow(TypeError)
    expect(() => createPatcher({ resourceType: 'User', maxValueFilterTests: 1.5 })).toThrow(TypeError)
  })

  it('demotes the previous primary once, whatever the number of writes (RFC 7643 §2.4)', () => {
    const { user } = countingUser(3)
    const result = patchUser(
      user,
      many(50, (i) => ({
        op: 'replace',
        path: `emails[value eq "e${i % 3}@example.com"].primary`,
        value: true,
      })),
    )
    const emails = result.resource.emails as Record<string, unknown>[]
    expect(emails.filter((e) => e.primary === true)).toEqual([emails[49 % 3]])
  })
})

describe('a created element takes the filter literal as the sub-attribute type', () => {
  it('stores primary as a boolean from `roles[primary eq "true"]` (the lenient dialect reads "true")', () => {
    const result = patchUser(
      { schemas: [CORE_USER], id: 'u', userName: 'bjensen' } as Record<string, unknown>,
      request({ op: 'replace', path: 'roles[primary eq "true"].value', value: 'admin' }),
    )
    // Before: {"primary": "true"}, a string in a boolean sub-attribute.
    expect(result.resource.roles).toEqual([{ primary: true, value: 'admin' }])
  })

  it('keeps strings, numbers and dateTimes as they are and refuses what is not of the type', () => {
    const result = patchUser(
      { schemas: [CORE_USER], id: 'u', userName: 'bjensen' } as Record<string, unknown>,
      request({ op: 'add', path: 'addresses[type eq "work"].locality', value: 'Oslo' }),
    )
    expect(result.resource.addresses).toEqual([{ type: 'work', locality: 'Oslo' }])
    expectScimError(
      () =>
        applyPatch(
          { schemas: [CORE_USER], id: 'u', userName: 'bjensen' },
          request({ op: 'replace', path: 'roles[primary eq "yes"].value', value: 'admin' }),
          { resourceType: 'User' },
        ),
      400,
    )
  })
})

describe('member values', () => {
  const patchGroup = createPatcher({ resourceType: 'Group', membersLoaded: false })

  it("reads Microsoft's member `displayName` as `display` and ignores other unknown keys (lenient)", () => {
    const result = patchGroup(
      sampleGroup(),
      request({
        op: 'add',
        path: 'members',
        value: [{ displayName: 'new User', value: 'u9', extra: 1 }],
      }),
    )
    expect(result.memberChanges).toEqual({
      kind: 'delta',
      added: [{ value: 'u9', display: 'new User' }],
      removed: [],
    })
  })

  it('keeps refusing unknown member sub-attributes under the strict dialect', () => {
    const strict = createPatcher({ resourceType: 'Group', membersLoaded: false, dialect: 'strict' })
    expectScimError(
      () =>
        strict(
          sampleGroup(),
          request({ op: 'add', path: 'members', value: [{ displayName: 'x', value: 'u9' }] }),
        ),
      400,
      'invalidValue',
    )
  })

  it.each([
    ['a U+0000 in a removed value', { op: 'Remove', path: 'members', value: [{ value: 'a\u0000b' }] }],
    ['a U+0000 in a filter', { op: 'remove', path: 'members[value eq "a\\u0000b"]' }],
    ['an id of 10,000 characters', { op: 'remove', path: 'members', value: [{ value: 'x'.repeat(10_000) }] }],
    [
      'an added id of 10,000 characters',
      { op: 'add', path: 'members', value: [{ value: 'x'.repeat(10_000) }] },
    ],
  ])('refuses %s before any store sees it (400)', (_label, operation) => {
    expectScimError(() => patchGroup(sampleGroup(), request(operation as PatchOperation)), 400)
  })
})
