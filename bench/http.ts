// HTTP benchmark: express-scim against the floor (a raw handler on Express, and on node:http), idiomatic bare Express and scimmy-routers, under autocannon load.
//
// Each server runs in its own child process (this file, forked with `--serve <name>`) and autocannon runs
// in the parent. In one process the load generator would take CPU from the server it measures, which
// compresses every ratio towards 1x; with two processes on a 2-core machine each side has a core, and each
// server has its own heap, so one server's 100,000-member group does not slow another's garbage collection.
import { type ChildProcess, fork } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { createServer, type RequestListener, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { resolve } from 'node:path'
import { performance } from 'node:perf_hooks'
import autocannon from 'autocannon'
import express from 'express'
import SCIMMY from 'scimmy'
import SCIMMYRouters from 'scimmy-routers'
import type * as Library from '../lib'
import { ask, nextMessage } from './child'
import { addFloorTeam, addFloorUser, createFloorState, type FloorState, floorHandler } from './floor'
import { collectYoungGeneration } from './gc'

const SERVERS = ['express-scim', 'express-scim-node', 'floor', 'raw', 'bare', 'scimmy', 'base'] as const
type ServerName = (typeof SERVERS)[number]

const TOKEN = 'bench-token'
const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User'
const LIST_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:ListResponse'
const PATCH_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:PatchOp'
/** Every server holds this many users: the large group's members must be users of the tenant. */
const USER_COUNT = 100_000
const SMALL_GROUP = 100
/** The user the GETs read: one of the first 1,000 seeded users. */
const TARGET_USER = 500
const userName = (i: number) => `user${i}@example.com`
const externalId = (i: number) => `ext-${i}`

/** What a server child reports once it has seeded its data and listens. */
interface Fixture {
  readonly port: number
  /** The SCIM id of `user500@example.com`. */
  readonly userId: string
  readonly smallGroupId: string
  readonly largeGroupId: string
  /** The small group's members, also members of the large one: the PATCH requests re-add them in turn. */
  readonly rotation: readonly string[]
}

type ParentMessage = { readonly type: 'start' | 'idle?' | 'close' }
type ChildMessage =
  | { readonly type: 'ready'; readonly fixture: Fixture }
  | { readonly type: 'started' }
  /** `cpuMicros`: the server process's CPU time (user + system, all threads) since `start`. */
  | { readonly type: 'idle'; readonly cpuMicros: number }

/** A seeded server, before it listens: its request listener (an Express app or a raw handler) and the ids of its data. */
interface Seeded {
  readonly app: RequestListener
  readonly fixture: Omit<Fixture, 'port'>
}

/**
 * The small group's members: 100 users spread evenly over all of them (the last is user 99,999). The large
 * group holds every user, and PATCH re-adds the small group's members to either group in turn, so the two
 * PATCH requests differ in the group's size only, and a store that scans a member list from its head
 * cannot hide it (these members sit throughout the large group's list, its tail included).
 *
 * The members are re-added (an idempotent add), so the groups keep exactly 100 and 100,000 members however
 * many requests a run makes; adding fresh users instead would grow the small group by thousands within a
 * run, for the fast servers only. Every server still authenticates, parses, checks the user and writes
 * the membership.
 */
function smallGroupOf(ids: readonly string[]): string[] {
  const stride = Math.floor(ids.length / SMALL_GROUP)
  return Array.from({ length: SMALL_GROUP }, (_, i) => ids[(i + 1) * stride - 1]!)
}

// ---------------------------------------------------------------------------------------------------
// Server 1: express-scim, the built library (bench/library.ts) with its in-memory stores.

/** The router over seeded memory stores, and the ids of its data. */
async function seedRouter(
  // Loaded here, not at the top, so `BENCH_HTTP_ONLY=baselines` runs without a build of the library.
  library: typeof Library = require('./library').library,
): Promise<{ router: RequestListener; fixture: Omit<Fixture, 'port'> }> {
  const userStore = new library.MemoryUserStore()
  const teamStore = new library.MemoryTeamStore()
  const sessionRevoker = new library.MemorySessionRevoker()
  const context = { tenant: 'bench', principal: { tenant: 'bench' }, requestId: 'seed' }
  const ids: string[] = []
  for (let i = 0; i < USER_COUNT; i++) {
    const name = userName(i)
    const user = await userStore.create(
      {
        userName: name,
        active: true,
        externalId: externalId(i),
        document: { schemas: [USER_SCHEMA], userName: name, externalId: externalId(i), active: true },
        provisioned: true,
      },
      context,
    )
    ids.push(user.id)
  }
  const team = (displayName: string, members: readonly string[]) =>
    teamStore.create(
      { displayName, document: {}, provisioned: true },
      members.map((value) => ({ value })),
      context,
    )
  const rotation = smallGroupOf(ids)
  const small = await team('Small team', rotation)
  const large = await team('Large team', ids)
  const router = library.createScimRouter({
    userStore,
    teamStore,
    sessionRevoker,
    authenticate: library.staticTokens([{ token: TOKEN, tenant: 'bench', id: 'bench' }]),
    userSyncEnabled: true,
    groupSyncEnabled: true,
  })
  return {
    router,
    fixture: { userId: ids[TARGET_USER]!, smallGroupId: small.id, largeGroupId: large.id, rotation },
  }
}

async function seedExpressScim(): Promise<Seeded> {
  const { router, fixture } = await seedRouter()
  const app = express()
  app.use('/scim', router)
  return { app, fixture }
}

/**
 * `base`: another build of the router (`BENCH_BASE_LIB`, a built lib directory such as an earlier
 * commit's), mounted as `express-scim` is: a change measured against what it changed, in the same run.
 */
async function seedBase(): Promise<Seeded> {
  const dir = process.env.BENCH_BASE_LIB
  if (dir === undefined) throw new Error('the base server needs BENCH_BASE_LIB, a built lib directory')
  const { router, fixture } = await seedRouter(require(resolve(dir)))
  const app = express()
  app.use('/scim', router)
  return { app, fixture }
}

/**
 * The same router on plain node:http, for a host that runs SCIM as its own small service. The router
 * serves at the root of its server; under a prefix the host strips it (and sets `baseUrl`, which the
 * benchmark does not need: it checks statuses and bodies, not Location).
 */
async function seedExpressScimNode(): Promise<Seeded> {
  const { router, fixture } = await seedRouter()
  return { app: withoutPrefix(router), fixture }
}

/** Serves `handler` under `/scim` on plain node:http: strips the prefix, 404 elsewhere. */
function withoutPrefix(handler: RequestListener): RequestListener {
  return (req, res) => {
    const url = req.url ?? '/'
    if (!url.startsWith('/scim/')) {
      res.writeHead(404)
      res.end()
      return
    }
    req.url = url.slice('/scim'.length)
    handler(req, res)
  }
}

// ---------------------------------------------------------------------------------------------------
// Server 2: the ceiling. Plain Express and Maps doing the least each request needs: the same routes, a
// bearer token compare, JSON bodies, a userName index, members in a Set. No schema, no validation beyond
// what the request must have, so express-scim / bare is what the SCIM machinery costs over Express. It is
// idiomatic Express (`express.Router`, `res.json`, which also hashes every body for an ETag): a router that
// routes itself and writes with Node's response API, as express-scim does, can beat it on simple reads.

interface BareUser {
  readonly schemas: readonly string[]
  readonly id: string
  readonly userName: string
  readonly externalId?: string
  readonly active: boolean
  readonly meta: { readonly resourceType: 'User'; readonly created: string; readonly location: string }
}

interface BareGroup {
  readonly id: string
  readonly displayName: string
  readonly members: Set<string>
  version: number
}

const scimError = (res: express.Response, status: number, detail: string) =>
  res.status(status).json({ schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status, detail })

const EQ_USERNAME = /^\s*(userName|externalId)\s+eq\s+"([^"\\]*)"\s*$/i

