// Roles and entitlements under a hostile SCIM client: each `[FIXED]` test pins a finding of the review, shown failing before its fix; each `[HOLDS]` test pins a behaviour that held already; `[CHANGED]`, one a later decision changed (a protected role the user holds is kept, not a refusal).
import request from 'supertest'
import { createGrafanaHost } from '../../examples/grafana-host/app'
import {
  type Grant,
  type GrantStore,
  MemoryGrantStore,
  type StoredUser,
  type UserFields,
  type UserStore,
} from '../../lib'
import { isStorableText } from '../../lib/ids'
import { TEST_ROLES, testGrantStores } from '../helpers/grants'
import { openHostPglite } from '../helpers/host-db'
import {
  buildScimApp,
  client,
  contextFor,
  createUser,
  expectScimErrorResponse,
  patchBody,
  type ScimApp,
  type ScimClient,
  TENANT,
  userBody,
} from '../helpers/scim-app'

const CORE = 'urn:ietf:params:scim:schemas:core:2.0:User'
const OKTA_ROLE_URN = 'urn:okta:scim:schemas:core:1.0:Role'
const BULK_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:BulkRequest'

/** U+0000 or an unpaired surrogate: what the router refuses in any plain string it stores. */
function unstorable(value: unknown): boolean {
  if (typeof value === 'string') return !isStorableText(value)
  if (Array.isArray(value)) return value.some(unstorable)
  if (typeof value === 'object' && value !== null) return Object.values(value).some(unstorable)
  return false
}

/** A GrantStore over another that records every value it is asked about. */
function recordingStore(store: GrantStore): { store: GrantStore; asked: string[]; lists: unknown[] } {
  const asked: string[] = []
  const lists: unknown[] = []
  return {
    asked,
    lists,
    store: {
      list: (query, context) => {
        lists.push(query)
        return store.list(query, context)
      },
      get: (value, context) => {
        asked.push(value)
        return store.get(value, context)
      },
      find: (values, context) => {
        asked.push(...values)
        return store.find(values, context)
      },
    },
  }
}

/** A UserStore over the memory one that records every document and grant value it is given. */
function recordingUserStore(written: unknown[]): (memory: ScimApp['userStore']) => UserStore {
  return (memory) => ({
    create: (user, context) => {
      written.push(user)
      return memory.create(user, context)
    },
    get: (id, context) => memory.get(id, context),
    list: (query, context) => memory.list(query, context),
    update: (id, user, version, context) => {
      written.push(user)
      return memory.update(id, user, version, context)
    },
    delete: (id, context) => memory.delete(id, context),
    findByUserNameOrEmail: (userName, email, context) =>
      memory.findByUserNameOrEmail(userName, email, context),
  })
}

/** The fields a store was written with, read back from what it returns. */
function fieldsOf(user: StoredUser): UserFields {
  return {
    userName: user.userName,
    active: user.active,
    document: user.document ?? {},
    ...(user.externalId === undefined ? {} : { externalId: user.externalId }),
  }
}

/** Writes `roles` into a user's stored document directly, as the host (or data from before the catalogue) would. */
async function storeRoles(scim: ScimApp, id: string, roles: unknown): Promise<void> {
  const context = contextFor()
  const stored = (await scim.userStore.get(id, context))!
  await scim.userStore.update(
    id,
    { ...fieldsOf(stored), document: { ...stored.document, roles } },
    stored.version,
    context,
  )
}

/** The user as a GET shows it: roles and version, to compare before and after a refused write. */
async function snapshot(api: ScimClient, id: string): Promise<unknown> {
  const body = (await api.get(`/Users/${id}`).expect(200)).body
  return {
    roles: body.roles,
    entitlements: body.entitlements,
    active: body.active,
    version: body.meta.version,
  }
}

/** The values of a user's roles as a response shows them. */
function heldRoles(body: { roles?: { value: string }[] }): string[] {
  return (body.roles ?? []).map((role) => role.value)
}

function encoded(inner: Record<string, unknown>): { value: string } {
  return { value: JSON.stringify(inner) }
}

