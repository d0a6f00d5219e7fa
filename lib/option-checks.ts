// What every option check shares: the names of createScimRouter()'s options (any other key is a TypeError naming the closest one), and the TypeError of a bad value.

import type { ConfigErrorCode } from '../types/errors'
import type { ScimRouterOptions } from '../types/router'
import { closestName } from './closest-name'
import { configError } from './errors'

/** Throws the TypeError of a bad option. */
export function fail(message: string, code: ConfigErrorCode = 'ERR_INVALID_OPTION'): never {
  throw configError(code, message)
}

/** A positive integer option, or `fallback` when it is not given. */
export function positiveInteger(value: unknown, name: string, fallback: number): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    fail(`${name} must be a positive integer`)
  }
  return value
}

/**
 * Every option `createScimRouter()` reads: the keys of `ScimRouterOptions`. Any other key is refused,
 * because a misspelt option (`userSyncEnable`) would otherwise leave its feature silently off.
 */
export const KNOWN_OPTIONS = Object.freeze([
  'userStore',
  'teamStore',
  'sessionRevoker',
  'authenticate',
  'settings',
  'userSyncEnabled',
  'groupSyncEnabled',
  'rejectNonProvisionedUsers',
  'teamSyncEnabled',
  'extensions',
  'baseUrl',
  'defaultCount',
  'maxResults',
  'bodyLimit',
  'filterLimits',
  'maxOperations',
  'maxValueFilterTests',
  'maxValuesPerAttribute',
  'maxResourceBytes',
  'maxResponseBytes',
  'dialect',
  'unmatchedFilter',
  'userDeletion',
  'maxPatchRetries',
  'authenticationSchemes',
  'documentationUri',
  'adoptLocalUsers',
  'isProtectedUser',
  'resolveMe',
  'roleStore',
  'entitlementStore',
  'grantSchemas',
  'bulk',
  'cursorPaging',
  'onEvent',
  'telemetry',
] as const)

// Compile-time check that the list names every key of ScimRouterOptions: an option added to the type
// but not here would be refused as unknown.
type UnlistedOption = Exclude<keyof ScimRouterOptions, (typeof KNOWN_OPTIONS)[number]>
const everyOptionListed: [UnlistedOption] extends [never] ? true : UnlistedOption = true
void everyOptionListed

const KNOWN_OPTION_SET: ReadonlySet<string> = new Set(KNOWN_OPTIONS)

/** Throws a TypeError for the first key that is not an option, with the closest option's name. */
export function checkKnownKeys(options: object): void {
  for (const key of Object.keys(options)) {
    if (KNOWN_OPTION_SET.has(key)) continue
    const suggestion = closestName(key, KNOWN_OPTIONS)
    throw configError(
      'ERR_UNKNOWN_OPTION',
      `unknown option '${key}'${suggestion ? ` (did you mean '${suggestion}'?)` : ''}`,
    )
  }
}
