// Checks createScimRouter() options once, failing fast with a TypeError, and builds the router's internal configuration.

import type {
  Authenticate,
  AuthenticationScheme,
  ScimEvent,
  ScimRouterOptions,
  SettingsProvider,
} from '../types/router'
import type {
  Awaitable,
  GrantStore,
  RequestContext,
  SessionRevoker,
  StoredUser,
  TeamStore,
  UserStore,
} from '../types/stores'
import type { TelemetryOptions } from '../types/telemetry'
import { bulkLimits } from './bulk-options'
import { createFilterParser, DEFAULT_FILTER_LIMITS, type FilterParser } from './filter/parser'
import { parseByteSize } from './http/body'
import { isObject } from './json'
import { checkKnownKeys, fail, positiveInteger } from './option-checks'
import {
  createPatcher,
  DEFAULT_MAX_OPERATIONS,
  DEFAULT_MAX_VALUE_FILTER_TESTS,
  type Patcher,
} from './patch/apply'
import type { BulkLimits } from './resources/bulk-request'
import { type CursorSettings, readCursorPaging } from './resources/cursor-settings'
import {
  DEFAULT_MAX_RESOURCE_BYTES,
  DEFAULT_MAX_VALUES_PER_ATTRIBUTE,
  type ResourceLimits,
} from './resources/limits'
import { createProjection, type Projection } from './resources/projection'
import { createResourceValidator, type ResourceValidator } from './resources/validate'
import { createSchemaRegistry, type SchemaRegistry } from './schema/registry'

/** The four switches, all decided. */
export interface ResolvedSettings {
  readonly userSyncEnabled: boolean
  readonly groupSyncEnabled: boolean
  readonly rejectNonProvisionedUsers: boolean
  readonly teamSyncEnabled: boolean
}

/** The router's checked configuration. Built once per router; nothing in it is shared between routers. */
export interface Configuration {
  readonly userStore: UserStore
  readonly teamStore: TeamStore | undefined
  /** The host's roles: /Roles is served, and `roles` checked on writes, only with it. */
  readonly roleStore: GrantStore | undefined
  /** The host's entitlements: /Entitlements is served, and `entitlements` checked on writes, only with it. */
  readonly entitlementStore: GrantStore | undefined
  readonly sessionRevoker: SessionRevoker
  readonly authenticate: Authenticate
  readonly settings: SettingsProvider | undefined
  readonly staticSettings: ResolvedSettings
  readonly registry: SchemaRegistry
  readonly baseUrl: string | undefined
  readonly defaultCount: number
  readonly maxResults: number
  readonly bodyLimit: number
  readonly filterParser: FilterParser
  readonly userPatcher: Patcher
  /** Patches groups without reading their members; see `requiresMemberList`. */
  readonly groupPatcher: Patcher | undefined
  /** Patches groups whose member list has been read (the rare requests that need it). */
  readonly groupPatcherWithMembers: Patcher | undefined
  /** The projection of responses without `attributes` / `excludedAttributes`, built once per type. */
  readonly defaultProjections: {
    readonly User: Projection
    readonly Group: Projection | undefined
    readonly Role: Projection
    readonly Entitlement: Projection
  }
  readonly userValidator: ResourceValidator
  readonly groupValidator: ResourceValidator | undefined
  readonly userDeletion: 'delete' | 'disable'
  readonly maxPatchRetries: number
  readonly maxOperations: number
  /** Values per multi-valued attribute and bytes per stored resource. */
  readonly limits: ResourceLimits
  /** Most bytes of resources in one list response. */
  readonly maxResponseBytes: number
  /** The dialect in force: filters read it too. */
  readonly dialect: 'lenient' | 'strict'
  readonly adoptLocalUsers: boolean
  readonly isProtectedUser: ((user: StoredUser, context: RequestContext) => Awaitable<boolean>) | undefined
  /** The key and timeout of cursors, or undefined when cursor paging is off. */
  readonly cursors: CursorSettings | undefined
  /** /Bulk's limits, or undefined when `bulk: false` turns it off. */
  readonly bulk: BulkLimits | undefined
  /** The `resolveMe` hook: /Me is served only with it. */
  readonly resolveMe: ((context: RequestContext) => Awaitable<string | undefined | null>) | undefined
  readonly authenticationSchemes: readonly AuthenticationScheme[]
  readonly documentationUri: string | undefined
  readonly onEvent: ((event: ScimEvent) => void | Promise<void>) | undefined
  /** The `telemetry` option, checked by createTelemetry(). */
  readonly telemetry: TelemetryOptions | false | undefined
}

