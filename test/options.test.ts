// Unit tests of parseOptions() and checkSettings(): one TypeError per bad option, defaults, teamStore-dependent parts, baseUrl.
import { createScimRouter } from '../lib'
import { KNOWN_OPTIONS } from '../lib/option-checks'
import { checkSettings, parseOptions } from '../lib/options'
import type { ScimRouterOptions } from '../types/router'
import type { SessionRevoker, TeamStore, UserStore } from '../types/stores'

const notCalled = () => {
  throw new Error('not called in these tests')
}

const userStore = (): UserStore => ({
  create: notCalled,
  get: notCalled,
  list: notCalled,
  update: notCalled,
  delete: notCalled,
})

const teamStore = (): TeamStore => ({
  create: notCalled,
  get: notCalled,
  list: notCalled,
  update: notCalled,
  delete: notCalled,
  addMembers: notCalled,
  removeMembers: notCalled,
  replaceMembers: notCalled,
  listMembers: notCalled,
  removeUserFromTeams: notCalled,
})

const sessionRevoker = (): SessionRevoker => ({ revokeUserSessions: notCalled })

const base = (extra: Record<string, unknown> = {}): ScimRouterOptions =>
  ({
    userStore: userStore(),
    sessionRevoker: sessionRevoker(),
    authenticate: () => undefined,
    ...extra,
  }) as ScimRouterOptions

const ACME_USER = 'urn:acme:params:scim:schemas:extension:2.0:User'

describe('parseOptions: defaults', () => {
  it('fills in every default', () => {
    const config = parseOptions(base())
    expect(config).toMatchObject({
      defaultCount: 100,
      maxResults: 1000,
      bodyLimit: 1048576,
      bulk: { maxOperations: 1000, maxPayloadSize: 1048576 },
      userDeletion: 'delete',
      maxPatchRetries: 5,
      baseUrl: undefined,
      teamStore: undefined,
      settings: undefined,
      onEvent: undefined,
      documentationUri: undefined,
      staticSettings: {
        userSyncEnabled: false,
        groupSyncEnabled: false,
        rejectNonProvisionedUsers: false,
        teamSyncEnabled: false,
      },
    })
    expect(config.authenticationSchemes).toEqual([
      expect.objectContaining({ type: 'oauthbearertoken', primary: true }),
    ])
  })

  it('caps the default page size at a smaller maxResults', () => {
    expect(parseOptions(base({ maxResults: 50 }))).toMatchObject({ maxResults: 50, defaultCount: 50 })
  })

  it('keeps given values', () => {
    const config = parseOptions(
      base({
        defaultCount: 10,
        maxResults: 20,
        bodyLimit: '512kb',
        userDeletion: 'disable',
        userSyncEnabled: true,
        groupSyncEnabled: true,
        rejectNonProvisionedUsers: true,
        maxPatchRetries: 2,
        maxOperations: 7,
        documentationUri: 'https://docs.example.com/scim',
      }),
    )
    expect(config).toMatchObject({
      defaultCount: 10,
      maxResults: 20,
      bodyLimit: 512 * 1024,
      userDeletion: 'disable',
      maxPatchRetries: 2,
      maxOperations: 7,
      documentationUri: 'https://docs.example.com/scim',
      staticSettings: {
        userSyncEnabled: true,
        groupSyncEnabled: true,
        rejectNonProvisionedUsers: true,
        teamSyncEnabled: false,
      },
    })
  })

  it('accepts a numeric bodyLimit', () => {
    expect(parseOptions(base({ bodyLimit: 2048 })).bodyLimit).toBe(2048)
  })

  it('reads cursorPaging: off by default, a random key of this router with true, the secret and timeout given', () => {
    expect(parseOptions(base()).cursors).toBeUndefined()
    expect(parseOptions(base({ cursorPaging: false })).cursors).toBeUndefined()
    const one = parseOptions(base({ cursorPaging: true })).cursors!
    const two = parseOptions(base({ cursorPaging: true })).cursors!
    expect(one.key).toHaveLength(32)
    expect(one.key.equals(two.key)).toBe(false)
    expect(one.timeout).toBe(3600)
    const secret = 's'.repeat(32)
    expect(parseOptions(base({ cursorPaging: { secret, timeout: 60 } })).cursors).toEqual({
      key: Buffer.from(secret),
      timeout: 60,
    })
    expect(parseOptions(base({ cursorPaging: { secret: new Uint8Array(32) } })).cursors!.key).toHaveLength(32)
  })

  it('reads the bulk limits, fills in the missing one, and turns /Bulk off with false', () => {
    expect(parseOptions(base({ bulk: { maxOperations: 5, maxPayloadSize: '2mb' } })).bulk).toEqual({
      maxOperations: 5,
      maxPayloadSize: 2 * 1024 * 1024,
    })
    expect(parseOptions(base({ bulk: { maxPayloadSize: 4096 } })).bulk).toEqual({
      maxOperations: 1000,
      maxPayloadSize: 4096,
    })
    expect(parseOptions(base({ bulk: false })).bulk).toBeUndefined()
  })
})

