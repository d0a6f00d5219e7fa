// Builds an Express app (4 or 5) with a SCIM router on fresh in-memory stores, plus a small authenticated client, for the integration tests.
import express from 'express'
import express4 from 'express4'
import request from 'supertest'
import {
  createScimRouter,
  ERROR_SCHEMA_URN,
  MemorySessionRevoker,
  MemoryTeamStore,
  MemoryUserStore,
  type RequestContext,
  type ScimEvent,
  type ScimRouterOptions,
  staticTokens,
  type TeamStore,
  type UserStore,
} from '../../lib'

/** An Express application factory: `express` (5) or `express4`. */
export type ExpressFactory = typeof express

/** Both Express majors the router supports, for `describe.each`. */
export const EXPRESS_VERSIONS: readonly [string, ExpressFactory][] = [
  ['Express 5', express],
  ['Express 4', express4],
]

/** The default token, tenant and token id (the events' actor). */
export const TOKEN = 'test-token'
export const TENANT = 'acme'
export const ACTOR = 'idp'

export const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User'
export const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group'
export const ENTERPRISE_SCHEMA = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User'
export const PATCH_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:PatchOp'
export const SEARCH_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:SearchRequest'
export const LIST_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:ListResponse'

/** How to build the app. Everything is optional. */
export interface ScimAppOptions {
  /** The Express factory (default Express 5). */
  readonly express?: ExpressFactory
  /** Where the router is mounted (default `/scim`). */
  readonly mountPath?: string
  /** Leave the TeamStore out (no `/Groups`). */
  readonly withoutTeams?: boolean
  /** Replaces the UserStore the router receives (e.g. a wrapper adding delays); the memory one stays inspectable. */
  readonly wrapUserStore?: (store: MemoryUserStore) => UserStore
  /** Replaces the TeamStore the router receives. */
  readonly wrapTeamStore?: (store: MemoryTeamStore) => TeamStore
  /** Runs on the app before the router is mounted (`app.set('trust proxy', true)`, say). */
  readonly setup?: (app: express.Express) => void
  /** Router options that override the defaults (stores, authenticate, switches, onEvent...). */
  readonly router?: Partial<ScimRouterOptions>
}

/** A built app and what the tests inspect. */
export interface ScimApp {
  readonly app: express.Express
  readonly userStore: MemoryUserStore
  readonly teamStore: MemoryTeamStore
  readonly sessions: MemorySessionRevoker
  /** Every event the default onEvent received, in order. */
  readonly events: ScimEvent[]
  readonly token: string
  readonly tenant: string
  /** The mount path, e.g. `/scim`. */
  readonly base: string
}

/**
 * Builds the app: MemoryUserStore, MemoryTeamStore, MemorySessionRevoker, `staticTokens` with one token
 * (tenant `acme`, id `idp`), user and group sync on, events collected. `options.router` overrides any of it.
 */
export function buildScimApp(options: ScimAppOptions = {}): ScimApp {
  const teamStore = new MemoryTeamStore()
  const userStore = new MemoryUserStore({ teamStore })
  const sessions = new MemorySessionRevoker()
  const events: ScimEvent[] = []
  const base = options.mountPath ?? '/scim'
  const app = (options.express ?? express)()
  options.setup?.(app)
  const routerOptions: ScimRouterOptions = {
    userStore: options.wrapUserStore ? options.wrapUserStore(userStore) : userStore,
    ...(options.withoutTeams
      ? {}
      : { teamStore: options.wrapTeamStore ? options.wrapTeamStore(teamStore) : teamStore }),
    sessionRevoker: sessions,
    authenticate: staticTokens([{ token: TOKEN, tenant: TENANT, id: ACTOR }]),
    userSyncEnabled: true,
    groupSyncEnabled: true,
    onEvent: (event) => {
      events.push(event)
    },
    ...options.router,
  }
  app.use(base, createScimRouter(routerOptions))
  return { app, userStore, teamStore, sessions, events, token: TOKEN, tenant: TENANT, base }
}

/** A request context for calling a store directly, as the router would for `tenant`. */
export function contextFor(tenant: string = TENANT): RequestContext {
  return { tenant, principal: { tenant, id: ACTOR }, requestId: 'test' }
}