function seedBare(): Seeded {
  const users = new Map<string, BareUser>()
  const byUserName = new Map<string, BareUser>()
  const byExternalId = new Map<string, BareUser>()
  const groups = new Map<string, BareGroup>()
  const created = new Date().toISOString()
  const addUser = (name: string, active: boolean, external: unknown) => {
    const id = randomUUID()
    const user: BareUser = {
      schemas: [USER_SCHEMA],
      id,
      userName: name,
      ...(typeof external === 'string' ? { externalId: external } : {}),
      active,
      meta: { resourceType: 'User', created, location: `/scim/Users/${id}` },
    }
    users.set(id, user)
    byUserName.set(name.toLowerCase(), user)
    if (user.externalId !== undefined) byExternalId.set(user.externalId, user)
    return user
  }
  const ids: string[] = []
  for (let i = 0; i < USER_COUNT; i++) ids.push(addUser(userName(i), true, externalId(i)).id)
  const addGroup = (displayName: string, members: readonly string[]) => {
    const group: BareGroup = { id: randomUUID(), displayName, members: new Set(members), version: 1 }
    groups.set(group.id, group)
    return group.id
  }
  const rotation = smallGroupOf(ids)
  const smallGroupId = addGroup('Small team', rotation)
  const largeGroupId = addGroup('Large team', ids)

  const scim = express.Router()
  scim.use((req, res, next) => {
    if (req.headers.authorization !== `Bearer ${TOKEN}`) scimError(res, 401, 'Unauthorized')
    else next()
  })
  scim.use(express.json({ type: ['application/json', 'application/scim+json'] }))
  scim.get('/Users/:id', (req, res) => {
    const user = users.get(req.params.id)
    if (user === undefined) scimError(res, 404, 'Not found')
    else res.json(user)
  })
  scim.get('/Users', (req, res) => {
    const filter = req.query['filter']
    const match = typeof filter === 'string' ? EQ_USERNAME.exec(filter) : null
    if (match === null) {
      scimError(res, 400, 'Only userName eq and externalId eq filters are served')
      return
    }
    const user =
      match[1]!.toLowerCase() === 'username'
        ? byUserName.get(match[2]!.toLowerCase())
        : byExternalId.get(match[2]!)
    const resources = user === undefined ? [] : [user]
    res.json({
      schemas: [LIST_SCHEMA],
      totalResults: resources.length,
      startIndex: 1,
      itemsPerPage: resources.length,
      Resources: resources,
    })
  })
  scim.post('/Users', (req, res) => {
    const body: unknown = req.body
    const name = typeof body === 'object' && body !== null ? (body as Record<string, unknown>)['userName'] : 0
    if (typeof name !== 'string') scimError(res, 400, 'userName is required')
    else if (byUserName.has(name.toLowerCase())) scimError(res, 409, 'userName is taken')
    else {
      const fields = body as Record<string, unknown>
      const user = addUser(name, fields['active'] !== false, fields['externalId'])
      res.status(201).location(user.meta.location).json(user)
    }
  })
  scim.patch('/Groups/:id', (req, res) => {
    const group = groups.get(req.params.id)
    const operations: unknown = req.body?.Operations
    if (group === undefined) return scimError(res, 404, 'Not found')
    if (!Array.isArray(operations)) return scimError(res, 400, 'Operations is required')
    for (const operation of operations) {
      if (operation?.op !== 'add' || operation.path !== 'members' || !Array.isArray(operation.value))
        return scimError(res, 400, 'Only member adds are served')
      for (const member of operation.value) {
        if (!users.has(member?.value)) return scimError(res, 400, 'No such user')
        group.members.add(member.value)
      }
    }
    group.version++
    return res.status(204).end()
  })
  const app = express()
  app.use('/scim', scim)
  return { app, fixture: { userId: ids[TARGET_USER]!, smallGroupId, largeGroupId, rotation } }
}

