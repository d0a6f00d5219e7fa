// POST /Bulk (RFC 7644 §3.7) against a hostile authenticated client and a spec reviewer's reading: access, bodies, odd operations, references, ordering, cost and limits.
import { readFileSync } from 'node:fs'
import express from 'express'
import request from 'supertest'
import { BULK_REQUEST, BULK_RESPONSE, bulk, ERROR, postBulkText, postUser } from '../helpers/bulk'
import {
  buildScimApp,
  client,
  createGroup,
  createUser,
  ENTERPRISE_SCHEMA,
  expectScimErrorResponse,
  GROUP_SCHEMA,
  patchBody,
  type ScimApp,
  type ScimClient,
  TENANT,
  TOKEN,
  userBody,
} from '../helpers/scim-app'

function idOf(location: string): string {
  return decodeURIComponent(location.split('/').pop()!)
}

interface Result {
  method?: string
  bulkId?: string
  status: string
  location?: string
  version?: string
  response?: Record<string, unknown>
}

describe('/Bulk review: access and transport', () => {
  it('refuses a self-service principal on /Bulk with 403 before any operation runs', async () => {
    const scim = buildScimApp({
      router: {
        authenticate: (req) =>
          req.headers.authorization === 'Bearer me'
            ? { tenant: TENANT, id: 'u', selfService: true }
            : undefined,
      },
    })
    const res = await client(scim, 'me').post('/Bulk', bulk([postUser('a', 'a@example.com')]))
    expectScimErrorResponse(res, 403)
    expect(scim.userStore.size(TENANT)).toBe(0)
  })

  it('refuses a self-service principal whose flag is a truthy non-boolean (fails closed)', async () => {
    const scim = buildScimApp({
      router: {
        authenticate: () => ({ tenant: TENANT, id: 'u', selfService: 'yes' as unknown as boolean }),
      },
    })
    const res = await client(scim).post('/Bulk', bulk([postUser('a', 'a@example.com')]))
    expectScimErrorResponse(res, 403)
    expect(scim.userStore.size(TENANT)).toBe(0)
  })

  it('answers GET, HEAD, PUT and DELETE on /Bulk with 405 and Allow: POST', async () => {
    const scim = buildScimApp()
    const api = client(scim)
    for (const res of [await api.get('/Bulk'), await api.put('/Bulk', bulk([])), await api.delete('/Bulk')]) {
      expectScimErrorResponse(res, 405)
      expect(res.headers.allow).toBe('POST')
    }
    const head = await request(scim.app).head('/scim/Bulk').set('Authorization', `Bearer ${TOKEN}`)
    expect(head.status).toBe(405)
  })

  it('answers 401 without credentials and reads nothing', async () => {
    const scim = buildScimApp()
    const res = await request(scim.app)
      .post('/scim/Bulk')
      .set('Content-Type', 'application/scim+json')
      .send(JSON.stringify(bulk([postUser('a', 'a@example.com')])))
    expectScimErrorResponse(res, 401)
    expect(scim.userStore.size(TENANT)).toBe(0)
  })

  it.each([
    ['text/plain', 415],
    ['application/x-www-form-urlencoded', 415],
    ['application/scim+json; charset=latin1', 415],
  ])('refuses a bulk body sent as %s with %d', async (type, status) => {
    const scim = buildScimApp()
    const res = await request(scim.app)
      .post('/scim/Bulk')
      .set('Authorization', `Bearer ${TOKEN}`)
      .set('Content-Type', type)
      .send(JSON.stringify(bulk([postUser('a', 'a@example.com')])))
    expectScimErrorResponse(res, status)
    expect(scim.userStore.size(TENANT)).toBe(0)
  })

  it.each([
    ['invalid JSON', '{"schemas":['],
    ['a JSON array', '[]'],
    ['JSON null', 'null'],
    ['an empty body', ''],
  ])('answers %s with 400 invalidSyntax', async (_case, text) => {
    const scim = buildScimApp()
    const res = await postBulkText(scim.app, text)
    expectScimErrorResponse(res, 400, 'invalidSyntax')
  })

  it('enforces maxPayloadSize (413) even when the host mounted express.json() with a larger limit first', async () => {
    const scim = buildScimApp({
      setup: (app) =>
        app.use(express.json({ limit: '10mb', type: ['application/json', 'application/scim+json'] })),
      router: { bulk: { maxPayloadSize: 2048 } },
    })
    const operations = Array.from({ length: 60 }, (_, i) => postUser(`u${i}`, `u${i}@example.com`))
    const res = await client(scim).post('/Bulk', bulk(operations))
    // RFC 7644 §3.7.4: a body over the advertised maxPayloadSize MUST be 413.
    expectScimErrorResponse(res, 413)
    expect(scim.userStore.size(TENANT)).toBe(0)
  })

  it('keeps bodyLimit per operation: a PATCH whose data exceeds bodyLimit is 413 alone and in /Bulk', async () => {
    const scim = buildScimApp({ router: { bodyLimit: 1024, bulk: { maxPayloadSize: '64kb' } } })
    const api = client(scim)
    const id = await createUser(api, 'big@example.com')
    const data = patchBody({ op: 'replace', path: 'displayName', value: 'x'.repeat(4000) })
    expectScimErrorResponse(await api.patch(`/Users/${id}`, data), 413)
    const res = await api.post('/Bulk', bulk([{ method: 'PATCH', path: `/Users/${id}`, data }]))
    expect(res.status).toBe(200)
    // docs/endpoints.md: "Each operation keeps every limit of its request alone".
    expect(res.body.Operations[0].status).toBe('413')
    expect((await api.get(`/Users/${id}`)).body.displayName).toBeUndefined()
  })

  it('two routers never share bulkIds: the same bulkId in two apps creates two users', async () => {
    const one = buildScimApp()
    const two = buildScimApp()
    const [a, b] = await Promise.all([
      client(one).post('/Bulk', bulk([postUser('same', 'same@example.com')])),
      client(two).post('/Bulk', bulk([postUser('same', 'same@example.com')])),
    ])
    expect([a.body.Operations[0].status, b.body.Operations[0].status]).toEqual(['201', '201'])
    expect(one.userStore.size(TENANT)).toBe(1)
    expect(two.userStore.size(TENANT)).toBe(1)
  })
})

