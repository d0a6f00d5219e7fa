// Unit tests of createResourceValidator(): dialect normalisation, dropped attributes, ajv type checks, schemas, password, immutability.
import { isScimError } from '../../lib/errors'
import { createResourceValidator } from '../../lib/resources/validate'
import { ENTERPRISE_USER_SCHEMA, GROUP_SCHEMA, USER_SCHEMA } from '../../lib/schema/core'
import { createSchemaRegistry } from '../../lib/schema/registry'
import { expectScimError } from '../helpers/expect-scim-error'

const ACME = 'urn:acme:params:scim:schemas:extension:2.0:User'

const registry = createSchemaRegistry({
  extensions: [
    {
      resourceType: 'User',
      schema: {
        id: ACME,
        attributes: [
          { name: 'hiredAt', type: 'dateTime' },
          { name: 'badge', type: 'string', mutability: 'immutable' },
          { name: 'level', type: 'integer' },
          { name: 'vip', type: 'boolean' },
          { name: 'auditTrail', type: 'string', mutability: 'readOnly' },
        ],
      },
    },
  ],
})

const userType = registry.getResourceType('User')!
const groupType = registry.getResourceType('Group')!
const lenient = createResourceValidator(registry, userType, 'lenient')
const strict = createResourceValidator(registry, userType, 'strict')
const groups = createResourceValidator(registry, groupType, 'lenient')

const body = (extra: Record<string, unknown> = {}) => ({
  schemas: [USER_SCHEMA],
  userName: 'bjensen',
  ...extra,
})

describe('read: normalisation', () => {
  it('renames attributes and sub-attributes to their canonical spelling', () => {
    const { resource } = lenient.read({
      schemas: [USER_SCHEMA],
      USERNAME: 'bjensen',
      DisplayName: 'Babs',
      NAME: { GIVENNAME: 'Barbara', familyname: 'Jensen' },
      Emails: [{ VALUE: 'b@example.com', Primary: true, TYPE: 'work' }],
    })
    expect(resource).toEqual({
      schemas: [USER_SCHEMA],
      userName: 'bjensen',
      displayName: 'Babs',
      name: { givenName: 'Barbara', familyName: 'Jensen' },
      emails: [{ value: 'b@example.com', primary: true, type: 'work' }],
    })
  })

  it('reads Entra\'s "True" / "False" strings as booleans under lenient', () => {
    expect(lenient.read(body({ active: 'False' })).resource.active).toBe(false)
    expect(lenient.read(body({ active: 'True' })).resource.active).toBe(true)
    expect(lenient.read(body({ active: 'FALSE' })).resource.active).toBe(false)
    expect(lenient.read(body({ emails: [{ value: 'a@b.c', primary: 'True' }] })).resource.emails).toEqual([
      { value: 'a@b.c', primary: true },
    ])
    expect(lenient.read(body({ [ACME]: { vip: 'false' } })).resource[ACME]).toEqual({ vip: false })
  })

  it('refuses other strings for booleans under lenient', () => {
    for (const value of ['yes', '0', '', 'False ']) {
      expectScimError(() => lenient.read(body({ active: value })), 400, 'invalidValue')
    }
  })

  it('refuses "True" / "False" strings under strict', () => {
    const error = expectScimError(() => strict.read(body({ active: 'False' })), 400, 'invalidValue')
    expect(error.message).toContain('active')
  })

  it('wraps a lone object where a list belongs under lenient, and refuses it under strict', () => {
    expect(lenient.read(body({ emails: { value: 'a@b.c' } })).resource.emails).toEqual([{ value: 'a@b.c' }])
    expectScimError(() => strict.read(body({ emails: { value: 'a@b.c' } })), 400, 'invalidValue')
  })

  it('drops null attributes, null sub-attributes and null list elements', () => {
    const { resource } = lenient.read(
      body({
        displayName: null,
        name: { givenName: null, familyName: 'J' },
        emails: [null, { value: 'a@b.c' }],
      }),
    )
    expect(resource).not.toHaveProperty('displayName')
    expect(resource.name).toEqual({ familyName: 'J' })
    expect(resource.emails).toEqual([{ value: 'a@b.c' }])
  })

  it('does not change the body it reads', () => {
    const input = body({ active: 'False', Emails: { value: 'a@b.c' }, id: 'x' })
    const copy = structuredClone(input)
    lenient.read(input)
    expect(input).toEqual(copy)
  })
})