// ---------------------------------------------------------------------------------------------------
// Server 3: the Node peer, scimmy + scimmy-routers (Express routers over scimmy's resource classes). Both
// packages ship CommonJS builds beside their ESM, and this project is CommonJS, so the imports load
// dist/cjs/scimmy.cjs and dist/routers.cjs: one SCIMMY singleton, shared by the routers. The handlers are
// Map-backed and as cheap as scimmy allows (a userName index for `eq` filters); scimmy hands a PATCH the
// whole group, so the group ingress receives and stores every member: that is scimmy's design, measured.

function seedScimmy(): Seeded {
  interface Meta {
    created: Date
    lastModified: Date
  }
  interface ScimmyUser {
    id: string
    userName: string
    active: boolean
    meta: Meta
    [attribute: string]: unknown
  }
  interface ScimmyGroup {
    id: string
    displayName: string
    members: { value: string }[]
    meta: Meta
  }
  const users = new Map<string, ScimmyUser>()
  const byUserName = new Map<string, ScimmyUser>()
  const byExternalId = new Map<string, ScimmyUser>()
  const groups = new Map<string, ScimmyGroup>()
  const created = new Date()
  const store = (user: ScimmyUser) => {
    users.set(user.id, user)
    byUserName.set(user.userName.toLowerCase(), user)
    if (typeof user['externalId'] === 'string') byExternalId.set(user['externalId'], user)
    return user
  }
  const ids: string[] = []
  for (let i = 0; i < USER_COUNT; i++) {
    const id = randomUUID()
    store({
      id,
      userName: userName(i),
      externalId: externalId(i),
      active: true,
      meta: { created, lastModified: created },
    })
    ids.push(id)
  }
  const addGroup = (displayName: string, members: readonly string[]) => {
    const id = randomUUID()
    groups.set(id, {
      id,
      displayName,
      members: members.map((value) => ({ value })),
      meta: { created, lastModified: created },
    })
    return id
  }
  const rotation = smallGroupOf(ids)
  const smallGroupId = addGroup('Small team', rotation)
  const largeGroupId = addGroup('Large team', ids)
  const notFound = (id: string) => new SCIMMY.Types.Error(404, '', `Resource ${id} not found`)

  // scimmy types its handlers' results as its schema classes; these return plain records, which scimmy
  // coerces on the way out, so the handlers are cast at this one boundary (`as never`).
  type Resource = { readonly id?: string; readonly filter?: InstanceType<typeof SCIMMY.Types.Filter> }
  SCIMMY.Resources.declare(SCIMMY.Resources.User)
    .egress(((resource: Resource) => {
      if (resource.id !== undefined) {
        const user = users.get(resource.id)
        if (user === undefined) throw notFound(resource.id)
        return user
      }
      // The filters measured, `userName eq "..."` and `externalId eq "..."`, are index lookups; the rest scans.
      const filter = resource.filter
      const only = filter?.length === 1 ? (filter[0] as Record<string, unknown>) : undefined
      const key = only === undefined ? undefined : Object.keys(only)
      const attribute = key?.length === 1 ? key[0]!.toLowerCase() : undefined
      const expression = attribute === 'username' || attribute === 'externalid' ? only![key![0]!] : undefined
      if (Array.isArray(expression) && expression[0] === 'eq' && typeof expression[1] === 'string') {
        const user =
          attribute === 'username'
            ? byUserName.get(expression[1].toLowerCase())
            : byExternalId.get(expression[1])
        return user === undefined ? [] : [user]
      }
      const all = [...users.values()]
      return filter === undefined ? all : filter.match(all)
    }) as never)
    .ingress(((resource: Resource, instance: Record<string, unknown>) => {
      const name = String(instance['userName'])
      const holder = byUserName.get(name.toLowerCase())
      if (holder !== undefined && holder.id !== resource.id)
        throw new SCIMMY.Types.Error(409, 'uniqueness', `userName ${name} is taken`)
      const previous = resource.id === undefined ? undefined : users.get(resource.id)
      if (resource.id !== undefined && previous === undefined) throw notFound(resource.id)
      if (previous !== undefined) byUserName.delete(previous.userName.toLowerCase())
      const now = new Date()
      return store({
        ...instance,
        id: previous?.id ?? randomUUID(),
        userName: name,
        active: instance['active'] !== false,
        meta: { created: previous?.meta.created ?? now, lastModified: now },
      })
    }) as never)
  SCIMMY.Resources.declare(SCIMMY.Resources.Group)
    .egress(((resource: Resource) => {
      if (resource.id === undefined) return [...groups.values()]
      const group = groups.get(resource.id)
      if (group === undefined) throw notFound(resource.id)
      return group
    }) as never)
    .ingress(((resource: Resource, instance: { displayName?: string; members?: { value: string }[] }) => {
      const previous = resource.id === undefined ? undefined : groups.get(resource.id)
      if (resource.id !== undefined && previous === undefined) throw notFound(resource.id)
      // scimmy appends an added member even when it is already one; a host keeps a set, so it dedupes.
      const seen = new Set<string>()
      const members: { value: string }[] = []
      for (const member of instance.members ?? []) {
        if (seen.has(member.value)) continue
        seen.add(member.value)
        members.push({ value: member.value })
      }
      const now = new Date()
      const group: ScimmyGroup = {
        id: previous?.id ?? randomUUID(),
        displayName: instance.displayName ?? previous?.displayName ?? '',
        members,
        meta: { created: previous?.meta.created ?? now, lastModified: now },
      }
      groups.set(group.id, group)
      return group
    }) as never)

  const app = express()
  app.use(
    '/scim',
    new SCIMMYRouters({
      type: 'bearer',
      handler: (req) => {
        if (req.headers.authorization !== `Bearer ${TOKEN}`) throw new Error('Unauthorized')
        return 'bench'
      },
      context: () => ({ tenant: 'bench' }),
    }),
  )
  return { app, fixture: { userId: ids[TARGET_USER]!, smallGroupId, largeGroupId, rotation } }
}

