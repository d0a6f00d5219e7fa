// The bounds on one stored resource, checked after every POST, PUT and PATCH and before any write: values per multi-valued attribute, bytes of the document.
import { scimError } from '../errors'
import { isObject } from '../json'
import { type ScimResource, serverOwnedOf } from '../representation/resources'

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

/**
 * How deep SCIM values nest: extension, attribute, element, sub-attribute, and the values of a
 * multi-valued sub-attribute (RFC 7643 §2.3.8 allows a sub-attribute to be multi-valued).
 */
const MAX_DEPTH = 5

/**
 * 400 `invalidValue` naming the attribute when a multi-valued attribute holds more than
 * `maxValuesPerAttribute` values, 413 when the resource would be stored in more than
 * `maxResourceBytes`. Run on the resource about to be written, so nothing over a limit is ever stored,
 * and every later PATCH or list page of it is bounded too. Costs one walk of the resource.
 *
 * `current` is the stored resource a PUT or PATCH replaces. A resource stored before the limits (or
 * under higher ones) may stay over them as long as the write enlarges nothing there: no attribute over
 * the value limit gains values, and, over the byte limit, no string, list or object attribute grows
 * (booleans and numbers are bounded, so `active: false` always goes through). A deactivation, a rename
 * to a shorter name or a removal of values is never blocked by old data, and repeated writes still
 * cannot grow a resource past the limits.
 */
export function checkResourceLimits(
  limits: ResourceLimits,
  resource: ScimResource,
  resourceType: string,
  current?: ScimResource,
): void {
  const next = storedPart(resource, resourceType)
  const before = current === undefined ? undefined : storedPart(current, resourceType)
  const measured = measure(next)
  const over = measured.counts.filter(([, count]) => count > limits.maxValuesPerAttribute)
  if (over.length > 0) {
    // A path may name several arrays (a sub-attribute of each element): the largest one before counts.
    const counts = new Map<string, number>()
    for (const [path, count] of before === undefined ? [] : measure(before).counts) {
      counts.set(path, Math.max(count, counts.get(path) ?? 0))
    }
    const grown = over.find(([path, count]) => count > (counts.get(path) ?? 0))
    if (grown) {
      throw scimError(
        400,
        'invalidValue',
        `'${grown[0]}' has ${grown[1]} values; at most ${limits.maxValuesPerAttribute} are accepted`,
      )
    }
  }
  // The bound settles almost every write without serialising the resource; only a resource that
  // might be over the limit is measured exactly.
  if (measured.bytesAtMost <= limits.maxResourceBytes) return
  const bytes = Buffer.byteLength(JSON.stringify(next))
  if (bytes <= limits.maxResourceBytes) return
  if (before !== undefined && !enlarges(next, before)) return
  throw scimError(
    413,
    undefined,
    `The ${resourceType} would be stored in ${bytes} bytes; at most ${limits.maxResourceBytes} are accepted`,
  )
}

/** What the store keeps of a resource: the resource itself when it holds nothing the store drops. */
function storedPart(resource: ScimResource, resourceType: string): ScimResource {
  const owned = serverOwnedOf(resourceType)
  const keys = Object.keys(resource)
  if (!keys.some((key) => owned.has(key))) return resource
  const out: ScimResource = {}
  for (const key of keys) if (!owned.has(key)) out[key] = resource[key]
  return out
}

/** True when some string, list or object attribute of `next` (an extension's, one level down) is new or larger. */
function enlarges(next: ScimResource, before: ScimResource): boolean {
  const sizeOf = (value: unknown) => Buffer.byteLength(JSON.stringify(value) ?? '')
  const grows = (
    after: Record<string, unknown>,
    earlier: Record<string, unknown> | undefined,
    depth: number,
  ): boolean =>
    Object.keys(after).some((key) => {
      const value = after[key]
      if (typeof value !== 'string' && typeof value !== 'object') return false
      const old = earlier?.[key]
      if (depth > 0 && URN_PREFIX.test(key) && isObject(value)) {
        return grows(value, isObject(old) ? old : undefined, depth - 1)
      }
      return old === undefined || sizeOf(value) > sizeOf(old)
    })
  return grows(next, before, 1)
}

const URN_PREFIX = /^urn:/i

/**
 * Most UTF-8 bytes one UTF-16 code unit takes in JSON text: a control character is written `\u001f`
 * (6 bytes); anything else takes at most 3 (a surrogate pair, 2 units, takes 4; a lone surrogate is
 * escaped, 6).
 */
const MOST_BYTES_PER_UNIT = 6

/** Most characters `JSON.stringify` writes for a number (`-1.2345678901234567e-308`; `null` when not finite). */
const MOST_NUMBER_CHARS = 24

/** A plain JSON object: what `JSON.parse` builds. A Date, a Map or a class instance is not one. */
function isPlainObject(value: object): value is Record<string, unknown> {
  const prototype = Object.getPrototypeOf(value)
  return prototype === Object.prototype || prototype === null
}

/** What one walk of a resource tells: its arrays, and a bound on its size. */
interface Measure {
  /** Every array in the resource with its length, by the path a PATCH would name it with. */
  readonly counts: [string, number][]
  /**
   * At least the UTF-8 bytes of the resource's JSON text (Infinity when the walk cannot tell: a value
   * nested deeper than SCIM values nest, or not plain JSON data).
   */
  readonly bytesAtMost: number
}

function measure(resource: ScimResource): Measure {
  const counts: [string, number][] = []
  /**
   * Returns the bound for `value`. `level`: the resource itself, an extension object (keys are its
   * attributes), or anything below.
   */
  const walk = (
    value: unknown,
    where: string,
    level: 'resource' | 'extension' | 'inner',
    depth: number,
  ): number => {
    switch (typeof value) {
      case 'string':
        return 2 + MOST_BYTES_PER_UNIT * value.length
      case 'number':
        return MOST_NUMBER_CHARS
      case 'boolean':
        return 5
      case 'undefined':
        return 0
      case 'object':
        break
      default:
        return Number.POSITIVE_INFINITY
    }
    if (value === null) return 4
    if (depth === 0) return Number.POSITIVE_INFINITY
    if (Array.isArray(value)) {
      counts.push([where, value.length])
      let bytes = 2 + value.length
      for (const element of value) bytes += walk(element, where, 'inner', depth - 1)
      return bytes
    }
    if (!isPlainObject(value)) return Number.POSITIVE_INFINITY
    let bytes = 2
    for (const key of Object.keys(value)) {
      // The key in quotes, a colon and a comma.
      bytes += 4 + MOST_BYTES_PER_UNIT * key.length
      const child = value[key]
      // A leaf holds no array: no path to build for it (most keys of a resource are leaves).
      if (typeof child !== 'object' || child === null) {
        bytes += walk(child, where, 'inner', depth - 1)
        continue
      }
      if (level === 'resource') {
        bytes += walk(value[key], key, URN_PREFIX.test(key) ? 'extension' : 'inner', depth - 1)
      } else {
        // `name.givenName`, `emails.value`; an extension's attributes as `urn:...:User:manager`.
        bytes += walk(
          value[key],
          level === 'extension' ? `${where}:${key}` : `${where}.${key}`,
          'inner',
          depth - 1,
        )
      }
    }
    return bytes
  }
  return { counts, bytesAtMost: walk(resource, '', 'resource', MAX_DEPTH) }
}