describe('read: dropped attributes', () => {
  it('drops unknown attributes and sub-attributes', () => {
    const { resource } = lenient.read(
      body({ favouriteColour: 'blue', name: { givenName: 'B', nickname: 'x' }, 'urn:other:ext': { a: 1 } }),
    )
    expect(resource).toEqual({ schemas: [USER_SCHEMA], userName: 'bjensen', name: { givenName: 'B' } })
  })

  it('drops read-only attributes: id, meta, groups, and read-only extension (sub-)attributes', () => {
    const { resource } = lenient.read(
      body({
        id: 'chosen-by-client',
        meta: { version: 'W/"9"', created: '2020-01-01T00:00:00Z' },
        groups: [{ value: 'admins' }],
        [ENTERPRISE_USER_SCHEMA]: { manager: { value: 'm1', displayName: 'Boss' } },
        [ACME]: { auditTrail: 'forged', level: 3 },
      }),
    )
    expect(resource).not.toHaveProperty('id')
    expect(resource).not.toHaveProperty('meta')
    expect(resource).not.toHaveProperty('groups')
    expect(resource[ENTERPRISE_USER_SCHEMA]).toEqual({ manager: { value: 'm1' } })
    expect(resource[ACME]).toEqual({ level: 3 })
  })

  it('never copies __proto__ or constructor keys', () => {
    const hostile = JSON.parse(
      `{"schemas":["${USER_SCHEMA}"],"userName":"a","__proto__":{"isAdmin":true},` +
        `"constructor":{"prototype":{"isAdmin":true}},"name":{"__proto__":{"isAdmin":true},"givenName":"x"},` +
        `"emails":[{"__proto__":{"isAdmin":true},"value":"a@b.c"}],` +
        `"${ACME}":{"__proto__":{"isAdmin":true},"constructor":"x","level":1}}`,
    ) as Record<string, unknown>
    const { resource } = lenient.read(hostile)
    const objects = [resource, resource.name, (resource.emails as unknown[])[0], resource[ACME]] as Record<
      string,
      unknown
    >[]
    for (const object of objects) {
      expect(Object.getPrototypeOf(object)).toBe(Object.prototype)
      expect(Object.hasOwn(object, '__proto__')).toBe(false)
      expect(Object.hasOwn(object, 'constructor')).toBe(false)
      expect(object.isAdmin).toBeUndefined()
    }
    expect(({} as Record<string, unknown>).isAdmin).toBeUndefined()
    expect(resource).toEqual({
      schemas: [USER_SCHEMA, ACME],
      userName: 'a',
      name: { givenName: 'x' },
      emails: [{ value: 'a@b.c' }],
      [ACME]: { level: 1 },
    })
  })
})

describe('read: types', () => {
  it.each<[string, Record<string, unknown>, string]>([
    ['a number userName', { userName: 5 }, 'userName'],
    ['a string name', { name: 'Barbara' }, 'name'],
    ['a number sub-attribute', { name: { givenName: 5 } }, 'name.givenName'],
    ['a number in a list element', { emails: [{ value: 'a@b.c' }, { value: 5 }] }, 'emails[1].value'],
    ['a list of strings for a complex list', { emails: ['a@b.c'] }, 'emails[0]'],
    ['an object for a string', { displayName: { text: 'x' } }, 'displayName'],
    ['a fractional integer', { [ACME]: { level: 1.5 } }, 'level'],
    ['a string integer', { [ACME]: { level: '3' } }, 'level'],
  ])('answers 400 invalidValue with the path for %s', (_, extra, path) => {
    const error = expectScimError(() => lenient.read(body(extra)), 400, 'invalidValue')
    expect(error.message).toContain(path)
  })

  it('answers 400 invalidValue when userName is missing', () => {
    const { userName: _, ...withoutUserName } = body()
    const error = expectScimError(() => lenient.read(withoutUserName), 400, 'invalidValue')
    expect(error.message).toContain("'userName' is required")
  })

  it('answers 400 when userName is null (null is absent)', () => {
    expectScimError(() => lenient.read(body({ userName: null })), 400, 'invalidValue')
  })

  it('answers 400 invalidValue when an extension is not an object', () => {
    for (const value of ['x', 5, [{ level: 1 }]]) {
      expectScimError(() => lenient.read(body({ [ACME]: value })), 400, 'invalidValue')
    }
  })

  it('never quotes the offending value in the detail', () => {
    const error = expectScimError(() => lenient.read(body({ name: 'hunter2-value' })), 400)
    expect(error.message).not.toContain('hunter2')
  })
})