// ---------------------------------------------------------------------------------------------------
// Servers 4 and 5: the floor (bench/floor.ts), a raw handler giving the router's answers with nothing
// else, mounted on Express 5 with `app.use('/scim', handler)` (the floor for any Express middleware) and
// on plain node:http (the floor of Node itself).

function seedFloorState(): { state: FloorState; fixture: Omit<Fixture, 'port'> } {
  const state = createFloorState()
  const ids: string[] = []
  for (let i = 0; i < USER_COUNT; i++) {
    const document = {
      schemas: [USER_SCHEMA],
      userName: userName(i),
      externalId: externalId(i),
      active: true,
    }
    ids.push(addFloorUser(state, document).id)
  }
  const rotation = smallGroupOf(ids)
  const smallGroupId = addFloorTeam(state, 'Small team', rotation)
  const largeGroupId = addFloorTeam(state, 'Large team', ids)
  return { state, fixture: { userId: ids[TARGET_USER]!, smallGroupId, largeGroupId, rotation } }
}

function seedFloor(): Seeded {
  const { state, fixture } = seedFloorState()
  const app = express()
  app.use('/scim', floorHandler(state, TOKEN, '/scim'))
  return { app, fixture }
}

function seedRaw(): Seeded {
  const { state, fixture } = seedFloorState()
  return { app: withoutPrefix(floorHandler(state, TOKEN, '/scim')), fixture }
}

// ---------------------------------------------------------------------------------------------------
// The child side: seed, listen, answer the parent.

const SEEDERS: Record<ServerName, () => Seeded | Promise<Seeded>> = {
  'express-scim': seedExpressScim,
  'express-scim-node': seedExpressScimNode,
  floor: seedFloor,
  raw: seedRaw,
  bare: seedBare,
  scimmy: seedScimmy,
  base: seedBase,
}

/**
 * Answers `idle` once the event loop has been nearly idle for 100 ms: a slow server is still working
 * through requests autocannon gave up on, and that work must not overlap the next server's run. The
 * run's young garbage is then collected here, rather than during the next server's run.
 */
function reportWhenIdle(since: NodeJS.CpuUsage, send: (message: ChildMessage) => void): void {
  let last = performance.eventLoopUtilization()
  const check = () => {
    const now = performance.eventLoopUtilization()
    const window = performance.eventLoopUtilization(now, last)
    last = now
    if (window.utilization >= 0.05) setTimeout(check, 100)
    else {
      const cpu = process.cpuUsage(since)
      collectYoungGeneration()
      send({ type: 'idle', cpuMicros: cpu.user + cpu.system })
    }
  }
  setTimeout(check, 100)
}

async function serve(name: ServerName): Promise<void> {
  const send = (message: ChildMessage) => process.send?.(message)
  const { app, fixture } = await SEEDERS[name]()
  const server: Server = await new Promise((resolve) => {
    const listening = createServer(app).listen(0, '127.0.0.1', () => resolve(listening))
  })
  // Exit with the parent, even when it dies without saying goodbye.
  process.on('disconnect', () => process.exit(0))
  let runStart = process.cpuUsage()
  process.on('message', (message: ParentMessage) => {
    if (message.type === 'start') {
      runStart = process.cpuUsage()
      send({ type: 'started' })
    } else if (message.type === 'idle?') reportWhenIdle(runStart, send)
    else {
      server.closeAllConnections()
      server.close(() => process.disconnect())
    }
  })
  send({ type: 'ready', fixture: { ...fixture, port: (server.address() as AddressInfo).port } })
}

