// runLoad against the router on memory stores over a real socket: counts, what it wrote, cleanup, failures, bad options, Ctrl-C.
import type express from 'express'
import { MemoryUserStore } from '../../lib'
import { runLoad } from '../../lib/load/run'
import type { LoadOptions, LoadProgressEvent, LoadReport } from '../../types/load'
import type { NewUser, RequestContext, StoredUser } from '../../types/stores'
import { close, leftOn, type RouterServer, routerServer, STORE_CONTEXT, TOKEN } from '../check/servers'

/** Small sizes: every phase runs, several batches per group, a batch that is not full, workers that overlap. */
const SMALL = { users: 30, groups: 3, members: 10, batchSize: 4, concurrency: 3 } as const
const EVERYTHING = { startIndex: 1, count: 1000, sortOrder: 'ascending' } as const

let target: RouterServer | undefined
afterEach(async () => {
  if (target) await close(target.server)
  target = undefined
})

async function serve(options: Parameters<typeof routerServer>[0] = {}): Promise<RouterServer> {
  target = await routerServer(options)
  return target
}

function load(server: RouterServer, options: Partial<LoadOptions> = {}): Promise<LoadReport> {
  return runLoad({ baseUrl: `${server.origin}/scim`, token: TOKEN, ...SMALL, ...options })
}

/** kind → count, errors: the figures that do not depend on timing. */
function countsOf(report: LoadReport) {
  return report.kinds.map(({ kind, count, errors }) => ({ kind, count, errors }))
}

/** How many requests of each `METHOD /scim/Resource` the server received (ids and queries left out). */
function received(server: RouterServer): Record<string, number> {
  const out: Record<string, number> = {}
  for (const line of server.requests) {
    const [method = '', url = ''] = line.split(' ')
    const [path = '', query] = url.split('?')
    const resource = path.split('/').slice(0, 3).join('/')
    const key = `${method} ${resource}${query === undefined ? '' : '?'}${path.split('/').length > 3 ? '/id' : ''}`
    out[key] = (out[key] ?? 0) + 1
  }
  return out
}

