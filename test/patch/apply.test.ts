// Unit tests of applyPatch: RFC 7644 §3.5.2 semantics, mutability, errors, atomicity, and member deltas.
import { applyPatch, createPatcher, requiresMemberList } from '../../lib/patch/apply'
import { expectScimError } from '../helpers/expect-scim-error'
import {
  ACME_USER,
  CORE_GROUP,
  ENTERPRISE,
  PATCH_OP,
  patch,
  request,
  sampleGroup,
  sampleUser,
  userExtensionRegistry,
} from './helpers'

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key])
    Object.freeze(value)
  }
  return value
}

describe('add (RFC 7644 §3.5.2.1)', () => {
  it('adds members to a group without duplicates', () => {
    const result = patch(sampleGroup(), [
      {
        op: 'add',
        path: 'members',
        value: [{ value: 'u2' }, { value: 'u3', display: 'Cy' }, { value: 'u3' }],
      },
    ])
    expect(result.resource.members).toEqual([
      { value: 'u1', display: 'Ann' },
      { value: 'u2' },
      { value: 'u3', display: 'Cy' },
    ])
    expect(result.memberChanges).toEqual({
      kind: 'delta',
      added: [{ value: 'u3', display: 'Cy' }],
      removed: [],
    })
  })

  it('merges an element whose value exists (emails compare case-insensitively) instead of duplicating it', () => {
    const result = patch(sampleUser(), [
      { op: 'add', path: 'emails', value: [{ value: 'BJENSEN@example.com', type: 'other' }] },
    ])
    expect(result.resource.emails).toEqual([
      { value: 'BJENSEN@example.com', type: 'other', primary: true },
      { value: 'babs@jensen.org', type: 'home' },
    ])
  })

  it('merges sub-attributes into a complex attribute', () => {
    const result = patch(sampleUser(), [{ op: 'add', path: 'name', value: { middleName: 'Jane' } }])
    expect(result.resource.name).toEqual({ givenName: 'Barbara', familyName: 'Jensen', middleName: 'Jane' })
  })

  it('sets a single-valued attribute, and a sub-attribute by its dotted path', () => {
    const result = patch(sampleUser(), [
      { op: 'add', path: 'title', value: 'Guide' },
      { op: 'add', path: 'name.honorificPrefix', value: 'Ms.' },
    ])
    expect(result.resource).toMatchObject({ title: 'Guide', name: { honorificPrefix: 'Ms.' } })
    expect(result.changedAttributes).toEqual(['title', 'name'])
  })

  it('without a path, adds each attribute of the value', () => {
    const result = patch(sampleUser(), [
      { op: 'add', value: { nickName: 'Babs', emails: [{ value: 'new@example.com', type: 'other' }] } },
    ])
    expect(result.resource.nickName).toBe('Babs')
    expect(result.resource.emails).toHaveLength(3)
  })

  it('clears primary on the other elements when one becomes primary (RFC 7643 §2.4)', () => {
    const result = patch(sampleUser(), [
      { op: 'add', path: 'emails', value: [{ value: 'new@example.com', type: 'work', primary: true }] },
    ])
    const primaries = (result.resource.emails as { primary?: boolean }[]).filter((e) => e.primary === true)
    expect(primaries).toEqual([{ value: 'new@example.com', type: 'work', primary: true }])
  })
})