// ---------------------------------------------------------------------------------------------------
// The parent side: start the children, drive autocannon, print medians and targets.

interface Child {
  readonly name: ServerName
  readonly fixture: Fixture
  /** Marks the start of a run, for the server's CPU time. */
  start(): Promise<void>
  /** Resolves when the server has finished the run's work, with the CPU time it took (µs). */
  idle(): Promise<number>
  close(): Promise<void>
}

function startChild(name: ServerName): Promise<Child> {
  const child: ChildProcess = fork(__filename, ['--serve', name], {
    execArgv: [...process.execArgv, '--expose-gc'],
    stdio: 'inherit',
  })
  const next = <T extends ChildMessage['type']>(type: T) => nextMessage<ChildMessage, T>(child, name, type)
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  return next('ready').then((ready) => ({
    name,
    fixture: ready.fixture,
    async start() {
      await ask<ChildMessage, 'started'>(child, name, { type: 'start' } satisfies ParentMessage, 'started')
    },
    async idle() {
      return (await ask<ChildMessage, 'idle'>(child, name, { type: 'idle?' } satisfies ParentMessage, 'idle'))
        .cpuMicros
    },
    async close() {
      if (child.exitCode !== null || child.signalCode !== null) return
      if (child.connected) child.send({ type: 'close' } satisfies ParentMessage)
      const timer = setTimeout(() => child.kill(), 5000)
      await exited
      clearTimeout(timer)
    },
  }))
}

/** One measured request: what it sends to a server, and what a correct answer looks like. */
interface Case {
  readonly name: string
  readonly method: 'GET' | 'POST' | 'PATCH'
  readonly request: (fixture: Fixture, tag: string) => autocannon.Request
  /** Checks one answer before load is applied; returns what is wrong, or undefined. */
  readonly check: (status: number, body: unknown) => string | undefined
}

const HEADERS = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/scim+json' }

/** A request whose body changes every time: autocannon calls `setupRequest` before each send. */
function dynamic(method: 'POST' | 'PATCH', path: string, body: (n: number) => unknown): autocannon.Request {
  let n = 0
  return {
    method,
    path,
    headers: HEADERS,
    setupRequest: (request) => ({ ...request, body: JSON.stringify(body(n++)) }),
  }
}

const expectStatus = (want: readonly number[], status: number) =>
  want.includes(status) ? undefined : `status ${status}, expected ${want.join(' or ')}`

const field = (body: unknown, key: string): unknown =>
  typeof body === 'object' && body !== null ? (body as Record<string, unknown>)[key] : undefined

const patchCase = (label: string, group: 'small' | 'large'): Case => ({
  name: `PATCH /Groups/:id (${label} members)`,
  method: 'PATCH',
  request: ({ rotation, smallGroupId, largeGroupId }) =>
    dynamic('PATCH', `/scim/Groups/${group === 'small' ? smallGroupId : largeGroupId}`, (n) => ({
      schemas: [PATCH_SCHEMA],
      Operations: [{ op: 'add', path: 'members', value: [{ value: rotation[n % rotation.length] }] }],
    })),
  check: (status) => expectStatus([200, 204], status),
})

const PATCH_SMALL = patchCase('100', 'small')
const PATCH_LARGE = patchCase('100,000', 'large')

const CASES: readonly Case[] = [
  {
    name: 'GET /Users/:id',
    method: 'GET',
    request: (fixture) => ({ method: 'GET', path: `/scim/Users/${fixture.userId}`, headers: HEADERS }),
    check: (status, body) =>
      expectStatus([200], status) ??
      (field(body, 'userName') === userName(TARGET_USER) ? undefined : 'wrong user'),
  },
  {
    name: 'GET /Users?filter=userName eq',
    method: 'GET',
    request: () => ({
      method: 'GET',
      path: `/scim/Users?filter=${encodeURIComponent(`userName eq "${userName(TARGET_USER)}"`)}`,
      headers: HEADERS,
    }),
    check: (status, body) =>
      expectStatus([200], status) ??
      (field(body, 'totalResults') === 1 ? undefined : 'totalResults is not 1'),
  },
  {
    name: 'GET /Users?filter=externalId eq',
    method: 'GET',
    request: () => ({
      method: 'GET',
      path: `/scim/Users?filter=${encodeURIComponent(`externalId eq "${externalId(TARGET_USER)}"`)}`,
      headers: HEADERS,
    }),
    check: (status, body) =>
      expectStatus([200], status) ??
      (field(body, 'totalResults') === 1 ? undefined : 'totalResults is not 1'),
  },
  PATCH_SMALL,
  PATCH_LARGE,
  {
    name: 'POST /Users',
    method: 'POST',
    // Last: every POST adds a user, and the heap it grows would slow the requests measured after it.
    // `tag` keeps userNames unique across runs against the same server: a 409 would measure the wrong path.
    request: (_fixture, tag) =>
      dynamic('POST', '/scim/Users', (n) => {
        const name = `new-${tag}-${n}`
        return {
          schemas: [USER_SCHEMA],
          externalId: name,
          userName: `${name}@example.com`,
          active: true,
          displayName: `New User ${n}`,
          name: { givenName: 'New', familyName: `User ${n}` },
          emails: [{ value: `${name}@example.com`, type: 'work', primary: true }],
        }
      }),
    check: (status) => expectStatus([201], status),
  },
]

