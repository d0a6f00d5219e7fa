// Applies `attributes` / `excludedAttributes` (RFC 7644 §3.4.2.5) under each attribute's `returned` rule (RFC 7643 §7).
import type { AttributeDefinition } from '../../types/schema'
import { configError, scimError } from '../errors'
import type { FilterParser } from '../filter/parser'
import { isObject } from '../json'
import type { ScimResource } from '../representation/resources'
import type { SchemaRegistry } from '../schema/registry'

/** What the client asked to see: RFC 7644 §3.4.2.5. */
export interface ProjectionParameters {
  readonly attributes?: readonly string[]
  readonly excludedAttributes?: readonly string[]
}

/** Which attributes a response carries. */
export interface Projection {
  /**
   * The resource with only the attributes to return: the resource itself when all of them stay, so pass
   * one built for the response (never a stored document) and only serialise what comes back.
   */
  apply(resource: ScimResource): ScimResource
  /** True when the response would carry this core attribute (lets the router skip reading `members`). */
  includes(attribute: string): boolean
}

/** Most names one `attributes` or `excludedAttributes` list may hold (RFC 7644 §3.4.2.5 sets none). */
export const MAX_NAMES = 256

/** Most attribute keys one projection remembers the definition of. */
const RESOLUTION_CACHE_SIZE = 256

interface Selection {
  /** `schema:attribute` keys, lower-case, named whole. */
  readonly whole: ReadonlySet<string>
  /** `schema:attribute` keys whose sub-attributes were named, with those sub-attributes (lower-case). */
  readonly subs: ReadonlyMap<string, ReadonlySet<string>>
  /** Extension URNs named whole, lower-case. */
  readonly extensions: ReadonlySet<string>
}

function select(
  names: readonly string[] | undefined,
  registry: SchemaRegistry,
  resourceType: string,
  parser: FilterParser,
): Selection | undefined {
  if (!names) return undefined
  // Every name is parsed and resolved: bound the work. The schemas have far fewer attributes than this.
  if (names.length > MAX_NAMES) {
    throw scimError(400, 'invalidValue', `At most ${MAX_NAMES} attribute names may be listed`)
  }
  const whole = new Set<string>()
  const subs = new Map<string, Set<string>>()
  const extensions = new Set<string>()
  for (const name of names) {
    const path = parser.parsePatchPath(name)
    if (path.valueFilter) throw scimError(400, 'invalidValue', `'${name}' is not an attribute name`)
    if (path.attribute === undefined) {
      if (path.schema) extensions.add(path.schema.toLowerCase())
      continue
    }
    const resolved = registry.resolve(resourceType, {
      attribute: path.attribute,
      ...(path.schema === undefined ? {} : { schema: path.schema }),
      ...(path.subAttribute === undefined ? {} : { subAttribute: path.subAttribute }),
    })
    // RFC 7644 leaves unknown names open; ignoring them lets an IdP ask for attributes we do not serve.
    if (!resolved) continue
    const key = `${resolved.schema}:${resolved.attribute.name}`.toLowerCase()
    if (resolved.subAttribute) {
      const set = subs.get(key) ?? new Set<string>()
      set.add(resolved.subAttribute.name.toLowerCase())
      subs.set(key, set)
    } else {
      whole.add(key)
    }
  }
  return { whole, subs, extensions }
}

/** `schemas` or `id` in any case; lower-cases only keys of their lengths. */
function isSchemasOrId(key: string): boolean {
  if (key.length !== 2 && key.length !== 7) return false
  const lower = key.toLowerCase()
  return lower === 'schemas' || lower === 'id'
}

/** Sub-attributes by name as written and in lower case: elements repeat the same keys. */
function subAttributeIndex(definition: AttributeDefinition): Map<string, AttributeDefinition> {
  const index = new Map<string, AttributeDefinition>()
  for (const sub of definition.subAttributes ?? []) {
    index.set(sub.name, sub)
    index.set(sub.name.toLowerCase(), sub)
  }
  return index
}

