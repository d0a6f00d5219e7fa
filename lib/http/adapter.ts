// The HTTP adapter: reads a Node request into a transport-free SCIM request (authenticated, routed, body read and limited once), runs its operation, and writes the response value or the SCIM error.
import { randomUUID } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Principal } from '../../types/stores'
import { settingsFor } from '../auth/tenant-settings'
import { withoutVersionSegment } from '../dialect'
import { isScimError, responseHeadersOf, scimError, withResponseHeaders } from '../errors'
import type { StoreGateway } from '../gateway'
import { errorClass, logAuth, logRequest, logStore } from '../log'
import type { Configuration } from '../options'
import type { ScimRequest } from '../resources/request'
import type { RouteMatch, RouteTable } from '../resources/routes'
import type { RequestTrace, Telemetry } from '../telemetry'
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
}

const SAFE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/

function requestIdOf(request: IncomingMessage): string {
  const given = request.headers['x-request-id']
  return typeof given === 'string' && SAFE_REQUEST_ID.test(given) ? given : randomUUID()
}

/** Splits and decodes the path; undefined when it cannot be decoded. */
function pathSegments(pathname: string): string[] | undefined {
  const segments: string[] = []
  for (const segment of pathname.split('/')) {
    if (segment === '') continue
    // Only a segment with an escape needs decoding (and can fail to decode).
    if (!segment.includes('%')) segments.push(segment)
    else {
      try {
        segments.push(decodeURIComponent(segment))
      } catch {
        return undefined
      }
    }
  }
  return segments
}

/** The principal `authenticate` vouches for, or the 401 / 500 that ends the request. */
async function authenticated(
  config: Configuration,
  request: IncomingMessage,
  requestId: string,
): Promise<Principal> {
  let principal: Principal | undefined | null
  try {
    principal = await config.authenticate(request)
  } catch (error) {
    // A 503 the host threw on purpose (its token store is unavailable: `withSqlErrors` makes one) goes
    // out as it is, with its Retry-After, so the IdP retries; anything else says nothing.
    if (isScimError(error) && error.status === 503) throw error
    logAuth('authenticate threw (%s)', requestId)
    throw scimError(500, undefined, 'Authentication failed')
  }
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

function headerOf(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name]
  return typeof value === 'string' ? value : undefined
}

/** One authenticated, routed request, as the adapter holds it before the operation runs. */
interface Routed {
  readonly request: IncomingMessage
  readonly response: ServerResponse
  readonly match: RouteMatch
  readonly method: string
  /** The request came through `/v2`. */
  readonly v2: boolean
  readonly query: URLSearchParams
  readonly principal: Principal
  readonly requestId: string
  readonly trace: RequestTrace
}

/** Runs the matched operation for an authenticated request: settings, body, then the operation. */
async function run(parts: RouterParts, routed: Routed): Promise<number> {
  const { config } = parts
  const { request, response, match, method, v2, query, principal, requestId, trace } = routed
  const entry = match.route.methods[method === 'HEAD' ? 'GET' : method]
  if (!entry) {
    const error = scimError(405, undefined, `${method} is not allowed on ${match.route.label}`)
    throw withResponseHeaders(error, { Allow: Object.keys(match.route.methods).join(', ') })
  }
  trace.setOperation(entry.operation)
  const context = { tenant: principal.tenant, principal, requestId }
  // Static switches (no `settings` provider) need no await: every await costs the request a turn.
  const settings = config.settings ? await settingsFor(config, principal) : config.staticSettings
  const body = entry.body ? await readJsonObject(request, config.bodyLimit) : undefined
  const ifMatch = headerOf(request, 'if-match')
  const ifNoneMatch = headerOf(request, 'if-none-match')
  const scimRequest: ScimRequest = {
    method: method === 'HEAD' ? 'GET' : method,
    route: match.route.label,
    id: match.id,
    query,
    body,
    headers: {
      ...(ifMatch === undefined ? {} : { ifMatch }),
      ...(ifNoneMatch === undefined ? {} : { ifNoneMatch }),
    },
    config,
    stores: parts.gateway.forRequest(context, trace),
    context,
    settings,
    baseUrl: baseUrlOf(config.baseUrl, request, v2),
  }
  const answer = await entry.run(scimRequest)
  sendResponse(response, answer)
  return answer.status
}

/** Answers one request. Never throws: every failure becomes a SCIM error response. */
export async function handleHttp(
  parts: RouterParts,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  const requestId = requestIdOf(request)
  const method = (request.method ?? 'GET').toUpperCase()
  const url = request.url ?? '/'
  const mark = url.indexOf('?')
  const decoded = pathSegments(mark < 0 ? url : url.slice(0, mark))
  const { segments, v2 } = withoutVersionSegment(decoded ?? [])
  const match = decoded ? parts.routes.match(segments) : undefined
  const label = match?.route.label ?? '(unmatched)'
  const trace = parts.telemetry.startRequest(method, match ? label : '')
  try {
    const query = new URLSearchParams(mark < 0 ? '' : url.slice(mark + 1))
    const principal = await authenticated(parts.config, request, requestId)
    trace.setTenant(principal.tenant)
    if (!match) {
      trace.setOperation('unmatched')
      throw scimError(404, undefined, 'No such endpoint')
    }
    const routed = { request, response, match, method, v2, query, principal, requestId, trace }
    const status = await run(parts, routed)
    trace.end(status)
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
