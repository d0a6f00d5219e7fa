// The names telemetry records under: instrumentation scope, span names, attribute keys, instruments.
// One list, so that docs/tracing.md, the tests and the code cannot drift apart.

/** Instrumentation scope of the tracer and the meter. */
export const SCOPE_NAME = 'express-scim'

/** Span name of a request: `SCIM users.get`; `SCIM GET` until the operation is known. */
export function requestSpanName(operationOrMethod: string): string {
  return `SCIM ${operationOrMethod}`
}

/** Span name of a store call: `store userStore.get`. */
export function storeSpanName(call: string): string {
  return `store ${call}`
}

/** Attribute keys. Values are operation names, labels and statuses: never ids, filter values or tokens. */
export const ATTR = Object.freeze({
  /** The SCIM operation: `users.get`, `groups.patch`, `search`, `discovery.schemas`, `unmatched`. */
  operation: 'scim.operation',
  /** The tenant of the authenticated principal. */
  tenant: 'scim.tenant',
  /** The HTTP method, `_OTHER` for a method outside HTTP's registry (OpenTelemetry semantic conventions). */
  method: 'http.request.method',
  /** The route label (`/Users/:id`), never the requested URL. */
  route: 'http.route',
  /** The HTTP status of the response. */
  status: 'http.response.status_code',
  /** The SCIM error's `scimType` (RFC 7644 §3.12), when the response is a SCIM error that has one. */
  scimType: 'scim.error.type',
  /** Why a span failed: the 5xx status, or the name of the error class a store call threw. */
  errorType: 'error.type',
  /** The store method called: `userStore.get`. */
  storeCall: 'scim.store.call',
  /** The outcome of a store call in metrics: `ok` or `error`. */
  outcome: 'outcome',
  /** `User` or `Group`. */
  resourceType: 'scim.resource_type',
})

/** Instrument names. */
export const METRIC = Object.freeze({
  /** Counter of requests by operation and status. */
  requests: 'scim.requests',
  /** Histogram of store call durations, in ms. */
  storeDuration: 'scim.store.duration',
  /** Counter of compare-and-swap retries by resource type. */
  retries: 'scim.compare_and_swap.retries',
})

/** Name of the span event recorded on the request span for each compare-and-swap retry. */
export const RETRY_EVENT = 'scim.compare_and_swap.retry'

/** Operation recorded for a request that ended before its operation was named. */
export const UNKNOWN_OPERATION = 'unknown'
