// Roles and entitlements (draft-ietf-scim-roles-entitlements, RFC 7643 §4.1.2): /Roles and /Entitlements from the host's catalogue, and users' grants checked against it on every write.
import {
  type Grant,
  type GrantStore,
  MemoryGrantStore,
  type StoredUser,
  type UserFields,
  type UserStore,
} from '../../lib'
import { TEST_ENTITLEMENTS, TEST_ROLES, testGrantStores } from '../helpers/grants'
import {
  buildScimApp,
  client,
  contextFor,
  createUser,
  EXPRESS_VERSIONS,
  expectScimErrorResponse,
  LIST_SCHEMA,
  patchBody,
  type ScimApp,
  type ScimClient,
  userBody,
} from '../helpers/scim-app'

const ROLE_URN = 'urn:ietf:params:scim:schemas:core:2.0:Role'
const ENTITLEMENT_URN = 'urn:ietf:params:scim:schemas:core:2.0:Entitlement'
const OKTA_ROLE_URN = 'urn:okta:scim:schemas:core:1.0:Role'
const ENTRA_ROLE_TYPE = 'WindowsAzureActiveDirectoryRole'

/** Entra's AppRoleAssignmentsComplex element: the role JSON-encoded in `value`. */
function encodedRole(value: string, displayName = value): { value: string } {
  return { value: JSON.stringify({ id: '06b07648-ecfe-589f-9d2f-6325724a46ee', value, displayName }) }
}

/** Counts the catalogue's calls, to show which writes ask it and how often. */
function countingStore(store: GrantStore): { store: GrantStore; calls: string[] } {
  const calls: string[] = []
  return {
    calls,
    store: {
      list: (query, context) => {
        calls.push('list')
        return store.list(query, context)
      },
      get: (value, context) => {
        calls.push('get')
        return store.get(value, context)
      },
      find: (values, context) => {
        calls.push(`find:${[...values].sort().join(',')}`)
        return store.find(values, context)
      },
    },
  }
}

