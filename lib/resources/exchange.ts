// One request as the resource handlers see it: the checked context, the settings in force, and the response helpers.
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { ScimEvent } from '../../types/router'
import type { RequestContext } from '../../types/stores'
import { scimError } from '../errors'
import { readJsonObject } from '../http/body'
import { logEvent } from '../log'
import type { Configuration, ResolvedSettings } from '../options'
import { tagValue } from '../representation/resources'
import { createProjection, type Projection, type ProjectionParameters } from './projection'

/** Everything a handler needs about the request it answers. */
export interface Exchange {
  readonly request: IncomingMessage
  readonly response: ServerResponse
  readonly config: Configuration
  /** Passed to every store call. */
  readonly context: RequestContext
  /** The switches in force for this request's tenant. */
  readonly settings: ResolvedSettings
  /** The query string. */
  readonly query: URLSearchParams
  /** Absolute URL of the SCIM root this request came through (with `/v2` when it did). */
  readonly baseUrl: string
}

/** Distributes the event fields every event carries. */
type EventBody<E> = E extends ScimEvent ? Omit<E, 'tenant' | 'actor' | 'requestId' | 'time'> : never

/**
 * Emits one audit event. The host's hook may throw or reject: that is logged and ignored, because the
 * change it reports is already committed and the IdP must not retry it.
 */
export function emit(exchange: Exchange, body: EventBody<ScimEvent>): void {
  const onEvent = exchange.config.onEvent
  const event = {
    ...body,
    tenant: exchange.context.tenant,
    ...(exchange.context.principal.id === undefined ? {} : { actor: String(exchange.context.principal.id) }),
    requestId: exchange.context.requestId,
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

/** The request body as a JSON object (media type and size checked). */
export function readBody(exchange: Exchange): Promise<Record<string, unknown>> {
  return readJsonObject(exchange.request, exchange.config.bodyLimit)
}

/** 403 when a sync switch is off: the write changes nothing. */
export function requireSync(exchange: Exchange, resource: 'User' | 'Group'): void {
  if (resource === 'User' && !exchange.settings.userSyncEnabled) {
    throw scimError(403, undefined, 'User provisioning is disabled on this server (userSyncEnabled is off)')
  }
  if (resource === 'Group' && !exchange.settings.groupSyncEnabled) {
    throw scimError(403, undefined, 'Group provisioning is disabled on this server (groupSyncEnabled is off)')
  }
}

/**
 * The version named by `If-Match`, or undefined when absent or `*`. Weak and strong forms are both read
 * (RFC 7644 §3.14 uses weak tags). Several tags: a list whose members are all checked by the caller.
 */
export function ifMatchVersions(request: IncomingMessage): readonly string[] | undefined {
  return tagList(request.headers['if-match'])
}

/** The versions named by `If-None-Match`, or undefined. `*` is reported as `['*']`. */
export function ifNoneMatchVersions(request: IncomingMessage): readonly string[] | undefined {
  return tagList(request.headers['if-none-match'])
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
export function checkIfMatch(exchange: Exchange, version: string): void {
  const tags = ifMatchVersions(exchange.request)
  if (tags && !tags.includes('*') && !tags.includes(tagValue(version))) {
    throw scimError(412, undefined, 'The resource has changed: its version does not match If-Match')
  }
}

/** True when `If-None-Match` names the current version, so a GET can answer 304. */
export function notModified(exchange: Exchange, version: string): boolean {
  const tags = ifNoneMatchVersions(exchange.request)
  return tags !== undefined && (tags.includes('*') || tags.includes(tagValue(version)))
}

/**
 * The projection a response uses: the router's prebuilt one when the client asks for nothing (the hot
 * path), else one built for the request's `attributes` / `excludedAttributes`.
 */
export function projectionFor(
  exchange: Exchange,
  resourceType: 'User' | 'Group',
  parameters: ProjectionParameters,
): Projection {
  const prebuilt = exchange.config.defaultProjections[resourceType]
  if (prebuilt && !parameters.attributes && !parameters.excludedAttributes) return prebuilt
  return createProjection(exchange.config.registry, resourceType, exchange.config.filterParser, parameters)
}
