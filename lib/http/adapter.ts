// The HTTP adapter: reads a Node request into a transport-free SCIM request (authenticated, routed, body read and limited once), runs its operation, and writes the response value or the SCIM error.
import { randomBytes } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Principal } from '../../types/stores'
import { settingsFor } from '../auth/tenant-settings'
import { withoutVersionSegment } from '../dialect'
import { isScimError, responseHeadersOf, scimError, withResponseHeaders } from '../errors'
import type { StoreGateway } from '../gateway'
import { errorClass, logAuth, logRequest, logStore } from '../log'
import type { Configuration } from '../options'
import { pathSegments } from '../resources/path-segments'
import { isSelfService, NO_QUERY, type ScimRequest } from '../resources/request'
import type { RouteEntry, RouteMatch, RouteTable } from '../resources/routes'
import type { Telemetry } from '../telemetry'
import { baseUrlOf } from './base-url'
import { readJsonObject } from './body'
import { refuseUnreadBody } from './drain'
import { sendError, sendResponse } from './respond'

/** What one router answers with: built once at construction. */
export interface RouterParts {
  readonly config: Configuration
  readonly routes: RouteTable
  readonly gateway: StoreGateway
  readonly telemetry: Telemetry
  /** Names requests that arrive without a usable `X-Request-Id`. */
  readonly requestIds: RequestIds
}

const SAFE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/

/**
 * Request ids for one router: a random 48-bit prefix drawn once, then a counter. Unique within the
 * router's life, and across processes and restarts as long as two prefixes do not collide (about one
 * chance in 5 million among 10,000 routers), at a fraction of a UUID's cost per request (0.6 KB of
 * garbage). They name log lines and spans; nothing trusts them, so they need not be unpredictable.
 */
export class RequestIds {
  readonly #prefix = randomBytes(6).toString('hex')
  #next = 0

  /** The client's `X-Request-Id` (from the request's headers) when it is safe to log, else the router's next id. */
  of(headers: IncomingMessage['headers']): string {
    const given = headers['x-request-id']
    if (typeof given === 'string' && SAFE_REQUEST_ID.test(given)) return given
    this.#next = this.#next === Number.MAX_SAFE_INTEGER ? 1 : this.#next + 1
    return `${this.#prefix}-${this.#next.toString(36)}`
  }
}

function authenticateThrew(error: unknown, requestId: string): never {
  // A 503 the host threw on purpose (its token store is unavailable: `withSqlErrors` makes one) goes
  // out as it is, with its Retry-After, so the IdP retries; anything else says nothing.
  if (isScimError(error) && error.status === 503) throw error
  logAuth('authenticate threw (%s)', requestId)
  throw scimError(500, undefined, 'Authentication failed')
}

function checkedPrincipal(principal: Principal | undefined | null, requestId: string): Principal {
  if (!principal) {
    logAuth('no valid credentials (%s)', requestId)
    throw scimError(401, undefined, 'Authentication is required: send a valid bearer token')
  }
  if (typeof principal.tenant !== 'string' || principal.tenant === '') {
    logAuth('authenticate returned a principal without a tenant (%s)', requestId)
    throw scimError(500, undefined, 'Authentication returned no tenant')
  }
  return principal
}

/**
 * The principal `authenticate` vouches for, or the 401 / 500 that ends the request. A synchronous
 * `authenticate` (static tokens) is answered synchronously: awaiting a plain value would still cost the
 * request a turn of the event loop and an async frame.
 */
function authenticated(
  config: Configuration,
  request: IncomingMessage,
  requestId: string,
): Principal | Promise<Principal> {
  let given: ReturnType<Configuration['authenticate']>
  let pending: boolean
  try {
    given = config.authenticate(request)
    // Inside the try: reading `then` runs the host's code too (a getter may throw).
    pending = isThenable(given)
  } catch (error) {
    authenticateThrew(error, requestId)
  }
  if (pending) {
    return Promise.resolve(given).then(
      (principal) => checkedPrincipal(principal, requestId),
      (error) => authenticateThrew(error, requestId),
    )
  }
  return checkedPrincipal(given as Principal | undefined | null, requestId)
}

function isThenable<T>(value: T | PromiseLike<T>): value is PromiseLike<T> {
  return typeof (value as { then?: unknown } | null | undefined)?.then === 'function'
}

function headerOf(headers: IncomingMessage['headers'], name: string): string | undefined {
  const value = headers[name]
  return typeof value === 'string' ? value : undefined
}