describe.each(EXPRESS_VERSIONS)('roles and entitlements on %s', (_name, makeExpress) => {
  let scim: ScimApp
  let api: ScimClient
  let roleCalls: string[]

  beforeEach(() => {
    const stores = testGrantStores()
    const roles = countingStore(stores.roleStore)
    roleCalls = roles.calls
    scim = buildScimApp({
      express: makeExpress,
      router: { roleStore: roles.store, entitlementStore: stores.entitlementStore },
    })
    api = client(scim)
  })

  describe('/Roles and /Entitlements', () => {
    it('list the catalogue in its order, as Role resources under the draft URN', async () => {
      const res = await api.get('/Roles').expect(200)
      expect(res.body.schemas).toEqual([LIST_SCHEMA])
      expect(res.body.totalResults).toBe(TEST_ROLES.length)
      expect(res.body.Resources.map((r: { id: string }) => r.id)).toEqual(TEST_ROLES.map((r) => r.value))
      expect(res.body.Resources[0]).toEqual({
        schemas: [ROLE_URN],
        id: 'Viewer',
        value: 'Viewer',
        displayName: 'Viewer',
        display: 'Viewer',
        type: 'basic',
        description: 'Views dashboards',
        supported: true,
        meta: { resourceType: 'Role', location: expect.stringMatching(/\/scim\/Roles\/Viewer$/) },
      })
    })

    it('say a protected role is not supported over SCIM', async () => {
      const res = await api.get('/Roles/GrafanaAdmin').expect(200)
      expect(res.body.supported).toBe(false)
    })

    it('page by startIndex and count, as Okta asks (count=1)', async () => {
      const res = await api.get('/Roles?count=1&startIndex=2').expect(200)
      expect(res.body).toMatchObject({ totalResults: 5, itemsPerPage: 1, startIndex: 2 })
      expect(res.body.Resources.map((r: { id: string }) => r.id)).toEqual(['Editor'])
    })

    it('filter and sort, and answer searches', async () => {
      const filtered = await api.get(
        `/Roles?filter=${encodeURIComponent('type eq "basic"')}&sortBy=displayName&sortOrder=descending`,
      )
      expect(filtered.status).toBe(200)
      expect(filtered.body.Resources.map((r: { id: string }) => r.id)).toEqual(['Viewer', 'Editor', 'Admin'])
      const searched = await api
        .post('/Roles/.search', {
          schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'],
          filter: 'displayName sw "server"',
          attributes: ['displayName'],
        })
        .expect(200)
      expect(searched.body.Resources).toEqual([
        { schemas: [ROLE_URN], id: 'GrafanaAdmin', displayName: 'Server administrator' },
      ])
    })

    it('refuse a filter on an attribute roles do not have, and a cursor', async () => {
      expectScimErrorResponse(
        await api.get(`/Roles?filter=${encodeURIComponent('userName eq "x"')}`),
        400,
        'invalidFilter',
      )
      expectScimErrorResponse(await api.get('/Roles?cursor'), 400, 'invalidCursor')
    })

    it('answer 404 for a value the catalogue does not hold, and find one in any path spelling', async () => {
      expectScimErrorResponse(await api.get('/Roles/Nobody'), 404)
      expectScimErrorResponse(await api.get(`/Roles/${'x'.repeat(600)}`), 404)
      const custom = await api.get(`/Roles/${encodeURIComponent('custom:reports.reader')}`).expect(200)
      expect(custom.body.meta.location).toMatch(/\/Roles\/custom%3Areports\.reader$/)
      await api.get('/v2/roles/Editor').expect(200)
    })

    it('are read-only: every other method is 405 with Allow', async () => {
      for (const res of [
        await api.post('/Roles', { displayName: 'x' }),
        await api.put('/Roles/Editor', {}),
        await api.patch('/Roles/Editor', {}),
        await api.delete('/Roles/Editor'),
      ]) {
        expectScimErrorResponse(res, 405)
        expect(res.headers.allow).toMatch(/GET/)
      }
    })

    it('serve entitlements the same way, under their own URN', async () => {
      const res = await api.get('/Entitlements').expect(200)
      expect(res.body.Resources).toEqual([
        expect.objectContaining({
          schemas: [ENTITLEMENT_URN],
          id: 'licence:enterprise',
          type: 'License',
          supported: true,
        }),
        expect.objectContaining({ id: 'licence:support', supported: false }),
      ])
    })

    it('are in discovery: resource types, schemas and the service provider configuration', async () => {
      const types = await api.get('/ResourceTypes').expect(200)
      expect(types.body.Resources.map((t: { id: string }) => t.id)).toEqual([
        'User',
        'Group',
        'Role',
        'Entitlement',
      ])
      const role = await api.get('/ResourceTypes/Role').expect(200)
      expect(role.body).toMatchObject({ endpoint: '/Roles', schema: ROLE_URN })
      const schema = await api.get(`/Schemas/${ROLE_URN}`).expect(200)
      expect(schema.body.attributes.map((a: { name: string }) => a.name)).toEqual([
        'value',
        'displayName',
        'display',
        'type',
        'description',
        'supported',
      ])
      const config = await api.get('/ServiceProviderConfig').expect(200)
      expect(config.body.RolesAndEntitlements).toEqual({
        roles: { supported: true, multipleRolesSupported: true, primarySupported: true, typeSupported: true },
        entitlements: {
          supported: true,
          multipleEntitlementsSupported: true,
          primarySupported: true,
          typeSupported: true,
        },
      })
    })
  })

  describe('users’ roles', () => {
    it('a POST with known roles stores them; the response and a read show them as sent', async () => {
      const res = await api.post(
        '/Users',
        userBody('ann', { roles: [{ value: 'Editor', primary: true, type: ENTRA_ROLE_TYPE }] }),
      )
      expect(res.status).toBe(201)
      expect(res.body.roles).toEqual([{ value: 'Editor', primary: true, type: ENTRA_ROLE_TYPE }])
      expect((await api.get(`/Users/${res.body.id}`)).body.roles).toEqual(res.body.roles)
      expect(roleCalls).toEqual(['find:Editor'])
    })

    it('a POST with a role the catalogue does not hold is 400 invalidValue, naming its place, not its text, and creates nothing', async () => {
      const res = await api.post(
        '/Users',
        userBody('ann', { roles: [{ value: 'Viewer' }, { value: '<script>secret' }] }),
      )
      expectScimErrorResponse(res, 400, 'invalidValue')
      expect(res.body.detail).toBe('roles[1] names no role of this service provider')
      expect(res.text).not.toContain('secret')
      const context = contextFor()
      expect(
        (await scim.userStore.list({ startIndex: 1, count: 10, sortOrder: 'ascending' }, context))
          .totalResults,
      ).toBe(0)
    })

    it('values compare exactly: a role in another case is unknown', async () => {
      expectScimErrorResponse(
        await api.post('/Users', userBody('ann', { roles: [{ value: 'editor' }] })),
        400,
        'invalidValue',
      )
    })

    it('an element without a value is 400 invalidValue', async () => {
      expectScimErrorResponse(
        await api.post('/Users', userBody('ann', { roles: [{ display: 'Editor' }] })),
        400,
        'invalidValue',
      )
    })

    it('a protected role is never granted (400 mutability, nothing written), and one the user holds is kept through every write', async () => {
      const granted = await api.post('/Users', userBody('ann', { roles: [{ value: 'GrafanaAdmin' }] }))
      expectScimErrorResponse(granted, 400, 'mutability')
      expect(granted.body.detail).toMatch(/"GrafanaAdmin" is protected: it cannot be granted/)
      // A user the host made server admin itself: the IdP's writes, which know nothing of it, keep it.
      const id = await createUser(api, 'bob', { roles: [{ value: 'Viewer' }] })
      const context = contextFor()
      const stored = (await scim.userStore.get(id, context))!
      await scim.userStore.update(
        id,
        {
          ...fieldsOf(stored),
          document: {
            ...stored.document,
            roles: [{ value: 'Viewer' }, { value: 'GrafanaAdmin', display: 'Server administrator' }],
          },
        },
        stored.version,
        context,
      )
      const version = (await api.get(`/Users/${id}`)).body.meta.version
      // An explicit remove of it changes nothing: no new version.
      const removed = await api.patch(
        `/Users/${id}`,
        patchBody({ op: 'remove', path: 'roles[value eq "GrafanaAdmin"]' }),
      )
      expect(removed.status).toBe(200)
      expect(removed.body.meta.version).toBe(version)
      // Okta's PUT and Entra's assertive replace, which leave it out, change the rest and keep it.
      const replaced = await api.put(`/Users/${id}`, userBody('bob', { roles: [{ value: 'Editor' }] }))
      expect(replaced.body.roles).toEqual([
        { value: 'Editor' },
        { value: 'GrafanaAdmin', display: 'Server administrator' },
      ])
      const assertive = await api.patch(
        `/Users/${id}`,
        patchBody({ op: 'replace', path: 'roles', value: [{ value: 'Admin' }] }),
      )
      expect(assertive.body.roles).toEqual([
        { value: 'Admin' },
        { value: 'GrafanaAdmin', display: 'Server administrator' },
      ])
      // A kept role that was primary is no longer so once the write names its own primary (one at most).
      await scim.userStore.update(
        id,
        {
          ...fieldsOf((await scim.userStore.get(id, context))!),
          document: {
            ...(await scim.userStore.get(id, context))!.document,
            roles: [{ value: 'GrafanaAdmin', primary: true }],
          },
        },
        (await scim.userStore.get(id, context))!.version,
        context,
      )
      const single = await api.patch(
        `/Users/${id}`,
        patchBody({ op: 'replace', path: 'roles', value: [{ value: 'Viewer', primary: true }] }),
      )
      expect(single.body.roles).toEqual([{ value: 'Viewer', primary: true }, { value: 'GrafanaAdmin' }])
      // Deprovisioning is never blocked by it.
      const off = await api.patch(
        `/Users/${id}`,
        patchBody({ op: 'replace', path: 'active', value: 'False' }),
      )
      expect(off.body.active).toBe(false)
    })

    it('Entra’s SingleAppRoleAssignment: roles[primary eq "True"].value creates, then replaces, the primary role', async () => {
      const id = await createUser(api, 'ann')
      const first = await api.patch(
        `/Users/${id}`,
        patchBody({ op: 'Add', path: 'roles[primary eq "True"].value', value: 'Viewer' }),
      )
      expect(first.status).toBe(200)
      expect(first.body.roles).toEqual([{ primary: true, value: 'Viewer' }])
      const second = await api.patch(
        `/Users/${id}`,
        patchBody(
          { op: 'replace', path: 'roles[primary eq "True"].value', value: 'Admin' },
          { op: 'replace', path: 'roles[primary eq "True"].display', value: 'Admin' },
        ),
      )
      expect(second.body.roles).toEqual([{ primary: true, value: 'Admin', display: 'Admin' }])
      const unknown = await api.patch(
        `/Users/${id}`,
        patchBody({ op: 'replace', path: 'roles[primary eq "True"].value', value: 'Owner' }),
      )
      expectScimErrorResponse(unknown, 400, 'invalidValue')
    })

    it('Entra’s AppRoleAssignmentsComplex: JSON-encoded values are read as the roles they encode; re-sent roles write nothing', async () => {
      const id = await createUser(api, 'ann')
      const added = await api.patch(
        `/Users/${id}`,
        patchBody({
          op: 'Add',
          path: 'roles',
          value: [encodedRole('Viewer'), encodedRole('Editor', 'Dashboard editor')],
        }),
      )
      expect(added.status).toBe(200)
      expect(added.body.roles).toEqual([
        { value: 'Viewer', display: 'Viewer' },
        { value: 'Editor', display: 'Dashboard editor' },
      ])
      const version = added.body.meta.version
      scim.events.length = 0
      const again = await api.patch(
        `/Users/${id}`,
        patchBody({ op: 'Add', path: 'roles', value: [encodedRole('Viewer')] }),
      )
      expect(again.status).toBe(200)
      expect(again.body.meta.version).toBe(version)
      expect(again.body.roles).toHaveLength(2)
      expect(scim.events).toEqual([])
      const unknown = await api.patch(
        `/Users/${id}`,
        patchBody({ op: 'Add', path: 'roles', value: [encodedRole('Owner')] }),
      )
      expectScimErrorResponse(unknown, 400, 'invalidValue')
    })

    it('Entra’s AssertiveAppRoleAssignmentsComplex: a replace of roles sets exactly the roles sent', async () => {
      const id = await createUser(api, 'ann', { roles: [{ value: 'Viewer' }, { value: 'Editor' }] })
      const res = await api.patch(
        `/Users/${id}`,
        patchBody({
          op: 'replace',
          path: 'roles',
          value: [{ primary: false, type: ENTRA_ROLE_TYPE, display: 'Admin', value: 'Admin' }],
        }),
      )
      expect(res.body.roles).toEqual([
        { primary: false, type: ENTRA_ROLE_TYPE, display: 'Admin', value: 'Admin' },
      ])
      expect(roleCalls.at(-1)).toBe('find:Admin,Editor,Viewer')
    })

    it('Okta’s full PUT grants and revokes; a role given twice is kept once', async () => {
      const id = await createUser(api, 'ann')
      const granted = await api.put(
        `/Users/${id}`,
        userBody('ann', {
          roles: [{ value: 'Viewer', display: 'Viewer' }, { value: 'Viewer' }],
          entitlements: [{ value: 'licence:enterprise', type: 'License' }],
        }),
      )
      expect(granted.status).toBe(200)
      expect(granted.body.roles).toEqual([{ value: 'Viewer', display: 'Viewer' }])
      expect(granted.body.entitlements).toEqual([{ value: 'licence:enterprise', type: 'License' }])
      const revoked = await api.put(`/Users/${id}`, userBody('ann'))
      expect(revoked.body.roles).toBeUndefined()
      expect(revoked.body.entitlements).toBeUndefined()
    })

    it('a write that does not change roles does not ask the catalogue', async () => {
      const id = await createUser(api, 'ann', { roles: [{ value: 'Viewer' }] })
      roleCalls.length = 0
      await api
        .patch(`/Users/${id}`, patchBody({ op: 'replace', path: 'displayName', value: 'Ann' }))
        .expect(200)
      await api
        .put(`/Users/${id}`, userBody('ann', { roles: [{ value: 'Viewer' }], displayName: 'Ann B' }))
        .expect(200)
      expect(roleCalls).toEqual([])
    })

    it('users are filterable by role', async () => {
      await createUser(api, 'ann', { roles: [{ value: 'Editor' }] })
      await createUser(api, 'bob', { roles: [{ value: 'Viewer' }] })
      const res = await api.get(`/Users?filter=${encodeURIComponent('roles[value eq "Editor"]')}`).expect(200)
      expect(res.body.Resources.map((u: { userName: string }) => u.userName)).toEqual(['ann'])
    })

    it('entitlements follow the same rules against their own catalogue', async () => {
      expectScimErrorResponse(
        await api.post('/Users', userBody('ann', { entitlements: [{ value: 'Editor' }] })),
        400,
        'invalidValue',
      )
      expectScimErrorResponse(
        await api.post('/Users', userBody('ann', { entitlements: [{ value: 'licence:support' }] })),
        400,
        'mutability',
      )
    })

    it('a /Bulk operation is checked as the same request alone would be', async () => {
      const res = await api
        .post('/Bulk', {
          schemas: ['urn:ietf:params:scim:api:messages:2.0:BulkRequest'],
          Operations: [
            {
              method: 'POST',
              path: '/Users',
              bulkId: 'a',
              data: userBody('ann', { roles: [{ value: 'Editor' }] }),
            },
            {
              method: 'POST',
              path: '/Users',
              bulkId: 'b',
              data: userBody('bob', { roles: [{ value: 'Root' }] }),
            },
          ],
        })
        .expect(200)
      expect(res.body.Operations.map((o: { status: string }) => o.status)).toEqual(['201', '400'])
    })
  })
})

