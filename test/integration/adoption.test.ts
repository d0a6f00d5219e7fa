// Local users and SCIM: invisible until adopted, 409 on collision by default, adoption only when the host opts in.
import { describe, expect, it } from '@jest/globals'
import { MemoryTeamStore, type StoredUser } from '../../lib'
import {
  buildScimApp,
  client,
  createGroup,
  createUser,
  EXPRESS_VERSIONS,
  expectScimErrorResponse,
  patchBody,
  TENANT,
  userBody,
} from '../helpers/scim-app'

const email = (value: string) => ({ emails: [{ value, type: 'work', primary: true }] })

describe.each(EXPRESS_VERSIONS)('on %s', (_, makeExpress) => {
  describe('without adoption (the default)', () => {
    const setup = () => {
      const scim = buildScimApp({ express: makeExpress })
      const admin = scim.userStore.addLocalUser(TENANT, {
        userName: 'admin',
        email: 'admin@example.com',
        active: true,
      })
      return { scim, api: client(scim), admin }
    }

    it('a local user is invisible to SCIM: 404 by id, absent from lists and filters', async () => {
      const { api, admin } = setup()
      await createUser(api, 'alice')
      expectScimErrorResponse(await api.get(`/Users/${admin.id}`), 404)
      const list = await api.get('/Users')
      expect(list.body.totalResults).toBe(1)
      expect(list.body.Resources.map((u: { userName: string }) => u.userName)).toEqual(['alice'])
      expect((await api.get('/Users?filter=userName eq "admin"')).body.totalResults).toBe(0)
      const search = await api.post('/.search', {
        schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'],
      })
      expect(search.body.totalResults).toBe(1)
    })

    it('a local user cannot be changed, deleted or made a member over SCIM', async () => {
      const { scim, api, admin } = setup()
      const replace = patchBody({ op: 'replace', path: 'active', value: false })
      expectScimErrorResponse(await api.patch(`/Users/${admin.id}`, replace), 404)
      expectScimErrorResponse(await api.put(`/Users/${admin.id}`, userBody('admin', { active: false })), 404)
      expectScimErrorResponse(await api.delete(`/Users/${admin.id}`), 404)
      const group = await api.post('/Groups', {
        schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
        displayName: 'Admins',
        members: [{ value: admin.id }],
      })
      expectScimErrorResponse(group, 400, 'invalidValue')
      const team = await createGroup(api, 'Ops')
      const add = patchBody({ op: 'add', path: 'members', value: [{ value: admin.id }] })
      expectScimErrorResponse(await api.patch(`/Groups/${team}`, add), 400, 'invalidValue')
      expect(
        scim.userStore.get(admin.id, { tenant: TENANT, principal: { tenant: TENANT }, requestId: 't' }),
      ).toMatchObject({ active: true, provisioned: false, userName: 'admin' })
      expect(scim.sessions.revocationCount(TENANT, admin.id)).toBe(0)
    })

    it('a POST whose userName or email belongs to a local user is 409 uniqueness, and nothing changes', async () => {
      const { scim, api, admin } = setup()
      expectScimErrorResponse(await api.post('/Users', userBody('ADMIN')), 409, 'uniqueness')
      expectScimErrorResponse(
        await api.post('/Users', userBody('someone', email('Admin@Example.com'))),
        409,
        'uniqueness',
      )
      expect(scim.userStore.size(TENANT)).toBe(1)
      expect(scim.events).toEqual([])
      expect(scim.userStore.findByUserName(TENANT, 'admin')).toMatchObject({
        id: admin.id,
        version: admin.version,
      })
    })

    it('an email change goes through the same uniqueness check as a create', async () => {
      const { api } = setup()
      const alice = await createUser(api, 'alice', email('alice@example.com'))
      await createUser(api, 'bob', email('bob@example.com'))
      for (const taken of ['admin@example.com', 'BOB@example.com']) {
        const patch = patchBody({ op: 'replace', path: 'emails[type eq "work"].value', value: taken })
        expectScimErrorResponse(await api.patch(`/Users/${alice}`, patch), 409, 'uniqueness')
        expectScimErrorResponse(
          await api.put(`/Users/${alice}`, userBody('alice', email(taken))),
          409,
          'uniqueness',
        )
      }
      expect((await api.get(`/Users/${alice}`)).body.emails[0].value).toBe('alice@example.com')
    })

    it('events say a SCIM email is not verified', async () => {
      const { scim, api } = setup()
      const alice = await createUser(api, 'alice', email('alice@example.com'))
      await api.patch(
        `/Users/${alice}`,
        patchBody({ op: 'replace', path: 'emails[type eq "work"].value', value: 'a2@example.com' }),
      )
      expect(scim.events.map((e) => [e.type, 'emailVerified' in e ? e.emailVerified : 'n/a'])).toEqual([
        ['user.created', false],
        ['user.updated', false],
      ])
      expect(scim.events[1]).toMatchObject({ emailChanged: true, changedAttributes: ['emails'] })
    })
  })

  describe('with adoptLocalUsers', () => {
    const setup = (isProtectedUser?: (user: StoredUser) => boolean | Promise<boolean>) => {
      const scim = buildScimApp({
        express: makeExpress,
        router: { adoptLocalUsers: true, isProtectedUser: isProtectedUser ?? (() => false) },
      })
      const add = (userName: string, extra: { email?: string; externalId?: string; active?: boolean } = {}) =>
        scim.userStore.addLocalUser(TENANT, { userName, active: extra.active ?? true, ...extra })
      return { scim, api: client(scim), add }
    }

    it('adopts the local user whose userName matches: same id, provisioned, the POST fields, 201, an audit event', async () => {
      const { scim, api, add } = setup()
      const jit = add('jit@example.com', { email: 'jit@example.com' })
      scim.sessions.createSession(TENANT, jit.id)
      const res = await api.post(
        '/Users',
        userBody('JIT@example.com', {
          externalId: 'entra-oid-1',
          displayName: 'Jit',
          ...email('jit@example.com'),
        }),
      )
      expect(res.status).toBe(201)
      expect(res.body).toMatchObject({ id: jit.id, userName: 'JIT@example.com', externalId: 'entra-oid-1' })
      expect(res.headers.location).toMatch(new RegExp(`/Users/${jit.id}$`))
      expect(
        scim.userStore.get(jit.id, { tenant: TENANT, principal: { tenant: TENANT }, requestId: 't' }),
      ).toMatchObject({ provisioned: true, displayName: 'Jit', externalId: 'entra-oid-1' })
      expect(scim.events).toEqual([
        expect.objectContaining({
          type: 'user.adopted',
          resourceId: jit.id,
          userName: 'JIT@example.com',
          externalId: 'entra-oid-1',
          matchedOn: ['userName', 'emails'],
          emailVerified: false,
          tenant: TENANT,
        }),
      ])
      // An active adoption leaves the user's sessions alone; from now on SCIM owns the user.
      expect(scim.sessions.revocationCount(TENANT, jit.id)).toBe(0)
      expect((await api.get(`/Users/${jit.id}`)).status).toBe(200)
    })

    it('adopts by email alone, and an inactive adoption revokes the sessions the local user had', async () => {
      const { scim, api, add } = setup()
      const jit = add('jit', { email: 'jit@example.com' })
      const session = scim.sessions.createSession(TENANT, jit.id)
      const res = await api.post(
        '/Users',
        userBody('jit.new', { active: false, ...email('JIT@example.com') }),
      )
      expect(res.status).toBe(201)
      expect(res.body).toMatchObject({ id: jit.id, userName: 'jit.new', active: false })
      expect(scim.sessions.isSessionActive(session)).toBe(false)
      expect(scim.events.map((e) => e.type)).toEqual([
        'user.sessionsRevoked',
        'user.adopted',
        'user.deactivated',
      ])
      expect(scim.events[1]).toMatchObject({ matchedOn: ['emails'] })
    })

    it('never adopts a provisioned user: 409, as without adoption', async () => {
      const { scim, api } = setup()
      const first = await createUser(api, 'alice', { externalId: 'oid-a', ...email('alice@example.com') })
      expectScimErrorResponse(
        await api.post('/Users', userBody('alice', { externalId: 'oid-b' })),
        409,
        'uniqueness',
      )
      expectScimErrorResponse(
        await api.post('/Users', userBody('other', { externalId: 'oid-b', ...email('alice@example.com') })),
        409,
        'uniqueness',
      )
      expect((await api.get(`/Users/${first}`)).body.externalId).toBe('oid-a')
      expect(scim.events.map((e) => e.type)).toEqual(['user.created'])
    })

    it('never adopts a local user bound to another externalId', async () => {
      const { scim, api, add } = setup()
      const jit = add('jit', { externalId: 'oid-old' })
      expectScimErrorResponse(
        await api.post('/Users', userBody('jit', { externalId: 'oid-new' })),
        409,
        'uniqueness',
      )
      expectScimErrorResponse(await api.post('/Users', userBody('jit')), 409, 'uniqueness')
      expect(scim.userStore.findByUserName(TENANT, 'jit')).toMatchObject({
        provisioned: false,
        version: jit.version,
      })
      const same = await api.post('/Users', userBody('jit', { externalId: 'oid-old' }))
      expect(same.status).toBe(201)
      expect(same.body.id).toBe(jit.id)
    })

    it('never adopts when the userName and the email belong to two different users', async () => {
      const { scim, api, add } = setup()
      add('one', { email: 'one@example.com' })
      add('two', { email: 'two@example.com' })
      expectScimErrorResponse(
        await api.post('/Users', userBody('one', email('two@example.com'))),
        409,
        'uniqueness',
      )
      expect(scim.events).toEqual([])
    })

    it('never adopts a user the host protects; a throwing predicate protects too', async () => {
      const { scim, api, add } = setup((user) => {
        if (user.userName === 'broken') throw new Error('directory down')
        return user.userName === 'admin'
      })
      const admin = add('admin', { email: 'admin@example.com' })
      add('broken')
      expectScimErrorResponse(await api.post('/Users', userBody('admin')), 409, 'uniqueness')
      expectScimErrorResponse(
        await api.post('/Users', userBody('x', email('admin@example.com'))),
        409,
        'uniqueness',
      )
      const res = await api.post('/Users', userBody('broken'))
      expect(res.status).toBe(500)
      expect(res.body).toEqual({ schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: '500' })
      expect(scim.userStore.findByUserName(TENANT, 'admin')).toMatchObject({
        provisioned: false,
        version: admin.version,
      })
      expect(scim.userStore.findByUserName(TENANT, 'broken')).toMatchObject({ provisioned: false })
      expect(scim.events).toEqual([])
    })

    it('creates as usual when nobody collides, and a second POST of the adopted user is 409', async () => {
      const { scim, api, add } = setup()
      add('jit')
      const fresh = await api.post('/Users', userBody('fresh'))
      expect(fresh.status).toBe(201)
      expect((await api.post('/Users', userBody('jit'))).status).toBe(201)
      expectScimErrorResponse(await api.post('/Users', userBody('jit')), 409, 'uniqueness')
      expect(scim.events.map((e) => e.type)).toEqual(['user.created', 'user.adopted'])
    })

    it('keeps a disabled local user disabled when the POST does not say active, as PUT does', async () => {
      const { scim, api, add } = setup()
      const off = add('off', { active: false })
      const res = await api.post('/Users', {
        schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
        userName: 'off',
      })
      expect(res.status).toBe(201)
      expect(res.body).toMatchObject({ id: off.id, active: false })
      // Every write that leaves a user inactive revokes its sessions; it was not reactivated.
      expect(scim.events.map((e) => e.type)).toEqual(['user.sessionsRevoked', 'user.adopted'])
    })

    it('refuses before writing anything when the POST’s externalId belongs to a provisioned user', async () => {
      const { scim, api, add } = setup()
      await createUser(api, 'carol', { externalId: 'E1' })
      const bob = add('bob')
      const session = scim.sessions.createSession(TENANT, bob.id)
      expectScimErrorResponse(
        await api.post('/Users', userBody('bob', { externalId: 'E1', active: false })),
        409,
        'uniqueness',
      )
      expect(scim.userStore.findByUserName(TENANT, 'bob')).toMatchObject({
        active: true,
        version: bob.version,
      })
      expect(scim.sessions.isSessionActive(session)).toBe(true)
      expect(scim.events.map((e) => e.type)).toEqual(['user.created'])
    })

    it('of 10 concurrent POSTs for one local user, exactly one adopts it', async () => {
      const { scim, api, add } = setup()
      const jit = add('jit')
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          api.post('/Users', userBody('jit', { displayName: `try ${i}` })),
        ),
      )
      expect(results.filter((r) => r.status === 201)).toHaveLength(1)
      expect(results.filter((r) => r.status === 409)).toHaveLength(9)
      expect(scim.events.filter((e) => e.type === 'user.adopted')).toHaveLength(1)
      expect(scim.userStore.findByUserName(TENANT, 'jit')).toMatchObject({ id: jit.id, provisioned: true })
    })
  })
})

