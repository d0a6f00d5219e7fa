// The route table: every SCIM endpoint and method as data, each an operation from a transport-free request to a response value.
import { scimError } from '../errors'
import { isStorableId, isStorableText } from '../ids'
import { locationOf } from '../representation/resources'
import { type BulkLimits, bulkOperation } from './bulk'
import { resourceTypes, schemas, serviceProviderConfig } from './discovery'
import { getGrant, listGrants, searchGrants } from './grant-reads'
import { getGroup, listGroups } from './group-reads'
import { createGroup, deleteGroup, patchGroup, replaceGroup } from './groups'
import { listParametersFromSearch } from './list-query'
import { readBody, type ScimRequest } from './request'
import type { ScimResponse } from './response'
import { searchAll } from './search'
import { createUser, deleteUser, getUser, listUsers, patchUser, replaceUser } from './users'

/** One SCIM operation: a request in, a response value out (or a thrown SCIM error). */
export type Operation = (request: ScimRequest) => Promise<ScimResponse> | ScimResponse

/** One method of one route. */
export interface RouteEntry {
  /** A stable name for logs, spans and metrics, such as `users.get`. */
  readonly operation: string
  /** True when the operation reads a JSON body (the adapter reads and limits it first). */
  readonly body: boolean
  /** True when a self-service principal (`Principal.selfService`) may use it: /Me and discovery only. */
  readonly selfService: boolean
  /** The most bytes its body may have, when not the router's `bodyLimit` (/Bulk: `bulk.maxPayloadSize`). */
  readonly bodyLimit?: number
  readonly run: Operation
}

/** One path: its label (for logs and spans; never the raw URL) and its methods. */
export interface Route {
  readonly label: string
  readonly methods: Readonly<Record<string, RouteEntry>>
}

/** A path matched to its route, with the id segment when the route has one. */
export interface RouteMatch {
  readonly route: Route
  readonly id: string | undefined
}

/** The routes below one first segment: the collection, `/.search`, and `/:id`. */
interface Endpoint {
  readonly collection?: Route
  readonly search?: Route
  readonly item?: Route
  /** The item route for an id no store could have issued: every method 404, no body read. */
  readonly unstorable?: Route
}

function entry(operation: string, run: Operation, body = false, selfService = false): RouteEntry {
  return { operation, run, body, selfService }
}

/**
 * An operation on one resource. An id no store could have issued (U+0000, which no PostgreSQL text
 * column holds, or an absurd length) names nothing: 404 before any store call could fail on it.
 */
function onResource(
  resourceType: 'User' | 'Group' | 'Role' | 'Entitlement',
  run: (request: ScimRequest, id: string) => Promise<ScimResponse>,
): Operation {
  return (request) => {
    const id = request.id
    if (id === undefined || !isStorableId(id)) throw scimError(404, undefined, `${resourceType} not found`)
    return run(request, id)
  }
}

/**
 * The item route for an id no store could have issued: the same methods, each 404 before any store
 * call and without reading the body (the id decides, whatever is sent).
 */
function unstorable(item: Route, resourceType: 'User' | 'Group'): Route {
  const missing = (): never => {
    throw scimError(404, undefined, `${resourceType} not found`)
  }
  const methods = Object.entries(item.methods).map(([method, known]) => [
    method,
    entry(known.operation, missing),
  ])
  return { label: item.label, methods: Object.fromEntries(methods) }
}

function notImplemented(): never {
  throw scimError(501, undefined, 'This endpoint is not implemented')
}

/** /Users or /Groups: collection, search and item routes. RFC 7644 §3.2. */
function resourceEndpoint(endpoint: 'Users' | 'Groups'): Endpoint {
  const users = endpoint === 'Users'
  const type = users ? 'User' : 'Group'
  const name = users ? 'users' : 'groups'
  const list = users ? listUsers : listGroups
  const item: Route = {
    label: `/${endpoint}/:id`,
    methods: {
      GET: entry(`${name}.get`, onResource(type, users ? getUser : getGroup)),
      PUT: entry(`${name}.replace`, onResource(type, users ? replaceUser : replaceGroup), true),
      PATCH: entry(`${name}.patch`, onResource(type, users ? patchUser : patchGroup), true),
      DELETE: entry(`${name}.delete`, onResource(type, users ? deleteUser : deleteGroup)),
    },
  }
  return {
    collection: {
      label: `/${endpoint}`,
      methods: {
        GET: entry(`${name}.list`, (request) => list(request)),
        POST: entry(`${name}.create`, users ? createUser : createGroup, true),
      },
    },
    search: {
      label: `/${endpoint}/.search`,
      methods: {
        POST: entry(
          `${name}.search`,
          (request) => list(request, listParametersFromSearch(readBody(request))),
          true,
        ),
      },
    },
    item,
    unstorable: unstorable(item, type),
  }
}

/**
 * /Roles or /Entitlements: the host's catalogue, read-only (draft-ietf-scim-roles-entitlements defines
 * reads only; the host owns it), so every other method is 405 with `Allow`.
 */
function grantEndpoint(kind: 'Role' | 'Entitlement'): Endpoint {
  const endpoint = kind === 'Role' ? 'Roles' : 'Entitlements'
  const name = kind === 'Role' ? 'roles' : 'entitlements'
  return {
    collection: {
      label: `/${endpoint}`,
      methods: { GET: entry(`${name}.list`, (request) => listGrants(request, kind)) },
    },
    search: {
      label: `/${endpoint}/.search`,
      methods: { POST: entry(`${name}.search`, (request) => searchGrants(request, kind), true) },
    },
    item: {
      label: `/${endpoint}/:id`,
      methods: {
        GET: entry(
          `${name}.get`,
          onResource(kind, (request, id) => getGrant(request, kind, id)),
        ),
      },
    },
  }
}