/** The fields a store was written with, read back from what it returns. */
function fieldsOf(user: StoredUser): UserFields {
  return {
    userName: user.userName,
    active: user.active,
    document: user.document ?? {},
    ...(user.externalId === undefined ? {} : { externalId: user.externalId }),
  }
}

describe('roles without a catalogue, and a store that models them', () => {
  it('without a roleStore, roles are stored as sent and grant nothing; /Roles is 404 and discovery leaves it out', async () => {
    const scim = buildScimApp()
    const api = client(scim)
    const res = await api.post('/Users', userBody('ann', { roles: [{ value: 'anything at all' }] }))
    expect(res.status).toBe(201)
    expect(res.body.roles).toEqual([{ value: 'anything at all' }])
    expectScimErrorResponse(await api.get('/Roles'), 404)
    const types = await api.get('/ResourceTypes').expect(200)
    expect(types.body.Resources.map((t: { id: string }) => t.id)).toEqual(['User', 'Group'])
    const config = await api.get('/ServiceProviderConfig').expect(200)
    expect(config.body.RolesAndEntitlements).toEqual({
      roles: { supported: false },
      entitlements: { supported: false },
    })
  })

  it('the store receives the values; a store that models them decides what reads show', async () => {
    const written: (readonly string[] | undefined)[] = []
    /** A store that keeps roles apart from the document, as a SQL host does, and grants Admin itself. */
    let held: readonly string[] = []
    const scim = buildScimApp({
      wrapUserStore: (memory): UserStore => ({
        create: (user, context) => {
          written.push(user.roles)
          held = user.roles ?? held
          return memory.create(user, context)
        },
        get: async (id, context) => {
          const user = await memory.get(id, context)
          return user && { ...user, roles: held }
        },
        list: (query, context) => memory.list(query, context),
        update: (id, user, version, context) => {
          written.push(user.roles)
          held = user.roles ?? held
          return memory.update(id, user, version, context)
        },
        delete: (id, context) => memory.delete(id, context),
      }),
      router: { roleStore: new MemoryGrantStore(TEST_ROLES) },
    })
    const api = client(scim)
    const id = await createUser(api, 'ann', {
      roles: [{ value: 'Viewer', display: 'Viewer' }, { value: 'Viewer' }],
    })
    expect(written).toEqual([['Viewer']])
    held = ['Viewer', 'Admin']
    const read = await api.get(`/Users/${id}`).expect(200)
    expect(read.body.roles).toEqual([{ value: 'Viewer', display: 'Viewer' }, { value: 'Admin' }])
    held = []
    expect((await api.get(`/Users/${id}`).expect(200)).body.roles).toBeUndefined()
    // The router's own disable write (DELETE) sends no roles: the store keeps what the user holds.
    await api.delete(`/Users/${id}`).expect(204)
    expect(written.at(-1)).toBeUndefined()
  })

  it('grantSchemas: okta serves the resource types under Okta’s URNs', async () => {
    const stores = testGrantStores()
    const api = client(buildScimApp({ router: { ...stores, grantSchemas: 'okta' } }))
    const type = await api.get('/ResourceTypes/Role').expect(200)
    expect(type.body.schema).toBe(OKTA_ROLE_URN)
    expect((await api.get('/Roles/Viewer').expect(200)).body.schemas).toEqual([OKTA_ROLE_URN])
    await api.get(`/Schemas/${OKTA_ROLE_URN}`).expect(200)
  })

  it('the strict dialect reads no JSON-encoded value: it names no role', async () => {
    const api = client(buildScimApp({ router: { ...testGrantStores(), dialect: 'strict' } }))
    const id = await createUser(api, 'ann')
    const res = await api.patch(
      `/Users/${id}`,
      patchBody({ op: 'add', path: 'roles', value: [encodedRole('Viewer')] }),
    )
    expectScimErrorResponse(res, 400, 'invalidValue')
  })

  it('a broken catalogue is a bare 500, and a throwing one too; nothing is written', async () => {
    const broken: GrantStore = {
      list: () => ({ totalResults: 1, resources: [{ nope: true } as unknown as Grant] }),
      get: () => ({ value: 'Other', displayName: 'Other' }),
      find: () => {
        throw new Error('connection to 10.0.0.1 refused')
      },
    }
    const scim = buildScimApp({ router: { roleStore: broken } })
    const api = client(scim)
    expectScimErrorResponse(await api.get('/Roles'), 500)
    expectScimErrorResponse(await api.get('/Roles/Editor'), 500)
    const res = await api.post('/Users', userBody('ann', { roles: [{ value: 'Editor' }] }))
    expectScimErrorResponse(res, 500)
    expect(res.text).not.toContain('10.0.0.1')
    expect(
      (await scim.userStore.list({ startIndex: 1, count: 10, sortOrder: 'ascending' }, contextFor()))
        .totalResults,
    ).toBe(0)
  })

  it('the catalogue is asked in the principal’s tenant', async () => {
    const tenants: string[] = []
    const roleStore: GrantStore = {
      list: (_q, context) => {
        tenants.push(context.tenant)
        return { totalResults: 0, resources: [] }
      },
      get: () => undefined,
      find: () => [],
    }
    const api = client(buildScimApp({ router: { roleStore } }))
    await api.get('/Roles').expect(200)
    expect(tenants).toEqual(['acme'])
    expect(TEST_ENTITLEMENTS).toHaveLength(2)
  })
})