describe('replace (RFC 7644 §3.5.2.3)', () => {
  it('replaces a multi-valued attribute entirely', () => {
    const result = patch(sampleUser(), [
      { op: 'replace', path: 'emails', value: [{ value: 'only@example.com' }] },
    ])
    expect(result.resource.emails).toEqual([{ value: 'only@example.com' }])
  })

  it('replaces the given sub-attributes of a complex attribute and keeps the others', () => {
    const result = patch(sampleUser(), [{ op: 'replace', path: 'name', value: { givenName: 'Babs' } }])
    expect(result.resource.name).toEqual({ givenName: 'Babs', familyName: 'Jensen' })
  })

  it('replaces inside the elements a filter selects', () => {
    const result = patch(sampleUser(), [
      {
        op: 'replace',
        path: 'emails[type eq "work" and value ew "example.com"]',
        value: { value: 'babs@example.com', type: 'work' },
      },
      { op: 'replace', path: 'emails[type eq "home"].type', value: 'other' },
    ])
    expect(result.resource.emails).toEqual([
      { value: 'babs@example.com', type: 'work', primary: true },
      { value: 'babs@jensen.org', type: 'other' },
    ])
  })

  it('treats a missing attribute as an add', () => {
    expect(patch(sampleUser(), [{ op: 'replace', path: 'nickName', value: 'B' }]).resource.nickName).toBe('B')
  })

  it('treats null as unassigned (RFC 7643 §2.5)', () => {
    const result = patch(sampleUser(), [{ op: 'replace', path: 'displayName', value: null }])
    expect(result.resource).not.toHaveProperty('displayName')
    expect(result.changedAttributes).toEqual(['displayName'])
  })

  it('replaces all members', () => {
    const result = patch(sampleGroup(), [
      { op: 'replace', path: 'members', value: [{ value: 'u9' }, { value: 'u9' }] },
    ])
    expect(result.resource.members).toEqual([{ value: 'u9' }])
    expect(result.memberChanges).toEqual({ kind: 'replace', members: [{ value: 'u9' }] })
  })

  it('reports no change when the value is the same', () => {
    const result = patch(sampleUser(), [{ op: 'replace', path: 'displayName', value: 'Babs Jensen' }])
    expect(result).toMatchObject({ changed: false, changedAttributes: [] })
  })
})

describe('remove (RFC 7644 §3.5.2.2)', () => {
  it('removes one member by filter, several by an or-filter, and all without one', () => {
    const group = { ...sampleGroup(), members: [{ value: 'u1' }, { value: 'u2' }, { value: 'u3' }] }
    expect(patch(group, [{ op: 'remove', path: 'members[value eq "u2"]' }]).resource.members).toEqual([
      { value: 'u1' },
      { value: 'u3' },
    ])
    const two = patch(group, [{ op: 'remove', path: 'members[value eq "u1" or value eq "u3"]' }])
    expect(two.resource.members).toEqual([{ value: 'u2' }])
    expect(two.memberChanges).toEqual({ kind: 'delta', added: [], removed: ['u1', 'u3'] })
    const all = patch(group, [{ op: 'remove', path: 'members' }])
    expect(all.resource).not.toHaveProperty('members')
    expect(all.memberChanges).toEqual({ kind: 'replace', members: [] })
  })

  it('removes a sub-attribute, dropping a complex attribute left empty', () => {
    const result = patch(sampleUser(), [
      { op: 'remove', path: 'name.givenName' },
      { op: 'remove', path: 'name.familyName' },
    ])
    expect(result.resource).not.toHaveProperty('name')
  })

  it('removes a sub-attribute from the elements a filter selects', () => {
    const result = patch(sampleUser(), [{ op: 'remove', path: 'emails[type eq "work"].primary' }])
    expect(result.resource.emails).toEqual([
      { value: 'bjensen@example.com', type: 'work' },
      { value: 'babs@jensen.org', type: 'home' },
    ])
  })

  it('removes a whole extension and its schema URN', () => {
    const user = {
      ...sampleUser(),
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User', ENTERPRISE],
      [ENTERPRISE]: { department: 'Tours' },
    }
    const result = patch(user, [{ op: 'remove', path: ENTERPRISE }])
    expect(result.resource).not.toHaveProperty(ENTERPRISE)
    expect(result.resource.schemas).toEqual(['urn:ietf:params:scim:schemas:core:2.0:User'])
    expect(result.changedAttributes).toEqual([`${ENTERPRISE}:department`])
  })

  it('changes nothing when the filter matches nothing, unless the policy says noTarget', () => {
    expect(patch(sampleUser(), [{ op: 'remove', path: 'emails[type eq "fax"]' }]).changed).toBe(false)
    expectScimError(
      () =>
        patch(sampleUser(), [{ op: 'remove', path: 'emails[type eq "fax"]' }], {
          unmatchedFilter: { remove: 'noTarget' },
        }),
      400,
      'noTarget',
    )
  })

  it('needs a path, and refuses to remove required attributes (RFC 7644 §3.5.2.2)', () => {
    expectScimError(() => patch(sampleUser(), [{ op: 'remove' }]), 400, 'noTarget')
    expectScimError(() => patch(sampleUser(), [{ op: 'remove', path: 'userName' }]), 400, 'mutability')
    expectScimError(
      () => patch(sampleGroup(), [{ op: 'replace', path: 'displayName', value: null }]),
      400,
      'mutability',
    )
  })
})

