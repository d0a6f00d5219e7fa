// Unit tests of the store <-> SCIM conversions: named fields over the document, meta and ETags, primary email, member references.
import {
  etagOf,
  groupResource,
  locationOf,
  memberReferencesOf,
  newTeamOf,
  PROVISIONED,
  primaryEmail,
  tagValue,
  teamFieldsOf,
  userFieldsOf,
  userResource,
  withUserFields,
} from '../../lib/representation/resources'
import { ENTERPRISE_USER_SCHEMA, GROUP_SCHEMA, USER_SCHEMA } from '../../lib/schema/core'
import type { StoredTeam, StoredUser, UserFields } from '../../types/stores'

const CREATED = new Date('2024-01-02T03:04:05.000Z')

function storedUser(extra: Partial<StoredUser> = {}): StoredUser {
  return {
    id: 'u1',
    version: '7',
    created: CREATED,
    lastModified: '2024-02-03T04:05:06Z',
    provisioned: true,
    userName: 'bjensen',
    active: true,
    ...extra,
  }
}

function storedTeam(extra: Partial<StoredTeam> = {}): StoredTeam {
  return {
    id: 'g1',
    version: 'v2',
    created: CREATED,
    lastModified: CREATED,
    provisioned: true,
    displayName: 'Admins',
    ...extra,
  }
}

describe('locationOf', () => {
  it.each([
    ['2819c223-7f76-453a-919d-413861904646'],
    ['A-z_0.9~'],
    ['a/b c'],
    ["it's(1)!*"],
    ['é日本🎉'],
    ['%2F'],
    [''],
  ])('writes %j as encodeURIComponent does', (id) => {
    expect(locationOf('https://h/scim', 'Users', id)).toBe(`https://h/scim/Users/${encodeURIComponent(id)}`)
  })
})

describe('etagOf', () => {
  it('makes a weak entity tag', () => {
    expect(etagOf('7')).toBe('W/"7"')
    expect(etagOf('abc-123')).toBe('W/"abc-123"')
  })

  it('drops quotes and backslashes that would break the tag', () => {
    expect(etagOf('a"b\\c')).toBe('W/"abc"')
    expect(tagValue('"x"')).toBe('x')
    expect(tagValue('a\\b')).toBe('ab')
    expect(tagValue('plain')).toBe('plain')
  })
})

