// express-scim public entry: re-exports only. Each line says why the export is public.

// Public contracts (types only).
export type * from '../types/errors'
export type * from '../types/filter'
export type * from '../types/patch'
export type * from '../types/router'
export type * from '../types/saml'
export type * from '../types/schema'
export type * from '../types/sql'
export type * from '../types/stores'
// The static-token authenticator: most hosts start with one bearer token per IdP connection.
export { bearerToken, type StaticToken, staticTokens } from './auth/static-tokens'
export type { PatchDialect } from './dialect'
// Errors: hosts and adapters throw and recognise the same SCIM errors the router answers with.
// Stores throw uniquenessConflict() / versionMismatch() so the router answers 409 / retries or 412.
export {
  ERROR_SCHEMA_URN,
  isScimError,
  isVersionMismatch,
  type ScimError,
  scimError,
  scimErrorBody,
  uniquenessConflict,
  versionMismatch,
} from './errors'
export {
  compileFilter,
  type FilterPredicate,
  isPresent,
  type MatchFilterOptions,
  matchesFilter,
} from './filter/evaluate'
// Filters: adapter authors receive the AST and evaluate it in memory or push it down to SQL.
export {
  createFilterParser,
  DEFAULT_FILTER_LIMITS,
  type FilterParser,
  parseFilter,
  parsePatchPath,
} from './filter/parser'
export { createSqlFilterCompiler, escapeLike, filterToSql, type SqlFilterCompiler } from './filter/sql'
export { stringifyAttributePath, stringifyFilter, stringifyPatchPath } from './filter/stringify'
// PATCH: the router applies it, and hosts with their own HTTP layer can too.
export {
  type ApplyPatchOptions,
  applyPatch,
  createPatcher,
  DEFAULT_MAX_OPERATIONS,
  PATCH_OP_SCHEMA,
  type Patcher,
  requiresMemberList,
} from './patch/apply'
// Representation helpers: adapter authors build the SCIM view of a stored record the way the router does.
export { groupResource, primaryEmail, userResource } from './representation/resources'
// The router: the product.
export { createScimRouter } from './router'
// SAML login linking: the host's login signs in the provisioned user by externalId, never by email.
export { isUserActive } from './saml/active-user'
export { isSamlLinkError, SamlLinkError } from './saml/errors'
export { DEFAULT_EXTERNAL_UID_ATTRIBUTE, ENTRA_OBJECT_ID_CLAIM } from './saml/external-uid'
export { createSamlLinker } from './saml/linker'
// Schemas: the single source of truth for attributes; hosts register extensions and read definitions.
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
} from './schema/core'
export { defineSchema } from './schema/define'
// The one case-insensitive fold: SQL stores fill their folded columns with it (see filterToSql).
export { foldCase } from './schema/fold'
export {
  createSchemaRegistry,
  findSubAttribute,
  SchemaRegistry,
  type SchemaRegistryOptions,
} from './schema/registry'
// Reference stores: run the router before the host's own adapters exist, and back tests and examples.
export {
  type MemorySessionOwner,
  type MemorySessionRevocation,
  MemorySessionRevoker,
} from './stores/memory-sessions'
export { MemoryTeamStore, type MemoryTeamStoreOptions } from './stores/memory-teams'
export { type LocalUserFields, MemoryUserStore, type MemoryUserStoreOptions } from './stores/memory-users'
