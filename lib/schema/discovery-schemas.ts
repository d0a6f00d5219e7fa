// The RFC 7643 §7 schemas of the discovery resources (ServiceProviderConfig, ResourceType, Schema) as data, served by /Schemas only: they are no resource type, so no filter, PATCH or validation ever reads them.
import type { AttributeDefinition, SchemaDefinition } from '../../types/schema'
import { attribute } from './define'

/** URN of the ServiceProviderConfig schema. RFC 7643 §5. */
export const SERVICE_PROVIDER_CONFIG_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig'
/** URN of the ResourceType schema. RFC 7643 §6. */
export const RESOURCE_TYPE_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:ResourceType'
/** URN of the Schema schema. RFC 7643 §7. */
export const SCHEMA_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Schema'

// RFC 7643 §5: "All attributes have a mutability of 'readOnly'." The same holds for §6 and §7.
const readOnly = { mutability: 'readOnly' } as const

/** A `{ supported }` feature of the service provider configuration. RFC 7643 §5. */
function feature(name: string, description: string, more: readonly AttributeDefinition[] = []) {
  return attribute(name, 'complex', {
    ...readOnly,
    required: true,
    description,
    subAttributes: [
      attribute('supported', 'boolean', {
        ...readOnly,
        required: true,
        description: 'Whether the service provider supports the operation.',
      }),
      ...more,
    ],
  })
}

/** `roles` or `entitlements` of `RolesAndEntitlements` (draft-ietf-scim-roles-entitlements-01 §5). */
function grantSupport(name: string, plural: string): AttributeDefinition {
  const flag = (sub: string, description: string) => attribute(sub, 'boolean', { ...readOnly, description })
  return attribute(name, 'complex', {
    ...readOnly,
    description: `${plural} options.`,
    subAttributes: [
      attribute('supported', 'boolean', {
        ...readOnly,
        required: true,
        description: `Whether the service provider serves /${plural}.`,
      }),
      flag(`multiple${plural}Supported`, `A user may hold several ${name}.`),
      flag('primarySupported', `A user's ${name} may mark one as primary.`),
      flag('typeSupported', `A user's ${name} may carry a type.`),
    ],
  })
}

const maximum = (name: string, description: string) =>
  attribute(name, 'integer', { ...readOnly, required: true, description })

/**
 * The ServiceProviderConfig schema, as RFC 7643 §8.7.2 shows it, with two additions that §5 defines but
 * the §8.7.2 listing leaves out: `etag` (REQUIRED in §5) and `authenticationSchemes.type` (REQUIRED in
 * §5); `authenticationSchemes.primary`, which the §8.5 example and this server's responses carry; and
 * `pagination` (RFC 9865 §4); and `RolesAndEntitlements` (draft-ietf-scim-roles-entitlements-01 §5).
 */