describe('userResource', () => {
  it('builds a resource with id, schemas and meta from a user without a document', () => {
    expect(userResource(storedUser())).toEqual({
      schemas: [USER_SCHEMA],
      id: 'u1',
      userName: 'bjensen',
      active: true,
      meta: {
        resourceType: 'User',
        created: '2024-01-02T03:04:05.000Z',
        lastModified: '2024-02-03T04:05:06.000Z',
        version: 'W/"7"',
      },
    })
  })

  it('lets the named fields win over the document', () => {
    const resource = userResource(
      storedUser({
        userName: 'barbara',
        active: false,
        displayName: 'Barbara J',
        externalId: 'ext-new',
        email: 'new@example.com',
        document: {
          schemas: [USER_SCHEMA],
          userName: 'bjensen',
          active: true,
          displayName: 'Babs',
          externalId: 'ext-old',
          emails: [{ value: 'old@example.com', type: 'work', primary: true }],
          nickName: 'Babs',
        },
      }),
    )
    expect(resource).toMatchObject({
      userName: 'barbara',
      active: false,
      displayName: 'Barbara J',
      externalId: 'ext-new',
      emails: [{ value: 'new@example.com', type: 'work', primary: true }],
      nickName: 'Babs',
    })
  })

  it('keeps the document emails when the stored email is their primary one', () => {
    const emails = [
      { value: 'home@example.com', type: 'home' },
      { value: 'work@example.com', type: 'work', primary: true },
    ]
    const resource = userResource(storedUser({ email: 'work@example.com', document: { emails } }))
    expect(resource.emails).toEqual(emails)
  })

  it('keeps the document displayName and externalId when the user has none', () => {
    const resource = userResource(storedUser({ document: { displayName: 'Babs', externalId: 'e1' } }))
    expect(resource).toMatchObject({ displayName: 'Babs', externalId: 'e1' })
  })

  it('never returns password or groups, nor the document id and meta, whatever their case', () => {
    const resource = userResource(
      storedUser({
        document: {
          password: 'hunter2',
          Password: 'hunter3',
          groups: [{ value: 'g1' }],
          GROUPS: [{ value: 'g2' }],
          id: 'forged',
          Meta: { version: 'W/"forged"' },
        },
      }),
    )
    expect(JSON.stringify(resource)).not.toMatch(/hunter|forged|g1|g2/)
    const keys = Object.keys(resource).map((k) => k.toLowerCase())
    expect(keys).not.toContain('password')
    expect(keys).not.toContain('groups')
    expect(resource.id).toBe('u1')
    expect(resource.meta).toMatchObject({ version: 'W/"7"' })
  })

  it('adds the core URN to schemas when the document lacks it, and keeps other URNs', () => {
    expect(userResource(storedUser({ document: { schemas: [ENTERPRISE_USER_SCHEMA] } })).schemas).toEqual([
      USER_SCHEMA,
      ENTERPRISE_USER_SCHEMA,
    ])
    expect(userResource(storedUser({ document: { schemas: 'not a list' } })).schemas).toEqual([USER_SCHEMA])
    const spelled = [USER_SCHEMA.toLowerCase(), ENTERPRISE_USER_SCHEMA]
    expect(userResource(storedUser({ document: { schemas: spelled } })).schemas).toEqual(spelled)
  })

  it('does not change the stored document', () => {
    const document = { schemas: [USER_SCHEMA], userName: 'old', emails: [{ value: 'a@b.c' }], password: 'x' }
    const copy = structuredClone(document)
    const resource = userResource(storedUser({ document, email: 'z@b.c' }))
    expect(document).toEqual(copy)
    expect(resource).not.toBe(document)
  })

  it('reads a frozen document without copying it deeply (a store may share one frozen document)', () => {
    const emails = Object.freeze([Object.freeze({ value: 'a@b.c', type: 'work' })])
    const document = Object.freeze({ schemas: Object.freeze([USER_SCHEMA]), userName: 'old', emails })
    const resource = userResource(storedUser({ document, email: 'a@b.c' }))
    expect(resource.emails).toBe(emails)
    expect(resource.id).toBeDefined()
    expect(Object.isFrozen(resource)).toBe(false)
  })

  it('survives a document that is not an object', () => {
    const resource = userResource(storedUser({ document: ['x'] as unknown as StoredUser['document'] }))
    expect(resource).toMatchObject({ id: 'u1', userName: 'bjensen', schemas: [USER_SCHEMA] })
  })

  it('ignores a __proto__ key in a stored document', () => {
    const document = JSON.parse('{"__proto__":{"isAdmin":true},"nickName":"n"}') as StoredUser['document']
    const resource = userResource(storedUser({ document }))
    expect(Object.getPrototypeOf(resource)).toBe(Object.prototype)
    expect(resource.isAdmin).toBeUndefined()
    expect(resource.nickName).toBe('n')
  })

  it('passes an unparseable time through as text rather than throwing', () => {
    const resource = userResource(storedUser({ lastModified: 'not a date' }))
    expect(resource.meta).toMatchObject({ lastModified: 'not a date' })
  })
})

describe('groupResource', () => {
  it('builds a group without members when they were not read', () => {
    const resource = groupResource(
      storedTeam({ document: { members: [{ value: 'stale' }], externalId: 'old' }, externalId: 'ext' }),
    )
    expect(resource).toEqual({
      schemas: [GROUP_SCHEMA],
      id: 'g1',
      externalId: 'ext',
      displayName: 'Admins',
      meta: {
        resourceType: 'Group',
        created: '2024-01-02T03:04:05.000Z',
        lastModified: '2024-01-02T03:04:05.000Z',
        version: 'W/"v2"',
      },
    })
  })

  it('lists the members it is given, with display when known', () => {
    const resource = groupResource(storedTeam(), [{ value: 'u1', display: 'Babs' }, { value: 'u2' }])
    expect(resource.members).toEqual([
      { value: 'u1', display: 'Babs', type: 'User' },
      { value: 'u2', type: 'User' },
    ])
  })

  it('lists an empty member list as empty', () => {
    expect(groupResource(storedTeam(), []).members).toEqual([])
  })

  it('lets displayName win over the document', () => {
    expect(groupResource(storedTeam({ document: { displayName: 'Old name' } })).displayName).toBe('Admins')
  })
})

