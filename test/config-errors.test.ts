// The configuration error family: every TypeError express-scim throws for bad options or arguments carries a stable code.
import { staticTokens } from '../lib/auth/static-tokens'
import { configError, isConfigError, isScimError } from '../lib/errors'
import { filterToSql } from '../lib/filter/sql'
import { applyPatch, createPatcher } from '../lib/patch/apply'
import { createScimRouter } from '../lib/router'
import { createSamlLinker } from '../lib/saml/linker'
import { defineSchema } from '../lib/schema/define'
import { createSchemaRegistry } from '../lib/schema/registry'
import { MemorySessionRevoker } from '../lib/stores/memory-sessions'
import { MemoryTeamStore } from '../lib/stores/memory-teams'
import { MemoryUserStore } from '../lib/stores/memory-users'
import { createTelemetry } from '../lib/telemetry'
import type { ConfigErrorCode } from '../types/errors'
import type { ScimRouterOptions } from '../types/router'

const base = (): ScimRouterOptions => ({
  userStore: new MemoryUserStore(),
  sessionRevoker: new MemorySessionRevoker(),
  authenticate: staticTokens(['t0ken']),
})

/** What `run` throws, synchronously or as a rejection. */
async function thrown(run: () => unknown): Promise<unknown> {
  try {
    await run()
  } catch (error) {
    return error
  }
  throw new Error('expected a throw')
}

const cases: readonly [string, ConfigErrorCode, () => unknown][] = [
  [
    'an unknown router option',
    'ERR_UNKNOWN_OPTION',
    () => createScimRouter({ ...base(), userSyncEnable: true } as never),
  ],
  [
    'a missing userStore',
    'ERR_MISSING_OPTION',
    () => createScimRouter({ ...base(), userStore: undefined } as never),
  ],
  [
    'a missing authenticate',
    'ERR_MISSING_OPTION',
    () => createScimRouter({ ...base(), authenticate: undefined } as never),
  ],
  ['a bad maxResults', 'ERR_INVALID_OPTION', () => createScimRouter({ ...base(), maxResults: -1 })],
  ['a bad dialect', 'ERR_INVALID_OPTION', () => createScimRouter({ ...base(), dialect: 'loose' as never })],
  ['a bad bodyLimit', 'ERR_INVALID_OPTION', () => createScimRouter({ ...base(), bodyLimit: 'lots' })],
  [
    'a bad telemetry option',
    'ERR_INVALID_OPTION',
    () => createScimRouter({ ...base(), telemetry: 3 as never }),
  ],
  ['an unknown telemetry key', 'ERR_UNKNOWN_OPTION', () => createTelemetry({ tracer: {} } as never, '0')],
  [
    'an unknown memory store option',
    'ERR_UNKNOWN_OPTION',
    () => new MemoryTeamStore({ registy: 1 } as never),
  ],
  [
    'a PATCH engine for an unknown resource type',
    'ERR_INVALID_OPTION',
    () => createPatcher({ resourceType: 'Nope' }),
  ],
  [
    'a PATCH of a resource that is no object',
    'ERR_INVALID_ARGUMENT',
    () => applyPatch(7 as never, { Operations: [] } as never, { resourceType: 'User' }),
  ],
  ['an empty token list', 'ERR_INVALID_OPTION', () => staticTokens([])],
  ['a schema without attributes', 'ERR_INVALID_SCHEMA', () => defineSchema({ id: 'urn:acme:x' } as never)],
  [
    'extensions that are no array',
    'ERR_INVALID_OPTION',
    () => createSchemaRegistry({ extensions: 1 } as never),
  ],
  [
    'a filterToSql call without mapping',
    'ERR_INVALID_OPTION',
    () =>
      filterToSql(
        { kind: 'present', path: { kind: 'attributePath', attribute: 'userName' } },
        undefined as never,
      ),
  ],
  [
    'a memory store given fields that are no object',
    'ERR_INVALID_ARGUMENT',
    () =>
      new MemoryUserStore().create(1 as never, { tenant: 't', requestId: 'r', principal: { tenant: 't' } }),
  ],
  [
    'a SAML linker over a store without findAllByExternalId',
    'ERR_INVALID_OPTION',
    () => createSamlLinker({ userStore: { get() {} } } as never),
  ],
]

describe('configuration errors', () => {
  it.each(cases)('%s: a TypeError with code %s', async (_, code, run) => {
    const error = await thrown(run)
    expect(error).toBeInstanceOf(TypeError)
    expect(isConfigError(error)).toBe(true)
    expect(isScimError(error)).toBe(false)
    expect((error as { code: string }).code).toBe(code)
    expect((error as Error).message).toMatch(/^express-scim: /)
  })

  it('configError builds one: a TypeError, message prefixed, code kept', () => {
    const error = configError('ERR_INVALID_OPTION', 'maxResults must be a positive integer')
    expect(error).toBeInstanceOf(TypeError)
    expect(error.message).toBe('express-scim: maxResults must be a positive integer')
    expect(error.code).toBe('ERR_INVALID_OPTION')
  })

  it('isConfigError is false for SCIM errors, plain errors and TypeErrors without a code', () => {
    expect(isConfigError(new TypeError('x'))).toBe(false)
    expect(isConfigError(new Error('x'))).toBe(false)
    expect(isConfigError(undefined)).toBe(false)
  })
})