export const SERVICE_PROVIDER_CONFIG_SCHEMA_DEFINITION: SchemaDefinition = Object.freeze({
  id: SERVICE_PROVIDER_CONFIG_SCHEMA,
  name: 'Service Provider Configuration',
  description: "Schema for representing the service provider's configuration",
  attributes: Object.freeze([
    attribute('documentationUri', 'reference', {
      ...readOnly,
      referenceTypes: ['external'],
      description:
        "An HTTP-addressable URL pointing to the service provider's human-readable help documentation.",
    }),
    feature('patch', 'PATCH configuration options.'),
    feature('bulk', 'Bulk configuration options.', [
      maximum('maxOperations', 'The most operations a bulk request may hold.'),
      maximum('maxPayloadSize', 'The largest bulk request payload, in bytes.'),
    ]),
    feature('filter', 'Filter configuration options.', [
      maximum('maxResults', 'The most resources a response returns.'),
    ]),
    feature('changePassword', 'Options for changing a password.'),
    // RFC 9865 §4: how lists are paged.
    attribute('pagination', 'complex', {
      ...readOnly,
      description: 'Pagination options (RFC 9865).',
      subAttributes: [
        attribute('cursor', 'boolean', {
          ...readOnly,
          required: true,
          description: 'Cursor paging is supported.',
        }),
        attribute('index', 'boolean', {
          ...readOnly,
          required: true,
          description: 'Index paging is supported.',
        }),
        attribute('defaultPaginationMethod', 'string', {
          ...readOnly,
          canonicalValues: ['cursor', 'index'],
          description: 'The method used when a request names none.',
        }),
        attribute('defaultPageSize', 'integer', {
          ...readOnly,
          description: 'The page size when count is absent.',
        }),
        attribute('maxPageSize', 'integer', {
          ...readOnly,
          description: 'The largest page, whatever count says.',
        }),
        attribute('cursorTimeout', 'integer', {
          ...readOnly,
          description: 'Seconds a cursor stays valid between page requests.',
        }),
      ],
    }),
    feature('sort', 'Sorting options.'),
    feature('etag', 'ETag options.'),
    // draft-ietf-scim-roles-entitlements-01 §5.
    attribute('RolesAndEntitlements', 'complex', {
      ...readOnly,
      description: 'Roles and entitlements options (draft-ietf-scim-roles-entitlements).',
      subAttributes: [grantSupport('roles', 'Roles'), grantSupport('entitlements', 'Entitlements')],
    }),
    attribute('authenticationSchemes', 'complex', {
      ...readOnly,
      multiValued: true,
      required: true,
      description: 'The authentication schemes the service provider supports.',
      subAttributes: [
        attribute('type', 'string', {
          ...readOnly,
          required: true,
          canonicalValues: ['oauth', 'oauth2', 'oauthbearertoken', 'httpbasic', 'httpdigest'],
          description: 'The authentication scheme.',
        }),
        attribute('name', 'string', {
          ...readOnly,
          required: true,
          description: 'The common name of the scheme, e.g., "HTTP Basic".',
        }),
        attribute('description', 'string', {
          ...readOnly,
          required: true,
          description: 'A description of the scheme.',
        }),
        attribute('specUri', 'reference', {
          ...readOnly,
          referenceTypes: ['external'],
          description: "An HTTP-addressable URL pointing to the scheme's specification.",
        }),
        attribute('documentationUri', 'reference', {
          ...readOnly,
          referenceTypes: ['external'],
          description: "An HTTP-addressable URL pointing to the scheme's usage documentation.",
        }),
        attribute('primary', 'boolean', {
          ...readOnly,
          description: 'True for the preferred scheme.',
        }),
      ],
    }),
  ]),
})

/**
 * The ResourceType schema, as RFC 7643 §8.7.2 shows it, except that `schemaExtensions` is multi-valued:
 * §6 defines it as "a list" and every /ResourceTypes response (RFC 7643 §8.6, and this server's) holds
 * an array, while the §8.7.2 listing says `multiValued: false`.
 */
export const RESOURCE_TYPE_SCHEMA_DEFINITION: SchemaDefinition = Object.freeze({
  id: RESOURCE_TYPE_SCHEMA,
  name: 'ResourceType',
  description: 'Specifies the schema that describes a SCIM resource type',
  attributes: Object.freeze([
    attribute('id', 'string', {
      ...readOnly,
      description: "The resource type's server-unique id; may be the same as its name.",
    }),
    attribute('name', 'string', {
      ...readOnly,
      required: true,
      description: 'The resource type name, e.g., "User".',
    }),
    attribute('description', 'string', {
      ...readOnly,
      description: "The resource type's human-readable description.",
    }),
    attribute('endpoint', 'reference', {
      ...readOnly,
      required: true,
      referenceTypes: ['uri'],
      description: 'The resource type\'s endpoint, relative to the base URL, e.g., "/Users".',
    }),
    attribute('schema', 'reference', {
      ...readOnly,
      required: true,
      caseExact: true,
      referenceTypes: ['uri'],
      description: "The URI of the resource type's primary schema.",
    }),
    attribute('schemaExtensions', 'complex', {
      ...readOnly,
      multiValued: true,
      description: "The resource type's schema extensions.",
      subAttributes: [
        attribute('schema', 'reference', {
          ...readOnly,
          required: true,
          caseExact: true,
          referenceTypes: ['uri'],
          description: 'The URI of a schema extension.',
        }),
        attribute('required', 'boolean', {
          ...readOnly,
          required: true,
          description:
            'Whether every resource of this type must carry the extension (and its required attributes).',
        }),
      ],
    }),
  ]),
})

