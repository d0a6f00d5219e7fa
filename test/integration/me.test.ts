// /Me (RFC 7644 §3.11): 501 without a resolveMe hook; with one, the /Users/:id operations on the principal's own user, with its Location.
import {
  createScimRouter,
  MemorySessionRevoker,
  MemoryTeamStore,
  MemoryUserStore,
  type Principal,
  type RequestContext,
  staticTokens,
} from '../../lib'
import {
  buildScimApp,
  client,
  createUser,
  EXPRESS_VERSIONS,
  expectScimErrorResponse,
  patchBody,
  type ScimApp,
  type ScimClient,
  TENANT,
  userBody,
} from '../helpers/scim-app'

describe.each(EXPRESS_VERSIONS)('/Me on %s', (_name, makeExpress) => {
  describe('without a resolveMe hook', () => {
    it.each(['GET', 'POST', 'PUT', 'PATCH', 'DELETE'])('%s /Me answers 501, as before', async (method) => {
      const api = client(buildScimApp({ express: makeExpress }))
      const path = '/Me'
      const res =
        method === 'GET'
          ? await api.get(path)
          : method === 'DELETE'
            ? await api.delete(path)
            : await api[method.toLowerCase() as 'post' | 'put' | 'patch'](path, {})
      expectScimErrorResponse(res, 501)
    })
  })

  describe('with a resolveMe hook', () => {
    let scim: ScimApp
    let api: ScimClient
    /** The user id resolveMe answers with (set per test), and the contexts it was called with. */
    let me: string | undefined | null
    let calls: RequestContext[]

    beforeEach(() => {
      me = undefined
      calls = []
      scim = buildScimApp({
        express: makeExpress,
        router: {
          resolveMe: (context) => {
            calls.push(context)
            return me
          },
        },
      })
      api = client(scim)
    })

    it('GET /Me is the principal user, with its permanent Location and ETag', async () => {
      me = await createUser(api, 'alice@example.com')
      const res = await api.get('/Me')
      expect(res.status).toBe(200)
      expect(res.body).toMatchObject({ id: me, userName: 'alice@example.com' })
      expect(res.headers.location).toBe(res.body.meta.location)
      expect(res.headers.location).toMatch(new RegExp(`/scim/Users/${me}$`))
      expect(res.headers.etag).toBe(res.body.meta.version)
      // The hook sees the principal the token stands for, in its tenant.
      expect(calls.at(-1)).toMatchObject({ tenant: TENANT, principal: { tenant: TENANT } })
    })

    it('projection and If-None-Match work as on /Users/:id', async () => {
      me = await createUser(api, 'alice@example.com', { displayName: 'Alice' })
      const projected = await api.get('/Me?attributes=displayName')
      expect(projected.body.displayName).toBe('Alice')
      expect(projected.body.userName).toBeUndefined()
      const unchanged = await api.get('/Me').set('If-None-Match', projected.headers.etag as string)
      expect(unchanged.status).toBe(304)
      expect(unchanged.headers.location).toMatch(new RegExp(`/Users/${me}$`))
    })

    it('PATCH /Me changes the user; deactivating through it revokes its sessions', async () => {
      me = await createUser(api, 'alice@example.com')
      const session = scim.sessions.createSession(TENANT, me)
      const res = await api.patch('/Me', patchBody({ op: 'replace', path: 'active', value: false }))
      expect(res.status).toBe(200)
      expect(res.body.active).toBe(false)
      expect(res.headers.location).toMatch(new RegExp(`/Users/${me}$`))
      expect(scim.sessions.isSessionActive(session)).toBe(false)
      expect((await api.get(`/Users/${me}`)).body.active).toBe(false)
    })

    it('PUT /Me replaces the user, and a stale If-Match is 412', async () => {
      me = await createUser(api, 'alice@example.com')
      const res = await api.put('/Me', userBody('alice@example.com', { displayName: 'Alice A.' }))
      expect(res.status).toBe(200)
      expect(res.body.displayName).toBe('Alice A.')
      const stale = await api.put('/Me', userBody('alice@example.com')).set('If-Match', 'W/"stale"')
      expectScimErrorResponse(stale, 412)
    })

    it('DELETE /Me deletes the user, with its Location', async () => {
      me = await createUser(api, 'alice@example.com')
      const res = await api.delete('/Me')
      expect(res.status).toBe(204)
      expect(res.headers.location).toMatch(new RegExp(`/Users/${me}$`))
      expectScimErrorResponse(await api.get(`/Users/${me}`), 404)
    })

    it('a principal that is no user (undefined or null) is 404, and nothing is written', async () => {
      for (const none of [undefined, null]) {
        me = none
        expectScimErrorResponse(await api.get('/Me'), 404)
        expectScimErrorResponse(
          await api.patch('/Me', patchBody({ op: 'replace', path: 'active', value: false })),
          404,
        )
      }
      expect(scim.events).toEqual([])
    })

    it('an id of no user, of a user SCIM does not own, or no store could issue is 404', async () => {
      me = 'no-such-user'
      expectScimErrorResponse(await api.get('/Me'), 404)
      const local = scim.userStore.addLocalUser(TENANT, { userName: 'admin', active: true })
      me = local.id
      expectScimErrorResponse(await api.get('/Me'), 404)
      me = 'x'.repeat(100_000)
      expectScimErrorResponse(await api.get('/Me'), 404)
    })

    it('POST /Me is 501 and /Me/anything is 404', async () => {
      me = await createUser(api, 'alice@example.com')
      expectScimErrorResponse(await api.post('/Me', userBody('bob@example.com')), 501)
      expectScimErrorResponse(await api.get('/Me/x'), 404)
      expect((await api.get('/Users?filter=userName eq "bob@example.com"')).body.totalResults).toBe(0)
    })

    it('the /Users switches hold: with user sync off, writes through /Me are 403 like /Users', async () => {
      const off = client(
        buildScimApp({ express: makeExpress, router: { resolveMe: () => 'anyone', userSyncEnabled: false } }),
      )
      const deactivate = patchBody({ op: 'replace', path: 'active', value: false })
      expectScimErrorResponse(await off.patch('/Me', deactivate), 403)
      expectScimErrorResponse(await off.patch('/Users/anyone', deactivate), 403)
    })
  })

  describe('a broken or failing hook', () => {
    it.each([
      [
        'throws',
        () => {
          throw new Error('db down: postgres://secret@host')
        },
      ],
      ['rejects', () => Promise.reject(new Error('db down'))],
      ['answers a number', () => 42 as unknown as string],
      ['answers an empty string', () => ''],
    ])('a hook that %s is a bare 500 that names nothing', async (_what, resolveMe) => {
      const api = client(buildScimApp({ express: makeExpress, router: { resolveMe } }))
      const res = await api.get('/Me')
      expectScimErrorResponse(res, 500)
      expect(res.text).not.toMatch(/secret|db down/)
    })
  })

  describe('self-service principals', () => {
    /** Two principals of one tenant: the IdP's, and Alice's own, marked with `selfService` (or `mark`). */
    const twoPrincipals = (mark: unknown = true) => {
      const app = makeExpress()
      const owners = new Map<string, string>()
      const tokens = staticTokens([
        { token: 'idp-token', tenant: TENANT, id: 'idp' },
        { token: 'alice-token', tenant: TENANT, id: 'alice-token' },
      ])
      const teamStore = new MemoryTeamStore()
      app.use(
        '/scim',
        createScimRouter({
          userStore: new MemoryUserStore(),
          teamStore,
          sessionRevoker: new MemorySessionRevoker(),
          authenticate: (req) => {
            const principal = tokens(req) as Principal | undefined
            return principal?.id === 'alice-token'
              ? { ...principal, selfService: mark as boolean }
              : principal
          },
          userSyncEnabled: true,
          groupSyncEnabled: true,
          resolveMe: ({ principal }) => owners.get(principal.id ?? ''),
        }),
      )
      return {
        owners,
        idp: client({ app, base: '/scim' }, 'idp-token'),
        alice: client({ app, base: '/scim' }, 'alice-token'),
      }
    }

    // Found by review: without this, a user's own token that authenticate must accept for /Me could
    // deactivate or delete every other user of its tenant through /Users.
    it("reach /Me and discovery, and get 403 on every provisioning endpoint, others' users included", async () => {
      const { owners, idp, alice } = twoPrincipals()
      owners.set('alice-token', await createUser(idp, 'alice@example.com'))
      const bob = await createUser(idp, 'bob@example.com')
      expect((await alice.get('/Me')).status).toBe(200)
      expect(
        (await alice.patch('/Me', patchBody({ op: 'replace', path: 'displayName', value: 'A' }))).status,
      ).toBe(200)
      for (const path of ['/ServiceProviderConfig', '/ResourceTypes', '/Schemas']) {
        expect((await alice.get(path)).status).toBe(200)
      }
      const deactivate = patchBody({ op: 'replace', path: 'active', value: false })
      const refused = [
        await alice.patch(`/Users/${bob}`, deactivate),
        await alice.delete(`/Users/${bob}`),
        await alice.get(`/Users/${bob}`),
        await alice.get('/Users'),
        await alice.post('/Users', userBody('mallory@example.com')),
        await alice.post('/Users/.search', {
          schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'],
        }),
        await alice.post('/.search', { schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'] }),
        await alice.get('/Groups'),
        await alice.post('/Groups', {
          schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
          displayName: 'x',
        }),
        await alice.post('/Bulk', {}),
      ]
      for (const res of refused) expectScimErrorResponse(res, 403)
      expect((await idp.get(`/Users/${bob}`)).body.active).toBe(true)
      expect((await idp.get('/Users')).body.totalResults).toBe(2)
    })

    it('any mark but false confines the principal (fail closed); false does not', async () => {
      for (const mark of ['yes', 1, {}]) {
        const { alice } = twoPrincipals(mark)
        expectScimErrorResponse(await alice.get('/Users'), 403)
      }
      const { alice } = twoPrincipals(false)
      expect((await alice.get('/Users')).status).toBe(200)
    })
  })

  it('a tenant sees only its own users through /Me', async () => {
    const userStore = new MemoryUserStore()
    const express = makeExpress()
    const ids = new Map<string, string>()
    express.use(
      '/scim',
      createScimRouter({
        userStore,
        sessionRevoker: new MemorySessionRevoker(),
        authenticate: staticTokens([
          { token: 'token-a', tenant: 'a', id: 'a' },
          { token: 'token-b', tenant: 'b', id: 'b' },
        ]),
        userSyncEnabled: true,
        // Every principal claims tenant a's user: tenant b must not reach it.
        resolveMe: () => ids.get('alice'),
      }),
    )
    const a = client({ app: express, base: '/scim' }, 'token-a')
    const b = client({ app: express, base: '/scim' }, 'token-b')
    ids.set('alice', await createUser(a, 'alice@example.com'))
    expect((await a.get('/Me')).status).toBe(200)
    expectScimErrorResponse(await b.get('/Me'), 404)
    expectScimErrorResponse(await b.delete('/Me'), 404)
    expect((await a.get('/Me')).status).toBe(200)
  })

  it('resolveMe must be a function', () => {
    expect(() =>
      createScimRouter({
        userStore: new MemoryUserStore(),
        sessionRevoker: new MemorySessionRevoker(),
        authenticate: staticTokens(['t']),
        resolveMe: 'alice' as never,
      }),
    ).toThrow(/resolveMe must be a function/)
  })
})
