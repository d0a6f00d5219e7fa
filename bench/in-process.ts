// In-process A/B of builds of the router (not part of `npm run bench`): stub requests and responses, no sockets, so the machine's noise barely moves the result.
//
// Usage: `npm run build`, then `node --expose-gc --max-semi-space-size=256 --import tsx bench/in-process.ts
// dist/lib [<another built lib dir>] [floor]` (without `--expose-gc`, no bytes are printed). `floor` adds the
// Express floor's handler (`bench/floor.ts`) over the same users, unmounted: the router's own cost against
// the least any handler pays for the same answers, with neither Express nor sockets in the figures. An older commit's
// build: `git worktree add ../old <commit> && (cd ../old && npm ci && npx tsc -p tsconfig.build.json
// --outDir build)`, then pass `../old/build/lib`. `BENCH_CASES=POST` (comma-separated name prefixes) runs
// only those cases.
// Each build gets its own router over 20,000 users, all in one group as in the HTTP benchmark; the cases run twice (the first pass warms up the
// JIT and is not printed), in 10 alternating batches of 20,000 requests, and the median µs per request
// is printed (POST adds a user each time, so it runs a tenth as many). The stubs' own cost (a few µs, more
// for POST's body stream) is in every figure alike, so compare builds, not absolutes.
// With `--expose-gc`, the bytes allocated per request are printed too.
import { EventEmitter } from 'node:events'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { resolve } from 'node:path'
import { Readable } from 'node:stream'
import type * as Library from '../lib'
import { addFloorTeam, addFloorUser, createFloorState, floorHandler } from './floor'
import { collectYoungGeneration } from './gc'

const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User'
const BATCHES = 10
const PER_BATCH = 20_000

/** The part of a ServerResponse the router writes to, recording nothing but the end. */
class StubResponse extends EventEmitter {
  statusCode = 200
  headersSent = false
  readonly #headers = new Map<string, unknown>()
  constructor(private readonly done: () => void) {
    super()
  }
  setHeader(name: string, value: unknown): this {
    this.#headers.set(name.toLowerCase(), value)
    return this
  }
  getHeader(name: string): unknown {
    return this.#headers.get(name.toLowerCase())
  }
  writeHead(status: number, headers?: Record<string, unknown>): this {
    this.statusCode = status
    if (headers) for (const name of Object.keys(headers)) this.setHeader(name, headers[name])
    return this
  }
  write(): boolean {
    return true
  }
  end(): void {
    this.headersSent = true
    this.done()
  }
  destroy(): void {}
}

/** A GET, or a POST whose body a stream delivers in one chunk, as a socket would. */
function stubRequest(url: string, body?: string): IncomingMessage {
  const request = (body === undefined
    ? new EventEmitter()
    : Readable.from([Buffer.from(body)])) as unknown as Record<string, unknown>
  request.url = url
  request.method = body === undefined ? 'GET' : 'POST'
  if (body === undefined) {
    request.readableEnded = true
    request.destroyed = false
  }
  request.headers = {
    authorization: 'Bearer bench-token',
    host: '127.0.0.1:3000',
    ...(body === undefined
      ? {}
      : { 'content-type': 'application/scim+json', 'content-length': String(Buffer.byteLength(body)) }),
  }
  request.socket = { encrypted: false }
  return request as unknown as IncomingMessage
}

let created = 0

/** A new user's body: a userName never used before, and the shape Entra sends. */
function newUserBody(): string {
  created++
  return JSON.stringify({
    schemas: [USER_SCHEMA],
    userName: `new${created}@example.com`,
    externalId: `new-${created}`,
    active: true,
    displayName: 'New User',
    name: { givenName: 'New', familyName: 'User' },
    emails: [{ value: `new${created}@example.com`, type: 'work', primary: true }],
  })
}

type Handler = (request: IncomingMessage, response: ServerResponse) => void

async function routerOf(dir: string): Promise<{ handler: Handler; userId: string }> {
  const library: typeof Library = require(resolve(dir))
  const userStore = new library.MemoryUserStore()
  const context = { tenant: 'bench', principal: { tenant: 'bench' }, requestId: 'seed' }
  const ids: string[] = []
  for (let i = 0; i < 20_000; i++) {
    const userName = `user${i}@example.com`
    const document = { schemas: [USER_SCHEMA], userName, externalId: `ext-${i}`, active: true }
    const user = await userStore.create(
      { userName, externalId: `ext-${i}`, active: true, document, provisioned: true },
      context,
    )
    ids.push(user.id)
  }
  // As in the HTTP benchmark: every user is in one group, so every answer carries `groups`.
  const teamStore = new library.MemoryTeamStore()
  await teamStore.create(
    { displayName: 'Large team', document: {}, provisioned: true },
    ids.map((value) => ({ value })),
    context,
  )
  const userId = ids[500]!
  const handler = library.createScimRouter({
    userStore,
    teamStore,
    sessionRevoker: new library.MemorySessionRevoker(),
    authenticate: library.staticTokens([{ token: 'bench-token', tenant: 'bench', id: 'bench' }]),
    userSyncEnabled: true,
  }) as Handler
  return { handler, userId }
}