describe('primaryEmail', () => {
  it('picks the primary email', () => {
    expect(
      primaryEmail({
        emails: [
          { value: 'home@x', type: 'home' },
          { value: 'work@x', type: 'work' },
          { value: 'primary@x', type: 'other', primary: true },
        ],
      }),
    ).toBe('primary@x')
  })

  it('picks the work email when none is primary', () => {
    expect(
      primaryEmail({
        emails: [
          { value: 'home@x', type: 'home' },
          { value: 'work@x', type: 'Work' },
        ],
      }),
    ).toBe('work@x')
  })

  it('picks the first email otherwise', () => {
    expect(primaryEmail({ emails: [{ value: 'a@x' }, { value: 'b@x', type: 'home' }] })).toBe('a@x')
  })

  it('skips elements without a string value, and a primary flag that is not true', () => {
    expect(
      primaryEmail({
        emails: [
          null,
          'x@x',
          { value: 5, primary: true },
          { value: 'str@x', primary: 'true' },
          { value: 'w@x', type: 'work' },
        ],
      }),
    ).toBe('w@x')
  })

  it('is undefined without emails', () => {
    expect(primaryEmail({})).toBeUndefined()
    expect(primaryEmail({ emails: [] })).toBeUndefined()
    expect(primaryEmail({ emails: { value: 'a@x' } })).toBeUndefined()
  })
})

describe('userFieldsOf', () => {
  it('reads the named fields and keeps the document without server-owned attributes', () => {
    const resource = {
      schemas: [USER_SCHEMA],
      id: 'u1',
      meta: { version: 'W/"1"' },
      groups: [{ value: 'g1' }],
      password: 'hunter2',
      userName: 'bjensen',
      externalId: 'ext',
      displayName: 'Babs',
      active: false,
      emails: [
        { value: 'home@x', type: 'home' },
        { value: 'work@x', type: 'work' },
      ],
    }
    expect(userFieldsOf(resource, 'new-password')).toEqual({
      userName: 'bjensen',
      externalId: 'ext',
      displayName: 'Babs',
      active: false,
      email: 'work@x',
      password: 'new-password',
      document: {
        schemas: [USER_SCHEMA],
        userName: 'bjensen',
        externalId: 'ext',
        displayName: 'Babs',
        active: false,
        emails: [
          { value: 'home@x', type: 'home' },
          { value: 'work@x', type: 'work' },
        ],
      },
    })
  })

  it('defaults active to true and leaves out what is not given', () => {
    const fields = userFieldsOf({ userName: 'a' })
    expect(fields).toEqual({ userName: 'a', active: true, document: { userName: 'a' } })
    expect(fields).not.toHaveProperty('password')
  })

  it("gives the store a new top-level document that shares the resource's values (ScimDocument is read-only)", () => {
    const resource = { userName: 'a', name: { givenName: 'B' }, id: 'x', meta: {} }
    const fields = userFieldsOf(resource)
    expect(fields.document).not.toBe(resource)
    expect(fields.document).toEqual({ userName: 'a', name: { givenName: 'B' } })
    // No deep copy per write: the memory stores copy (and freeze) what they keep themselves.
    expect(fields.document.name).toBe(resource.name)
    ;(fields.document as Record<string, unknown>).extra = 1
    expect(resource).not.toHaveProperty('extra')
  })
})

describe('teamFieldsOf', () => {
  it('keeps members and server-owned attributes out of the document', () => {
    expect(
      teamFieldsOf({
        schemas: [GROUP_SCHEMA],
        id: 'g1',
        meta: {},
        displayName: 'Admins',
        externalId: 'ext',
        members: [{ value: 'u1' }],
      }),
    ).toEqual({
      displayName: 'Admins',
      externalId: 'ext',
      document: { schemas: [GROUP_SCHEMA], displayName: 'Admins', externalId: 'ext' },
    })
  })

  it('leaves externalId out when it is not a string', () => {
    expect(teamFieldsOf({ displayName: 'A' })).toEqual({ displayName: 'A', document: { displayName: 'A' } })
  })
})