describe('remove with a value (lenient dialect)', () => {
  it('refuses a malformed member list instead of emptying the group', () => {
    for (const value of [[{ value: 5 }], [{ display: 'Ann' }], [{ value: '' }], {}, [null]]) {
      const error = expectScimError(
        () => patch(sampleGroup(), [{ op: 'Remove', path: 'members', value: value as never }]),
        400,
        'invalidValue',
      )
      expect(error.message).toContain('remove needs [{"value": "<member id>"}]')
    }
  })

  it('removes the listed elements of another multi-valued attribute', () => {
    const result = patch(sampleUser(), [
      { op: 'remove', path: 'emails', value: [{ value: 'BABS@jensen.org' }] },
    ])
    expect(result.resource.emails).toEqual([{ value: 'bjensen@example.com', type: 'work', primary: true }])
  })
})

describe('change detection', () => {
  it('reports no membership change when a loaded list is replaced by the same members', () => {
    const result = patch(sampleGroup(), [
      { op: 'replace', path: 'members', value: [{ value: 'u2' }, { value: 'u1' }] },
    ])
    expect(result.changed).toBe(false)
    expect(result.changedAttributes).toEqual([])
  })

  it('keeps the primary flag on an existing element added again as primary', () => {
    const user = {
      ...sampleUser(),
      emails: [
        { value: 'a@x.io', type: 'work' },
        { value: 'b@x.io', primary: true },
      ],
    }
    const result = patch(user, [{ op: 'add', path: 'emails', value: [{ value: 'a@x.io', primary: true }] }])
    expect(result.resource.emails).toEqual([
      { value: 'a@x.io', type: 'work', primary: true },
      { value: 'b@x.io', primary: false },
    ])
  })
})

describe('mutability (RFC 7643 §7)', () => {
  it.each([
    [{ op: 'replace', path: 'id', value: 'x' }],
    [{ op: 'replace', path: 'meta.created', value: '2020-01-01T00:00:00Z' }],
    [{ op: 'add', path: 'groups', value: [{ value: 'g1' }] }],
    [{ op: 'remove', path: 'id' }],
    [{ op: 'replace', path: 'schemas', value: [] }],
  ])('refuses %j as read-only', (operation) => {
    expectScimError(() => patch(sampleUser(), [operation]), 400, 'mutability')
  })

  it('refuses to change an immutable member reference', () => {
    expectScimError(
      () => patch(sampleGroup(), [{ op: 'replace', path: 'members[value eq "u1"].value', value: 'u9' }]),
      400,
      'mutability',
    )
  })

  it('drops read-only sub-attributes inside a value, as the server owns them', () => {
    const result = patch(sampleUser(), [
      { op: 'add', path: `${ENTERPRISE}:manager`, value: { value: 'm1', displayName: 'Boss' } },
    ])
    expect(result.resource[ENTERPRISE]).toEqual({ manager: { value: 'm1' } })
  })
})

