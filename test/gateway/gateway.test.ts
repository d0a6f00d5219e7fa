// The store gateway: the request-scoped memo of reads, errors passed through or logged by call name and class, result checks, fail-closed isProtectedUser, and the tracing seam.
import { jest } from '@jest/globals'
import { isScimError, scimError, uniquenessConflict, versionMismatch } from '../../lib/errors'
import { createStoreGateway, type GatewayStores, type StoreCallTracer, UNTRACED } from '../../lib/gateway'
import { checkRecord } from '../../lib/gateway/call'
import { MemorySessionRevoker } from '../../lib/stores/memory-sessions'
import { MemoryTeamStore } from '../../lib/stores/memory-teams'
import { MemoryUserStore } from '../../lib/stores/memory-users'
import type { RequestContext, StoredUser, UserStore } from '../../types/stores'
import { captureDebugOutput } from '../helpers/debug-capture'
import { newTeam, newUser, operationHarness } from '../helpers/operation-request'
import { contextFor, PATCH_SCHEMA, teamStoreOver, USER_SCHEMA } from '../helpers/scim-app'

const debugLines = captureDebugOutput()

function context(requestId = 'req-1'): RequestContext {
  return { ...contextFor(), requestId }
}

/** Memory stores with `get` counted, one user and one team in them. */
function setup(overrides: Partial<GatewayStores> = {}) {
  const userStore = new MemoryUserStore()
  const teamStore = new MemoryTeamStore()
  const user = userStore.create(newUser('alice'), contextFor())
  const team = teamStore.create(newTeam('Ops'), [], contextFor())
  const userGet = jest.spyOn(userStore, 'get')
  const teamGet = jest.spyOn(teamStore, 'get')
  const gateway = createStoreGateway({
    userStore,
    teamStore,
    sessionRevoker: new MemorySessionRevoker(),
    ...overrides,
  })
  return { userStore, teamStore, user, team, userGet, teamGet, gateway }
}

/** The UserStore methods the gateway calls, each a jest mock. */
type MockUserStore = {
  [K in
    | 'create'
    | 'get'
    | 'list'
    | 'update'
    | 'delete'
    | 'findExisting'
    | 'findByUserNameOrEmail']-?: jest.Mock<NonNullable<UserStore[K]>>
}

/** A UserStore whose methods are jest mocks; `get` answers `record` unless replaced. */
function mockUserStore(record?: StoredUser): MockUserStore {
  return {
    create: jest.fn<UserStore['create']>(),
    get: jest.fn<UserStore['get']>(() => record),
    list: jest.fn<UserStore['list']>(() => ({ totalResults: 0, resources: [] })),
    update: jest.fn<UserStore['update']>(),
    delete: jest.fn<UserStore['delete']>(() => true),
    findExisting: jest.fn<NonNullable<UserStore['findExisting']>>(() => []),
    findByUserNameOrEmail: jest.fn<NonNullable<UserStore['findByUserNameOrEmail']>>(() => []),
  }
}

/** A UserStore delegating to a MemoryUserStore (whose private fields rule out Object.create), methods replaceable. */
function userStoreOver(store: MemoryUserStore): UserStore {
  return {
    create: (user, ctx) => store.create(user, ctx),
    get: (id, ctx) => store.get(id, ctx),
    list: (query, ctx) => store.list(query, ctx),
    update: (id, fields, version, ctx) => store.update(id, fields, version, ctx),
    delete: (id, ctx) => store.delete(id, ctx),
    findExisting: (ids, ctx) => store.findExisting(ids, ctx),
    findByUserNameOrEmail: (userName, email, ctx) => store.findByUserNameOrEmail(userName, email, ctx),
  }
}

function gatewayOver(userStore: UserStore, overrides: Partial<GatewayStores> = {}) {
  return createStoreGateway({ userStore, sessionRevoker: new MemorySessionRevoker(), ...overrides })
}

const STORED: StoredUser = {
  id: 'u-1',
  version: 'v1',
  created: '2026-01-01T00:00:00Z',
  lastModified: '2026-01-01T00:00:00Z',
  provisioned: true,
  userName: 'alice',
  active: true,
}