/** True when the sub-attribute `key` names (as written or in any case) is one `keep` accepts. */
function keptSub(
  index: ReadonlyMap<string, AttributeDefinition>,
  keep: (sub: AttributeDefinition) => boolean,
  key: string,
): boolean {
  const sub = index.get(key) ?? index.get(key.toLowerCase())
  return sub !== undefined && keep(sub)
}

/** One complex value with only the kept sub-attributes: the value itself when every key stays. */
function pickOne(
  index: ReadonlyMap<string, AttributeDefinition>,
  keep: (sub: AttributeDefinition) => boolean,
  element: unknown,
): unknown {
  if (!isObject(element)) return element
  // Usually every key stays: then the element itself is the answer (responses never edit it). A loop,
  // not keys.every(closure): this runs for every complex value of every resource served.
  const keys = Object.keys(element)
  let all = true
  for (const key of keys) {
    if (!keptSub(index, keep, key)) {
      all = false
      break
    }
  }
  if (all) return element
  const out: Record<string, unknown> = {}
  for (const key of keys) if (keptSub(index, keep, key)) out[key] = element[key]
  return out
}

/** Keeps the sub-attributes of one complex value, or of each element of a list, that `keep` accepts. */
function pickSubs(
  index: ReadonlyMap<string, AttributeDefinition>,
  value: unknown,
  keep: (sub: AttributeDefinition) => boolean,
): unknown {
  if (!Array.isArray(value)) return pickOne(index, keep, value)
  // Likewise the list: a new one only from the first element that changed.
  let out: unknown[] | undefined
  for (let i = 0; i < value.length; i++) {
    const picked = pickOne(index, keep, value[i])
    if (out === undefined && picked !== value[i]) out = value.slice(0, i)
    out?.push(picked)
  }
  return out ?? value
}

/**
 * Builds the projection for one request. Names are parsed and resolved once; unknown names are ignored,
 * malformed ones are 400. `password` and other `returned: never` attributes are never returned.
 */
