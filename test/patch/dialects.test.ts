// Each IdP dialect rule of lib/patch/dialects.ts, proven on the request shape the IdP sends, and off under strict.

import { expectScimError } from '../helpers/expect-scim-error'
import { ENTERPRISE, patch, sampleGroup, sampleUser } from './helpers'

describe('IdP dialects (lenient, the default)', () => {
  it('op names in any case', () => {
    const result = patch(sampleUser(), [
      { op: 'Replace', path: 'displayName', value: 'B' },
      { op: 'ADD', path: 'title', value: 'Guide' },
      { op: 'Remove', path: 'name.familyName' },
    ])
    expect(result.resource).toMatchObject({
      displayName: 'B',
      title: 'Guide',
      name: { givenName: 'Barbara' },
    })
    expect(result.resource.name as object).not.toHaveProperty('familyName')
  })

  it('booleans as strings', () => {
    expect(patch(sampleUser(), [{ op: 'Replace', path: 'active', value: 'False' }]).resource.active).toBe(
      false,
    )
    expect(
      patch({ ...sampleUser(), active: false }, [{ op: 'replace', path: 'active', value: 'TRUE' }]).resource
        .active,
    ).toBe(true)
    expect(
      patch(sampleUser(), [{ op: 'replace', path: 'emails[type eq "home"].primary', value: 'True' }]).resource
        .emails,
    ).toEqual([
      { value: 'bjensen@example.com', type: 'work', primary: false },
      { value: 'babs@jensen.org', type: 'home', primary: true },
    ])
    // "False" is truthy in JavaScript: it must never enable anyone, and junk is refused.
    for (const junk of ['yes', '0', '', 'Falsey']) {
      expectScimError(
        () => patch(sampleUser(), [{ op: 'replace', path: 'active', value: junk }]),
        400,
        'invalidValue',
      )
    }
    expectScimError(
      () => patch(sampleUser(), [{ op: 'replace', path: 'displayName', value: true }]),
      400,
      'invalidValue',
    )
  })

  it('path-less values with dotted and URN-qualified keys', () => {
    const result = patch(sampleUser(), [
      {
        op: 'Replace',
        value: {
          'name.givenName': 'Babs',
          [`${ENTERPRISE}:department`]: 'Tours',
          [`${ENTERPRISE}:manager`]: { value: 'm-1' },
          displayName: 'Babs J',
        },
      },
    ])
    expect(result.resource).toMatchObject({
      displayName: 'Babs J',
      name: { givenName: 'Babs', familyName: 'Jensen' },
      [ENTERPRISE]: { department: 'Tours', manager: { value: 'm-1' } },
    })
    expect(result.resource.schemas).toEqual(['urn:ietf:params:scim:schemas:core:2.0:User', ENTERPRISE])
    expect(result.changedAttributes).toEqual([
      'name',
      `${ENTERPRISE}:department`,
      `${ENTERPRISE}:manager`,
      'displayName',
    ])
  })

  it('remove of members given as a value array', () => {
    const result = patch(sampleGroup(), [{ op: 'Remove', path: 'members', value: [{ value: 'u1' }] }])
    expect(result.resource.members).toEqual([{ value: 'u2' }])
    expect(result.memberChanges).toEqual({ kind: 'delta', added: [], removed: ['u1'] })
  })

  it('add on a filtered path that matches nothing creates the element', () => {
    const result = patch(sampleUser(), [
      { op: 'Add', path: 'addresses[type eq "work"].locality', value: 'Oslo' },
      { op: 'Replace', path: 'addresses[type eq "work"].postalCode', value: '0150' },
      { op: 'Replace', path: 'phoneNumbers[type eq "mobile"].value', value: '+47 555' },
    ])
    expect(result.resource.addresses).toEqual([{ type: 'work', locality: 'Oslo', postalCode: '0150' }])
    expect(result.resource.phoneNumbers).toEqual([{ type: 'mobile', value: '+47 555' }])
    // A filter that cannot describe an element still has no target.
    expectScimError(
      () => patch(sampleUser(), [{ op: 'add', path: 'addresses[type ne "work"].locality', value: 'x' }]),
      400,
      'noTarget',
    )
  })

  it('manager as a bare string', () => {
    const result = patch(sampleUser(), [{ op: 'Add', path: `${ENTERPRISE}:manager`, value: '0a1b2c3d' }])
    expect(result.resource[ENTERPRISE]).toEqual({ manager: { value: '0a1b2c3d' } })
  })

  it('a one-element array for a single-valued attribute', () => {
    // Entra's documented manager update: unqualified path, array value.
    const result = patch(sampleUser(), [
      {
        op: 'Add',
        path: 'manager',
        value: [{ $ref: 'https://example.com/scim/Users/26118915', value: '26118915' }],
      },
    ])
    expect(result.resource[ENTERPRISE]).toEqual({
      manager: { $ref: 'https://example.com/scim/Users/26118915', value: '26118915' },
    })
    expectScimError(
      () => patch(sampleUser(), [{ op: 'add', path: 'manager', value: [{ value: 'a' }, { value: 'b' }] }]),
      400,
      'invalidValue',
    )
  })

  it("Okta's path-less replace with id and displayName", () => {
    const group = sampleGroup()
    const result = patch(group, [{ op: 'replace', value: { id: group.id, displayName: 'Guides' } }])
    expect(result.resource.displayName).toBe('Guides')
    expect(result.changedAttributes).toEqual(['displayName'])
    expectScimError(
      () => patch(group, [{ op: 'replace', value: { id: 'another', displayName: 'X' } }]),
      400,
      'mutability',
    )
    const deactivated = patch(sampleUser(), [{ op: 'replace', value: { active: false } }])
    expect(deactivated.resource.active).toBe(false)
  })

  it('"$ref": null in member values means no reference (RFC 7643 §2.5)', () => {
    const result = patch(sampleGroup(), [
      { op: 'add', path: 'members', value: [{ value: 'u3', $ref: null }] },
    ])
    expect(result.memberChanges).toEqual({ kind: 'delta', added: [{ value: 'u3' }], removed: [] })
  })
})

