// createTelemetry: off, API absent, the option checks, global providers, and routers kept apart.
import * as otel from '@opentelemetry/api'
import { metrics, trace } from '@opentelemetry/api'
import { AlwaysOffSampler, BasicTracerProvider } from '@opentelemetry/sdk-trace-base'
import { createTelemetry, NO_TELEMETRY } from '../../lib/telemetry'
import type { OtelApi } from '../../lib/telemetry/api'
import { NO_TRACE } from '../../lib/telemetry/noop'
import { pointValue, SyncContextManager, testProviders } from './harness'

const realApi = (): OtelApi => otel

afterEach(() => {
  trace.disable()
  metrics.disable()
})

describe('telemetry off', () => {
  it('is NO_TELEMETRY for telemetry: false, without loading the API', () => {
    const loadApi = jest.fn(realApi)
    expect(createTelemetry(false, '1.0.0', loadApi)).toBe(NO_TELEMETRY)
    expect(loadApi).not.toHaveBeenCalled()
  })

  it('is NO_TELEMETRY when @opentelemetry/api is absent, with the option left out or without providers', () => {
    expect(createTelemetry(undefined, '1.0.0', () => undefined)).toBe(NO_TELEMETRY)
    expect(createTelemetry({}, '1.0.0', () => undefined)).toBe(NO_TELEMETRY)
  })

  it('refuses providers passed while @opentelemetry/api is absent: they would record nothing', () => {
    const { tracerProvider } = testProviders()
    expect(() => createTelemetry({ tracerProvider }, '1.0.0', () => undefined)).toThrow(
      expect.objectContaining({ name: 'TypeError', code: 'ERR_MISSING_DEPENDENCY' }),
    )
  })

  it('records nothing, and a global SDK does not change that', async () => {
    const providers = testProviders()
    trace.setGlobalTracerProvider(providers.tracerProvider)
    metrics.setGlobalMeterProvider(providers.meterProvider)
    const request = createTelemetry(false, '1.0.0').startRequest('GET', '/Users')
    request.setOperation('users.list')
    await request.storeCall('userStore.list', async () => [])
    request.end(200)
    expect(providers.spans()).toEqual([])
    expect(await providers.metric('scim.requests')).toBeUndefined()
  })
})

describe('NO_TELEMETRY', () => {
  it('hands out one frozen trace whose storeCall just runs the call', async () => {
    const first = NO_TELEMETRY.startRequest('GET', '/Users')
    expect(NO_TELEMETRY.startRequest('POST', '/Groups')).toBe(first)
    expect(Object.isFrozen(NO_TELEMETRY)).toBe(true)
    expect(Object.isFrozen(first)).toBe(true)
    const result = Promise.resolve(42)
    expect(first.storeCall('userStore.get', () => result)).toBe(result)
    // A store that answers synchronously (the memory stores) gets a promise of its value.
    await expect(first.storeCall('userStore.get', () => 7)).resolves.toBe(7)
    const thrown = new Error('synchronous')
    await expect(
      first.storeCall('userStore.get', () => {
        throw thrown
      }),
    ).rejects.toBe(thrown)
    expect(() => {
      first.setOperation('users.get')
      first.setTenant('acme')
      first.retried('User')
      first.end(500, 'tooMany')
    }).not.toThrow()
  })
})

describe('the telemetry option', () => {
  it.each([
    [null, 'ERR_INVALID_OPTION', /telemetry must be false or an object/],
    [true, 'ERR_INVALID_OPTION', /telemetry must be false or an object/],
    [{ tracerProvider: {} }, 'ERR_INVALID_OPTION', /telemetry\.tracerProvider must be a TracerProvider/],
    [{ meterProvider: 'global' }, 'ERR_INVALID_OPTION', /telemetry\.meterProvider must be a MeterProvider/],
    [
      { tracerProviders: {} },
      'ERR_UNKNOWN_OPTION',
      /'telemetry\.tracerProviders' \(did you mean 'tracerProvider'\?\)/,
    ],
  ])('refuses %j with %s', (option, code, message) => {
    expect(() => createTelemetry(option as never, '1.0.0', realApi)).toThrow(
      expect.objectContaining({ name: 'TypeError', code, message: expect.stringMatching(message) }),
    )
  })
})

describe('global providers', () => {
  it('are used when the option is left out', async () => {
    const providers = testProviders()
    trace.setGlobalTracerProvider(providers.tracerProvider)
    metrics.setGlobalMeterProvider(providers.meterProvider)
    const request = createTelemetry(undefined, '1.0.0').startRequest('GET', '/Schemas')
    request.setOperation('discovery.schemas')
    request.end(200)
    expect(providers.span('SCIM discovery.schemas').attributes['scim.operation']).toBe('discovery.schemas')
    expect(
      pointValue(await providers.metric('scim.requests'), {
        'scim.operation': 'discovery.schemas',
        'http.response.status_code': 200,
      }),
    ).toBe(1)
  })

  it('are followed when an SDK registers after the router was built', async () => {
    const telemetry = createTelemetry(undefined, '1.0.0')
    const early = telemetry.startRequest('GET', '/Users')
    await early.storeCall('userStore.list', async () => [])
    early.end(200)
    const providers = testProviders()
    trace.setGlobalTracerProvider(providers.tracerProvider)
    metrics.setGlobalMeterProvider(providers.meterProvider)
    const late = telemetry.startRequest('GET', '/Users')
    late.setOperation('users.list')
    late.end(200)
    expect(providers.spans().map((s) => s.name)).toEqual(['SCIM users.list'])
    expect(
      pointValue(await providers.metric('scim.requests'), {
        'scim.operation': 'users.list',
        'http.response.status_code': 200,
      }),
    ).toBe(1)
  })

  it('fill in the one provider the host did not pass', async () => {
    const mine = testProviders()
    const global = testProviders()
    metrics.setGlobalMeterProvider(global.meterProvider)
    createTelemetry({ tracerProvider: mine.tracerProvider }, '1.0.0').startRequest('GET', '/Users').end(200)
    expect(mine.spans()).toHaveLength(1)
    expect(await mine.metric('scim.requests')).toBeUndefined()
    expect(await global.metric('scim.requests')).toBeDefined()
  })
})

