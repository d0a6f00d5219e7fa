// Telemetry through a real Express router: one span per request with store spans under it, the attributes and metrics it records, and what it never records.
import { metrics, SpanStatusCode, trace } from '@opentelemetry/api'
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base'
import request from 'supertest'
import { staticTokens } from '../../lib/auth/static-tokens'
import { versionMismatch } from '../../lib/errors'
import { PACKAGE_VERSION } from '../../lib/version'
import type { UserStore } from '../../types/stores'
import {
  buildScimApp,
  client,
  createUser,
  GROUP_SCHEMA,
  PATCH_SCHEMA,
  type ScimAppOptions,
  TENANT,
  userBody,
} from '../helpers/scim-app'
import { pointAttributes, pointValue, spanText, type TestProviders, testProviders } from './harness'

// Distinctive values, so that finding one anywhere in a span or a metric is no accident.
const BEARER = 'tok-5d2c9a71e0b84f3a-bearer'
const USER_NAME = 'bjensen.7f3e@example.com'
const FILTER_VALUE = 'needle-filter-value-91ab'

afterEach(() => {
  trace.disable()
  metrics.disable()
})

/** An app whose router records into fresh providers, authenticated by BEARER. */
function tracedApp(options: ScimAppOptions = {}) {
  const providers = testProviders()
  const scim = buildScimApp({
    ...options,
    router: {
      authenticate: staticTokens([{ token: BEARER, tenant: TENANT, id: 'idp' }]),
      telemetry: { tracerProvider: providers.tracerProvider, meterProvider: providers.meterProvider },
      ...options.router,
    },
  })
  return { scim, api: client(scim, BEARER), providers }
}

/** The request spans (named `SCIM ...`), in the order they ended. */
function requestSpans(providers: TestProviders): ReadableSpan[] {
  return providers.spans().filter((span) => span.name.startsWith('SCIM '))
}

/** The store spans whose parent is `parent`, by name, in the order they ended. */
function childNames(providers: TestProviders, parent: ReadableSpan): string[] {
  return providers
    .spans()
    .filter((span) => span.parentSpanContext?.spanId === parent.spanContext().spanId)
    .map((span) => span.name)
}