describe('Finding 1: Entra JSON-encoded roles skip the storable-text check (U+0000, unpaired surrogates)', () => {
  it('[FIXED] POST: an encoded displayName holding U+0000 is 400 invalidValue, as a plain display is, and is never stored', async () => {
    const written: unknown[] = []
    const scim = buildScimApp({ router: testGrantStores(), wrapUserStore: recordingUserStore(written) })
    const api = client(scim)
    // The plain form is refused by the validator…
    expectScimErrorResponse(
      await api.post('/Users', userBody('plain', { roles: [{ value: 'Viewer', display: 'a\u0000b' }] })),
      400,
      'invalidValue',
    )
    // …the same text, JSON-escaped inside an Entra value, is decoded after validation and stored.
    const res = await api.post(
      '/Users',
      userBody('ann', { roles: [encoded({ value: 'Viewer', displayName: 'a\u0000b' })] }),
    )
    expect(written.filter((fields) => unstorable(fields))).toEqual([])
    expectScimErrorResponse(res, 400, 'invalidValue')
  })

  it('[FIXED] PATCH: an encoded entitlement displayName holding an unpaired surrogate is refused, never stored', async () => {
    const written: unknown[] = []
    const scim = buildScimApp({ router: testGrantStores(), wrapUserStore: recordingUserStore(written) })
    const api = client(scim)
    const id = await createUser(api, 'ann')
    written.length = 0
    const res = await api.patch(
      `/Users/${id}`,
      patchBody({
        op: 'Add',
        path: 'entitlements',
        value: [encoded({ value: 'licence:enterprise', displayName: 'x\ud800' })],
      }),
    )
    expect(written).toEqual([])
    expectScimErrorResponse(res, 400, 'invalidValue')
  })

  it('[FIXED] an encoded value holding U+0000 never reaches GrantStore.find', async () => {
    const roles = recordingStore(new MemoryGrantStore(TEST_ROLES))
    const api = client(buildScimApp({ router: { roleStore: roles.store } }))
    const res = await api.post('/Users', userBody('ann', { roles: [encoded({ value: 'Ed\u0000itor' })] }))
    expectScimErrorResponse(res, 400, 'invalidValue')
    expect(roles.asked.filter((value) => unstorable(value))).toEqual([])
  })

  it('[FIXED] on the reference host (PostgreSQL jsonb), an encoded U+0000 displayName is 400 invalidValue (today a 500)', async () => {
    const database = await openHostPglite()
    try {
      const host = createGrafanaHost({ db: database.db, baseUrl: 'http://host.test', devIdp: false })
      const token = (await host.tokens.create(host.tenant, 'Test IdP')).token
      const res = await request(host.app)
        .post('/scim/Users')
        .set('Authorization', `Bearer ${token}`)
        .set('Content-Type', 'application/scim+json')
        .send(
          JSON.stringify(
            userBody('nul-display', { roles: [encoded({ value: 'Viewer', displayName: 'a\u0000b' })] }),
          ),
        )
      expectScimErrorResponse(res, 400, 'invalidValue')
    } finally {
      await database.close()
    }
  })
})

describe('Finding 2: a deactivation is refused because of stored roles the write does not touch', () => {
  let scim: ScimApp
  let api: ScimClient
  beforeEach(() => {
    scim = buildScimApp({ router: testGrantStores() })
    api = client(scim)
  })

  // A user provisioned before the host configured its roleStore: roles were stored as sent.
  for (const [name, legacy] of [
    [
      'an element without a value',
      [{ value: 'Viewer' }, { display: 'Legacy role', type: 'WindowsAzureActiveDirectoryRole' }],
    ],
    ['an Entra-encoded protected role stored literally', [encoded({ value: 'GrafanaAdmin' })]],
  ] as const) {
    it(`[FIXED] Entra's PATCH active=false deactivates a user whose stored roles hold ${name}`, async () => {
      const id = await createUser(api, 'ann')
      await storeRoles(scim, id, legacy)
      const res = await api.patch(
        `/Users/${id}`,
        patchBody({ op: 'Replace', path: 'active', value: 'False' }),
      )
      expect({ status: res.status, detail: res.body.detail }).toEqual({ status: 200, detail: undefined })
      expect((await api.get(`/Users/${id}`)).body.active).toBe(false)
    })

    it(`[FIXED] Okta's PUT active=false (the user as read back) deactivates a user whose stored roles hold ${name}`, async () => {
      const id = await createUser(api, 'bob')
      await storeRoles(scim, id, legacy)
      const read = (await api.get(`/Users/${id}`).expect(200)).body
      const res = await api.put(`/Users/${id}`, { ...read, active: false })
      expect({ status: res.status, detail: res.body.detail }).toEqual({ status: 200, detail: undefined })
      expect((await api.get(`/Users/${id}`)).body.active).toBe(false)
    })
  }

  it('[HOLDS] DELETE still disables such a user (it does not read roles)', async () => {
    const id = await createUser(api, 'cid')
    await storeRoles(scim, id, [{ display: 'Legacy role' }])
    await api.delete(`/Users/${id}`).expect(204)
  })
})