describe('strict dialect: RFC 7644 only', () => {
  const strict = { dialect: 'strict' as const }

  it('refuses each dialect rule', () => {
    expectScimError(
      () => patch(sampleUser(), [{ op: 'add', path: 'title', value: ['x'] }], strict),
      400,
      'invalidValue',
    )
    expectScimError(
      () => patch(sampleUser(), [{ op: 'Replace', path: 'title', value: 'x' }], strict),
      400,
      'invalidSyntax',
    )
    expectScimError(
      () => patch(sampleUser(), [{ op: 'replace', path: 'active', value: 'False' }], strict),
      400,
      'invalidValue',
    )
    expectScimError(
      () => patch(sampleUser(), [{ op: 'replace', value: { 'name.givenName': 'x' } }], strict),
      400,
      'invalidPath',
    )
    expectScimError(
      () =>
        patch(sampleUser(), [{ op: 'add', path: 'addresses[type eq "work"].locality', value: 'x' }], strict),
      400,
      'noTarget',
    )
    expectScimError(
      () => patch(sampleUser(), [{ op: 'add', path: `${ENTERPRISE}:manager`, value: 'm' }], strict),
      400,
      'invalidValue',
    )
    expectScimError(
      () =>
        patch(sampleGroup(), [{ op: 'replace', value: { id: sampleGroup().id, displayName: 'x' } }], strict),
      400,
      'mutability',
    )
  })

  it('refuses a remove that carries a value, rather than reading it as "remove every member"', () => {
    expectScimError(
      () => patch(sampleGroup(), [{ op: 'remove', path: 'members', value: [{ value: 'u1' }] }], strict),
      400,
      'invalidSyntax',
    )
  })

  it('still accepts a whole extension object as a path-less key (RFC 7644 §3.5.2.1)', () => {
    const result = patch(
      sampleUser(),
      [{ op: 'add', value: { [ENTERPRISE]: { department: 'Tours' } } }],
      strict,
    )
    expect(result.resource[ENTERPRISE]).toEqual({ department: 'Tours' })
  })
})