describe('/Bulk review: references', () => {
  let scim: ScimApp
  let api: ScimClient

  beforeEach(() => {
    scim = buildScimApp()
    api = client(scim)
  })

  it('keeps a userName that looks like "bulkId:x" as sent alone (no POST defines x)', async () => {
    // Alone, this user is created with that userName.
    const alone = await api.post('/Users', userBody('bulkId:literal'))
    expect(alone.status).toBe(201)
    const res = await api.post('/Bulk', bulk([postUser('u', 'bulkId:other', { externalId: 'bulkId:ext' })]))
    // "each operation must be as atomic as the same request sent alone": it is 409 instead.
    expect(res.body.Operations[0].status).toBe('201')
  })

  it('does not replace externalId or userName with another resource id when they equal "bulkId:<defined>"', async () => {
    const res = await api.post(
      '/Bulk',
      bulk([postUser('a', 'a@example.com'), postUser('b', 'b@example.com', { externalId: 'bulkId:a' })]),
    )
    const [a, b] = res.body.Operations as [Result, Result]
    expect(b.status).toBe('201')
    const read = await api.get(`/Users/${idOf(b.location!)}`)
    // externalId is the client's own identifier (RFC 7643 §3.1), not a reference to a resource.
    expect(read.body.externalId).toBe('bulkId:a')
    expect(read.body.externalId).not.toBe(idOf(a.location!))
  })

  it('resolves the path reference it checked: a %-escape in a path bulkId names the same bulkId it waited for', async () => {
    const res = await api.post(
      '/Bulk',
      bulk([
        postUser('x%41', 'xa@example.com'),
        postUser('xB', 'xb@example.com'),
        {
          method: 'PATCH',
          path: '/Users/bulkId:x%41',
          data: patchBody({ op: 'replace', path: 'displayName', value: 'Patched' }),
        },
        {
          method: 'PATCH',
          path: '/Users/bulkId:x%42',
          data: patchBody({ op: 'replace', path: 'displayName', value: 'Patched' }),
        },
      ]),
    )
    const [created, other, escapedA, escapedB] = res.body.Operations as [Result, Result, Result, Result]
    expect([created.status, other.status]).toEqual(['201', '201'])
    // A path is a URI: its segment is decoded before the reference is read, so `bulkId:x%41` names the
    // bulkId `xA` (which no POST defines: 409, whatever the order) and `bulkId:x%42` names `xB`.
    expect(escapedA.status).toBe('409')
    expect(escapedB).toMatchObject({ status: '200', location: other.location })
  })

  it('does not resolve an escaped bulkId in a path that it never waited for (order-dependent behaviour)', async () => {
    const forward = await api.post(
      '/Bulk',
      bulk([
        {
          method: 'PATCH',
          path: '/Users/bulkId%3Ad',
          data: patchBody({ op: 'replace', path: 'displayName', value: 'P' }),
        },
        postUser('d', 'd@example.com'),
      ]),
    )
    const backward = await api.post(
      '/Bulk',
      bulk([
        postUser('e', 'e@example.com'),
        {
          method: 'PATCH',
          path: '/Users/bulkId%3Ae',
          data: patchBody({ op: 'replace', path: 'displayName', value: 'P' }),
        },
      ]),
    )
    // The same request, reordered, must mean the same thing (RFC 7644 §3.7: client intent preserved).
    expect(forward.body.Operations[0].status).toBe(backward.body.Operations[1].status)
  })

  it('runs every operation of a random DAG of references exactly once, each after what it refers to', async () => {
    const count = 200
    let seed = 7
    const random = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff
      return seed / 0x7fffffff
    }
    // Group i's members refer to users with a random subset of indexes; users are shuffled around.
    const operations: unknown[] = []
    for (let i = 0; i < count; i++) operations.push(postUser(`u${i}`, `u${i}@example.com`))
    for (let g = 0; g < 50; g++) {
      const members = Array.from({ length: 10 }, () => ({ value: `bulkId:u${Math.floor(random() * count)}` }))
      operations.push({
        method: 'POST',
        path: '/Groups',
        bulkId: `g${g}`,
        data: { schemas: [GROUP_SCHEMA], displayName: `G${g}`, members },
      })
    }
    for (let i = operations.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1))
      ;[operations[i], operations[j]] = [operations[j], operations[i]]
    }
    const res = await api.post('/Bulk', bulk(operations))
    expect(res.status).toBe(200)
    const results = res.body.Operations as Result[]
    expect(results.map((op) => op.bulkId)).toEqual(operations.map((op) => (op as { bulkId: string }).bulkId))
    expect(results.every((op) => op.status === '201')).toBe(true)
    expect(scim.userStore.size(TENANT)).toBe(count)
    expect(scim.events.filter((event) => event.type === 'user.created')).toHaveLength(count)
  })

  it('answers every operation of a random graph with cycles exactly once, in request order', async () => {
    const count = 300
    let seed = 11
    const random = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff
      return seed / 0x7fffffff
    }
    const operations = Array.from({ length: count }, (_, i) => {
      const refs = Array.from({ length: Math.floor(random() * 3) }, () => ({
        value: `bulkId:u${Math.floor(random() * count * 1.1)}`,
      }))
      return postUser(`u${i}`, `u${i}@example.com`, refs.length > 0 ? { x509Certificates: refs } : {})
    })
    const res = await api.post('/Bulk', bulk(operations))
    const results = res.body.Operations as Result[]
    expect(results.map((op) => op.bulkId)).toEqual(operations.map((op) => op.bulkId))
    expect(results.every((op) => op.status === '201' || op.status === '409')).toBe(true)
    const created = results.filter((op) => op.status === '201').length
    expect(scim.userStore.size(TENANT)).toBe(created)
    expect(scim.events.filter((event) => event.type === 'user.created')).toHaveLength(created)
  })

  it('refuses a bulkId on a PUT that repeats a POST bulkId (unique within a bulk request, RFC 7644 §3.7)', async () => {
    const id = await createUser(api, 'dupe@example.com')
    const res = await api.post(
      '/Bulk',
      bulk([
        postUser('same', 'same@example.com'),
        { method: 'PUT', path: `/Users/${id}`, bulkId: 'same', data: userBody('dupe@example.com') },
      ]),
    )
    // Two results with bulkId "same" cannot both name "the" resource of that bulkId.
    expect(res.body.Operations[1]).toMatchObject({ status: '400', response: { scimType: 'invalidValue' } })
  })

  it('reports a cycle 409 without a 400-only scimType (RFC 7644 §3.7.1 / Table 9)', async () => {
    const manager = (id: string) => ({ [ENTERPRISE_SCHEMA]: { manager: { value: `bulkId:${id}` } } })
    const res = await api.post(
      '/Bulk',
      bulk([
        postUser('a', 'a@example.com', manager('b')),
        postUser('b', 'b@example.com', manager('a')),
        { method: 'DELETE', path: '/Users/bulkId:nobody' },
      ]),
    )
    const results = res.body.Operations as Result[]
    expect(results.map((op) => op.status)).toEqual(['409', '409', '409'])
    // invalidValue is defined for 400 only; the three 409s also disagree with one another.
    for (const op of results) expect(op.response!.scimType).toBeUndefined()
  })

  it('a failed PUT / DELETE still carries location (RFC 7644 §3.7.3: required except for a failed POST)', async () => {
    const id = await createUser(api, 'loc@example.com')
    const res = await api.post(
      '/Bulk',
      bulk([
        { method: 'DELETE', path: `/Users/${id}`, version: 3 },
        { method: 'PUT', path: `/Users/${id}` },
      ]),
    )
    const results = res.body.Operations as Result[]
    expect(results.map((op) => op.status)).toEqual(['400', '400'])
    for (const op of results) expect(op.location).toMatch(new RegExp(`/Users/${id}$`))
  })

  it('stops at failOnErrors even when the failure is an operation reordered forward by a reference', async () => {
    const res = await api.post(
      '/Bulk',
      bulk(
        [
          {
            method: 'POST',
            path: '/Groups',
            bulkId: 'g',
            data: { schemas: [GROUP_SCHEMA], displayName: 'G', members: [{ value: 'bulkId:bad' }] },
          },
          { method: 'POST', path: '/Users', bulkId: 'bad', data: { schemas: [GROUP_SCHEMA] } },
          postUser('later', 'later@example.com'),
        ],
        { failOnErrors: 1 },
      ),
    )
    expect(res.status).toBe(200)
    expect(res.body.Operations).toEqual([expect.objectContaining({ bulkId: 'bad', status: '400' })])
    expect(scim.userStore.size(TENANT)).toBe(0)
    expect((await api.get('/Groups')).body.totalResults).toBe(0)
  })

  it('accepts failOnErrors larger than 2^53 as "never stop" rather than a 400', async () => {
    const res = await api.post('/Bulk', bulk([postUser('a', 'a@example.com')], { failOnErrors: 1e300 }))
    expect(res.status).toBe(200)
  })

  it('a stale version on DELETE is 412: nothing deleted, no event, sessions kept', async () => {
    const id = await createUser(api, 'keep@example.com')
    const session = scim.sessions.createSession(TENANT, id)
    const before = scim.events.length
    const res = await api.post(
      '/Bulk',
      bulk([
        { method: 'DELETE', path: `/Users/${id}`, version: 'W/"stale"' },
        { method: 'PATCH', path: `/Users/${id}`, version: 'not-a-tag', data: patchBody() },
      ]),
    )
    expect((res.body.Operations as Result[]).map((op) => [op.status, op.response?.scimType])).toEqual([
      ['412', undefined],
      ['400', 'invalidSyntax'],
    ])
    expect((await api.get(`/Users/${id}`)).status).toBe(200)
    expect(scim.events.length).toBe(before)
    expect(scim.sessions.isSessionActive(session)).toBe(true)
  })

  it('DELETE through /Bulk revokes sessions and emits the event with the bulk request id', async () => {
    const id = await createUser(api, 'gone@example.com')
    const session = scim.sessions.createSession(TENANT, id)
    const res = await api
      .post('/Bulk', bulk([{ method: 'DELETE', path: `/Users/${id}` }]))
      .set('X-Request-Id', 'bulk-req-1')
    expect(res.body.Operations[0]).toEqual({
      method: 'DELETE',
      location: expect.stringMatching(new RegExp(`/Users/${id}$`)),
      status: '204',
    })
    expect(scim.sessions.isSessionActive(session)).toBe(false)
    const deleted = scim.events.find((event) => event.type === 'user.deleted')
    expect(deleted).toMatchObject({ requestId: 'bulk-req-1', tenant: TENANT })
  })

  it('a version (If-Match) on a POST is ignored as a POST alone ignores If-Match', async () => {
    const alone = await api.post('/Users', userBody('alone@example.com')).set('If-Match', 'W/"x"')
    const res = await api.post('/Bulk', bulk([{ ...postUser('p', 'p@example.com'), version: 'W/"x"' }]))
    expect(res.body.Operations[0].status).toBe(String(alone.status))
  })

  it('refers to a group created in the same request by bulkId in a group PATCH path', async () => {
    const uid = await createUser(api, 'm@example.com')
    const res = await api.post(
      '/Bulk',
      bulk([
        {
          method: 'PATCH',
          path: '/Groups/bulkId:g',
          data: patchBody({ op: 'add', path: 'members', value: [{ value: uid }] }),
        },
        { method: 'POST', path: '/Groups', bulkId: 'g', data: { schemas: [GROUP_SCHEMA], displayName: 'G' } },
      ]),
    )
    const [patch, created] = res.body.Operations as [Result, Result]
    expect(created.status).toBe('201')
    expect(patch.status).toMatch(/^20[04]$/)
    expect(patch.location).toBe(created.location)
    const group = await api.get(`/Groups/${idOf(created.location!)}`)
    expect(group.body.members.map((m: { value: string }) => m.value)).toEqual([uid])
  })

  it('keeps ids of another tenant unreachable through a bulkId reference to the same string', async () => {
    const other = buildScimApp()
    const theirs = await createGroup(client(other), 'Theirs')
    const res = await api.post('/Bulk', bulk([{ method: 'DELETE', path: `/Groups/${theirs}` }]))
    expect(res.body.Operations[0].status).toBe('404')
  })
})