/** The floor handler over the same 20,000 users, answering at the root as the router does. */
function floorOf(): { handler: Handler; userId: string } {
  const state = createFloorState()
  const ids: string[] = []
  for (let i = 0; i < 20_000; i++) {
    const userName = `user${i}@example.com`
    const user = addFloorUser(state, {
      schemas: [USER_SCHEMA],
      userName,
      externalId: `ext-${i}`,
      active: true,
    })
    ids.push(user.id)
  }
  addFloorTeam(state, 'Large team', ids)
  const userId = ids[500]!
  const serve = floorHandler(state, 'bench-token', '')
  // The floor writes its headers with writeHead and ends at once (or when its body is read): the same
  // stub serves it.
  return { handler: serve as Handler, userId }
}

function once(handler: Handler, url: string): Promise<void> {
  return new Promise((done) => {
    const body = url === POST ? newUserBody() : undefined
    handler(
      stubRequest(body === undefined ? url : '/Users', body),
      new StubResponse(done) as unknown as ServerResponse,
    )
  })
}

/** The URL that stands for a POST of a new user. */
const POST = '/Users#post'

async function allocatedPerRequest(handler: Handler, url: string): Promise<number | undefined> {
  // Young garbage only: a full collection would drop the JIT's code, and the requests measured next
  // would allocate as cold code does (see bench/gc.ts).
  if (!collectYoungGeneration()) return undefined
  const before = process.memoryUsage().heapUsed
  // Few enough that no scavenge runs in between with a large young generation (see the usage line).
  for (let i = 0; i < 2_000; i++) await once(handler, url)
  return (process.memoryUsage().heapUsed - before) / 2_000
}

async function main(): Promise<void> {
  const dirs = process.argv.slice(2)
  if (dirs.length === 0) throw new Error('usage: tsx bench/in-process.ts <built lib dir> [<built lib dir>]')
  const builds = []
  for (const dir of dirs) builds.push({ dir, ...(dir === 'floor' ? floorOf() : await routerOf(dir)) })
  const cases: Record<string, (userId: string) => string> = {
    'GET /Users/:id': (id) => `/Users/${id}`,
    'userName eq': () => '/Users?filter=userName%20eq%20%22user500@example.com%22',
    'externalId eq': () => '/Users?filter=externalId%20eq%20%22ext-500%22',
    'POST /Users': () => POST,
  }
  console.log(`${''.padEnd(16)}${dirs.map((d) => d.padStart(24)).join('')}`)
  for (const pass of [0, 1]) {
    for (const [name, urlOf] of Object.entries(cases)) {
      // BENCH_CASES=POST (name prefixes, comma-separated) narrows a run, for a profile of one path.
      const only = process.env.BENCH_CASES?.split(',')
      if (only && !only.some((prefix) => name.startsWith(prefix))) continue
      const times = builds.map(() => [] as number[])
      for (let batch = 0; batch < BATCHES; batch++) {
        for (const [index, build] of builds.entries()) {
          const url = urlOf(build.userId)
          // Every POST adds a user: fewer of them, so the store grows by thousands, not hundreds of thousands.
          const count = url === POST ? PER_BATCH / 10 : PER_BATCH
          const start = process.hrtime.bigint()
          for (let i = 0; i < count; i++) await once(build.handler, url)
          times[index]!.push(Number(process.hrtime.bigint() - start) / count / 1000)
        }
      }
      if (pass === 0) continue
      const cells = []
      for (const [index, build] of builds.entries()) {
        const sorted = times[index]!.sort((a, b) => a - b)
        const bytes = await allocatedPerRequest(build.handler, urlOf(build.userId))
        const median = `${sorted[Math.floor(sorted.length / 2)]!.toFixed(2)} µs`
        cells.push(`${median}${bytes === undefined ? '' : ` ${(bytes / 1024).toFixed(1)} KB`}`.padStart(24))
      }
      console.log(`${name.padEnd(16)}${cells.join('')}`)
    }
  }
}

void main()
