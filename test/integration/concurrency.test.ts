// Concurrent requests against one router: parallel member changes, racing creates of one userName, PATCHes that lose a compare-and-swap race and retry, and If-Match on member-only group PATCHes.
import {
  isVersionMismatch,
  type MemoryTeamStore,
  type MemoryUserStore,
  type TeamStore,
  type UserStore,
  versionMismatch,
} from '../../lib'
import {
  buildScimApp,
  client,
  contextFor,
  createGroup,
  createUser,
  EXPRESS_VERSIONS,
  expectScimErrorResponse,
  groupBody,
  patchBody,
  teamStoreOver,
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

/** Every UserStore method of the memory store, for wrappers that replace one. */
function delegateUsers(store: MemoryUserStore): UserStore {
  return {
    create: (user, context) => store.create(user, context),
    get: (id, context) => store.get(id, context),
    list: (query, context) => store.list(query, context),
    update: (id, fields, expectedVersion, context) => store.update(id, fields, expectedVersion, context),
    delete: (id, context) => store.delete(id, context),
    findExisting: (ids, context) => store.findExisting(ids, context),
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

/**
 * The memory TeamStore behind a read gate, with every write delayed by a turn. Without `applyChange`
 * unless asked: the router then takes its fallback path (one store call per kind of change).
 */
function contendedTeams(gate: ReadGate, stats: RaceStats, options: { applyChange?: boolean } = {}) {
  return (store: MemoryTeamStore): TeamStore =>
    teamStoreOver(store, {
      get: async (id, context) => {
        await gate.pass()
        return store.get(id, context)
      },
      update: (id, fields, expectedVersion, context) =>
        countUpdate(stats, () => store.update(id, fields, expectedVersion, context)),
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
      ...(options.applyChange
        ? {
            applyChange: (id, change, context) =>
              countUpdate(stats, () => store.applyChange(id, change, context)),
          }
        : {}),
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

  it.each([20, 50])(
    '%i parallel PATCHes that each remove one member and add another (applyChange): all 204, membership exact, no version race',
    async (count) => {
      const scim = buildScimApp({
        express: makeExpress,
        wrapTeamStore: contendedTeams(gate, stats, { applyChange: true }),
      })
      const api = client(scim)
      const leaving: string[] = []
      const joining: string[] = []
      for (let i = 0; i < count; i++) leaving.push(await createUser(api, `leaving-${i}`))
      for (let i = 0; i < count; i++) joining.push(await createUser(api, `joining-${i}`))
      const group = await createGroup(api, 'Churn', leaving)

      // Every request reads the same version before any writes: with a version check, all but one would lose.
      gate.arm(count)
      const responses = await Promise.all(
        leaving.map((gone, i) =>
          api.patch(
            `/Groups/${group}`,
            patchBody(
              { op: 'remove', path: `members[value eq "${gone}"]` },
              { op: 'add', path: 'members', value: [{ value: joining[i] }] },
            ),
          ),
        ),
      )
      expect(responses.map((r) => r.status)).toEqual(leaving.map(() => 204))
      expect(stats.versionMismatches).toBe(0)
      expect(stats.updates).toBe(count)
      const read = await api.get(`/Groups/${group}`)
      const members = (read.body.members as { value: string }[]).map((m) => m.value).sort()
      expect(members).toEqual([...joining].sort())
      // Each delta made a version of its own.
      expect(new Set(responses.map((r) => r.headers.etag)).size).toBe(count)
    },
  )

  it('50 parallel member PATCHes of every kind (add, remove, both; with and without applyChange) all land', async () => {
    for (const applyChange of [true, false]) {
      gate = new ReadGate()
      stats = newStats()
      const scim = buildScimApp({
        express: makeExpress,
        wrapTeamStore: contendedTeams(gate, stats, { applyChange }),
      })
      const api = client(scim)
      const start: string[] = []
      const extra: string[] = []
      for (let i = 0; i < 50; i++) start.push(await createUser(api, `start-${i}`))
      for (let i = 0; i < 50; i++) extra.push(await createUser(api, `extra-${i}`))
      const group = await createGroup(api, 'Mixed', start)
      const bodies = start.map((member, i) => {
        const remove = { op: 'remove', path: 'members', value: [{ value: member }] }
        const add = { op: 'add', path: 'members', value: [{ value: extra[i] }] }
        return i % 3 === 0 ? patchBody(remove) : i % 3 === 1 ? patchBody(add) : patchBody(remove, add)
      })
      gate.arm(50)
      const responses = await Promise.all(bodies.map((body) => api.patch(`/Groups/${group}`, body)))
      expect(responses.map((r) => r.status)).toEqual(bodies.map(() => 204))
      expect(stats.versionMismatches).toBe(0)
      const expected = [...start.filter((_, i) => i % 3 === 1), ...extra.filter((_, i) => i % 3 !== 0)].sort()
      const page = scim.teamStore.listMembers(group, { startIndex: 1, count: 1000 }, contextFor())
      expect(page?.resources.map((m) => m.value).sort()).toEqual(expected)
    }
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
    for (const res of responses) {
      if (res.status === 200) continue
      expectScimErrorResponse(res, 503)
      expect(res.headers['retry-after']).toBe('1')
    }
    const landed = emails.filter((_, i) => responses[i]?.status === 200)
    expect(landed.length).toBeGreaterThan(0)
    expect(stats.versionMismatches).toBeGreaterThanOrEqual(19)
    const read = await api.get(`/Users/${id}`)
    const stored = ((read.body.emails ?? []) as { value: string }[]).map((e) => e.value).sort()
    expect(stored).toEqual([...landed].sort())
  })

  it('a user PATCH that keeps losing its race is 503 with Retry-After, after maxPatchRetries retries', async () => {
    let attempts = 0
    const scim = buildScimApp({
      express: makeExpress,
      wrapUserStore: (store) => ({
        ...delegateUsers(store),
        update: () => {
          attempts += 1
          throw versionMismatch()
        },
      }),
      router: { maxPatchRetries: 3 },
    })
    const api = client(scim)
    const id = await createUser(api, 'loser@example.com')
    const res = await api.patch(`/Users/${id}`, patchBody({ op: 'replace', path: 'title', value: 'x' }))
    expectScimErrorResponse(res, 503)
    expect(res.headers['retry-after']).toMatch(/^[1-9]\d*$/)
    expect(attempts).toBe(4)
  })

  it('a group rename that keeps losing its race is 503 with Retry-After', async () => {
    let attempts = 0
    const scim = buildScimApp({
      express: makeExpress,
      wrapTeamStore: (store) => {
        const wrapped = contendedTeams(new ReadGate(), newStats())(store)
        return {
          ...wrapped,
          update: () => {
            attempts += 1
            throw versionMismatch()
          },
        }
      },
      router: { maxPatchRetries: 2 },
    })
    const api = client(scim)
    const group = await createGroup(api, 'Renamed often')
    const res = await api.patch(
      `/Groups/${group}`,
      patchBody({ op: 'replace', path: 'displayName', value: 'Other' }),
    )
    expectScimErrorResponse(res, 503)
    expect(res.headers['retry-after']).toMatch(/^[1-9]\d*$/)
    expect(attempts).toBe(3)
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

/** Set `next` to a write: it runs once, right after the router's next read of a team, before the router writes. */
interface Interposer {
  next?: (() => void) | undefined
}

/**
 * The memory TeamStore where another writer's change lands between the router's read of a team and its
 * own write, as on a busy database with several replicas. With or without `applyChange`.
 */
function interposedTeams(interposer: Interposer, options: { applyChange: boolean }) {
  return (store: MemoryTeamStore): TeamStore =>
    teamStoreOver(store, {
      get: (id, context) => {
        const team = store.get(id, context)
        const write = interposer.next
        interposer.next = undefined
        write?.()
        return team
      },
      ...(options.applyChange
        ? { applyChange: (id, change, context) => store.applyChange(id, change, context) }
        : {}),
    })
}

/** Four users and a group of the first two, created with its ETag. */
async function ifMatchFixture(api: ReturnType<typeof client>) {
  const alice = await createUser(api, 'alice')
  const bob = await createUser(api, 'bob')
  const carol = await createUser(api, 'carol')
  const dave = await createUser(api, 'dave')
  const created = await api.post('/Groups', groupBody('Guarded', [alice, bob]))
  expect(created.status).toBe(201)
  return { alice, bob, carol, dave, group: created.body.id as string, tag: created.headers.etag as string }
}

type IfMatchFixture = Awaited<ReturnType<typeof ifMatchFixture>>

/** Member-only PATCHes of every shape the router writes differently, and the members each leaves. */
const MEMBER_ONLY: readonly [
  string,
  (f: IfMatchFixture) => Record<string, unknown>,
  (f: IfMatchFixture) => string[],
][] = [
  [
    'add',
    (f) => patchBody({ op: 'add', path: 'members', value: [{ value: f.carol }] }),
    (f) => [f.alice, f.bob, f.carol],
  ],
  ['remove', (f) => patchBody({ op: 'remove', path: `members[value eq "${f.bob}"]` }), (f) => [f.alice]],
  [
    'replace',
    (f) => patchBody({ op: 'replace', path: 'members', value: [{ value: f.carol }] }),
    (f) => [f.carol],
  ],
  [
    'remove and add',
    (f) =>
      patchBody(
        { op: 'remove', path: `members[value eq "${f.bob}"]` },
        { op: 'add', path: 'members', value: [{ value: f.carol }] },
      ),
    (f) => [f.alice, f.carol],
  ],
]

describe.each(EXPRESS_VERSIONS)('If-Match on member-only group PATCHes on %s', (_label, makeExpress) => {
  const membersOf = (scim: ReturnType<typeof buildScimApp>, group: string) =>
    scim.teamStore
      .listMembers(group, { startIndex: 1, count: 100 }, contextFor())
      ?.resources.map((m) => m.value)
      .sort()

  it.each(MEMBER_ONLY)(
    '%s: a write landing between the read and the member write makes the If-Match stale: 412, nothing of it written',
    async (_shape, body) => {
      const interposer: Interposer = {}
      const scim = buildScimApp({
        express: makeExpress,
        wrapTeamStore: interposedTeams(interposer, { applyChange: true }),
      })
      const api = client(scim)
      const f = await ifMatchFixture(api)
      // RFC 7644 §3.14: the If-Match version must still be current when the change is made, not only when read.
      interposer.next = () => scim.teamStore.addMembers(f.group, [{ value: f.dave }], contextFor())
      const res = await api.patch(`/Groups/${f.group}`, body(f)).set('If-Match', f.tag)
      expectScimErrorResponse(res, 412)
      expect(interposer.next).toBeUndefined()
      expect(membersOf(scim, f.group)).toEqual([f.alice, f.bob, f.dave].sort())
      expect(scim.events.filter((e) => e.type.startsWith('group.members'))).toEqual([])
    },
  )

  it.each(MEMBER_ONLY)(
    '%s: a current If-Match is 204 and the change is written',
    async (_shape, body, expected) => {
      const scim = buildScimApp({ express: makeExpress })
      const api = client(scim)
      const f = await ifMatchFixture(api)
      const res = await api.patch(`/Groups/${f.group}`, body(f)).set('If-Match', f.tag)
      expect(res.status).toBe(204)
      expect(res.headers.etag).not.toBe(f.tag)
      expect(membersOf(scim, f.group)).toEqual(expected(f).sort())
      expect((await api.get(`/Groups/${f.group}`)).headers.etag).toBe(res.headers.etag)
    },
  )

  it('a stale If-Match at the read is 412 whatever the store', async () => {
    for (const applyChange of [true, false]) {
      const scim = buildScimApp({ express: makeExpress, wrapTeamStore: interposedTeams({}, { applyChange }) })
      const api = client(scim)
      const f = await ifMatchFixture(api)
      await api.patch(
        `/Groups/${f.group}`,
        patchBody({ op: 'add', path: 'members', value: [{ value: f.dave }] }),
      )
      const res = await api
        .patch(`/Groups/${f.group}`, patchBody({ op: 'add', path: 'members', value: [{ value: f.carol }] }))
        .set('If-Match', f.tag)
      expectScimErrorResponse(res, 412)
      expect(membersOf(scim, f.group)).toEqual([f.alice, f.bob, f.dave].sort())
    }
  })

  it.each(MEMBER_ONLY)(
    '%s with If-Match on a store without applyChange: it cannot be made conditional, so 501 and nothing written',
    async (_shape, body, expected) => {
      const scim = buildScimApp({
        express: makeExpress,
        wrapTeamStore: interposedTeams({}, { applyChange: false }),
      })
      const api = client(scim)
      const f = await ifMatchFixture(api)
      const res = await api.patch(`/Groups/${f.group}`, body(f)).set('If-Match', f.tag)
      expectScimErrorResponse(res, 501)
      expect(membersOf(scim, f.group)).toEqual([f.alice, f.bob].sort())
      // Without If-Match the same change needs no version and is written.
      expect((await api.patch(`/Groups/${f.group}`, body(f))).status).toBe(204)
      expect(membersOf(scim, f.group)).toEqual(expected(f).sort())
      // If-Match: * names no version: written too.
      const again = await api.patch(`/Groups/${f.group}`, body(f)).set('If-Match', '*')
      expect(again.status).toBe(204)
    },
  )
})