describe('withUserFields', () => {
  const document = { userName: 'ada' }

  it('copies every field present, sets the changes over them, and leaves absent keys absent', () => {
    const fields: UserFields = {
      userName: 'ada',
      active: true,
      document,
      externalId: 'e-1',
      displayName: 'Ada',
      email: 'ada@example.com',
      password: 'secret',
      roles: ['Viewer'],
    }
    const out = withUserFields(fields, { active: false, provisioned: true, entitlements: ['licence'] })
    expect(out).toEqual({ ...fields, active: false, provisioned: true, entitlements: ['licence'] })
    expect(out).not.toBe(fields)
    expect(out.document).toBe(document)
    expect(withUserFields({ userName: 'bo', active: true, document }, PROVISIONED)).toStrictEqual({
      userName: 'bo',
      active: true,
      document,
      provisioned: true,
    })
  })

  // Required<UserFields>: a field added to UserFields fails to compile here until this test, and
  // withUserFields, carry it.
  it('carries every field of UserFields', () => {
    const full: Required<UserFields> = {
      userName: 'ada',
      externalId: 'e-1',
      displayName: 'Ada',
      email: 'ada@example.com',
      active: true,
      document,
      password: 'secret',
      hidden: false,
      provisioned: true,
      roles: [],
      entitlements: [],
    }
    expect(withUserFields(full, {})).toStrictEqual(full)
  })

  it('keeps what the fields hold where a change is undefined', () => {
    const fields: UserFields = { userName: 'ada', active: false, document, roles: ['Admin'], hidden: true }
    expect(withUserFields(fields, { roles: undefined })).toStrictEqual(fields)
  })

  // A spread keeps the order the caller's keys came in; one order for every call keeps one hidden class
  // per set of keys (a spread gave each request's copy a class of its own under load: see the function).
  it('sets the keys in one order whatever order the fields came in', () => {
    const a = withUserFields(
      { email: 'a@x', externalId: 'a', userName: 'a', document, active: true },
      PROVISIONED,
    )
    const b = withUserFields(
      { userName: 'b', active: true, document, externalId: 'b', email: 'b@x' },
      PROVISIONED,
    )
    expect(Object.keys(a)).toEqual(Object.keys(b))
    expect(Object.keys(a)).toEqual(['userName', 'active', 'document', 'provisioned', 'externalId', 'email'])
  })
})

describe('newTeamOf', () => {
  it('is teamFieldsOf with the provisioning mark', () => {
    for (const resource of [
      { displayName: 'A', externalId: 'ext', members: [{ value: 'u1' }] },
      { displayName: 'B' },
    ]) {
      expect(newTeamOf(resource)).toStrictEqual({ ...teamFieldsOf(resource), provisioned: true })
    }
  })
})

describe('memberReferencesOf', () => {
  it('reads value, type and display, and de-duplicates by value', () => {
    expect(
      memberReferencesOf({
        members: [
          { value: 'u1', type: 'User', display: 'Babs' },
          { value: 'u2' },
          { value: 'u1', display: 'Duplicate' },
          { value: 'u3', $ref: 'https://x/Users/u3' },
        ],
      }),
    ).toEqual([{ value: 'u1', type: 'User', display: 'Babs' }, { value: 'u2' }, { value: 'u3' }])
  })

  it('skips elements that are not objects with a string value', () => {
    expect(
      memberReferencesOf({ members: [null, 'u1', { value: 5 }, { display: 'x' }, { value: 'u2' }] }),
    ).toEqual([{ value: 'u2' }])
  })

  it('is empty without a member list', () => {
    expect(memberReferencesOf({})).toEqual([])
    expect(memberReferencesOf({ members: { value: 'u1' } })).toEqual([])
  })

  it('treats member ids case-sensitively (they are caseExact)', () => {
    expect(memberReferencesOf({ members: [{ value: 'abc' }, { value: 'ABC' }] })).toHaveLength(2)
  })
})