describe('bad requests', () => {
  const user = sampleUser()
  it.each([
    [{ Operations: [{ op: 'add', path: 'title', value: 'x' }] }, 'invalidSyntax'],
    [{ schemas: ['urn:x'], Operations: [{ op: 'add', path: 'title', value: 'x' }] }, 'invalidSyntax'],
    [{ schemas: [PATCH_OP], Operations: [] }, 'invalidSyntax'],
    [{ schemas: [PATCH_OP] }, 'invalidSyntax'],
    [request({ op: 'merge', path: 'title', value: 'x' }), 'invalidSyntax'],
    [request({ op: 'add', path: 'title' }), 'invalidSyntax'],
    [request({ op: 'add', path: 5 as unknown as string, value: 'x' }), 'invalidPath'],
    [request({ op: 'add', path: 'nope', value: 'x' }), 'invalidPath'],
    [request({ op: 'add', path: 'nickName.x', value: 'x' }), 'invalidPath'],
    [request({ op: 'add', path: 'title[value eq "x"]', value: 'x' }), 'invalidPath'],
    [request({ op: 'add', path: 'emails[bogus eq "x"]', value: {} }), 'invalidPath'],
    [request({ op: 'add', path: 'emails.value', value: 'x' }), 'invalidPath'],
    [
      request({ op: 'add', path: 'urn:ietf:params:scim:schemas:core:2.0:Group:displayName', value: 'x' }),
      'invalidPath',
    ],
    [request({ op: 'add', value: 'not an object' }), 'invalidValue'],
    [request({ op: 'add', path: 'emails', value: [{ value: 'x', colour: 'red' }] }), 'invalidValue'],
    [request({ op: 'add', path: 'name', value: 'Barbara' }), 'invalidValue'],
    [request({ op: 'add', path: 'displayName', value: 42 }), 'invalidValue'],
    [request({ op: 'add', value: { nickName: { toString: 'x' } } }), 'invalidValue'],
  ])('%j -> %s', (body, scimType) => {
    expectScimError(() => applyPatch(user, body as never, { resourceType: 'User' }), 400, scimType as never)
  })

  it('refuses more operations than allowed', () => {
    const operations = Array.from({ length: 10_000 }, () => ({ op: 'add', path: 'title', value: 'x' }))
    const error = expectScimError(() => patch(sampleUser(), operations), 400, 'tooMany')
    expect(error.message).toContain('10000 operations; at most 1000')
    expect(() => patch(sampleUser(), operations.slice(0, 5), { maxOperations: 5 })).not.toThrow()
  })

  it('refuses keys that reach prototypes, at every depth', () => {
    const hostile = JSON.parse('{"op":"add","value":{"name":{"__proto__":{"polluted":true}}}}')
    expectScimError(() => patch(sampleUser(), [hostile]), 400, 'invalidValue')
    expectScimError(
      () => patch(sampleUser(), [JSON.parse('{"op":"add","__proto__":{"path":"title"},"value":"x"}')]),
      400,
    )
    expectScimError(
      () => patch(sampleUser(), [{ op: 'add', path: 'constructor.prototype.polluted', value: true }]),
      400,
      'invalidPath',
    )
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
  })

  it('fails fast on bad options', () => {
    expect(() => createPatcher({ resourceType: 'Device' })).toThrow(TypeError)
    expect(() => createPatcher({ resourceType: 'User', dialect: 'loose' as never })).toThrow(TypeError)
    expect(() => createPatcher({ resourceType: 'User', maxOperations: 0 })).toThrow(TypeError)
    expect(() =>
      createPatcher({ resourceType: 'User', unmatchedFilter: { remove: 'fail' as never } }),
    ).toThrow(TypeError)
  })
})

describe('atomicity and immutability of the input', () => {
  it('applies nothing when a later operation fails, and never mutates the input', () => {
    const user = deepFreeze(sampleUser())
    const snapshot = structuredClone(user)
    expectScimError(
      () =>
        patch(user, [
          { op: 'replace', path: 'displayName', value: 'Changed' },
          { op: 'add', path: 'emails', value: [{ value: 'x@example.com' }] },
          { op: 'remove', path: 'userName' },
        ]),
      400,
    )
    expect(user).toEqual(snapshot)
    const result = patch(user, [{ op: 'replace', path: 'name.givenName', value: 'B' }])
    expect(result.resource).not.toBe(user)
    expect(user).toEqual(snapshot)
  })

  it('applies operations in order', () => {
    const result = patch(sampleUser(), [
      { op: 'replace', path: 'title', value: 'A' },
      { op: 'remove', path: 'title' },
      { op: 'add', path: 'title', value: 'B' },
    ])
    expect(result.resource.title).toBe('B')
  })

  it('writes attributes under their canonical names, whatever the stored case', () => {
    const result = patch(
      { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], id: '1', USERNAME: 'a', DisplayName: 'x' },
      [{ op: 'replace', path: 'displayname', value: 'y' }],
    )
    expect(result.resource).toEqual({
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
      id: '1',
      USERNAME: 'a',
      displayName: 'y',
    })
  })
})