describe('the request-scoped memo of reads', () => {
  it('answers two gets of one id in a request with one store call', async () => {
    const { gateway, user, userGet } = setup()
    const stores = gateway.forRequest(context(), UNTRACED)
    const first = await stores.users.get(user.id)
    const second = await stores.users.get(user.id)
    expect(userGet).toHaveBeenCalledTimes(1)
    expect(second).toBe(first)
    expect(first?.userName).toBe('alice')
  })

  it('shares one pending read between concurrent gets of one id', async () => {
    const { gateway, user, userGet } = setup()
    const stores = gateway.forRequest(context(), UNTRACED)
    await Promise.all([stores.users.get(user.id), stores.users.get(user.id)])
    expect(userGet).toHaveBeenCalledTimes(1)
  })

  it('remembers each id on its own', async () => {
    const { gateway, user, userGet } = setup()
    const stores = gateway.forRequest(context(), UNTRACED)
    await stores.users.get(user.id)
    await stores.users.get('someone-else')
    await stores.users.get('someone-else')
    expect(userGet).toHaveBeenCalledTimes(2)
  })

  it('reads again after a write in between', async () => {
    const { gateway, user, userGet } = setup()
    const stores = gateway.forRequest(context(), UNTRACED)
    const before = await stores.users.get(user.id)
    await stores.users.update(user.id, newUser('alice', { active: false }), before!.version)
    const after = await stores.users.get(user.id)
    expect(userGet).toHaveBeenCalledTimes(2)
    expect(after?.active).toBe(false)
    expect(after?.version).not.toBe(before?.version)
  })

  it.each<[string, (stores: ReturnType<ReturnType<typeof setup>['gateway']['forRequest']>) => unknown]>([
    ['create', (s) => s.users.create(newUser('bob'))],
    ['delete', (s) => s.users.delete('nobody')],
  ])('forgets every read on a %s of any user', async (_, write) => {
    const { gateway, user, userGet } = setup()
    const stores = gateway.forRequest(context(), UNTRACED)
    await stores.users.get(user.id)
    await write(stores)
    await stores.users.get(user.id)
    expect(userGet).toHaveBeenCalledTimes(2)
  })

  it('forgets every read when a write fails, so a compare-and-swap re-read reaches the store', async () => {
    const { gateway, user, userGet } = setup()
    const stores = gateway.forRequest(context(), UNTRACED)
    const read = await stores.users.get(user.id)
    // Another request wins the race: the version this request read is stale.
    const other = gateway.forRequest(context('req-2'), UNTRACED)
    await other.users.update(user.id, newUser('alice', { displayName: 'A' }), read!.version)
    await expect(
      stores.users.update(user.id, newUser('alice', { active: false }), read!.version),
    ).rejects.toMatchObject({ status: 412 })
    const fresh = await stores.users.get(user.id)
    // The first read, then the re-read: the other request's update calls no get.
    expect(userGet).toHaveBeenCalledTimes(2)
    expect(fresh?.version).not.toBe(read?.version)
    expect(fresh?.displayName).toBe('A')
  })

  it('lets a PATCH that lost its race read again and win on its retry', async () => {
    let lost = false
    const harness = operationHarness({
      wrapUserStore: (store) => {
        const wrapped = userStoreOver(store)
        wrapped.update = (id, fields, version, ctx) => {
          if (!lost) {
            lost = true
            // Another writer lands first; this write is refused as a store would refuse it.
            const current = store.get(id, ctx)!
            store.update(
              id,
              {
                userName: current.userName,
                active: current.active,
                displayName: 'Winner',
                document: current.document ?? {},
              },
              current.version,
              ctx,
            )
            throw versionMismatch()
          }
          return store.update(id, fields, version, ctx)
        }
        return wrapped
      },
    })
    const user = harness.userStore.create(newUser('carol'), contextFor())
    const calls: string[] = []
    const retried: string[] = []
    const tracer: StoreCallTracer = {
      storeCall: (name, call) => {
        calls.push(name)
        return UNTRACED.storeCall(name, call)
      },
      retried: (type) => retried.push(type),
    }
    const response = await harness.call('PATCH', `/Users/${user.id}`, {
      tracer,
      body: {
        schemas: [PATCH_SCHEMA],
        Operations: [{ op: 'replace', path: 'title', value: 'Engineer' }],
      },
    })
    expect(response.status).toBe(200)
    expect(calls).toEqual([
      'userStore.get',
      'userStore.update',
      'userStore.get',
      'userStore.update',
      'teamStore.listTeamsOfUsers',
    ])
    expect(retried).toEqual(['User'])
    const stored = harness.userStore.get(user.id, contextFor())!
    expect(stored.displayName).toBe('Winner')
    expect((stored.document as { title?: string }).title).toBe('Engineer')
  })

  it('does not remember a rejected get: the next one asks the store again', async () => {
    const store = mockUserStore(STORED)
    store.get.mockImplementationOnce(() => Promise.reject(new Error('connection reset')))
    const stores = gatewayOver(store).forRequest(context(), UNTRACED)
    await expect(stores.users.get('u-1')).rejects.toThrow('connection reset')
    await expect(stores.users.get('u-1')).resolves.toBe(STORED)
    await stores.users.get('u-1')
    expect(store.get).toHaveBeenCalledTimes(2)
  })

  it('does not remember a read whose record fails its check', async () => {
    const store = mockUserStore(STORED)
    store.get.mockReturnValueOnce({ ...STORED, version: 7 as unknown as string })
    const stores = gatewayOver(store).forRequest(context(), UNTRACED)
    await expect(stores.users.get('u-1')).rejects.toThrow(/userStore\.get must return/)
    await expect(stores.users.get('u-1')).resolves.toBe(STORED)
    expect(store.get).toHaveBeenCalledTimes(2)
  })

  it('remembers an absent user too, until a write', async () => {
    const store = mockUserStore(undefined)
    const stores = gatewayOver(store).forRequest(context(), UNTRACED)
    expect(await stores.users.get('ghost')).toBeUndefined()
    expect(await stores.users.get('ghost')).toBeUndefined()
    expect(store.get).toHaveBeenCalledTimes(1)
  })

  it('never shares a memo between two requests', async () => {
    const { gateway, user, team, userGet, teamGet } = setup()
    const one = gateway.forRequest(context('req-1'), UNTRACED)
    const two = gateway.forRequest(context('req-2'), UNTRACED)
    await one.users.get(user.id)
    await two.users.get(user.id)
    await one.teams!.get(team.id)
    await two.teams!.get(team.id)
    expect(userGet).toHaveBeenCalledTimes(2)
    expect(teamGet).toHaveBeenCalledTimes(2)
  })

  it('gives each /Bulk operation stores of its own: same context and trace, nothing remembered', async () => {
    const { gateway, user, team, userGet, teamGet } = setup()
    const calls: string[] = []
    const tracer: StoreCallTracer = {
      storeCall: (name, call) => {
        calls.push(name)
        return UNTRACED.storeCall(name, call)
      },
      retried: () => {},
    }
    const bulk = gateway.forRequest(context('bulk-1'), tracer)
    await bulk.users.get(user.id)
    const operation = bulk.forOperation()
    await operation.users.get(user.id)
    await operation.users.get(user.id)
    await operation.teams!.get(team.id)
    // One read for the bulk request, one for the operation (remembered within it), one team read.
    expect(userGet).toHaveBeenCalledTimes(2)
    expect(teamGet).toHaveBeenCalledTimes(1)
    expect(userGet.mock.calls.every(([, ctx]) => ctx.requestId === 'bulk-1')).toBe(true)
    expect(calls).toEqual(['userStore.get', 'userStore.get', 'teamStore.get'])
  })

  it('keeps a write of one request from clearing the memo of another', async () => {
    const { gateway, user, userGet } = setup()
    const one = gateway.forRequest(context('req-1'), UNTRACED)
    const two = gateway.forRequest(context('req-2'), UNTRACED)
    await one.users.get(user.id)
    await two.users.delete('nobody')
    await one.users.get(user.id)
    expect(userGet).toHaveBeenCalledTimes(1)
  })

  it('remembers team reads, and forgets them on any team or membership write', async () => {
    const { gateway, team, teamGet } = setup()
    const stores = gateway.forRequest(context(), UNTRACED)
    await stores.teams!.get(team.id)
    await stores.teams!.get(team.id)
    expect(teamGet).toHaveBeenCalledTimes(1)
    await stores.teams!.addMembers(team.id, [])
    await stores.teams!.get(team.id)
    expect(teamGet).toHaveBeenCalledTimes(2)
    await stores.teams!.removeUserFromTeams('nobody')
    await stores.teams!.get(team.id)
    expect(teamGet).toHaveBeenCalledTimes(3)
  })

  it('forgets team reads when a team write fails', async () => {
    const teamStore = new MemoryTeamStore()
    const team = teamStore.create(newTeam('Ops'), [], contextFor())
    const get = jest.fn((id: string, ctx: RequestContext) => teamStore.get(id, ctx))
    const gateway = gatewayOver(mockUserStore(), {
      teamStore: teamStoreOver(teamStore, {
        get,
        update: () => {
          throw versionMismatch()
        },
      }),
    })
    const stores = gateway.forRequest(context(), UNTRACED)
    await stores.teams!.get(team.id)
    await expect(stores.teams!.update(team.id, newTeam('Dev'), 'stale')).rejects.toMatchObject({
      status: 412,
    })
    await stores.teams!.get(team.id)
    expect(get).toHaveBeenCalledTimes(2)
  })
})