describe('Finding 3: adoption of a local user who holds a protected role', () => {
  it('[FIXED] a POST that keeps the protected role adopts the user (docs/roles.md refuses only a POST that leaves it out)', async () => {
    const scim = buildScimApp({
      router: { ...testGrantStores(), adoptLocalUsers: true, isProtectedUser: () => false },
    })
    const api = client(scim)
    scim.userStore.addLocalUser(TENANT, {
      userName: 'admin',
      active: true,
      document: { roles: [{ value: 'GrafanaAdmin' }] },
    })
    const res = await api.post(
      '/Users',
      userBody('admin', { roles: [{ value: 'GrafanaAdmin' }, { value: 'Admin' }] }),
    )
    expect({ status: res.status, detail: res.body.detail }).toEqual({ status: 201, detail: undefined })
  })

  it('[CHANGED] a POST that leaves the protected role out adopts the user, who keeps it', async () => {
    const scim = buildScimApp({
      router: { ...testGrantStores(), adoptLocalUsers: true, isProtectedUser: () => false },
    })
    const api = client(scim)
    const local = scim.userStore.addLocalUser(TENANT, {
      userName: 'admin',
      active: true,
      document: { roles: [{ value: 'GrafanaAdmin' }] },
    })
    const res = await api.post('/Users', userBody('admin', { roles: [{ value: 'Viewer' }] }))
    expect(res.status).toBe(201)
    expect(heldRoles(res.body)).toEqual(['Viewer', 'GrafanaAdmin'])
    expect(await scim.userStore.get(local.id, contextFor())).toMatchObject({
      provisioned: true,
      document: { roles: [{ value: 'Viewer' }, { value: 'GrafanaAdmin' }] },
    })
  })
})

describe("Finding 4: grantSchemas: 'okta' with a MemoryGrantStore built as docs/roles.md shows", () => {
  const okta = () => client(buildScimApp({ router: { ...testGrantStores(), grantSchemas: 'okta' } }))

  it('[FIXED] a filter on the Okta URN-qualified path, which the router accepts, is answered (not refused by the store)', async () => {
    const res = await okta().get(`/Roles?filter=${encodeURIComponent(`${OKTA_ROLE_URN}:value eq "Editor"`)}`)
    expect({ status: res.status, detail: res.body.detail }).toEqual({ status: 200, detail: undefined })
    expect(res.body.Resources.map((r: { id: string }) => r.id)).toEqual(['Editor'])
  })

  it('[FIXED] sortBy on the Okta URN-qualified path sorts (it is silently ignored)', async () => {
    const api = okta()
    const plain = await api.get('/Roles?sortBy=displayName').expect(200)
    const qualified = await api
      .get(`/Roles?sortBy=${encodeURIComponent(`${OKTA_ROLE_URN}:displayName`)}`)
      .expect(200)
    const ids = (res: request.Response) => res.body.Resources.map((r: { id: string }) => r.id)
    expect(ids(qualified)).toEqual(ids(plain))
  })

  it('[HOLDS] two routers in one process, one okta and one ietf, sharing the catalogues, never see each other', async () => {
    const stores = testGrantStores()
    const a = client(buildScimApp({ router: { ...stores, grantSchemas: 'okta' } }))
    const b = client(buildScimApp({ router: { ...stores } }))
    expect((await a.get('/Roles/Viewer').expect(200)).body.schemas).toEqual([OKTA_ROLE_URN])
    expect((await b.get('/Roles/Viewer').expect(200)).body.schemas).toEqual([
      'urn:ietf:params:scim:schemas:core:2.0:Role',
    ])
    expectScimErrorResponse(await b.get(`/Schemas/${OKTA_ROLE_URN}`), 404)
    expect((await a.get('/ResourceTypes/Role').expect(200)).body.schema).toBe(OKTA_ROLE_URN)
  })
})