describe('members without the member list (membersLoaded: false)', () => {
  const bare = { schemas: [CORE_GROUP], id: 'g1', displayName: 'Big team' }
  const options = { resourceType: 'Group', membersLoaded: false }

  it('turns adds and removals by id into a delta, composed in order', () => {
    const result = applyPatch(
      bare,
      request(
        { op: 'add', path: 'members', value: [{ value: 'a' }, { value: 'b' }] },
        { op: 'remove', path: 'members[value eq "a"]' },
        { op: 'Remove', path: 'members', value: [{ value: 'c' }] },
        { op: 'add', path: 'members', value: [{ value: 'c' }] },
      ),
      options,
    )
    expect(result.memberChanges).toEqual({
      kind: 'delta',
      added: [{ value: 'b' }, { value: 'c' }],
      removed: ['a'],
    })
    expect(result.resource).toEqual(bare)
    expect(result.changedAttributes).toEqual(['members'])
  })

  it('edits a replacement list after a replace', () => {
    const result = applyPatch(
      bare,
      request(
        { op: 'replace', value: { members: [{ value: 'x' }, { value: 'y' }] } },
        { op: 'remove', path: 'members[value eq "x"]' },
      ),
      options,
    )
    expect(result.memberChanges).toEqual({ kind: 'replace', members: [{ value: 'y' }] })
  })

  it('answers requiresMemberList from a patcher, with its options checked once', () => {
    const patchGroup = createPatcher({ resourceType: 'Group', membersLoaded: false })
    expect(patchGroup.requiresMemberList(request({ op: 'remove', path: 'members[display eq "Ann"]' }))).toBe(
      true,
    )
    expect(patchGroup.requiresMemberList(request({ op: 'remove', path: 'members[value eq "a"]' }))).toBe(
      false,
    )
    expect(patchGroup.requiresMemberList({ schemas: [] } as never)).toBe(false)
  })

  it('says which requests need the list', () => {
    const needs = (path: string, op = 'remove') =>
      requiresMemberList(request({ op, path, value: 'x' }), { resourceType: 'Group' })
    expect(needs('members[value eq "a"]')).toBe(false)
    expect(needs('members[value eq "a" or value eq "b"]')).toBe(false)
    expect(needs('members')).toBe(false)
    expect(needs('displayName', 'replace')).toBe(false)
    expect(needs('members[display eq "Ann"]')).toBe(true)
    expect(needs('members[value eq "a"].display')).toBe(true)
    expect(needs('members[value eq "a"].display', 'replace')).toBe(true)
  })
})

describe('host extensions', () => {
  const urn = ACME_USER
  const registry = userExtensionRegistry([
    { name: 'level', type: 'integer' },
    { name: 'badge', type: 'string', required: true },
  ])

  it('checks types and required attributes of extension attributes', () => {
    const result = applyPatch(sampleUser(), request({ op: 'add', path: `${urn}:level`, value: 3 }), {
      resourceType: 'User',
      registry,
    })
    expect(result.resource[urn]).toEqual({ level: 3 })
    expectScimError(
      () =>
        applyPatch(sampleUser(), request({ op: 'add', path: `${urn}:level`, value: 1.5 }), {
          resourceType: 'User',
          registry,
        }),
      400,
      'invalidValue',
    )
    expectScimError(
      () =>
        applyPatch(sampleUser(), request({ op: 'remove', path: urn }), { resourceType: 'User', registry }),
      400,
      'mutability',
    )
  })
})

