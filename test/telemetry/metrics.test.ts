// Metrics: requests by operation and status, store call latency by call and outcome, compare-and-swap retries.
import { createTelemetry } from '../../lib/telemetry'
import {
  type HistogramValue,
  pointAttributes,
  pointValue,
  type TestProviders,
  testProviders,
} from './harness'

let providers: TestProviders

beforeEach(() => {
  providers = testProviders()
})

function telemetry() {
  const { tracerProvider, meterProvider } = providers
  return createTelemetry({ tracerProvider, meterProvider }, '1.2.3')
}

describe('scim.requests', () => {
  it('counts ended requests by operation and status', async () => {
    const t = telemetry()
    for (const status of [200, 200, 404]) {
      const request = t.startRequest('GET', '/Users/:id')
      request.setOperation('users.get')
      request.setTenant('acme')
      request.end(status)
    }
    const patch = t.startRequest('PATCH', '/Groups/:id')
    patch.setOperation('groups.patch')
    patch.end(400, 'invalidPath')
    const metric = await providers.metric('scim.requests')
    expect(metric?.descriptor.unit).toBe('{request}')
    expect(pointValue(metric, { 'scim.operation': 'users.get', 'http.response.status_code': 200 })).toBe(2)
    expect(pointValue(metric, { 'scim.operation': 'users.get', 'http.response.status_code': 404 })).toBe(1)
    expect(pointValue(metric, { 'scim.operation': 'groups.patch', 'http.response.status_code': 400 })).toBe(1)
    expect(pointAttributes(metric)).toHaveLength(3)
  })

  it('counts a request once however often it is ended, and one never named as unknown', async () => {
    const request = telemetry().startRequest('GET', '')
    request.end(401)
    request.end(500)
    const metric = await providers.metric('scim.requests')
    expect(pointAttributes(metric)).toEqual([
      { 'scim.operation': 'unknown', 'http.response.status_code': 401 },
    ])
    expect(pointValue(metric, { 'scim.operation': 'unknown', 'http.response.status_code': 401 })).toBe(1)
  })

  it('counts nothing before a request ends', async () => {
    telemetry().startRequest('GET', '/Users').setOperation('users.list')
    expect(await providers.metric('scim.requests')).toBeUndefined()
  })
})

describe('scim.store.duration', () => {
  it('records one measurement in ms per store call, by call and outcome', async () => {
    const request = telemetry().startRequest('PUT', '/Users/:id')
    await request.storeCall('userStore.get', async () => 1)
    await request.storeCall('userStore.get', async () => 2)
    await request.storeCall('userStore.replace', () => Promise.reject(new Error('conflict'))).catch(() => {})
    request.end(409, 'uniqueness')
    const metric = await providers.metric('scim.store.duration')
    expect(metric?.descriptor.unit).toBe('ms')
    const ok = pointValue<HistogramValue>(metric, { 'scim.store.call': 'userStore.get', outcome: 'ok' })
    const failed = pointValue<HistogramValue>(metric, {
      'scim.store.call': 'userStore.replace',
      outcome: 'error',
    })
    expect(ok?.count).toBe(2)
    expect(failed?.count).toBe(1)
    expect(ok?.min).toBeGreaterThanOrEqual(0)
    expect(pointAttributes(metric)).toHaveLength(2)
  })
})

describe('scim.compare_and_swap.retries', () => {
  it('counts retries by resource type', async () => {
    const t = telemetry()
    const first = t.startRequest('PATCH', '/Users/:id')
    first.retried('User')
    first.retried('User')
    first.end(200)
    const second = t.startRequest('PATCH', '/Groups/:id')
    second.retried('Group')
    second.end(503)
    const metric = await providers.metric('scim.compare_and_swap.retries')
    expect(pointValue(metric, { 'scim.resource_type': 'User' })).toBe(2)
    expect(pointValue(metric, { 'scim.resource_type': 'Group' })).toBe(1)
  })
})

it("records metrics under the meter 'express-scim' with the package version", async () => {
  telemetry().startRequest('GET', '/Users').end(200)
  expect(await providers.scopes()).toEqual([{ name: 'express-scim', version: '1.2.3' }])
})