export function createProjection(
  registry: SchemaRegistry,
  resourceType: string,
  parser: FilterParser,
  parameters: ProjectionParameters,
): Projection {
  const type = registry.getResourceType(resourceType)
  if (!type) throw configError('ERR_INVALID_ARGUMENT', `unknown resource type ${resourceType}`)
  const included = select(parameters.attributes, registry, resourceType, parser)
  const excluded = select(parameters.excludedAttributes, registry, resourceType, parser)
  const coreSchema = registry.getSchema(type.schema)!
  const extensionUrns = new Set(type.schemaExtensions.map((e) => e.schema.toLowerCase()))

  // Built once per projection (per router for the default ones), per complex attribute met.
  const subIndexes = new Map<AttributeDefinition, Map<string, AttributeDefinition>>()
  const pick = (
    definition: AttributeDefinition,
    value: unknown,
    keep: (sub: AttributeDefinition) => boolean,
  ) => {
    let index = subIndexes.get(definition)
    if (!index) {
      index = subAttributeIndex(definition)
      subIndexes.set(definition, index)
    }
    return pickSubs(index, value, keep)
  }

  const subKeep = (sub: AttributeDefinition) => sub.returned !== 'never'

  /** What to return of one attribute: all, nothing, or some of its sub-attributes. */
  const decide = (schema: string, definition: AttributeDefinition, value: unknown): unknown => {
    if (definition.returned === 'never') return undefined
    if (definition.returned === 'always') return value
    if (!included && !excluded) {
      // The default projection (most responses): the `returned` rules alone decide.
      if (definition.returned === 'request') return undefined
      return definition.type === 'complex' ? pick(definition, value, subKeep) : value
    }
    const key = `${schema}:${definition.name}`.toLowerCase()
    const namedSubs = (selection: Selection | undefined) => selection?.subs.get(key)
    if (included) {
      if (included.whole.has(key) || included.extensions.has(schema.toLowerCase())) {
        return definition.type === 'complex' ? pick(definition, value, subKeep) : value
      }
      const subs = namedSubs(included)
      if (!subs || definition.type !== 'complex') return undefined
      return pick(
        definition,
        value,
        (sub) => sub.returned === 'always' || (subKeep(sub) && subs.has(sub.name.toLowerCase())),
      )
    }
    if (definition.returned === 'request') return undefined
    if (excluded?.whole.has(key) || excluded?.extensions.has(schema.toLowerCase())) return undefined
    const subs = namedSubs(excluded)
    return definition.type === 'complex'
      ? pick(
          definition,
          value,
          (sub) => sub.returned === 'always' || (subKeep(sub) && !subs?.has(sub.name.toLowerCase())),
        )
      : value
  }

  // Stored resources repeat the same few keys: remember their definitions (bounded, as a store could
  // hold odd keys). Keyed by schema, then by key: no string is built per key and request.
  const resolutions = new Map<string, Map<string, AttributeDefinition | null>>()
  let remembered = 0
  const resolveKey = (schema: string, key: string): AttributeDefinition | undefined => {
    let bySchema = resolutions.get(schema)
    if (bySchema === undefined) {
      bySchema = new Map()
      resolutions.set(schema, bySchema)
    }
    const known = bySchema.get(key)
    if (known !== undefined) return known ?? undefined
    const attribute = registry.resolve(resourceType, { schema, attribute: key })?.attribute
    if (remembered < RESOLUTION_CACHE_SIZE) {
      bySchema.set(key, attribute ?? null)
      remembered++
    }
    return attribute
  }

  /** What the response carries of one key of an object: its value, some of it, or undefined (nothing). */
  const keptValue = (schema: string, key: string, value: unknown, topLevel: boolean): unknown => {
    if (topLevel && isSchemasOrId(key)) return value
    // Attribute names hold no colon (RFC 7643 §2.1): only a key with one can be an extension URN.
    if (topLevel && key.includes(':') && extensionUrns.has(key.toLowerCase())) {
      const extension = registry.getSchema(key)
      if (!extension || !isObject(value)) return undefined
      const projected = projectObject(extension.id, value, false)
      return Object.keys(projected).length > 0 ? projected : undefined
    }
    const attribute = resolveKey(schema, key)
    return attribute ? decide(schema, attribute, value) : undefined
  }

  /**
   * The object with only what the response carries. Usually every key stays as it is: then the object
   * itself is the answer (callers pass a resource built for this response and only serialise what comes
   * back); a copy starts at the first key that is dropped or cut.
   */
  const projectObject = (
    schema: string,
    object: Record<string, unknown>,
    topLevel: boolean,
  ): Record<string, unknown> => {
    const keys = Object.keys(object)
    let out: Record<string, unknown> | undefined
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i]!
      const value = object[key]
      const kept = keptValue(schema, key, value, topLevel)
      if (out === undefined) {
        if (kept === value && value !== undefined) continue
        out = {}
        for (let j = 0; j < i; j++) out[keys[j]!] = object[keys[j]!]
      }
      if (kept !== undefined) out[key] = kept
    }
    return out ?? object
  }

  // The router asks the same one or two names (`members`, `groups`) of every response: answer each once.
  const asked = new Map<string, boolean>()
  return {
    apply: (resource) => projectObject(coreSchema.id, resource, true),
    includes(attribute) {
      let answer = asked.get(attribute)
      if (answer === undefined) {
        const resolved = registry.resolve(resourceType, { attribute })
        answer = resolved !== undefined && decide(resolved.schema, resolved.attribute, true) !== undefined
        if (asked.size < RESOLUTION_CACHE_SIZE) asked.set(attribute, answer)
      }
      return answer
    },
  }
}
