// The RFC 7643 core schemas as data: common attributes (§3.1), User (§4.1), Group (§4.2), Enterprise User (§4.3).
import type { AttributeDefinition, ResourceTypeDefinition, SchemaDefinition } from '../../types/schema'
import { attribute } from './define'

/** URN of the core User schema. RFC 7643 §4.1. */
export const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User'
/** URN of the core Group schema. RFC 7643 §4.2. */
export const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group'
/** URN of the Enterprise User extension. RFC 7643 §4.3. */
export const ENTERPRISE_USER_SCHEMA = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User'

/** The attributes every resource has (RFC 7643 §3, §3.1). They belong to no schema's `attributes` list. */
export const COMMON_ATTRIBUTES: readonly AttributeDefinition[] = Object.freeze([
  // RFC 7643 §3: every resource names its schemas. Read-only to PATCH: the library derives it from the body.
  attribute('schemas', 'reference', {
    description: 'URNs of the schemas the resource uses.',
    multiValued: true,
    required: true,
    mutability: 'readOnly',
    returned: 'always',
    referenceTypes: ['uri'],
  }),
  attribute('id', 'string', {
    description: 'Identifier of the resource, issued by the service provider.',
    caseExact: true,
    mutability: 'readOnly',
    returned: 'always',
    uniqueness: 'server',
  }),
  attribute('externalId', 'string', {
    description: 'Identifier of the resource at the provisioning client; an opaque string.',
    caseExact: true,
  }),
  attribute('meta', 'complex', {
    description: 'Resource metadata maintained by the service provider.',
    mutability: 'readOnly',
    subAttributes: [
      attribute('resourceType', 'string', {
        caseExact: true,
        mutability: 'readOnly',
        description: 'Resource type.',
      }),
      attribute('created', 'dateTime', {
        mutability: 'readOnly',
        description: 'When the resource was added.',
      }),
      attribute('lastModified', 'dateTime', { mutability: 'readOnly', description: 'When it last changed.' }),
      attribute('location', 'reference', {
        caseExact: true,
        mutability: 'readOnly',
        referenceTypes: ['uri'],
        description: 'URI of the resource.',
      }),
      attribute('version', 'string', { caseExact: true, mutability: 'readOnly', description: 'Entity tag.' }),
    ],
  }),
])

/** A multi-valued `{value, display, type, primary}` attribute, the shape RFC 7643 §2.4 recommends. */
function multiValuedWithType(
  name: string,
  description: string,
  canonicalTypes: readonly string[] | undefined,
  valueType: 'string' | 'reference' | 'binary' = 'string',
  caseExactValue = false,
): AttributeDefinition {
  return attribute(name, 'complex', {
    multiValued: true,
    description,
    subAttributes: [
      attribute('value', valueType, {
        description: `The ${name} value.`,
        ...(caseExactValue ? { caseExact: true } : {}),
        ...(valueType === 'reference' ? { referenceTypes: ['external'] } : {}),
      }),
      attribute('display', 'string', { description: 'Human-readable name, for display only.' }),
      attribute('type', 'string', {
        description: 'Label of the value\'s function, e.g. "work".',
        ...(canonicalTypes ? { canonicalValues: canonicalTypes } : {}),
      }),
      attribute('primary', 'boolean', { description: 'True for the preferred value; at most one element.' }),
    ],
  })
}

const nameSubAttribute = (name: string, description: string) => attribute(name, 'string', { description })