describe('request spans', () => {
  it('records one span per request, named after the operation, with its store calls as children', async () => {
    const { api, providers } = tracedApp()
    const id = await createUser(api, USER_NAME)
    expect((await api.get(`/Users/${id}`)).status).toBe(200)
    const [create, get, ...others] = requestSpans(providers)
    expect(others).toEqual([])
    expect(create?.name).toBe('SCIM users.create')
    expect(get?.name).toBe('SCIM users.get')
    expect(childNames(providers, create!)).toEqual(['store userStore.create'])
    // The user, then its groups (one batched call).
    expect(childNames(providers, get!)).toEqual(['store userStore.get', 'store teamStore.listTeamsOfUsers'])
    for (const span of providers.spans()) {
      expect(span.ended).toBe(true)
      expect(span.instrumentationScope).toMatchObject({ name: 'express-scim', version: PACKAGE_VERSION })
    }
    // Every store span belongs to a request span, in its trace.
    const storeSpans = providers.spans().filter((span) => span.name.startsWith('store '))
    expect(storeSpans).toHaveLength(3)
    for (const span of storeSpans) {
      const parent = requestSpans(providers).find(
        (candidate) => candidate.spanContext().spanId === span.parentSpanContext?.spanId,
      )
      expect(parent?.spanContext().traceId).toBe(span.spanContext().traceId)
    }
  })

  it('records operation, tenant, method, route label and status', async () => {
    const { api, providers } = tracedApp()
    const id = await createUser(api, USER_NAME)
    await api.get(`/Users/${id}`)
    expect(providers.span('SCIM users.get').attributes).toEqual({
      'scim.operation': 'users.get',
      'scim.tenant': TENANT,
      'http.request.method': 'GET',
      'http.route': '/Users/:id',
      'http.response.status_code': 200,
    })
    expect(providers.span('SCIM users.create').attributes).toMatchObject({
      'http.route': '/Users',
      'http.response.status_code': 201,
    })
  })

  it("records a SCIM error's scimType on a 409 and a 400, which are not errors of the span", async () => {
    const { api, providers } = tracedApp()
    await createUser(api, USER_NAME)
    expect((await api.post('/Users', userBody(USER_NAME))).status).toBe(409)
    expect((await api.get('/Users?filter=userName%20eq')).status).toBe(400)
    const [, conflict, invalid] = requestSpans(providers)
    expect(conflict?.attributes).toMatchObject({
      'scim.operation': 'users.create',
      'http.response.status_code': 409,
      'scim.error.type': 'uniqueness',
    })
    expect(invalid?.attributes).toMatchObject({
      'scim.operation': 'users.list',
      'http.response.status_code': 400,
      'scim.error.type': 'invalidFilter',
    })
    for (const span of [conflict!, invalid!]) {
      expect(span.status.code).toBe(SpanStatusCode.UNSET)
      expect(span.attributes['error.type']).toBeUndefined()
    }
  })

  it('marks a 5xx from a failing store as ERROR, on the request span and the store span', async () => {
    const { api, providers } = tracedApp({
      wrapUserStore: (store) => failingGet(store, () => new Error(`connection lost for ${USER_NAME}`)),
    })
    expect((await api.get('/Users/some-user')).status).toBe(500)
    const span = providers.span('SCIM users.get')
    expect(span.status).toEqual({ code: SpanStatusCode.ERROR })
    expect(span.attributes).toMatchObject({ 'http.response.status_code': 500, 'error.type': '500' })
    const store = providers.span('store userStore.get')
    expect(store.status).toEqual({ code: SpanStatusCode.ERROR })
    expect(store.attributes['error.type']).toBe('Error')
    expect(store.parentSpanContext?.spanId).toBe(span.spanContext().spanId)
    expect(spanText(store)).not.toContain(USER_NAME)
  })

  it('does not mark a 404 as an error', async () => {
    const { api, providers } = tracedApp()
    expect((await api.get('/Users/nobody')).status).toBe(404)
    const span = providers.span('SCIM users.get')
    expect(span.status.code).toBe(SpanStatusCode.UNSET)
    expect(span.attributes['http.response.status_code']).toBe(404)
    expect(span.attributes['error.type']).toBeUndefined()
    expect(providers.span('store userStore.get').status.code).toBe(SpanStatusCode.UNSET)
  })

  it('ends the span of a 401, named after the method, without operation or tenant', async () => {
    const { scim, providers } = tracedApp()
    const res = await request(scim.app).get('/scim/Users').set('Authorization', 'Bearer wrong-token')
    expect(res.status).toBe(401)
    const [span, ...others] = requestSpans(providers)
    expect(others).toEqual([])
    expect(span?.name).toBe('SCIM GET')
    expect(span?.ended).toBe(true)
    expect(span?.attributes).toEqual({
      'http.request.method': 'GET',
      'http.route': '/Users',
      'http.response.status_code': 401,
    })
    expect(childNames(providers, span!)).toEqual([])
  })

  it("ends the span of an unmatched path as operation 'unmatched', without a route", async () => {
    const { api, providers } = tracedApp()
    expect((await api.get('/Nowhere/secret-segment-3c1d')).status).toBe(404)
    const span = providers.span('SCIM unmatched')
    expect(span.ended).toBe(true)
    expect(span.attributes).toEqual({
      'http.request.method': 'GET',
      'scim.operation': 'unmatched',
      'scim.tenant': TENANT,
      'http.response.status_code': 404,
    })
    expect(spanText(span)).not.toContain('secret-segment')
  })

  it('ends the span of a 405 with the route label and the allowed methods left out', async () => {
    const { api, providers } = tracedApp()
    expect((await api.delete('/Users')).status).toBe(405)
    const [span] = requestSpans(providers)
    expect(span?.name).toBe('SCIM DELETE')
    expect(span?.attributes).toMatchObject({ 'http.route': '/Users', 'http.response.status_code': 405 })
  })

  it('records no user id, userName, filter value or bearer token, in any span or metric', async () => {
    const { api, providers } = tracedApp({
      router: { onEvent: () => {} },
    })
    const id = await createUser(api, USER_NAME, { externalId: 'ext-5a7b', displayName: 'Barbara Jensen' })
    const statuses: number[] = []
    const send = async (test: request.Test) => {
      const res = await test
      statuses.push(res.status)
      return res
    }
    await send(api.get(`/Users/${id}`))
    await send(api.get(`/Users?filter=${encodeURIComponent(`userName eq "${FILTER_VALUE}"`)}`))
    await send(api.get(`/Users?filter=${encodeURIComponent(`userName eq "${USER_NAME}"`)}`))
    await send(
      api.post('/Users/.search', {
        schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'],
        filter: `emails.value co "${FILTER_VALUE}"`,
      }),
    )
    await send(api.post('/Users', userBody(USER_NAME)))
    await send(
      api.patch(`/Users/${id}`, {
        schemas: [PATCH_SCHEMA],
        Operations: [{ op: 'replace', path: 'active', value: false }],
      }),
    )
    const group = await send(api.post('/Groups', { schemas: [GROUP_SCHEMA], displayName: 'G' }))
    const groupId = group.body.id as string
    await send(
      api.patch(`/Groups/${groupId}`, {
        schemas: [PATCH_SCHEMA],
        Operations: [{ op: 'add', path: 'members', value: [{ value: id }] }],
      }),
    )
    await send(api.delete(`/Users/${id}`))
    await send(api.get(`/Users/${encodeURIComponent(FILTER_VALUE)}`))
    // Each request did what it was sent for: the spans below are those of real work.
    expect(statuses).toEqual([200, 200, 200, 200, 409, 200, 201, 204, 204, 404])
    const secrets = [id, groupId, USER_NAME, 'ext-5a7b', 'Barbara', FILTER_VALUE, BEARER]
    const spans = providers.spans()
    expect(spans.length).toBeGreaterThan(10)
    for (const span of spans) {
      const text = spanText(span)
      for (const secret of secrets)
        expect({ span: span.name, leaks: text.includes(secret) }).toEqual({
          span: span.name,
          leaks: false,
        })
    }
    for (const name of ['scim.requests', 'scim.store.duration', 'scim.compare_and_swap.retries']) {
      const text = JSON.stringify(pointAttributes(await providers.metric(name)))
      for (const secret of secrets) expect(text).not.toContain(secret)
    }
  })
})

