// purpose: a principal belongs to one tenant: ids, filters, member references, ETags and events of another tenant (or another router) behave exactly like nonexistent ones.
import { randomUUID } from 'node:crypto'
import type request from 'supertest'
import {
  createScimRouter,
  MemorySessionRevoker,
  MemoryTeamStore,
  MemoryUserStore,
  type RequestContext,
  type ScimEvent,
  type SessionRevoker,
  staticTokens,
} from '../../lib'
import {
  buildScimApp,
  client,
  contextFor,
  EXPRESS_VERSIONS,
  type ExpressFactory,
  groupBody,
  patchBody,
  type ScimApp,
  type ScimClient,
  SEARCH_SCHEMA,
  userBody,
} from '../helpers/scim-app'

const ACME = 'acme'
const GLOBEX = 'globex'
const TOKENS = [
  { token: 'tok-a', tenant: ACME, id: 'idp-a' },
  { token: 'tok-b', tenant: GLOBEX, id: 'idp-b' },
] as const

const email = (value: string) => ({ emails: [{ value, type: 'work', primary: true }] })
const deactivate = patchBody({ op: 'replace', path: 'active', value: false })
const search = (filter?: string) => ({ schemas: [SEARCH_SCHEMA], ...(filter ? { filter } : {}) })
const q = (filter: string) => `filter=${encodeURIComponent(filter)}`

/** What one store or revoker call received: the method and the request context. */
interface Call {
  readonly method: string
  readonly context: RequestContext
}

/** Records the context of every method call (always the last argument) and delegates. */
function recording<T extends object>(target: T, calls: Call[]): T {
  return new Proxy(target, {
    get: (object, property) => {
      const value: unknown = Reflect.get(object, property, object)
      if (typeof property !== 'string' || typeof value !== 'function') return value
      return (...args: unknown[]) => {
        calls.push({ method: property, context: args[args.length - 1] as RequestContext })
        return value.apply(object, args)
      }
    },
  })
}

/** A client that tags every request with an `X-Request-Id` naming its tenant, so store calls can be traced back. */
function tagged(scim: Pick<ScimApp, 'app' | 'base'>, token: string, prefix: string): ScimClient {
  const api = client(scim, token)
  let n = 0
  const tag = (test: request.Test) => test.set('X-Request-Id', `${prefix}-${++n}`)
  return {
    get: (path) => tag(api.get(path)),
    delete: (path) => tag(api.delete(path)),
    post: (path, body) => tag(api.post(path, body)),
    put: (path, body) => tag(api.put(path, body)),
    patch: (path, body) => tag(api.patch(path, body)),
  }
}

async function created(res: request.Test | Promise<request.Response>): Promise<string> {
  const response = await res
  if (response.status !== 201) throw new Error(`expected 201, got ${response.status} ${response.text}`)
  return response.body.id as string
}

/** A response as the client sees it, with `ids` (echoed in a detail) replaced by a placeholder. */
function seen(res: request.Response, ...ids: string[]) {
  // supertest listens on a new port per request: the origin of meta.location is not the server's answer.
  let text = res.text.replace(/http:\/\/127\.0\.0\.1:\d+/g, '<origin>')
  for (const id of ids) text = text.split(id).join('<id>')
  const headers: Record<string, unknown> = {}
  for (const name of ['content-type', 'content-length', 'etag', 'location', 'allow', 'www-authenticate']) {
    headers[name] = res.headers[name]
  }
  return { status: res.status, text, headers }
}

/**
 * Sends the request once with the foreign id and once with a never-issued id of the same shape, and
 * expects the two answers to be the same (the id itself aside, where a detail echoes it).
 */
async function expectLikeNonexistent(
  foreignId: string,
  send: (id: string) => request.Test,
): Promise<request.Response> {
  const unknown = randomUUID()
  expect(unknown).toHaveLength(foreignId.length)
  const foreign = await send(foreignId)
  const missing = await send(unknown)
  expect(seen(foreign, foreignId)).toEqual(seen(missing, unknown))
  return foreign
}

/** An ETag no store has issued (the memory stores count versions from 1). */
const NEVER_ISSUED_ETAG = 'W/"987654321"'

interface TwoTenants {
  readonly scim: ScimApp
  readonly a: ScimClient
  readonly b: ScimClient
  readonly sessions: MemorySessionRevoker
  readonly calls: Call[]
  readonly revocations: Call[]
  readonly alice: string
  readonly admins: string
  readonly bob: string
  readonly sales: string
  readonly aliceTag: string
  adminsTag: string
  readonly aliceSession: string
}