describe('read: dateTime', () => {
  it('accepts RFC 3339 instants in a dateTime extension attribute', () => {
    const { resource } = lenient.read(body({ [ACME]: { hiredAt: '2011-05-13T04:42:34Z' } }))
    expect(resource[ACME]).toEqual({ hiredAt: '2011-05-13T04:42:34Z' })
    expect(
      lenient.read(body({ [ACME]: { hiredAt: '2011-05-13T04:42:34.123+02:00' } })).resource[ACME],
    ).toEqual({
      hiredAt: '2011-05-13T04:42:34.123+02:00',
    })
  })

  it.each(['yesterday', '2011-13-45T00:00:00Z', '05/13/2011', '', '2011-05-13T04:42:34Z; DROP TABLE'])(
    'answers 400 invalidValue for the dateTime %j, naming the attribute',
    (value) => {
      const error = expectScimError(
        () => lenient.read(body({ [ACME]: { hiredAt: value } })),
        400,
        'invalidValue',
      )
      expect(error.message).toContain('hiredAt')
      expect(error.message).toContain('dateTime')
    },
  )

  it('answers 400 for a number where a dateTime belongs', () => {
    expectScimError(() => lenient.read(body({ [ACME]: { hiredAt: 1305261754000 } })), 400, 'invalidValue')
  })
})