describe('Finding 5: the invalidValue detail names the wrong element once duplicates are dropped', () => {
  it('[FIXED] POST roles [Viewer, Viewer, Bogus] names roles[2], the element the client sent', async () => {
    const api = client(buildScimApp({ router: testGrantStores() }))
    const res = await api.post(
      '/Users',
      userBody('ann', { roles: [{ value: 'Viewer' }, { value: 'Viewer' }, { value: 'Bogus' }] }),
    )
    expectScimErrorResponse(res, 400, 'invalidValue')
    expect(res.body.detail).toBe('roles[2] names no role of this service provider')
  })
})

describe('Finding 6: role values compare by two rules (catalogue exact, user filters case-insensitive)', () => {
  let scim: ScimApp
  let api: ScimClient
  beforeEach(() => {
    scim = buildScimApp({ router: testGrantStores() })
    api = client(scim)
  })

  it('[HOLDS] the catalogue compares exactly: "viewer" is no role', async () => {
    expectScimErrorResponse(
      await api.post('/Users', userBody('ann', { roles: [{ value: 'viewer' }] })),
      400,
      'invalidValue',
    )
    expectScimErrorResponse(await api.get('/Roles/viewer'), 404)
    expect(
      (await api.get(`/Roles?filter=${encodeURIComponent('value eq "viewer"')}`)).body.totalResults,
    ).toBe(0)
  })

  it('[FIXED] PATCH remove roles[value eq "viewer"] does not revoke the role "Viewer"', async () => {
    const id = await createUser(api, 'ann', { roles: [{ value: 'Viewer' }, { value: 'Editor' }] })
    await api.patch(`/Users/${id}`, patchBody({ op: 'remove', path: 'roles[value eq "viewer"]' }))
    expect((await api.get(`/Users/${id}`)).body.roles).toEqual([{ value: 'Viewer' }, { value: 'Editor' }])
  })

  it('[FIXED] /Users?filter=roles.value eq "viewer" does not find holders of "Viewer"', async () => {
    await createUser(api, 'ann', { roles: [{ value: 'Viewer' }] })
    const res = await api.get(`/Users?filter=${encodeURIComponent('roles.value eq "viewer"')}`).expect(200)
    expect(res.body.totalResults).toBe(0)
  })
})