describe('errors from a store', () => {
  it('passes a SCIM error through unchanged, without logging it', async () => {
    const conflict = uniquenessConflict('userName')
    const store = mockUserStore()
    store.create.mockImplementation(() => {
      throw conflict
    })
    const stores = gatewayOver(store).forRequest(context('req-scim'), UNTRACED)
    debugLines.length = 0
    const thrown = await stores.users.create(newUser('alice')).then(
      () => undefined,
      (error: unknown) => error,
    )
    expect(thrown).toBe(conflict)
    expect(isScimError(thrown)).toBe(true)
    expect(thrown).toMatchObject({
      status: 409,
      scimType: 'uniqueness',
      message: 'userName is already in use',
    })
    expect(debugLines.filter((line) => line.includes('req-scim'))).toEqual([])
  })

  it('passes a SCIM error a store rejects with (a 503 of its own) through unchanged', async () => {
    const busy = scimError(503, undefined, 'database is in maintenance')
    const store = mockUserStore()
    store.list.mockImplementation(() => Promise.reject(busy))
    const stores = gatewayOver(store).forRequest(context(), UNTRACED)
    await expect(stores.users.list({ startIndex: 1, count: 10 } as never)).rejects.toBe(busy)
  })

  it('rethrows a plain Error unchanged and logs the call name and class, never the message', async () => {
    const secret = 'postgres://admin:hunter2@db/prod alice@example.com'
    const failure = new TypeError(secret)
    const store = mockUserStore()
    store.get.mockImplementation(() => {
      throw failure
    })
    const stores = gatewayOver(store).forRequest(context('req-plain'), UNTRACED)
    debugLines.length = 0
    await expect(stores.users.get('u-1')).rejects.toBe(failure)
    const lines = debugLines.filter((line) => line.includes('req-plain'))
    expect(lines).toHaveLength(1)
    expect(lines[0]).toContain('userStore.get failed: TypeError (req-plain)')
    expect(debugLines.join('\n')).not.toContain('hunter2')
    expect(debugLines.join('\n')).not.toContain('alice@example.com')
  })

  it("logs a custom error class by its name, and a team store's call by its own name", async () => {
    class DatabaseTimeoutError extends Error {
      override name = 'DatabaseTimeoutError'
    }
    const teamStore = teamStoreOver(new MemoryTeamStore(), {
      listMembers: async () => {
        throw new DatabaseTimeoutError('timeout reading team Ops')
      },
    })
    const stores = gatewayOver(mockUserStore(), { teamStore }).forRequest(context('req-class'), UNTRACED)
    debugLines.length = 0
    await expect(stores.teams!.listMembers('t-1', { startIndex: 1, count: 10 })).rejects.toBeInstanceOf(
      DatabaseTimeoutError,
    )
    const lines = debugLines.filter((line) => line.includes('req-class'))
    expect(lines).toEqual([expect.stringContaining('teamStore.listMembers failed: DatabaseTimeoutError')])
    expect(lines.join('\n')).not.toContain('Ops')
  })

  it('checks listMembersOfTeams: a Map of pages for the ids asked, none longer than asked; anything else is a broken store', async () => {
    const member = (value: string) => ({ value })
    const answers: unknown[] = [
      new Map<string, unknown>([
        ['t-1', { totalResults: 3, resources: [member('a'), member('b'), member('c')] }],
        ['t-9', { totalResults: 1, resources: [member('z')] }],
      ]),
      { 't-1': { totalResults: 0, resources: [] } },
      new Map([['t-1', { totalResults: -1, resources: [] }]]),
    ]
    const teamStore = teamStoreOver(new MemoryTeamStore(), {
      listMembersOfTeams: async () => answers.shift() as Map<string, never>,
    })
    const teams = gatewayOver(mockUserStore(), { teamStore }).forRequest(context('req-batch'), UNTRACED)
      .teams!
    expect(teams.readsMembersInBatches).toBe(true)
    const pages = await teams.listMembersOfTeams(['t-1', 't-2'], { startIndex: 1, count: 2 })
    expect([...pages.keys()]).toEqual(['t-1'])
    expect(pages.get('t-1')).toEqual({ totalResults: 3, resources: [member('a'), member('b')] })
    await expect(teams.listMembersOfTeams(['t-1'], { startIndex: 1, count: 2 })).rejects.toThrow(
      'must return a Map',
    )
    await expect(teams.listMembersOfTeams(['t-1'], { startIndex: 1, count: 2 })).rejects.toThrow(
      'totalResults',
    )
  })

  // A name is usually a class name, but a host may build it from data: errorClass() (lib/log.ts) logs
  // and records anything that is not an identifier as `_OTHER`.
  it('logs an error name that is not an identifier as _OTHER, as telemetry does', async () => {
    const failure = new Error('lookup failed')
    failure.name = 'Lookup of bjensen@example.com'
    const store = mockUserStore()
    store.get.mockImplementation(() => {
      throw failure
    })
    const stores = gatewayOver(store).forRequest(context('req-name'), UNTRACED)
    debugLines.length = 0
    await expect(stores.users.get('u-1')).rejects.toBe(failure)
    expect(debugLines.join('\n')).not.toContain('bjensen@example.com')
    expect(debugLines.filter((line) => line.includes('req-name'))).toEqual([
      expect.stringContaining('userStore.get failed: _OTHER'),
    ])
  })

  it('logs a session revoker failure under its call name', async () => {
    const store = mockUserStore()
    const sessionRevoker = {
      revokeUserSessions: () => Promise.reject(new RangeError('revocation backend down')),
    }
    const stores = gatewayOver(store, { sessionRevoker }).forRequest(context('req-revoke'), UNTRACED)
    debugLines.length = 0
    await expect(stores.revokeUserSessions('u-1', 'deactivated')).rejects.toBeInstanceOf(RangeError)
    expect(debugLines.filter((line) => line.includes('req-revoke'))).toEqual([
      expect.stringContaining('sessionRevoker.revokeUserSessions failed: RangeError'),
    ])
  })
})

