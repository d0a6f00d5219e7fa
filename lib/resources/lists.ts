// Turns list parameters into the ListQuery a store receives, and a store's page into a ListResponse (RFC 7644 §3.4.2).
import type { AttributePath, Filter } from '../../types/filter'
import type { ListQuery } from '../../types/stores'
import { scimError } from '../errors'
import { checkFilter } from '../filter/semantics'
import { JsonText } from '../json'
import type { Configuration } from '../options'
import type { ListParameters } from './list-query'

/** URN of the list response message. RFC 7644 §3.4.2. */
export const LIST_RESPONSE_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:ListResponse'

/** Parses and checks a filter against one resource type: unknown attributes and `password` are 400. */
export function checkedFilter(config: Configuration, resourceType: string, text: string): Filter {
  const filter = config.filterParser.parseFilter(text)
  // Every attribute and operator is checked against the schema; evaluating it is the store's business.
  checkFilter(filter, { kind: 'resource', registry: config.registry, resourceType }, config.dialect)
  return filter
}

/** The sort attribute, resolved against the schema. RFC 7644 §3.4.2.3. */
function checkedSortBy(config: Configuration, resourceType: string, text: string): AttributePath {
  const path = config.filterParser.parsePatchPath(text)
  if (path.attribute === undefined || path.valueFilter) {
    throw scimError(400, 'invalidValue', 'sortBy must name an attribute')
  }
  const sortBy: AttributePath = {
    kind: 'attributePath',
    attribute: path.attribute,
    ...(path.schema === undefined ? {} : { schema: path.schema }),
    ...(path.subAttribute === undefined ? {} : { subAttribute: path.subAttribute }),
  }
  const resolved = config.registry.resolve(resourceType, sortBy)
  const named = resolved?.subAttribute ?? resolved?.attribute
  if (!resolved || !named || named.returned === 'never') {
    throw scimError(400, 'invalidValue', 'sortBy names an attribute this resource type does not have')
  }
  return sortBy
}

/** The page size: the client's count capped at `maxResults`, or the default. */
export function pageSize(config: Configuration, parameters: ListParameters): number {
  return Math.min(parameters.count ?? config.defaultCount, config.maxResults)
}

/** The query a store receives. The filter arrives parsed; a store never sees the text. */
export function listQuery(
  config: Configuration,
  resourceType: string,
  parameters: ListParameters,
  filter?: Filter,
): ListQuery {
  const query: { -readonly [K in keyof ListQuery]: ListQuery[K] } = {
    sortOrder: parameters.sortOrder,
    startIndex: parameters.startIndex,
    count: pageSize(config, parameters),
  }
  const parsed =
    filter ??
    (parameters.filter === undefined ? undefined : checkedFilter(config, resourceType, parameters.filter))
  if (parsed) query.filter = parsed
  if (parameters.sortBy !== undefined) query.sortBy = checkedSortBy(config, resourceType, parameters.sortBy)
  return query
}

/** A ListResponse body. RFC 7644 §3.4.2. */
export function listResponse(
  totalResults: number,
  startIndex: number,
  resources: readonly unknown[],
): Record<string, unknown> {
  return {
    schemas: [LIST_RESPONSE_SCHEMA],
    totalResults,
    itemsPerPage: resources.length,
    startIndex,
    Resources: resources,
  }
}

/**
 * The byte budget of one list response (`maxResponseBytes`): resources are serialised one by one and
 * the page ends before the first that would pass it, so a page of large resources costs what the
 * budget allows, not `count` × their size. A page always holds at least one resource (else a client
 * could never page past a large one), and once a resource is refused every later one is too, so that
 * `startIndex + itemsPerPage` is where the next page starts (RFC 7644 §3.4.2.4).
 */
export class ResponseBudget {
  #left: number
  #taken = 0
  #closed = false
  /** The first resource taken, not yet measured: it fits whatever its size, so it is measured only when a second one is offered (most filtered pages hold one). */
  #unmeasured: string | undefined

  /** A budget of `bytes` (the router's `maxResponseBytes`). */
  constructor(bytes: number) {
    this.#left = bytes
  }

  /** True once the page is full: callers stop presenting resources. */
  get closed(): boolean {
    return this.#closed
  }

  /** True when something about `bytes` large would still fit (anything does while the page is empty). */
  admits(bytes: number): boolean {
    return !this.#closed && (this.#taken === 0 || bytes <= this.#leftAfterFirst())
  }

  /** Ends the page: nothing more is taken. */
  close(): void {
    this.#closed = true
  }

  /** The resource as JSON when it fits (the first always does), else undefined and the page is closed. */
  take(resource: unknown): string | undefined {
    if (this.#closed) return undefined
    const json = JSON.stringify(resource)
    if (this.#taken === 0) {
      this.#taken = 1
      this.#unmeasured = json
      return json
    }
    const bytes = Buffer.byteLength(json)
    if (bytes > this.#leftAfterFirst()) {
      this.#closed = true
      return undefined
    }
    this.#taken++
    this.#left -= bytes
    return json
  }

  /** What is left once the first resource is counted. */
  #leftAfterFirst(): number {
    if (this.#unmeasured !== undefined) {
      this.#left -= Buffer.byteLength(this.#unmeasured)
      this.#unmeasured = undefined
    }
    return this.#left
  }
}

const LIST_RESPONSE_HEAD = `{"schemas":${JSON.stringify([LIST_RESPONSE_SCHEMA])},"totalResults":`

/** A ListResponse body (RFC 7644 §3.4.2) around resources already serialised by a `ResponseBudget`. */
export function listResponseText(
  totalResults: number,
  startIndex: number,
  resources: readonly string[],
): JsonText {
  return new JsonText(
    `${LIST_RESPONSE_HEAD}${totalResults},"itemsPerPage":${resources.length},"startIndex":${startIndex},"Resources":[${resources.join(',')}]}`,
  )
}
