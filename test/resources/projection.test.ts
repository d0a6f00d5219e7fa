// Unit tests of createProjection(): attributes / excludedAttributes (RFC 7644 §3.4.2.5) under each attribute's `returned` rule.
import { createFilterParser } from '../../lib/filter/parser'
import type { ScimResource } from '../../lib/representation/resources'
import { createProjection } from '../../lib/resources/projection'
import { ENTERPRISE_USER_SCHEMA, GROUP_SCHEMA, USER_SCHEMA } from '../../lib/schema/core'
import { createSchemaRegistry } from '../../lib/schema/registry'
import { expectScimError } from '../helpers/expect-scim-error'

const registry = createSchemaRegistry()
const parser = createFilterParser()

const project = (
  parameters: { attributes?: string[]; excludedAttributes?: string[] },
  resource: ScimResource = user(),
  resourceType = 'User',
) => createProjection(registry, resourceType, parser, parameters).apply(resource)

function user(): ScimResource {
  return {
    schemas: [USER_SCHEMA, ENTERPRISE_USER_SCHEMA],
    id: 'u1',
    externalId: 'ext-1',
    userName: 'bjensen',
    name: { givenName: 'Barbara', familyName: 'Jensen' },
    displayName: 'Babs',
    active: true,
    password: 'hunter2',
    emails: [
      { value: 'b@work.example', type: 'work', primary: true },
      { value: 'b@home.example', type: 'home' },
    ],
    groups: [{ value: 'g1', display: 'Admins' }],
    meta: { resourceType: 'User', version: 'W/"1"' },
    [ENTERPRISE_USER_SCHEMA]: { employeeNumber: '42', department: 'R&D', manager: { value: 'm1' } },
  }
}

function group(): ScimResource {
  return {
    schemas: [GROUP_SCHEMA],
    id: 'g1',
    displayName: 'Admins',
    members: [{ value: 'u1', display: 'Babs', type: 'User' }],
    meta: { resourceType: 'Group' },
  }
}

describe('createProjection: defaults', () => {
  it('returns every attribute but password when nothing is asked', () => {
    const expected = user()
    delete expected.password
    expect(project({})).toEqual(expected)
  })

  it('never returns password, even when asked for it', () => {
    expect(project({ attributes: ['password'] })).toEqual({ schemas: user().schemas, id: 'u1' })
    expect(project({ attributes: ['PASSWORD', 'userName'] })).not.toHaveProperty('password')
  })

  it('drops attributes the schema does not know', () => {
    expect(project({}, { ...user(), secretColumn: 'x', __internal: 1 })).not.toHaveProperty('secretColumn')
  })

  it('does not change the resource it projects', () => {
    const resource = user()
    project({ attributes: ['name.givenName'], excludedAttributes: [] }, resource)
    expect(resource).toEqual(user())
  })

  it('answers the resource itself when every attribute stays, and a copy from the first one that does not', () => {
    const kept = user()
    delete kept.password
    expect(project({}, kept)).toBe(kept)
    const withPassword = user()
    const projected = project({}, withPassword)
    expect(projected).not.toBe(withPassword)
    expect(Object.keys(projected)).toEqual(Object.keys(withPassword).filter((key) => key !== 'password'))
    expect(withPassword).toEqual(user())
    // A sub-attribute cut (`returned: never` inside a complex value) copies too, the input unchanged.
    const nested = { ...kept, name: { givenName: 'Barbara' }, emails: [{ value: 'b@work.example' }] }
    expect(project({}, nested)).toBe(nested)
    const excluded = project({ excludedAttributes: ['emails.type'] }, kept)
    expect(excluded).not.toBe(kept)
    expect(kept).toEqual(Object.fromEntries(Object.entries(user()).filter(([key]) => key !== 'password')))
  })

  it('throws a TypeError for an unknown resource type', () => {
    expect(() => createProjection(registry, 'Device', parser, {})).toThrow(TypeError)
  })
})