describe('/Bulk review: documentation', () => {
  it('advertises bulk.maxPayloadSize from the bulk option, not bodyLimit, and docs/options.md agrees', async () => {
    const scim = buildScimApp({ router: { bodyLimit: '256kb' } })
    const spc = await client(scim).get('/ServiceProviderConfig')
    expect(spc.body.bulk.maxPayloadSize).toBe(1024 * 1024)
    const options = readFileSync(`${__dirname}/../../docs/options.md`, 'utf8')
    const bodyLimitRow = options.split('\n').find((line) => line.startsWith('| `bodyLimit`'))
    expect(bodyLimitRow).not.toMatch(/Advertised as `bulk.maxPayloadSize`/)
  })
})

describe('/Bulk review: hostile cost and shapes', () => {
  it('answers 1000 operations each referring to 150 undefined bulkIds quickly, each with 409', async () => {
    const scim = buildScimApp({ router: { bulk: { maxPayloadSize: '4mb' } } })
    const refs = Array.from({ length: 150 }, (_, i) => ({ value: `bulkId:n${i}` }))
    const operations = Array.from({ length: 1000 }, (_, i) => ({
      method: 'POST',
      path: '/Groups',
      bulkId: `g${i}`,
      data: { schemas: [GROUP_SCHEMA], displayName: `G${i}`, members: refs },
    }))
    const started = Date.now()
    const res = await client(scim).post('/Bulk', bulk(operations))
    expect(res.status).toBe(200)
    expect(res.body.Operations.every((op: Result) => op.status === '409')).toBe(true)
    expect(Date.now() - started).toBeLessThan(3000)
  })

  it('answers 500 operations each referring to all 500 bulkIds (dense cyclic references) in bounded time', async () => {
    const scim = buildScimApp({ router: { bulk: { maxPayloadSize: '16mb' } } })
    const count = 500
    const all = Array.from({ length: count }, (_, i) => `bulkId:u${i}`)
    // Every user names every other as a value of a multi-valued attribute: everything is a cycle.
    const operations = Array.from({ length: count }, (_, i) =>
      postUser(`u${i}`, `u${i}@example.com`, {
        emails: [{ value: `u${i}@example.com` }],
        x509Certificates: all.map((value) => ({ value })),
      }),
    )
    const started = Date.now()
    const res = await client(scim).post('/Bulk', bulk(operations))
    expect(res.status).toBe(200)
    expect(res.body.Operations).toHaveLength(count)
    expect(res.body.Operations.every((op: Result) => op.status === '409')).toBe(true)
    expect(scim.userStore.size(TENANT)).toBe(0)
    expect(Date.now() - started).toBeLessThan(5000)
  }, 30_000)

  it('handles a 900 KB bulkId reference string without echoing it', async () => {
    const scim = buildScimApp()
    const huge = 'x'.repeat(900_000)
    const res = await client(scim).post('/Bulk', bulk([{ method: 'DELETE', path: `/Users/bulkId:${huge}` }]))
    expect(res.status).toBe(200)
    expect(res.body.Operations[0].status).toBe('409')
    expect(res.text.length).toBeLessThan(2000)
  })

  it('handles a 900 KB path id with a bounded response (404, location not amplified)', async () => {
    const scim = buildScimApp()
    const huge = '\u{1F600}'.repeat(200_000)
    const res = await client(scim).post('/Bulk', bulk([{ method: 'DELETE', path: `/Users/${huge}` }]))
    expect(res.status).toBe(200)
    expect(res.body.Operations[0].status).toBe('404')
    // An id no store could have issued (over 512 characters) is echoed, %-encoded, 3x the request.
    expect(res.text.length).toBeLessThan(10_000)
  })

  it.each([
    [
      '__proto__ as a bulkId',
      { method: 'POST', path: '/Users', bulkId: '__proto__', data: userBody('p@example.com') },
    ],
    [
      'constructor as a bulkId',
      { method: 'POST', path: '/Users', bulkId: 'constructor', data: userBody('c@example.com') },
    ],
  ])('treats %s as an ordinary bulkId', async (_case, operation) => {
    const scim = buildScimApp()
    const bulkId = (operation as { bulkId: string }).bulkId
    const res = await client(scim).post(
      '/Bulk',
      bulk([
        operation,
        {
          method: 'POST',
          path: '/Groups',
          bulkId: 'g',
          data: { schemas: [GROUP_SCHEMA], displayName: 'G', members: [{ value: `bulkId:${bulkId}` }] },
        },
      ]),
    )
    expect((res.body.Operations as Result[]).map((op) => op.status)).toEqual(['201', '201'])
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
  })

  it('reads a __proto__ key in an operation as data, never as its prototype', async () => {
    const scim = buildScimApp()
    const text = `{"schemas":["${BULK_REQUEST}"],"Operations":[{"__proto__":{"method":"DELETE","path":"/Users/x"}}]}`
    const res = await postBulkText(scim.app, text)
    expect(res.status).toBe(200)
    expect(res.body.Operations[0]).toMatchObject({ status: '400', response: { scimType: 'invalidSyntax' } })
  })

  it('answers every shape of a hostile operation without a 500', async () => {
    const scim = buildScimApp()
    const shapes: unknown[] = [
      null,
      1,
      [],
      { method: 1, path: '/Users' },
      { method: 'PATCH', path: '/Users/x', data: null },
      { method: 'PATCH', path: '/Users/%ZZ', data: patchBody() },
      { method: 'PATCH', path: '/Users/%00', data: patchBody() },
      { method: 'DELETE', path: '/Users/\ud800' },
      { method: 'DELETE', path: '' },
      { method: 'DELETE', path: 'Users/x' },
      { method: 'DELETE', path: '/Users/x/y' },
      { method: 'DELETE', path: '/v2/v2/Users/x' },
      { method: 'DELETE', path: '/Users/.search' },
      { method: 'POST', path: '/Users', bulkId: 'x'.repeat(257), data: userBody('a') },
      { method: 'POST', path: '/Users', bulkId: 'a\u0000', data: userBody('a') },
      { method: 'POST', path: '/Users', bulkId: { a: 1 }, data: userBody('a') },
      { method: 'POST', path: '/Users', bulkId: 'b', data: { schemas: 'x' } },
      { method: 'POST', path: '/Groups/.search', bulkId: 'c', data: {} },
      { method: 'POST', path: '/.search', bulkId: 'd', data: {} },
      { method: 'POST', path: '/Me', bulkId: 'e', data: userBody('e') },
      { method: 'GET', path: '/ServiceProviderConfig' },
      { method: 'PATCH', path: '/Users/x', data: { schemas: ['nope'], Operations: 'x' } },
      { method: 'PUT', path: '/Users/x', version: '', data: userBody('a') },
    ]
    const res = await client(scim).post('/Bulk', bulk(shapes))
    expect(res.status).toBe(200)
    const results = res.body.Operations as Result[]
    expect(results).toHaveLength(shapes.length)
    for (const op of results) {
      expect(Number(op.status)).toBeGreaterThanOrEqual(400)
      expect(Number(op.status)).toBeLessThan(500)
      expect(op.response).toMatchObject({ schemas: [ERROR], status: op.status })
    }
  })

  it('answers a bulk request whose Operations key differs in case, and ignores unknown keys', async () => {
    const scim = buildScimApp()
    const res = await client(scim).post('/Bulk', {
      schemas: [BULK_REQUEST],
      operations: [postUser('a', 'a@example.com')],
      whatever: 1,
    })
    expect(res.status).toBe(200)
    expect(res.body.schemas).toEqual([BULK_RESPONSE])
    expect(res.body.Operations[0].status).toBe('201')
  })
})