/** An authenticated client of one app: paths are relative to the mount path; bodies are sent as SCIM JSON. */
export interface ScimClient {
  get(path: string): request.Test
  delete(path: string): request.Test
  post(path: string, body?: unknown): request.Test
  put(path: string, body?: unknown): request.Test
  patch(path: string, body?: unknown): request.Test
}

export function client(
  scim: Pick<ScimApp, 'app' | 'base'>,
  token: string = TOKEN,
  base: string = scim.base,
): ScimClient {
  const agent = request(scim.app)
  const auth = (test: request.Test) => test.set('Authorization', `Bearer ${token}`)
  const send = (test: request.Test, body: unknown) =>
    body === undefined ? test : test.set('Content-Type', 'application/scim+json').send(JSON.stringify(body))
  return {
    get: (path) => auth(agent.get(base + path)),
    delete: (path) => auth(agent.delete(base + path)),
    post: (path, body) => send(auth(agent.post(base + path)), body),
    put: (path, body) => send(auth(agent.put(base + path)), body),
    patch: (path, body) => send(auth(agent.patch(base + path)), body),
  }
}

/** A User body. */
export function userBody(userName: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { schemas: [USER_SCHEMA], userName, active: true, ...extra }
}

/** A Group body. */
export function groupBody(
  displayName: string,
  memberIds: readonly string[] = [],
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    schemas: [GROUP_SCHEMA],
    displayName,
    ...(memberIds.length > 0 ? { members: memberIds.map((value) => ({ value })) } : {}),
    ...extra,
  }
}

/** A PatchOp body. */
export function patchBody(...operations: Record<string, unknown>[]): Record<string, unknown> {
  return { schemas: [PATCH_SCHEMA], Operations: operations }
}

/** POSTs a user and returns its id (expects 201). */
export async function createUser(
  api: ScimClient,
  userName: string,
  extra: Record<string, unknown> = {},
): Promise<string> {
  const res = await api.post('/Users', userBody(userName, extra))
  if (res.status !== 201) throw new Error(`creating ${userName}: ${res.status} ${res.text}`)
  return res.body.id as string
}

/** POSTs a group and returns its id (expects 201). */
export async function createGroup(
  api: ScimClient,
  displayName: string,
  memberIds: readonly string[] = [],
): Promise<string> {
  const res = await api.post('/Groups', groupBody(displayName, memberIds))
  if (res.status !== 201) throw new Error(`creating group ${displayName}: ${res.status} ${res.text}`)
  return res.body.id as string
}

/**
 * Asserts a SCIM error response (RFC 7644 §3.12): the status, the SCIM media type, the error schema, the
 * status as a string, the scimType when given, and no detail on a 5xx.
 */
export function expectScimErrorResponse(res: request.Response, status: number, scimType?: string): void {
  expect({ status: res.status, body: res.text }).toEqual({ status, body: expect.any(String) })
  expect(res.headers['content-type']).toMatch(/^application\/scim\+json/)
  expect(res.body.schemas).toEqual([ERROR_SCHEMA_URN])
  expect(res.body.status).toBe(String(status))
  if (scimType !== undefined) expect(res.body.scimType).toBe(scimType)
  if (status >= 500) {
    expect(res.body.detail).toBeUndefined()
    expect(res.body.scimType).toBeUndefined()
  }
}

/** A weak entity tag, as RFC 7644 §3.14 uses. */
export const WEAK_ETAG = /^W\/"[^"]*"$/

/**
 * A TeamStore over a MemoryTeamStore with only the required methods (no `applyChange`), each delegating,
 * and `overrides` in place of any: for tests that count, delay or drop one method.
 */
export function teamStoreOver(store: MemoryTeamStore, overrides: Partial<TeamStore> = {}): TeamStore {
  return {
    create: (team, members, context) => store.create(team, members, context),
    get: (id, context) => store.get(id, context),
    list: (query, context) => store.list(query, context),
    update: (id, fields, version, context) => store.update(id, fields, version, context),
    delete: (id, context) => store.delete(id, context),
    addMembers: (id, members, context) => store.addMembers(id, members, context),
    removeMembers: (id, userIds, context) => store.removeMembers(id, userIds, context),
    replaceMembers: (id, members, context) => store.replaceMembers(id, members, context),
    listMembers: (id, page, context) => store.listMembers(id, page, context),
    removeUserFromTeams: (userId, context) => store.removeUserFromTeams(userId, context),
    ...overrides,
  }
}