describe('[HOLDS] a protected role is never granted over SCIM, and one the user holds is kept through every write', () => {
  let scim: ScimApp
  let api: ScimClient
  let meId: string

  beforeEach(() => {
    meId = ''
    scim = buildScimApp({ router: { ...testGrantStores(), resolveMe: () => meId } })
    api = client(scim)
  })

  /** A user the host made server administrator itself. */
  async function serverAdmin(): Promise<string> {
    const id = await createUser(api, `adm${Math.random()}`, {
      roles: [{ value: 'Viewer', primary: true, type: 'basic' }],
    })
    await storeRoles(scim, id, [
      { value: 'Viewer', primary: true, type: 'basic' },
      { value: 'GrafanaAdmin', type: 'server' },
    ])
    meId = id
    return id
  }

  const revokingPatches: [string, Record<string, unknown>][] = [
    ['remove roles', { op: 'remove', path: 'roles' }],
    ['Remove ROLES', { op: 'Remove', path: 'ROLES' }],
    ['remove URN-qualified roles', { op: 'remove', path: `${CORE}:roles` }],
    ['Entra remove with value', { op: 'Remove', path: 'roles', value: [{ value: 'GrafanaAdmin' }] }],
    ['remove by type', { op: 'remove', path: 'roles[type eq "server"]' }],
    ['remove by URN-qualified filter', { op: 'remove', path: `${CORE}:roles[value eq "GrafanaAdmin"]` }],
    ['remove by not(primary)', { op: 'remove', path: 'roles[not (primary eq true)]' }],
    ['path-less replace', { op: 'replace', value: { roles: [{ value: 'Viewer' }] } }],
    ['path-less replace, Roles', { op: 'Replace', value: { Roles: [{ value: 'Viewer' }] } }],
    ['path-less replace, URN key', { op: 'replace', value: { [`${CORE}:roles`]: [{ value: 'Viewer' }] } }],
    ['replace roles', { op: 'replace', path: 'roles', value: [{ value: 'Admin' }] }],
    ['replace roles with null', { op: 'replace', path: 'roles', value: null }],
    [
      'rename the held protected role',
      { op: 'replace', path: 'roles[value eq "GrafanaAdmin"].value', value: 'Admin' },
    ],
    [
      'rename it to an encoded role',
      { op: 'replace', path: 'roles[type eq "server"].value', value: '{"value":"Admin"}' },
    ],
  ]

  for (const [name, operation] of revokingPatches) {
    it(`PATCH ${name}: 200, and GrafanaAdmin is still held (the host's, not the IdP's)`, async () => {
      const id = await serverAdmin()
      const res = await api.patch(`/Users/${id}`, patchBody(operation))
      expect(res.status).toBe(200)
      expect(heldRoles(res.body)).toContain('GrafanaAdmin')
      expect(heldRoles((await api.get(`/Users/${id}`)).body)).toContain('GrafanaAdmin')
    })
  }

  it('PUT without roles, with roles: [], null or others, through /Users and /Me: GrafanaAdmin is kept', async () => {
    const id = await serverAdmin()
    const name = (await api.get(`/Users/${id}`)).body.userName
    for (const path of [`/Users/${id}`, '/Me']) {
      for (const extra of [{}, { roles: [] }, { roles: null }, { roles: [{ value: 'Editor' }] }]) {
        const res = await api.put(path, userBody(name, extra))
        expect(res.status).toBe(200)
        expect(heldRoles(res.body)).toContain('GrafanaAdmin')
      }
    }
    const removed = await api.patch('/Me', patchBody({ op: 'remove', path: 'roles' }))
    expect(heldRoles(removed.body)).toEqual(['GrafanaAdmin'])
    // Deprovisioning is never blocked by it.
    const off = await api.put(`/Users/${id}`, userBody(name, { active: false }))
    expect({ status: off.status, active: off.body.active }).toEqual({ status: 200, active: false })
  })

  const grantingValues: [string, unknown][] = [
    ['plain', [{ value: 'GrafanaAdmin' }]],
    ['duplicated', [{ value: 'Viewer' }, { value: 'GrafanaAdmin' }, { value: 'GrafanaAdmin' }]],
    ['Entra-encoded', [encoded({ value: 'GrafanaAdmin', displayName: 'x' })]],
    ['Entra-encoded with extra keys', [encoded({ id: 'x', value: 'GrafanaAdmin', primary: true })]],
    ['primary', [{ value: 'GrafanaAdmin', primary: true }]],
  ]

  for (const [name, roles] of grantingValues) {
    it(`grant by ${name} value: POST, PUT, PATCH add, /Me and /Bulk are refused`, async () => {
      const id = await createUser(api, 'ann', { roles: [{ value: 'Viewer' }] })
      meId = id
      const before = await snapshot(api, id)
      expectScimErrorResponse(await api.post('/Users', userBody('bob', { roles })), 400, 'mutability')
      expectScimErrorResponse(await api.post('/Users', userBody('bob', { Roles: roles })), 400, 'mutability')
      expectScimErrorResponse(await api.put(`/Users/${id}`, userBody('ann', { roles })), 400, 'mutability')
      for (const op of [
        { op: 'add', path: 'roles', value: roles },
        { op: 'Add', path: 'ROLES', value: roles },
        { op: 'add', path: `${CORE}:roles`, value: roles },
        { op: 'add', value: { roles } },
        { op: 'replace', value: { [`${CORE}:roles`]: roles } },
      ]) {
        expectScimErrorResponse(await api.patch(`/Users/${id}`, patchBody(op)), 400, 'mutability')
        expectScimErrorResponse(await api.patch('/Me', patchBody(op)), 400, 'mutability')
      }
      const bulk = await api
        .post('/Bulk', {
          schemas: [BULK_SCHEMA],
          Operations: [
            { method: 'POST', path: '/Users', bulkId: 'x', data: userBody('carl', { roles }) },
            { method: 'PUT', path: `/Users/${id}`, data: userBody('ann', { roles }) },
            {
              method: 'PATCH',
              path: `/Users/${id}`,
              data: patchBody({ op: 'add', path: 'roles', value: roles }),
            },
            { method: 'PATCH', path: '/Me', data: patchBody({ op: 'add', path: 'roles', value: roles }) },
          ],
        })
        .expect(200)
      expect(bulk.body.Operations.map((o: { status: string }) => o.status)).toEqual([
        '400',
        '400',
        '400',
        '400',
      ])
      expect(await snapshot(api, id)).toEqual(before)
      expect(
        (await scim.userStore.list({ startIndex: 1, count: 10, sortOrder: 'ascending' }, contextFor()))
          .totalResults,
      ).toBe(1)
    })
  }

  it('renaming a held role into the protected one (value filter, primary filter) is refused', async () => {
    const id = await createUser(api, 'ann', { roles: [{ value: 'Viewer', primary: true }] })
    for (const path of ['roles[value eq "Viewer"].value', 'roles[primary eq "True"].value']) {
      expectScimErrorResponse(
        await api.patch(`/Users/${id}`, patchBody({ op: 'replace', path, value: 'GrafanaAdmin' })),
        400,
        'mutability',
      )
    }
  })

  it('entitlements follow the same rules: the protected licence is never granted, and kept when held', async () => {
    const id = await createUser(api, 'ann')
    const context = contextFor()
    const stored = (await scim.userStore.get(id, context))!
    await scim.userStore.update(
      id,
      { ...fieldsOf(stored), document: { ...stored.document, entitlements: [{ value: 'licence:support' }] } },
      stored.version,
      context,
    )
    const removed = await api.patch(`/Users/${id}`, patchBody({ op: 'remove', path: 'entitlements' }))
    expect(removed.status).toBe(200)
    expect(removed.body.entitlements).toEqual([{ value: 'licence:support' }])
    expectScimErrorResponse(
      await api.post('/Users', userBody('bob', { entitlements: [encoded({ value: 'licence:support' })] })),
      400,
      'mutability',
    )
  })
})

