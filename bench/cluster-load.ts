// The cluster benchmark's virtual IdP clients: closed loops on keep-alive connections, each sending an Entra-like sync cycle's mix of lookups, reads, creates, updates and member changes.
import { Agent, request } from 'node:http'
import { performance } from 'node:perf_hooks'

const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User'
const PATCH_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:PatchOp'

/** The cycle's mix, in percent: Entra looks a user up far more often than it changes one. */
export const MIX = [
  ['lookup', 50],
  ['get', 15],
  ['create', 10],
  ['update', 15],
  ['member', 10],
] as const
type Op = (typeof MIX)[number][0]

/** The seeded resources the clients read and change. */
export interface Fixture {
  readonly users: readonly { readonly id: string; readonly userName: string }[]
  readonly groups: readonly string[]
}

/** How a load is driven. */
export interface LoadOptions {
  /** The proxy's URL; SCIM is under `/scim`. */
  readonly url: string
  readonly token: string
  readonly fixture: Fixture
  readonly clients: number
  readonly seconds: number
  /** Part of every created user's name: unique per run, so creates never collide. */
  readonly tag: string
  /** Checked before each request: true ends the load early. */
  readonly stop: () => boolean
}

/** What a load measured. */
export interface LoadResult {
  readonly requests: number
  readonly elapsed: number
  readonly p50: number
  readonly p99: number
  /** 404 and 409, which the cycle can meet (a lookup racing a create), not errors. */
  readonly expected: number
  /** Any other status outside 2xx, and requests that got no answer. */
  readonly errors: number
  /** `op status` → count, for the errors. */
  readonly problems: ReadonlyMap<string, number>
  /** `op p50/p99` for each kind of request, in ms. */
  readonly byOp: readonly string[]
}

/** The p-th quantile of ascending `sorted` (nearest rank). */
export const percentile = (sorted: readonly number[], p: number): number =>
  sorted.length === 0 ? Number.NaN : sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)]!

/** mulberry32: each client draws the same sequence in every run, so both replica counts see one mix. */
function random(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = Math.imul(a ^ (a >>> 15), a | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** The op whose band of MIX's cumulative percentages holds `point` (0 to 100). */
function pickOp(point: number): Op {
  let upTo = 0
  for (const [op, weight] of MIX) {
    upTo += weight
    if (point < upTo) return op
  }
  return 'lookup'
}

/** Sends one request and reads the answer to its end (keeping the connection reusable); its status. */
function send(agent: Agent, base: URL, token: string, [method, path, body]: Request): Promise<number> {
  const payload = body === undefined ? undefined : JSON.stringify(body)
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: base.hostname,
        port: base.port,
        method,
        path: `/scim${path}`,
        agent,
        headers: {
          authorization: `Bearer ${token}`,
          accept: 'application/scim+json',
          ...(payload ? { 'content-type': 'application/scim+json' } : {}),
        },
      },
      (res) => {
        res.on('error', reject)
        res.on('end', () => resolve(res.statusCode ?? 0))
        res.resume()
      },
    )
    req.on('error', reject)
    req.end(payload)
  })
}

type Request = readonly [method: string, path: string, body?: unknown]

/** One request of the cycle, as Entra sends it (capitalised ops, "True" / "False" for `active`). */
function requestOf(op: Op, draw: () => number, fixture: Fixture, name: string): Request {
  const user = fixture.users[Math.floor(draw() * fixture.users.length)]!
  switch (op) {
    case 'lookup': {
      // One lookup in five is the one before a create: a name nobody has, answered with an empty list.
      const userName = draw() < 0.2 ? `${name}@example.com` : user.userName
      return ['GET', `/Users?filter=${encodeURIComponent(`userName eq "${userName}"`)}`]
    }
    case 'get':
      return ['GET', `/Users/${user.id}`]
    case 'create':
      return [
        'POST',
        '/Users',
        {
          schemas: [USER_SCHEMA],
          externalId: name,
          userName: `${name}@example.com`,
          active: true,
          displayName: name,
          name: { givenName: 'Bench', familyName: name },
          emails: [{ primary: true, type: 'work', value: `${name}@example.com` }],
        },
      ]
    case 'update':
      return [
        'PATCH',
        `/Users/${user.id}`,
        {
          schemas: [PATCH_SCHEMA],
          Operations: [
            { op: 'Replace', path: 'title', value: `Title ${Math.floor(draw() * 100)}` },
            { op: 'Replace', path: 'active', value: draw() < 0.9 ? 'True' : 'False' },
          ],
        },
      ]
    case 'member': {
      const group = fixture.groups[Math.floor(draw() * fixture.groups.length)]!
      const op = draw() < 0.5 ? 'Add' : 'Remove'
      return [
        'PATCH',
        `/Groups/${group}`,
        { schemas: [PATCH_SCHEMA], Operations: [{ op, path: 'members', value: [{ value: user.id }] }] },
      ]
    }
  }
}

/** `clients` closed loops for `seconds`: each sends its next request when its last one is answered. */
export async function driveLoad(options: LoadOptions): Promise<LoadResult> {
  const base = new URL(options.url)
  const agent = new Agent({ keepAlive: true, maxSockets: options.clients })
  const all: number[] = []
  const byOp = new Map<Op, number[]>(MIX.map(([op]) => [op, []]))
  const problems = new Map<string, number>()
  let expected = 0
  let errors = 0
  const started = performance.now()
  const deadline = started + options.seconds * 1000
  const client = async (index: number) => {
    const draw = random(index + 1)
    for (let n = 0; performance.now() < deadline && !options.stop(); n++) {
      const op = pickOp(draw() * 100)
      const next = requestOf(op, draw, options.fixture, `bench.${options.tag}.${index}.${n}`)
      const sent = performance.now()
      const status = await send(agent, base, options.token, next).catch(() => 0)
      const ms = performance.now() - sent
      all.push(ms)
      byOp.get(op)!.push(ms)
      if (status === 404 || status === 409) expected += 1
      else if (status < 200 || status > 299) {
        errors += 1
        const key = `${op} ${status || 'no answer'}`
        problems.set(key, (problems.get(key) ?? 0) + 1)
      }
    }
  }
  await Promise.all(Array.from({ length: options.clients }, (_, i) => client(i)))
  const elapsed = (performance.now() - started) / 1000
  agent.destroy()
  const ascending = (values: number[]) => values.sort((a, b) => a - b)
  ascending(all)
  return {
    requests: all.length,
    elapsed,
    p50: percentile(all, 0.5),
    p99: percentile(all, 0.99),
    expected,
    errors,
    problems,
    byOp: [...byOp].map(([op, ms]) => {
      ascending(ms)
      return `${op} ${percentile(ms, 0.5).toFixed(0)}/${percentile(ms, 0.99).toFixed(0)}`
    }),
  }
}
