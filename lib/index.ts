// express-scim root entry: the router, the memory stores, the errors stores throw, and the host contracts (re-exports only).

// The SCIM error body the router answers with (RFC 7644 §3.12) and its scimType keywords.
export type * from '../types/errors'
// Types the store contracts are written in (ListQuery's filter, TeamStore's members), so an adapter needs
// no other entry to implement them; express-scim/filter and express-scim/patch export them too.
export type { AttributePath, Filter } from '../types/filter'
export type { MemberChanges, MemberReference } from '../types/patch'
// The contracts a host implements or configures: router options and audit events, the store interfaces,
// the telemetry option.
export type * from '../types/router'
export type * from '../types/stores'
export type * from '../types/telemetry'
// The static-token authenticator: most hosts start with one bearer token per IdP connection, and
// bearerToken() reads the token for a host's own `authenticate`.
export { bearerToken, type StaticToken, staticTokens } from './auth/static-tokens'
// Errors stores throw and hosts recognise: uniquenessConflict() makes the router answer 409,
// versionMismatch() makes it retry or answer 412; scimError() and isScimError() for the rest;
// isConfigError() recognises the TypeErrors with a stable code thrown for bad options.
export {
  ERROR_SCHEMA_URN,
  isConfigError,
  isScimError,
  isVersionMismatch,
  type ScimError,
  scimError,
  uniquenessConflict,
  versionMismatch,
} from './errors'
// Representation helpers: adapter authors build the SCIM view of a stored record the way the router does.
export { grantResource } from './representation/grants'
export { groupResource, primaryEmail, userResource } from './representation/resources'
// The router: the product.
export { createScimRouter } from './router'
// Reference stores: run the router before the host's own adapters exist, and back tests and examples.
// The catalogue of roles or entitlements a host declares in code: fit for production (see there why).
export type { GrantKind } from './schema/grants'
export { MemoryGrantStore, type MemoryGrantStoreOptions } from './stores/memory-grants'
export {
  type MemorySessionOwner,
  type MemorySessionRevocation,
  MemorySessionRevoker,
} from './stores/memory-sessions'
export { MemoryTeamStore, type MemoryTeamStoreOptions } from './stores/memory-teams'
export {
  type LocalUserFields,
  MemoryUserStore,
  type MemoryUserStoreOptions,
  type TeamsOfUsers,
  type UserNameEmailNamespace,
} from './stores/memory-users'