describe('[HOLDS] a store that models grants: a protected role the host granted itself stays out of SCIM’s reach', () => {
  it('host-granted GrafanaAdmin (not in the document) is kept through PATCH, PUT and Entra’s assertive replace', async () => {
    const held = new Map<string, readonly string[]>()
    const written: (readonly string[] | undefined)[] = []
    const scim = buildScimApp({
      router: testGrantStores(),
      wrapUserStore: (memory): UserStore => ({
        create: async (user, context) => {
          const created = await memory.create(user, context)
          held.set(created.id, user.roles ?? [])
          return { ...created, roles: held.get(created.id) }
        },
        get: async (id, context) => {
          const user = await memory.get(id, context)
          return user && { ...user, roles: held.get(id) ?? [] }
        },
        list: (query, context) => memory.list(query, context),
        update: async (id, user, version, context) => {
          written.push(user.roles)
          const updated = await memory.update(id, user, version, context)
          if (updated && user.roles) held.set(id, user.roles)
          return updated && { ...updated, roles: held.get(id) ?? [] }
        },
        delete: (id, context) => memory.delete(id, context),
      }),
    })
    const api = client(scim)
    const id = await createUser(api, 'ann', { roles: [{ value: 'Viewer', display: 'Viewer' }] })
    held.set(id, ['Viewer', 'GrafanaAdmin'])
    written.length = 0
    for (const res of [
      await api.patch(
        `/Users/${id}`,
        patchBody({ op: 'replace', path: 'roles', value: [{ value: 'Viewer' }] }),
      ),
      await api.patch(`/Users/${id}`, patchBody({ op: 'remove', path: 'roles[value eq "GrafanaAdmin"]' })),
      await api.put(`/Users/${id}`, userBody('ann', { roles: [{ value: 'Viewer' }] })),
    ]) {
      expect(res.status).toBe(200)
      expect(heldRoles(res.body)).toEqual(['Viewer', 'GrafanaAdmin'])
    }
    // Nothing changed for the store: each write kept the same set (and the first wrote it once).
    expect(written.every((roles) => roles === undefined || roles.join() === 'Viewer,GrafanaAdmin')).toBe(true)
    written.length = 0
    // Okta's read-back PUT carries it and goes through, keeping it.
    const read = (await api.get(`/Users/${id}`).expect(200)).body
    expect(read.roles).toEqual([{ value: 'Viewer' }, { value: 'GrafanaAdmin' }])
    await api.put(`/Users/${id}`, { ...read, displayName: 'Ann' }).expect(200)
    expect(written).toEqual([['Viewer', 'GrafanaAdmin']])
  })
})