describe('createProjection: attributes', () => {
  it('returns only the named attributes plus those always returned', () => {
    expect(project({ attributes: ['userName'] })).toEqual({
      schemas: [USER_SCHEMA, ENTERPRISE_USER_SCHEMA],
      id: 'u1',
      userName: 'bjensen',
    })
  })

  it('reads names case-insensitively and keeps the resource spelling', () => {
    expect(project({ attributes: ['USERNAME', 'DisplayName'] })).toEqual({
      schemas: [USER_SCHEMA, ENTERPRISE_USER_SCHEMA],
      id: 'u1',
      userName: 'bjensen',
      displayName: 'Babs',
    })
  })

  it('selects sub-attributes of a single complex attribute', () => {
    expect(project({ attributes: ['name.givenName'] })).toMatchObject({ name: { givenName: 'Barbara' } })
    expect(project({ attributes: ['name.givenName'] }).name).toEqual({ givenName: 'Barbara' })
  })

  it('selects sub-attributes of every element of a multi-valued attribute', () => {
    expect(project({ attributes: ['emails.value'] }).emails).toEqual([
      { value: 'b@work.example' },
      { value: 'b@home.example' },
    ])
    expect(project({ attributes: ['emails.value', 'emails.type'] }).emails).toEqual([
      { value: 'b@work.example', type: 'work' },
      { value: 'b@home.example', type: 'home' },
    ])
  })

  it('returns a whole complex attribute when it is named whole', () => {
    expect(project({ attributes: ['emails'] }).emails).toEqual(user().emails)
  })

  it('reads URN-qualified core names', () => {
    expect(project({ attributes: [`${USER_SCHEMA}:userName`, `${USER_SCHEMA}:name.familyName`] })).toEqual({
      schemas: [USER_SCHEMA, ENTERPRISE_USER_SCHEMA],
      id: 'u1',
      userName: 'bjensen',
      name: { familyName: 'Jensen' },
    })
  })

  it('reads URN-qualified extension names', () => {
    expect(project({ attributes: [`${ENTERPRISE_USER_SCHEMA}:employeeNumber`] })).toEqual({
      schemas: [USER_SCHEMA, ENTERPRISE_USER_SCHEMA],
      id: 'u1',
      [ENTERPRISE_USER_SCHEMA]: { employeeNumber: '42' },
    })
    expect(project({ attributes: [`${ENTERPRISE_USER_SCHEMA}:manager.value`] })).toMatchObject({
      [ENTERPRISE_USER_SCHEMA]: { manager: { value: 'm1' } },
    })
  })

  it('returns a whole extension when its URN is named', () => {
    expect(project({ attributes: [ENTERPRISE_USER_SCHEMA] })).toEqual({
      schemas: [USER_SCHEMA, ENTERPRISE_USER_SCHEMA],
      id: 'u1',
      [ENTERPRISE_USER_SCHEMA]: user()[ENTERPRISE_USER_SCHEMA],
    })
  })

  it('leaves out an extension none of whose attributes is asked for', () => {
    expect(project({ attributes: ['userName'] })).not.toHaveProperty(ENTERPRISE_USER_SCHEMA)
  })

  it('ignores unknown names', () => {
    expect(project({ attributes: ['nonexistent', 'userName.sub', 'name.nickname', 'urn:acme:x:y'] })).toEqual(
      {
        schemas: [USER_SCHEMA, ENTERPRISE_USER_SCHEMA],
        id: 'u1',
      },
    )
    expect(project({ attributes: ['nonexistent', 'userName'] })).toHaveProperty('userName', 'bjensen')
  })

  it.each([
    'emails[type eq "work"]',
    'emails[type eq "work"].value',
    '1abc',
    'name..givenName',
    'a b',
    '"x"',
  ])('answers 400 for the malformed name %j', (name) => {
    const error = expectScimError(
      () => createProjection(registry, 'User', parser, { attributes: [name] }),
      400,
    )
    expect(['invalidValue', 'invalidPath']).toContain(error.scimType)
  })

  it('answers 400 for a malformed excluded name too', () => {
    expectScimError(
      () => createProjection(registry, 'User', parser, { excludedAttributes: ['emails[value pr]'] }),
      400,
    )
  })
})