/** One router, two tokens: acme has alice in Admins, globex has bob in Sales. */
async function twoTenants(makeExpress: ExpressFactory): Promise<TwoTenants> {
  const calls: Call[] = []
  const revocations: Call[] = []
  const sessions = new MemorySessionRevoker()
  const scim = buildScimApp({
    express: makeExpress,
    wrapUserStore: (store) => recording(store, calls),
    wrapTeamStore: (store) => recording(store, calls),
    router: {
      authenticate: staticTokens(TOKENS),
      sessionRevoker: recording<SessionRevoker>(sessions, revocations),
    },
  })
  const a = tagged(scim, 'tok-a', ACME)
  const b = tagged(scim, 'tok-b', GLOBEX)
  const alice = await created(
    a.post('/Users', userBody('alice', { externalId: 'ext-alice', ...email('alice@example.com') })),
  )
  const admins = await created(a.post('/Groups', groupBody('Admins', [alice], { externalId: 'grp-admins' })))
  const bob = await created(
    b.post('/Users', userBody('bob', { externalId: 'ext-bob', ...email('bob@example.com') })),
  )
  const sales = await created(b.post('/Groups', groupBody('Sales', [bob])))
  // More acme writes, so that acme's versions never coincide with globex's, whatever the store's numbering.
  for (const name of ['A1', 'A2', 'A3']) {
    await a
      .patch(`/Users/${alice}`, patchBody({ op: 'replace', path: 'displayName', value: name }))
      .expect(200)
    await a
      .patch(`/Groups/${admins}`, patchBody({ op: 'replace', path: 'externalId', value: `grp-${name}` }))
      .expect(204)
  }
  await a
    .patch(`/Groups/${admins}`, patchBody({ op: 'replace', path: 'externalId', value: 'grp-admins' }))
    .expect(204)
  const aliceTag = (await a.get(`/Users/${alice}`)).headers.etag as string
  const adminsTag = (await a.get(`/Groups/${admins}`)).headers.etag as string
  const aliceSession = sessions.createSession(ACME, alice)
  return {
    scim,
    a,
    b,
    sessions,
    calls,
    revocations,
    alice,
    admins,
    bob,
    sales,
    aliceTag,
    adminsTag,
    aliceSession,
  }
}

/** Acme's data as its own client sees it: alice and Admins, unchanged. */
async function acmeUnchanged(t: TwoTenants): Promise<void> {
  const user = await t.a.get(`/Users/${t.alice}`)
  expect({
    status: user.status,
    etag: user.headers.etag,
    active: user.body.active,
    userName: user.body.userName,
  }).toEqual({ status: 200, etag: t.aliceTag, active: true, userName: 'alice' })
  const group = await t.a.get(`/Groups/${t.admins}`)
  expect({
    status: group.status,
    etag: group.headers.etag,
    displayName: group.body.displayName,
    members: group.body.members.map((m: { value: string }) => m.value),
  }).toEqual({ status: 200, etag: t.adminsTag, displayName: 'Admins', members: [t.alice] })
  expect(t.sessions.isSessionActive(t.aliceSession)).toBe(true)
  expect(t.sessions.revocationCount(ACME, t.alice)).toBe(0)
  expect(t.sessions.revocationCount(GLOBEX, t.alice)).toBe(0)
}

/** Every store and revoker call made for a request of one tenant carried that tenant and its principal. */
function expectContextsScoped(t: TwoTenants): void {
  const all = [...t.calls, ...t.revocations]
  expect(all.length).toBeGreaterThan(0)
  const wrong = all.filter(({ context }) => {
    const owner = TOKENS.find((token) => context.requestId.startsWith(`${token.tenant}-`))
    return (
      !owner ||
      context.tenant !== owner.tenant ||
      context.principal.tenant !== owner.tenant ||
      context.principal.id !== owner.id
    )
  })
  expect(wrong).toEqual([])
}