/** A UserStore over `store` whose `get` throws what `error()` makes. */
function failingGet(store: UserStore, error: () => Error): UserStore {
  return {
    create: (user, context) => store.create(user, context),
    get: () => {
      throw error()
    },
    list: (query, context) => store.list(query, context),
    update: (id, fields, version, context) => store.update(id, fields, version, context),
    delete: (id, context) => store.delete(id, context),
  }
}

/** A UserStore over `store` whose first `update` loses a race: another write lands, then versionMismatch(). */
function racingUpdate(store: UserStore): UserStore {
  let raced = false
  return {
    create: (user, context) => store.create(user, context),
    get: (id, context) => store.get(id, context),
    list: (query, context) => store.list(query, context),
    update: async (id, fields, version, context) => {
      if (!raced) {
        raced = true
        const current = (await store.get(id, context))!
        await store.update(
          id,
          {
            userName: current.userName,
            active: current.active,
            displayName: 'Concurrent',
            document: current.document ?? {},
          },
          current.version,
          context,
        )
        throw versionMismatch()
      }
      return store.update(id, fields, version, context)
    },
    delete: (id, context) => store.delete(id, context),
  }
}

describe('metrics', () => {
  it('counts scim.requests by operation and status', async () => {
    const { scim, api, providers } = tracedApp()
    const id = await createUser(api, USER_NAME)
    await api.get(`/Users/${id}`)
    await api.get(`/Users/${id}`)
    await api.get('/Users/nobody')
    expect((await request(scim.app).get('/scim/Users')).status).toBe(401)
    const metric = await providers.metric('scim.requests')
    const count = (operation: string, status: number) =>
      pointValue(metric, { 'scim.operation': operation, 'http.response.status_code': status })
    expect(count('users.create', 201)).toBe(1)
    expect(count('users.get', 200)).toBe(2)
    expect(count('users.get', 404)).toBe(1)
    // Refused before routing: no operation was named.
    expect(count('unknown', 401)).toBe(1)
    expect(pointAttributes(metric)).toHaveLength(4)
  })

  it('records scim.store.duration per store call', async () => {
    const { api, providers } = tracedApp()
    const id = await createUser(api, USER_NAME)
    await api.get(`/Users/${id}`)
    const metric = await providers.metric('scim.store.duration')
    expect(pointAttributes(metric)).toEqual(
      expect.arrayContaining([
        { 'scim.store.call': 'userStore.create', outcome: 'ok' },
        { 'scim.store.call': 'userStore.get', outcome: 'ok' },
      ]),
    )
  })

  it('counts scim.compare_and_swap.retries when a PATCH loses its race, and notes it on the span', async () => {
    const { api, providers } = tracedApp({ wrapUserStore: (store) => racingUpdate(store) })
    const id = await createUser(api, USER_NAME)
    const res = await api.patch(`/Users/${id}`, {
      schemas: [PATCH_SCHEMA],
      Operations: [{ op: 'replace', path: 'title', value: 'Engineer' }],
    })
    expect(res.status).toBe(200)
    expect(res.body.displayName).toBe('Concurrent')
    const metric = await providers.metric('scim.compare_and_swap.retries')
    expect(pointValue(metric, { 'scim.resource_type': 'User' })).toBe(1)
    const span = providers.span('SCIM users.patch')
    expect(span.events.map((event) => [event.name, event.attributes])).toEqual([
      ['scim.compare_and_swap.retry', { 'scim.resource_type': 'User' }],
    ])
    expect(childNames(providers, span)).toEqual([
      'store userStore.get',
      'store userStore.update',
      'store userStore.get',
      'store userStore.update',
      'store teamStore.listTeamsOfUsers',
    ])
  })
})

