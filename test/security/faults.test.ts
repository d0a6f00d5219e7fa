// purpose: store errors (throwing adapters, timeouts) become a 500 with no detail leaked and nothing half written; a failing session revoker leaves the user disabled and the request retryable.

import type request from 'supertest'
import {
  ERROR_SCHEMA_URN,
  MemorySessionRevoker,
  type MemoryTeamStore,
  type MemoryUserStore,
  type ScimEvent,
  type ScimRouterOptions,
  type SessionRevoker,
  type TeamStore,
  type UserStore,
} from '../../lib'
import { scimError, withResponseHeaders } from '../../lib/errors'
import { captureDebugOutput } from '../helpers/debug-capture'
import {
  buildScimApp,
  client,
  contextFor,
  createGroup,
  createUser,
  EXPRESS_VERSIONS,
  type ExpressFactory,
  groupBody,
  patchBody,
  type ScimApp,
  type ScimClient,
  SEARCH_SCHEMA,
  TENANT,
  userBody,
} from '../helpers/scim-app'

/** What a failing database driver would put in its error: never to reach the IdP or the debug log. */
const SECRET = 'password=hunter2 at db.internal:5432'
/** Strings that would show the failure's cause: the secret's parts, the error code, our own file name. */
const LEAKS = ['hunter2', 'db.internal', 'ETIMEDOUT', 'connect ETIMEDOUT', 'faults.test', 'node:internal']
/** A stack frame: `at fn (file:line:col)` or `at file:line:col`. */
const STACK_FRAME = /\bat\s+\S*\s*\(?[^\s()]+:\d+:\d+\)?/
/** The only 500 body the router may send. */
const OPAQUE_500 = JSON.stringify({ schemas: [ERROR_SCHEMA_URN], status: '500' })

/** How a store method fails: at once, with a rejected promise, or after a delay like a timed-out query. */
type Mode = 'throw' | 'reject' | 'timeout'
const MODES: readonly Mode[] = ['throw', 'reject', 'timeout']

/** A timeout error as a database driver throws it: code, errno, address, a secret in the message, a stack. */
function driverError(): Error {
  const error = new Error(`connect ETIMEDOUT ${SECRET}`) as Error & Record<string, unknown>
  error.code = 'ETIMEDOUT'
  error.errno = -110
  error.syscall = 'connect'
  error.address = 'db.internal'
  error.port = 5432
  error.detail = SECRET
  error.stack = `Error: connect ETIMEDOUT ${SECRET}\n    at Socket.connect (node:internal/net:1:1)\n    at Pool.query (/srv/app/db.js:42:7)`
  return error
}

function fail(mode: Mode): unknown {
  const error = driverError()
  if (mode === 'throw') throw error
  if (mode === 'reject') return Promise.reject(error)
  return new Promise((_, reject) => setTimeout(() => reject(error), 15))
}

interface Armed {
  readonly method: string
  readonly mode: Mode
  /** Calls of the method to let through before failing. */
  skip: number
  /** Calls left to fail. */
  times: number
}

/**
 * Wraps a memory store (or revoker) so that one chosen method fails, after `skip` good calls, `times`
 * times. Methods named in `hide` look absent (so the router takes its fallback path). Every call is counted.
 */
class Faults {
  armed: Armed | undefined
  injected = 0
  readonly calls = new Map<string, number>()

  arm(method: string, mode: Mode, options: { skip?: number; times?: number } = {}): void {
    this.armed = { method, mode, skip: options.skip ?? 0, times: options.times ?? Number.POSITIVE_INFINITY }
    this.injected = 0
  }

  disarm(): void {
    this.armed = undefined
  }

  wrap<T extends object>(target: T, hide: readonly string[] = []): T {
    return new Proxy(target, {
      get: (object, property) => {
        if (typeof property === 'string' && hide.includes(property)) return undefined
        const value: unknown = Reflect.get(object, property, object)
        if (typeof property !== 'string' || typeof value !== 'function') return value
        return (...args: unknown[]) => this.#call(property, () => value.apply(object, args))
      },
      has: (object, property) =>
        typeof property === 'string' && hide.includes(property) ? false : Reflect.has(object, property),
    })
  }

  #call(method: string, run: () => unknown): unknown {
    this.calls.set(method, (this.calls.get(method) ?? 0) + 1)
    const armed = this.armed
    if (armed && armed.method === method) {
      if (armed.skip > 0) armed.skip -= 1
      else if (armed.times > 0) {
        armed.times -= 1
        this.injected += 1
        return fail(armed.mode)
      }
    }
    return run()
  }
}

/** The app, its two fault injectors and a client. */
interface FaultyApp {
  readonly scim: ScimApp
  readonly api: ScimClient
  readonly users: Faults
  readonly teams: Faults
}

function faultyApp(
  makeExpress: ExpressFactory,
  options: { router?: Partial<ScimRouterOptions>; hideUser?: string[]; hideTeam?: string[] } = {},
): FaultyApp {
  const users = new Faults()
  const teams = new Faults()
  const scim = buildScimApp({
    express: makeExpress,
    wrapUserStore: (store: MemoryUserStore): UserStore => users.wrap(store, options.hideUser),
    wrapTeamStore: (store: MemoryTeamStore): TeamStore => teams.wrap(store, options.hideTeam),
    ...(options.router ? { router: options.router } : {}),
  })
  return { scim, api: client(scim), users, teams }
}

/** Users, a local user, two teams and a session of alice. */
interface Fixture {
  readonly alice: string
  readonly bob: string
  readonly carol: string
  readonly local: string
  readonly team: string
  readonly other: string
  readonly session: string
}

const email = (value: string) => ({ emails: [{ value, type: 'work', primary: true }] })