/** The method's entry in the matched route, or 405 with `Allow`. */
function entryOf(match: RouteMatch, method: string): RouteEntry {
  const entry = match.route.methods[method === 'HEAD' ? 'GET' : method]
  if (entry) return entry
  const error = scimError(405, undefined, `${method} is not allowed on ${match.route.label}`)
  throw withResponseHeaders(error, { Allow: Object.keys(match.route.methods).join(', ') })
}

/** The conditional headers SCIM reads (RFC 7644 §3.14); one shared empty value when there are none. */
function conditionalHeaders(headers: IncomingMessage['headers']): ScimRequest['headers'] {
  const ifMatch = headerOf(headers, 'if-match')
  const ifNoneMatch = headerOf(headers, 'if-none-match')
  if (ifMatch === undefined && ifNoneMatch === undefined) return NO_CONDITIONS
  return {
    ...(ifMatch === undefined ? {} : { ifMatch }),
    ...(ifNoneMatch === undefined ? {} : { ifNoneMatch }),
  }
}

const NO_CONDITIONS: ScimRequest['headers'] = Object.freeze({})

/**
 * Answers one request. Never throws: every failure becomes a SCIM error response. One async frame per
 * request: authentication, settings and the body are awaited only when they are asynchronous.
 */
export async function handleHttp(
  parts: RouterParts,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  const { config } = parts
  // Each property of the request is read once: under Express every request object has a hidden class
  // of its own, so each read of one misses its inline cache and costs a lookup in the runtime.
  const headers = request.headers
  const requestId = parts.requestIds.of(headers)
  const method = (request.method ?? 'GET').toUpperCase()
  const url = request.url ?? '/'
  const mark = url.indexOf('?')
  const decoded = pathSegments(mark < 0 ? url : url.slice(0, mark))
  const { segments, v2 } = withoutVersionSegment(decoded ?? [])
  const match = decoded ? parts.routes.match(segments) : undefined
  const label = match?.route.label ?? '(unmatched)'
  const trace = parts.telemetry.startRequest(method, match ? label : '')
  try {
    // Most requests carry no query (GET by id, every write): they share one empty, read-only set.
    const query = mark < 0 || mark === url.length - 1 ? NO_QUERY : new URLSearchParams(url.slice(mark + 1))
    const given = authenticated(config, request, requestId)
    const principal = given instanceof Promise ? await given : given
    trace.setTenant(principal.tenant)
    if (!match) {
      trace.setOperation('unmatched')
      throw scimError(404, undefined, 'No such endpoint')
    }
    const entry = entryOf(match, method)
    trace.setOperation(entry.operation)
    // A user's own credentials reach /Me and discovery only, never the provisioning endpoints. Fail
    // closed: anything the host set there but `false` confines the principal.
    if (isSelfService(principal) && !entry.selfService) {
      throw scimError(403, undefined, 'These credentials may use /Me only')
    }
    const context = { tenant: principal.tenant, principal, requestId }
    // Static switches (no `settings` provider) need no await: every await costs the request a turn.
    const settings = config.settings ? await settingsFor(config, principal) : config.staticSettings
    const body = entry.body ? await readJsonObject(request, entry.bodyLimit ?? config.bodyLimit) : undefined
    const answer = await entry.run({
      method: method === 'HEAD' ? 'GET' : method,
      route: match.route.label,
      id: match.id,
      query,
      body,
      headers: conditionalHeaders(headers),
      config,
      stores: parts.gateway.forRequest(context, trace),
      context,
      settings,
      baseUrl: baseUrlOf(config.baseUrl, request, v2, headers),
    })
    sendResponse(response, answer)
    trace.end(answer.status)
  } catch (error) {
    const status = isScimError(error) ? error.status : 500
    if (status >= 500) logStore('%s %s failed: %s (%s)', method, label, errorClass(error), requestId)
    const headers: Record<string, string> = { ...responseHeadersOf(error) }
    if (status === 401) headers['WWW-Authenticate'] = 'Bearer realm="SCIM"'
    try {
      // A body refused before it was read in full may still be arriving: answer so that the client can
      // read it, then close the connection. A body read in full (a resource over maxResourceBytes)
      // leaves the connection as good as any other.
      const unread = !request.readableEnded && !request.destroyed
      if ((status === 413 || status === 415) && unread) refuseUnreadBody(request, response, error, headers)
      else sendError(response, error, headers)
    } catch {
      // Nothing may escape the router (its promise is not awaited): a response that cannot be written
      // is cut, so the client is not left waiting.
      response.destroy()
    }
    trace.end(status, isScimError(error) ? error.scimType : undefined)
  } finally {
    if (logRequest.enabled) logRequest('%s %s -> %d (%s)', method, label, response.statusCode, requestId)
  }
}
