// Concurrent requests against one router: parallel member adds, racing creates of one userName, and PATCHes that lose a compare-and-swap race and retry.
import {
  isVersionMismatch,
  type MemoryTeamStore,
  type MemoryUserStore,
  type TeamStore,
  type UserStore,
} from '../../lib'
import {
  buildScimApp,
  client,
  createGroup,
  createUser,
  EXPRESS_VERSIONS,
  expectScimErrorResponse,
  patchBody,
  userBody,
} from '../helpers/scim-app'

/** Lets every other ready request run before the caller continues. */
const yieldTurn = () => new Promise<void>((resolve) => setImmediate(resolve))

/**
 * A gate for the next `count` reads: each waits until all `count` are waiting, then all go on together.
 * Requests that all read before any writes make the compare-and-swap race certain, not a matter of luck.
 */
class ReadGate {
  #waiting: (() => void)[] = []
  #remaining = 0

  /** Holds the next `count` reads. */
  arm(count: number): void {
    this.#remaining = count
  }

  pass(): Promise<void> {
    if (this.#remaining === 0) return Promise.resolve()
    this.#remaining -= 1
    const held = new Promise<void>((resolve) => this.#waiting.push(resolve))
    if (this.#remaining === 0) for (const release of this.#waiting.splice(0)) release()
    return held
  }
}

/** How the wrapped store saw the race. */
interface RaceStats {
  updates: number
  versionMismatches: number
}

async function countUpdate<T>(stats: RaceStats, write: () => T): Promise<T> {
  await yieldTurn()
  stats.updates += 1
  try {
    return write()
  } catch (error) {
    if (isVersionMismatch(error)) stats.versionMismatches += 1
    throw error
  }
}

/** The memory UserStore behind a read gate, with `update` delayed by a turn of the event loop. */
function contendedUsers(gate: ReadGate, stats: RaceStats) {
  return (store: MemoryUserStore): UserStore => ({
    create: (user, context) => store.create(user, context),
    get: async (id, context) => {
      await gate.pass()
      return store.get(id, context)
    },
    list: (query, context) => store.list(query, context),
    update: (id, fields, expectedVersion, context) =>
      countUpdate(stats, () => store.update(id, fields, expectedVersion, context)),
    delete: (id, context) => store.delete(id, context),
    findExisting: (ids, context) => store.findExisting(ids, context),
  })
}

/** The memory TeamStore behind a read gate, with every write delayed by a turn. */
function contendedTeams(gate: ReadGate, stats: RaceStats) {
  return (store: MemoryTeamStore): TeamStore => ({
    create: (team, members, context) => store.create(team, members, context),
    get: async (id, context) => {
      await gate.pass()
      return store.get(id, context)
    },
    list: (query, context) => store.list(query, context),
    update: (id, fields, expectedVersion, context) =>
      countUpdate(stats, () => store.update(id, fields, expectedVersion, context)),
    delete: (id, context) => store.delete(id, context),
    addMembers: async (id, members, context) => {
      await yieldTurn()
      return store.addMembers(id, members, context)
    },
    removeMembers: async (id, userIds, context) => {
      await yieldTurn()
      return store.removeMembers(id, userIds, context)
    },
    replaceMembers: async (id, members, context) => {
      await yieldTurn()
      return store.replaceMembers(id, members, context)
    },
    listMembers: (id, page, context) => store.listMembers(id, page, context),
    removeUserFromTeams: (userId, context) => store.removeUserFromTeams(userId, context),
  })
}

const newStats = (): RaceStats => ({ updates: 0, versionMismatches: 0 })

describe.each(EXPRESS_VERSIONS)('concurrency on %s', (_label, makeExpress) => {
  let gate: ReadGate
  let stats: RaceStats

  beforeEach(() => {
    gate = new ReadGate()
    stats = newStats()
  })

  it('50 parallel PATCH adds of distinct members to one group: all 50 are members afterwards', async () => {
    const scim = buildScimApp({ express: makeExpress, wrapTeamStore: contendedTeams(gate, stats) })
    const api = client(scim)
    const users: string[] = []
    for (let i = 0; i < 50; i++) users.push(await createUser(api, `member-${i}`))
    const group = await createGroup(api, 'Crowd')

    gate.arm(50)
    const responses = await Promise.all(
      users.map((value) =>
        api.patch(`/Groups/${group}`, patchBody({ op: 'add', path: 'members', value: [{ value }] })),
      ),
    )
    expect(responses.map((r) => r.status)).toEqual(users.map(() => 204))
    expect(scim.teamStore.memberCount(scim.tenant, group)).toBe(50)
    const read = await api.get(`/Groups/${group}`)
    const members = (read.body.members as { value: string }[]).map((m) => m.value).sort()
    expect(members).toEqual([...users].sort())
  })

  it('50 parallel PATCHes that each set externalId and add a member: every one lands, no member is lost', async () => {
    const scim = buildScimApp({
      express: makeExpress,
      wrapTeamStore: contendedTeams(gate, stats),
      // Each of the 49 others moves the version on at most twice (its field write, its member add),
      // so no request loses the race more than 98 times.
      router: { maxPatchRetries: 100 },
    })
    const api = client(scim)
    const users: string[] = []
    for (let i = 0; i < 50; i++) users.push(await createUser(api, `m-${i}`))
    const group = await createGroup(api, 'Busy')

    // Each request writes the group's own fields (compare-and-swap) and adds one member.
    gate.arm(50)
    const responses = await Promise.all(
      users.map((value, i) =>
        api.patch(
          `/Groups/${group}`,
          patchBody(
            { op: 'replace', path: 'externalId', value: `ext-${i}` },
            { op: 'add', path: 'members', value: [{ value }] },
          ),
        ),
      ),
    )
    expect(responses.map((r) => r.status)).toEqual(users.map(() => 204))
    // All 50 read the same version, so 49 lost the first race and retried.
    expect(stats.versionMismatches).toBeGreaterThanOrEqual(49)
    expect(scim.teamStore.memberCount(scim.tenant, group)).toBe(50)
    const read = await api.get(`/Groups/${group}`)
    expect(read.body.externalId).toMatch(/^ext-\d+$/)
  })

  it('20 parallel POSTs of one userName in different cases: exactly one 201, the rest 409 uniqueness', async () => {
    const scim = buildScimApp({ express: makeExpress })
    const api = client(scim)
    // Twenty distinct spellings: bit k of i upper-cases the k-th letter of "racer".
    const spellings = Array.from({ length: 20 }, (_, i) =>
      [...'racer@example.com'].map((c, j) => (j < 5 && (i >> j) & 1 ? c.toUpperCase() : c)).join(''),
    )
    expect(new Set(spellings).size).toBe(20)
    const responses = await Promise.all(spellings.map((name) => api.post('/Users', userBody(name))))
    const statuses = responses.map((r) => r.status)
    expect(statuses.filter((s) => s === 201)).toHaveLength(1)
    expect(statuses.filter((s) => s === 409)).toHaveLength(19)
    for (const res of responses.filter((r) => r.status === 409))
      expectScimErrorResponse(res, 409, 'uniqueness')
    expect(scim.userStore.size(scim.tenant)).toBe(1)
    const list = await api.get(`/Users?filter=${encodeURIComponent('userName eq "RACER@example.com"')}`)
    expect(list.body.totalResults).toBe(1)
  })

  it('20 parallel PATCHes each adding a distinct email: every one survives (compare-and-swap retry)', async () => {
    const scim = buildScimApp({
      express: makeExpress,
      wrapUserStore: contendedUsers(gate, stats),
      // Each request can lose the race to each of the 19 others at most once.
      router: { maxPatchRetries: 25 },
    })
    const api = client(scim)
    const id = await createUser(api, 'busy@example.com')
    const emails = Array.from({ length: 20 }, (_, i) => `alias-${i}@example.com`)

    gate.arm(20)
    const responses = await Promise.all(
      emails.map((value) =>
        api.patch(
          `/Users/${id}`,
          patchBody({ op: 'add', path: 'emails', value: [{ value, type: 'other' }] }),
        ),
      ),
    )
    expect(responses.map((r) => r.status)).toEqual(emails.map(() => 200))
    expect(stats.versionMismatches).toBeGreaterThanOrEqual(19)
    const read = await api.get(`/Users/${id}`)
    const stored = ((read.body.emails ?? []) as { value: string }[]).map((e) => e.value).sort()
    expect(stored).toEqual([...emails].sort())
    // Each request's write made a version of its own.
    expect(new Set(responses.map((r) => r.headers.etag)).size).toBe(20)
  })

  it('with the default retry budget, a PATCH either lands or answers 503; none is silently lost', async () => {
    const scim = buildScimApp({ express: makeExpress, wrapUserStore: contendedUsers(gate, stats) })
    const api = client(scim)
    const id = await createUser(api, 'contended@example.com')
    const emails = Array.from({ length: 20 }, (_, i) => `alias-${i}@example.com`)

    gate.arm(20)
    const responses = await Promise.all(
      emails.map((value) =>
        api.patch(`/Users/${id}`, patchBody({ op: 'add', path: 'emails', value: [{ value }] })),
      ),
    )
    for (const res of responses) if (res.status !== 200) expectScimErrorResponse(res, 503)
    const landed = emails.filter((_, i) => responses[i]?.status === 200)
    expect(landed.length).toBeGreaterThan(0)
    expect(stats.versionMismatches).toBeGreaterThanOrEqual(19)
    const read = await api.get(`/Users/${id}`)
    const stored = ((read.body.emails ?? []) as { value: string }[]).map((e) => e.value).sort()
    expect(stored).toEqual([...landed].sort())
  })

  it('a PATCH with If-Match that loses the race is 412, not retried over the other write', async () => {
    const scim = buildScimApp({ express: makeExpress, wrapUserStore: contendedUsers(gate, stats) })
    const api = client(scim)
    const created = await api.post('/Users', userBody('cas@example.com'))
    const id = created.body.id as string
    const tag = created.headers.etag as string

    gate.arm(2)
    const [first, second] = await Promise.all([
      api
        .patch(`/Users/${id}`, patchBody({ op: 'replace', path: 'title', value: 'first' }))
        .set('If-Match', tag),
      api
        .patch(`/Users/${id}`, patchBody({ op: 'replace', path: 'title', value: 'second' }))
        .set('If-Match', tag),
    ])
    expect([first?.status, second?.status].sort()).toEqual([200, 412])
    expect(stats.updates).toBe(2)
    const winner = first?.status === 200 ? 'first' : 'second'
    expect((await api.get(`/Users/${id}`)).body.title).toBe(winner)
  })

  it('parallel deactivations of one user all succeed, revoke, and report one deactivation', async () => {
    const scim = buildScimApp({ express: makeExpress, wrapUserStore: contendedUsers(gate, stats) })
    const api = client(scim)
    const id = await createUser(api, 'twice@example.com')
    const session = scim.sessions.createSession(scim.tenant, id)
    gate.arm(5)
    const responses = await Promise.all(
      Array.from({ length: 5 }, () =>
        api.patch(`/Users/${id}`, patchBody({ op: 'replace', path: 'active', value: false })),
      ),
    )
    expect(responses.map((r) => r.status)).toEqual([200, 200, 200, 200, 200])
    expect(responses.map((r) => r.body.active)).toEqual([false, false, false, false, false])
    expect(scim.sessions.isSessionActive(session)).toBe(false)
    expect(scim.events.filter((e) => e.type === 'user.deactivated')).toHaveLength(1)
    expect(scim.sessions.revocationCount(scim.tenant, id)).toBe(5)
  })
})