describe('review regressions', () => {
  const urn = ACME_USER
  const registry = userExtensionRegistry([
    {
      name: 'badge',
      type: 'complex',
      subAttributes: [
        { name: 'serial', type: 'string', mutability: 'immutable' },
        { name: 'colour', type: 'string' },
      ],
    },
    { name: 'tags', type: 'string', multiValued: true, mutability: 'immutable' },
    { name: 'codes', type: 'string', multiValued: true, required: true },
  ])
  const withExtension = () => ({
    ...sampleUser(),
    [urn]: { badge: { serial: '1', colour: 'red' }, tags: ['a'], codes: ['x'] },
  })
  const run = (operations: Parameters<typeof request>) =>
    applyPatch(withExtension(), request(...operations), { resourceType: 'User', registry })

  it('says a path-less key that filters members needs the member list', () => {
    const body = request({ op: 'add', value: { 'members[value eq "a"].display': 'x' } })
    expect(requiresMemberList(body, { resourceType: 'Group' })).toBe(true)
    const urnKey = request({
      op: 'replace',
      value: { [`${CORE_GROUP}:members[type eq "User"]`]: { display: 'x' } },
    })
    expect(requiresMemberList(urnKey, { resourceType: 'Group' })).toBe(true)
    expect(
      requiresMemberList(request({ op: 'replace', value: { displayName: 'x' } }), { resourceType: 'Group' }),
    ).toBe(false)
  })

  it('reports an edit of a member element when the list is loaded', () => {
    const result = patch(sampleGroup(), [{ op: 'add', path: 'members[value eq "u2"].type', value: 'User' }])
    expect(result.changedAttributes).toEqual(['members'])
  })

  it('refuses to change an immutable sub-attribute through its parent, or an immutable multi-valued attribute', () => {
    expectScimError(
      () => run([{ op: 'replace', path: `${urn}:badge`, value: { serial: '2' } }]),
      400,
      'mutability',
    )
    expect(
      run([{ op: 'replace', path: `${urn}:badge`, value: { serial: '1', colour: 'blue' } }]).resource[urn],
    ).toEqual({
      badge: { serial: '1', colour: 'blue' },
      tags: ['a'],
      codes: ['x'],
    })
    expectScimError(() => run([{ op: 'replace', path: `${urn}:tags`, value: ['b'] }]), 400, 'mutability')
    expectScimError(() => run([{ op: 'add', path: `${urn}:tags`, value: ['b'] }]), 400, 'mutability')
  })

  it('refuses to leave a required multi-valued attribute empty by replacing it', () => {
    expectScimError(() => run([{ op: 'replace', path: `${urn}:codes`, value: [] }]), 400, 'mutability')
  })

  it('writes sub-attributes under their schema spelling, never next to a case variant', () => {
    const user = { ...sampleUser(), name: { GivenName: 'A' }, emails: [{ Value: 'a@x.com', Primary: true }] }
    const result = patch(user, [
      { op: 'replace', path: 'name.givenName', value: 'B' },
      {
        op: 'add',
        path: 'emails',
        value: [
          { value: 'a@x.com', type: 'work' },
          { value: 'b@x.com', primary: true },
        ],
      },
    ])
    expect(result.resource.name).toEqual({ givenName: 'B' })
    expect(result.resource.emails).toEqual([
      { value: 'a@x.com', primary: false, type: 'work' },
      { value: 'b@x.com', primary: true },
    ])
  })

  it('lists exactly the extension attributes that changed after a remove and a re-add', () => {
    const user = {
      ...sampleUser(),
      schemas: [sampleUser().schemas, ENTERPRISE].flat(),
      [ENTERPRISE]: { department: 'D', costCenter: 'C' },
    }
    const result = patch(user, [
      { op: 'remove', path: ENTERPRISE },
      { op: 'add', path: `${ENTERPRISE}:department`, value: 'D' },
    ])
    expect(result.resource[ENTERPRISE]).toEqual({ department: 'D' })
    expect(result.changedAttributes).toEqual([`${ENTERPRISE}:costCenter`])
  })
})
