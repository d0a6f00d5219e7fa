// The bounds on one stored resource, checked after every POST, PUT and PATCH and before any write: values per multi-valued attribute, bytes of the document.
import { scimError } from '../errors'
import { isObject } from '../json'
import type { ScimResource } from './representation'

/** What `checkResourceLimits` enforces; built once per router from its options. */
export interface ResourceLimits {
  /** Most values in one multi-valued attribute (group `members` excepted: they are not in the document). */
  readonly maxValuesPerAttribute: number
  /** Most bytes of one resource as stored (UTF-8 JSON, group `members` excepted). */
  readonly maxResourceBytes: number
}

/** Default most values in one multi-valued attribute: real Entra and Okta users carry a handful. */
export const DEFAULT_MAX_VALUES_PER_ATTRIBUTE = 1000

/** Default most bytes of one stored resource: a full Entra user with the enterprise extension is ~3 KB. */
export const DEFAULT_MAX_RESOURCE_BYTES = 64 * 1024

/** How deep SCIM values nest: extension, attribute, element, sub-attribute (RFC 7643 §2.3.8). */
const MAX_DEPTH = 4

/**
 * 400 `invalidValue` naming the attribute when a multi-valued attribute holds more than
 * `maxValuesPerAttribute` values, 413 when the resource would be stored in more than
 * `maxResourceBytes`. Run on the resource about to be written, so nothing over a limit is ever stored,
 * and every later PATCH or list page of it is bounded too. Costs one walk of the resource.
 */
export function checkResourceLimits(
  limits: ResourceLimits,
  resource: ScimResource,
  resourceType: string,
): void {
  const members =
    resourceType === 'Group' ? Object.keys(resource).find((k) => k.toLowerCase() === 'members') : undefined
  const document = members === undefined ? resource : { ...resource, [members]: undefined }
  checkValues(limits.maxValuesPerAttribute, document, '', MAX_DEPTH)
  const bytes = Buffer.byteLength(JSON.stringify(document))
  if (bytes > limits.maxResourceBytes) {
    throw scimError(
      413,
      undefined,
      `The ${resourceType} would be stored in ${bytes} bytes; at most ${limits.maxResourceBytes} are accepted`,
    )
  }
}

function checkValues(max: number, value: unknown, where: string, depth: number): void {
  if (depth === 0) return
  if (Array.isArray(value)) {
    if (value.length > max) {
      throw scimError(
        400,
        'invalidValue',
        `'${where}' has ${value.length} values; at most ${max} are accepted`,
      )
    }
    for (const element of value) checkValues(max, element, where, depth - 1)
    return
  }
  if (!isObject(value)) return
  for (const key of Object.keys(value)) checkValues(max, value[key], pathOf(where, key), depth - 1)
}

/** The attribute's name as a PATCH path writes it: `emails`, `name.givenName`, `urn:...:User:manager`. */
function pathOf(parent: string, key: string): string {
  if (parent === '') return key
  return parent.startsWith('urn:') && !parent.includes('.') ? `${parent}:${key}` : `${parent}.${key}`
}