/**
 * Sends one request of the case with fetch and checks the answer, so that no run measures 401s, 404s or
 * 409s. Returns how long the answer took, in ms.
 */
async function verify(child: Child, testCase: Case, tag: string): Promise<number> {
  const request = testCase.request(child.fixture, tag)
  const setup = request.setupRequest as
    | ((r: autocannon.Request, context: object) => autocannon.Request)
    | undefined
  const built = setup ? setup(request, {}) : request
  const start = performance.now()
  const response = await fetch(`http://127.0.0.1:${child.fixture.port}${built.path}`, {
    method: built.method,
    headers: HEADERS,
    body: built.body === undefined ? undefined : String(built.body),
  })
  const text = await response.text()
  const elapsed = performance.now() - start
  let body: unknown
  try {
    body = text === '' ? undefined : JSON.parse(text)
  } catch {
    body = text
  }
  const problem = testCase.check(response.status, body)
  if (problem !== undefined)
    throw new Error(`${child.name} answers ${testCase.name} wrongly (${problem}): ${text.slice(0, 300)}`)
  return elapsed
}

/**
 * How a server is loaded for one request. Normally 10 connections for the run's duration. A server
 * whose single answer takes longer than 1/30 of the duration (scimmy on a 100,000-member group takes
 * seconds) would answer a handful of requests, none of them in a short run, and leave minutes of queued
 * work behind; it is measured with one connection and as many requests in sequence as fit the duration
 * (at least one). Its req/s is then 1 / service time, which is what 10 connections would get from a
 * CPU-bound single-threaded server anyway; its latencies carry no queueing, which flatters it.
 */
type Plan = { readonly sequential: false } | { readonly sequential: true; readonly amount: number }

async function plan(child: Child, testCase: Case, seconds: number): Promise<Plan> {
  const limit = (seconds * 1000) / 30
  let ms = await verify(child, testCase, 'check')
  // The first answer includes compiling the route's code; a second one tells a slow server from a cold one.
  if (ms > limit) ms = Math.min(ms, await verify(child, testCase, 'probe'))
  if (ms <= limit) return { sequential: false }
  return { sequential: true, amount: Math.max(1, Math.min(100, Math.floor((seconds * 1000) / ms))) }
}

/** One autocannon run's figures. */
interface Run {
  readonly rps: number
  readonly p99: number
  readonly mean: number
  /** Answers outside 2xx. */
  readonly non2xx: number
  /** Connection errors and timeouts. */
  readonly errors: number
  /** The server's CPU time per request (µs): unlike req/s, barely moved by other load on the machine. */
  readonly cpu: number
}

async function load(child: Child, testCase: Case, plan: Plan, seconds: number, tag: string): Promise<Run> {
  await child.start()
  const result = await autocannon({
    url: `http://127.0.0.1:${child.fixture.port}`,
    pipelining: 1,
    ...(plan.sequential ? { connections: 1, amount: plan.amount } : { connections: 10, duration: seconds }),
    // A slow server's answers are results, not errors: only a hung one should time out.
    timeout: 300,
    requests: [testCase.request(child.fixture, tag)],
  })
  const cpuMicros = await child.idle()
  return {
    // Completed answers over the run's time: autocannon's per-second average rests on 3 samples here.
    rps: result.requests.total / result.duration,
    p99: result.latency.p99,
    mean: result.latency.mean,
    non2xx: result.non2xx,
    errors: result.errors,
    // Over requests sent: the server also serves the few still in flight when autocannon stops.
    cpu: cpuMicros / Math.max(1, result.requests.sent),
  }
}

const median = (values: readonly number[]) => {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2
}

/** A server's figures for one request: medians over the rounds, error counts summed. */
interface Summary {
  readonly rps: number
  readonly p99: number
  readonly mean: number
  readonly non2xx: number
  readonly errors: number
  readonly cpu: number
  readonly plan: Plan
  /** Every round, in order: the rounds of two servers pair up (see `pairedRatio`). */
  readonly runs: readonly Run[]
}

function summarise(runs: readonly Run[], plan: Plan): Summary {
  return {
    runs,
    rps: median(runs.map((r) => r.rps)),
    p99: median(runs.map((r) => r.p99)),
    mean: median(runs.map((r) => r.mean)),
    non2xx: runs.reduce((sum, r) => sum + r.non2xx, 0),
    errors: runs.reduce((sum, r) => sum + r.errors, 0),
    cpu: median(runs.map((r) => r.cpu)),
    plan,
  }
}

const formatRps = (rps: number) =>
  rps >= 100 ? Math.round(rps).toLocaleString('en-US') : rps.toFixed(rps >= 10 ? 1 : 2)
const formatMs = (ms: number) => (ms >= 100 ? Math.round(ms).toLocaleString('en-US') : ms.toFixed(1))

