// The `bulk` option (RFC 7644 §3.7): checked once at construction into the limits /Bulk enforces and advertises.
import type { BulkOptions, ScimRouterOptions } from '../types/router'
import { parseByteSize } from './http/body'
import { isObject } from './json'
import { fail, positiveInteger } from './option-checks'
import type { BulkLimits } from './resources/bulk-request'

/** Default most operations in one /Bulk request. */
export const DEFAULT_BULK_MAX_OPERATIONS = 1000

/** The `bulk` option checked: its limits, or undefined when it is `false`. */
export function bulkLimits(bulk: ScimRouterOptions['bulk']): BulkLimits | undefined {
  if (bulk === false) return undefined
  if (bulk !== undefined && !isObject(bulk)) fail('bulk must be false or { maxOperations, maxPayloadSize }')
  const given: BulkOptions = bulk ?? {}
  for (const key of Object.keys(given)) {
    if (key !== 'maxOperations' && key !== 'maxPayloadSize')
      fail(`unknown bulk option '${key}'`, 'ERR_UNKNOWN_OPTION')
  }
  return {
    maxOperations: positiveInteger(given.maxOperations, 'bulk.maxOperations', DEFAULT_BULK_MAX_OPERATIONS),
    maxPayloadSize: parseByteSize(given.maxPayloadSize ?? '1mb', 'bulk.maxPayloadSize'),
  }
}
