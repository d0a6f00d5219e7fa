// Request and store spans: names, parent links, attributes, error status, and what is never recorded.
import { context, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api'
import { scimError } from '../../lib/errors'
import { createTelemetry } from '../../lib/telemetry'
import { SyncContextManager, spanText, type TestProviders, testProviders } from './harness'

let providers: TestProviders

beforeEach(() => {
  providers = testProviders()
})

afterEach(() => {
  context.disable()
})

function telemetry() {
  const { tracerProvider, meterProvider } = providers
  return createTelemetry({ tracerProvider, meterProvider }, '1.2.3')
}

describe('the request span', () => {
  it('is named after the operation and carries its attributes', async () => {
    const request = telemetry().startRequest('GET', '/Users/:id')
    request.setOperation('users.get')
    request.setTenant('acme')
    request.end(200)
    const span = providers.span('SCIM users.get')
    expect(span.kind).toBe(SpanKind.INTERNAL)
    expect(span.attributes).toEqual({
      'http.request.method': 'GET',
      'http.route': '/Users/:id',
      'scim.operation': 'users.get',
      'scim.tenant': 'acme',
      'http.response.status_code': 200,
    })
    expect(span.status.code).toBe(SpanStatusCode.UNSET)
    expect(span.instrumentationScope).toMatchObject({ name: 'express-scim', version: '1.2.3' })
    expect(span.ended).toBe(true)
  })

  it('is named after the method until the operation is known, and leaves out an empty route', () => {
    telemetry().startRequest('DELETE', '').end(401)
    const span = providers.span('SCIM DELETE')
    expect(span.attributes).toEqual({ 'http.request.method': 'DELETE', 'http.response.status_code': 401 })
  })

  it('records a method outside the HTTP registry as _OTHER', () => {
    telemetry().startRequest('BREW', '').end(404)
    expect(providers.span('SCIM _OTHER').attributes['http.request.method']).toBe('_OTHER')
  })

  it("records a SCIM error's scimType; a 4xx is not an error of the span", () => {
    const request = telemetry().startRequest('GET', '/Users')
    request.setOperation('users.list')
    request.end(400, 'invalidFilter')
    const span = providers.span('SCIM users.list')
    expect(span.attributes['scim.error.type']).toBe('invalidFilter')
    expect(span.attributes['error.type']).toBeUndefined()
    expect(span.status.code).toBe(SpanStatusCode.UNSET)
  })

  it('marks a 5xx as an error, without a message', () => {
    const request = telemetry().startRequest('POST', '/Users')
    request.setOperation('users.create')
    request.end(503)
    const span = providers.span('SCIM users.create')
    expect(span.status).toEqual({ code: SpanStatusCode.ERROR })
    expect(span.attributes['error.type']).toBe('503')
    expect(span.attributes['scim.error.type']).toBeUndefined()
  })

  it('ends once: a second end and later names change nothing', () => {
    const request = telemetry().startRequest('GET', '/Groups')
    request.setOperation('groups.list')
    request.end(200)
    request.end(500, 'tooMany')
    request.setOperation('users.list')
    request.setTenant('late')
    expect(providers.spans()).toHaveLength(1)
    const span = providers.span('SCIM groups.list')
    expect(span.attributes['http.response.status_code']).toBe(200)
    expect(span.attributes['scim.tenant']).toBeUndefined()
    expect(span.status.code).toBe(SpanStatusCode.UNSET)
  })

  it('is a child of the span active when the request started', () => {
    context.setGlobalContextManager(new SyncContextManager())
    const host = providers.tracerProvider
      .getTracer('host')
      .startSpan('GET /scim/Users', { kind: SpanKind.SERVER })
    const request = context.with(trace.setSpan(ROOT_CONTEXT, host), () =>
      telemetry().startRequest('GET', '/Users'),
    )
    request.end(200)
    host.end()
    const span = providers.span('SCIM GET')
    expect(span.spanContext().traceId).toBe(host.spanContext().traceId)
    expect(span.parentSpanContext?.spanId).toBe(host.spanContext().spanId)
  })

  it('records each compare-and-swap retry as an event', () => {
    const request = telemetry().startRequest('PATCH', '/Users/:id')
    request.retried('User')
    request.end(200)
    const [event, ...others] = providers.span('SCIM PATCH').events
    expect(others).toEqual([])
    expect(event?.name).toBe('scim.compare_and_swap.retry')
    expect(event?.attributes).toEqual({ 'scim.resource_type': 'User' })
  })
})

describe('store spans', () => {
  it('are children of the request span, named after the call, without a context manager', async () => {
    const request = telemetry().startRequest('GET', '/Users/:id')
    request.setOperation('users.get')
    await expect(request.storeCall('userStore.get', async () => 'found')).resolves.toBe('found')
    await request.storeCall('sessionRevoker.revoke', async () => undefined)
    request.end(200)
    const parent = providers.span('SCIM users.get')
    for (const name of ['store userStore.get', 'store sessionRevoker.revoke']) {
      const span = providers.span(name)
      expect(span.kind).toBe(SpanKind.INTERNAL)
      expect(span.parentSpanContext?.spanId).toBe(parent.spanContext().spanId)
      expect(span.spanContext().traceId).toBe(parent.spanContext().traceId)
      expect(span.status.code).toBe(SpanStatusCode.UNSET)
    }
    expect(providers.span('store userStore.get').attributes).toEqual({ 'scim.store.call': 'userStore.get' })
  })

  it("make the store span active during the call, so the host's own spans nest under it", async () => {
    context.setGlobalContextManager(new SyncContextManager())
    const request = telemetry().startRequest('GET', '/Users/:id')
    await request.storeCall('userStore.get', async () => {
      providers.tracerProvider.getTracer('pg').startSpan('SELECT users').end()
    })
    request.end(200)
    expect(providers.span('SELECT users').parentSpanContext?.spanId).toBe(
      providers.span('store userStore.get').spanContext().spanId,
    )
  })

  it('rethrow what the call throws and mark the span as an error, naming only the error class', async () => {
    const request = telemetry().startRequest('PUT', '/Users/:id')
    const thrown = scimError(412, undefined, 'version mismatch')
    await expect(request.storeCall('userStore.replace', () => Promise.reject(thrown))).rejects.toBe(thrown)
    const synchronous = new TypeError('not a function')
    await expect(
      request.storeCall('userStore.get', () => {
        throw synchronous
      }),
    ).rejects.toBe(synchronous)
    await expect(request.storeCall('teamStore.get', () => Promise.reject('a string'))).rejects.toBe(
      'a string',
    )
    request.end(500)
    const replace = providers.span('store userStore.replace')
    expect(replace.status).toEqual({ code: SpanStatusCode.ERROR })
    expect(replace.attributes['error.type']).toBe('PreconditionFailedError')
    expect(replace.events).toEqual([])
    expect(replace.ended).toBe(true)
    expect(providers.span('store userStore.get').attributes['error.type']).toBe('TypeError')
    expect(providers.span('store teamStore.get').attributes['error.type']).toBe('_OTHER')
  })
})

describe('what is never recorded', () => {
  const TOKEN = 'secret-bearer-token-4f1c'
  const USER_ID = '7c9e6679-7425-40de-944b-e07fc1f90ae7'
  const FILTER_VALUE = 'bjensen@example.com'
  const secrets = [TOKEN, USER_ID, FILTER_VALUE]

  it("records neither a store call's arguments nor an error's message, name or stack", async () => {
    class LeakyError extends Error {
      constructor() {
        super(`no user ${USER_ID} matching ${FILTER_VALUE} for ${TOKEN}`)
        // A host error whose name holds data is recorded as _OTHER, not as its name.
        this.name = `Lookup of ${USER_ID}`
      }
    }
    const store = {
      get: async (id: string, filter: string, token: string) => {
        if (id && filter && token) throw new LeakyError()
        return undefined
      },
      list: async (filter: string) => [filter],
    }
    const request = telemetry().startRequest('GET', '/Users/:id')
    request.setOperation('users.get')
    request.setTenant('acme')
    await request.storeCall('userStore.list', () => store.list(FILTER_VALUE))
    await expect(
      request.storeCall('userStore.get', () => store.get(USER_ID, FILTER_VALUE, TOKEN)),
    ).rejects.toThrow(LeakyError)
    request.end(500)
    const spans = providers.spans()
    expect(spans.map((s) => s.name).sort()).toEqual([
      'SCIM users.get',
      'store userStore.get',
      'store userStore.list',
    ])
    expect(providers.span('store userStore.get').attributes['error.type']).toBe('_OTHER')
    for (const span of spans) {
      const text = spanText(span)
      for (const secret of secrets) expect(text).not.toContain(secret)
    }
  })
})