async function fixture(scim: ScimApp, api: ScimClient): Promise<Fixture> {
  const alice = await createUser(api, 'alice', {
    externalId: 'ext-alice',
    displayName: 'Alice',
    password: 'Old-pass-1',
    ...email('alice@example.com'),
  })
  const bob = await createUser(api, 'bob', { externalId: 'ext-bob', ...email('bob@example.com') })
  const carol = await createUser(api, 'carol', { externalId: 'ext-carol' })
  const local = scim.userStore.addLocalUser(TENANT, {
    userName: 'local',
    email: 'local@example.com',
    active: true,
  }).id
  const team = await createGroup(api, 'Team', [alice, bob])
  const other = await createGroup(api, 'Other', [carol])
  const session = scim.sessions.createSession(TENANT, alice)
  return { alice, bob, carol, local, team, other, session }
}

const ALL = { sortOrder: 'ascending' as const, startIndex: 1, count: 1000 }

/** Everything the stores and the session registry hold, read from the memory stores directly. */
function snapshot(scim: ScimApp, f: Fixture) {
  const context = contextFor()
  const teams = scim.teamStore.list(ALL, context).resources
  return {
    userCount: scim.userStore.size(TENANT),
    users: [f.alice, f.bob, f.carol, f.local].map((id) => scim.userStore.get(id, context) ?? null),
    listedUsers: scim.userStore.list(ALL, context).resources.map((u) => u.id),
    alicePassword: scim.userStore.verifyPassword(TENANT, f.alice, 'Old-pass-1'),
    teams,
    members: teams.map((t) => ({
      id: t.id,
      count: scim.teamStore.memberCount(TENANT, t.id),
      members: scim.teamStore.listMembers(t.id, { startIndex: 1, count: 1000 }, context),
    })),
    aliceTeams: scim.teamStore.teamsOfUser(TENANT, f.alice),
    sessionActive: scim.sessions.isSessionActive(f.session),
    revocations: scim.sessions.revocationCount(TENANT, f.alice),
  }
}

/** The response is the opaque 500: exact body, SCIM media type, nothing of the cause in the body or headers. */
function expectOpaque500(res: request.Response): void {
  expect({ status: res.status, text: res.text }).toEqual({ status: 500, text: OPAQUE_500 })
  expect(res.headers['content-type']).toMatch(/^application\/scim\+json/)
  const raw = `${res.text}\n${JSON.stringify(res.headers)}`
  for (const leak of LEAKS) expect(raw).not.toContain(leak)
  expect(raw).not.toMatch(STACK_FRAME)
}

function membersOf(scim: ScimApp, team: string): string[] {
  return (
    scim.teamStore.listMembers(team, { startIndex: 1, count: 1000 }, contextFor())?.resources ?? []
  ).map((m) => m.value)
}

/** One store method failing under one request. */
interface Scenario {
  readonly name: string
  readonly store: 'user' | 'team'
  readonly method: string
  /** Good calls of the method before it fails (the nth step of a multi-step request). */
  readonly skip?: number
  readonly router?: Partial<ScimRouterOptions>
  readonly hideUser?: string[]
  readonly hideTeam?: string[]
  readonly send: (api: ScimClient, f: Fixture) => request.Test
  /** The status of the same request once the store works again. */
  readonly retryStatus: number
  /** True for requests that write nothing even when they succeed. */
  readonly readOnly?: boolean
  /**
   * For the documented multi-step requests only: what the failed request left committed. Without it,
   * the failure must have changed nothing at all.
   */
  readonly partial?: (scim: ScimApp, f: Fixture) => void
  /** The final state after the successful retry. */
  readonly after?: (scim: ScimApp, f: Fixture) => void
}

const deactivate = patchBody({ op: 'replace', path: 'active', value: false })
const rename = { op: 'replace', path: 'displayName', value: 'Renamed' }
const addCarol = (f: Fixture) => ({ op: 'add', path: 'members', value: [{ value: f.carol }] })
const removeBob = (f: Fixture) => ({ op: 'remove', path: `members[value eq "${f.bob}"]` })
const newUser = () => userBody('dave', { externalId: 'ext-dave', ...email('dave@example.com') })
const adoptLocal = () => userBody('local', { externalId: 'ext-local', ...email('local@example.com') })
const putAlice = () =>
  userBody('alice2', {
    externalId: 'ext-alice',
    displayName: 'Alice Two',
    password: 'New-pass-2',
    ...email('alice2@example.com'),
  })
const search = (filter?: string) => ({ schemas: [SEARCH_SCHEMA], ...(filter ? { filter } : {}) })

/** A DELETE /Users that failed after its disable step: the user is kept, disabled, and SCIM still sees it. */
function disabledButKept(scim: ScimApp, f: Fixture): void {
  const user = scim.userStore.get(f.alice, contextFor())
  expect(user).toMatchObject({ id: f.alice, active: false })
  expect(user?.hidden).toBeUndefined()
  expect(scim.userStore.findByUserName(TENANT, 'alice')?.id).toBe(f.alice)
}

function aliceGone(scim: ScimApp, f: Fixture): void {
  expect(scim.userStore.get(f.alice, contextFor())).toBeUndefined()
  expect(scim.sessions.isSessionActive(f.session)).toBe(false)
  expect(scim.teamStore.teamsOfUser(TENANT, f.alice)).toEqual([])
  expect(membersOf(scim, f.team)).toEqual([f.bob])
}

function aliceHidden(scim: ScimApp, f: Fixture): void {
  expect(scim.userStore.get(f.alice, contextFor())).toMatchObject({ active: false, hidden: true })
  expect(scim.userStore.findByUserName(TENANT, 'alice')).toBeUndefined()
  expect(scim.sessions.isSessionActive(f.session)).toBe(false)
  expect(membersOf(scim, f.team)).toEqual([f.bob])
}

function teamRenamedWithCarol(scim: ScimApp, f: Fixture): void {
  expect(scim.teamStore.get(f.team, contextFor())?.displayName).toBe('Renamed')
  expect(membersOf(scim, f.team)).toEqual([f.carol])
}