const USER_STORE_METHODS = ['create', 'get', 'list', 'update', 'delete'] as const
const TEAM_STORE_METHODS = [
  'create',
  'get',
  'list',
  'update',
  'delete',
  'addMembers',
  'removeMembers',
  'replaceMembers',
  'listMembers',
  'removeUserFromTeams',
] as const

const GRANT_STORE_METHODS = ['list', 'get', 'find'] as const

const DEFAULT_AUTHENTICATION_SCHEME: AuthenticationScheme = Object.freeze({
  type: 'oauthbearertoken',
  name: 'OAuth Bearer Token',
  description: 'Authentication with a bearer token in the Authorization header (RFC 6750).',
  specUri: 'https://www.rfc-editor.org/rfc/rfc6750',
  primary: true,
})

function checkStore(store: unknown, name: string, methods: readonly string[]): void {
  if (store === undefined || store === null) fail(`${name} is required`, 'ERR_MISSING_OPTION')
  if (!isObject(store) && typeof store !== 'function')
    fail(`${name} must be an object with the methods ${methods.join(', ')}`)
  const missing = methods.filter((m) => typeof (store as Record<string, unknown>)[m] !== 'function')
  if (missing.length > 0) fail(`${name} lacks required method(s): ${missing.join(', ')}`)
}

function checkOptional(store: unknown, name: string, methods: readonly string[]): void {
  for (const method of methods) {
    const value = (store as Record<string, unknown>)[method]
    if (value !== undefined && value !== null && typeof value !== 'function') {
      fail(`${name}.${method} must be a function when present`)
    }
  }
}

function optionalBoolean(options: ScimRouterOptions, name: keyof ResolvedSettings): boolean {
  const value = options[name]
  if (value === undefined) return false
  if (typeof value !== 'boolean') fail(`${name} must be a boolean`)
  return value
}

/**
 * The four switches with Grafana's rule applied: group sync and team sync cannot both be on, because
 * two owners of one team's membership would undo each other's changes.
 */
export function checkSettings(settings: ResolvedSettings): ResolvedSettings {
  if (settings.groupSyncEnabled && settings.teamSyncEnabled) {
    fail('groupSyncEnabled and teamSyncEnabled cannot both be true (two owners of team membership)')
  }
  return settings
}

