// express-scim/schema: the RFC 7643 schemas as data, host extension schemas, and the registry every layer reads.

// Attribute and schema definitions, resource types, and the inputs of defineSchema() and extensions.
export type * from '../../types/schema'
// The core User, Group and Enterprise User schemas (RFC 7643 §4) and resource types: hosts read their
// characteristics and URNs (`schemas` values, extension keys).
export {
  COMMON_ATTRIBUTES,
  ENTERPRISE_USER_SCHEMA,
  ENTERPRISE_USER_SCHEMA_DEFINITION,
  GROUP_RESOURCE_TYPE,
  GROUP_SCHEMA,
  GROUP_SCHEMA_DEFINITION,
  USER_RESOURCE_TYPE,
  USER_SCHEMA,
  USER_SCHEMA_DEFINITION,
} from './core'
// Extension schemas: a host writes its own attributes once, with RFC 7643 §2.2 defaults filled in.
export { defineSchema } from './define'
// The one case-insensitive fold (caseExact false): stores keep folded copies of names with it (SQL folded
// columns, uniqueness indexes) so they compare as matchesFilter() does.
export { foldCase } from './fold'
// The Role and Entitlement schemas (draft-ietf-scim-roles-entitlements; Okta's URNs under `grantSchemas: 'okta'`).
export {
  GRANT_SCHEMA_URNS,
  type GrantKind,
  type GrantSchemas,
  grantResourceType,
  grantSchemaDefinition,
} from './grants'
// The registry: the schemas with host extensions, passed to the filter, SQL and PATCH functions and stores.
export {
  createSchemaRegistry,
  findSubAttribute,
  SchemaRegistry,
  type SchemaRegistryOptions,
} from './registry'
