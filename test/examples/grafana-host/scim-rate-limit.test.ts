// The per-tenant SCIM rate limit: a SCIM 429 with Retry-After, other tenants and unknown tokens untouched, failing open; two replicas sharing one budget in Redis; and the grafana-host limiting /scim/Users.
import { randomBytes } from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import { afterAll, afterEach, beforeAll, describe, expect, it, jest } from '@jest/globals'
import express from 'express'
import type { ClientRateLimitInfo, Options, Store } from 'express-rate-limit'
import { createClient } from 'redis'
import request from 'supertest'
import { createGrafanaHost, type GrafanaHost } from '../../../examples/grafana-host/app'
import {
  type RedisRateLimitStore,
  redisRateLimitStore,
  type ScimRateLimitOptions,
  scimRateLimit,
  scimRateLimitFromEnv,
} from '../../../examples/grafana-host/scim-rate-limit'
import { freePort } from '../../helpers/free-port'
import { type HostDatabase, openHostPglite } from '../../helpers/host-db'

const redisUrl = process.env.EXPRESS_SCIM_TEST_REDIS_URL
if (!redisUrl) {
  console.warn(
    'EXPRESS_SCIM_TEST_REDIS_URL is not set: the SCIM rate limit tests against Redis (replicas sharing one budget) were skipped',
  )
}

const TOO_MANY = {
  schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'],
  status: '429',
  detail: 'Too many requests',
}
const TENANT_OF_TOKEN: Readonly<Record<string, string>> = { 'token-a': 'tenant-a', 'token-b': 'tenant-b' }

/** The stub's tenant lookup: the bearer token's tenant, undefined for any other token. */
const tenantOf = (request: IncomingMessage) =>
  TENANT_OF_TOKEN[(request.headers.authorization ?? '').replace(/^Bearer /, '')]

/** The limit in front of a stub that answers 200 for a known token and 401 otherwise, as the router would. */
function stubApp(options: Partial<ScimRateLimitOptions> & { limit: number }) {
  const app = express()
  app.use('/scim', scimRateLimit({ windowMs: 60_000, tenantOf, ...options }), (request, response) => {
    const tenant = tenantOf(request)
    if (tenant) response.status(200).json({ tenant })
    else response.status(401).json({ status: '401' })
  })
  return app
}

const get = (app: express.Express, token: string) =>
  request(app).get('/scim/Users').set('Authorization', `Bearer ${token}`)

/** Asserts a response is the SCIM 429 with a Retry-After in seconds, within the window. */
function expectTooMany(response: request.Response, windowSeconds: number) {
  expect(response.status).toBe(429)
  expect(response.headers['content-type']).toBe('application/scim+json; charset=utf-8')
  expect(JSON.parse(response.text)).toEqual(TOO_MANY)
  expect(response.headers['retry-after']).toMatch(/^[1-9][0-9]*$/)
  expect(Number(response.headers['retry-after'])).toBeLessThanOrEqual(windowSeconds)
}

