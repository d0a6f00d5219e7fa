// The router's rules beyond CRUD: deactivation and deletion (sessions, memberships), Grafana's switches, option checks, tenant isolation, events and error bodies.
import request from 'supertest'
import {
  createScimRouter,
  MemorySessionRevoker,
  MemoryTeamStore,
  MemoryUserStore,
  type ScimEvent,
  type ScimRouterOptions,
  type SessionRevoker,
  type SyncSettings,
  staticTokens,
  type UserUpdatedEvent,
} from '../../lib'
import {
  ACTOR,
  buildScimApp,
  client,
  contextFor,
  createGroup,
  createUser,
  EXPRESS_VERSIONS,
  expectScimErrorResponse,
  groupBody,
  patchBody,
  type ScimApp,
  type ScimClient,
  TENANT,
  TOKEN,
  userBody,
} from '../helpers/scim-app'

const deactivate = patchBody({ op: 'replace', path: 'active', value: false })

/** An authenticate() for two tenants: `token-a` → tenant a, `token-b` → tenant b. */
const twoTenants = staticTokens([
  { token: 'token-a', tenant: 'a', id: 'idp-a' },
  { token: 'token-b', tenant: 'b', id: 'idp-b' },
])

/** A SessionRevoker that throws (a secret in the message) while `failing` is true, and delegates otherwise. */
class FlakyRevoker implements SessionRevoker {
  failing = true
  calls = 0
  constructor(readonly inner: MemorySessionRevoker) {}
  revokeUserSessions(...args: Parameters<SessionRevoker['revokeUserSessions']>): void {
    this.calls += 1
    if (this.failing) throw new Error('session store password=hunter2 unreachable')
    this.inner.revokeUserSessions(...args)
  }
}