/** The sub-attributes that describe one attribute. RFC 7643 §7. */
function attributeCharacteristics(): AttributeDefinition[] {
  return [
    attribute('name', 'string', {
      ...readOnly,
      required: true,
      caseExact: true,
      description: "The attribute's name.",
    }),
    attribute('type', 'string', {
      ...readOnly,
      required: true,
      // RFC 7643 §2.3 defines `binary` too (this server's x509Certificates use it); the §8.7.2 list omits it.
      canonicalValues: [
        'string',
        'complex',
        'boolean',
        'decimal',
        'integer',
        'dateTime',
        'reference',
        'binary',
      ],
      description: "The attribute's data type.",
    }),
    attribute('multiValued', 'boolean', {
      ...readOnly,
      required: true,
      description: 'Whether the attribute holds a list of values.',
    }),
    attribute('description', 'string', {
      ...readOnly,
      caseExact: true,
      description: 'A human-readable description of the attribute.',
    }),
    attribute('required', 'boolean', {
      ...readOnly,
      description: 'Whether the attribute is required.',
    }),
    attribute('canonicalValues', 'string', {
      ...readOnly,
      multiValued: true,
      caseExact: true,
      description: 'Canonical values of the attribute, e.g., "work" and "home".',
    }),
    attribute('caseExact', 'boolean', {
      ...readOnly,
      description: 'Whether string comparisons of the attribute are case-sensitive.',
    }),
    attribute('mutability', 'string', {
      ...readOnly,
      caseExact: true,
      canonicalValues: ['readOnly', 'readWrite', 'immutable', 'writeOnly'],
      description: 'Whether and how the attribute may be changed.',
    }),
    attribute('returned', 'string', {
      ...readOnly,
      caseExact: true,
      canonicalValues: ['always', 'never', 'default', 'request'],
      description: 'When the attribute is returned in a response.',
    }),
    attribute('uniqueness', 'string', {
      ...readOnly,
      caseExact: true,
      canonicalValues: ['none', 'server', 'global'],
      description: 'How unique a value of the attribute must be.',
    }),
    attribute('referenceTypes', 'string', {
      ...readOnly,
      multiValued: true,
      caseExact: true,
      description: 'For a reference attribute: the resource types (or "external", "uri") it may refer to.',
    }),
  ]
}

/**
 * The Schema schema, as RFC 7643 §8.7.2 shows it. RFC 7643 §7: unlike other resources, a Schema may
 * hold a complex attribute inside a complex one, which `attributes.subAttributes` does.
 */
export const SCHEMA_SCHEMA_DEFINITION: SchemaDefinition = Object.freeze({
  id: SCHEMA_SCHEMA,
  name: 'Schema',
  description: 'Specifies the schema that describes a SCIM schema',
  attributes: Object.freeze([
    attribute('id', 'string', {
      ...readOnly,
      required: true,
      description: 'The unique URI of the schema.',
    }),
    attribute('name', 'string', {
      ...readOnly,
      required: true,
      description: 'The schema\'s human-readable name, e.g., "User".',
    }),
    attribute('description', 'string', {
      ...readOnly,
      description: "The schema's human-readable description.",
    }),
    attribute('attributes', 'complex', {
      ...readOnly,
      multiValued: true,
      required: true,
      description: 'The attributes of the schema.',
      subAttributes: [
        ...attributeCharacteristics(),
        attribute('subAttributes', 'complex', {
          ...readOnly,
          multiValued: true,
          description: 'The sub-attributes of a complex attribute.',
          subAttributes: attributeCharacteristics(),
        }),
      ],
    }),
  ]),
})

/** The three discovery schemas, in the order /Schemas lists them (after the resource schemas). */
export const DISCOVERY_SCHEMAS: readonly SchemaDefinition[] = Object.freeze([
  SERVICE_PROVIDER_CONFIG_SCHEMA_DEFINITION,
  RESOURCE_TYPE_SCHEMA_DEFINITION,
  SCHEMA_SCHEMA_DEFINITION,
])
