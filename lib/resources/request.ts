// One SCIM request as an operation sees it, free of any transport: route, parameters, parsed body, the headers SCIM reads, and the checked context.
import type { ScimEvent } from '../../types/router'
import type { Principal, RequestContext } from '../../types/stores'
import { scimError } from '../errors'
import type { RequestStores } from '../gateway'
import { logEvent } from '../log'
import type { Configuration, ResolvedSettings } from '../options'
import { tagValue } from '../representation/resources'
import { createProjection, type Projection, type ProjectionParameters } from './projection'

/** The request headers SCIM semantics read (RFC 7644 §3.14); the adapter copies them, nothing else. */
export interface ScimRequestHeaders {
  /** `If-Match`, as sent. */
  readonly ifMatch?: string
  /** `If-None-Match`, as sent. */
  readonly ifNoneMatch?: string
}

/** A query string's parameters as operations read them: never written. */
export type QueryParameters = Pick<URLSearchParams, 'forEach' | 'get' | 'has' | 'keys' | 'size'>

/** The parameters of every request without a query string (and of /Bulk operations): one, never written. */
export const NO_QUERY: QueryParameters = new URLSearchParams()

/** Everything an operation needs about the request it answers. */
export interface ScimRequest {
  /** `GET`, `POST`, `PUT`, `PATCH` or `DELETE` (HEAD arrives as GET). */
  readonly method: string
  /** The matched route's label, such as `/Users/:id` (never the raw URL, whose query may hold filter values). */
  readonly route: string
  /** The path parameter: the resource id (`/Users/:id`) or the discovery name (`/Schemas/:id`). */
  readonly id: string | undefined
  /** The query string's parameters, read-only: requests without a query share `NO_QUERY`. */
  readonly query: QueryParameters
  /** The parsed JSON body of a POST, PUT or PATCH (media type and size checked); undefined otherwise. */
  readonly body: Record<string, unknown> | undefined
  /** The conditional headers. */
  readonly headers: ScimRequestHeaders
  readonly config: Configuration
  /** The host's stores, through the gateway: the only way operations reach them. */
  readonly stores: RequestStores
  /** Passed to every store call (the gateway does). */
  readonly context: RequestContext
  /** The switches in force for this request's tenant. */
  readonly settings: ResolvedSettings
  /** Absolute URL of the SCIM root this request came through (with `/v2` when it did). */
  readonly baseUrl: string
}

/**
 * True for credentials that stand for one user (`Principal.selfService`): any value but `undefined` or
 * `false` counts, so a host that sets anything there confines the principal (fail closed).
 */
export function isSelfService(principal: Principal): boolean {
  return principal.selfService !== undefined && principal.selfService !== false
}

/** Distributes the event fields every event carries. */
type EventBody<E> = E extends ScimEvent ? Omit<E, 'tenant' | 'actor' | 'requestId' | 'time'> : never

/** True when an event would reach someone (`onEvent`, or the debug log): callers skip building it otherwise. */
export function eventsWanted(request: ScimRequest): boolean {
  return request.config.onEvent !== undefined || logEvent.enabled
}

/**
 * Emits one audit event. The host's hook may throw or reject: that is logged and ignored, because the
 * change it reports is already committed and the IdP must not retry it.
 */
export function emit(request: ScimRequest, body: EventBody<ScimEvent>): void {
  const onEvent = request.config.onEvent
  // Nobody listens and nothing logs: building the event (a clock read, an ISO string, a copy) is waste.
  if (!eventsWanted(request)) return
  const event = {
    ...body,
    tenant: request.context.tenant,
    ...(request.context.principal.id === undefined ? {} : { actor: String(request.context.principal.id) }),
    requestId: request.context.requestId,
    time: new Date().toISOString(),
  } as ScimEvent
  logEvent('%s %s %s', event.type, event.resourceId, event.requestId)
  if (!onEvent) return
  try {
    const result = onEvent(event)
    if (result && typeof (result as Promise<void>).then === 'function') {
      ;(result as Promise<void>).catch(() => logEvent('onEvent rejected for %s (ignored)', event.type))
    }
  } catch {
    logEvent('onEvent threw for %s (ignored)', event.type)
  }
}

/** The request body as a JSON object: the adapter read it (media type and size checked) for routes that take one. */
export function readBody(request: ScimRequest): Record<string, unknown> {
  if (request.body === undefined) throw scimError(400, 'invalidSyntax', 'The request needs a JSON body')
  return request.body
}

/** 403 when a sync switch is off: the write changes nothing. */
export function requireSync(request: ScimRequest, resource: 'User' | 'Group'): void {
  if (resource === 'User' && !request.settings.userSyncEnabled) {
    throw scimError(403, undefined, 'User provisioning is disabled on this server (userSyncEnabled is off)')
  }
  if (resource === 'Group' && !request.settings.groupSyncEnabled) {
    throw scimError(403, undefined, 'Group provisioning is disabled on this server (groupSyncEnabled is off)')
  }
}

/**
 * The version named by `If-Match`, or undefined when absent or `*`. Weak and strong forms are both read
 * (RFC 7644 §3.14 uses weak tags). Several tags: a list whose members are all checked by the caller.
 */
export function ifMatchVersions(request: ScimRequest): readonly string[] | undefined {
  return tagList(request.headers.ifMatch)
}

/** The versions named by `If-None-Match`, or undefined. `*` is reported as `['*']`. */
export function ifNoneMatchVersions(request: ScimRequest): readonly string[] | undefined {
  return tagList(request.headers.ifNoneMatch)
}

function tagList(header: string | undefined): readonly string[] | undefined {
  if (header === undefined || header.trim() === '') return undefined
  const tags: string[] = []
  for (const part of header.split(',')) {
    const tag = part.trim()
    if (tag === '*') {
      tags.push('*')
      continue
    }
    const match = /^(?:W\/)?"([^"]*)"$/.exec(tag)
    if (!match) throw scimError(400, 'invalidSyntax', 'If-Match / If-None-Match must hold entity tags')
    tags.push(match[1]!)
  }
  return tags
}

/** 412 unless `version` is one of the `If-Match` tags (or there is no If-Match). RFC 7644 §3.14. */
export function checkIfMatch(request: ScimRequest, version: string): void {
  const tags = ifMatchVersions(request)
  if (tags && !tags.includes('*') && !tags.includes(tagValue(version))) {
    throw scimError(412, undefined, 'The resource has changed: its version does not match If-Match')
  }
}

/** True when `If-None-Match` names the current version, so a GET can answer 304. */
export function notModified(request: ScimRequest, version: string): boolean {
  const tags = ifNoneMatchVersions(request)
  return tags !== undefined && (tags.includes('*') || tags.includes(tagValue(version)))
}

/**
 * The projection a response uses: the router's prebuilt one when the client asks for nothing (the hot
 * path), else one built for the request's `attributes` / `excludedAttributes`.
 */
export function projectionFor(
  request: ScimRequest,
  resourceType: keyof Configuration['defaultProjections'],
  parameters: ProjectionParameters,
): Projection {
  const prebuilt = request.config.defaultProjections[resourceType]
  if (prebuilt && !parameters.attributes && !parameters.excludedAttributes) return prebuilt
  return createProjection(request.config.registry, resourceType, request.config.filterParser, parameters)
}
