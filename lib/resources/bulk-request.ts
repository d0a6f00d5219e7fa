// Reads a /Bulk request (RFC 7644 §3.7): the envelope checked as a whole, each operation on its own, and the bulkId references between them.
import { withoutVersionSegment } from '../dialect'
import { type ScimError, scimError } from '../errors'
import { isStorableText } from '../ids'
import { isObject, ownEntry } from '../json'
import { pathSegments } from './path-segments'

/** URN of a bulk request. RFC 7644 §3.7. */
export const BULK_REQUEST_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:BulkRequest'

/** URN of a bulk response. RFC 7644 §3.7. */
export const BULK_RESPONSE_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:BulkResponse'

/** What a reference to an operation's resource starts with, as in `"value": "bulkId:qwerty"`. RFC 7644 §3.7.2. */
export const BULK_ID_PREFIX = 'bulkId:'

/** The longest bulkId read: it is echoed in the response and keyed in memory. */
export const MAX_BULK_ID_LENGTH = 256

/** The bounds of one bulk request; advertised in /ServiceProviderConfig. */
export interface BulkLimits {
  /** Most operations in one request; more is 413 before any of them runs. */
  readonly maxOperations: number
  /** Most bytes of one request body; more is 413 before it is read. */
  readonly maxPayloadSize: number
}

/** The methods a bulk operation may carry. RFC 7644 §3.7. */
const METHODS: ReadonlySet<string> = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])

/** One operation as sent, checked. */
export interface BulkOperation {
  /** Upper case: POST, PUT, PATCH or DELETE. */
  readonly method: string
  readonly bulkId: string | undefined
  /** The `version` to hold the resource to (If-Match). */
  readonly version: string | undefined
  /** The resource path, decoded and split, without `/v2`: `['Groups', 'bulkId:ytrewq']`. */
  readonly segments: readonly string[]
  /** The body of a POST, PUT or PATCH. */
  readonly data: Record<string, unknown> | undefined
  /** The bulkIds its path and data refer to, without the prefix. */
  readonly references: ReadonlySet<string>
}

/** An operation that cannot run as sent: what could be read of it, to echo, and why. */
export interface RefusedOperation {
  readonly method: string | undefined
  readonly bulkId: string | undefined
  /** Its path, when it could be read: the result names the resource (RFC 7644 §3.7.3). */
  readonly segments?: readonly string[]
  readonly error: ScimError
}

/** A bulk request: its operations in the order sent, and how many failures end it. */
export interface BulkRequest {
  readonly operations: readonly (BulkOperation | RefusedOperation)[]
  /** Failures after which no further operation runs; undefined runs them all. */
  readonly failOnErrors: number | undefined
}

/** True for an operation refused as sent. */
export function isRefused(operation: BulkOperation | RefusedOperation): operation is RefusedOperation {
  return 'error' in operation
}

function invalidSyntax(detail: string): ScimError {
  return scimError(400, 'invalidSyntax', detail)
}

/** The request's attribute named `name` in any case (RFC 7643 §2.1: attribute names are case-insensitive). */
function member(body: Record<string, unknown>, name: string): unknown {
  return ownEntry(body, name)?.value
}

/**
 * Reads a bulk request body. The envelope is all or nothing: a body that is not a bulk request is
 * 400 `invalidSyntax`, more than `maxOperations` operations 413, before any operation runs. Each
 * operation is then read on its own: one that cannot run is refused alone, with its own error.
 */
