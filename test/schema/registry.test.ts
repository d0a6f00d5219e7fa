// Unit tests of the schema data and registry: RFC 7643 characteristics, path resolution, host extensions.
import {
  COMMON_ATTRIBUTES,
  ENTERPRISE_USER_SCHEMA,
  GROUP_SCHEMA_DEFINITION,
  USER_SCHEMA,
  USER_SCHEMA_DEFINITION,
} from '../../lib/schema/core'
import { defineSchema } from '../../lib/schema/define'
import { createSchemaRegistry } from '../../lib/schema/registry'
import type { AttributeDefinition } from '../../types/schema'

const byName = (attributes: readonly AttributeDefinition[], name: string) => {
  const found = attributes.find((a) => a.name === name)
  if (!found) throw new Error(`no attribute ${name}`)
  return found
}

describe('core schemas (RFC 7643 §4)', () => {
  it('describe every User attribute of §4.1 with all characteristics', () => {
    expect(USER_SCHEMA_DEFINITION.attributes.map((a) => a.name)).toEqual([
      'userName',
      'name',
      'displayName',
      'nickName',
      'profileUrl',
      'title',
      'userType',
      'preferredLanguage',
      'locale',
      'timezone',
      'active',
      'password',
      'emails',
      'phoneNumbers',
      'ims',
      'photos',
      'addresses',
      'groups',
      'entitlements',
      'roles',
      'x509Certificates',
    ])
    for (const attribute of USER_SCHEMA_DEFINITION.attributes) {
      expect(Object.keys(attribute)).toEqual(
        expect.arrayContaining([
          'name',
          'type',
          'multiValued',
          'description',
          'required',
          'caseExact',
          'mutability',
          'returned',
          'uniqueness',
        ]),
      )
      expect(attribute.subAttributes !== undefined).toBe(attribute.type === 'complex')
    }
  })

  it('carry the characteristics the spec decides', () => {
    const userName = byName(USER_SCHEMA_DEFINITION.attributes, 'userName')
    expect(userName).toMatchObject({ required: true, caseExact: false, uniqueness: 'server' })
    expect(byName(USER_SCHEMA_DEFINITION.attributes, 'password')).toMatchObject({
      mutability: 'writeOnly',
      returned: 'never',
    })
    expect(byName(USER_SCHEMA_DEFINITION.attributes, 'groups')).toMatchObject({
      mutability: 'readOnly',
      multiValued: true,
    })
    expect(byName(COMMON_ATTRIBUTES, 'id')).toMatchObject({
      caseExact: true,
      mutability: 'readOnly',
      returned: 'always',
    })
    expect(byName(COMMON_ATTRIBUTES, 'externalId')).toMatchObject({
      caseExact: true,
      mutability: 'readWrite',
    })
    const emailType = byName(byName(USER_SCHEMA_DEFINITION.attributes, 'emails').subAttributes ?? [], 'type')
    expect(emailType.canonicalValues).toEqual(['work', 'home', 'other'])
    const members = byName(GROUP_SCHEMA_DEFINITION.attributes, 'members')
    expect(byName(members.subAttributes ?? [], '$ref')).toMatchObject({
      type: 'reference',
      referenceTypes: ['User', 'Group'],
    })
  })

  it("are frozen, so no router can change another's schema", () => {
    expect(Object.isFrozen(USER_SCHEMA_DEFINITION)).toBe(true)
    expect(Object.isFrozen(USER_SCHEMA_DEFINITION.attributes)).toBe(true)
    expect(Object.isFrozen(byName(USER_SCHEMA_DEFINITION.attributes, 'emails').subAttributes)).toBe(true)
  })
})

