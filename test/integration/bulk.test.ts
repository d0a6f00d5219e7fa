// POST /Bulk (RFC 7644 §3.7) through a real Express app: operations run as single requests would, bulkId references resolve (forward ones too), cycles and failures answer per operation.
import { staticTokens } from '../../lib'
import { BULK_REQUEST, BULK_RESPONSE, bulk, ERROR, postBulkText, postUser } from '../helpers/bulk'
import {
  buildScimApp,
  client,
  createGroup,
  createUser,
  ENTERPRISE_SCHEMA,
  EXPRESS_VERSIONS,
  expectScimErrorResponse,
  GROUP_SCHEMA,
  patchBody,
  type ScimApp,
  type ScimClient,
  TENANT,
  TOKEN,
  userBody,
  WEAK_ETAG,
} from '../helpers/scim-app'

describe.each(EXPRESS_VERSIONS)('/Bulk on %s', (_name, makeExpress) => {
  let scim: ScimApp
  let api: ScimClient

  beforeEach(() => {
    scim = buildScimApp({ express: makeExpress })
    api = client(scim)
  })

  it('creates users and a group whose members refer to them by bulkId, answering each operation', async () => {
    const res = await api.post(
      '/Bulk',
      bulk([
        postUser('alice', 'alice@example.com'),
        postUser('bob', 'bob@example.com'),
        {
          method: 'POST',
          path: '/Groups',
          bulkId: 'team',
          data: {
            schemas: [GROUP_SCHEMA],
            displayName: 'Platform',
            members: [{ value: 'bulkId:alice' }, { value: 'bulkId:bob' }],
          },
        },
      ]),
    )
    expect(res.status).toBe(200)
    expect(res.headers['content-type']).toMatch(/^application\/scim\+json/)
    expect(res.body.schemas).toEqual([BULK_RESPONSE])
    const [alice, bob, team] = res.body.Operations
    for (const result of [alice, bob, team]) {
      expect(result).toMatchObject({
        method: 'POST',
        status: '201',
        version: expect.stringMatching(WEAK_ETAG),
      })
      expect(result.response).toBeUndefined()
    }
    expect(alice.bulkId).toBe('alice')
    expect(alice.location).toMatch(/\/scim\/Users\/[^/]+$/)
    expect(team.location).toMatch(/\/scim\/Groups\/[^/]+$/)
    // The location is the resource's: reading it answers what was created.
    const aliceId = alice.location.split('/').pop()
    const bobId = bob.location.split('/').pop()
    const group = await api.get(`/Groups/${team.location.split('/').pop()}`)
    expect(group.status).toBe(200)
    expect(group.body.members.map((member: { value: string }) => member.value).sort()).toEqual(
      [aliceId, bobId].sort(),
    )
    const read = await api.get(`/Users/${aliceId}`)
    expect(read.body).toMatchObject({ userName: 'alice@example.com' })
    expect(read.headers.etag).toBe(alice.version)
    // Each operation emitted its own events, under the bulk request's id.
    expect(scim.events.filter((event) => event.type === 'user.created')).toHaveLength(2)
  })

  it('resolves a forward reference: an operation runs after the POST it refers to, whatever their order', async () => {
    const res = await api.post(
      '/Bulk',
      bulk([
        {
          method: 'POST',
          path: '/Groups',
          bulkId: 'team',
          data: { schemas: [GROUP_SCHEMA], displayName: 'Ops', members: [{ value: 'bulkId:carol' }] },
        },
        postUser('carol', 'carol@example.com'),
      ]),
    )
    expect(res.status).toBe(200)
    // The answer keeps the request's order.
    expect(
      res.body.Operations.map((op: { bulkId: string; status: string }) => [op.bulkId, op.status]),
    ).toEqual([
      ['team', '201'],
      ['carol', '201'],
    ])
    const carolId = res.body.Operations[1].location.split('/').pop()
    const group = await api.get(`/Groups/${res.body.Operations[0].location.split('/').pop()}`)
    expect(group.body.members).toEqual([expect.objectContaining({ value: carolId })])
  })

  it('resolves bulkId in a path and deep in PATCH data (a manager in the enterprise extension)', async () => {
    const res = await api.post(
      '/Bulk',
      bulk([
        postUser('boss', 'boss@example.com'),
        postUser('dev', 'dev@example.com'),
        {
          method: 'PATCH',
          path: '/Users/bulkId:dev',
          data: patchBody({
            op: 'replace',
            path: `${ENTERPRISE_SCHEMA}:manager`,
            value: { value: 'bulkId:boss' },
          }),
        },
      ]),
    )
    expect(res.status).toBe(200)
    const [boss, dev, patch] = res.body.Operations
    expect(patch).toMatchObject({ method: 'PATCH', status: '200', location: dev.location })
    const read = await api.get(`/Users/${dev.location.split('/').pop()}`)
    expect(read.body[ENTERPRISE_SCHEMA].manager.value).toBe(boss.location.split('/').pop())
  })

  it('answers a circular reference with 409 on the operations of the cycle only', async () => {
    const manager = (bulkId: string) => ({ [ENTERPRISE_SCHEMA]: { manager: { value: `bulkId:${bulkId}` } } })
    const res = await api.post(
      '/Bulk',
      bulk([
        { ...postUser('a', 'a@example.com'), data: userBody('a@example.com', manager('b')) },
        { ...postUser('b', 'b@example.com'), data: userBody('b@example.com', manager('a')) },
        postUser('c', 'c@example.com'),
        { ...postUser('self', 'self@example.com'), data: userBody('self@example.com', manager('self')) },
      ]),
    )
    expect(res.status).toBe(200)
    const statuses = res.body.Operations.map((op: { bulkId: string; status: string }) => [
      op.bulkId,
      op.status,
    ])
    expect(statuses).toEqual([
      ['a', '409'],
      ['b', '409'],
      ['c', '201'],
      ['self', '409'],
    ])
    expect(res.body.Operations[0].response).toMatchObject({ schemas: [ERROR], status: '409' })
    expect(res.body.Operations[0].location).toBeUndefined()
    // Nothing of the cycle was created.
    const users = await api.get('/Users')
    expect(users.body.Resources.map((user: { userName: string }) => user.userName)).toEqual(['c@example.com'])
  })

  it('fails an operation that refers to a failed POST, or to a bulkId nobody defines, with 409', async () => {
    await createUser(api, 'taken@example.com')
    const res = await api.post(
      '/Bulk',
      bulk([
        postUser('dup', 'taken@example.com'),
        {
          method: 'POST',
          path: '/Groups',
          bulkId: 'g1',
          data: { schemas: [GROUP_SCHEMA], displayName: 'G1', members: [{ value: 'bulkId:dup' }] },
        },
        {
          method: 'POST',
          path: '/Groups',
          bulkId: 'g2',
          data: { schemas: [GROUP_SCHEMA], displayName: 'G2', members: [{ value: 'bulkId:nobody' }] },
        },
      ]),
    )
    expect(res.status).toBe(200)
    const [dup, g1, g2] = res.body.Operations
    expect(dup).toMatchObject({ status: '409', response: { status: '409', scimType: 'uniqueness' } })
    expect(g1).toMatchObject({ status: '409', response: { detail: expect.stringMatching(/failed/) } })
    expect(g2).toMatchObject({ status: '409', response: { detail: expect.stringMatching(/no POST/) } })
    expect((await api.get('/Groups')).body.totalResults).toBe(0)
  })

  it('replaces, patches and deletes existing resources; version holds them to it (If-Match)', async () => {
    const id = await createUser(api, 'erin@example.com')
    const groupId = await createGroup(api, 'Old name')
    const current = await api.get(`/Users/${id}`)
    const res = await api.post(
      '/Bulk',
      bulk([
        {
          method: 'PUT',
          path: `/Users/${id}`,
          version: current.headers.etag,
          data: userBody('erin@example.com', { displayName: 'Erin' }),
        },
        // The version is stale now: 412, and nothing changes.
        {
          method: 'PATCH',
          path: `/Users/${id}`,
          version: current.headers.etag,
          data: patchBody({ op: 'replace', path: 'displayName', value: 'Stale' }),
        },
        {
          method: 'PATCH',
          path: `/Groups/${groupId}`,
          data: patchBody({ op: 'replace', path: 'displayName', value: 'New name' }),
        },
        { method: 'DELETE', path: `/Groups/${groupId}` },
      ]),
    )
    expect(res.status).toBe(200)
    const [put, stale, patch, del] = res.body.Operations
    expect(put).toMatchObject({
      method: 'PUT',
      status: '200',
      location: expect.stringMatching(new RegExp(`/Users/${id}$`)),
    })
    expect(put.version).not.toBe(current.headers.etag)
    expect(stale).toMatchObject({
      method: 'PATCH',
      status: '412',
      location: put.location,
      response: { status: '412' },
    })
    expect(patch.status).toMatch(/^20[04]$/)
    expect(del).toMatchObject({ method: 'DELETE', status: '204' })
    expect((await api.get(`/Users/${id}`)).body.displayName).toBe('Erin')
    expectScimErrorResponse(await api.get(`/Groups/${groupId}`), 404)
  })

  it('deactivating through /Bulk revokes the sessions, as a single PATCH does', async () => {
    const id = await createUser(api, 'frank@example.com')
    const session = scim.sessions.createSession(TENANT, id)
    const res = await api.post(
      '/Bulk',
      bulk([
        {
          method: 'PATCH',
          path: `/Users/${id}`,
          data: patchBody({ op: 'replace', path: 'active', value: false }),
        },
      ]),
    )
    expect(res.body.Operations[0].status).toBe('200')
    expect(scim.sessions.isSessionActive(session)).toBe(false)
  })

  it('stops after failOnErrors failures: the operations after it do not run and are not answered', async () => {
    const res = await api.post(
      '/Bulk',
      bulk(
        [
          { method: 'DELETE', path: '/Users/missing-1' },
          postUser('ok', 'ok@example.com'),
          { method: 'DELETE', path: '/Users/missing-2' },
          postUser('never', 'never@example.com'),
        ],
        { failOnErrors: 2 },
      ),
    )
    expect(res.status).toBe(200)
    expect(res.body.Operations.map((op: { status: string }) => op.status)).toEqual(['404', '201', '404'])
    const users = await api.get('/Users')
    expect(users.body.Resources.map((user: { userName: string }) => user.userName)).toEqual([
      'ok@example.com',
    ])
  })

  it('runs every operation when failOnErrors is absent', async () => {
    const res = await api.post(
      '/Bulk',
      bulk([{ method: 'DELETE', path: '/Users/missing' }, postUser('ok', 'ok@example.com')]),
    )
    expect(res.body.Operations.map((op: { status: string }) => op.status)).toEqual(['404', '201'])
  })

  it.each<[string, unknown, string, string | undefined]>([
    ['a method it cannot run', { method: 'GET', path: '/Users' }, '400', 'invalidSyntax'],
    ['no method', { path: '/Users', data: {} }, '400', 'invalidSyntax'],
    [
      'a POST without bulkId',
      { method: 'POST', path: '/Users', data: userBody('x@example.com') },
      '400',
      'invalidSyntax',
    ],
    [
      'an empty bulkId',
      { method: 'POST', path: '/Users', bulkId: '', data: userBody('x@example.com') },
      '400',
      'invalidValue',
    ],
    ['no path', { method: 'DELETE' }, '400', 'invalidSyntax'],
    ['a path with a query', { method: 'DELETE', path: '/Users/x?attributes=id' }, '400', 'invalidSyntax'],
    ['a path that cannot be decoded', { method: 'DELETE', path: '/Users/%E0%A4%A' }, '404', undefined],
    ['an unknown endpoint', { method: 'DELETE', path: '/Nope/x' }, '404', undefined],
    ['a nested bulk', { method: 'POST', path: '/Bulk', bulkId: 'b', data: bulk([]) }, '400', 'invalidValue'],
    ['a search', { method: 'POST', path: '/Users/.search', bulkId: 's', data: {} }, '400', 'invalidValue'],
    ['/Me', { method: 'PATCH', path: '/Me', data: patchBody() }, '400', 'invalidValue'],
    ['discovery', { method: 'PUT', path: '/Schemas/x', data: {} }, '400', 'invalidValue'],
    ['a method the path does not take', { method: 'DELETE', path: '/Users' }, '405', undefined],
    ['a PUT without data', { method: 'PUT', path: '/Users/x' }, '400', 'invalidSyntax'],
    ['data that is not an object', { method: 'PATCH', path: '/Users/x', data: [1] }, '400', 'invalidSyntax'],
    [
      'a version that is not a string',
      { method: 'DELETE', path: '/Users/x', version: 3 },
      '400',
      'invalidSyntax',
    ],
    ['an operation that is not an object', 'DELETE /Users/x', '400', 'invalidSyntax'],
  ])('refuses %s in that operation alone', async (_case, operation, status, scimType) => {
    const res = await api.post('/Bulk', bulk([operation, postUser('after', 'after@example.com')]))
    expect(res.status).toBe(200)
    const [refused, after] = res.body.Operations
    expect(refused.status).toBe(status)
    expect(refused.response).toMatchObject({ schemas: [ERROR], status })
    expect(refused.response.scimType).toBe(scimType)
    expect(after.status).toBe('201')
  })

  it('refuses a second POST with the same bulkId, and references resolve to the first', async () => {
    const res = await api.post(
      '/Bulk',
      bulk([
        postUser('same', 'one@example.com'),
        postUser('same', 'two@example.com'),
        {
          method: 'POST',
          path: '/Groups',
          bulkId: 'g',
          data: { schemas: [GROUP_SCHEMA], displayName: 'G', members: [{ value: 'bulkId:same' }] },
        },
      ]),
    )
    const [one, two, group] = res.body.Operations
    expect(one.status).toBe('201')
    expect(two).toMatchObject({ status: '400', response: { scimType: 'invalidValue' } })
    expect(group.status).toBe('201')
    const read = await api.get(`/Groups/${group.location.split('/').pop()}`)
    expect(read.body.members[0].value).toBe(one.location.split('/').pop())
  })

  it.each<[string, unknown, number, string | undefined]>([
    ['no schemas', { Operations: [] }, 400, 'invalidSyntax'],
    ['another schema', { schemas: [GROUP_SCHEMA], Operations: [] }, 400, 'invalidSyntax'],
    ['no Operations', { schemas: [BULK_REQUEST] }, 400, 'invalidSyntax'],
    ['Operations not an array', { schemas: [BULK_REQUEST], Operations: {} }, 400, 'invalidSyntax'],
    ['failOnErrors zero', bulk([], { failOnErrors: 0 }), 400, 'invalidSyntax'],
    ['failOnErrors a string', bulk([], { failOnErrors: '1' }), 400, 'invalidSyntax'],
  ])('refuses a bulk request with %s as a whole', async (_case, body, status, scimType) => {
    const res = await api.post('/Bulk', body)
    expectScimErrorResponse(res, status, scimType)
  })

  it('answers an empty bulk request with no operations', async () => {
    const res = await api.post('/Bulk', bulk([]))
    expect(res.status).toBe(200)
    expect(res.body).toEqual({ schemas: [BULK_RESPONSE], Operations: [] })
  })

  it('keeps sync switches per operation: a group operation with group sync off is 403', async () => {
    scim = buildScimApp({ express: makeExpress, router: { groupSyncEnabled: false } })
    api = client(scim)
    const res = await api.post(
      '/Bulk',
      bulk([
        { method: 'POST', path: '/Groups', bulkId: 'g', data: { schemas: [GROUP_SCHEMA], displayName: 'G' } },
        postUser('u', 'u@example.com'),
      ]),
    )
    expect(res.body.Operations.map((op: { status: string }) => op.status)).toEqual(['403', '201'])
  })

  it('serves /Bulk under /v2 too, with /v2 in the locations', async () => {
    const v2 = client(scim, TOKEN, '/scim/v2')
    const res = await v2.post('/Bulk', bulk([postUser('v', 'v@example.com')]))
    expect(res.body.Operations[0].location).toMatch(/\/scim\/v2\/Users\//)
  })
})

describe('/Bulk limits and switches', () => {
  it('refuses more than maxOperations operations with 413, before any runs', async () => {
    const scim = buildScimApp({ router: { bulk: { maxOperations: 3 } } })
    const api = client(scim)
    const operations = Array.from({ length: 4 }, (_, i) => postUser(`u${i}`, `u${i}@example.com`))
    const res = await api.post('/Bulk', bulk(operations))
    expectScimErrorResponse(res, 413)
    expect(res.body.detail).toMatch(/at most 3/)
    expect(scim.userStore.size(TENANT)).toBe(0)
  })

  it('refuses a body over maxPayloadSize with 413, and advertises both limits', async () => {
    const scim = buildScimApp({ router: { bulk: { maxPayloadSize: 2048 } } })
    const api = client(scim)
    const operations = Array.from({ length: 30 }, (_, i) => postUser(`u${i}`, `u${i}@example.com`))
    expectScimErrorResponse(await api.post('/Bulk', bulk(operations)), 413)
    expect(scim.userStore.size(TENANT)).toBe(0)
    const spc = await api.get('/ServiceProviderConfig')
    expect(spc.body.bulk).toEqual({ supported: true, maxOperations: 1000, maxPayloadSize: 2048 })
  })

  it('maxPayloadSize replaces bodyLimit for /Bulk only', async () => {
    const scim = buildScimApp({ router: { bodyLimit: 1024, bulk: { maxPayloadSize: '64kb' } } })
    const api = client(scim)
    const operations = Array.from({ length: 20 }, (_, i) => postUser(`u${i}`, `u${i}@example.com`))
    const res = await api.post('/Bulk', bulk(operations))
    expect(res.status).toBe(200)
    expect(res.body.Operations.every((op: { status: string }) => op.status === '201')).toBe(true)
    expectScimErrorResponse(await api.post('/Users', userBody('x'.repeat(2000))), 413)
  })

  it('bulk: false answers 501 and advertises bulk as unsupported', async () => {
    const scim = buildScimApp({ router: { bulk: false } })
    const api = client(scim)
    expectScimErrorResponse(await api.post('/Bulk', bulk([])), 501)
    expect((await api.get('/ServiceProviderConfig')).body.bulk).toMatchObject({ supported: false })
  })

  it("runs every operation in the principal tenant: another tenant's resources are 404", async () => {
    const scim = buildScimApp({
      router: {
        authenticate: staticTokens([
          { token: 'a', tenant: 'tenant-a', id: 'idp-a' },
          { token: 'b', tenant: 'tenant-b', id: 'idp-b' },
        ]),
      },
    })
    const a = client(scim, 'a')
    const b = client(scim, 'b')
    const theirs = await createUser(a, 'theirs@example.com')
    const res = await b.post(
      '/Bulk',
      bulk([
        { method: 'DELETE', path: `/Users/${theirs}` },
        {
          method: 'PATCH',
          path: `/Users/${theirs}`,
          data: patchBody({ op: 'replace', path: 'active', value: false }),
        },
        {
          method: 'POST',
          path: '/Groups',
          bulkId: 'g',
          data: { schemas: [GROUP_SCHEMA], displayName: 'G', members: [{ value: theirs }] },
        },
      ]),
    )
    expect(res.body.Operations.map((op: { status: string }) => op.status)).toEqual(['404', '404', '400'])
    expect((await a.get(`/Users/${theirs}`)).body.active).toBe(true)
  })
})

describe('/Bulk under hostile input', () => {
  it('refuses 10,000 operations under the default limit with 413, reading nothing into the stores', async () => {
    const scim = buildScimApp({ router: { bulk: { maxPayloadSize: '4mb' } } })
    const operations = Array.from({ length: 10_000 }, (_, i) => ({ method: 'DELETE', path: `/Users/u${i}` }))
    const res = await client(scim).post('/Bulk', bulk(operations))
    expectScimErrorResponse(res, 413)
    expect(res.body.detail).toMatch(/10000 operations; at most 1000/)
  })

  it('runs a chain of 10,000 forward references, each POST after the one it refers to, with no call depth', async () => {
    const scim = buildScimApp({ router: { bulk: { maxOperations: 10_000, maxPayloadSize: '8mb' } } })
    const count = 10_000
    // Operation i names operation i+1 as its manager: every reference points forward.
    const operations = Array.from({ length: count }, (_, i) => ({
      method: 'POST',
      path: '/Users',
      bulkId: `u${i}`,
      data: userBody(
        `u${i}@example.com`,
        i + 1 < count ? { [ENTERPRISE_SCHEMA]: { manager: { value: `bulkId:u${i + 1}` } } } : {},
      ),
    }))
    const res = await client(scim).post('/Bulk', bulk(operations))
    expect(res.status).toBe(200)
    expect(res.body.Operations).toHaveLength(count)
    expect(res.body.Operations.every((op: { status: string }) => op.status === '201')).toBe(true)
    expect(scim.userStore.size(TENANT)).toBe(count)
    const first = await client(scim).get(`/Users/${res.body.Operations[0].location.split('/').pop()}`)
    expect(first.body[ENTERPRISE_SCHEMA].manager.value).toBe(res.body.Operations[1].location.split('/').pop())
  }, 60_000)

  it('answers a store that fails inside one operation with a bare 500 for it, and runs the rest', async () => {
    const scim = buildScimApp({
      wrapUserStore: (store) =>
        Object.assign(Object.create(store) as typeof store, {
          create: (user: Parameters<typeof store.create>[0], context: Parameters<typeof store.create>[1]) => {
            if (user.userName === 'boom@example.com') throw new Error('connection reset: secret-host:5432')
            return store.create(user, context)
          },
        }),
    })
    const res = await client(scim).post(
      '/Bulk',
      bulk([postUser('boom', 'boom@example.com'), postUser('fine', 'fine@example.com')]),
    )
    expect(res.status).toBe(200)
    const [boom, fine] = res.body.Operations
    expect(boom).toEqual({
      method: 'POST',
      bulkId: 'boom',
      status: '500',
      response: { schemas: [ERROR], status: '500' },
    })
    expect(fine.status).toBe('201')
    expect(res.text).not.toMatch(/secret-host|connection reset/)
  })

  it('refuses data nested deeper than any SCIM resource when it holds a reference, without a stack overflow', async () => {
    const scim = buildScimApp()
    // Written as text: JSON.stringify itself cannot nest this deep.
    const deep = `${'['.repeat(50_000)}"bulkId:u"${']'.repeat(50_000)}`
    const text = JSON.stringify(
      bulk([
        postUser('u', 'u@example.com'),
        {
          method: 'POST',
          path: '/Users',
          bulkId: 'deep',
          data: userBody('deep@example.com', { nickName: 'DEEP' }),
        },
      ]),
    ).replace('"DEEP"', deep)
    const res = await postBulkText(scim.app, text)
    expect(res.status).toBe(200)
    expect(res.body.Operations[1]).toMatchObject({ status: '400', response: { scimType: 'invalidValue' } })
  })

  it('never lets a __proto__ key in referring data reach an object prototype', async () => {
    const scim = buildScimApp()
    const text = JSON.stringify(
      bulk([
        postUser('u', 'u@example.com'),
        {
          method: 'POST',
          path: '/Users',
          bulkId: 'p',
          data: { ...userBody('p@example.com'), nickName: 'bulkId:u' },
        },
      ]),
    ).replace('"nickName"', '"__proto__":{"polluted":true},"nickName"')
    const res = await client(scim).post('/Bulk', JSON.parse(text))
    expect(res.status).toBe(200)
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
    expect(['201', '400']).toContain(res.body.Operations[1].status)
  })
})