export function readBulkRequest(
  body: Record<string, unknown>,
  limits: BulkLimits,
  bodyLimit: number,
): BulkRequest {
  const schemas = member(body, 'schemas')
  const urn = BULK_REQUEST_SCHEMA.toLowerCase()
  // Schema URNs compare case-insensitively, as in a search request's `schemas`.
  if (!Array.isArray(schemas) || !schemas.some((s) => typeof s === 'string' && s.toLowerCase() === urn)) {
    throw invalidSyntax(`A bulk request must list the schema ${BULK_REQUEST_SCHEMA}`)
  }
  const operations = member(body, 'Operations')
  if (!Array.isArray(operations)) throw invalidSyntax('A bulk request needs an Operations array')
  // RFC 7644 §3.7.4: too many operations is 413, and nothing runs.
  if (operations.length > limits.maxOperations) {
    throw scimError(
      413,
      undefined,
      `The bulk request holds ${operations.length} operations; at most ${limits.maxOperations} are accepted (maxOperations)`,
    )
  }
  const failOnErrors = member(body, 'failOnErrors')
  // Any positive integer: one above the number of operations never stops the request.
  if (failOnErrors !== undefined && !(Number.isInteger(failOnErrors) && (failOnErrors as number) > 0)) {
    throw invalidSyntax('failOnErrors must be a positive integer')
  }
  const read = operations.map((operation) => readOperation(operation, bodyLimit))
  refuseDuplicateBulkIds(read)
  return { operations: read, failOnErrors: failOnErrors as number | undefined }
}