const formatRatio = (ratio: number) =>
  `${ratio >= 100 ? Math.round(ratio).toLocaleString('en-US') : ratio.toFixed(2)}x`

/**
 * `a` against `b` as the median of their ratios round by round. In a round the servers run back to back,
 * so a slow spell of the shared machine that spans a round weighs on both sides of its ratio; the ratio
 * of two medians (taken over different rounds) keeps it. Falls back to that ratio when the rounds do not
 * pair up.
 */
function pairedRatio(a: Summary, b: Summary, figure: (run: Run) => number): number {
  if (a.runs.length === 0 || a.runs.length !== b.runs.length) {
    return median(a.runs.map(figure)) / median(b.runs.map(figure))
  }
  return median(a.runs.map((run, i) => figure(run) / figure(b.runs[i]!)))
}

/** `ours` against `other` by req/s, and by CPU per request (`other`'s over `ours`: higher is better for both). */
function ratios(ours: Summary, other: Summary): { rps: number; cpu: number } {
  return {
    rps: pairedRatio(ours, other, (run) => run.rps),
    cpu: 1 / pairedRatio(ours, other, (run) => run.cpu),
  }
}

/**
 * Prints one target line. The verdict is on the measured ratio (the median of the rounds' ratios, see
 * `pairedRatio`); `cpuRatio`, the same comparison made on the servers' CPU time per request, is printed
 * beside it as a check on the machine's noise.
 */
function printTarget(label: string, ratio: number, cpuRatio: number, goal: number, atLeast: boolean): void {
  const pass = atLeast ? ratio >= goal : ratio <= goal
  console.log(
    `  ${label.padEnd(62)} ${formatRatio(ratio).padStart(9)}  (${atLeast ? '>=' : '<='} ${goal}x)  ` +
      `${pass ? 'PASS' : 'MISS'}   by CPU/request ${formatRatio(cpuRatio)}`,
  )
}

/**
 * Runs the HTTP benchmark: every request against every server, `BENCH_ROUNDS` rounds (default 3) of
 * `BENCH_HTTP_SECONDS` (default 3) each, the servers' order rotating every round so that a burst of load
 * on the shared machine hits them alike; prints medians and the targets. `BENCH_HTTP_ONLY=baselines`
 * leaves express-scim out, to check the benchmark itself without the library.
 */