describe('read: schemas', () => {
  it('sets schemas to the core URN and the extensions present', () => {
    expect(lenient.read(body({ [ACME]: { level: 2 } })).resource.schemas).toEqual([USER_SCHEMA, ACME])
    expect(
      lenient.read({ schemas: [USER_SCHEMA, ENTERPRISE_USER_SCHEMA, ACME], userName: 'a' }).resource.schemas,
    ).toEqual([USER_SCHEMA])
  })

  it('reads the core URN case-insensitively, and extension keys too', () => {
    const { resource } = lenient.read({
      schemas: [USER_SCHEMA.toUpperCase()],
      userName: 'a',
      [ACME.toUpperCase()]: { level: 1 },
    })
    expect(resource.schemas).toEqual([USER_SCHEMA, ACME])
    expect(resource[ACME]).toEqual({ level: 1 })
  })

  it('reads an extension whose URN holds a letter that lower-cases to two characters (İ)', () => {
    // 'İ'.toLowerCase() is 'i̇': a key and its lower-case form differ in length.
    const id = 'urn:acme:scim:schemas:extension:İK:1.0:User'
    const withDotted = createSchemaRegistry({
      extensions: [{ resourceType: 'User', schema: { id, attributes: [{ name: 'grade', type: 'string' }] } }],
    })
    const validator = createResourceValidator(withDotted, withDotted.getResourceType('User')!, 'lenient')
    for (const key of [id, id.toLowerCase()]) {
      const { resource } = validator.read(body({ [key]: { grade: 'A' } }))
      expect(resource.schemas).toEqual([USER_SCHEMA, id])
      expect(resource[id]).toEqual({ grade: 'A' })
    }
  })

  it.each<[string, unknown]>([
    ['another schema only', [ENTERPRISE_USER_SCHEMA]],
    ['an empty list', []],
    ['a string', USER_SCHEMA],
    ['a list with a number', [USER_SCHEMA, 5]],
  ])('answers 400 invalidSyntax when schemas is %s', (_, schemas) => {
    expectScimError(() => lenient.read({ schemas, userName: 'a' }), 400, 'invalidSyntax')
    expectScimError(() => strict.read({ schemas, userName: 'a' }), 400, 'invalidSyntax')
  })

  it('allows absent (or null) schemas under lenient and refuses them under strict', () => {
    expect(lenient.read({ userName: 'a' }).resource).toEqual({ schemas: [USER_SCHEMA], userName: 'a' })
    expect(lenient.read({ schemas: null, userName: 'a' }).resource.schemas).toEqual([USER_SCHEMA])
    expectScimError(() => strict.read({ userName: 'a' }), 400, 'invalidSyntax')
    expectScimError(() => strict.read({ schemas: null, userName: 'a' }), 400, 'invalidSyntax')
  })

  it('reads the schemas attribute name case-insensitively, like every other name (RFC 7643 §2.1)', () => {
    expect(strict.read({ SCHEMAS: [USER_SCHEMA], userName: 'a' }).resource.schemas).toEqual([USER_SCHEMA])
    expectScimError(() => lenient.read({ SCHEMAS: [GROUP_SCHEMA], userName: 'a' }), 400, 'invalidSyntax')
  })

  it('checks a Group body against the Group schema', () => {
    expect(groups.read({ schemas: [GROUP_SCHEMA], displayName: 'Admins' }).resource).toEqual({
      schemas: [GROUP_SCHEMA],
      displayName: 'Admins',
    })
    expectScimError(
      () => groups.read({ schemas: [USER_SCHEMA], displayName: 'Admins' }),
      400,
      'invalidSyntax',
    )
    expectScimError(() => groups.read({ schemas: [GROUP_SCHEMA] }), 400, 'invalidValue')
  })

  it('reads group members, canonical names and a lone member', () => {
    expect(
      groups.read({ displayName: 'Admins', Members: { VALUE: 'u1', Display: 'Babs' } }).resource.members,
    ).toEqual([{ value: 'u1', display: 'Babs' }])
  })
})

describe('read: password', () => {
  it('takes the password out of the resource', () => {
    const result = lenient.read(body({ Password: 'hunter2!' }))
    expect(result.password).toBe('hunter2!')
    expect(result.resource).not.toHaveProperty('password')
    expect(result.resource).not.toHaveProperty('Password')
    expect(JSON.stringify(result.resource)).not.toContain('hunter2')
  })

  it('has no password when none is sent', () => {
    expect(lenient.read(body())).not.toHaveProperty('password')
  })

  it('answers 400 invalidValue for a non-string password, without quoting it', () => {
    for (const password of [12345678, { value: 'x' }, ['a']]) {
      const error = expectScimError(() => lenient.read(body({ password })), 400, 'invalidValue')
      expect(error.message).toContain('password')
      expect(error.message).not.toContain('12345678')
    }
  })
})

describe('checkImmutable', () => {
  const current = { schemas: [USER_SCHEMA, ACME], id: 'u1', userName: 'a', [ACME]: { badge: 'B-1' } }

  it('accepts a resource that keeps the immutable value', () => {
    expect(() => lenient.checkImmutable(current, { ...current, userName: 'b' })).not.toThrow()
  })

  it('answers 400 mutability when an immutable extension attribute changes', () => {
    const error = expectScimError(
      () => lenient.checkImmutable(current, { ...current, [ACME]: { badge: 'B-2' } }),
      400,
      'mutability',
    )
    expect(error.message).toContain(`${ACME}:badge`)
  })

  it('answers 400 mutability when the immutable value is removed', () => {
    expectScimError(() => lenient.checkImmutable(current, { ...current, [ACME]: {} }), 400, 'mutability')
    const { [ACME]: _, ...withoutExtension } = current
    expectScimError(() => lenient.checkImmutable(current, withoutExtension), 400, 'mutability')
  })

  it('lets an immutable attribute be set once when it had no value', () => {
    const before = { schemas: [USER_SCHEMA], userName: 'a' }
    expect(() => lenient.checkImmutable(before, { ...before, [ACME]: { badge: 'B-1' } })).not.toThrow()
  })

  it('treats readWrite attributes as changeable', () => {
    const before = { ...current, [ACME]: { badge: 'B-1', level: 1 } }
    expect(() =>
      lenient.checkImmutable(before, { ...before, [ACME]: { badge: 'B-1', level: 2 } }),
    ).not.toThrow()
  })

  it('lets group members be replaced (their sub-attributes are immutable, the list is not)', () => {
    const before = { schemas: [GROUP_SCHEMA], displayName: 'A', members: [{ value: 'u1' }] }
    expect(() => groups.checkImmutable(before, { ...before, members: [{ value: 'u2' }] })).not.toThrow()
  })

  it('throws only SCIM errors', () => {
    try {
      lenient.checkImmutable(current, { ...current, [ACME]: { badge: 'other' } })
    } catch (error) {
      expect(isScimError(error)).toBe(true)
      return
    }
    throw new Error('expected an error')
  })
})