const USER_SCENARIOS: Scenario[] = [
  {
    name: 'POST /Users → create',
    store: 'user',
    method: 'create',
    send: (api) => api.post('/Users', newUser()),
    retryStatus: 201,
  },
  {
    name: 'POST /Users (adoptLocalUsers, no collision) → create',
    store: 'user',
    method: 'create',
    router: { adoptLocalUsers: true, isProtectedUser: () => false },
    send: (api) => api.post('/Users', newUser()),
    retryStatus: 201,
  },
  {
    name: 'POST /Users (adoptLocalUsers) → findByUserNameOrEmail',
    store: 'user',
    method: 'findByUserNameOrEmail',
    router: { adoptLocalUsers: true, isProtectedUser: () => false },
    send: (api) => api.post('/Users', adoptLocal()),
    retryStatus: 201,
    after: (scim, f) => expect(scim.userStore.get(f.local, contextFor())?.provisioned).toBe(true),
  },
  {
    name: 'POST /Users (adoptLocalUsers) → update of the local user',
    store: 'user',
    method: 'update',
    router: { adoptLocalUsers: true, isProtectedUser: () => false },
    send: (api) => api.post('/Users', adoptLocal()),
    retryStatus: 201,
    after: (scim, f) => expect(scim.userStore.get(f.local, contextFor())?.provisioned).toBe(true),
  },
  {
    name: 'GET /Users/:id → get',
    store: 'user',
    method: 'get',
    send: (api, f) => api.get(`/Users/${f.alice}`),
    retryStatus: 200,
    readOnly: true,
  },
  {
    name: 'PUT /Users/:id → get',
    store: 'user',
    method: 'get',
    send: (api, f) => api.put(`/Users/${f.alice}`, putAlice()),
    retryStatus: 200,
  },
  {
    name: 'PUT /Users/:id → update (the password is not changed either)',
    store: 'user',
    method: 'update',
    send: (api, f) => api.put(`/Users/${f.alice}`, putAlice()),
    retryStatus: 200,
    after: (scim, f) => expect(scim.userStore.verifyPassword(TENANT, f.alice, 'New-pass-2')).toBe(true),
  },
  {
    name: 'PATCH /Users/:id → get',
    store: 'user',
    method: 'get',
    send: (api, f) => api.patch(`/Users/${f.alice}`, deactivate),
    retryStatus: 200,
  },
  {
    name: 'PATCH /Users/:id (deactivation) → update: still active, sessions alive',
    store: 'user',
    method: 'update',
    send: (api, f) =>
      api.patch(`/Users/${f.alice}`, patchBody(rename, { op: 'replace', path: 'active', value: false })),
    retryStatus: 200,
    after: (scim, f) => {
      expect(scim.userStore.get(f.alice, contextFor())).toMatchObject({
        active: false,
        displayName: 'Renamed',
      })
      expect(scim.sessions.isSessionActive(f.session)).toBe(false)
    },
  },
  {
    name: 'DELETE /Users/:id → get',
    store: 'user',
    method: 'get',
    send: (api, f) => api.delete(`/Users/${f.alice}`),
    retryStatus: 204,
    after: aliceGone,
  },
  {
    name: 'DELETE /Users/:id → update (the disable step)',
    store: 'user',
    method: 'update',
    send: (api, f) => api.delete(`/Users/${f.alice}`),
    retryStatus: 204,
    after: aliceGone,
  },
  {
    name: 'DELETE /Users/:id → delete (documented: disabled, sessions revoked, memberships gone, user kept)',
    store: 'user',
    method: 'delete',
    send: (api, f) => api.delete(`/Users/${f.alice}`),
    retryStatus: 204,
    partial: (scim, f) => {
      disabledButKept(scim, f)
      expect(scim.sessions.isSessionActive(f.session)).toBe(false)
      expect(membersOf(scim, f.team)).toEqual([f.bob])
    },
    after: aliceGone,
  },
  {
    name: "DELETE /Users/:id (userDeletion 'disable') → the hiding update (documented)",
    store: 'user',
    method: 'update',
    skip: 1,
    router: { userDeletion: 'disable' },
    send: (api, f) => api.delete(`/Users/${f.alice}`),
    retryStatus: 204,
    partial: (scim, f) => {
      disabledButKept(scim, f)
      expect(scim.sessions.isSessionActive(f.session)).toBe(false)
      expect(membersOf(scim, f.team)).toEqual([f.bob])
    },
    after: aliceHidden,
  },
  {
    name: "DELETE /Users/:id (userDeletion 'disable') → the second get (documented)",
    store: 'user',
    method: 'get',
    skip: 1,
    router: { userDeletion: 'disable' },
    send: (api, f) => api.delete(`/Users/${f.alice}`),
    retryStatus: 204,
    partial: (scim, f) => {
      disabledButKept(scim, f)
      expect(scim.sessions.isSessionActive(f.session)).toBe(false)
      expect(membersOf(scim, f.team)).toEqual([f.bob])
    },
    after: aliceHidden,
  },
  {
    name: 'GET /Users → list',
    store: 'user',
    method: 'list',
    send: (api) => api.get('/Users?filter=userName%20eq%20%22alice%22'),
    retryStatus: 200,
    readOnly: true,
  },
  {
    name: 'POST /Users/.search → list',
    store: 'user',
    method: 'list',
    send: (api) => api.post('/Users/.search', search('userName sw "a"')),
    retryStatus: 200,
    readOnly: true,
  },
  {
    name: 'POST /.search → users list',
    store: 'user',
    method: 'list',
    send: (api) => api.post('/.search', search()),
    retryStatus: 200,
    readOnly: true,
  },
  {
    name: 'POST /Groups with members → findExisting',
    store: 'user',
    method: 'findExisting',
    send: (api, f) => api.post('/Groups', groupBody('New', [f.alice, f.carol])),
    retryStatus: 201,
  },
  {
    name: 'POST /Groups with members, no findExisting → get',
    store: 'user',
    method: 'get',
    skip: 1,
    hideUser: ['findExisting'],
    send: (api, f) => api.post('/Groups', groupBody('New', [f.alice, f.bob, f.carol])),
    retryStatus: 201,
  },
  {
    name: 'PUT /Groups/:id → findExisting',
    store: 'user',
    method: 'findExisting',
    send: (api, f) => api.put(`/Groups/${f.team}`, groupBody('Renamed', [f.carol])),
    retryStatus: 200,
    after: teamRenamedWithCarol,
  },
  {
    name: 'PATCH /Groups/:id add members → findExisting',
    store: 'user',
    method: 'findExisting',
    send: (api, f) => api.patch(`/Groups/${f.team}`, patchBody(addCarol(f))),
    retryStatus: 204,
    after: (scim, f) => expect(membersOf(scim, f.team)).toEqual([f.alice, f.bob, f.carol]),
  },
]

