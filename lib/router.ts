// createScimRouter(): wiring only. Authenticates, resolves the tenant's settings, routes by path and method, and answers every error in SCIM form.
import { randomUUID } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { ScimRouter, ScimRouterOptions } from '../types/router'
import type { Principal } from '../types/stores'
import { isScimError, scimError } from './errors'
import { refuseUnreadBody } from './http/drain'
import { type ListParameters, listParametersFromSearch } from './http/list-query'
import { sendError, sendJson } from './http/respond'
import { isStorableId } from './ids'
import { isObject } from './json'
import { logAuth, logRequest, logStore } from './log'
import { type Configuration, parseOptions, type ResolvedSettings } from './options'
import { resourceTypes, schemas, serviceProviderConfig } from './resources/discovery'
import { type Exchange, readBody } from './resources/exchange'
import { getGroup, groupPage, listGroups } from './resources/group-reads'
import { createGroup, deleteGroup, patchGroup, replaceGroup } from './resources/groups'
import { checkedFilter, listQuery, listResponseText, pageSize, ResponseBudget } from './resources/lists'
import {
  createUser,
  deleteUser,
  getUser,
  listUsers,
  patchUser,
  replaceUser,
  userPage,
} from './resources/users'

type Handler = (exchange: Exchange) => Promise<void> | void

/** A matched route: a label for logs (never the raw URL, whose query may hold filter values) and handlers by method. */
interface Route {
  readonly label: string
  readonly methods: Readonly<Record<string, Handler>>
}

const SAFE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/

function requestIdOf(request: IncomingMessage): string {
  const given = request.headers['x-request-id']
  return typeof given === 'string' && SAFE_REQUEST_ID.test(given) ? given : randomUUID()
}

/** The first value of a comma-separated forwarding header, trimmed; undefined when absent. */
function firstForwarded(value: string | string[] | undefined): string | undefined {
  return typeof value === 'string' ? value.split(',')[0]!.trim() : undefined
}

/**
 * The absolute URL of the SCIM root the request came through. It goes into every `Location` and
 * `meta.location` (RFC 7644 §3.1), so nothing a client sends may shape it beyond a host name and one of
 * two schemes.
 */
function baseUrlOf(config: Configuration, request: IncomingMessage, v2: boolean): string {
  const suffix = v2 ? '/v2' : ''
  if (config.baseUrl) return config.baseUrl + suffix
  const express = request as IncomingMessage & {
    baseUrl?: string
    app?: { get?: (name: string) => unknown }
  }
  let host = request.headers.host ?? 'localhost'
  let protocol = (request.socket as { encrypted?: boolean }).encrypted === true ? 'https' : 'http'
  // Honour X-Forwarded-* only where Express's `trust proxy` trusts the peer. Express's own
  // `req.protocol` copies X-Forwarded-Proto verbatim (`https://evil.example/x?`, `javascript:`), so the
  // header is read here instead, and anything but http or https leaves the socket's scheme in force.
  const trust = express.app?.get?.('trust proxy fn')
  if (typeof trust === 'function' && trust(request.socket.remoteAddress, 0)) {
    host = firstForwarded(request.headers['x-forwarded-host']) ?? host
    const forwardedProto = firstForwarded(request.headers['x-forwarded-proto'])?.toLowerCase()
    if (forwardedProto === 'http' || forwardedProto === 'https') protocol = forwardedProto
  }
  if (!/^[A-Za-z0-9.\-:[\]]+$/.test(host)) host = 'localhost'
  return `${protocol}://${host}${express.baseUrl ?? ''}${suffix}`
}

function serviceUnavailable(): Error {
  return scimError(503, undefined, 'Provisioning settings are unavailable')
}

/**
 * The settings for this tenant: the static switches, overridden by the dynamic provider. Anything
 * wrong with the provider fails the request closed (503) rather than falling back to the static ones.
 */