describe('SchemaRegistry.resolve', () => {
  const registry = createSchemaRegistry()

  it('resolves names case-insensitively, with or without the core URN', () => {
    expect(registry.resolve('User', { attribute: 'USERNAME' })?.attribute.name).toBe('userName')
    expect(
      registry.resolve('user', { schema: USER_SCHEMA.toUpperCase(), attribute: 'userName' })?.schema,
    ).toBe(USER_SCHEMA)
    const sub = registry.resolve('User', { attribute: 'name', subAttribute: 'GIVENNAME' })
    expect(sub?.subAttribute?.name).toBe('givenName')
  })

  it('resolves extension attributes under their URN, and unqualified when unambiguous', () => {
    const qualified = registry.resolve('User', { schema: ENTERPRISE_USER_SCHEMA, attribute: 'department' })
    expect(qualified).toMatchObject({ schema: ENTERPRISE_USER_SCHEMA, inExtension: true })
    expect(registry.resolve('User', { attribute: 'department' })?.inExtension).toBe(true)
  })

  it('returns undefined for anything unknown', () => {
    expect(registry.resolve('User', { attribute: 'members' })).toBeUndefined()
    expect(registry.resolve('User', { attribute: 'userName', subAttribute: 'x' })).toBeUndefined()
    expect(registry.resolve('User', { schema: 'urn:x:y', attribute: 'userName' })).toBeUndefined()
    expect(registry.resolve('Device', { attribute: 'id' })).toBeUndefined()
    expect(registry.resolve('User', { attribute: 'constructor' })).toBeUndefined()
    expect(registry.resolve('User', { attribute: '__proto__' })).toBeUndefined()
  })

  it('lists schemas and resource types', () => {
    expect(registry.schemaUrns()).toEqual([
      USER_SCHEMA,
      ENTERPRISE_USER_SCHEMA,
      'urn:ietf:params:scim:schemas:core:2.0:Group',
      'urn:ietf:params:scim:schemas:core:2.0:Role',
      'urn:ietf:params:scim:schemas:core:2.0:Entitlement',
    ])
    expect(registry.resourceTypes().map((rt) => rt.endpoint)).toEqual([
      '/Users',
      '/Groups',
      '/Roles',
      '/Entitlements',
    ])
    expect(registry.getResourceType('group')?.schema).toBe('urn:ietf:params:scim:schemas:core:2.0:Group')
  })
})

describe('host extensions', () => {
  const urn = 'urn:acme:params:scim:schemas:extension:2.0:User'

  it('fills RFC 7643 §2.2 defaults', () => {
    const schema = defineSchema({ id: urn, attributes: [{ name: 'badge', type: 'string' }] })
    expect(schema.name).toBe('User')
    expect(schema.attributes[0]).toEqual({
      name: 'badge',
      type: 'string',
      multiValued: false,
      description: '',
      required: false,
      caseExact: false,
      mutability: 'readWrite',
      returned: 'default',
      uniqueness: 'none',
    })
  })

  it('attaches to a resource type without changing the built-in registry', () => {
    const registry = createSchemaRegistry({
      extensions: [
        { resourceType: 'User', schema: { id: urn, attributes: [{ name: 'badge', type: 'string' }] } },
      ],
    })
    expect(registry.getResourceType('User')?.schemaExtensions.map((e) => e.schema)).toEqual([
      ENTERPRISE_USER_SCHEMA,
      urn,
    ])
    expect(registry.resolve('User', { schema: urn, attribute: 'badge' })?.inExtension).toBe(true)
    expect(createSchemaRegistry().getSchema(urn)).toBeUndefined()
  })

  it.each([
    [{ id: 'not-a-urn', attributes: [] }, 'must be a URN'],
    [{ id: urn, attributes: [{ name: '1x', type: 'string' }] }, 'invalid attribute name'],
    [{ id: urn, attributes: [{ name: '__proto__', type: 'string' }] }, 'invalid attribute name'],
    [{ id: urn, attributes: [{ name: 'a', type: 'text' }] }, 'unknown type'],
    [
      {
        id: urn,
        attributes: [
          { name: 'a', type: 'string' },
          { name: 'A', type: 'string' },
        ],
      },
      'defined twice',
    ],
    [{ id: urn, attributes: [{ name: 'a', type: 'complex' }] }, 'needs "subAttributes"'],
    [
      {
        id: urn,
        attributes: [
          { name: 'a', type: 'complex', subAttributes: [{ name: 'b', type: 'complex', subAttributes: [] }] },
        ],
      },
      'complex inside a complex',
    ],
    [{ id: urn, attributes: [{ name: 'a', type: 'string', subAttributes: [] }] }, 'is not complex'],
    [{ id: urn, attributes: [{ name: 'a', type: 'string', mutability: 'sometimes' }] }, 'unknown mutability'],
    [{ id: USER_SCHEMA, attributes: [] }, 'already registered'],
  ])('rejects a bad definition with a TypeError (%#)', (schema, message) => {
    expect(() =>
      createSchemaRegistry({ extensions: [{ resourceType: 'User', schema: schema as never }] }),
    ).toThrow(new RegExp(message.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
  })

  it('rejects an unknown resource type', () => {
    expect(() =>
      createSchemaRegistry({ extensions: [{ resourceType: 'Device', schema: { id: urn, attributes: [] } }] }),
    ).toThrow(TypeError)
  })
})