/** Checks every option and builds the configuration. Throws a TypeError naming the first bad option. */
export function parseOptions(options: ScimRouterOptions): Configuration {
  if (!isObject(options)) fail('createScimRouter needs an options object')
  checkKnownKeys(options)
  checkStore(options.userStore, 'userStore', USER_STORE_METHODS)
  if (options.teamStore !== undefined) checkStore(options.teamStore, 'teamStore', TEAM_STORE_METHODS)
  checkStore(options.sessionRevoker, 'sessionRevoker', ['revokeUserSessions'])
  if (options.roleStore !== undefined) checkStore(options.roleStore, 'roleStore', GRANT_STORE_METHODS)
  if (options.entitlementStore !== undefined)
    checkStore(options.entitlementStore, 'entitlementStore', GRANT_STORE_METHODS)
  // Optional methods are detected once: present means callable.
  checkOptional(options.userStore, 'userStore', ['findExisting', 'findByUserNameOrEmail', 'listAfter'])
  if (options.teamStore !== undefined) {
    checkOptional(options.teamStore, 'teamStore', [
      'applyChange',
      'listMembersOfTeams',
      'listTeamsOfUsers',
      'listAfter',
    ])
  }
  if (typeof options.authenticate !== 'function') {
    fail(
      'authenticate is required: a function (req) => principal, e.g. staticTokens([...])',
      'ERR_MISSING_OPTION',
    )
  }
  if (options.settings !== undefined && typeof options.settings !== 'function') {
    fail('settings must be a function (tenant, principal) => settings')
  }
  if (options.onEvent !== undefined && typeof options.onEvent !== 'function')
    fail('onEvent must be a function')
  const staticSettings = checkSettings({
    userSyncEnabled: optionalBoolean(options, 'userSyncEnabled'),
    groupSyncEnabled: optionalBoolean(options, 'groupSyncEnabled'),
    rejectNonProvisionedUsers: optionalBoolean(options, 'rejectNonProvisionedUsers'),
    teamSyncEnabled: optionalBoolean(options, 'teamSyncEnabled'),
  })

  let baseUrl: string | undefined
  if (options.baseUrl !== undefined) {
    let url: URL
    try {
      url = new URL(String(options.baseUrl))
    } catch {
      fail('baseUrl must be an absolute http(s) URL')
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') fail('baseUrl must be an http(s) URL')
    // It is copied into every meta.location: no credentials, query or fragment may ride along.
    if (url.username || url.password || url.search || url.hash) {
      fail('baseUrl must not carry credentials, a query or a fragment')
    }
    baseUrl = url.href.replace(/\/+$/, '')
  }

  const maxResults = positiveInteger(options.maxResults, 'maxResults', 1000)
  const defaultCount = positiveInteger(options.defaultCount, 'defaultCount', Math.min(100, maxResults))
  if (defaultCount > maxResults) fail('defaultCount cannot exceed maxResults')
  const dialect = options.dialect ?? 'lenient'
  if (dialect !== 'lenient' && dialect !== 'strict') fail("dialect must be 'lenient' or 'strict'")
  const userDeletion = options.userDeletion ?? 'delete'
  if (userDeletion !== 'delete' && userDeletion !== 'disable')
    fail("userDeletion must be 'delete' or 'disable'")
  if (options.extensions !== undefined && !Array.isArray(options.extensions))
    fail('extensions must be an array')
  if (options.filterLimits !== undefined && !isObject(options.filterLimits))
    fail('filterLimits must be an object')
  if (options.documentationUri !== undefined && typeof options.documentationUri !== 'string') {
    fail('documentationUri must be a string')
  }
  const adoptLocalUsers = options.adoptLocalUsers ?? false
  if (typeof adoptLocalUsers !== 'boolean') fail('adoptLocalUsers must be a boolean')
  if (adoptLocalUsers && typeof options.userStore.findByUserNameOrEmail !== 'function') {
    fail('adoptLocalUsers needs userStore.findByUserNameOrEmail(userName, email, context)')
  }
  if (options.isProtectedUser !== undefined) {
    if (typeof options.isProtectedUser !== 'function') fail('isProtectedUser must be a function')
    // Without adoption nothing is ever adopted: a predicate then means the host believes otherwise.
    if (!adoptLocalUsers) fail('isProtectedUser has no effect unless adoptLocalUsers is true')
  } else if (adoptLocalUsers) {
    // Adoption hands a local account to an IdP identity: the host must say which accounts never go.
    fail(
      'adoptLocalUsers needs isProtectedUser(user, context): return false for the users that may be adopted',
    )
  }
  if (options.resolveMe !== undefined && typeof options.resolveMe !== 'function') {
    fail('resolveMe must be a function (context) => user id')
  }
  const authenticationSchemes = options.authenticationSchemes ?? [DEFAULT_AUTHENTICATION_SCHEME]
  if (
    !Array.isArray(authenticationSchemes) ||
    !authenticationSchemes.every(
      (s) => isObject(s) && typeof s.type === 'string' && typeof s.name === 'string',
    )
  ) {
    fail('authenticationSchemes must be an array of { type, name, description }')
  }

  const grantSchemas = options.grantSchemas ?? 'ietf'
  if (grantSchemas !== 'ietf' && grantSchemas !== 'okta') fail("grantSchemas must be 'ietf' or 'okta'")
  const registry = createSchemaRegistry({ extensions: options.extensions ?? [], grantSchemas })
  const filterParser = createFilterParser({
    ...DEFAULT_FILTER_LIMITS,
    ...(options.filterLimits ?? {}),
    schemaUrns: registry.schemaUrns(),
    dialect,
  })
  const maxOperations = positiveInteger(options.maxOperations, 'maxOperations', DEFAULT_MAX_OPERATIONS)
  const maxValueFilterTests = positiveInteger(
    options.maxValueFilterTests,
    'maxValueFilterTests',
    DEFAULT_MAX_VALUE_FILTER_TESTS,
  )
  const limits: ResourceLimits = {
    maxValuesPerAttribute: positiveInteger(
      options.maxValuesPerAttribute,
      'maxValuesPerAttribute',
      DEFAULT_MAX_VALUES_PER_ATTRIBUTE,
    ),
    maxResourceBytes: parseByteSize(
      options.maxResourceBytes ?? DEFAULT_MAX_RESOURCE_BYTES,
      'maxResourceBytes',
    ),
  }
  const patchOptions = {
    registry,
    dialect,
    maxOperations,
    maxValueFilterTests,
    maxValuesPerAttribute: limits.maxValuesPerAttribute,
    ...(options.unmatchedFilter === undefined ? {} : { unmatchedFilter: options.unmatchedFilter }),
  }
  const teamStore = options.teamStore
  const groupType = registry.getResourceType('Group')!
  return {
    userStore: options.userStore,
    teamStore,
    roleStore: options.roleStore,
    entitlementStore: options.entitlementStore,
    sessionRevoker: options.sessionRevoker,
    authenticate: options.authenticate,
    settings: options.settings,
    staticSettings,
    registry,
    baseUrl,
    defaultCount,
    maxResults,
    bodyLimit: parseByteSize(options.bodyLimit ?? '1mb', 'bodyLimit'),
    filterParser,
    userPatcher: createPatcher({ ...patchOptions, resourceType: 'User' }),
    groupPatcher: teamStore
      ? createPatcher({ ...patchOptions, resourceType: 'Group', membersLoaded: false })
      : undefined,
    groupPatcherWithMembers: teamStore
      ? createPatcher({ ...patchOptions, resourceType: 'Group' })
      : undefined,
    defaultProjections: {
      User: createProjection(registry, 'User', filterParser, {}),
      Group: teamStore ? createProjection(registry, 'Group', filterParser, {}) : undefined,
      Role: createProjection(registry, 'Role', filterParser, {}),
      Entitlement: createProjection(registry, 'Entitlement', filterParser, {}),
    },
    userValidator: createResourceValidator(registry, registry.getResourceType('User')!, dialect),
    groupValidator: teamStore ? createResourceValidator(registry, groupType, dialect) : undefined,
    userDeletion,
    maxPatchRetries: positiveInteger(options.maxPatchRetries, 'maxPatchRetries', 5),
    maxOperations,
    limits,
    maxResponseBytes: parseByteSize(options.maxResponseBytes ?? '2mb', 'maxResponseBytes'),
    dialect,
    adoptLocalUsers,
    isProtectedUser: options.isProtectedUser,
    resolveMe: options.resolveMe,
    bulk: bulkLimits(options.bulk),
    cursors: readCursorPaging(options.cursorPaging),
    authenticationSchemes,
    documentationUri: options.documentationUri,
    onEvent: options.onEvent,
    telemetry: options.telemetry,
  }
}