describe('result checks', () => {
  it.each<[string, unknown]>([
    ['a number id', { ...STORED, id: 1 }],
    ['no id', { ...STORED, id: undefined }],
    ['a number version', { ...STORED, version: 2 }],
    ['no version', { ...STORED, version: undefined }],
    ['a string', 'u-1'],
  ])('checkRecord refuses a record with %s (a plain Error: a 500)', (_, record) => {
    let thrown: unknown
    try {
      checkRecord(record as StoredUser, 'userStore.update', true)
    } catch (error) {
      thrown = error
    }
    expect(thrown).toBeInstanceOf(Error)
    expect(isScimError(thrown)).toBe(false)
    expect((thrown as Error).message).toBe(
      'express-scim: userStore.update must return a record with a string id and version',
    )
  })

  it('checkRecord answers undefined for an absent optional record and refuses an absent required one', () => {
    expect(checkRecord(undefined, 'userStore.update', true)).toBeUndefined()
    expect(checkRecord(null, 'userStore.update', true)).toBeUndefined()
    expect(() => checkRecord(undefined, 'userStore.create', false)).toThrow(
      'express-scim: userStore.create must return the stored record',
    )
    expect(checkRecord(STORED, 'userStore.get', true)).toBe(STORED)
  })

  it('refuses, through the gateway, a created user without a string id', async () => {
    const store = mockUserStore()
    store.create.mockReturnValue({ ...STORED, id: 42 as unknown as string })
    const stores = gatewayOver(store).forRequest(context(), UNTRACED)
    const thrown = await stores.users.create(newUser('x')).catch((e) => e)
    expect(thrown).toBeInstanceOf(Error)
    expect(isScimError(thrown)).toBe(false)
    expect((thrown as Error).message).toMatch(/userStore\.create must return a record with a string id/)
  })

  it('refuses, through the gateway, a page that is not a page', async () => {
    const store = mockUserStore()
    store.list.mockReturnValue({ totalResults: 1 } as never)
    const stores = gatewayOver(store).forRequest(context(), UNTRACED)
    await expect(stores.users.list({ startIndex: 1, count: 10 } as never)).rejects.toThrow(
      'userStore.list() must return',
    )
  })
})

