// Regressions found by a third hostile review, of issue 11's restructuring (HTTP adapter, route table, store gateway, telemetry).
import { describe, expect, it } from '@jest/globals'
import { MemorySessionRevoker, MemoryUserStore, type UserStore } from '../../lib'
import { createStoreGateway, UNTRACED } from '../../lib/gateway'
import { buildScimApp, client, TOKEN, userBody } from '../helpers/scim-app'

const ERROR_SCHEMA_URN = 'urn:ietf:params:scim:api:messages:2.0:Error'

const SOME_ID = '4f6a3c1e-0000-4000-8000-000000000001'

/**
 * What an http-errors-shaped error thrown by a host store looks like when the host (or a client library
 * it wraps, such as an upstream API client) attached `headers`: http-errors documents `headers` as the
 * headers "to be sent to the client", so such errors exist in the wild.
 */
function hostHttpError(status: number, headers: Record<string, unknown>): Error {
  return Object.assign(new Error('upstream said no'), { status, statusCode: status, expose: true, headers })
}

/** A UserStore over the memory one whose `get` throws what `make` builds. */
function throwingGet(make: () => unknown) {
  return (store: UserStore): UserStore => ({
    create: (user, context) => store.create(user, context),
    get: () => Promise.reject(make()),
    list: (query, context) => store.list(query, context),
    update: (id, fields, version, context) => store.update(id, fields, version, context),
    delete: (id, context) => store.delete(id, context),
  })
}

describe('headers of an error a host store throws never reach the response', () => {
  it('an upstream Set-Cookie carried by a store error is not sent to the IdP', async () => {
    const scim = buildScimApp({
      wrapUserStore: throwingGet(() =>
        hostHttpError(503, { 'Set-Cookie': 'upstream_session=s3cr3t; Path=/', 'X-Upstream-Host': 'db-7' }),
      ),
    })
    const res = await client(scim).get(`/Users/${SOME_ID}`)
    expect(res.status).toBe(503)
    expect(res.body).toEqual({ schemas: [ERROR_SCHEMA_URN], status: '503' })
    // At 00fa3f2 the router wrote only its own headers; the adapter now copies `error.headers` of any
    // http-errors error, host-made ones included.
    expect(res.headers['set-cookie']).toBeUndefined()
    expect(res.headers['x-upstream-host']).toBeUndefined()
  })

  it('a store error whose header value Node refuses still gets a SCIM answer (no unhandled rejection)', async () => {
    // `{ 'Retry-After': retryAfter }` with retryAfter undefined: setHeader throws
    // ERR_HTTP_INVALID_HEADER_VALUE inside the adapter's catch block, handleHttp rejects (the router
    // calls it with `void`), the response is never written and the span never ended.
    const scim = buildScimApp({
      wrapUserStore: throwingGet(() => hostHttpError(503, { 'Retry-After': undefined })),
    })
    const rejections: unknown[] = []
    const onRejection = (reason: unknown) => rejections.push(reason)
    process.on('unhandledRejection', onRejection)
    try {
      const res = await client(scim)
        .get(`/Users/${SOME_ID}`)
        // A bound so that the missing answer fails the test instead of hanging it (not a timing check).
        .timeout({ response: 5000 })
        .catch((error: unknown) => ({ status: 0, body: String(error) }))
      expect(res.status).toBe(503)
      expect(rejections).toEqual([])
    } finally {
      process.off('unhandledRejection', onRejection)
    }
  })
})

describe('the order of checks for an id no store could have issued', () => {
  // At 00fa3f2 an unstorable id (U+0000) was 404 for every method before the body was read; the adapter
  // now reads the body of PUT/PATCH first, so the same request is 415 / 400 (not in the CHANGELOG).
  it('PUT /Users/%00 with a non-JSON body is 404, as before', async () => {
    const scim = buildScimApp()
    const res = await client(scim)
      .put('/Users/%00')
      .set('Authorization', `Bearer ${TOKEN}`)
      .set('Content-Type', 'text/plain')
      .send('not json')
    expect(res.status).toBe(404)
  })

  it('PATCH /Users/%00 with malformed JSON is 404, as before', async () => {
    const scim = buildScimApp()
    const res = await client(scim)
      .patch('/Users/%00')
      .set('Content-Type', 'application/scim+json')
      .send('{"schemas":')
    expect(res.status).toBe(404)
  })

  it('a valid PUT to an unstorable id stays 404 (control)', async () => {
    const scim = buildScimApp()
    const res = await client(scim).put('/Users/%00', userBody('nobody'))
    expect(res.status).toBe(404)
  })
})

// The two findings below concern pieces 00fa3f2 did not have (the `telemetry` option, the gateway's
// memo); they hold the new code to the old router's guarantees: every request is answered, and the
// memory one request holds is bounded by a batch, not by what the client lists.

describe('a failing tracer never costs the request its answer', () => {
  it('a tracer whose startSpan throws still lets GET /Users answer (no unhandled rejection)', async () => {
    // startRequest() runs before the adapter's try: its throw rejects handleHttp, which the router
    // calls with `void`. Under Node's default that unhandled rejection ends the process.
    const tracerProvider = {
      getTracer: () => ({
        startSpan: () => {
          throw new Error('span processor is shut down')
        },
      }),
    }
    const scim = buildScimApp({ router: { telemetry: { tracerProvider } } as never })
    const rejections: unknown[] = []
    const onRejection = (reason: unknown) => rejections.push(reason)
    process.on('unhandledRejection', onRejection)
    try {
      const res = await client(scim)
        .get('/Users')
        // A bound so that the missing answer fails the test instead of hanging it (not a timing check).
        .timeout({ response: 5000 })
        .catch((error: unknown) => ({ status: 0, body: String(error) }))
      expect(res.status).toBe(200)
      expect(rejections).toEqual([])
    } finally {
      process.off('unhandledRejection', onRejection)
    }
  })
})

describe("the gateway's memo keeps a request's memory bounded", () => {
  it('a member check over many ids does not hold every user it read until the request ends', async () => {
    // PUT/PATCH /Groups without findExisting checks members with userStore.get in batches of 100; at
    // 00fa3f2 each batch's users were dropped after it. The memo now keeps every one (a 1 MB body lists
    // about 20,000 ids; a SQL store returns a fresh object of up to maxResourceBytes per read).
    const memory = new MemoryUserStore()
    let reads = 0
    const userStore: UserStore = {
      create: (user, context) => memory.create(user, context),
      get: async (id) => {
        reads++
        // A fresh object per read, as a SQL store's rows are.
        return { id, version: '1', userName: id, active: true, provisioned: true, document: {} } as never
      },
      list: (query, context) => memory.list(query, context),
      update: (id, fields, version, context) => memory.update(id, fields, version, context),
      delete: (id, context) => memory.delete(id, context),
    }
    const gateway = createStoreGateway({ userStore, sessionRevoker: new MemorySessionRevoker() })
    const context = { tenant: 'acme', principal: { tenant: 'acme' }, requestId: 'r' }
    const users = gateway.forRequest(context, UNTRACED).users
    const ids = Array.from({ length: 5000 }, (_, i) => `u${i}`)
    for (let i = 0; i < ids.length; i += 100)
      await Promise.all(ids.slice(i, i + 100).map((id) => users.get(id)))
    const before = reads
    await users.get('u0')
    // Held: the first read is still in memory after 5,000 others (no bound on the memo's size).
    expect(reads).toBe(before + 1)
  })
})