describe('parseOptions: teamStore', () => {
  it('builds no group machinery without a teamStore', () => {
    const config = parseOptions(base())
    expect(config.teamStore).toBeUndefined()
    expect(config.groupPatcher).toBeUndefined()
    expect(config.groupPatcherWithMembers).toBeUndefined()
    expect(config.groupValidator).toBeUndefined()
    expect(config.userPatcher).toBeDefined()
    expect(config.userValidator).toBeDefined()
  })

  it('builds group patchers and validator with a teamStore', () => {
    const teams = teamStore()
    const config = parseOptions(base({ teamStore: teams }))
    expect(config.teamStore).toBe(teams)
    expect(config.groupPatcher).toBeDefined()
    expect(config.groupPatcherWithMembers).toBeDefined()
    expect(config.groupPatcher).not.toBe(config.groupPatcherWithMembers)
    expect(config.groupValidator).toBeDefined()
  })
})

describe('parseOptions: baseUrl', () => {
  it.each([
    ['https://example.com/scim', 'https://example.com/scim'],
    ['https://example.com/scim/', 'https://example.com/scim'],
    ['https://example.com/scim///', 'https://example.com/scim'],
    ['https://example.com', 'https://example.com'],
    ['https://example.com/', 'https://example.com'],
    ['HTTP://Example.COM:8080/Scim/v2/', 'http://example.com:8080/Scim/v2'],
  ])('normalises %s to %s', (given, expected) => {
    expect(parseOptions(base({ baseUrl: given })).baseUrl).toBe(expected)
  })

  it.each([
    'not a url',
    '/scim',
    'example.com/scim',
    'ftp://example.com/scim',
    'javascript:alert(1)',
    'file:///etc/passwd',
    'data:text/plain,hi',
    '',
  ])('throws a TypeError for %j', (baseUrl) => {
    expect(() => parseOptions(base({ baseUrl }))).toThrow(TypeError)
    expect(() => parseOptions(base({ baseUrl }))).toThrow(/baseUrl/)
  })
})