describe('isProtectedUser', () => {
  it.each<{ answer: string; verdict: () => unknown; expected: boolean }>([
    { answer: 'false', verdict: () => false, expected: false },
    { answer: 'a promise of false', verdict: () => Promise.resolve(false), expected: false },
    { answer: 'true', verdict: () => true, expected: true },
    { answer: 'undefined', verdict: () => undefined, expected: true },
    { answer: 'null', verdict: () => null, expected: true },
    { answer: '0', verdict: () => 0, expected: true },
    { answer: "'false'", verdict: () => 'false', expected: true },
    { answer: 'an empty string', verdict: () => '', expected: true },
    { answer: 'a promise of undefined', verdict: () => Promise.resolve(undefined), expected: true },
  ])('fails closed: a hook answering $answer gives protected = $expected', async ({ verdict, expected }) => {
    const hook = jest.fn(() => verdict() as boolean)
    const stores = gatewayOver(mockUserStore(), { isProtectedUser: hook }).forRequest(context(), UNTRACED)
    expect(await stores.isProtectedUser(STORED)).toBe(expected)
    expect(hook).toHaveBeenCalledWith(STORED, context())
  })

  it('propagates what a throwing hook throws, so that nothing is adopted', async () => {
    const failure = new Error('directory unavailable')
    const stores = gatewayOver(mockUserStore(), {
      isProtectedUser: () => {
        throw failure
      },
    }).forRequest(context('req-protect'), UNTRACED)
    debugLines.length = 0
    await expect(stores.isProtectedUser(STORED)).rejects.toBe(failure)
    expect(debugLines.filter((line) => line.includes('req-protect'))).toEqual([
      expect.stringContaining('isProtectedUser failed: Error'),
    ])
  })

  it('propagates a rejecting hook', async () => {
    const stores = gatewayOver(mockUserStore(), {
      isProtectedUser: () => Promise.reject(new Error('nope')),
    }).forRequest(context(), UNTRACED)
    await expect(stores.isProtectedUser(STORED)).rejects.toThrow('nope')
  })
})