describe('telemetry off and routers apart', () => {
  it('records nothing with telemetry: false, even with global providers registered', async () => {
    const global = testProviders()
    trace.setGlobalTracerProvider(global.tracerProvider)
    metrics.setGlobalMeterProvider(global.meterProvider)
    const scim = buildScimApp({
      router: {
        authenticate: staticTokens([{ token: BEARER, tenant: TENANT, id: 'idp' }]),
        telemetry: false,
      },
    })
    const api = client(scim, BEARER)
    const id = await createUser(api, USER_NAME)
    expect((await api.get(`/Users/${id}`)).status).toBe(200)
    expect(global.spans()).toEqual([])
    expect(await global.metric('scim.requests')).toBeUndefined()
  })

  it('records into the global providers when the option is left out (the control for the test above)', async () => {
    const global = testProviders()
    trace.setGlobalTracerProvider(global.tracerProvider)
    metrics.setGlobalMeterProvider(global.meterProvider)
    const scim = buildScimApp({
      router: { authenticate: staticTokens([{ token: BEARER, tenant: TENANT, id: 'idp' }]) },
    })
    await createUser(client(scim, BEARER), USER_NAME)
    expect(global.spans().map((span) => span.name)).toEqual(['store userStore.create', 'SCIM users.create'])
    expect(
      pointValue(await global.metric('scim.requests'), {
        'scim.operation': 'users.create',
        'http.response.status_code': 201,
      }),
    ).toBe(1)
  })

  it('keeps two routers with different providers apart', async () => {
    const one = tracedApp()
    const two = tracedApp()
    await createUser(one.api, 'one-user')
    await two.api.get('/Users')
    await two.api.get('/Users')
    expect(one.providers.spans().map((span) => span.name)).toEqual([
      'store userStore.create',
      'SCIM users.create',
    ])
    expect(requestSpans(two.providers).map((span) => span.name)).toEqual([
      'SCIM users.list',
      'SCIM users.list',
    ])
    expect(pointAttributes(await one.providers.metric('scim.requests'))).toEqual([
      { 'scim.operation': 'users.create', 'http.response.status_code': 201 },
    ])
    expect(pointAttributes(await two.providers.metric('scim.requests'))).toEqual([
      { 'scim.operation': 'users.list', 'http.response.status_code': 200 },
    ])
  })
})