describe('parseOptions: bad options', () => {
  it.each<unknown>([undefined, null, 'options', 42, []])(
    'throws a TypeError for the options %p',
    (options) => {
      expect(() => parseOptions(options as ScimRouterOptions)).toThrow(TypeError)
    },
  )

  const { create: _create, ...userStoreWithoutCreate } = userStore()
  const { listMembers: _listMembers, ...teamStoreWithoutListMembers } = teamStore()

  it.each<[string, Record<string, unknown>, RegExp]>([
    ['no userStore', { userStore: undefined }, /userStore is required/],
    ['a userStore string', { userStore: 'users' }, /userStore/],
    ['a userStore without create', { userStore: userStoreWithoutCreate }, /userStore lacks .*create/],
    [
      'a userStore with a non-function get',
      { userStore: { ...userStore(), get: 'get' } },
      /userStore lacks .*get/,
    ],
    [
      'a teamStore without listMembers',
      { teamStore: teamStoreWithoutListMembers },
      /teamStore lacks .*listMembers/,
    ],
    ['a null teamStore', { teamStore: null }, /teamStore/],
    [
      'a teamStore with a non-function listTeamsOfUsers',
      { teamStore: { ...teamStore(), listTeamsOfUsers: true } },
      /teamStore\.listTeamsOfUsers must be a function/,
    ],
    ['no sessionRevoker', { sessionRevoker: undefined }, /sessionRevoker/],
    ['a sessionRevoker without revokeUserSessions', { sessionRevoker: {} }, /revokeUserSessions/],
    ['no authenticate', { authenticate: undefined }, /authenticate/],
    ['a string authenticate', { authenticate: 'Bearer x' }, /authenticate/],
    ['a non-function settings', { settings: { userSyncEnabled: true } }, /settings/],
    ['a non-function onEvent', { onEvent: 'log' }, /onEvent/],
    ['a string userSyncEnabled', { userSyncEnabled: 'true' }, /userSyncEnabled/],
    ['a number groupSyncEnabled', { groupSyncEnabled: 1 }, /groupSyncEnabled/],
    ['a null rejectNonProvisionedUsers', { rejectNonProvisionedUsers: null }, /rejectNonProvisionedUsers/],
    ['a string teamSyncEnabled', { teamSyncEnabled: 'false' }, /teamSyncEnabled/],
    ['group and team sync together', { groupSyncEnabled: true, teamSyncEnabled: true }, /cannot both/],
    ['a string cursorPaging', { cursorPaging: 'on' }, /cursorPaging must be true, false or/],
    ['a short cursorPaging secret', { cursorPaging: { secret: 'short' } }, /at least 32 bytes/],
    ['a numeric cursorPaging secret', { cursorPaging: { secret: 42 } }, /secret must be a string or bytes/],
    [
      'a zero cursorPaging timeout',
      { cursorPaging: { secret: 's'.repeat(32), timeout: 0 } },
      /timeout must be a positive/,
    ],
    [
      'cursorPaging without its secret',
      { cursorPaging: { timeout: 60 } },
      /needs a secret shared by every replica/,
    ],
    [
      'a misspelt cursorPaging option',
      { cursorPaging: { secrets: 'x'.repeat(40) } },
      /has no option 'secrets'/,
    ],
    ['a true bulk', { bulk: true }, /bulk must be false or/],
    ['a string bulk', { bulk: 'on' }, /bulk must be false or/],
    ['a zero bulk.maxOperations', { bulk: { maxOperations: 0 } }, /bulk\.maxOperations/],
    ['a fractional bulk.maxOperations', { bulk: { maxOperations: 2.5 } }, /bulk\.maxOperations/],
    ['a bad bulk.maxPayloadSize', { bulk: { maxPayloadSize: 'lots' } }, /bulk\.maxPayloadSize/],
    ['a misspelt bulk option', { bulk: { maxOps: 10 } }, /unknown bulk option 'maxOps'/],
    ['a zero maxResults', { maxResults: 0 }, /maxResults/],
    ['a fractional maxResults', { maxResults: 1.5 }, /maxResults/],
    ['a string maxResults', { maxResults: '100' }, /maxResults/],
    ['an infinite maxResults', { maxResults: Number.POSITIVE_INFINITY }, /maxResults/],
    ['a negative defaultCount', { defaultCount: -1 }, /defaultCount/],
    ['a NaN defaultCount', { defaultCount: Number.NaN }, /defaultCount/],
    ['defaultCount above maxResults', { defaultCount: 200, maxResults: 100 }, /defaultCount/],
    ['defaultCount above the default maxResults', { defaultCount: 1001 }, /defaultCount/],
    ['an unknown dialect', { dialect: 'loose' }, /dialect/],
    ['an unknown userDeletion', { userDeletion: 'soft' }, /userDeletion/],
    ['a non-array extensions', { extensions: {} }, /extensions/],
    ['a string filterLimits', { filterLimits: 'small' }, /filterLimits/],
    ['an array filterLimits', { filterLimits: [10] }, /filterLimits/],
    ['a number documentationUri', { documentationUri: 5 }, /documentationUri/],
    ['a string authenticationSchemes', { authenticationSchemes: 'bearer' }, /authenticationSchemes/],
    [
      'an authentication scheme without name',
      { authenticationSchemes: [{ type: 'x' }] },
      /authenticationSchemes/,
    ],
    ['a bad bodyLimit', { bodyLimit: 'huge' }, /bodyLimit/],
    ['a zero bodyLimit', { bodyLimit: 0 }, /bodyLimit/],
    ['a zero maxOperations', { maxOperations: 0 }, /maxOperations/],
    ['a zero maxPatchRetries', { maxPatchRetries: 0 }, /maxPatchRetries/],
    ['a fractional maxPatchRetries', { maxPatchRetries: 2.5 }, /maxPatchRetries/],
    [
      'a roleStore without find',
      { roleStore: { list: () => 0, get: () => 0 } },
      /roleStore lacks required method\(s\): find/,
    ],
    [
      'an entitlementStore that is a string',
      { entitlementStore: 'licences' },
      /entitlementStore must be an object with the methods list, get, find/,
    ],
    ['an unknown grantSchemas', { grantSchemas: 'microsoft' }, /grantSchemas must be 'ietf' or 'okta'/],
    [
      'a misspelt roleStore',
      { rolesStore: {} },
      /unknown option 'rolesStore' \(did you mean 'roleStore'\?\)/,
    ],
  ])('throws a TypeError for %s', (_, extra, message) => {
    const parse = () => parseOptions(base(extra))
    expect(parse).toThrow(TypeError)
    expect(parse).toThrow(message)
  })

  it('names every missing store method at once', () => {
    expect(() => parseOptions(base({ userStore: { get: () => undefined } }))).toThrow(
      /create, list, update, delete/,
    )
  })
})