describe.each(EXPRESS_VERSIONS)('on %s', (_label, makeExpress) => {
  let scim: ScimApp
  let api: ScimClient

  beforeEach(() => {
    scim = buildScimApp({ express: makeExpress })
    api = client(scim)
  })

  describe('deactivation and deletion', () => {
    it('PATCH active false revokes the sessions and emits user.deactivated and user.sessionsRevoked', async () => {
      const id = await createUser(api, 'alice')
      const session = scim.sessions.createSession(TENANT, id)
      const other = await createUser(api, 'bob')
      const otherSession = scim.sessions.createSession(TENANT, other)
      expect(scim.sessions.isSessionActive(session)).toBe(true)
      scim.events.length = 0

      const res = await api.patch(`/Users/${id}`, deactivate).set('X-Request-Id', 'req-deactivate-1')
      expect(res.status).toBe(200)
      expect(res.body.active).toBe(false)
      expect(scim.sessions.isSessionActive(session)).toBe(false)
      expect(scim.sessions.isSessionActive(otherSession)).toBe(true)
      expect(scim.sessions.lastRevocation(TENANT, id)).toMatchObject({
        reason: 'deactivated',
        sessionsEnded: 1,
        requestId: 'req-deactivate-1',
      })
      const types = scim.events.map((e) => e.type)
      expect(types).toEqual(expect.arrayContaining(['user.deactivated', 'user.sessionsRevoked']))
      expect(scim.events.find((e) => e.type === 'user.sessionsRevoked')).toMatchObject({
        resourceId: id,
        reason: 'deactivated',
        tenant: TENANT,
      })
    })

    it('PUT with active false revokes too', async () => {
      const id = await createUser(api, 'alice')
      const session = scim.sessions.createSession(TENANT, id)
      const res = await api.put(`/Users/${id}`, userBody('alice', { active: false }))
      expect(res.status).toBe(200)
      expect(scim.sessions.isSessionActive(session)).toBe(false)
    })

    it('a PUT without active keeps a disabled user disabled; only an explicit true re-enables it', async () => {
      const id = await createUser(api, 'alice')
      await api.patch(`/Users/${id}`, deactivate).expect(200)
      const { active: _, ...withoutActive } = userBody('alice', { displayName: 'Alice' })
      const res = await api.put(`/Users/${id}`, withoutActive)
      expect(res.status).toBe(200)
      expect(res.body).toMatchObject({ active: false, displayName: 'Alice' })
      expect(scim.events.map((e) => e.type)).not.toContain('user.reactivated')
    })

    it('reactivation emits user.reactivated and revokes nothing', async () => {
      const id = await createUser(api, 'alice', { active: false })
      const session = scim.sessions.createSession(TENANT, id)
      const before = scim.sessions.revocationCount(TENANT, id)
      const res = await api.patch(`/Users/${id}`, patchBody({ op: 'replace', path: 'active', value: true }))
      expect(res.status).toBe(200)
      expect(res.body.active).toBe(true)
      expect(scim.sessions.isSessionActive(session)).toBe(true)
      expect(scim.sessions.revocationCount(TENANT, id)).toBe(before)
      expect(scim.events.map((e) => e.type)).toContain('user.reactivated')
    })

    it('DELETE revokes the sessions, removes team memberships, and the user is gone', async () => {
      const id = await createUser(api, 'alice')
      const bob = await createUser(api, 'bob')
      const g1 = await createGroup(api, 'One', [id, bob])
      const g2 = await createGroup(api, 'Two', [id])
      const session = scim.sessions.createSession(TENANT, id)
      scim.events.length = 0

      const res = await api.delete(`/Users/${id}`)
      expect(res.status).toBe(204)
      expect(scim.sessions.isSessionActive(session)).toBe(false)
      expect(scim.sessions.lastRevocation(TENANT, id)?.reason).toBe('deleted')
      expect(scim.teamStore.teamsOfUser(TENANT, id)).toEqual([])
      expect(scim.teamStore.memberCount(TENANT, g1)).toBe(1)
      expect(scim.teamStore.memberCount(TENANT, g2)).toBe(0)
      expectScimErrorResponse(await api.get(`/Users/${id}`), 404)
      expect(scim.userStore.findByUserName(TENANT, 'alice')).toBeUndefined()
      const group = await api.get(`/Groups/${g1}`)
      expect(group.body.members.map((m: { value: string }) => m.value)).toEqual([bob])
      expect(scim.events.map((e) => e.type)).toEqual([
        'user.deactivated',
        'user.sessionsRevoked',
        'user.deleted',
      ])
      expect(scim.events.at(-1)).toMatchObject({ type: 'user.deleted', mode: 'delete', resourceId: id })
    })

    it("userDeletion 'disable': a re-assigned user with the same userName and externalId is created anew", async () => {
      const keep = buildScimApp({ express: makeExpress, router: { userDeletion: 'disable' } })
      const keepApi = client(keep)
      const id = await createUser(keepApi, 'alice', { externalId: 'ext-alice' })
      await keepApi.delete(`/Users/${id}`).expect(204)
      const again = await keepApi.post('/Users', userBody('Alice', { externalId: 'ext-alice' }))
      expect(again.status).toBe(201)
      expect(again.body.id).not.toBe(id)
      const found = await keepApi.get(`/Users?filter=${encodeURIComponent('externalId eq "ext-alice"')}`)
      expect(found.body.Resources.map((u: { id: string }) => u.id)).toEqual([again.body.id])
    })

    it("userDeletion 'disable': GET is 404, the store keeps it disabled and hidden, lists leave it out", async () => {
      const keep = buildScimApp({ express: makeExpress, router: { userDeletion: 'disable' } })
      const keepApi = client(keep)
      const id = await createUser(keepApi, 'alice', { externalId: 'ext-alice' })
      await createUser(keepApi, 'bob')
      const group = await createGroup(keepApi, 'Team', [id])
      const session = keep.sessions.createSession(TENANT, id)

      expect((await keepApi.delete(`/Users/${id}`)).status).toBe(204)
      expectScimErrorResponse(await keepApi.get(`/Users/${id}`), 404)
      const stored = keep.userStore.get(id, contextFor(TENANT))
      expect(stored).toMatchObject({ id, active: false, hidden: true })
      expect(keep.sessions.isSessionActive(session)).toBe(false)
      expect(keep.teamStore.memberCount(TENANT, group)).toBe(0)

      const list = await keepApi.get('/Users')
      expect(list.body.totalResults).toBe(1)
      expect(list.body.Resources.map((u: { userName: string }) => u.userName)).toEqual(['bob'])
      const filtered = await keepApi.get(`/Users?filter=${encodeURIComponent('userName eq "alice"')}`)
      expect(filtered.body.totalResults).toBe(0)
      expect(filtered.body.Resources ?? []).toEqual([])
      // Hidden users are not valid members, and writes to them are 404.
      expectScimErrorResponse(
        await keepApi.patch(
          `/Groups/${group}`,
          patchBody({ op: 'add', path: 'members', value: [{ value: id }] }),
        ),
        400,
      )
      expectScimErrorResponse(await keepApi.patch(`/Users/${id}`, deactivate), 404)
      expectScimErrorResponse(await keepApi.put(`/Users/${id}`, userBody('alice')), 404)
      expectScimErrorResponse(await keepApi.delete(`/Users/${id}`), 404)
      const byId = await keepApi.get(`/Users?filter=${encodeURIComponent(`id eq "${id}"`)}`)
      expect(byId.body.totalResults).toBe(0)
      expect(keep.events.find((e) => e.type === 'user.deleted')).toMatchObject({ mode: 'disable' })
    })

    it("userDeletion 'disable': the deleted user is no conflict for a new user with its userName or externalId (RFC 7644 §3.6)", async () => {
      const keep = buildScimApp({ express: makeExpress, router: { userDeletion: 'disable' } })
      const keepApi = client(keep)
      const id = await createUser(keepApi, 'alice', { externalId: 'ext-alice' })
      expect((await keepApi.delete(`/Users/${id}`)).status).toBe(204)
      // "SHALL NOT consider the deleted resource in conflict calculation": an IdP that unassigns and
      // later reassigns a user must be able to create it again.
      const again = await keepApi.post('/Users', userBody('Alice', { externalId: 'ext-alice' }))
      expect({ status: again.status, body: again.body }).toMatchObject({ status: 201 })
      expect(again.body.id).not.toBe(id)
      const found = await keepApi.get(`/Users?filter=${encodeURIComponent('userName eq "alice"')}`)
      expect(found.body.totalResults).toBe(1)
      expect(found.body.Resources[0].id).toBe(again.body.id)
    })

    it('a failing SessionRevoker on deactivation: 500 without detail, the user stays disabled, a retry revokes', async () => {
      const sessions = new MemorySessionRevoker()
      const flaky = new FlakyRevoker(sessions)
      const app = buildScimApp({ express: makeExpress, router: { sessionRevoker: flaky } })
      const flakyApi = client(app)
      const id = await createUser(flakyApi, 'alice')
      const session = sessions.createSession(TENANT, id)

      const res = await flakyApi.patch(`/Users/${id}`, deactivate)
      expectScimErrorResponse(res, 500)
      expect(res.text).not.toContain('hunter2')
      expect(app.userStore.findByUserName(TENANT, 'alice')?.active).toBe(false)
      expect(sessions.isSessionActive(session)).toBe(true)

      flaky.failing = false
      const retry = await flakyApi.patch(`/Users/${id}`, deactivate)
      expect(retry.status).toBe(200)
      expect(retry.body.active).toBe(false)
      expect(sessions.isSessionActive(session)).toBe(false)
    })

    it('a failing SessionRevoker on DELETE: 500, the user is disabled but kept; the retry completes the delete', async () => {
      const sessions = new MemorySessionRevoker()
      const flaky = new FlakyRevoker(sessions)
      const app = buildScimApp({ express: makeExpress, router: { sessionRevoker: flaky } })
      const flakyApi = client(app)
      const id = await createUser(flakyApi, 'alice')
      const group = await createGroup(flakyApi, 'Team', [id])
      const session = sessions.createSession(TENANT, id)

      const res = await flakyApi.delete(`/Users/${id}`)
      expectScimErrorResponse(res, 500)
      expect(res.text).not.toContain('hunter2')
      expect(app.userStore.findByUserName(TENANT, 'alice')).toMatchObject({ id, active: false })
      expect(sessions.isSessionActive(session)).toBe(true)

      flaky.failing = false
      expect((await flakyApi.delete(`/Users/${id}`)).status).toBe(204)
      expect(sessions.isSessionActive(session)).toBe(false)
      expect(app.userStore.findByUserName(TENANT, 'alice')).toBeUndefined()
      expect(app.teamStore.memberCount(TENANT, group)).toBe(0)
    })
  })

  describe("Grafana's switches", () => {
    it('userSyncEnabled false: user writes are 403 and change nothing; reads work', async () => {
      const off = buildScimApp({ express: makeExpress, router: { userSyncEnabled: false } })
      const offApi = client(off)
      const existing = off.userStore.create(
        { userName: 'local', active: true, document: {}, provisioned: true },
        contextFor(),
      )
      const created = await offApi.post('/Users', userBody('new-user'))
      expectScimErrorResponse(created, 403)
      expect(off.userStore.size(TENANT)).toBe(1)

      expectScimErrorResponse(await offApi.put(`/Users/${existing.id}`, userBody('renamed')), 403)
      expectScimErrorResponse(await offApi.patch(`/Users/${existing.id}`, deactivate), 403)
      expectScimErrorResponse(await offApi.delete(`/Users/${existing.id}`), 403)
      expect(off.userStore.get(existing.id, contextFor())).toMatchObject({
        userName: 'local',
        active: true,
        version: existing.version,
      })
      expect(off.events).toEqual([])

      const list = await offApi.get('/Users')
      expect(list.status).toBe(200)
      expect(list.body.totalResults).toBe(1)
      expect((await offApi.get(`/Users/${existing.id}`)).status).toBe(200)
      // Searches are reads, even though they are POSTs.
      const search = { schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'] }
      expect((await offApi.post('/Users/.search', search)).body.totalResults).toBe(1)
      expect((await offApi.post('/.search', search)).status).toBe(200)
    })

    it('groupSyncEnabled false: group writes are 403 and change nothing; reads work', async () => {
      const off = buildScimApp({ express: makeExpress, router: { groupSyncEnabled: false } })
      const offApi = client(off)
      const user = await createUser(offApi, 'alice')
      const team = off.teamStore.create(
        { displayName: 'Local', document: {}, provisioned: true },
        [],
        contextFor(),
      )

      expectScimErrorResponse(await offApi.post('/Groups', groupBody('New')), 403)
      expectScimErrorResponse(await offApi.put(`/Groups/${team.id}`, groupBody('Renamed', [user])), 403)
      expectScimErrorResponse(
        await offApi.patch(
          `/Groups/${team.id}`,
          patchBody({ op: 'add', path: 'members', value: [{ value: user }] }),
        ),
        403,
      )
      expectScimErrorResponse(await offApi.delete(`/Groups/${team.id}`), 403)
      expect(off.teamStore.get(team.id, contextFor())).toMatchObject({
        displayName: 'Local',
        version: team.version,
      })
      expect(off.teamStore.memberCount(TENANT, team.id)).toBe(0)

      expect((await offApi.get('/Groups')).body.totalResults).toBe(1)
      expect((await offApi.get(`/Groups/${team.id}`)).status).toBe(200)
    })

    it('groupSyncEnabled and teamSyncEnabled together: TypeError at construction', () => {
      expect(() =>
        createScimRouter({
          userStore: new MemoryUserStore(),
          teamStore: new MemoryTeamStore(),
          sessionRevoker: new MemorySessionRevoker(),
          authenticate: staticTokens([TOKEN]),
          groupSyncEnabled: true,
          teamSyncEnabled: true,
        }),
      ).toThrow(TypeError)
    })

    it('a settings provider decides per tenant, on every request', async () => {
      const calls: string[] = []
      let bOn = false
      const dynamic = buildScimApp({
        express: makeExpress,
        router: {
          authenticate: twoTenants,
          userSyncEnabled: false,
          settings: (tenant, principal) => {
            calls.push(`${tenant}:${String(principal.id)}`)
            return tenant === 'a' ? { userSyncEnabled: true } : { userSyncEnabled: bOn }
          },
        },
      })
      const a = client(dynamic, 'token-a')
      const b = client(dynamic, 'token-b')
      expect((await a.post('/Users', userBody('alice'))).status).toBe(201)
      expectScimErrorResponse(await b.post('/Users', userBody('bob')), 403)
      expect(dynamic.userStore.size('a')).toBe(1)
      expect(dynamic.userStore.size('b')).toBe(0)
      expect(calls).toEqual(['a:idp-a', 'b:idp-b'])
      bOn = true
      expect((await b.post('/Users', userBody('bob'))).status).toBe(201)
    })

    it('an async settings provider works', async () => {
      const dynamic = buildScimApp({
        express: makeExpress,
        router: { userSyncEnabled: false, settings: async () => ({ userSyncEnabled: true }) },
      })
      expect((await client(dynamic).post('/Users', userBody('alice'))).status).toBe(201)
    })

    it.each<[string, ScimRouterOptions['settings']]>([
      [
        'throws',
        () => {
          throw new Error('settings db down: password=hunter2')
        },
      ],
      ['rejects', () => Promise.reject(new Error('hunter2'))],
      ['returns a non-boolean switch', () => ({ userSyncEnabled: 'yes' }) as unknown as SyncSettings],
      ['returns null', () => null as unknown as SyncSettings],
      ['turns on group and team sync together', () => ({ groupSyncEnabled: true, teamSyncEnabled: true })],
    ])('a settings provider that %s: 503, nothing written', async (_name, settings) => {
      const broken = buildScimApp({ express: makeExpress, router: { settings } })
      const brokenApi = client(broken)
      const res = await brokenApi.post('/Users', userBody('alice'))
      expectScimErrorResponse(res, 503)
      expect(res.text).not.toContain('hunter2')
      expect(broken.userStore.size(TENANT)).toBe(0)
      expectScimErrorResponse(await brokenApi.post('/Groups', groupBody('G')), 503)
      expect(broken.events).toEqual([])
    })
  })

  describe('tenant and router isolation', () => {
    it('two routers in one process with different stores never see each other', async () => {
      const one = buildScimApp({ express: makeExpress })
      const two = buildScimApp({ express: makeExpress })
      const oneApi = client(one)
      const twoApi = client(two)
      const id = await createUser(oneApi, 'alice', { externalId: 'ext-1' })
      expectScimErrorResponse(await twoApi.get(`/Users/${id}`), 404)
      expect((await twoApi.get('/Users')).body.totalResults).toBe(0)
      // Same userName and externalId, same tenant name: no conflict across routers.
      expect((await twoApi.post('/Users', userBody('alice', { externalId: 'ext-1' }))).status).toBe(201)
      expect((await oneApi.get('/Users')).body.totalResults).toBe(1)
    })

    it('two routers in one app, mounted side by side, keep their own users', async () => {
      const app = makeExpress()
      const storeA = new MemoryUserStore()
      const storeB = new MemoryUserStore()
      const common = {
        sessionRevoker: new MemorySessionRevoker(),
        authenticate: staticTokens([TOKEN]),
        userSyncEnabled: true,
      }
      app.use('/a', createScimRouter({ ...common, userStore: storeA }))
      app.use('/b', createScimRouter({ ...common, userStore: storeB }))
      const a = client({ app, base: '/a' })
      const b = client({ app, base: '/b' })
      const id = await createUser(a, 'alice')
      expectScimErrorResponse(await b.get(`/Users/${id}`), 404)
      expect((await b.get('/Users')).body.totalResults).toBe(0)
      expect(storeA.size('default')).toBe(1)
      expect(storeB.size('default')).toBe(0)
    })

    it('two tenants on one router never see each other', async () => {
      const shared = buildScimApp({ express: makeExpress, router: { authenticate: twoTenants } })
      const a = client(shared, 'token-a')
      const b = client(shared, 'token-b')
      const id = await createUser(a, 'alice', { externalId: 'ext-alice' })
      const group = await createGroup(a, 'A-team', [id])

      expectScimErrorResponse(await b.get(`/Users/${id}`), 404)
      expectScimErrorResponse(await b.put(`/Users/${id}`, userBody('stolen')), 404)
      expectScimErrorResponse(await b.patch(`/Users/${id}`, deactivate), 404)
      expectScimErrorResponse(await b.delete(`/Users/${id}`), 404)
      expectScimErrorResponse(await b.get(`/Groups/${group}`), 404)
      expectScimErrorResponse(await b.delete(`/Groups/${group}`), 404)

      for (const filter of ['userName eq "alice"', 'externalId eq "ext-alice"', `id eq "${id}"`]) {
        const res = await b.get(`/Users?filter=${encodeURIComponent(filter)}`)
        expect({ filter, total: res.body.totalResults }).toEqual({ filter, total: 0 })
      }
      expect((await b.get('/Users')).body.totalResults).toBe(0)
      expect((await b.get('/Groups')).body.totalResults).toBe(0)
      const search = await b.post('/.search', {
        schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'],
      })
      expect(search.body.totalResults).toBe(0)

      const still = await a.get(`/Users/${id}`)
      expect(still.body).toMatchObject({ userName: 'alice', active: true })
      expect(shared.teamStore.memberCount('a', group)).toBe(1)
    })
  })

  describe('events', () => {
    it('carry type, tenant, actor, requestId (X-Request-Id honoured), resourceId and time', async () => {
      const res = await api
        .post('/Users', userBody('alice', { externalId: 'ext-a' }))
        .set('X-Request-Id', 'req-123')
      expect(res.status).toBe(201)
      expect(scim.events).toHaveLength(1)
      const [event] = scim.events as [ScimEvent]
      expect(event).toEqual({
        type: 'user.created',
        tenant: TENANT,
        actor: ACTOR,
        requestId: 'req-123',
        resourceId: res.body.id,
        userName: 'alice',
        externalId: 'ext-a',
        emailVerified: false,
        time: expect.any(String),
      })
      expect(new Date(event.time).toISOString()).toBe(event.time)
    })

    it('have no actor when the principal has no id', async () => {
      const anonymous = buildScimApp({
        express: makeExpress,
        router: {
          authenticate: (req) => (req.headers.authorization === `Bearer ${TOKEN}` ? { tenant: 't1' } : null),
        },
      })
      expect((await client(anonymous).post('/Users', userBody('alice'))).status).toBe(201)
      expect(anonymous.events).toHaveLength(1)
      expect(anonymous.events[0]).toMatchObject({ type: 'user.created', tenant: 't1' })
      expect(anonymous.events[0]?.actor).toBeUndefined()
    })

    it('a generated requestId when X-Request-Id is absent or unsafe', async () => {
      await api.post('/Users', userBody('one'))
      await api.post('/Users', userBody('two')).set('X-Request-Id', 'bad id\twith "quotes"')
      const [first, second] = scim.events
      expect(first?.requestId).toMatch(/^[0-9a-f]{12}-[0-9a-z]+$/)
      expect(second?.requestId).toMatch(/^[0-9a-f]{12}-[0-9a-z]+$/)
      expect(first?.requestId).not.toBe(second?.requestId)
    })

    it('generated requestIds are never shared between two routers', async () => {
      const other = buildScimApp({ express: makeExpress })
      await api.post('/Users', userBody('one'))
      await client(other).post('/Users', userBody('one'))
      expect(scim.events[0]?.requestId).toBeDefined()
      expect(other.events[0]?.requestId).toBeDefined()
      expect(scim.events[0]?.requestId).not.toBe(other.events[0]?.requestId)
    })

    it('report group changes: created, renamed, membersAdded, membersRemoved, deleted', async () => {
      const alice = await createUser(api, 'alice')
      const bob = await createUser(api, 'bob')
      scim.events.length = 0
      const group = await createGroup(api, 'Team', [alice])
      await api.patch(
        `/Groups/${group}`,
        patchBody(
          { op: 'replace', path: 'displayName', value: 'Team 2' },
          { op: 'add', path: 'members', value: [{ value: bob }] },
          { op: 'remove', path: `members[value eq "${alice}"]` },
        ),
      )
      await api.delete(`/Groups/${group}`)
      const summary = scim.events.map((e) => {
        switch (e.type) {
          case 'group.created':
            return [e.type, e.displayName, e.memberCount]
          case 'group.renamed':
            return [e.type, e.from, e.to]
          case 'group.membersAdded':
          case 'group.membersRemoved':
            return [e.type, e.userIds]
          default:
            return [e.type]
        }
      })
      expect(summary).toEqual([
        ['group.created', 'Team', 1],
        ['group.renamed', 'Team', 'Team 2'],
        ['group.membersRemoved', [alice]],
        ['group.membersAdded', [bob]],
        ['group.deleted'],
      ])
      for (const event of scim.events) expect(event).toMatchObject({ resourceId: group, actor: ACTOR })
    })

    it('user.updated names the changed attributes and flags an email change', async () => {
      const id = await createUser(api, 'alice', {
        emails: [{ value: 'a@old.example', type: 'work', primary: true }],
      })
      scim.events.length = 0
      await api.patch(
        `/Users/${id}`,
        patchBody(
          { op: 'replace', path: 'emails[type eq "work"].value', value: 'a@new.example' },
          { op: 'replace', path: 'title', value: 'Boss' },
        ),
      )
      const updated = scim.events.find((e) => e.type === 'user.updated') as UserUpdatedEvent | undefined
      expect(updated).toMatchObject({ resourceId: id, emailChanged: true })
      expect([...(updated?.changedAttributes ?? [])].sort()).toEqual(['emails', 'title'])
      expect(JSON.stringify(scim.events)).not.toContain('a@new.example')
    })

    it('an onEvent that throws or rejects does not fail the request', async () => {
      const throwing = buildScimApp({
        express: makeExpress,
        router: {
          onEvent: () => {
            throw new Error('audit log down')
          },
        },
      })
      const rejecting = buildScimApp({
        express: makeExpress,
        router: { onEvent: () => Promise.reject(new Error('audit log down')) },
      })
      for (const app of [throwing, rejecting]) {
        const appApi = client(app)
        const res = await appApi.post('/Users', userBody('alice'))
        expect(res.status).toBe(201)
        expect((await appApi.patch(`/Users/${res.body.id}`, deactivate)).status).toBe(200)
        expect((await appApi.delete(`/Users/${res.body.id}`)).status).toBe(204)
        expect(app.userStore.size(TENANT)).toBe(0)
      }
    })
  })

  describe('error bodies', () => {
    it('every error has the error schema and the status as a string; 5xx never have detail', async () => {
      const id = await createUser(api, 'alice')
      const broken = client(
        buildScimApp({
          express: makeExpress,
          router: {
            authenticate: () => {
              throw new Error('boom')
            },
          },
        }),
      )
      const unavailable = client(
        buildScimApp({
          express: makeExpress,
          router: {
            settings: () => {
              throw new Error('boom')
            },
          },
        }),
      )
      const cases: [string, () => request.Test, number][] = [
        ['400 bad filter', () => api.get('/Users?filter=%28'), 400],
        ['400 bad PATCH', () => api.patch(`/Users/${id}`, { schemas: ['nope'], Operations: 'x' }), 400],
        ['400 bad count', () => api.get('/Users?count=ten'), 400],
        ['401', () => request(scim.app).get('/scim/Users'), 401],
        ['403', () => api.get('/Schemas?filter=x'), 403],
        ['404', () => api.get('/Users/missing'), 404],
        ['405', () => api.delete('/ServiceProviderConfig'), 405],
        ['409', () => api.post('/Users', userBody('ALICE')), 409],
        ['412', () => api.delete(`/Users/${id}`).set('If-Match', 'W/"stale"'), 412],
        [
          '415',
          () =>
            request(scim.app)
              .post('/scim/Users')
              .set('Authorization', `Bearer ${TOKEN}`)
              .set('Content-Type', 'application/xml')
              .send('<user/>'),
          415,
        ],
        ['500', () => broken.get('/Users'), 500],
        ['501', () => api.get('/Me'), 501],
        ['503', () => unavailable.get('/Users'), 503],
      ]
      for (const [name, send, status] of cases) {
        const res = await send()
        try {
          expectScimErrorResponse(res, status)
          if (status < 500) expect(typeof res.body.detail).toBe('string')
        } catch (error) {
          throw new Error(`${name}: ${(error as Error).message}\nresponse: ${res.status} ${res.text}`)
        }
      }
    })

    it('an authenticate() that returns a principal without a tenant is 500 with no detail', async () => {
      const tenantless = buildScimApp({
        express: makeExpress,
        router: { authenticate: () => ({ id: 'no-tenant' }) as never },
      })
      const res = await client(tenantless).post('/Users', userBody('alice'))
      expectScimErrorResponse(res, 500)
      expect(tenantless.userStore.size(TENANT)).toBe(0)
    })

    it('a store that throws an ordinary error is 500 with no detail', async () => {
      const failing = buildScimApp({
        express: makeExpress,
        wrapUserStore: (store) => ({
          create: () => {
            throw new Error('duplicate key value violates constraint "users_pkey" (secret)')
          },
          get: (id, context) => store.get(id, context),
          list: () => Promise.reject(new Error('connection to 10.0.0.5 refused')),
          update: (id, fields, version, context) => store.update(id, fields, version, context),
          delete: (id, context) => store.delete(id, context),
        }),
      })
      const failingApi = client(failing)
      const created = await failingApi.post('/Users', userBody('alice'))
      expectScimErrorResponse(created, 500)
      expect(created.text).not.toContain('secret')
      const listed = await failingApi.get('/Users')
      expectScimErrorResponse(listed, 500)
      expect(listed.text).not.toContain('10.0.0.5')
    })
  })
})

describe('options are checked at construction', () => {
  const valid = (): ScimRouterOptions => ({
    userStore: new MemoryUserStore(),
    teamStore: new MemoryTeamStore(),
    sessionRevoker: new MemorySessionRevoker(),
    authenticate: staticTokens([TOKEN]),
  })

  it('accepts valid options', () => {
    expect(typeof createScimRouter(valid())).toBe('function')
  })

  /** A store object with every method of `store` named in `methods` but `missing`. */
  const without = (store: object, methods: readonly string[], missing: string) => {
    const out: Record<string, unknown> = {}
    for (const name of methods) {
      const method = (store as Record<string, unknown>)[name] as (...args: unknown[]) => unknown
      if (name !== missing) out[name] = method.bind(store)
    }
    return out
  }
  const USER_METHODS = ['create', 'get', 'list', 'update', 'delete']
  const TEAM_METHODS = [
    'create',
    'get',
    'list',
    'update',
    'delete',
    'addMembers',
    'removeMembers',
    'replaceMembers',
    'listMembers',
    'removeUserFromTeams',
  ]
  const userStoreWithout = (method: string) => without(new MemoryUserStore(), USER_METHODS, method)

  it.each<[string, (options: Record<string, unknown>) => void]>([
    [
      'no options at all',
      (o) => {
        for (const key of Object.keys(o)) delete o[key]
      },
    ],
    ['a missing userStore', (o) => delete o.userStore],
    ['a userStore without update', (o) => (o.userStore = userStoreWithout('update'))],
    ['a userStore without list', (o) => (o.userStore = userStoreWithout('list'))],
    [
      'a teamStore without listMembers',
      (o) => (o.teamStore = without(new MemoryTeamStore(), TEAM_METHODS, 'listMembers')),
    ],
    ['a missing sessionRevoker', (o) => delete o.sessionRevoker],
    ['a missing authenticate', (o) => delete o.authenticate],
    ['an authenticate that is not a function', (o) => (o.authenticate = 'token')],
    ['a bodyLimit word', (o) => (o.bodyLimit = 'lots')],
    ['a negative bodyLimit', (o) => (o.bodyLimit = -1)],
    ['a zero bodyLimit', (o) => (o.bodyLimit = 0)],
    ['defaultCount above maxResults', (o) => Object.assign(o, { defaultCount: 50, maxResults: 10 })],
    ['a non-integer maxResults', (o) => (o.maxResults = 1.5)],
    ['an unknown dialect', (o) => (o.dialect = 'okta')],
    ['an unknown userDeletion', (o) => (o.userDeletion = 'purge')],
    ['a relative baseUrl', (o) => (o.baseUrl = '/scim')],
    ['a non-boolean switch', (o) => (o.userSyncEnabled = 'true')],
    ['a settings that is not a function', (o) => (o.settings = { userSyncEnabled: true })],
    ['an onEvent that is not a function', (o) => (o.onEvent = 'log')],
  ])('%s: TypeError', (_name, spoil) => {
    const options = valid() as unknown as Record<string, unknown>
    spoil(options)
    expect(() => createScimRouter(options as unknown as ScimRouterOptions)).toThrow(TypeError)
  })

  it('names the bad option in the message', () => {
    const options = { ...valid(), bodyLimit: 'lots' }
    expect(() => createScimRouter(options)).toThrow(/bodyLimit/)
    const { userStore: _omitted, ...rest } = valid()
    expect(() => createScimRouter(rest as ScimRouterOptions)).toThrow(/userStore/)
    expect(() => createScimRouter({ ...valid(), userStore: userStoreWithout('update') as never })).toThrow(
      /update/,
    )
  })

  it('staticTokens refuses bad token lists', () => {
    expect(() => staticTokens([])).toThrow(TypeError)
    expect(() => staticTokens(['has space'])).toThrow(TypeError)
    expect(() => staticTokens(['dup', 'dup'])).toThrow(TypeError)
  })
})