describe('[HOLDS] /Roles and /Entitlements under hostile reads: SCIM errors, no store call for what cannot match', () => {
  let api: ScimClient
  let recorded: ReturnType<typeof recordingStore>

  beforeEach(() => {
    recorded = recordingStore(new MemoryGrantStore(TEST_ROLES))
    api = client(buildScimApp({ router: { roleStore: recorded.store } }))
  })

  it('ids: NUL, dot segments, encoded slash, overlong ids are 404; only ids of at most 512 characters reach get()', async () => {
    for (const path of [
      '/Roles/%00',
      '/Roles/..',
      '/Roles/%2e%2e',
      '/Roles/a%2Fb',
      `/Roles/${'x'.repeat(513)}`,
    ]) {
      expectScimErrorResponse(await api.get(path), 404)
    }
    expect(recorded.asked.every((value) => value.length <= 512 && !value.includes('\u0000'))).toBe(true)
  })

  it('filters, sorts, projections and paging that cannot be served are 400 with the right scimType', async () => {
    const q = encodeURIComponent
    expectScimErrorResponse(await api.get(`/Roles?filter=${q('roles[value eq "x"]')}`), 400, 'invalidFilter')
    expectScimErrorResponse(await api.get(`/Roles?filter=${q('type eq 5')}`), 400, 'invalidFilter')
    expectScimErrorResponse(await api.get(`/Roles?filter=${q('value eq "a\\u0000b"')}`), 400, 'invalidFilter')
    expectScimErrorResponse(
      await api.get(`/Roles?filter=${q(`${OKTA_ROLE_URN}:value eq "x"`)}`),
      400,
      'invalidFilter',
    )
    expectScimErrorResponse(await api.get('/Roles?sortBy=nope'), 400, 'invalidValue')
    expectScimErrorResponse(await api.get('/Roles?count=abc'), 400, 'invalidValue')
    expectScimErrorResponse(await api.get('/Roles?cursor'), 400, 'invalidCursor')
    expectScimErrorResponse(
      await api.post('/Roles/.search', {
        schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'],
        cursor: '',
      }),
      400,
      'invalidCursor',
    )
    expect(recorded.lists).toEqual([])
    const page = await api.get(`/Roles?filter=${q('value co "x"')}&count=-1&startIndex=99999999999999999999`)
    expect(page.status).toBe(200)
    const shown = await api.get('/Roles?attributes=supported&excludedAttributes=id').expect(200)
    expect(shown.body.Resources[3]).toEqual({
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:Role'],
      id: 'GrafanaAdmin',
      supported: false,
    })
  })

  it('writes on the catalogue are 405 in any path spelling', async () => {
    for (const res of [
      await api.post('/roles', {}),
      await api.patch('/ROLES/GrafanaAdmin', patchBody({ op: 'replace', path: 'supported', value: true })),
      await api.put('/Roles/GrafanaAdmin', { protected: false }),
      await api.delete('/Roles/GrafanaAdmin'),
    ]) {
      expectScimErrorResponse(res, 405)
    }
  })
})