async function settingsFor(config: Configuration, principal: Principal): Promise<ResolvedSettings> {
  if (!config.settings) return config.staticSettings
  let dynamic: unknown
  try {
    dynamic = await config.settings(principal.tenant, principal)
  } catch {
    throw serviceUnavailable()
  }
  if (!isObject(dynamic)) throw serviceUnavailable()
  const merged: Record<string, boolean> = { ...config.staticSettings }
  for (const key of Object.keys(config.staticSettings)) {
    const value = dynamic[key]
    if (value === undefined) continue
    if (typeof value !== 'boolean') throw serviceUnavailable()
    merged[key] = value
  }
  const settings = merged as unknown as ResolvedSettings
  if (settings.groupSyncEnabled && settings.teamSyncEnabled) throw serviceUnavailable()
  return settings
}

/** POST /.search: users, then groups, paged as one list. RFC 7644 §3.4.3. */
async function searchAll(exchange: Exchange): Promise<void> {
  const parameters = listParametersFromSearch(await readBody(exchange))
  const types = ['User', 'Group']
  const pages = [userPage, ...(exchange.config.teamStore ? [groupPage] : [])].map((page, index) => ({
    page,
    index,
  }))
  // A filter may name attributes of one type only: that type answers, the other contributes nothing.
  let firstError: unknown
  const usable = pages.filter(({ index }) => {
    if (parameters.filter === undefined) return true
    try {
      checkedFilter(exchange.config, types[index]!, parameters.filter)
      return true
    } catch (error) {
      firstError ??= error
      return false
    }
  })
  if (usable.length === 0) throw firstError
  // Likewise sortBy: a type without the attribute keeps its own order (its resources have no value).
  const sortableFor = (index: number): ListParameters => {
    if (parameters.sortBy === undefined) return parameters
    try {
      listQuery(exchange.config, types[index]!, { ...parameters, filter: undefined } as ListParameters)
      return parameters
    } catch {
      const { sortBy: _, ...rest } = parameters
      return rest
    }
  }
  let remaining = pageSize(exchange.config, parameters)
  // One byte budget for the whole page: groups add nothing once users have filled it.
  const budget = new ResponseBudget(exchange.config.maxResponseBytes)
  let skipped = 0
  let totalResults = 0
  const resources: string[] = []
  for (const { page, index } of usable) {
    const startIndex = Math.max(1, parameters.startIndex - skipped)
    const part = await page(exchange, { ...sortableFor(index), startIndex, count: remaining }, budget)
    totalResults += part.totalResults
    skipped += part.totalResults
    resources.push(...part.resources)
    remaining = Math.max(0, remaining - part.resources.length)
  }
  sendJson(exchange.response, 200, listResponseText(totalResults, parameters.startIndex, resources))
}

function notImplemented(): never {
  throw scimError(501, undefined, 'This endpoint is not implemented')
}

/** Routes a path (split, decoded, without the optional /v2) to its handlers. */
function routeOf(config: Configuration, segments: readonly string[]): Route | undefined {
  const [first, second, ...rest] = segments
  if (first === undefined || rest.length > 0) return undefined
  const name = first.toLowerCase()
  if (name === 'users' || (name === 'groups' && config.teamStore)) {
    const users = name === 'users'
    const type = users ? 'Users' : 'Groups'
    if (second === undefined) {
      return {
        label: `/${type}`,
        methods: users
          ? { GET: (x) => listUsers(x), POST: createUser }
          : { GET: (x) => listGroups(x), POST: createGroup },
      }
    }
    if (second === '.search') {
      return {
        label: `/${type}/.search`,
        methods: {
          POST: async (x) => {
            const parameters = listParametersFromSearch(await readBody(x))
            return users ? listUsers(x, parameters) : listGroups(x, parameters)
          },
        },
      }
    }
    const id = second
    if (!isStorableId(id)) {
      // No store issued it (U+0000, which no PostgreSQL text column holds, or absurd length): it names
      // nothing, so every method answers 404 before any store call could fail on it.
      const missing = () => {
        throw scimError(404, undefined, `${users ? 'User' : 'Group'} not found`)
      }
      return {
        label: `/${type}/:id`,
        methods: { GET: missing, PUT: missing, PATCH: missing, DELETE: missing },
      }
    }
    return {
      label: `/${type}/:id`,
      methods: users
        ? {
            GET: (x) => getUser(x, id),
            PUT: (x) => replaceUser(x, id),
            PATCH: (x) => patchUser(x, id),
            DELETE: (x) => deleteUser(x, id),
          }
        : {
            GET: (x) => getGroup(x, id),
            PUT: (x) => replaceGroup(x, id),
            PATCH: (x) => patchGroup(x, id),
            DELETE: (x) => deleteGroup(x, id),
          },
    }
  }
  if (second === undefined && name === '.search') return { label: '/.search', methods: { POST: searchAll } }
  if (second === undefined && name === 'serviceproviderconfig') {
    return { label: '/ServiceProviderConfig', methods: { GET: serviceProviderConfig } }
  }
  if (name === 'resourcetypes') {
    return { label: '/ResourceTypes', methods: { GET: (x) => resourceTypes(x, second) } }
  }
  if (name === 'schemas') return { label: '/Schemas', methods: { GET: (x) => schemas(x, second) } }
  // RFC 7644 §3.11 (/Me) and §3.7 (/Bulk): not built yet, and discovery says so.
  if (name === 'me' || (name === 'bulk' && second === undefined)) {
    return {
      label: `/${first}`,
      methods: {
        GET: notImplemented,
        POST: notImplemented,
        PUT: notImplemented,
        PATCH: notImplemented,
        DELETE: notImplemented,
      },
    }
  }
  return undefined
}