describe('the tracing seam', () => {
  function recordingTracer() {
    const calls: string[] = []
    const tracer: StoreCallTracer = {
      storeCall: (name, call) => {
        calls.push(name)
        return UNTRACED.storeCall(name, call)
      },
      retried: () => {},
    }
    return { calls, tracer }
  }

  it('sees every store call of a group PATCH, in order (a remembered read is not a call)', async () => {
    const harness = operationHarness({ wrapTeamStore: (store) => teamStoreOver(store) })
    const user = harness.userStore.create(newUser('dave'), contextFor())
    const team = harness.teamStore.create(newTeam('Ops'), [], contextFor())
    const { calls, tracer } = recordingTracer()
    const response = await harness.call('PATCH', `/Groups/${team.id}`, {
      tracer,
      body: {
        schemas: [PATCH_SCHEMA],
        Operations: [{ op: 'add', path: 'members', value: [{ value: user.id }] }],
      },
    })
    expect(response.status).toBe(204)
    // Read, check the member exists, write the delta, then read again for the ETag: the write cleared the memo.
    expect(calls).toEqual([
      'teamStore.get',
      'userStore.findExisting',
      'teamStore.addMembers',
      'teamStore.get',
    ])
    expect(harness.teamStore.memberCount('acme', team.id)).toBe(1)
  })

  it('sees a rename and a member change as one applyChange when the store has it', async () => {
    const harness = operationHarness()
    const user = harness.userStore.create(newUser('erin'), contextFor())
    const team = harness.teamStore.create(newTeam('Ops'), [], contextFor())
    const { calls, tracer } = recordingTracer()
    const response = await harness.call('PATCH', `/Groups/${team.id}`, {
      tracer,
      body: {
        schemas: [PATCH_SCHEMA],
        Operations: [
          { op: 'replace', path: 'displayName', value: 'Platform' },
          { op: 'add', path: 'members', value: [{ value: user.id }] },
        ],
      },
    })
    expect(response.status).toBe(204)
    expect(calls).toEqual(['teamStore.get', 'userStore.findExisting', 'teamStore.applyChange'])
  })

  it('sees the calls of a user create, and no call at all for a memo hit', async () => {
    const harness = operationHarness()
    const { calls, tracer } = recordingTracer()
    const created = await harness.call('POST', '/Users', {
      tracer,
      body: { schemas: [USER_SCHEMA], userName: 'frank', active: true },
    })
    expect(created.status).toBe(201)
    expect(calls).toEqual(['userStore.create'])
    const request = harness.request({ method: 'GET', route: '/Users/:id', tracer })
    const id = (created.body as { id: string }).id
    await request.stores.users.get(id)
    await request.stores.users.get(id)
    expect(calls).toEqual(['userStore.create', 'userStore.get'])
  })

  it('counts a retry through the tracer', () => {
    const retried: string[] = []
    const stores = gatewayOver(mockUserStore()).forRequest(context(), {
      storeCall: (name, call) => UNTRACED.storeCall(name, call),
      retried: (type) => retried.push(type),
    })
    stores.retried('Group')
    expect(retried).toEqual(['Group'])
  })
})