describe('adoption options', () => {
  it('fail fast at construction', () => {
    const storeWithout = {
      create: () => undefined,
      get: () => undefined,
      list: () => undefined,
      update: () => undefined,
      delete: () => undefined,
    }
    expect(() => buildScimApp({ router: { adoptLocalUsers: 'yes' as never } })).toThrow(
      /adoptLocalUsers must be a boolean/,
    )
    expect(() =>
      buildScimApp({ router: { adoptLocalUsers: true, userStore: storeWithout as never } }),
    ).toThrow(/findByUserNameOrEmail/)
    expect(() => buildScimApp({ router: { isProtectedUser: () => true } })).toThrow(
      /isProtectedUser has no effect unless adoptLocalUsers/,
    )
    expect(() =>
      buildScimApp({ router: { adoptLocalUsers: true, isProtectedUser: 'admin' as never } }),
    ).toThrow(TypeError)
    expect(() => buildScimApp({ router: { adoptLocalUsers: true } })).toThrow(
      /adoptLocalUsers needs isProtectedUser/,
    )
    expect(() =>
      buildScimApp({ router: { userStore: { ...storeWithout, findExisting: 'yes' } as never } }),
    ).toThrow(/findExisting must be a function/)
    expect(() =>
      buildScimApp({
        router: { teamStore: Object.assign(new MemoryTeamStore(), { applyChange: 1 }) as never },
      }),
    ).toThrow(/applyChange must be a function/)
  })
})