describe('identifier policy (lib/schema/identifiers.ts)', () => {
  it('read refuses a userName that fails UsernameCasePreserved, under both dialects, naming the attribute', () => {
    for (const validator of [lenient, strict]) {
      for (const userName of [
        '',
        ' ',
        'jose\u0301',
        'jo\u200bse',
        '\uff52\uff4f\uff4f\uff54',
        'root ',
        'ro\r\not',
      ]) {
        const error = expectScimError(() => validator.read(body({ userName })), 400, 'invalidValue')
        expect(error.message).toMatch(/^'userName' must /)
        expect(error.message).not.toMatch(/[\p{Cc}\u200b\uff52]/u)
      }
    }
  })

  it('read never changes a name it accepts', () => {
    for (const userName of ['jos\u00e9', 'stra\u00dfe', 'ODYSSEUS-\u039f\u0394\u039f\u03a3']) {
      expect(lenient.read(body({ userName })).resource.userName).toBe(userName)
    }
    expect(groups.read({ schemas: [GROUP_SCHEMA], displayName: 'Sales Team' }).resource.displayName).toBe(
      'Sales Team',
    )
  })

  it('read refuses a group displayName that fails OpaqueString, and lets spaces inside through', () => {
    for (const displayName of ['', 'Sales ', 'Sa\u200bles', 'Sales\u00a0Team', 'Ve\u0301ritas']) {
      const error = expectScimError(
        () => groups.read({ schemas: [GROUP_SCHEMA], displayName }),
        400,
        'invalidValue',
      )
      expect(error.message).toMatch(/^'displayName' must /)
    }
  })

  it('holds only the identifier attributes to the policy: a user displayName may have a trailing space', () => {
    expect(lenient.read(body({ displayName: 'Babs ' })).resource.displayName).toBe('Babs ')
  })

  it('read with checkNames: false leaves names to checkNames(next, current)', () => {
    const { resource } = lenient.read(body({ userName: 'legacy ' }), { checkNames: false })
    expect(resource.userName).toBe('legacy ')
    // Kept as it is: a PUT or PATCH that does not change the name is not about the name.
    expect(() => lenient.checkNames(resource, { userName: 'legacy ' })).not.toThrow()
    // Changed, even by case, or with no current: checked.
    expectScimError(() => lenient.checkNames(resource, { userName: 'Legacy ' }), 400, 'invalidValue')
    expectScimError(() => lenient.checkNames(resource), 400, 'invalidValue')
    expect(() =>
      lenient.checkNames({ ...resource, userName: 'fixed' }, { userName: 'legacy ' }),
    ).not.toThrow()
  })

  it('checkNames leaves absent or mistyped names to the schema checks', () => {
    expect(() => lenient.checkNames({ schemas: [USER_SCHEMA] })).not.toThrow()
    expect(() => lenient.checkNames({ schemas: [USER_SCHEMA], userName: 5 })).not.toThrow()
    expect(() =>
      groups.checkNames({ schemas: [GROUP_SCHEMA], displayName: 'Ok', userName: '' }),
    ).not.toThrow()
  })
})