export async function runHttpBench(): Promise<void> {
  const seconds = Number(process.env.BENCH_HTTP_SECONDS ?? 3)
  const rounds = Number(process.env.BENCH_ROUNDS ?? 3)
  // BENCH_HTTP_SERVERS=express-scim,floor and BENCH_HTTP_CASES=GET,POST (name prefixes) narrow a run while working on one path.
  const chosen = process.env.BENCH_HTTP_SERVERS?.split(',')
  const names: readonly ServerName[] =
    process.env.BENCH_HTTP_ONLY === 'baselines'
      ? SERVERS.filter((s) => !s.startsWith('express-scim'))
      : SERVERS.filter((s) =>
          chosen === undefined
            ? s !== 'base' || process.env.BENCH_BASE_LIB !== undefined
            : chosen.includes(s),
        )
  const prefixes = process.env.BENCH_HTTP_CASES?.split(',')
  const cases = CASES.filter((c) => prefixes === undefined || prefixes.some((p) => c.name.startsWith(p)))
  console.log(
    `\nHTTP (autocannon: 10 connections, pipelining 1, ${seconds} s, ${rounds} rounds, medians; each server` +
      ` in its own process; ${USER_COUNT.toLocaleString('en-US')} users; PATCH re-adds existing members)`,
  )
  const children: Child[] = []
  try {
    // One at a time: seeding 100,000 users is CPU work, and the machine has two cores.
    for (const name of names) children.push(await startChild(name))

    const results = new Map<string, Summary>()
    const get = (testCase: Case, server: ServerName) => results.get(`${testCase.name}|${server}`)
    const width = Math.max(...cases.map((c) => c.name.length))
    const columns = ['req/s'.padStart(10), 'p99 ms'.padStart(8), 'CPU µs/req'.padStart(11)].join('')
    console.log(`${''.padEnd(width)}${names.map((n) => `  ${n.padEnd(columns.length)}`).join('')}`)
    console.log(`${'request'.padEnd(width)}${names.map(() => `  ${columns}`).join('')}`)
    for (const testCase of cases) {
      const plans = new Map<ServerName, Plan>()
      for (const child of children) plans.set(child.name, await plan(child, testCase, seconds))
      // Warm-up, not recorded: the JIT, and the first growth of the heap. A sequential server has just
      // been warmed by the probe requests of `plan`.
      for (const child of children) {
        const childPlan = plans.get(child.name)!
        if (!childPlan.sequential) await load(child, testCase, childPlan, Math.min(1, seconds), 'warmup')
      }
      const runs = new Map<ServerName, Run[]>(children.map((c) => [c.name, []]))
      for (let round = 0; round < rounds; round++) {
        const order = children.map((_, i) => children[(i + round) % children.length]!)
        for (const child of order) {
          const run = await load(child, testCase, plans.get(child.name)!, seconds, `r${round}`)
          runs.get(child.name)!.push(run)
          // BENCH_HTTP_VERBOSE=1 prints every run, to see how far a run's rounds spread.
          if (process.env.BENCH_HTTP_VERBOSE)
            console.log(
              `    round ${round} ${child.name}: ${formatRps(run.rps)} req/s, ${formatMs(run.cpu)} µs CPU/req`,
            )
        }
      }
      for (const [server, serverRuns] of runs)
        results.set(`${testCase.name}|${server}`, summarise(serverRuns, plans.get(server)!))
      const cells = names.map((n) => {
        const s = get(testCase, n)!
        const rps = `${s.plan.sequential ? '*' : ''}${formatRps(s.rps)}`
        return `  ${rps.padStart(10)}${formatMs(s.p99).padStart(8)}${formatMs(s.cpu).padStart(11)}`
      })
      console.log(`${testCase.name.padEnd(width)}${cells.join('')}`)
    }
    if ([...results.values()].some((s) => s.plan.sequential))
      console.log(
        '* too slow for 10 connections: one connection, requests in sequence (see `Plan` in bench/http.ts)',
      )

    const wrong = cases.flatMap((testCase) =>
      names.flatMap((n) => {
        const s = get(testCase, n)!
        return s.non2xx + s.errors > 0
          ? [`${n}, ${testCase.name}: ${s.non2xx} non-2xx, ${s.errors} errors`]
          : []
      }),
    )
    console.log(
      wrong.length === 0
        ? 'non-2xx answers and errors: none'
        : `WRONG MEASUREMENTS (non-2xx answers or errors):\n  ${wrong.join('\n  ')}`,
    )

    console.log('targets:')
    for (const testCase of cases) {
      const ours = get(testCase, 'express-scim')
      const floor = get(testCase, 'floor')
      const scimmy = get(testCase, 'scimmy')
      // The floor targets: reads and POST (PATCH's cost is the member store's, measured below).
      if (ours && floor && testCase.method !== 'PATCH') {
        const { rps, cpu } = ratios(ours, floor)
        printTarget(`${testCase.name}: express-scim / Express floor req/s`, rps, cpu, 0.8, true)
      }
      if (ours && scimmy) {
        const { rps, cpu } = ratios(ours, scimmy)
        printTarget(`${testCase.name}: express-scim / scimmy req/s`, rps, cpu, 3, true)
      }
    }
    for (const testCase of cases) {
      const node = get(testCase, 'express-scim-node')
      const raw = get(testCase, 'raw')
      if (node && raw) {
        const { rps, cpu } = ratios(node, raw)
        console.log(
          `  ${`${testCase.name}: express-scim on node:http / raw node:http req/s`.padEnd(62)} ${formatRatio(rps).padStart(9)}  (no target)     by CPU/request ${formatRatio(cpu)}`,
        )
      }
    }
    for (const testCase of cases) {
      const [ours, base, floor] = (['express-scim', 'base', 'floor'] as const).map((n) => get(testCase, n))
      if (!ours || !base) continue
      const { rps, cpu } = ratios(ours, base)
      const parts = [`req/s ${formatRatio(rps)}`, `by CPU/request ${formatRatio(cpu)}`]
      if (floor) parts.push(`base / Express floor req/s ${formatRatio(ratios(base, floor).rps)}`)
      console.log(`  ${`${testCase.name}: express-scim / base`.padEnd(62)} ${parts.join(', ')}`)
    }
    console.log('for reference (no target):')
    for (const testCase of cases) {
      const [ours, floor, raw, bare] = (['express-scim', 'floor', 'raw', 'bare'] as const).map((n) =>
        get(testCase, n),
      )
      if (!floor || !raw) continue
      const parts = [`Express floor / raw node:http ${formatRatio(floor.rps / raw.rps)}`]
      if (bare) parts.push(`bare Express / Express floor ${formatRatio(bare.rps / floor.rps)}`)
      if (ours) parts.push(`express-scim / raw node:http ${formatRatio(ours.rps / raw.rps)}`)
      console.log(`  ${testCase.name.padEnd(38)} ${parts.join(', ')}`)
    }
    const patch = (server: ServerName) => [get(PATCH_SMALL, server), get(PATCH_LARGE, server)] as const
    const [small, large] = patch('express-scim')
    if (small && large)
      printTarget(
        'PATCH mean latency, 100,000 / 100 members: express-scim',
        large.mean / small.mean,
        large.cpu / small.cpu,
        1.5,
        false,
      )
    else {
      const [bareSmall, bareLarge] = patch('bare')
      if (bareSmall && bareLarge)
        console.log(
          `  (express-scim left out; bare PATCH mean latency 100,000 / 100 members: ${formatRatio(bareLarge.mean / bareSmall.mean)})`,
        )
    }
  } finally {
    await Promise.all(children.map((child) => child.close()))
  }
}

if (require.main === module) {
  const [flag, name] = process.argv.slice(2)
  const main =
    flag === '--serve' && SERVERS.includes(name as ServerName) ? serve(name as ServerName) : runHttpBench()
  main.catch((error: unknown) => {
    console.error(error)
    process.exitCode = 1
    process.disconnect?.()
  })
}

export type { Case as HttpCase, Fixture as HttpFixture }
/** The cases and fixtures, for bench/instructions.ts (the same requests, counted in instructions). */
export { CASES as HTTP_CASES }