/** A store that counts in memory and fails while `failing` is set, as a Redis that is down does. */
class SwitchableStore implements Store {
  failing = false
  readonly localKeys = true
  readonly #hits = new Map<string, number>()
  #windowMs = 60_000
  init(options: Options): void {
    this.#windowMs = options.windowMs
  }
  async increment(key: string): Promise<ClientRateLimitInfo> {
    if (this.failing) throw new Error('connection refused')
    const totalHits = (this.#hits.get(key) ?? 0) + 1
    this.#hits.set(key, totalHits)
    return { totalHits, resetTime: new Date(Date.now() + this.#windowMs) }
  }
  async decrement(key: string): Promise<void> {
    this.#hits.set(key, Math.max(0, (this.#hits.get(key) ?? 0) - 1))
  }
  async resetKey(key: string): Promise<void> {
    this.#hits.delete(key)
  }
}

describe('scimRateLimit', () => {
  afterEach(() => {
    jest.restoreAllMocks()
  })

  it('answers a SCIM 429 with Retry-After once a tenant has used its limit, and only for that tenant', async () => {
    const app = stubApp({ limit: 3 })
    for (let i = 0; i < 3; i++) {
      const response = await get(app, 'token-a')
      expect(response.status).toBe(200)
      expect(response.headers['ratelimit-policy']).toMatch(/q=3; w=60/)
      expect(response.headers['retry-after']).toBeUndefined()
    }
    expectTooMany(await get(app, 'token-a'), 60)
    expectTooMany(await get(app, 'token-a'), 60)
    // No legacy X-RateLimit-* headers, the draft-8 ones only.
    expect((await get(app, 'token-a')).headers['x-ratelimit-limit']).toBeUndefined()
    for (let i = 0; i < 3; i++) expect((await get(app, 'token-b')).status).toBe(200)
    expectTooMany(await get(app, 'token-b'), 60)
  })

  it('counts no request whose token names no tenant: the router answers it 401, and no tenant pays for it', async () => {
    const app = stubApp({ limit: 2 })
    for (let i = 0; i < 5; i++) {
      const response = await get(app, 'not-a-token')
      expect(response.status).toBe(401)
      expect(response.headers.ratelimit).toBeUndefined()
    }
    expect((await get(app, 'token-a')).status).toBe(200)
    expect((await get(app, 'token-a')).status).toBe(200)
    expectTooMany(await get(app, 'token-a'), 60)
    expect((await get(app, 'not-a-token')).status).toBe(401)
  })

  it('lets a request through uncounted when its tenant cannot be looked up', async () => {
    const app = express()
    app.use(
      scimRateLimit({
        limit: 1,
        windowMs: 60_000,
        tenantOf: async () => {
          throw new Error('database unavailable')
        },
      }),
      (_request, response) => response.status(503).end(),
    )
    for (let i = 0; i < 3; i++) expect((await request(app).get('/')).status).toBe(503)
  })

  it('fails open while its store fails, logs that once per outage, and counts again when the store is back', async () => {
    const errors = jest.spyOn(console, 'error').mockImplementation(() => {})
    const warnings = jest.spyOn(console, 'warn').mockImplementation(() => {})
    const store = new SwitchableStore()
    const app = stubApp({ limit: 2, store })
    store.failing = true
    for (let i = 0; i < 4; i++) {
      const response = await get(app, 'token-a')
      expect(response.status).toBe(200)
      expect(response.headers.ratelimit).toBeUndefined()
    }
    expect(errors).toHaveBeenCalledTimes(1)
    expect(String(errors.mock.calls[0]![0])).toContain('requests pass uncounted')
    store.failing = false
    expect((await get(app, 'token-a')).headers.ratelimit).toMatch(/r=1/)
    expect(warnings).toHaveBeenCalledTimes(1)
    expect((await get(app, 'token-a')).status).toBe(200)
    expectTooMany(await get(app, 'token-a'), 60)
    store.failing = true
    expect((await get(app, 'token-a')).status).toBe(200)
    expect(errors).toHaveBeenCalledTimes(2)
  })

  it('refuses bad options with a TypeError', () => {
    const good: ScimRateLimitOptions = { limit: 10, windowMs: 60_000, tenantOf }
    const bad: unknown[] = [
      undefined,
      { ...good, limit: 0 },
      { ...good, limit: -1 },
      { ...good, limit: 1.5 },
      { ...good, limit: Number.NaN },
      { ...good, limit: '10' },
      { ...good, windowMs: 0 },
      { ...good, windowMs: 2 ** 31 },
      { ...good, windowMs: Number.POSITIVE_INFINITY },
      { ...good, tenantOf: undefined },
      { ...good, store: {} },
    ]
    for (const options of bad) {
      expect(() => scimRateLimit(options as ScimRateLimitOptions)).toThrow(TypeError)
    }
    expect(() => scimRateLimit(good)).not.toThrow()
  })

  it('reads SCIM_RATE_LIMIT as requests a minute per tenant, counted per process without REDIS_URL', async () => {
    expect(await scimRateLimitFromEnv({})).toBeUndefined()
    expect(await scimRateLimitFromEnv({ SCIM_RATE_LIMIT: '' })).toBeUndefined()
    for (const value of ['0', '-5', '1.5', 'ten', '600 ', '1e3']) {
      await expect(scimRateLimitFromEnv({ SCIM_RATE_LIMIT: value })).rejects.toThrow(/SCIM_RATE_LIMIT/)
    }
    const setting = await scimRateLimitFromEnv({ SCIM_RATE_LIMIT: '600' })
    expect(setting?.option).toEqual({ limit: 600, windowMs: 60_000 })
    expect(setting?.line).toMatch(/^Limit: +600 SCIM requests a minute per tenant, counted in this process/)
    await setting?.close()
  })

  it('refuses to start on a Redis that does not answer, without printing its URL', async () => {
    const url = `redis://:secret-password@127.0.0.1:${await freePort()}`
    await expect(redisRateLimitStore(url)).rejects.toThrow(/did not answer/)
    await expect(redisRateLimitStore(url)).rejects.not.toThrow(/secret-password/)
    await expect(scimRateLimitFromEnv({ SCIM_RATE_LIMIT: '5', REDIS_URL: url })).rejects.toThrow(
      /did not answer/,
    )
    await expect(redisRateLimitStore('')).rejects.toThrow(TypeError)
  })
})

;(redisUrl ? describe : describe.skip)('scimRateLimit over Redis', () => {
  const prefix = `scim-rate-limit-test:${randomBytes(6).toString('hex')}:`
  const admin = createClient({ url: redisUrl })
  const stores: RedisRateLimitStore[] = []
  const connect = async (keyPrefix = prefix) => {
    const store = await redisRateLimitStore(redisUrl!, keyPrefix)
    stores.push(store)
    return store
  }

  beforeAll(async () => {
    await admin.connect()
  })
  afterAll(async () => {
    for (const store of stores) await store.close()
    const keys: string[] = []
    for await (const batch of admin.scanIterator({ MATCH: `${prefix}*`, COUNT: 100 })) keys.push(...batch)
    if (keys.length > 0) await admin.del(keys)
    await admin.close()
  })

  it('gives two replicas, each with its own connection, one budget: 10 of 12 concurrent requests pass', async () => {
    const replicas = [
      stubApp({ limit: 10, store: (await connect()).store }),
      stubApp({ limit: 10, store: (await connect()).store }),
    ]
    const responses = await Promise.all(
      replicas.flatMap((app) => Array.from({ length: 6 }, () => get(app, 'token-a'))),
    )
    expect(responses.filter((response) => response.status === 200)).toHaveLength(10)
    const refused = responses.filter((response) => response.status === 429)
    expect(refused).toHaveLength(2)
    for (const response of refused) expectTooMany(response, 60)
    // The count is Redis's, under the prefix and the tenant; another tenant starts from nothing.
    expect(await admin.get(`${prefix}tenant-a`)).toBe('12')
    expect((await get(replicas[0]!, 'token-b')).status).toBe(200)
    expect((await get(replicas[1]!, 'token-b')).status).toBe(200)
    expect(await admin.get(`${prefix}tenant-b`)).toBe('2')
  })

  it('lets requests through uncounted once its Redis connection is gone', async () => {
    const errors = jest.spyOn(console, 'error').mockImplementation(() => {})
    const redis = await connect(`${prefix}closed:`)
    const app = stubApp({ limit: 1, store: redis.store })
    expect((await get(app, 'token-a')).status).toBe(200)
    await redis.close()
    await redis.close()
    for (let i = 0; i < 3; i++) expect((await get(app, 'token-a')).status).toBe(200)
    expect(errors).toHaveBeenCalledTimes(1)
    errors.mockRestore()
  })

  it('connects from SCIM_RATE_LIMIT and REDIS_URL, sharing the count', async () => {
    const setting = await scimRateLimitFromEnv({ SCIM_RATE_LIMIT: '600', REDIS_URL: redisUrl })
    try {
      expect(setting?.option.limit).toBe(600)
      expect(setting?.option.store).toBeDefined()
      expect(setting?.line).toMatch(/counted in Redis \(REDIS_URL\), shared by every replica$/)
      expect(setting?.line).not.toContain(redisUrl!)
    } finally {
      await setting?.close()
    }
  })
})

describe('the grafana-host with scimRateLimit', () => {
  let database: HostDatabase
  let host: GrafanaHost
  let token: string
  let otherToken: string

  beforeAll(async () => {
    database = await openHostPglite()
    host = createGrafanaHost({
      db: database.db,
      baseUrl: 'http://host.test',
      devIdp: false,
      scimRateLimit: { limit: 3, windowMs: 60_000 },
    })
    token = (await host.tokens.create(host.tenant, 'Test IdP')).token
    otherToken = (await host.tokens.create('other-tenant', 'Other IdP')).token
  })
  afterAll(async () => {
    await database?.close()
  })

  it('answers /scim/Users with a SCIM 429 and Retry-After after the limit, per tenant, and still 401 to a bad token', async () => {
    const users = (bearer: string) =>
      request(host.app).get('/scim/Users').set('Authorization', `Bearer ${bearer}`)
    for (let i = 0; i < 3; i++) expect((await users(token)).status).toBe(200)
    expectTooMany(await users(token), 60)
    expect((await users(otherToken)).status).toBe(200)
    const unknown = await users(`scim_${randomBytes(32).toString('base64url')}`)
    expect(unknown.status).toBe(401)
  })

  it('refuses a sign-in, rather than let a guess through uncounted, when the throttle’s store fails', async () => {
    const failing = {
      increment: async () => {
        throw new Error('store down')
      },
      decrement: async () => undefined,
      resetKey: async () => undefined,
    }
    const guarded = createGrafanaHost({
      db: database.db,
      baseUrl: 'http://host.test',
      devIdp: false,
      loginRateLimitStore: failing,
    })
    const errors = jest.spyOn(console, 'error').mockImplementation(() => undefined)
    try {
      const answer = await request(guarded.app)
        .post('/login')
        .type('form')
        .send({ login: 'admin', password: 'x' })
      expect(answer.status).toBe(500)
      expect(answer.headers['set-cookie']).toBeUndefined()
    } finally {
      errors.mockRestore()
    }
  })
})

;(redisUrl ? describe : describe.skip)('the grafana-host sign-in throttle over Redis', () => {
  const prefix = `grafana-host-login-test:${randomBytes(6).toString('hex')}:`
  const stores: RedisRateLimitStore[] = []
  const hosts: GrafanaHost[] = []
  let database: HostDatabase
  beforeAll(async () => {
    database = await openHostPglite()
    // Two replicas of one host: each its own app and its own Redis connection, one prefix.
    for (let i = 0; i < 2; i += 1) {
      const store = await redisRateLimitStore(redisUrl!, prefix)
      stores.push(store)
      hosts.push(
        createGrafanaHost({
          db: database.db,
          baseUrl: 'http://host.test',
          devIdp: false,
          loginRateLimitStore: store.store,
        }),
      )
    }
  })
  afterAll(async () => {
    const admin = createClient({ url: redisUrl })
    await admin.connect()
    const keys: string[] = []
    for await (const batch of admin.scanIterator({ MATCH: `${prefix}*`, COUNT: 100 })) keys.push(...batch)
    if (keys.length > 0) await admin.del(keys)
    await admin.close()
    for (const store of stores) await store.close()
    await database?.close()
  })

  it('counts failed passwords once for every replica: 10 in 15 minutes, then 429 at either', async () => {
    const attempt = (host: GrafanaHost) =>
      request(host.app).post('/login').type('form').send({ login: 'admin', password: 'wrong' })
    const statuses: number[] = []
    for (let i = 0; i < 12; i += 1) statuses.push((await attempt(hosts[i % 2]!)).status)
    expect(statuses).toEqual([...Array(10).fill(401), 429, 429])
  })
})