const TEAM_SCENARIOS: Scenario[] = [
  {
    name: 'POST /Groups → create',
    store: 'team',
    method: 'create',
    send: (api, f) => api.post('/Groups', groupBody('New', [f.alice])),
    retryStatus: 201,
  },
  {
    name: 'GET /Groups/:id → get',
    store: 'team',
    method: 'get',
    send: (api, f) => api.get(`/Groups/${f.team}`),
    retryStatus: 200,
    readOnly: true,
  },
  {
    name: 'PUT /Groups/:id → get',
    store: 'team',
    method: 'get',
    send: (api, f) => api.put(`/Groups/${f.team}`, groupBody('Renamed', [f.carol])),
    retryStatus: 200,
    after: teamRenamedWithCarol,
  },
  {
    name: 'PATCH /Groups/:id → get',
    store: 'team',
    method: 'get',
    send: (api, f) => api.patch(`/Groups/${f.team}`, patchBody(rename, addCarol(f))),
    retryStatus: 204,
  },
  {
    name: 'DELETE /Groups/:id → get',
    store: 'team',
    method: 'get',
    send: (api, f) => api.delete(`/Groups/${f.team}`),
    retryStatus: 204,
  },
  {
    name: 'GET /Groups → list',
    store: 'team',
    method: 'list',
    send: (api) => api.get('/Groups'),
    retryStatus: 200,
    readOnly: true,
  },
  {
    name: 'POST /Groups/.search → list',
    store: 'team',
    method: 'list',
    send: (api, f) => api.post('/Groups/.search', search(`members.value eq "${f.alice}"`)),
    retryStatus: 200,
    readOnly: true,
  },
  {
    name: 'POST /.search → groups list (after the users page)',
    store: 'team',
    method: 'list',
    send: (api) => api.post('/.search', search()),
    retryStatus: 200,
    readOnly: true,
  },
  {
    name: 'PATCH /Groups/:id rename only → update',
    store: 'team',
    method: 'update',
    send: (api, f) => api.patch(`/Groups/${f.team}`, patchBody(rename)),
    retryStatus: 204,
  },
  {
    name: 'DELETE /Groups/:id → delete',
    store: 'team',
    method: 'delete',
    send: (api, f) => api.delete(`/Groups/${f.team}`),
    retryStatus: 204,
    after: (scim, f) => expect(scim.teamStore.get(f.team, contextFor())).toBeUndefined(),
  },
  {
    name: 'PATCH /Groups/:id add → addMembers',
    store: 'team',
    method: 'addMembers',
    send: (api, f) => api.patch(`/Groups/${f.team}`, patchBody(addCarol(f))),
    retryStatus: 204,
  },
  {
    name: 'PATCH /Groups/:id remove → removeMembers',
    store: 'team',
    method: 'removeMembers',
    send: (api, f) => api.patch(`/Groups/${f.team}`, patchBody(removeBob(f))),
    retryStatus: 204,
    after: (scim, f) => expect(membersOf(scim, f.team)).toEqual([f.alice]),
  },
  {
    name: 'PATCH /Groups/:id replace members → replaceMembers',
    store: 'team',
    method: 'replaceMembers',
    send: (api, f) =>
      api.patch(
        `/Groups/${f.team}`,
        patchBody({ op: 'replace', path: 'members', value: [{ value: f.carol }] }),
      ),
    retryStatus: 204,
    after: (scim, f) => expect(membersOf(scim, f.team)).toEqual([f.carol]),
  },
  {
    name: 'GET /Groups/:id → listMembers',
    store: 'team',
    method: 'listMembers',
    send: (api, f) => api.get(`/Groups/${f.team}`),
    retryStatus: 200,
    readOnly: true,
  },
  {
    // The memory store reads a page's members in one batch.
    name: 'GET /Groups → listMembersOfTeams',
    store: 'team',
    method: 'listMembersOfTeams',
    send: (api) => api.get('/Groups'),
    retryStatus: 200,
    readOnly: true,
  },

  {
    name: 'PATCH /Groups/:id needing the member list → listMembers',
    store: 'team',
    method: 'listMembers',
    send: (api, f) =>
      api.patch(
        `/Groups/${f.team}`,
        patchBody({ op: 'replace', path: `members[value eq "${f.bob}"].display`, value: 'Bobby' }, rename),
      ),
    retryStatus: 204,
  },
  {
    name: 'DELETE /Users/:id → removeUserFromTeams (documented: disabled, sessions revoked, memberships kept)',
    store: 'team',
    method: 'removeUserFromTeams',
    send: (api, f) => api.delete(`/Users/${f.alice}`),
    retryStatus: 204,
    partial: (scim, f) => {
      disabledButKept(scim, f)
      expect(scim.sessions.isSessionActive(f.session)).toBe(false)
      expect(membersOf(scim, f.team)).toEqual([f.alice, f.bob])
    },
    after: aliceGone,
  },
  {
    name: 'PUT /Groups/:id → applyChange: neither the name nor the members change',
    store: 'team',
    method: 'applyChange',
    send: (api, f) => api.put(`/Groups/${f.team}`, groupBody('Renamed', [f.carol])),
    retryStatus: 200,
    after: teamRenamedWithCarol,
  },
  {
    name: 'PATCH /Groups/:id rename + add → applyChange',
    store: 'team',
    method: 'applyChange',
    send: (api, f) => api.patch(`/Groups/${f.team}`, patchBody(rename, addCarol(f))),
    retryStatus: 204,
    after: (scim, f) => {
      expect(scim.teamStore.get(f.team, contextFor())?.displayName).toBe('Renamed')
      expect(membersOf(scim, f.team)).toEqual([f.alice, f.bob, f.carol])
    },
  },
  {
    name: 'PATCH /Groups/:id remove + add → applyChange',
    store: 'team',
    method: 'applyChange',
    send: (api, f) => api.patch(`/Groups/${f.team}`, patchBody(removeBob(f), addCarol(f))),
    retryStatus: 204,
    after: (scim, f) => expect(membersOf(scim, f.team)).toEqual([f.alice, f.carol]),
  },
  {
    name: 'PUT /Groups/:id without applyChange → update (the first call): nothing written',
    store: 'team',
    method: 'update',
    hideTeam: ['applyChange'],
    send: (api, f) => api.put(`/Groups/${f.team}`, groupBody('Renamed', [f.carol])),
    retryStatus: 200,
    after: teamRenamedWithCarol,
  },
  {
    name: 'PUT /Groups/:id without applyChange → replaceMembers (documented: the name is written, the members not)',
    store: 'team',
    method: 'replaceMembers',
    hideTeam: ['applyChange'],
    send: (api, f) => api.put(`/Groups/${f.team}`, groupBody('Renamed', [f.carol])),
    retryStatus: 200,
    partial: (scim, f) => {
      expect(scim.teamStore.get(f.team, contextFor())?.displayName).toBe('Renamed')
      expect(membersOf(scim, f.team)).toEqual([f.alice, f.bob])
    },
    after: teamRenamedWithCarol,
  },
  {
    name: 'PATCH /Groups/:id remove + add without applyChange → addMembers (documented: the removal is written)',
    store: 'team',
    method: 'addMembers',
    hideTeam: ['applyChange'],
    send: (api, f) => api.patch(`/Groups/${f.team}`, patchBody(removeBob(f), addCarol(f))),
    retryStatus: 204,
    partial: (scim, f) => expect(membersOf(scim, f.team)).toEqual([f.alice]),
    after: (scim, f) => expect(membersOf(scim, f.team)).toEqual([f.alice, f.carol]),
  },
  {
    name: 'PATCH /Groups/:id rename + add without applyChange → addMembers (documented: the rename is written)',
    store: 'team',
    method: 'addMembers',
    hideTeam: ['applyChange'],
    send: (api, f) => api.patch(`/Groups/${f.team}`, patchBody(rename, addCarol(f))),
    retryStatus: 204,
    partial: (scim, f) => {
      expect(scim.teamStore.get(f.team, contextFor())?.displayName).toBe('Renamed')
      expect(membersOf(scim, f.team)).toEqual([f.alice, f.bob])
    },
    after: (scim, f) => {
      expect(scim.teamStore.get(f.team, contextFor())?.displayName).toBe('Renamed')
      expect(membersOf(scim, f.team)).toEqual([f.alice, f.bob, f.carol])
    },
  },
]