describe('[HOLDS] a catalogue that answers badly fails closed: a bare 500, nothing written, nothing leaked', () => {
  const answers: [string, GrantStore['find']][] = [
    [
      'protected as the string "true"',
      (values) =>
        values.map((value) => ({ value, displayName: value, protected: 'true' }) as unknown as Grant),
    ],
    ['a non-iterable', () => ({ value: 'GrafanaAdmin' }) as unknown as Grant[]],
    ['a string', () => 'GrafanaAdmin' as unknown as Grant[]],
    ['null', () => null as unknown as Grant[]],
    [
      'an iterable that throws midway',
      () =>
        ({
          *[Symbol.iterator]() {
            yield { value: 'Viewer', displayName: 'Viewer' }
            throw new Error('connection to 10.0.0.1 refused')
          },
        }) as unknown as Grant[],
    ],
  ]
  for (const [name, find] of answers) {
    it(`find() answering ${name}`, async () => {
      const scim = buildScimApp({
        router: {
          roleStore: { list: () => ({ totalResults: 0, resources: [] }), get: () => undefined, find },
        },
      })
      const api = client(scim)
      const res = await api.post('/Users', userBody('ann', { roles: [{ value: 'GrafanaAdmin' }] }))
      expectScimErrorResponse(res, 500)
      expect(res.text).not.toMatch(/10\.0\.0\.1|GrafanaAdmin|stack/)
      expect(
        (await scim.userStore.list({ startIndex: 1, count: 10, sortOrder: 'ascending' }, contextFor()))
          .totalResults,
      ).toBe(0)
    })
  }

  it('find() answering grants not asked for (a case-insensitive SQL collation): they are ignored, the value is unknown', async () => {
    const roleStore: GrantStore = {
      list: () => ({ totalResults: 0, resources: [] }),
      get: () => undefined,
      find: (values) =>
        TEST_ROLES.filter((grant) =>
          values.some((value) => value.toLowerCase() === grant.value.toLowerCase()),
        ),
    }
    const api = client(buildScimApp({ router: { roleStore } }))
    expectScimErrorResponse(
      await api.post('/Users', userBody('ann', { roles: [{ value: 'grafanaadmin' }] })),
      400,
      'invalidValue',
    )
  })
})

describe('[HOLDS] events and cost', () => {
  it('events name attributes, never role values; a refused write emits nothing', async () => {
    const scim = buildScimApp({ router: testGrantStores() })
    const api = client(scim)
    const id = await createUser(api, 'ann', { roles: [{ value: 'Viewer' }] })
    await api
      .patch(`/Users/${id}`, patchBody({ op: 'add', path: 'roles', value: [{ value: 'Editor' }] }))
      .expect(200)
    const count = scim.events.length
    await api.patch(
      `/Users/${id}`,
      patchBody({ op: 'add', path: 'roles', value: [{ value: 'GrafanaAdmin' }] }),
    )
    expect(scim.events).toHaveLength(count)
    expect(JSON.stringify(scim.events)).not.toMatch(/Viewer|Editor|GrafanaAdmin/)
  })

  it('20,000 Entra-encoded elements in one PATCH or PUT are refused quickly, with one catalogue call at most', async () => {
    const roles = recordingStore(new MemoryGrantStore(TEST_ROLES))
    const api = client(buildScimApp({ router: { roleStore: roles.store, bodyLimit: '10mb' } }))
    const id = await createUser(api, 'ann')
    const many = Array.from({ length: 20_000 }, (_, i) => encoded({ value: 'Viewer', displayName: `d${i}` }))
    const started = Date.now()
    expectScimErrorResponse(
      await api.patch(`/Users/${id}`, patchBody({ op: 'add', path: 'roles', value: many })),
      400,
      'invalidValue',
    )
    expectScimErrorResponse(
      await api.put(`/Users/${id}`, userBody('ann', { roles: many })),
      400,
      'invalidValue',
    )
    expect(Date.now() - started).toBeLessThan(2000)
    expect(roles.asked).toEqual([])
  })
})