it('keeps two routers apart: each records only to its own providers', async () => {
  const a = testProviders()
  const b = testProviders()
  const telemetryA = createTelemetry(
    { tracerProvider: a.tracerProvider, meterProvider: a.meterProvider },
    '1.0.0',
  )
  const telemetryB = createTelemetry(
    { tracerProvider: b.tracerProvider, meterProvider: b.meterProvider },
    '1.0.0',
  )
  const requestA = telemetryA.startRequest('GET', '/Users')
  const requestB = telemetryB.startRequest('GET', '/Groups')
  requestA.setOperation('users.list')
  requestB.setOperation('groups.list')
  await requestA.storeCall('userStore.list', async () => [])
  requestB.retried('Group')
  requestA.end(200)
  requestB.end(200)
  expect(a.spans().map((s) => s.name)).toEqual(['store userStore.list', 'SCIM users.list'])
  expect(b.spans().map((s) => s.name)).toEqual(['SCIM groups.list'])
  expect(await a.metric('scim.compare_and_swap.retries')).toBeUndefined()
  expect(await b.metric('scim.store.duration')).toBeUndefined()
  expect(
    pointValue(await b.metric('scim.requests'), {
      'scim.operation': 'users.list',
      'http.response.status_code': 200,
    }),
  ).toBeUndefined()
})

describe('the API installed with nothing listening', () => {
  it('serves requests as with telemetry off: no span, no context, no clock read per store call', async () => {
    const telemetry = createTelemetry(undefined, '1.0.0', realApi)
    expect(telemetry).not.toBe(NO_TELEMETRY)
    const request = telemetry.startRequest('GET', '/Users/:id')
    expect(request).toBe(NO_TRACE)
    expect(await request.storeCall('userStore.get', async () => 'user')).toBe('user')
  })

  it('keeps a trace an SDK sampled out, so its context still says "not sampled" downstream', () => {
    trace.setGlobalTracerProvider(new BasicTracerProvider({ sampler: new AlwaysOffSampler() }))
    const telemetry = createTelemetry(undefined, '1.0.0', realApi)
    expect(telemetry.startRequest('GET', '/Users')).not.toBe(NO_TRACE)
  })

  it('keeps a trace the host propagates without an SDK: a span active in the context is carried on', () => {
    const telemetry = createTelemetry(undefined, '1.0.0', realApi)
    const parent = trace.wrapSpanContext({
      traceId: '0af7651916cd43dd8448eb211c80319c',
      spanId: 'b7ad6b7169203331',
      traceFlags: otel.TraceFlags.SAMPLED,
    })
    otel.context.setGlobalContextManager(new SyncContextManager())
    try {
      const started = otel.context.with(trace.setSpan(otel.context.active(), parent), () =>
        telemetry.startRequest('GET', '/Users'),
      )
      expect(started).not.toBe(NO_TRACE)
      // The control: outside that context the same telemetry answers the shared no-op.
      expect(telemetry.startRequest('GET', '/Users')).toBe(NO_TRACE)
    } finally {
      otel.context.disable()
    }
  })

  it("asks each request's span when the API has no proxy class to tell an SDK by (an older or a fake API)", () => {
    const api = realApi()
    const startSpan = jest.fn((name: string, options: unknown, context: unknown) =>
      api.trace
        .getTracerProvider()
        .getTracer('x')
        .startSpan(name, options as never, context as never),
    )
    const fake: OtelApi = {
      ...api,
      ProxyTracerProvider: undefined,
      trace: { ...api.trace, getTracerProvider: () => ({ getTracer: () => ({ startSpan }) }) },
    }
    expect(createTelemetry(undefined, '1.0.0', () => fake).startRequest('GET', '/Users')).toBe(NO_TRACE)
    expect(startSpan).toHaveBeenCalledTimes(1)
  })

  it('records again as soon as an SDK registers a tracer, or a meter alone', () => {
    const telemetry = createTelemetry(undefined, '1.0.0', realApi)
    expect(telemetry.startRequest('GET', '/Users')).toBe(NO_TRACE)
    const providers = testProviders()
    trace.setGlobalTracerProvider(providers.tracerProvider)
    expect(telemetry.startRequest('GET', '/Users')).not.toBe(NO_TRACE)
    trace.disable()
    metrics.setGlobalMeterProvider(providers.meterProvider)
    expect(telemetry.startRequest('GET', '/Users')).not.toBe(NO_TRACE)
  })
})