/** Splits and decodes the path; undefined when it cannot be decoded. */
function pathSegments(pathname: string): string[] | undefined {
  try {
    return pathname
      .split('/')
      .filter((segment) => segment !== '')
      .map((segment) => decodeURIComponent(segment))
  } catch {
    return undefined
  }
}

async function handle(
  config: Configuration,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  const requestId = requestIdOf(request)
  const method = (request.method ?? 'GET').toUpperCase()
  let label = '(unmatched)'
  try {
    const url = request.url ?? '/'
    const mark = url.indexOf('?')
    const segments = pathSegments(mark < 0 ? url : url.slice(0, mark))
    const query = new URLSearchParams(mark < 0 ? '' : url.slice(mark + 1))
    let v2 = false
    if (segments && segments[0]?.toLowerCase() === 'v2') {
      v2 = true
      segments.shift()
    }

    let principal: Principal | undefined | null
    try {
      principal = await config.authenticate(request)
    } catch {
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

    const route = segments ? routeOf(config, segments) : undefined
    if (!route) throw scimError(404, undefined, 'No such endpoint')
    label = route.label
    const handler = route.methods[method === 'HEAD' ? 'GET' : method]
    if (!handler) {
      response.setHeader('Allow', Object.keys(route.methods).join(', '))
      throw scimError(405, undefined, `${method} is not allowed on ${route.label}`)
    }
    const settings = await settingsFor(config, principal)
    await handler({
      request,
      response,
      config,
      context: { tenant: principal.tenant, principal, requestId },
      settings,
      query,
      baseUrl: baseUrlOf(config, request, v2),
    })
  } catch (error) {
    const status = isScimError(error) ? error.status : 500
    if (status >= 500)
      logStore('%s %s failed: %s (%s)', method, label, (error as Error)?.name ?? 'error', requestId)
    const headers: Record<string, string> = {}
    if (status === 401) headers['WWW-Authenticate'] = 'Bearer realm="SCIM"'
    // A body refused before it was read in full may still be arriving: answer so that the client can
    // read it, then close the connection. A body read in full (a resource over maxResourceBytes) leaves
    // the connection as good as any other.
    const unread = !request.readableEnded && !request.destroyed
    if ((status === 413 || status === 415) && unread) refuseUnreadBody(request, response, error, headers)
    else sendError(response, error, headers)
  } finally {
    logRequest('%s %s -> %d (%s)', method, label, response.statusCode, requestId)
  }
}

/**
 * Creates the SCIM router a host mounts with `app.use('/scim', createScimRouter(options))`. Options are
 * checked here, once: a bad option throws a `TypeError`. The router answers every request under its
 * mount path (and under `/v2` below it) with SCIM responses and errors; it keeps no state outside
 * itself, so two routers in one process never see each other.
 */
export function createScimRouter(options: ScimRouterOptions): ScimRouter {
  const config = parseOptions(options)
  return function scimRouter(request: IncomingMessage, response: ServerResponse): void {
    void handle(config, request, response)
  }
}
