// The Role and Entitlement schemas and resource types (draft-ietf-scim-roles-entitlements, Okta's entitlement discovery): what /Roles and /Entitlements serve.
import type { AttributeDefinition, ResourceTypeDefinition, SchemaDefinition } from '../../types/schema'
import { attribute } from './define'

/** Which URNs the Role and Entitlement resource types carry: the draft's, or the ones Okta discovers. */
export type GrantSchemas = 'ietf' | 'okta'

/** The two kinds of grant a host may declare: roles (`roleStore`) and entitlements (`entitlementStore`). */
export type GrantKind = 'Role' | 'Entitlement'

/** URNs of the Role and Entitlement schemas, by the `grantSchemas` option. */
export const GRANT_SCHEMA_URNS: Readonly<Record<GrantSchemas, Readonly<Record<GrantKind, string>>>> =
  Object.freeze({
    // draft-ietf-scim-roles-entitlements-01 §3, §4.
    ietf: Object.freeze({
      Role: 'urn:ietf:params:scim:schemas:core:2.0:Role',
      Entitlement: 'urn:ietf:params:scim:schemas:core:2.0:Entitlement',
    }),
    // Okta Identity Governance discovers resource types whose `schema` is one of these.
    okta: Object.freeze({
      Role: 'urn:okta:scim:schemas:core:1.0:Role',
      Entitlement: 'urn:okta:scim:schemas:core:1.0:Entitlement',
    }),
  })

/**
 * The attributes of a Role or an Entitlement: the draft's (`value`, `display`, `type`, `supported`) and
 * Okta's (`displayName`, `description`), all served, all read-only: the catalogue is the host's.
 */
function grantAttributes(kind: GrantKind): readonly AttributeDefinition[] {
  const what = kind.toLowerCase()
  return Object.freeze([
    attribute('value', 'string', {
      required: true,
      caseExact: true,
      mutability: 'readOnly',
      uniqueness: 'server',
      description: `What a user carries for this ${what} in ${what}s[].value; the same as its id.`,
    }),
    attribute('displayName', 'string', {
      required: true,
      mutability: 'readOnly',
      description: `Human-readable name of the ${what} (Okta).`,
    }),
    attribute('display', 'string', {
      mutability: 'readOnly',
      description: `Human-readable name of the ${what} (draft-ietf-scim-roles-entitlements).`,
    }),
    attribute('type', 'string', { mutability: 'readOnly', description: `Kind of ${what}.` }),
    attribute('description', 'string', { mutability: 'readOnly', description: `What the ${what} grants.` }),
    attribute('supported', 'boolean', {
      mutability: 'readOnly',
      description: `False when the host manages the ${what} itself: SCIM never grants it, and keeps it where held.`,
    }),
  ])
}

const ROLE_ATTRIBUTES = grantAttributes('Role')
const ENTITLEMENT_ATTRIBUTES = grantAttributes('Entitlement')

/** The Role or Entitlement schema under the URNs `grantSchemas` chooses. */
export function grantSchemaDefinition(kind: GrantKind, schemas: GrantSchemas): SchemaDefinition {
  return Object.freeze({
    id: GRANT_SCHEMA_URNS[schemas][kind],
    name: kind,
    description:
      kind === 'Role' ? 'A role the service provider grants' : 'An entitlement the service provider grants',
    attributes: kind === 'Role' ? ROLE_ATTRIBUTES : ENTITLEMENT_ATTRIBUTES,
  })
}

/** The Role or Entitlement resource type: served at /Roles or /Entitlements when the host gives a catalogue. */
export function grantResourceType(kind: GrantKind, schemas: GrantSchemas): ResourceTypeDefinition {
  return Object.freeze({
    id: kind,
    name: kind,
    endpoint: kind === 'Role' ? '/Roles' : '/Entitlements',
    description: kind,
    schema: GRANT_SCHEMA_URNS[schemas][kind],
    schemaExtensions: Object.freeze([]),
  })
}
