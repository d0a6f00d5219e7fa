// A per-tenant rate limit in front of the SCIM router (express-rate-limit): over the limit, a SCIM 429 error with Retry-After; with a Redis store, every replica counts against one budget.
import type { IncomingMessage } from 'node:http'
import type { NextFunction, Request, RequestHandler, Response } from 'express'
import { rateLimit, type Store } from 'express-rate-limit'
import { type RedisReply, RedisStore } from 'rate-limit-redis'
import { createClient } from 'redis'

/** How the SCIM rate limit counts. */
export interface ScimRateLimitOptions {
  /** Requests a tenant may make in one window: a positive integer. */
  readonly limit: number
  /** The window, in milliseconds: a positive integer of at most 2^31 − 1 (about 24 days). */
  readonly windowMs: number
  /**
   * Where the counts live. Default: express-rate-limit's memory store, one count per process. Give a
   * shared store (`redisRateLimitStore`) when several replicas serve the same tenants.
   */
  readonly store?: Store
  /**
   * The tenant a request is made for, or undefined when its credentials name none. The host resolves
   * the bearer token through its own token table (which caches valid tokens, so this costs no query
   * per request).
   */
  readonly tenantOf: (request: IncomingMessage) => Promise<string | undefined> | string | undefined
}

const ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error'
/** setTimeout's bound, which express-rate-limit's memory store schedules with. */
const MAX_WINDOW_MS = 2 ** 31 - 1
/** Where express-rate-limit puts a request's count: its own name, apart from any other limiter's. */
const PROPERTY = 'scimRateLimit'

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error))
const isPositiveInteger = (value: unknown): value is number =>
  typeof value === 'number' && Number.isSafeInteger(value) && value > 0

/** Seconds until the window ends, at least 1: `Retry-After: 0` would invite an immediate retry. RFC 9110 §10.2.3. */
function secondsUntil(resetTime: Date | undefined, windowMs: number): number {
  const ms = resetTime ? resetTime.getTime() - Date.now() : windowMs
  return Math.max(1, Math.ceil(ms / 1000))
}

/**
 * Express middleware that limits each tenant to `limit` SCIM requests per `windowMs`; mount it before
 * the SCIM router. Over the limit it answers 429 (RFC 6585 §4) with a SCIM error body (RFC 7644 §3.12),
 * `Retry-After` in seconds and the `RateLimit`/`RateLimit-Policy` headers (IETF draft 8).
 *
 * A request whose credentials name no tenant is not counted: it passes to the router, whose own
 * authentication answers 401. Counting it by client address instead would put unrelated IdPs in one
 * bucket (cloud IdPs send from shared address pools, and behind a load balancer every request has the
 * balancer's address), so one tenant's misconfigured IdP could throttle another's; and a limit on
 * unauthenticated traffic belongs at the edge, before any token lookup. Nor is there anything to guess:
 * tokens are 256-bit random strings.
 *
 * When the store fails (Redis down or hung), requests pass uncounted and the failure is logged once, and
 * once more when the store answers again. This limit protects the host from a runaway sync; an IdP
 * refused while the host itself is healthy would mark its changes failed and hold them for a later cycle,
 * so refusing everything (failing closed) would turn a Redis outage into a provisioning outage, which is
 * worse than a few minutes without a limit. express-rate-limit's `passOnStoreError` does exactly this.
 */
