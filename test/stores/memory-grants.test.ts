// MemoryGrantStore: the GrantStore contract, and its construction checks (bad grants, duplicate values, options).
import { MemoryGrantStore } from '../../lib'
import { describeGrantStoreContract } from '../../lib/testing'
import { TEST_ENTITLEMENTS, TEST_ROLES } from '../helpers/grants'

describeGrantStoreContract('MemoryGrantStore (roles)', () => ({
  store: new MemoryGrantStore(TEST_ROLES),
  grants: TEST_ROLES,
}))
describeGrantStoreContract('MemoryGrantStore (entitlements)', () => ({
  store: new MemoryGrantStore(
    [...TEST_ENTITLEMENTS, { value: 'feature:alerts', displayName: 'Alerting', type: 'Feature' }],
    { kind: 'Entitlement' },
  ),
  grants: [...TEST_ENTITLEMENTS, { value: 'feature:alerts', displayName: 'Alerting', type: 'Feature' }],
}))

describe('MemoryGrantStore construction', () => {
  it.each([
    ['a grant that is not an object', ['Viewer'], 'a grant must be an object'],
    [
      'an empty value',
      [{ value: '', displayName: 'x' }],
      "a grant's value must be a string of 1 to 512 characters",
    ],
    ['a value too long', [{ value: 'x'.repeat(513), displayName: 'x' }], 'of 1 to 512 characters'],
    ['a control character', [{ value: 'a\nb', displayName: 'x' }], 'no control characters'],
    ['U+0000', [{ value: 'a\u0000', displayName: 'x' }], 'no control characters'],
    ['no displayName', [{ value: 'a' }], 'displayName must be a non-empty string'],
    ['a type that is no string', [{ value: 'a', displayName: 'A', type: 3 }], 'type must be a string'],
    [
      'protected that is no boolean',
      [{ value: 'a', displayName: 'A', protected: 'yes' }],
      'protected must be a boolean',
    ],
    [
      'two grants with one value',
      [
        { value: 'a', displayName: 'A' },
        { value: 'a', displayName: 'B' },
      ],
      'two grants have the value "a"',
    ],
  ])('refuses %s with a TypeError', (_name, grants, message) => {
    expect(() => new MemoryGrantStore(grants as never)).toThrow(TypeError)
    expect(() => new MemoryGrantStore(grants as never)).toThrow(message)
  })

  it('refuses a non-array, an unknown option and an unknown kind', () => {
    expect(() => new MemoryGrantStore({} as never)).toThrow('MemoryGrantStore needs an array of grants')
    expect(() => new MemoryGrantStore([], { kinds: 'Role' } as never)).toThrow(
      'unknown MemoryGrantStore option "kinds" (did you mean "kind"?)',
    )
    expect(() => new MemoryGrantStore([], { kind: 'Licence' } as never)).toThrow(
      "kind must be 'Role' or 'Entitlement'",
    )
  })

  it('keeps its own copies: changing the given list later changes nothing', async () => {
    const given = [{ value: 'a', displayName: 'A' }]
    const store = new MemoryGrantStore(given)
    given[0]!.displayName = 'changed'
    given.push({ value: 'b', displayName: 'B' })
    const context = { tenant: 't', principal: { tenant: 't' }, requestId: 'r' }
    expect(store.get('a', context)).toEqual({ value: 'a', displayName: 'A' })
    expect(store.get('b', context)).toBeUndefined()
  })
})
