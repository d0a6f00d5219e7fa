// Calls SCIM operations directly, with no HTTP: checked options, the store gateway and a hand-built ScimRequest, as /Bulk will.

import { staticTokens } from '../../lib/auth/static-tokens'
import { createStoreGateway, type StoreCallTracer, type StoreGateway, UNTRACED } from '../../lib/gateway'
import { type Configuration, parseOptions, type ResolvedSettings } from '../../lib/options'
import type { ScimRequest, ScimRequestHeaders } from '../../lib/resources/request'
import type { ScimResponse } from '../../lib/resources/response'
import { type RouteEntry, type RouteMatch, RouteTable } from '../../lib/resources/routes'
import { MemorySessionRevoker } from '../../lib/stores/memory-sessions'
import { MemoryTeamStore } from '../../lib/stores/memory-teams'
import { MemoryUserStore } from '../../lib/stores/memory-users'
import type { ScimRouterOptions } from '../../types/router'
import type { NewTeam, NewUser, RequestContext, TeamStore, UserStore } from '../../types/stores'
import { ACTOR, GROUP_SCHEMA, TENANT, TOKEN, USER_SCHEMA } from './scim-app'

/** The SCIM root a hand-built request says it came through. */
export const OPERATION_BASE_URL = 'https://scim.example.test/scim'

/** How to build the operation harness. Everything is optional. */
export interface OperationHarnessOptions {
  /** Leave the TeamStore out (no `/Groups` route). */
  readonly withoutTeams?: boolean
  /** Replaces the UserStore the gateway wraps; the memory one stays inspectable. */
  readonly wrapUserStore?: (store: MemoryUserStore) => UserStore
  /** Replaces the TeamStore the gateway wraps. */
  readonly wrapTeamStore?: (store: MemoryTeamStore) => TeamStore
  /** Router options that override the defaults (switches, dialect, limits...). */
  readonly router?: Partial<ScimRouterOptions>
}

/** What one hand-built request carries; everything but the method and the route is optional. */
export interface OperationRequestInit {
  /** `GET`, `POST`, `PUT`, `PATCH` or `DELETE`. */
  readonly method: string
  /** The route label, such as `/Users/:id`. */
  readonly route: string
  readonly id?: string
  /** The query string (without `?`) or its parameters. */
  readonly query?: string | URLSearchParams
  /** The parsed JSON body. */
  readonly body?: Record<string, unknown>
  readonly headers?: ScimRequestHeaders
  /** Where store calls are traced (default: untraced). */
  readonly tracer?: StoreCallTracer
  /** Switches that override the router's static ones for this request. */
  readonly settings?: Partial<ResolvedSettings>
  /** The tenant (default `acme`). */
  readonly tenant?: string
  /** The request id (default `op-test`). */
  readonly requestId?: string
}

/** The checked configuration, the gateway, the memory stores behind it, and request builders. */
export interface OperationHarness {
  readonly config: Configuration
  readonly gateway: StoreGateway
  readonly routes: RouteTable
  readonly userStore: MemoryUserStore
  readonly teamStore: MemoryTeamStore
  readonly sessions: MemorySessionRevoker
  /** A ScimRequest built by hand, as the HTTP adapter would build it after auth and body reading. */
  request(init: OperationRequestInit): ScimRequest
  /**
   * Matches `path` (such as `/Users/abc`, percent-encoded as in a URL) in the route table, builds the request and runs the operation:
   * what a /Bulk dispatcher does for each of its operations. Rejects with what the operation throws.
   */
  call(
    method: string,
    path: string,
    init?: Omit<OperationRequestInit, 'method' | 'route' | 'id'>,
  ): Promise<ScimResponse>
}

/** A provisioned user as a store's `create` takes it, for seeding a memory store directly. */
export function newUser(userName: string, extra: Partial<Omit<NewUser, 'provisioned'>> = {}): NewUser {
  return {
    userName,
    active: true,
    document: { schemas: [USER_SCHEMA], userName },
    ...extra,
    provisioned: true,
  }
}

/** A provisioned team as a store's `create` takes it. */
export function newTeam(displayName: string): NewTeam {
  return { displayName, document: { schemas: [GROUP_SCHEMA], displayName }, provisioned: true }
}

/** The request context the router would pass for `tenant`. */
export function operationContext(tenant: string = TENANT, requestId = 'op-test'): RequestContext {
  return { tenant, principal: { tenant, id: ACTOR }, requestId }
}

/**
 * Builds the harness: MemoryUserStore, MemoryTeamStore, MemorySessionRevoker, user and group sync on,
 * through `parseOptions` (so options are checked as `createScimRouter` checks them) and `createStoreGateway`.
 */
export function operationHarness(options: OperationHarnessOptions = {}): OperationHarness {
  const teamStore = new MemoryTeamStore()
  const userStore = new MemoryUserStore({ teamStore })
  const sessions = new MemorySessionRevoker()
  const config = parseOptions({
    userStore: options.wrapUserStore ? options.wrapUserStore(userStore) : userStore,
    ...(options.withoutTeams
      ? {}
      : { teamStore: options.wrapTeamStore ? options.wrapTeamStore(teamStore) : teamStore }),
    sessionRevoker: sessions,
    authenticate: staticTokens([{ token: TOKEN, tenant: TENANT, id: ACTOR }]),
    userSyncEnabled: true,
    groupSyncEnabled: true,
    telemetry: false,
    ...options.router,
  })
  const gateway = createStoreGateway(config)
  const routes = new RouteTable({
    groups: config.teamStore !== undefined,
    me: config.resolveMe !== undefined,
    bulk: config.bulk,
  })

  const request = (init: OperationRequestInit): ScimRequest => {
    const context = operationContext(init.tenant, init.requestId)
    return {
      method: init.method,
      route: init.route,
      id: init.id,
      query: new URLSearchParams(init.query ?? ''),
      body: init.body,
      headers: init.headers ?? {},
      config,
      stores: gateway.forRequest(context, init.tracer ?? UNTRACED),
      context,
      settings: { ...config.staticSettings, ...init.settings },
      baseUrl: OPERATION_BASE_URL,
    }
  }

  const call: OperationHarness['call'] = async (method, path, init = {}) => {
    // Split and decoded as the HTTP adapter does; a /Bulk path is a URI too.
    const segments = path
      .split('/')
      .filter((segment) => segment !== '')
      .map((segment) => decodeURIComponent(segment))
    const match = routes.match(segments)
    const entry = matchedEntry(match, method, path)
    return entry.run(request({ ...init, method, route: match!.route.label, id: match!.id }))
  }

  return { config, gateway, routes, userStore, teamStore, sessions, request, call }
}

function matchedEntry(match: RouteMatch | undefined, method: string, path: string): RouteEntry {
  const entry = match?.route.methods[method]
  if (!entry) throw new Error(`no operation for ${method} ${path}`)
  return entry
}