/**
 * An operation on the user the principal is (RFC 7644 §3.11): the host's `resolveMe` names it, the
 * /Users operation runs on it, and the answer carries its permanent `Location`, as the RFC asks of any
 * response through the alias. A principal that is no user is 404, as is an id no store could issue.
 */
function onMe(run: (request: ScimRequest, id: string) => Promise<ScimResponse>): Operation {
  return async (request) => {
    const id = await request.stores.resolveMe()
    if (id === undefined || !isStorableId(id) || !isStorableText(id)) {
      throw scimError(404, undefined, 'No user is associated with the authenticated subject')
    }
    const answer = await run(request, id)
    return {
      ...answer,
      headers: { ...answer.headers, Location: locationOf(request.baseUrl, 'Users', id) },
    }
  }
}

/** /Me with a `resolveMe` hook: the /Users/:id methods on the principal's own user; creating through it is not offered. */
function meRoute(): Route {
  return {
    label: '/Me',
    methods: {
      GET: entry('me.get', onMe(getUser), false, true),
      PUT: entry('me.replace', onMe(replaceUser), true, true),
      PATCH: entry('me.patch', onMe(patchUser), true, true),
      DELETE: entry('me.delete', onMe(deleteUser), false, true),
      // RFC 7644 §3.11 leaves creating through /Me to the provider: a SCIM client creates users at /Users.
      POST: entry('me.create', notImplemented, false, true),
    },
  }
}

/** RFC 7644 §3.11 (/Me, without a `resolveMe` hook) and §3.7 (/Bulk, with `bulk: false`): not served, and discovery says so. */
function unimplemented(label: string, operation: string, selfService = false): Route {
  const refuse = entry(operation, notImplemented, false, selfService)
  return { label, methods: { GET: refuse, POST: refuse, PUT: refuse, PATCH: refuse, DELETE: refuse } }
}

/** What a router serves beyond /Users and discovery. */
export interface ServedEndpoints {
  /** /Groups: the router has a TeamStore. */
  readonly groups: boolean
  /** /Me: the router has a `resolveMe` hook. */
  readonly me?: boolean
  /** /Roles: the router has a `roleStore`. */
  readonly roles?: boolean
  /** /Entitlements: the router has an `entitlementStore`. */
  readonly entitlements?: boolean
  /** /Bulk and its limits, or undefined when it is off. */
  readonly bulk?: BulkLimits | undefined
}

/** The routes a router serves, built once at construction: /Groups only with a TeamStore, /Me only with `resolveMe`. */
export class RouteTable {
  readonly #endpoints = new Map<string, Endpoint>()

  constructor(served: ServedEndpoints) {
    const servesGroups = served.groups
    // By name as the RFC spells it (what clients send) and in lower case (any other spelling).
    const add = (name: string, endpoint: Endpoint) => {
      this.#endpoints.set(name, endpoint)
      this.#endpoints.set(name.toLowerCase(), endpoint)
    }
    add('Users', resourceEndpoint('Users'))
    if (servesGroups) add('Groups', resourceEndpoint('Groups'))
    if (served.roles) add('Roles', grantEndpoint('Role'))
    if (served.entitlements) add('Entitlements', grantEndpoint('Entitlement'))
    add('.search', { collection: { label: '/.search', methods: { POST: entry('search', searchAll, true) } } })
    const discovery = (label: string, operation: string, run: Operation): Route => ({
      label,
      methods: { GET: entry(operation, run, false, true) },
    })
    add('ServiceProviderConfig', {
      collection: discovery(
        '/ServiceProviderConfig',
        'discovery.serviceProviderConfig',
        serviceProviderConfig,
      ),
    })
    const types = discovery('/ResourceTypes', 'discovery.resourceTypes', resourceTypes)
    add('ResourceTypes', { collection: types, item: types })
    const schemaRoute = discovery('/Schemas', 'discovery.schemas', schemas)
    add('Schemas', { collection: schemaRoute, item: schemaRoute })
    if (served.me) add('Me', { collection: meRoute() })
    else {
      const me = unimplemented('/Me', 'me', true)
      add('Me', { collection: me, item: me })
    }
    const bulk = served.bulk
    if (bulk) {
      // Each operation of a bulk request is looked up here, as an HTTP request's path is.
      const run = bulkOperation(bulk, (segments) => this.match(segments))
      const post = { ...entry('bulk', run, true), bodyLimit: bulk.maxPayloadSize }
      add('Bulk', { collection: { label: '/Bulk', methods: { POST: post } } })
    } else add('Bulk', { collection: unimplemented('/Bulk', 'bulk') })
  }

  /** The route of a path (split, decoded, without the `/v2` segment), or undefined for none. */
  match(segments: readonly string[]): RouteMatch | undefined {
    if (segments.length === 0 || segments.length > 2) return undefined
    const first = segments[0]!
    const second = segments[1]
    const endpoint = this.#endpoints.get(first) ?? this.#endpoints.get(first.toLowerCase())
    if (!endpoint) return undefined
    if (second === undefined) return endpoint.collection && { route: endpoint.collection, id: undefined }
    if (second === '.search' && endpoint.search) return { route: endpoint.search, id: undefined }
    // An id no store issued (U+0000, absurd length) names nothing: 404 before its body is even read.
    if (endpoint.unstorable && !isStorableId(second)) return { route: endpoint.unstorable, id: second }
    return endpoint.item && { route: endpoint.item, id: second }
  }
}