describe('runLoad against the router', () => {
  it('sends each kind of request the planned number of times, all answered as expected, and deletes everything', async () => {
    const server = await serve()
    const events: LoadProgressEvent[] = []
    const report = await load(server, { onProgress: (event) => events.push(event) })

    const batches = SMALL.groups * Math.ceil(SMALL.members / SMALL.batchSize)
    const deactivated = Math.floor(SMALL.users * 0.1)
    expect(countsOf(report)).toEqual([
      { kind: 'user lookup', count: 30, errors: 0 },
      { kind: 'user create', count: 30, errors: 0 },
      { kind: 'group lookup', count: 3, errors: 0 },
      { kind: 'group create', count: 3, errors: 0 },
      { kind: 'member add', count: batches, errors: 0 },
      { kind: 'user update', count: SMALL.users - deactivated, errors: 0 },
      { kind: 'user deactivate', count: deactivated, errors: 0 },
      { kind: 'delete', count: SMALL.users + SMALL.groups, errors: 0 },
    ])
    expect(batches).toBe(9)
    expect(report.errorsByStatus).toEqual({})
    expect(report.interrupted).toBe(false)
    expect(report.plan).toEqual({ ...SMALL, keep: false })
    // The initial sync and the incremental cycle; the cleanup is measured but not counted as load.
    expect(report.requests).toBe(30 + 30 + 3 + 3 + batches + 30)
    expect(report.cleanup).toEqual({ deleted: 33, failed: 0 })
    expect(report.runId).toMatch(/^\d+$/)
    for (const kind of report.kinds) {
      expect(kind.p50).toBeLessThanOrEqual(kind.p95)
      expect(kind.p95).toBeLessThanOrEqual(kind.p99)
      expect(kind.p99).toBeLessThanOrEqual(kind.max)
    }

    // What the server saw agrees with what the run counted.
    expect(received(server)).toEqual({
      'GET /scim/Users?': 30,
      'POST /scim/Users': 30,
      'GET /scim/Groups?': 3,
      'POST /scim/Groups': 3,
      'PATCH /scim/Groups/id': batches,
      'PATCH /scim/Users/id': 30,
      'DELETE /scim/Groups/id': 3,
      'DELETE /scim/Users/id': 30,
    })

    // Each phase's last event reports it complete, in order.
    const last = new Map<string, LoadProgressEvent>()
    for (const event of events) last.set(event.phase, event)
    expect([...last.values()]).toEqual([
      { phase: 'users', done: 30, total: 30 },
      { phase: 'groups', done: 3, total: 3 },
      { phase: 'members', done: batches, total: batches },
      { phase: 'updates', done: 30, total: 30 },
      { phase: 'cleanup', done: 33, total: 33 },
    ])

    expect(await leftOn(server)).toEqual({ users: 0, groups: 0 })
    const page = { startIndex: 1, count: 10, sortOrder: 'ascending' } as const
    expect((await server.users.list(page, STORE_CONTEXT)).totalResults).toBe(0)
    expect((await server.teams.list(page, STORE_CONTEXT)).totalResults).toBe(0)
  })

  it('with keep, leaves the users updated, 10% deactivated, and every group with its members', async () => {
    const server = await serve()
    const report = await load(server, { keep: true, runId: '777' })
    expect(report.errorsByStatus).toEqual({})
    expect(report.plan.keep).toBe(true)
    expect(report.cleanup).toEqual({ deleted: 0, failed: 0 })
    expect(report.kinds.map((k) => k.kind)).not.toContain('delete')

    const users = (await server.users.list(EVERYTHING, STORE_CONTEXT)).resources
    expect(users).toHaveLength(30)
    const index = (user: StoredUser) => Number(/^load\.777\.(\d+)@example\.test$/.exec(user.userName)?.[1])
    expect(users.map(index).sort((a, b) => a - b)).toEqual(Array.from({ length: 30 }, (_, i) => i))
    // Entra's "False" string turned into a boolean false: 3 of 30 users are inactive, the others renamed.
    const inactive = users.filter((user) => user.active === false)
    expect(inactive.map(index).sort((a, b) => a - b)).toEqual([27, 28, 29])
    for (const user of users.filter((u) => u.active)) {
      expect(user.active).toBe(true)
      expect(user.displayName).toBe(`Load User ${index(user)} (updated)`)
    }

    const teams = (await server.teams.list(EVERYTHING, STORE_CONTEXT)).resources
    expect(teams.map((team) => team.displayName).sort()).toEqual([
      'load-777-group-0',
      'load-777-group-1',
      'load-777-group-2',
    ])
    const userIds = new Set(users.map((user) => user.id))
    for (const team of teams) {
      const members = await server.teams.listMembers(team.id, { startIndex: 1, count: 100 }, STORE_CONTEXT)
      expect({ team: team.displayName, members: members?.totalResults }).toEqual({
        team: team.displayName,
        members: SMALL.members,
      })
      const ids = (members?.resources ?? []).map((member) => member.value)
      expect(new Set(ids).size).toBe(SMALL.members)
      for (const id of ids) expect(userIds.has(id)).toBe(true)
    }

    // Cleaning up what `keep` kept is the caller's job.
    for (const team of teams) await server.teams.delete(team.id, STORE_CONTEXT)
    for (const user of users) await server.users.delete(user.id, STORE_CONTEXT)
    expect(await leftOn(server)).toEqual({ users: 0, groups: 0 })
  })

  it('counts a server that answers 500 to every create by status, skips what depends on it, and still cleans up', async () => {
    const failCreates: express.RequestHandler = (request, response, next) => {
      if (request.method === 'POST' && request.path === '/Users') {
        response.status(500).json({ detail: 'broken on purpose' })
        return
      }
      next()
    }
    const server = await serve({ defect: failCreates })
    const report = await load(server)
    expect(report.errorsByStatus).toEqual({ '500': 30 })
    // No user id came back: no member batch, no update, no user to delete; the groups are deleted.
    expect(countsOf(report)).toEqual([
      { kind: 'user lookup', count: 30, errors: 0 },
      { kind: 'user create', count: 30, errors: 30 },
      { kind: 'group lookup', count: 3, errors: 0 },
      { kind: 'group create', count: 3, errors: 0 },
      { kind: 'delete', count: 3, errors: 0 },
    ])
    expect(report.requests).toBe(66)
    expect(report.cleanup).toEqual({ deleted: 3, failed: 0 })
    expect(report.interrupted).toBe(false)
    expect(await leftOn(server)).toEqual({ users: 0, groups: 0 })
  })

  it.each<[string, Partial<LoadOptions>, RegExp]>([
    ['users 0', { users: 0 }, /users/],
    ['users 1.5', { users: 1.5 }, /users/],
    ['users NaN', { users: Number.NaN }, /users/],
    ['groups -1', { groups: -1 }, /groups/],
    ['members above users', { users: 5, members: 6 }, /members/],
    ['concurrency 1000', { concurrency: 1000 }, /concurrency/],
    ['concurrency 0', { concurrency: 0 }, /concurrency/],
    ['batchSize 0', { batchSize: 0 }, /batchSize/],
    ['batchSize 2.5', { batchSize: 2.5 }, /batchSize/],
    ['timeoutMs 0', { timeoutMs: 0 }, /timeoutMs/],
    ['runId with letters', { runId: '12a' }, /runId/],
    ['a base URL that is not http', { baseUrl: 'ftp://127.0.0.1/scim' }, /http/],
    ['a base URL that is not a URL', { baseUrl: 'scim' }, /base URL/],
  ])('refuses %s with a TypeError naming it, before sending anything', async (_label, bad, message) => {
    const server = await serve()
    const run = load(server, bad)
    await expect(run).rejects.toThrow(TypeError)
    await expect(run).rejects.toThrow(message)
    expect(server.requests).toEqual([])
  })

  it('stops when its signal is aborted, says so, and still deletes what it created', async () => {
    const server = await serve()
    const controller = new AbortController()
    const phases = new Set<string>()
    const report = await load(server, {
      signal: controller.signal,
      onProgress: (event) => {
        phases.add(event.phase)
        if (event.phase === 'users' && event.done === 10) controller.abort()
      },
    })
    expect(report.interrupted).toBe(true)
    const kinds = report.kinds.map((k) => k.kind)
    expect(kinds).not.toContain('group create')
    expect(kinds).not.toContain('user update')
    expect([...phases]).toEqual(['users', 'cleanup'])
    const created = report.kinds.find((k) => k.kind === 'user create')
    expect(created?.count).toBeGreaterThanOrEqual(10)
    expect(created?.count).toBeLessThan(30)
    // Every user created is deleted: none failed, none left on the server.
    expect({ cleanup: report.cleanup, left: await leftOn(server) }).toEqual({
      cleanup: { deleted: created?.count, failed: 0 },
      left: { users: 0, groups: 0 },
    })
  })

  it('deletes a user whose create was in flight when the signal was aborted (the server made it anyway)', async () => {
    const controller = new AbortController()
    let creates = 0
    /** Ctrl-C arrives while the server is writing the third user: it is created, the answer goes nowhere. */
    class InterruptedDuringCreate extends MemoryUserStore {
      override create(user: NewUser, context: RequestContext): StoredUser {
        if (++creates === 3) controller.abort()
        return super.create(user, context)
      }
    }
    const server = await serve({ users: new InterruptedDuringCreate() })
    const report = await load(server, {
      users: 5,
      groups: 0,
      members: 0,
      concurrency: 1,
      signal: controller.signal,
    })
    expect(report.interrupted).toBe(true)
    expect(creates).toBe(3)
    // LoadOptions.signal: "no new request starts; what was created is still deleted unless keep".
    expect(await leftOn(server)).toEqual({ users: 0, groups: 0 })
    expect(report.cleanup).toEqual({ deleted: 3, failed: 0 })
  })
})