export function scimRateLimit(options: ScimRateLimitOptions): RequestHandler {
  if (typeof options !== 'object' || options === null) throw new TypeError('scimRateLimit needs options')
  const { limit, windowMs, store, tenantOf } = options
  if (!isPositiveInteger(limit)) throw new TypeError('scimRateLimit: limit must be a positive integer')
  if (!isPositiveInteger(windowMs) || windowMs > MAX_WINDOW_MS) {
    throw new TypeError(`scimRateLimit: windowMs must be a positive integer of at most ${MAX_WINDOW_MS}`)
  }
  if (typeof tenantOf !== 'function') throw new TypeError('scimRateLimit: tenantOf must be a function')
  if (store !== undefined && (typeof store !== 'object' || typeof store?.increment !== 'function')) {
    throw new TypeError('scimRateLimit: store must be an express-rate-limit Store')
  }

  // The tenant found by `skip`, for `keyGenerator` (express-rate-limit calls them in that order).
  const tenants = new WeakMap<IncomingMessage, string>()
  let storeFailing = false
  const storeAnswered = () => {
    if (!storeFailing) return
    storeFailing = false
    console.warn('SCIM rate limit: its store answers again; requests are counted again')
  }

  const limiter = rateLimit({
    limit,
    windowMs,
    ...(store ? { store } : {}),
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    requestPropertyName: PROPERTY,
    passOnStoreError: true,
    skip: async (request) => {
      let tenant: string | undefined
      try {
        tenant = await tenantOf(request)
      } catch {
        // A token table that cannot be read (database down): the router asks it again and answers 503.
        return true
      }
      if (typeof tenant !== 'string' || tenant === '') return true
      tenants.set(request, tenant)
      return false
    },
    keyGenerator: (request) => tenants.get(request) ?? '',
    retryAfter: (request) =>
      secondsUntil(
        (request as unknown as Record<string, { resetTime?: Date }>)[PROPERTY]?.resetTime,
        windowMs,
      ),
    handler: (_request: Request, response: Response) => {
      storeAnswered()
      // express-rate-limit has set Retry-After (standardHeaders is on); this keeps it whatever changes there.
      if (!response.hasHeader('Retry-After'))
        response.setHeader('Retry-After', String(secondsUntil(undefined, windowMs)))
      const body = JSON.stringify({ schemas: [ERROR_SCHEMA], status: '429', detail: 'Too many requests' })
      response.status(429)
      response.setHeader('Content-Type', 'application/scim+json; charset=utf-8')
      response.setHeader('Content-Length', Buffer.byteLength(body))
      response.end(body)
    },
    logger: {
      // Store failures (every message of them names the store) are logged once per outage, not per request.
      error: (error, message) => {
        if (message?.includes('store')) {
          if (storeFailing) return
          storeFailing = true
          console.error(
            'SCIM rate limit: its store failed (%s); requests pass uncounted until it answers',
            messageOf(error),
          )
        } else console.error('SCIM rate limit: %s', messageOf(error))
      },
      warn: (error) => console.warn('SCIM rate limit: %s', messageOf(error)),
    },
  })

  return (request: Request, response: Response, next: NextFunction) => {
    void limiter(request, response, (error?: unknown) => {
      // Counted (the count is on the request): the store works, again if it had failed.
      if (error === undefined && (request as unknown as Record<string, unknown>)[PROPERTY] !== undefined)
        storeAnswered()
      next(error)
    })
  }
}

/** How long a Redis command may take: a Redis that hangs must not hold provisioning (the request then passes uncounted). */
const REDIS_COMMAND_TIMEOUT_MS = 1_000
/** The longest pause between reconnection attempts. */
const REDIS_MAX_BACKOFF_MS = 5_000