describe.each(EXPRESS_VERSIONS)('on %s', (_label, makeExpress) => {
  describe('two tenants, two tokens, one router', () => {
    let t: TwoTenants

    beforeEach(async () => {
      t = await twoTenants(makeExpress)
    })

    it('a foreign user id answers exactly as a never-issued one: GET, PUT, PATCH, DELETE, If-None-Match, /v2', async () => {
      const eventsBefore = t.scim.events.length
      const sends: [string, (id: string) => request.Test][] = [
        ['GET', (id) => t.b.get(`/Users/${id}`)],
        ['GET attributes', (id) => t.b.get(`/Users/${id}?attributes=userName`)],
        ['GET If-None-Match', (id) => t.b.get(`/Users/${id}`).set('If-None-Match', t.aliceTag)],
        ['GET /v2', (id) => t.b.get(`/v2/Users/${id}`)],
        ['PUT', (id) => t.b.put(`/Users/${id}`, userBody('stolen', { active: false }))],
        ['PUT If-Match', (id) => t.b.put(`/Users/${id}`, userBody('stolen')).set('If-Match', t.aliceTag)],
        ['PATCH', (id) => t.b.patch(`/Users/${id}`, deactivate)],
        ['PATCH If-Match', (id) => t.b.patch(`/Users/${id}`, deactivate).set('If-Match', t.aliceTag)],
        ['DELETE', (id) => t.b.delete(`/Users/${id}`)],
        ['DELETE If-Match', (id) => t.b.delete(`/Users/${id}`).set('If-Match', t.aliceTag)],
      ]
      for (const [name, send] of sends) {
        const res = await expectLikeNonexistent(t.alice, send)
        expect({ name, status: res.status }).toEqual({ name, status: 404 })
      }
      expect(t.scim.events.length).toBe(eventsBefore)
      await acmeUnchanged(t)
      expectContextsScoped(t)
    })

    it('a foreign group id answers exactly as a never-issued one', async () => {
      const eventsBefore = t.scim.events.length
      const sends: [string, (id: string) => request.Test][] = [
        ['GET', (id) => t.b.get(`/Groups/${id}`)],
        ['GET excludedAttributes', (id) => t.b.get(`/Groups/${id}?excludedAttributes=members`)],
        ['GET If-None-Match', (id) => t.b.get(`/Groups/${id}`).set('If-None-Match', t.adminsTag)],
        ['PUT', (id) => t.b.put(`/Groups/${id}`, groupBody('Stolen', [t.bob]))],
        ['PUT no members', (id) => t.b.put(`/Groups/${id}`, groupBody('Admins'))],
        [
          'PATCH add',
          (id) =>
            t.b.patch(`/Groups/${id}`, patchBody({ op: 'add', path: 'members', value: [{ value: t.bob }] })),
        ],
        ['PATCH remove', (id) => t.b.patch(`/Groups/${id}`, patchBody({ op: 'remove', path: 'members' }))],
        [
          'PATCH rename',
          (id) => t.b.patch(`/Groups/${id}`, patchBody({ op: 'replace', path: 'displayName', value: 'X' })),
        ],
        [
          'PATCH If-Match',
          (id) =>
            t.b
              .patch(`/Groups/${id}`, patchBody({ op: 'remove', path: 'members' }))
              .set('If-Match', t.adminsTag),
        ],
        ['DELETE', (id) => t.b.delete(`/Groups/${id}`)],
        ['DELETE If-Match', (id) => t.b.delete(`/Groups/${id}`).set('If-Match', t.adminsTag)],
      ]
      for (const [name, send] of sends) {
        const res = await expectLikeNonexistent(t.admins, send)
        expect({ name, status: res.status }).toEqual({ name, status: 404 })
      }
      expect(t.scim.events.length).toBe(eventsBefore)
      await acmeUnchanged(t)
      expectContextsScoped(t)
    })

    it('filters on a foreign id, userName, externalId, email or member give the empty list a never-issued value gives', async () => {
      const lists: [string, string, string][] = [
        // [endpoint, foreign filter, never-issued filter of the same shape]
        ['/Users', `id eq "${t.alice}"`, `id eq "${randomUUID()}"`],
        ['/Users', 'userName eq "alice"', 'userName eq "zzzzz"'],
        ['/Users', 'userName eq "ALICE"', 'userName eq "ZZZZZ"'],
        ['/Users', 'userName sw "ali"', 'userName sw "zzz"'],
        ['/Users', 'externalId eq "ext-alice"', 'externalId eq "ext-zzzzz"'],
        ['/Users', 'emails.value eq "alice@example.com"', 'emails.value eq "zzzzz@example.com"'],
        ['/Users', 'emails co "alice"', 'emails co "zzzzz"'],
        ['/Users', `id eq "${t.alice}" and active eq true`, `id eq "${randomUUID()}" and active eq true`],
        ['/Groups', `id eq "${t.admins}"`, `id eq "${randomUUID()}"`],
        ['/Groups', 'displayName eq "Admins"', 'displayName eq "Zzzzzz"'],
        ['/Groups', 'externalId eq "grp-admins"', 'externalId eq "grp-zzzzzz"'],
        ['/Groups', `members.value eq "${t.alice}"`, `members.value eq "${randomUUID()}"`],
        ['/Groups', `members[value eq "${t.alice}"]`, `members[value eq "${randomUUID()}"]`],
        ['/Groups', `members eq "${t.alice}"`, `members eq "${randomUUID()}"`],
      ]
      for (const [endpoint, foreign, unknown] of lists) {
        for (const [how, send] of [
          ['GET', (filter: string) => t.b.get(`${endpoint}?${q(filter)}`)],
          ['.search', (filter: string) => t.b.post(`${endpoint}/.search`, search(filter))],
          ['root .search', (filter: string) => t.b.post('/.search', search(filter))],
        ] as const) {
          const got = await send(foreign)
          const expected = await send(unknown)
          const label = `${how} ${endpoint} ${foreign}`
          expect({ label, seen: seen(got) }).toEqual({ label, seen: seen(expected) })
          expect({ label, status: got.status, total: got.body.totalResults }).toEqual({
            label,
            status: 200,
            total: 0,
          })
        }
      }
      // An or with a foreign id finds the tenant's own resource only.
      const mixed = await t.b.get(`/Users?${q(`id eq "${t.alice}" or id eq "${t.bob}"`)}`)
      expect(mixed.body.Resources.map((u: { id: string }) => u.id)).toEqual([t.bob])
      const all = await t.b.post('/.search', search())
      expect(all.body.Resources.map((r: { id: string }) => r.id).sort()).toEqual([t.bob, t.sales].sort())
      expect(all.body.totalResults).toBe(2)
      const groups = await t.b.get('/Groups')
      expect(groups.body.Resources.map((g: { id: string }) => g.id)).toEqual([t.sales])
      expect(groups.body.Resources[0].members.map((m: { value: string }) => m.value)).toEqual([t.bob])
      expectContextsScoped(t)
    })

    it('a foreign member id is a 400 invalidValue identical to an unknown member, and writes nothing', async () => {
      const salesTag = (await t.b.get(`/Groups/${t.sales}`)).headers.etag as string
      const eventsBefore = t.scim.events.length
      const sends: [string, (id: string) => request.Test][] = [
        ['POST', (id) => t.b.post('/Groups', groupBody('New', [id]))],
        ['POST mixed', (id) => t.b.post('/Groups', groupBody('New', [t.bob, id]))],
        [
          'POST typed',
          (id) => t.b.post('/Groups', groupBody('New', [], { members: [{ value: id, type: 'User' }] })),
        ],
        ['PUT', (id) => t.b.put(`/Groups/${t.sales}`, groupBody('Sales', [t.bob, id]))],
        [
          'PATCH add',
          (id) =>
            t.b.patch(
              `/Groups/${t.sales}`,
              patchBody({ op: 'add', path: 'members', value: [{ value: id }] }),
            ),
        ],
        [
          'PATCH rename + add',
          (id) =>
            t.b.patch(
              `/Groups/${t.sales}`,
              patchBody(
                { op: 'replace', path: 'displayName', value: 'Renamed' },
                { op: 'add', path: 'members', value: [{ value: id }] },
              ),
            ),
        ],
        [
          'PATCH replace',
          (id) =>
            t.b.patch(
              `/Groups/${t.sales}`,
              patchBody({ op: 'replace', path: 'members', value: [{ value: id }] }),
            ),
        ],
        [
          'PATCH path-less',
          (id) =>
            t.b.patch(`/Groups/${t.sales}`, patchBody({ op: 'add', value: { members: [{ value: id }] } })),
        ],
      ]
      for (const [name, send] of sends) {
        const res = await expectLikeNonexistent(t.alice, send)
        expect({ name, status: res.status, scimType: res.body.scimType }).toEqual({
          name,
          status: 400,
          scimType: 'invalidValue',
        })
      }
      const sales = await t.b.get(`/Groups/${t.sales}`)
      expect({ etag: sales.headers.etag, name: sales.body.displayName, members: sales.body.members }).toEqual(
        {
          etag: salesTag,
          name: 'Sales',
          members: [expect.objectContaining({ value: t.bob })],
        },
      )
      expect((await t.b.get('/Groups')).body.totalResults).toBe(1)
      expect(t.scim.teamStore.teamsOfUser(GLOBEX, t.alice)).toEqual([])
      expect(t.scim.events.length).toBe(eventsBefore)
      // Removing a foreign id is a no-op, exactly like removing an unknown one.
      const removed = await expectLikeNonexistent(t.alice, (id) =>
        t.b.patch(`/Groups/${t.sales}`, patchBody({ op: 'remove', path: `members[value eq "${id}"]` })),
      )
      expect(removed.status).toBe(204)
      await acmeUnchanged(t)
    })

    it('a foreign ETag is any stale ETag: If-Match 412, If-None-Match 200 (never 304)', async () => {
      const bobTag = (await t.b.get(`/Users/${t.bob}`)).headers.etag as string
      const salesTag = (await t.b.get(`/Groups/${t.sales}`)).headers.etag as string
      expect([bobTag, salesTag]).not.toContain(t.aliceTag)
      expect([bobTag, salesTag]).not.toContain(t.adminsTag)
      const eventsBefore = t.scim.events.length
      const ifMatch: [string, (tag: string) => request.Test][] = [
        [
          'PUT user',
          (tag) => t.b.put(`/Users/${t.bob}`, userBody('bob', { active: false })).set('If-Match', tag),
        ],
        ['PATCH user', (tag) => t.b.patch(`/Users/${t.bob}`, deactivate).set('If-Match', tag)],
        ['DELETE user', (tag) => t.b.delete(`/Users/${t.bob}`).set('If-Match', tag)],
        ['PUT group', (tag) => t.b.put(`/Groups/${t.sales}`, groupBody('Sales')).set('If-Match', tag)],
        [
          'PATCH group',
          (tag) =>
            t.b
              .patch(`/Groups/${t.sales}`, patchBody({ op: 'remove', path: 'members' }))
              .set('If-Match', tag),
        ],
        ['DELETE group', (tag) => t.b.delete(`/Groups/${t.sales}`).set('If-Match', tag)],
      ]
      for (const [name, send] of ifMatch) {
        for (const foreign of [t.aliceTag, t.adminsTag]) {
          const got = await send(foreign)
          const stale = await send(NEVER_ISSUED_ETAG)
          expect({ name, seen: seen(got) }).toEqual({ name, seen: seen(stale) })
          expect({ name, status: got.status }).toEqual({ name, status: 412 })
        }
      }
      const ifNoneMatch: [string, string][] = [
        [`/Users/${t.bob}`, t.aliceTag],
        [`/Groups/${t.sales}`, t.adminsTag],
      ]
      for (const [path, foreign] of ifNoneMatch) {
        const got = await t.b.get(path).set('If-None-Match', foreign)
        const other = await t.b.get(path).set('If-None-Match', NEVER_ISSUED_ETAG)
        expect({ path, seen: seen(got) }).toEqual({ path, seen: seen(other) })
        expect({ path, status: got.status }).toEqual({ path, status: 200 })
      }
      // The tenant's own ETags still work, so the 412s above were about the foreign tag.
      expect((await t.b.get(`/Users/${t.bob}`).set('If-None-Match', bobTag)).status).toBe(304)
      expect((await t.b.patch(`/Users/${t.bob}`, deactivate).set('If-Match', bobTag)).status).toBe(200)
      expect(
        t.scim.events.slice(eventsBefore).every((e) => e.tenant === GLOBEX && e.resourceId === t.bob),
      ).toBe(true)
      await acmeUnchanged(t)
    })

    it('the same userName, externalId, email and group name may exist in both tenants; uniqueness stays per tenant', async () => {
      const twin = await created(
        t.b.post('/Users', userBody('alice', { externalId: 'ext-alice', ...email('alice@example.com') })),
      )
      expect(twin).not.toBe(t.alice)
      const twinGroup = await created(
        t.b.post('/Groups', groupBody('Admins', [twin], { externalId: 'grp-admins' })),
      )
      expect(twinGroup).not.toBe(t.admins)
      // Renaming into a name, externalId and email only the other tenant uses is fine too.
      const dora = await created(t.a.post('/Users', userBody('dora')))
      const renamed = await t.a.put(
        `/Users/${dora}`,
        userBody('bob', { externalId: 'ext-bob', ...email('bob@example.com') }),
      )
      expect({ status: renamed.status, userName: renamed.body.userName }).toEqual({
        status: 200,
        userName: 'bob',
      })
      expect(
        (
          await t.a.patch(
            `/Groups/${t.admins}`,
            patchBody({ op: 'replace', path: 'displayName', value: 'Sales' }),
          )
        ).status,
      ).toBe(204)
      expect(
        (
          await t.a.patch(
            `/Groups/${t.admins}`,
            patchBody({ op: 'replace', path: 'displayName', value: 'Admins' }),
          )
        ).status,
      ).toBe(204)
      t.adminsTag = (await t.a.get(`/Groups/${t.admins}`)).headers.etag as string
      // Inside a tenant, the rules hold.
      for (const body of [
        userBody('ALICE'),
        userBody('other', { externalId: 'ext-alice' }),
        userBody('other', email('ALICE@example.com')),
      ]) {
        const res = await t.b.post('/Users', body)
        expect({ status: res.status, scimType: res.body.scimType }).toEqual({
          status: 409,
          scimType: 'uniqueness',
        })
      }
      expect((await t.b.post('/Groups', groupBody('admins'))).status).toBe(409)
      // Each tenant finds its own.
      for (const [api, user, group] of [
        [t.a, t.alice, t.admins],
        [t.b, twin, twinGroup],
      ] as const) {
        const users = await api.get(`/Users?${q('userName eq "alice"')}`)
        expect(users.body.Resources.map((u: { id: string }) => u.id)).toEqual([user])
        const byExternal = await api.get(`/Users?${q('externalId eq "ext-alice"')}`)
        expect(byExternal.body.Resources.map((u: { id: string }) => u.id)).toEqual([user])
        const groups = await api.get(`/Groups?${q('displayName eq "Admins"')}`)
        expect(groups.body.Resources.map((g: { id: string }) => g.id)).toEqual([group])
        const byMember = await api.get(`/Groups?${q(`members.value eq "${user}"`)}`)
        expect(byMember.body.Resources.map((g: { id: string }) => g.id)).toEqual([group])
      }
      expect(t.scim.userStore.findByEmail(ACME, 'alice@example.com')?.id).toBe(t.alice)
      expect(t.scim.userStore.findByEmail(GLOBEX, 'alice@example.com')?.id).toBe(twin)
      // Deleting one twin leaves the other.
      expect((await t.b.delete(`/Users/${twin}`)).status).toBe(204)
      expect((await t.b.delete(`/Groups/${twinGroup}`)).status).toBe(204)
      await acmeUnchanged(t)
      expectContextsScoped(t)
    })

    it('events carry their own tenant and actor, and never a resource of the other tenant', async () => {
      // Both tenants work side by side, with twins and attempts on each other's ids.
      const carol = await created(t.b.post('/Users', userBody('carol')))
      await t.b.patch(
        `/Groups/${t.sales}`,
        patchBody({ op: 'add', path: 'members', value: [{ value: carol }] }),
      )
      await t.b.patch(
        `/Groups/${t.sales}`,
        patchBody({ op: 'add', path: 'members', value: [{ value: t.alice }] }),
      )
      await t.b.patch(`/Users/${t.alice}`, deactivate)
      await t.b.delete(`/Groups/${t.admins}`)
      await t.a.patch(
        `/Groups/${t.admins}`,
        patchBody({ op: 'add', path: 'members', value: [{ value: carol }] }),
      )
      await t.a.patch(`/Users/${carol}`, deactivate)
      await t.a.put(`/Users/${t.alice}`, userBody('alice', { displayName: 'Alice' }))
      await t.b.patch(`/Users/${carol}`, deactivate)
      await t.b.delete(`/Users/${carol}`)
      await t.b.put(`/Groups/${t.sales}`, groupBody('Sales', [t.bob]))

      const own: Record<string, Set<string>> = {
        [ACME]: new Set([t.alice, t.admins]),
        [GLOBEX]: new Set([t.bob, t.sales, carol]),
      }
      const actor: Record<string, string> = { [ACME]: 'idp-a', [GLOBEX]: 'idp-b' }
      expect(t.scim.events.length).toBeGreaterThan(8)
      const wrong = t.scim.events.filter((event: ScimEvent) => {
        const ids = own[event.tenant]
        if (!ids || event.actor !== actor[event.tenant]) return true
        if (!event.requestId.startsWith(`${event.tenant}-`)) return true
        if (!ids.has(event.resourceId)) return true
        const userIds = 'userIds' in event ? event.userIds : []
        return userIds.some((id) => !ids.has(id))
      })
      expect(wrong).toEqual([])
      expect(t.scim.events.filter((e) => e.tenant === GLOBEX).map((e) => e.type)).toEqual([
        'user.created',
        'group.created',
        'user.created',
        'group.membersAdded',
        'user.updated',
        'user.deactivated',
        'user.sessionsRevoked',
        'user.sessionsRevoked',
        'user.deleted',
        'group.membersReplaced',
      ])
      expectContextsScoped(t)
    })

    it("sessions of a user are never revoked by the other tenant's deactivation or deletion", async () => {
      // A session in acme whose user id is globex's bob, and one in globex with alice's id: only tenant scoping tells them apart.
      const acmeSessionWithBobsId = t.sessions.createSession(ACME, t.bob)
      const bobSession = t.sessions.createSession(GLOBEX, t.bob)
      const globexSessionWithAlicesId = t.sessions.createSession(GLOBEX, t.alice)

      for (const res of [
        await t.b.patch(`/Users/${t.alice}`, deactivate),
        await t.b.put(`/Users/${t.alice}`, userBody('alice', { active: false })),
        await t.b.delete(`/Users/${t.alice}`),
      ]) {
        expect(res.status).toBe(404)
      }
      expect(t.sessions.isSessionActive(t.aliceSession)).toBe(true)
      expect(t.sessions.isSessionActive(globexSessionWithAlicesId)).toBe(true)

      expect((await t.b.patch(`/Users/${t.bob}`, deactivate)).status).toBe(200)
      expect(t.sessions.isSessionActive(bobSession)).toBe(false)
      expect(t.sessions.isSessionActive(acmeSessionWithBobsId)).toBe(true)

      // Store-level: an acme team holding bob's id keeps it when globex deletes bob.
      t.scim.teamStore.addMembers(t.admins, [{ value: t.bob }], contextFor(ACME))
      expect((await t.b.delete(`/Users/${t.bob}`)).status).toBe(204)
      expect(t.sessions.isSessionActive(acmeSessionWithBobsId)).toBe(true)
      expect(t.scim.teamStore.memberCount(ACME, t.admins)).toBe(2)
      expect(t.sessions.revocationCount(ACME, t.bob)).toBe(0)
      expect(t.sessions.revocationCount(GLOBEX, t.bob)).toBe(2)
      expect(t.revocations.map((call) => call.context.tenant)).toEqual([GLOBEX, GLOBEX])

      expect((await t.a.patch(`/Users/${t.alice}`, deactivate)).status).toBe(200)
      expect(t.sessions.isSessionActive(t.aliceSession)).toBe(false)
      expect(t.sessions.isSessionActive(globexSessionWithAlicesId)).toBe(true)
      expectContextsScoped(t)
    })

    it('adoptLocalUsers never adopts, changes or logs out a local user of another tenant', async () => {
      const scim = buildScimApp({
        express: makeExpress,
        router: { authenticate: staticTokens(TOKENS), adoptLocalUsers: true, isProtectedUser: () => false },
      })
      const local = scim.userStore.addLocalUser(ACME, {
        userName: 'admin',
        email: 'admin@example.com',
        active: true,
      })
      const session = scim.sessions.createSession(ACME, local.id)
      const res = await client(scim, 'tok-b').post(
        '/Users',
        userBody('admin', { active: false, externalId: 'ext-admin', ...email('admin@example.com') }),
      )
      expect(res.status).toBe(201)
      expect(res.body.id).not.toBe(local.id)
      expect(scim.userStore.get(local.id, contextFor(ACME))).toEqual(local)
      expect(scim.sessions.isSessionActive(session)).toBe(true)
      expect(scim.events.map((e) => [e.type, e.tenant, e.resourceId])).toEqual([
        ['user.created', GLOBEX, res.body.id],
      ])
    })

    it("a tenant's ETags do not depend on another tenant's activity (the same requests give the same versions)", async () => {
      /** The ETags globex sees for a fixed sequence, with or without acme writing in between. */
      const globexTags = async (busyNeighbour: boolean): Promise<string[]> => {
        const scim = buildScimApp({ express: makeExpress, router: { authenticate: staticTokens(TOKENS) } })
        const a = client(scim, 'tok-a')
        const b = client(scim, 'tok-b')
        const neighbour = async (n: number) => {
          if (!busyNeighbour) return
          const id = await created(a.post('/Users', userBody(`acme-${n}`)))
          await a.post('/Groups', groupBody(`acme-${n}`, [id]))
        }
        const tags: string[] = []
        const tag = (res: request.Response) => {
          tags.push(`${res.status} ${res.headers.etag}`)
          return res
        }
        await neighbour(1)
        const bob = (await b.post('/Users', userBody('bob')).then(tag)).body.id as string
        await neighbour(2)
        const group = (await b.post('/Groups', groupBody('Sales', [bob])).then(tag)).body.id as string
        await neighbour(3)
        await b
          .patch(`/Users/${bob}`, patchBody({ op: 'replace', path: 'displayName', value: 'Bob' }))
          .then(tag)
        await b
          .patch(`/Groups/${group}`, patchBody({ op: 'replace', path: 'displayName', value: 'S' }))
          .then(tag)
        await b.get(`/Users/${bob}`).then(tag)
        return tags
      }
      expect(await globexTags(true)).toEqual(await globexTags(false))
    })

    it('tenants whose names differ only in case (or by a prototype key) are separate tenants', async () => {
      const scim = buildScimApp({
        express: makeExpress,
        router: {
          authenticate: staticTokens([
            { token: 'tok-lower', tenant: 'acme', id: 'lower' },
            { token: 'tok-upper', tenant: 'ACME', id: 'upper' },
            { token: 'tok-proto', tenant: '__proto__', id: 'proto' },
            { token: 'tok-ctor', tenant: 'constructor', id: 'ctor' },
          ]),
        },
      })
      const apis = ['tok-lower', 'tok-upper', 'tok-proto', 'tok-ctor'].map((token) => client(scim, token))
      const ids: string[] = []
      for (const api of apis)
        ids.push(await created(api.post('/Users', userBody('alice', email('alice@example.com')))))
      expect(new Set(ids).size).toBe(4)
      for (const [index, api] of apis.entries()) {
        const list = await api.get('/Users')
        expect(list.body.Resources.map((u: { id: string }) => u.id)).toEqual([ids[index]])
        for (const [other, id] of ids.entries()) {
          if (other !== index) expect((await api.get(`/Users/${id}`)).status).toBe(404)
        }
      }
    })
  })

  describe('two routers in one process', () => {
    /** Two routers on one Express app, under /a and /b, with the same token string and tenant name. */
    function sideBySide(options: { a?: Record<string, unknown>; b?: Record<string, unknown> } = {}) {
      const app = makeExpress()
      const make = (extra: Record<string, unknown> | undefined) => {
        const users = new MemoryUserStore()
        const teams = new MemoryTeamStore()
        const sessions = new MemorySessionRevoker()
        const events: ScimEvent[] = []
        const router = createScimRouter({
          userStore: users,
          teamStore: teams,
          sessionRevoker: sessions,
          authenticate: staticTokens([{ token: 'same-token', tenant: ACME, id: 'idp' }]),
          userSyncEnabled: true,
          groupSyncEnabled: true,
          onEvent: (event) => {
            events.push(event)
          },
          ...extra,
        })
        return { users, teams, sessions, events, router }
      }
      const a = make(options.a)
      const b = make(options.b)
      app.use('/a', a.router)
      app.use('/b', b.router)
      return {
        a: { ...a, api: client({ app, base: '/a' }, 'same-token') },
        b: { ...b, api: client({ app, base: '/b' }, 'same-token') },
      }
    }

    it('nothing written through one is visible through the other; ids, filters, members and ETags are unknown there', async () => {
      const { a, b } = sideBySide()
      const alice = await created(
        a.api.post('/Users', userBody('alice', { externalId: 'ext-alice', ...email('alice@example.com') })),
      )
      const admins = await created(a.api.post('/Groups', groupBody('Admins', [alice])))
      const aliceTag = (await a.api.get(`/Users/${alice}`)).headers.etag as string
      const session = b.sessions.createSession(ACME, alice)

      for (const send of [
        (id: string) => b.api.get(`/Users/${id}`),
        (id: string) => b.api.patch(`/Users/${id}`, deactivate),
        (id: string) => b.api.delete(`/Users/${id}`),
      ]) {
        expect((await expectLikeNonexistent(alice, send)).status).toBe(404)
      }
      for (const send of [
        (id: string) => b.api.get(`/Groups/${id}`),
        (id: string) => b.api.put(`/Groups/${id}`, groupBody('Admins')),
        (id: string) => b.api.delete(`/Groups/${id}`),
      ]) {
        expect((await expectLikeNonexistent(admins, send)).status).toBe(404)
      }
      for (const filter of [`id eq "${alice}"`, 'userName eq "alice"', 'externalId eq "ext-alice"']) {
        expect((await b.api.get(`/Users?${q(filter)}`)).body.totalResults).toBe(0)
      }
      expect((await b.api.get(`/Groups?${q(`members.value eq "${alice}"`)}`)).body.totalResults).toBe(0)
      expect((await b.api.post('/.search', search())).body.totalResults).toBe(0)
      const member = await expectLikeNonexistent(alice, (id) =>
        b.api.post('/Groups', groupBody('Admins', [id])),
      )
      expect({ status: member.status, scimType: member.body.scimType }).toEqual({
        status: 400,
        scimType: 'invalidValue',
      })

      // Same userName, externalId, email and group name on /b: no conflict.
      const twin = await created(
        b.api.post('/Users', userBody('alice', { externalId: 'ext-alice', ...email('alice@example.com') })),
      )
      await created(b.api.post('/Groups', groupBody('Admins', [twin])))
      const twinTag = (await b.api.get(`/Users/${twin}`)).headers.etag as string
      // /a's ETag means nothing on /b (each store numbers its own versions, so a tag may even coincide).
      const matched = await b.api.patch(`/Users/${twin}`, deactivate).set('If-Match', aliceTag)
      expect(matched.status).toBe(aliceTag === twinTag ? 200 : 412)

      // /a's deactivation revokes through /a's revoker only.
      expect((await a.api.patch(`/Users/${alice}`, deactivate)).status).toBe(200)
      expect(b.sessions.isSessionActive(session)).toBe(true)
      expect(a.sessions.revocationCount(ACME, alice)).toBe(1)

      expect(a.users.size(ACME)).toBe(1)
      expect(b.users.size(ACME)).toBe(1)
      expect(a.teams.memberCount(ACME, admins)).toBe(1)
      expect((await a.api.get(`/Users/${alice}`)).body.userName).toBe('alice')
      // Each router's resources are located under its own mount path.
      expect((await a.api.get(`/Users/${alice}`)).body.meta.location).toMatch(
        new RegExp(`/a/Users/${alice}$`),
      )
      expect((await b.api.get(`/Users/${twin}`)).body.meta.location).toMatch(new RegExp(`/b/Users/${twin}$`))

      // Events go to their own onEvent only.
      const aIds = new Set([alice, admins])
      expect(a.events.length).toBeGreaterThan(0)
      expect(b.events.length).toBeGreaterThan(0)
      expect(a.events.filter((e) => !aIds.has(e.resourceId))).toEqual([])
      expect(b.events.filter((e) => aIds.has(e.resourceId))).toEqual([])
      expect(a.events.map((e) => e.type)).toEqual([
        'user.created',
        'group.created',
        'user.updated',
        'user.deactivated',
        'user.sessionsRevoked',
      ])
    })

    it("options don't bleed: maxResults, defaultCount, switches, userDeletion, teamStore and baseUrl stay per router", async () => {
      const app = makeExpress()
      const common = {
        sessionRevoker: new MemorySessionRevoker(),
        authenticate: staticTokens([{ token: 'same-token', tenant: ACME, id: 'idp' }]),
        userSyncEnabled: true,
        groupSyncEnabled: true,
      }
      const usersA = new MemoryUserStore()
      const usersB = new MemoryUserStore()
      const usersC = new MemoryUserStore()
      app.use(
        '/a',
        createScimRouter({
          ...common,
          userStore: usersA,
          teamStore: new MemoryTeamStore(),
          maxResults: 2,
          defaultCount: 1,
          userDeletion: 'disable',
          baseUrl: 'https://a.example.com/scim',
        }),
      )
      app.use('/b', createScimRouter({ ...common, userStore: usersB }))
      app.use('/c', createScimRouter({ ...common, userStore: usersC, userSyncEnabled: false }))
      const a = client({ app, base: '/a' }, 'same-token')
      const b = client({ app, base: '/b' }, 'same-token')
      const c = client({ app, base: '/c' }, 'same-token')

      const aIds: string[] = []
      const bIds: string[] = []
      for (const name of ['u1', 'u2', 'u3', 'u4']) {
        aIds.push(await created(a.post('/Users', userBody(name))))
        bIds.push(await created(b.post('/Users', userBody(name))))
      }
      const pageA = await a.get('/Users?count=100')
      const pageB = await b.get('/Users?count=100')
      expect({ a: pageA.body.itemsPerPage, b: pageB.body.itemsPerPage }).toEqual({ a: 2, b: 4 })
      expect({
        a: (await a.get('/Users')).body.itemsPerPage,
        b: (await b.get('/Users')).body.itemsPerPage,
      }).toEqual({
        a: 1,
        b: 4,
      })
      const config = async (api: ScimClient) =>
        (await api.get('/ServiceProviderConfig')).body.filter.maxResults
      expect({ a: await config(a), b: await config(b), c: await config(c) }).toEqual({
        a: 2,
        b: 1000,
        c: 1000,
      })

      // userSyncEnabled off on /c only.
      const refused = await c.post('/Users', userBody('u1'))
      expect(refused.status).toBe(403)
      expect(usersC.size(ACME)).toBe(0)
      expect((await a.post('/Users', userBody('u5'))).status).toBe(201)

      // /Groups exists only where a TeamStore was given.
      expect((await a.get('/Groups')).status).toBe(200)
      expect((await b.get('/Groups')).status).toBe(404)

      // userDeletion 'disable' on /a keeps the user hidden; /b deletes it.
      expect((await a.delete(`/Users/${aIds[0]}`)).status).toBe(204)
      expect((await b.delete(`/Users/${bIds[0]}`)).status).toBe(204)
      expect(usersA.get(aIds[0]!, contextFor(ACME))).toMatchObject({ hidden: true })
      expect(usersB.get(bIds[0]!, contextFor(ACME))).toBeUndefined()

      // baseUrl is /a's alone.
      expect((await a.get(`/Users/${aIds[1]}`)).body.meta.location).toBe(
        `https://a.example.com/scim/Users/${aIds[1]}`,
      )
      expect((await b.get(`/Users/${bIds[1]}`)).body.meta.location).not.toContain('a.example.com')
    })

    it('two buildScimApp instances: events and sessions stay with their own app', async () => {
      const one = buildScimApp({ express: makeExpress })
      const two = buildScimApp({ express: makeExpress })
      const oneApi = client(one)
      const twoApi = client(two)
      const id = await created(oneApi.post('/Users', userBody('alice')))
      const sessionInTwo = two.sessions.createSession(one.tenant, id)
      expect((await oneApi.delete(`/Users/${id}`)).status).toBe(204)
      expect(two.sessions.isSessionActive(sessionInTwo)).toBe(true)
      expect(two.events).toEqual([])
      expect(one.events.map((e) => e.type)).toEqual([
        'user.created',
        'user.deactivated',
        'user.sessionsRevoked',
        'user.deleted',
      ])
      expect((await twoApi.get(`/Users/${id}`)).status).toBe(404)
    })
  })
})