describe('parseOptions: extensions and filter limits', () => {
  it('registers host extensions in the registry and the filter parser', () => {
    const config = parseOptions(
      base({
        extensions: [
          {
            resourceType: 'User',
            schema: { id: ACME_USER, attributes: [{ name: 'badge', type: 'string' }] },
          },
        ],
      }),
    )
    expect(config.registry.getSchema(ACME_USER)).toBeDefined()
    expect(config.filterParser.parseFilter(`${ACME_USER}:badge eq "x"`)).toMatchObject({
      kind: 'comparison',
      path: { schema: ACME_USER, attribute: 'badge' },
    })
  })

  it('throws a TypeError for a bad extension definition', () => {
    expect(() =>
      parseOptions(
        base({ extensions: [{ resourceType: 'Device', schema: { id: ACME_USER, attributes: [] } }] }),
      ),
    ).toThrow(TypeError)
  })

  it('gives the filter parser the configured limits', () => {
    const config = parseOptions(base({ filterLimits: { maxLength: 20 } }))
    expect(() => config.filterParser.parseFilter('userName eq "a-rather-long-value"')).toThrow(
      /longer than 20/,
    )
    expect(config.filterParser.parseFilter('userName eq "a"')).toMatchObject({ kind: 'comparison' })
  })

  it('builds independent configurations for two routers', () => {
    const a = parseOptions(base())
    const b = parseOptions(base())
    expect(a.userValidator).not.toBe(b.userValidator)
    expect(a.userPatcher).not.toBe(b.userPatcher)
  })
})