describe('teams of users', () => {
  const ops = { id: 't-1', displayName: 'Ops' }
  const dev = { id: 't-2', displayName: 'Dev' }

  function teamsOf(answer: unknown) {
    const { teamStore, gateway } = setup()
    jest.spyOn(teamStore, 'listTeamsOfUsers').mockReturnValue(answer as Map<string, never[]>)
    return (ids: string[], limit: number) =>
      gateway.forRequest(context(), UNTRACED).teams!.listTeamsOfUsers(ids, limit)
  }

  it("passes the store's answer on as it is when it holds just what was asked", async () => {
    const answer = new Map([['u-1', [ops, dev]]])
    await expect(teamsOf(answer)(['u-1', 'u-2'], 2)).resolves.toBe(answer)
  })

  it('keeps only the users asked for, and cuts each list to the limit', async () => {
    const answer = new Map([
      ['u-1', [ops, dev]],
      ['u-9', [ops]],
    ])
    const teams = await teamsOf(answer)(['u-1'], 5)
    expect([...teams]).toEqual([['u-1', [ops, dev]]])
    const cut = await teamsOf(new Map([['u-1', [ops, dev]]]))(['u-1'], 1)
    expect([...cut]).toEqual([['u-1', [ops]]])
    // An id asked twice does not make room for one never asked.
    const twice = await teamsOf(answer)(['u-1', 'u-1'], 5)
    expect([...twice]).toEqual([['u-1', [ops, dev]]])
    const many = new Map([
      ['u-1', [ops]],
      ['u-2', [dev]],
    ])
    await expect(teamsOf(many)(['u-2', 'u-3', 'u-1'], 5)).resolves.toBe(many)
  })

  it('refuses a malformed answer, within the limit only', async () => {
    await expect(teamsOf([['u-1', [ops]]])(['u-1'], 2)).rejects.toThrow(/a Map of user ids/)
    await expect(teamsOf(new Map([['u-1', ops]]))(['u-1'], 2)).rejects.toThrow(/a list of/)
    await expect(teamsOf(new Map([['u-1', [ops, { id: 3 }]]]))(['u-1'], 2)).rejects.toThrow(/strings/)
    const beyond = await teamsOf(new Map([['u-1', [ops, { id: 3 }]]]))(['u-1'], 1)
    expect([...beyond]).toEqual([['u-1', [ops]]])
  })
})