describe('createProjection: excludedAttributes', () => {
  it('removes the named attributes and keeps the rest', () => {
    const result = project({ excludedAttributes: ['emails', 'displayName'] })
    expect(result).not.toHaveProperty('emails')
    expect(result).not.toHaveProperty('displayName')
    expect(result).toMatchObject({ userName: 'bjensen', name: user().name, active: true })
  })

  it('never removes attributes that are always returned', () => {
    expect(project({ excludedAttributes: ['id', 'schemas'] })).toMatchObject({
      id: 'u1',
      schemas: [USER_SCHEMA, ENTERPRISE_USER_SCHEMA],
    })
  })

  it('removes named sub-attributes only', () => {
    expect(project({ excludedAttributes: ['name.familyName'] }).name).toEqual({ givenName: 'Barbara' })
    expect(project({ excludedAttributes: ['emails.type', 'emails.primary'] }).emails).toEqual([
      { value: 'b@work.example' },
      { value: 'b@home.example' },
    ])
  })

  it('removes a whole extension by URN, or one extension attribute', () => {
    expect(project({ excludedAttributes: [ENTERPRISE_USER_SCHEMA] })).not.toHaveProperty(
      ENTERPRISE_USER_SCHEMA,
    )
    expect(project({ excludedAttributes: [`${ENTERPRISE_USER_SCHEMA}:department`] })).toMatchObject({
      [ENTERPRISE_USER_SCHEMA]: { employeeNumber: '42', manager: { value: 'm1' } },
    })
    expect(
      project({ excludedAttributes: [`${ENTERPRISE_USER_SCHEMA}:department`] })[ENTERPRISE_USER_SCHEMA],
    ).not.toHaveProperty('department')
  })

  it('ignores unknown excluded names', () => {
    const expected = user()
    delete expected.password
    expect(project({ excludedAttributes: ['nonexistent'] })).toEqual(expected)
  })
})

describe('createProjection: includes()', () => {
  const includes = (parameters: { attributes?: string[]; excludedAttributes?: string[] }, name = 'members') =>
    createProjection(registry, 'Group', parser, parameters).includes(name)

  it('includes members by default', () => {
    expect(includes({})).toBe(true)
  })

  it('does not include members when they are excluded', () => {
    expect(includes({ excludedAttributes: ['members'] })).toBe(false)
    expect(includes({ excludedAttributes: ['MEMBERS'] })).toBe(false)
  })

  it('includes members when only some of their sub-attributes are excluded', () => {
    expect(includes({ excludedAttributes: ['members.display'] })).toBe(true)
  })

  it('includes members when they, or a sub-attribute of theirs, are asked for', () => {
    expect(includes({ attributes: ['members'] })).toBe(true)
    expect(includes({ attributes: ['members.value'] })).toBe(true)
  })

  it('does not include members when other attributes are asked for', () => {
    expect(includes({ attributes: ['displayName'] })).toBe(false)
  })

  it('is false for password and for unknown attributes', () => {
    const projection = createProjection(registry, 'User', parser, {})
    expect(projection.includes('password')).toBe(false)
    expect(projection.includes('nonexistent')).toBe(false)
    expect(projection.includes('userName')).toBe(true)
  })

  it('agrees with apply() on groups', () => {
    expect(project({ excludedAttributes: ['members'] }, group(), 'Group')).not.toHaveProperty('members')
    expect(project({ attributes: ['members.value'] }, group(), 'Group')).toEqual({
      schemas: [GROUP_SCHEMA],
      id: 'g1',
      members: [{ value: 'u1' }],
    })
  })
})