// ---- debug output: captured for the whole file, checked after every fault ----------------------------

const captured = captureDebugOutput()

/** The debug output since `mark` says a request failed, and carries nothing of the cause. */
function expectCleanLog(mark: number, expectFailureLine = true): void {
  const text = captured.slice(mark).join('\n')
  if (expectFailureLine) expect(text).toMatch(/express-scim:store .*failed/)
  for (const leak of LEAKS) expect(text).not.toContain(leak)
  expect(text).not.toMatch(STACK_FRAME)
}

/** The process still serves ordinary requests. */
async function expectHealthy(api: ScimClient): Promise<void> {
  const res = await api.get('/Users?count=1')
  expect(res.status).toBe(200)
  expect(res.body.totalResults).toBeGreaterThan(0)
  expect((await api.get('/Groups?excludedAttributes=members')).status).toBe(200)
}

describe.each(EXPRESS_VERSIONS)('on %s', (_label, makeExpress) => {
  describe.each(MODES)('a store method that fails (%s)', (mode) => {
    it.each([...USER_SCENARIOS, ...TEAM_SCENARIOS].map((s) => [s.name, s] as const))(
      '%s: opaque 500, nothing half written, the retry succeeds',
      async (_name, scenario) => {
        const { scim, api, users, teams } = faultyApp(makeExpress, {
          ...(scenario.router ? { router: scenario.router } : {}),
          ...(scenario.hideUser ? { hideUser: scenario.hideUser } : {}),
          ...(scenario.hideTeam ? { hideTeam: scenario.hideTeam } : {}),
        })
        const f = await fixture(scim, api)
        const faults = scenario.store === 'user' ? users : teams
        const before = snapshot(scim, f)
        const eventsBefore = scim.events.length
        const mark = captured.length

        faults.arm(scenario.method, mode, { skip: scenario.skip ?? 0, times: 1 })
        const res = await scenario.send(api, f)
        expect(faults.injected).toBe(1)
        expectOpaque500(res)
        faults.disarm()
        expectCleanLog(mark)

        if (scenario.partial) {
          scenario.partial(scim, f)
          expect(scim.events.map((e) => e.type)).not.toContain('user.deleted')
        } else {
          expect(snapshot(scim, f)).toEqual(before)
          expect(scim.events.slice(eventsBefore)).toEqual([])
        }

        await expectHealthy(api)
        const retry = await scenario.send(api, f)
        expect({ status: retry.status, body: retry.status >= 400 ? retry.body : undefined }).toEqual({
          status: scenario.retryStatus,
          body: undefined,
        })
        if (scenario.readOnly) expect(snapshot(scim, f)).toEqual(before)
        else expect(snapshot(scim, f)).not.toEqual(before)
        scenario.after?.(scim, f)
        expectCleanLog(mark)
      },
    )
  })

  describe('a failure after the write is committed', () => {
    it.each(MODES)(
      'PUT /Groups/:id whose response cannot read the members (%s): 500, the change is whole, the retry answers 200',
      async (mode) => {
        const { scim, api, teams } = faultyApp(makeExpress)
        const f = await fixture(scim, api)
        teams.arm('listMembers', mode)
        expectOpaque500(await api.put(`/Groups/${f.team}`, groupBody('Renamed', [f.carol])))
        teams.disarm()
        // applyChange wrote the name and the members together: all of it, never half.
        teamRenamedWithCarol(scim, f)
        const retry = await api.put(`/Groups/${f.team}`, groupBody('Renamed', [f.carol]))
        expect(retry.status).toBe(200)
        expect(retry.body.members.map((m: { value: string }) => m.value)).toEqual([f.carol])
        teamRenamedWithCarol(scim, f)
      },
    )

    it.each(MODES)(
      'PATCH /Groups/:id add whose response cannot re-read the group (%s): 500, the member is added, the retry answers 204',
      async (mode) => {
        const { scim, api, teams } = faultyApp(makeExpress)
        const f = await fixture(scim, api)
        const version = scim.teamStore.get(f.team, contextFor())?.version
        teams.arm('get', mode, { skip: 1 })
        expectOpaque500(await api.patch(`/Groups/${f.team}`, patchBody(addCarol(f))))
        teams.disarm()
        expect(membersOf(scim, f.team)).toEqual([f.alice, f.bob, f.carol])
        expect(scim.teamStore.get(f.team, contextFor())?.displayName).toBe('Team')
        const retry = await api.patch(`/Groups/${f.team}`, patchBody(addCarol(f)))
        expect(retry.status).toBe(204)
        expect(retry.headers.etag).not.toBe(`W/"${version}"`)
        expect(membersOf(scim, f.team)).toEqual([f.alice, f.bob, f.carol])
      },
    )
  })

  describe('odd things a store may throw', () => {
    const throwables: [string, () => unknown, number][] = [
      ['a string', () => `db down: ${SECRET}`, 500],
      ['null', () => null, 500],
      ['undefined', () => undefined, 500],
      [
        'a plain object with a message and a stack',
        () => ({ message: SECRET, stack: driverError().stack }),
        500,
      ],
      [
        'an HTTP-client-like error with status 404 (not an http-errors error)',
        () => Object.assign(new Error(SECRET), { status: 404, statusCode: 404 }),
        500,
      ],
      [
        'an error with status 409 and scimType uniqueness but no expose flag',
        () => Object.assign(new Error(SECRET), { status: 409, scimType: 'uniqueness' }),
        500,
      ],
      [
        'an http-errors-shaped 503 marked exposed',
        () => Object.assign(new Error(SECRET), { status: 503, statusCode: 503, expose: true }),
        503,
      ],
      ['an AggregateError', () => new AggregateError([driverError()], SECRET), 500],
    ]

    it.each(throwables)(
      '%s: the answer says nothing of it and nothing is written',
      async (_name, make, status) => {
        const scim = buildScimApp({
          express: makeExpress,
          wrapUserStore: (store) => ({
            create: () => {
              throw make()
            },
            get: () => Promise.reject(make()),
            list: (query, context) => store.list(query, context),
            update: () => {
              throw make()
            },
            delete: () => {
              throw make()
            },
          }),
        })
        const api = client(scim)
        const mark = captured.length
        for (const res of [
          await api.post('/Users', newUser()),
          await api.get('/Users/4f6a3c1e-0000-4000-8000-000000000001'),
          await api.patch('/Users/4f6a3c1e-0000-4000-8000-000000000001', deactivate),
          await api.delete('/Users/4f6a3c1e-0000-4000-8000-000000000001'),
        ]) {
          // An exposed 5xx keeps its status but never its detail; anything else is a plain 500.
          expect({ status: res.status, text: res.text }).toEqual({
            status,
            text: JSON.stringify({ schemas: [ERROR_SCHEMA_URN], status: String(status) }),
          })
          const raw = `${res.text}${JSON.stringify(res.headers)}`
          for (const leak of LEAKS) expect(raw).not.toContain(leak)
          expect(raw).not.toMatch(STACK_FRAME)
        }
        expect(scim.userStore.size(TENANT)).toBe(0)
        expect(scim.events).toEqual([])
        expectCleanLog(mark)
        expect((await api.get('/Users')).status).toBe(200)
      },
    )
  })

  describe('hooks that fail', () => {
    /** Runs a fixed sequence of writes and reads and returns what the client saw, ids and times normalised. */
    async function transcript(scim: ScimApp): Promise<unknown[]> {
      const api = client(scim)
      const ids: string[] = []
      const seen: unknown[] = []
      const normalise = (res: request.Response) => {
        let text = res.text
        if (res.body?.id && !ids.includes(res.body.id)) ids.push(res.body.id)
        ids.forEach((id, index) => {
          text = text.split(id).join(`<id${index}>`)
        })
        text = text
          .replace(/https?:\/\/[^/"]+/g, '<origin>')
          .replace(/"(created|lastModified)":"[^"]*"/g, '"$1":"<time>"')
        seen.push({ status: res.status, etag: res.headers.etag, text })
        return res
      }
      const alice = (await api.post('/Users', userBody('alice', email('a@example.com'))).then(normalise)).body
        .id
      const session = scim.sessions.createSession(TENANT, alice)
      const bob = (await api.post('/Users', userBody('bob')).then(normalise)).body.id
      await api.patch(`/Users/${alice}`, deactivate).then(normalise)
      await api.put(`/Users/${alice}`, userBody('alice', { active: true, displayName: 'A' })).then(normalise)
      const group = (await api.post('/Groups', groupBody('G', [alice])).then(normalise)).body.id
      await api
        .patch(`/Groups/${group}`, patchBody(rename, { op: 'add', path: 'members', value: [{ value: bob }] }))
        .then(normalise)
      await api.put(`/Groups/${group}`, groupBody('H', [bob])).then(normalise)
      await api.get(`/Groups/${group}`).then(normalise)
      await api.delete(`/Users/${alice}`).then(normalise)
      await api.delete(`/Groups/${group}`).then(normalise)
      await api.get('/Users').then(normalise)
      seen.push({ sessionActive: scim.sessions.isSessionActive(session), users: scim.userStore.size(TENANT) })
      return seen
    }

    it('an onEvent that throws, rejects, rejects late, never settles or throws a non-Error changes no response', async () => {
      const reference = await transcript(buildScimApp({ express: makeExpress }))
      const calls = new Map<string, number>()
      const count = (name: string) => calls.set(name, (calls.get(name) ?? 0) + 1)
      const hooks: [string, (event: ScimEvent) => void | Promise<void>][] = [
        [
          'throws',
          () => {
            count('throws')
            throw driverError()
          },
        ],
        [
          'rejects',
          () => {
            count('rejects')
            return Promise.reject(driverError())
          },
        ],
        [
          'rejects late',
          () => {
            count('rejects late')
            return new Promise((_, reject) => setTimeout(() => reject(driverError()), 5))
          },
        ],
        [
          'never settles',
          () => {
            count('never settles')
            return new Promise(() => undefined)
          },
        ],
        [
          'throws a string',
          () => {
            count('throws a string')
            throw SECRET
          },
        ],
      ]
      const mark = captured.length
      for (const [name, onEvent] of hooks) {
        const got = await transcript(buildScimApp({ express: makeExpress, router: { onEvent } }))
        expect({ name, got }).toEqual({ name, got: reference })
        expect(calls.get(name)).toBeGreaterThan(5)
      }
      await new Promise((resolve) => setTimeout(resolve, 20))
      expectCleanLog(mark, false)
      expect(captured.slice(mark).join('\n')).toMatch(/onEvent (threw|rejected)/)
    })

    it.each(MODES)(
      'a settings provider that fails (%s): 503 for reads and writes, nothing written',
      async (mode) => {
        let failing = false
        const scim = buildScimApp({
          express: makeExpress,
          router: {
            settings: () =>
              failing ? (fail(mode) as Promise<never>) : { userSyncEnabled: true, groupSyncEnabled: true },
          },
        })
        const api = client(scim)
        const f = await fixture(scim, api)
        const before = snapshot(scim, f)
        const eventsBefore = scim.events.length
        const mark = captured.length
        failing = true
        for (const res of [
          await api.post('/Users', newUser()),
          await api.patch(`/Users/${f.alice}`, deactivate),
          await api.put(`/Users/${f.alice}`, putAlice()),
          await api.delete(`/Users/${f.alice}`),
          await api.post('/Groups', groupBody('New', [f.alice])),
          await api.patch(`/Groups/${f.team}`, patchBody(rename, addCarol(f))),
          await api.delete(`/Groups/${f.team}`),
          await api.get(`/Users/${f.alice}`),
          await api.get('/Users'),
        ]) {
          expect(res.status).toBe(503)
          expect(res.body).toEqual({
            schemas: [ERROR_SCHEMA_URN],
            status: '503',
          })
          for (const leak of LEAKS) expect(`${res.text}${JSON.stringify(res.headers)}`).not.toContain(leak)
        }
        expect(snapshot(scim, f)).toEqual(before)
        expect(scim.events.length).toBe(eventsBefore)
        expectCleanLog(mark)
        failing = false
        await expectHealthy(api)
        expect((await api.patch(`/Users/${f.alice}`, deactivate)).status).toBe(200)
      },
    )

    it.each(MODES)(
      'an authenticate that fails (%s): 500 without detail, no WWW-Authenticate, nothing written',
      async (mode) => {
        let failing = false
        const scim = buildScimApp({
          express: makeExpress,
          router: {
            authenticate: () => (failing ? (fail(mode) as Promise<never>) : { tenant: TENANT, id: 'idp' }),
          },
        })
        const api = client(scim)
        const f = await fixture(scim, api)
        const before = snapshot(scim, f)
        const mark = captured.length
        failing = true
        for (const res of [
          await api.post('/Users', newUser()),
          await api.delete(`/Users/${f.alice}`),
          await api.get('/Users'),
        ]) {
          expectOpaque500(res)
          expect(res.headers['www-authenticate']).toBeUndefined()
        }
        expect(snapshot(scim, f)).toEqual(before)
        expectCleanLog(mark, false)
        expect(captured.slice(mark).join('\n')).toContain('authenticate threw')
        failing = false
        await expectHealthy(api)
      },
    )

    it('an authenticate whose answer throws when read (a `then` getter): an opaque 500, its error not shown', async () => {
      const scim = buildScimApp({
        express: makeExpress,
        router: {
          authenticate: () =>
            Object.defineProperty({ tenant: TENANT }, 'then', {
              get() {
                throw scimError(400, 'invalidValue', 'secret detail from the host')
              },
            }),
        },
      })
      const res = await client(scim).get('/Users')
      expectOpaque500(res)
      expect(res.text).not.toContain('secret detail')
    })

    it('an authenticate that throws a 503 ScimError (its token store is down): 503 with Retry-After, nothing written', async () => {
      let failing = false
      const unavailable = () =>
        withResponseHeaders(scimError(503, undefined, 'The database is unavailable; retry later'), {
          'Retry-After': '5',
        })
      const scim = buildScimApp({
        express: makeExpress,
        router: {
          authenticate: () => {
            if (failing) throw unavailable()
            return { tenant: TENANT, id: 'idp' }
          },
        },
      })
      const api = client(scim)
      const f = await fixture(scim, api)
      const before = snapshot(scim, f)
      failing = true
      for (const res of [await api.post('/Users', newUser()), await api.get('/Users')]) {
        expect(res.status).toBe(503)
        expect(res.body.status).toBe('503')
        expect(res.headers['retry-after']).toBe('5')
        expect(res.headers['www-authenticate']).toBeUndefined()
      }
      expect(snapshot(scim, f)).toEqual(before)
      failing = false
      await expectHealthy(api)
    })
  })

  describe('a failing SessionRevoker', () => {
    /** Delegates to the app's MemorySessionRevoker unless `failing`; counts calls. */
    class FlakyRevoker implements SessionRevoker {
      failing = true
      calls = 0
      inner: MemorySessionRevoker | undefined
      constructor(readonly mode: Mode) {}
      revokeUserSessions(...args: Parameters<SessionRevoker['revokeUserSessions']>): Promise<void> | void {
        this.calls += 1
        if (this.failing) return fail(this.mode) as Promise<void>
        return this.inner?.revokeUserSessions(...args)
      }
    }

    function revokerApp(mode: Mode, router: Partial<ScimRouterOptions> = {}) {
      const flaky = new FlakyRevoker(mode)
      const sessions = new MemorySessionRevoker()
      flaky.inner = sessions
      const scim = buildScimApp({ express: makeExpress, router: { ...router, sessionRevoker: flaky } })
      return { scim, api: client(scim), flaky, sessions }
    }

    it.each(MODES)(
      'PATCH active false (%s): 500, the user stays disabled, the retry revokes and answers 200',
      async (mode) => {
        const { scim, api, flaky, sessions } = revokerApp(mode)
        const alice = await createUser(api, 'alice')
        const session = sessions.createSession(TENANT, alice)
        const mark = captured.length

        expectOpaque500(await api.patch(`/Users/${alice}`, deactivate))
        expect(flaky.calls).toBe(1)
        expect((await api.get(`/Users/${alice}`)).body.active).toBe(false)
        expect(sessions.isSessionActive(session)).toBe(true)
        expectCleanLog(mark)
        await expectHealthy(api)

        flaky.failing = false
        const retry = await api.patch(`/Users/${alice}`, deactivate)
        expect(retry.status).toBe(200)
        expect(retry.body.active).toBe(false)
        expect(flaky.calls).toBe(2)
        expect(sessions.isSessionActive(session)).toBe(false)
        expect(sessions.revocationCount(TENANT, alice)).toBe(1)
        expect(scim.events.filter((e) => e.type === 'user.sessionsRevoked')).toHaveLength(1)
      },
    )

    it.each(MODES)('PUT active false (%s): 500, disabled, the retry revokes', async (mode) => {
      const { api, flaky, sessions } = revokerApp(mode)
      const alice = await createUser(api, 'alice')
      const session = sessions.createSession(TENANT, alice)
      expectOpaque500(await api.put(`/Users/${alice}`, userBody('alice', { active: false })))
      expect((await api.get(`/Users/${alice}`)).body.active).toBe(false)
      expect(sessions.isSessionActive(session)).toBe(true)
      flaky.failing = false
      expect((await api.put(`/Users/${alice}`, userBody('alice', { active: false }))).status).toBe(200)
      expect(sessions.isSessionActive(session)).toBe(false)
    })

    it.each(MODES)(
      'DELETE (%s): 500, disabled and kept with its memberships, the retry answers 204 and completes it',
      async (mode) => {
        const { scim, api, flaky, sessions } = revokerApp(mode)
        const alice = await createUser(api, 'alice')
        const bob = await createUser(api, 'bob')
        const team = await createGroup(api, 'Team', [alice, bob])
        const session = sessions.createSession(TENANT, alice)

        expectOpaque500(await api.delete(`/Users/${alice}`))
        expect(flaky.calls).toBe(1)
        const kept = await api.get(`/Users/${alice}`)
        expect({ status: kept.status, active: kept.body.active }).toEqual({ status: 200, active: false })
        expect(sessions.isSessionActive(session)).toBe(true)
        expect(membersOf(scim, team)).toEqual([alice, bob])
        expect(scim.events.map((e) => e.type)).not.toContain('user.deleted')

        flaky.failing = false
        expect((await api.delete(`/Users/${alice}`)).status).toBe(204)
        expect(flaky.calls).toBe(2)
        expect(sessions.isSessionActive(session)).toBe(false)
        expect(scim.userStore.get(alice, contextFor())).toBeUndefined()
        expect(membersOf(scim, team)).toEqual([bob])
        expect(scim.events.filter((e) => e.type === 'user.deleted')).toHaveLength(1)
        expect((await api.delete(`/Users/${alice}`)).status).toBe(404)
      },
    )

    it.each(MODES)(
      "DELETE with userDeletion 'disable' (%s): 500, disabled and visible; the retry hides it",
      async (mode) => {
        const { scim, api, flaky, sessions } = revokerApp(mode, { userDeletion: 'disable' })
        const alice = await createUser(api, 'alice')
        const session = sessions.createSession(TENANT, alice)
        expectOpaque500(await api.delete(`/Users/${alice}`))
        expect(scim.userStore.get(alice, contextFor())).toMatchObject({ active: false })
        expect(scim.userStore.get(alice, contextFor())?.hidden).toBeUndefined()
        flaky.failing = false
        expect((await api.delete(`/Users/${alice}`)).status).toBe(204)
        expect(scim.userStore.get(alice, contextFor())).toMatchObject({ active: false, hidden: true })
        expect(sessions.isSessionActive(session)).toBe(false)
      },
    )

    it.each(MODES)(
      'writes that leave a user active never call the revoker (%s): a failing revoker does not fail them',
      async (mode) => {
        const { api, flaky } = revokerApp(mode)
        const alice = await createUser(api, 'alice')
        expect((await api.patch(`/Users/${alice}`, patchBody(rename))).status).toBe(200)
        expect((await api.put(`/Users/${alice}`, userBody('alice'))).status).toBe(200)
        expect((await api.get(`/Users/${alice}`)).status).toBe(200)
        expect(flaky.calls).toBe(0)
      },
    )

    it.each(MODES)(
      'adopting a local user as inactive (%s): 500, the user stays disabled, and the retry of the POST revokes its sessions',
      async (mode) => {
        const { scim, api, flaky, sessions } = revokerApp(mode, {
          adoptLocalUsers: true,
          isProtectedUser: () => false,
        })
        const local = scim.userStore.addLocalUser(TENANT, {
          userName: 'local',
          email: 'local@example.com',
          active: true,
        })
        const session = sessions.createSession(TENANT, local.id)
        const body = userBody('local', {
          active: false,
          externalId: 'ext-local',
          ...email('local@example.com'),
        })

        expectOpaque500(await api.post('/Users', body))
        expect(flaky.calls).toBe(1)
        expect(scim.userStore.get(local.id, contextFor())).toMatchObject({ active: false })
        expect(sessions.isSessionActive(session)).toBe(true)

        flaky.failing = false
        // The IdP retries the POST it got a 500 for: whatever it answers, the disabled user's sessions must end.
        const retry = await api.post('/Users', body)
        expect({ retry: retry.status < 500, sessionActive: sessions.isSessionActive(session) }).toEqual({
          retry: true,
          sessionActive: false,
        })
      },
    )
  })
})