describe('checkSettings', () => {
  const off = {
    userSyncEnabled: false,
    groupSyncEnabled: false,
    rejectNonProvisionedUsers: false,
    teamSyncEnabled: false,
  }

  it('returns the settings when group and team sync are not both on', () => {
    for (const settings of [
      off,
      { ...off, groupSyncEnabled: true },
      { ...off, teamSyncEnabled: true },
      { ...off, userSyncEnabled: true, rejectNonProvisionedUsers: true },
    ]) {
      expect(checkSettings(settings)).toBe(settings)
    }
  })

  it('throws a TypeError when group sync and team sync are both on', () => {
    expect(() => checkSettings({ ...off, groupSyncEnabled: true, teamSyncEnabled: true })).toThrow(TypeError)
  })
})

describe('parseOptions: unknown keys', () => {
  it.each([
    ['userSyncEnable', 'userSyncEnabled'],
    ['groupSyncEnabeld', 'groupSyncEnabled'],
    ['usersyncenabled', 'userSyncEnabled'],
    ['bodylimit', 'bodyLimit'],
    ['maxResult', 'maxResults'],
    ['teamstore', 'teamStore'],
    ['sessionRevoke', 'sessionRevoker'],
    ['userDeletions', 'userDeletion'],
    ['maxValuesPerAtribute', 'maxValuesPerAttribute'],
    ['maxResourceByte', 'maxResourceBytes'],
    ['maxResponseSize', 'maxResponseBytes'],
    ['rejectNonProvisionedUser', 'rejectNonProvisionedUsers'],
  ])('%s: TypeError naming it and suggesting %s', (key, suggestion) => {
    const build = () => createScimRouter(base({ [key]: true }))
    expect(build).toThrow(TypeError)
    expect(build).toThrow(`express-scim: unknown option '${key}' (did you mean '${suggestion}'?)`)
  })

  it.each(['foo', 'x', 'tokens', 'logger'])(
    '%s: TypeError naming it, with no far-fetched suggestion',
    (key) => {
      expect(() => parseOptions(base({ [key]: 1 }))).toThrow(
        new TypeError(`express-scim: unknown option '${key}'`),
      )
    },
  )

  it('refuses an unknown key even when its value is undefined', () => {
    expect(() => parseOptions(base({ userSyncEnable: undefined }))).toThrow(
      "unknown option 'userSyncEnable' (did you mean 'userSyncEnabled'?)",
    )
  })

  it('names a misspelt required store rather than saying the store is missing', () => {
    const { userStore: store, ...rest } = base()
    expect(() => parseOptions({ ...rest, userstore: store } as unknown as ScimRouterOptions)).toThrow(
      "express-scim: unknown option 'userstore' (did you mean 'userStore'?)",
    )
  })

  it('accepts every documented option, the limits included', () => {
    expect(() =>
      parseOptions(
        base({
          teamStore: teamStore(),
          settings: () => ({}),
          extensions: [],
          baseUrl: 'https://scim.example.com/scim',
          defaultCount: 10,
          maxResults: 20,
          bodyLimit: '1mb',
          filterLimits: {},
          maxOperations: 10,
          maxValuesPerAttribute: 100,
          maxResourceBytes: '64kb',
          maxResponseBytes: '4mb',
          dialect: 'strict',
          unmatchedFilter: undefined,
          userDeletion: 'disable',
          maxPatchRetries: 3,
          authenticationSchemes: undefined,
          documentationUri: 'https://docs.example.com',
          adoptLocalUsers: false,
          onEvent: () => undefined,
          userSyncEnabled: true,
          groupSyncEnabled: true,
          rejectNonProvisionedUsers: false,
          teamSyncEnabled: false,
        }),
      ),
    ).not.toThrow()
  })

  it('lists every key of ScimRouterOptions as known', () => {
    for (const key of KNOWN_OPTIONS) {
      expect(() => parseOptions(base({ [key]: undefined, userStore: userStore() }))).not.toThrow(
        /unknown option/,
      )
    }
    expect(KNOWN_OPTIONS).toEqual(
      expect.arrayContaining([
        'maxValuesPerAttribute',
        'maxResourceBytes',
        'maxResponseBytes',
        'userSyncEnabled',
      ]),
    )
  })
})
