// Reads list parameters (RFC 7644 §3.4.2) from a query string or a /.search body into checked values.
import type { SortOrder } from '../../types/stores'
import { scimError } from '../errors'
import { isObject } from '../json'
import type { QueryParameters } from './request'

/** The list parameters as given, before they meet a schema. */
export interface ListParameters {
  /** The filter text, when given. */
  readonly filter?: string
  /** The sortBy path text, when given. */
  readonly sortBy?: string
  /** Ascending unless said otherwise. */
  readonly sortOrder: SortOrder
  /** 1-based; values below 1 read as 1 (RFC 7644 §3.4.2.4). */
  readonly startIndex: number
  /** Page size asked for, before the router's cap; undefined when not given. */
  readonly count?: number
  /** `attributes`, split and trimmed. */
  readonly attributes?: readonly string[]
  /** `excludedAttributes`, split and trimmed. */
  readonly excludedAttributes?: readonly string[]
  /**
   * RFC 9865: the cursor of a page after the first, `''` for the first page of a cursor-paged list;
   * undefined for an index-paged one.
   */
  readonly cursor?: string
}

/** URN of the search request message. RFC 7644 §3.4.3. */
export const SEARCH_REQUEST_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:SearchRequest'

/**
 * An integer parameter. Only plain decimal integers are read (no exponents, no fractions, no hex):
 * anything else is 400 `invalidValue`. Out-of-range values are clamped, not rejected, as RFC 7644
 * §3.4.2.4 does for values below the minimum.
 */
function integerParameter(name: string, raw: unknown, min: number): number | undefined {
  if (raw === undefined || raw === null || raw === '') return undefined
  let value: number
  if (typeof raw === 'number' && Number.isInteger(raw)) value = raw
  else if (typeof raw === 'string' && /^\s*[+-]?\d{1,400}\s*$/.test(raw)) value = Number(raw.trim())
  else throw scimError(400, 'invalidValue', `${name} must be an integer`)
  if (!Number.isFinite(value)) value = value > 0 ? Number.MAX_SAFE_INTEGER : min
  return Math.min(Math.max(value, min), Number.MAX_SAFE_INTEGER)
}

function stringParameter(name: string, raw: unknown): string | undefined {
  if (raw === undefined || raw === null) return undefined
  if (typeof raw !== 'string') throw scimError(400, 'invalidValue', `${name} must be a string`)
  return raw
}

/** Comma-separated attribute names (query) or an array of them (search body). */
function listParameter(name: string, raw: unknown): readonly string[] | undefined {
  if (raw === undefined || raw === null) return undefined
  const items = typeof raw === 'string' ? raw.split(',') : raw
  if (!Array.isArray(items) || !items.every((item) => typeof item === 'string')) {
    throw scimError(400, 'invalidValue', `${name} must be a list of attribute names`)
  }
  const names = items.map((item: string) => item.trim()).filter((item: string) => item !== '')
  return names.length > 0 ? names : undefined
}

function sortOrderParameter(raw: unknown): SortOrder {
  const text = stringParameter('sortOrder', raw)
  if (text === undefined || text === '') return 'ascending'
  const lower = text.toLowerCase()
  if (lower === 'ascending' || lower === 'descending') return lower
  throw scimError(400, 'invalidValue', 'sortOrder must be ascending or descending')
}

/** The parameters' names in lower case, for the case-insensitive reads: not lowered again per request. */
const LOWER_NAMES: Readonly<Record<string, string>> = Object.assign(Object.create(null), {
  sortOrder: 'sortorder',
  startIndex: 'startindex',
  sortBy: 'sortby',
  excludedAttributes: 'excludedattributes',
})

const lowerName = (name: string): string => LOWER_NAMES[name] ?? name.toLowerCase()

/** Marks a query parameter given more than once. */
const REPEATED: unique symbol = Symbol('repeated')

/**
 * The query's parameters by lower-case name, read in one pass. A parameter given more than once is
 * refused when it is read (which one would win?); one the request does not use may repeat.
 */
function queryReader(query: QueryParameters): (name: string) => string | undefined {
  const values = new Map<string, string | typeof REPEATED>()
  query.forEach((value, key) => {
    const lower = key.toLowerCase()
    values.set(lower, values.has(lower) ? REPEATED : value)
  })
  return (name) => {
    const value = values.get(lowerName(name))
    if (value === REPEATED) throw scimError(400, 'invalidValue', `${name} is given more than once`)
    return value
  }
}

/** List parameters from a GET query string. RFC 7644 §3.4.2. */
export function listParametersFromQuery(query: QueryParameters): ListParameters {
  return build(queryReader(query))
}

/** List parameters from a POST /.search body. RFC 7644 §3.4.3. */
export function listParametersFromSearch(body: Record<string, unknown>): ListParameters {
  const schemas = body.schemas
  if (
    schemas !== undefined &&
    !(
      Array.isArray(schemas) &&
      schemas.some((s) => typeof s === 'string' && s.toLowerCase() === SEARCH_REQUEST_SCHEMA.toLowerCase())
    )
  ) {
    throw scimError(400, 'invalidSyntax', `A search request must have the schema ${SEARCH_REQUEST_SCHEMA}`)
  }
  return build((name) => {
    if (!isObject(body)) return undefined
    const lower = lowerName(name)
    const key = Object.keys(body).find((k) => k.toLowerCase() === lower)
    return key === undefined ? undefined : body[key]
  })
}

function build(read: (name: string) => unknown): ListParameters {
  const parameters: { -readonly [K in keyof ListParameters]: ListParameters[K] } = {
    sortOrder: sortOrderParameter(read('sortOrder')),
    startIndex: integerParameter('startIndex', read('startIndex'), 1) ?? 1,
  }
  const filter = stringParameter('filter', read('filter'))
  if (filter !== undefined) parameters.filter = filter
  const sortBy = stringParameter('sortBy', read('sortBy'))
  if (sortBy !== undefined && sortBy !== '') parameters.sortBy = sortBy
  // RFC 7644 §3.4.2.4: a negative count reads as 0.
  const count = integerParameter('count', read('count'), 0)
  if (count !== undefined) parameters.count = count
  const attributes = listParameter('attributes', read('attributes'))
  if (attributes) parameters.attributes = attributes
  const excluded = listParameter('excludedAttributes', read('excludedAttributes'))
  if (excluded) parameters.excludedAttributes = excluded
  // RFC 9865 §2: `cursor` (a bare `?cursor` or `"cursor": ""` asks for the first page).
  const cursor = stringParameter('cursor', read('cursor'))
  if (cursor !== undefined) {
    // RFC 9865 §2.4 leaves a request with both open; which would the client mean?
    if (read('startIndex') !== undefined) {
      throw scimError(400, 'invalidCursor', 'A request pages by startIndex or by cursor, not both')
    }
    parameters.cursor = cursor
  }
  return parameters
}

/** Projection parameters only (GET by id, and the response of writes). */
export function projectionFromQuery(
  query: QueryParameters,
): Pick<ListParameters, 'attributes' | 'excludedAttributes'> {
  // Most of these requests carry no query at all.
  if (query.size === 0) return {}
  const read = queryReader(query)
  const attributes = listParameter('attributes', read('attributes'))
  const excludedAttributes = listParameter('excludedAttributes', read('excludedAttributes'))
  return { ...(attributes ? { attributes } : {}), ...(excludedAttributes ? { excludedAttributes } : {}) }
}