describe('roles through /Me', () => {
  it('a user’s own token may edit the profile but never grant or revoke its own roles (403), and nothing is written', async () => {
    let me = ''
    const scim = buildScimApp({
      router: {
        ...testGrantStores(),
        resolveMe: () => me,
        authenticate: (request) => {
          const header = String(request.headers.authorization ?? '')
          if (header === 'Bearer idp-token') return { tenant: 'acme', id: 'idp' }
          if (header === 'Bearer user-token') return { tenant: 'acme', id: 'ann', selfService: true }
          return undefined
        },
      },
    })
    const idp = client(scim, 'idp-token')
    const self = client(scim, 'user-token')
    me = await createUser(idp, 'ann', { roles: [{ value: 'Viewer' }] })
    const grant = await self.patch(
      '/Me',
      patchBody({ op: 'add', path: 'roles', value: [{ value: 'Admin' }] }),
    )
    expectScimErrorResponse(grant, 403)
    expect(grant.body.detail).toBe('A user cannot change their own roles')
    expectScimErrorResponse(await self.put('/Me', userBody('ann')), 403)
    expectScimErrorResponse(
      await self.patch(
        '/Me',
        patchBody({ op: 'add', path: 'entitlements', value: [{ value: 'licence:enterprise' }] }),
      ),
      403,
    )
    const renamed = await self.patch('/Me', patchBody({ op: 'replace', path: 'displayName', value: 'Ann' }))
    expect(renamed.status).toBe(200)
    expect(renamed.body.roles).toEqual([{ value: 'Viewer' }])
    await self.put('/Me', userBody('ann', { roles: [{ value: 'Viewer' }], displayName: 'Ann B' })).expect(200)
  })
})