/** Core User schema. RFC 7643 §4.1 (characteristics as in §8.7.1). */
export const USER_SCHEMA_DEFINITION: SchemaDefinition = Object.freeze({
  id: USER_SCHEMA,
  name: 'User',
  description: 'User Account',
  attributes: Object.freeze([
    attribute('userName', 'string', {
      description: 'Unique identifier of the user for sign-in, e.g. the Entra userPrincipalName.',
      required: true,
      uniqueness: 'server',
    }),
    attribute('name', 'complex', {
      description: "Components of the user's name.",
      subAttributes: [
        nameSubAttribute('formatted', 'Full name, formatted for display.'),
        nameSubAttribute('familyName', 'Family name.'),
        nameSubAttribute('givenName', 'Given name.'),
        nameSubAttribute('middleName', 'Middle name.'),
        nameSubAttribute('honorificPrefix', 'Honorific prefix, e.g. "Ms.".'),
        nameSubAttribute('honorificSuffix', 'Honorific suffix, e.g. "III".'),
      ],
    }),
    attribute('displayName', 'string', { description: 'Name of the user, for display.' }),
    attribute('nickName', 'string', { description: 'Casual name of the user.' }),
    attribute('profileUrl', 'reference', {
      referenceTypes: ['external'],
      description: "URL of the user's profile.",
    }),
    attribute('title', 'string', { description: 'Job title.' }),
    attribute('userType', 'string', { description: 'Relationship to the organization, e.g. "Employee".' }),
    attribute('preferredLanguage', 'string', { description: 'Preferred language (RFC 7231 language tag).' }),
    attribute('locale', 'string', { description: 'Default location for localization.' }),
    attribute('timezone', 'string', { description: 'Time zone, in IANA database format.' }),
    attribute('active', 'boolean', { description: 'Administrative status: false disables the user.' }),
    attribute('password', 'string', {
      description: 'Clear-text password; write-only, never returned.',
      mutability: 'writeOnly',
      returned: 'never',
    }),
    multiValuedWithType('emails', 'Email addresses.', ['work', 'home', 'other']),
    multiValuedWithType('phoneNumbers', 'Phone numbers.', [
      'work',
      'home',
      'mobile',
      'fax',
      'pager',
      'other',
    ]),
    multiValuedWithType('ims', 'Instant messaging addresses.', [
      'aim',
      'gtalk',
      'icq',
      'xmpp',
      'msn',
      'skype',
      'qq',
      'yahoo',
    ]),
    multiValuedWithType('photos', 'URLs of photos of the user.', ['photo', 'thumbnail'], 'reference'),
    attribute('addresses', 'complex', {
      multiValued: true,
      description: 'Physical mailing addresses.',
      subAttributes: [
        nameSubAttribute('formatted', 'Full address, formatted for display.'),
        nameSubAttribute('streetAddress', 'Street address.'),
        nameSubAttribute('locality', 'City or locality.'),
        nameSubAttribute('region', 'State or region.'),
        nameSubAttribute('postalCode', 'Postal code.'),
        nameSubAttribute('country', 'Country, ISO 3166-1 alpha-2 code.'),
        attribute('type', 'string', {
          canonicalValues: ['work', 'home', 'other'],
          description: 'Kind of address.',
        }),
        attribute('primary', 'boolean', { description: 'True for the preferred address.' }),
      ],
    }),
    attribute('groups', 'complex', {
      multiValued: true,
      mutability: 'readOnly',
      description: 'Groups the user belongs to; changed through the Group resource, never here.',
      subAttributes: [
        attribute('value', 'string', { mutability: 'readOnly', description: 'Group id.' }),
        attribute('$ref', 'reference', {
          mutability: 'readOnly',
          referenceTypes: ['User', 'Group'],
          description: 'URI of the group.',
        }),
        attribute('display', 'string', { mutability: 'readOnly', description: 'Group display name.' }),
        attribute('type', 'string', {
          mutability: 'readOnly',
          canonicalValues: ['direct', 'indirect'],
          description: 'Direct or indirect membership.',
        }),
      ],
    }),
    // Unlike RFC 7643 §8.7.1, their values are case-exact: each names a Role or Entitlement by its id
    // (draft-ietf-scim-roles-entitlements), which the catalogue compares exactly, so a filter or a PATCH
    // path on `roles.value` compares as the catalogue does (one rule for one name).
    multiValuedWithType('entitlements', 'Entitlements of the user.', undefined, 'string', true),
    multiValuedWithType('roles', 'Roles of the user.', undefined, 'string', true),
    multiValuedWithType('x509Certificates', 'DER-encoded X.509 certificates.', undefined, 'binary'),
  ]),
})

/** Core Group schema. RFC 7643 §4.2 (characteristics as in §8.7.1; displayName is required per §4.2). */
export const GROUP_SCHEMA_DEFINITION: SchemaDefinition = Object.freeze({
  id: GROUP_SCHEMA,
  name: 'Group',
  description: 'Group',
  attributes: Object.freeze([
    attribute('displayName', 'string', { required: true, description: 'Name of the group.' }),
    attribute('members', 'complex', {
      multiValued: true,
      description: 'Members of the group.',
      subAttributes: [
        attribute('value', 'string', { mutability: 'immutable', caseExact: true, description: 'Member id.' }),
        attribute('$ref', 'reference', {
          mutability: 'immutable',
          referenceTypes: ['User', 'Group'],
          description: 'URI of the member.',
        }),
        attribute('type', 'string', {
          mutability: 'immutable',
          canonicalValues: ['User', 'Group'],
          description: 'Resource type of the member.',
        }),
        // Not in RFC 7643 §8.7.1, but Entra and Okta send it; declaring it keeps it filterable and harmless.
        attribute('display', 'string', { mutability: 'immutable', description: 'Member display name.' }),
      ],
    }),
  ]),
})

/** Enterprise User extension. RFC 7643 §4.3. */
export const ENTERPRISE_USER_SCHEMA_DEFINITION: SchemaDefinition = Object.freeze({
  id: ENTERPRISE_USER_SCHEMA,
  name: 'EnterpriseUser',
  description: 'Enterprise User',
  attributes: Object.freeze([
    attribute('employeeNumber', 'string', { description: 'Employee number, assigned by the organization.' }),
    attribute('costCenter', 'string', { description: 'Cost center.' }),
    attribute('organization', 'string', { description: 'Organization.' }),
    attribute('division', 'string', { description: 'Division.' }),
    attribute('department', 'string', { description: 'Department.' }),
    attribute('manager', 'complex', {
      description: "The user's manager.",
      subAttributes: [
        attribute('value', 'string', { caseExact: true, description: "Id of the manager's User resource." }),
        attribute('$ref', 'reference', { referenceTypes: ['User'], description: 'URI of the manager.' }),
        attribute('displayName', 'string', {
          mutability: 'readOnly',
          description: "Manager's display name.",
        }),
      ],
    }),
  ]),
})

/** The User resource type. RFC 7643 §6. */
export const USER_RESOURCE_TYPE: ResourceTypeDefinition = Object.freeze({
  id: 'User',
  name: 'User',
  endpoint: '/Users',
  description: 'User Account',
  schema: USER_SCHEMA,
  schemaExtensions: Object.freeze([Object.freeze({ schema: ENTERPRISE_USER_SCHEMA, required: false })]),
})

/** The Group resource type. RFC 7643 §6. */
export const GROUP_RESOURCE_TYPE: ResourceTypeDefinition = Object.freeze({
  id: 'Group',
  name: 'Group',
  endpoint: '/Groups',
  description: 'Group',
  schema: GROUP_SCHEMA,
  schemaExtensions: Object.freeze([]),
})