/** One operation, or why it cannot run. */
function readOperation(raw: unknown, bodyLimit: number): BulkOperation | RefusedOperation {
  if (!isObject(raw)) {
    return {
      method: undefined,
      bulkId: undefined,
      error: invalidSyntax('A bulk operation must be an object'),
    }
  }
  const givenMethod = member(raw, 'method')
  const method = typeof givenMethod === 'string' ? givenMethod.toUpperCase() : undefined
  const givenBulkId = member(raw, 'bulkId')
  const bulkId = typeof givenBulkId === 'string' && isEchoable(givenBulkId) ? givenBulkId : undefined
  let segments: readonly string[] | undefined
  const refuse = (error: ScimError): RefusedOperation => ({
    method: method !== undefined && METHODS.has(method) ? method : undefined,
    bulkId,
    ...(segments === undefined ? {} : { segments }),
    error,
  })
  if (method === undefined || !METHODS.has(method)) {
    return refuse(invalidSyntax('A bulk operation method must be POST, PUT, PATCH or DELETE'))
  }
  if (givenBulkId !== undefined && bulkId === undefined) {
    return refuse(
      scimError(
        400,
        'invalidValue',
        `bulkId must be a non-empty string of at most ${MAX_BULK_ID_LENGTH} characters`,
      ),
    )
  }
  // RFC 7644 §3.7: bulkId is REQUIRED for POST, so that the response can say which resource is which.
  if (method === 'POST' && bulkId === undefined)
    return refuse(invalidSyntax('A POST operation needs a bulkId'))
  const path = member(raw, 'path')
  if (typeof path !== 'string' || !path.startsWith('/') || /[?#]/.test(path) || !isStorableText(path)) {
    return refuse(
      invalidSyntax('A bulk operation needs a path such as /Users or /Users/{id}, without a query'),
    )
  }
  // Decoded as an HTTP request's path is, so that a reference is read from the segment it will be
  // looked up by (`bulkId%3Ax` is `bulkId:x`).
  const decoded = pathSegments(path)
  if (decoded === undefined) return refuse(scimError(404, undefined, 'No such endpoint'))
  segments = withoutVersionSegment(decoded).segments
  const version = member(raw, 'version')
  if (version !== undefined && typeof version !== 'string') {
    return refuse(invalidSyntax('A bulk operation version must be a string (an entity tag)'))
  }
  const data = member(raw, 'data')
  if (method !== 'DELETE' && !isObject(data)) {
    return refuse(invalidSyntax(`A ${method} operation needs data: the resource or the PATCH request`))
  }
  const body = method === 'DELETE' ? undefined : (data as Record<string, unknown>)
  // Every limit of the request sent alone holds: its body may not pass `bodyLimit` either.
  if (body) {
    const bytes = jsonBytes(body)
    if (bytes === undefined)
      return refuse(scimError(400, 'invalidValue', 'The operation data nests too deeply'))
    if (bytes > bodyLimit) {
      return refuse(scimError(413, undefined, `The operation data is larger than ${bodyLimit} bytes`))
    }
  }
  const references = new Set<string>()
  for (const segment of segments) addReference(segment, references)
  if (body) collectReferences(body, references)
  return { method, bulkId, version, segments, data: body, references }
}

/** The data's size as UTF-8 JSON; undefined for data too deep to serialise (the parser took it). */
function jsonBytes(data: Record<string, unknown>): number | undefined {
  try {
    return Buffer.byteLength(JSON.stringify(data))
  } catch {
    return undefined
  }
}

function isEchoable(bulkId: string): boolean {
  return bulkId !== '' && bulkId.length <= MAX_BULK_ID_LENGTH && isStorableText(bulkId)
}

/**
 * A bulkId is unique within a request (RFC 7644 §3.7): an operation repeating one already used is
 * refused, so that a reference, and each result, names one resource.
 */
function refuseDuplicateBulkIds(operations: (BulkOperation | RefusedOperation)[]): void {
  const used = new Set<string>()
  for (const [index, operation] of operations.entries()) {
    if (operation.bulkId === undefined) continue
    if (!used.has(operation.bulkId)) used.add(operation.bulkId)
    else if (!isRefused(operation)) {
      operations[index] = {
        method: operation.method,
        bulkId: operation.bulkId,
        segments: operation.segments,
        error: scimError(400, 'invalidValue', 'Another operation of this request has the same bulkId'),
      }
    }
  }
}

/**
 * True for a key whose string values refer to a resource: `value` (a member's, a manager's, a PATCH
 * operation's) and `$ref`. Only there does `bulkId:<id>` stand for an id; in `userName` or
 * `externalId` it is data, stored as sent, as the same request sent alone would store it.
 */
function refersToResource(key: string): boolean {
  const lower = key.toLowerCase()
  return lower === 'value' || lower === '$ref'
}

/**
 * Adds every bulkId the data refers to: a string `bulkId:<id>` under a `value` or `$ref` key (or in a
 * list there). One walk, iterative (the JSON parser bounds the data's size, not its depth).
 */
function collectReferences(data: Record<string, unknown>, into: Set<string>): void {
  const pending: [unknown, boolean][] = [[data, false]]
  while (pending.length > 0) {
    const [next, reference] = pending.pop()!
    if (typeof next === 'string') {
      if (reference) addReference(next, into)
    } else if (Array.isArray(next)) {
      for (const item of next) pending.push([item, reference])
    } else if (isObject(next)) {
      for (const key of Object.keys(next)) pending.push([next[key], refersToResource(key)])
    }
  }
}

function addReference(text: string, into: Set<string>): void {
  if (text.startsWith(BULK_ID_PREFIX) && text.length > BULK_ID_PREFIX.length) {
    into.add(text.slice(BULK_ID_PREFIX.length))
  }
}

/**
 * Deepest data a reference is replaced in. SCIM data nests a handful of levels (a PATCH: Operations,
 * value, members, element); deeper data is refused rather than walked by recursion.
 */
const MAX_SUBSTITUTION_DEPTH = 32

/**
 * The data with every reference `bulkId:<id>` (where `collectReferences` finds them) replaced by the id
 * of the resource the operation defining it created, as a copy; `resolve` answers undefined for a
 * bulkId without a resource (the caller has refused those before).
 */
export function substituteReferences(
  data: Record<string, unknown>,
  resolve: (bulkId: string) => string | undefined,
): Record<string, unknown> {
  return substitute(data, resolve, false, 0) as Record<string, unknown>
}

function substitute(
  value: unknown,
  resolve: (bulkId: string) => string | undefined,
  reference: boolean,
  depth: number,
): unknown {
  if (typeof value === 'string') {
    if (!reference || !value.startsWith(BULK_ID_PREFIX)) return value
    return resolve(value.slice(BULK_ID_PREFIX.length)) ?? value
  }
  if (typeof value !== 'object' || value === null) return value
  if (depth >= MAX_SUBSTITUTION_DEPTH) {
    throw scimError(400, 'invalidValue', 'The operation data nests too deeply')
  }
  if (Array.isArray(value)) return value.map((item) => substitute(item, resolve, reference, depth + 1))
  const copy: Record<string, unknown> = {}
  for (const key of Object.keys(value)) {
    const item = substitute(
      (value as Record<string, unknown>)[key],
      resolve,
      refersToResource(key),
      depth + 1,
    )
    // A `__proto__` key JSON.parse made is data: define it, never assign it (that sets the prototype).
    Object.defineProperty(copy, key, { value: item, enumerable: true, writable: true, configurable: true })
  }
  return copy
}