/** Rejects when `promise` has not settled in `ms`; the timer never holds the process open. */
function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Redis did not answer within ${ms} ms`)), ms)
    timer.unref()
  })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}

/** A rate-limit store in Redis and how to let go of its connection. */
export interface RedisRateLimitStore {
  readonly store: Store
  /** Closes the Redis connection (after its pending commands); safe to call twice. */
  close(): Promise<void>
}

/**
 * Connects to the Redis at `url` and returns a rate-limit store there (rate-limit-redis over the `redis`
 * client), whose counts every replica using the same `url` and `prefix` shares. The count and its expiry
 * are set by one Lua script, so concurrent replicas never lose an increment.
 *
 * Rejects when Redis does not answer now, so a wrong URL stops the start-up. Later outages fail open (see
 * `scimRateLimit`): commands are not queued while the connection is down and time out after 1 s, so a
 * request waits for Redis at most that long; the client reconnects by itself. One store per limiter
 * (express-rate-limit refuses a store shared by two).
 */
export async function redisRateLimitStore(
  url: string,
  prefix = 'scim-rate-limit:',
): Promise<RedisRateLimitStore> {
  if (typeof url !== 'string' || url === '')
    throw new TypeError('redisRateLimitStore: url must be a Redis URL')
  if (typeof prefix !== 'string' || prefix === '') {
    throw new TypeError('redisRateLimitStore: prefix must be a non-empty string')
  }
  let connected = false
  let failing = false
  const client = createClient({
    url,
    // A command sent while the connection is down fails at once instead of waiting for a reconnection.
    disableOfflineQueue: true,
    socket: {
      connectTimeout: 5_000,
      // Before the first connection, give up (the caller learns Redis is not there); after it, retry with backoff.
      // (`false` rather than the cause: node-redis tells an Error by `instanceof`, which fails across realms.)
      reconnectStrategy: (retries) =>
        connected ? Math.min(100 * 2 ** retries, REDIS_MAX_BACKOFF_MS) : false,
    },
  })
  // Without a listener an 'error' event would end the process; the URL is never logged (it may hold a password).
  client.on('error', (error: unknown) => {
    if (!connected || failing) return
    failing = true
    console.error('rate limit: lost its Redis connection (%s); reconnecting', messageOf(error))
  })
  client.on('ready', () => {
    if (!failing) return
    failing = false
    console.warn('rate limit: reconnected to Redis')
  })
  try {
    await client.connect()
  } catch (error) {
    throw new Error(`the rate limit's Redis did not answer: ${messageOf(error)}`)
  }
  connected = true
  const store = new RedisStore({
    prefix,
    sendCommand: (...args: string[]) =>
      withTimeout(client.sendCommand(args) as Promise<RedisReply>, REDIS_COMMAND_TIMEOUT_MS),
  })
  return {
    store,
    close: async () => {
      if (!client.isOpen) return
      // Reconnecting: nothing pending can complete, so drop the connection rather than wait.
      if (client.isReady) await client.close()
      else client.destroy()
    },
  }
}

/** The host's SCIM rate limit as the environment sets it, for `index.ts`. */
export interface ScimRateLimitSetting {
  /** `HostOptions.scimRateLimit`. */
  readonly option: { readonly limit: number; readonly windowMs: number; readonly store?: Store }
  /** The start-up line that says how the limit counts. */
  readonly line: string
  /** Closes the Redis connection, if any. */
  close(): Promise<void>
}

/**
 * `SCIM_RATE_LIMIT` (SCIM requests a minute per tenant) and `REDIS_URL` (where the counts live, shared
 * by every replica; without it each process counts its own). Undefined when `SCIM_RATE_LIMIT` is unset;
 * throws on a value that is not a positive whole number, and when Redis does not answer.
 */
export async function scimRateLimitFromEnv(
  env: NodeJS.ProcessEnv,
): Promise<ScimRateLimitSetting | undefined> {
  const value = env.SCIM_RATE_LIMIT
  if (value === undefined || value === '') return undefined
  if (!/^[1-9][0-9]{0,8}$/.test(value)) {
    throw new Error(
      'SCIM_RATE_LIMIT must be a positive whole number of SCIM requests a minute per tenant, e.g. 600',
    )
  }
  const limit = Number(value)
  const counted = `Limit:  ${limit} SCIM requests a minute per tenant`
  if (!env.REDIS_URL) {
    return {
      option: { limit, windowMs: 60_000 },
      line: `${counted}, counted in this process (each replica counts its own; set REDIS_URL to share them)`,
      close: async () => {},
    }
  }
  const redis = await redisRateLimitStore(env.REDIS_URL)
  return {
    option: { limit, windowMs: 60_000, store: redis.store },
    line: `${counted}, counted in Redis (REDIS_URL), shared by every replica`,
    close: redis.close,
  }
}
