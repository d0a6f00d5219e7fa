// PATCH paths resolved against the schema: which attribute an operation addresses, its sub-attribute and value filter.
import type { Filter, PatchPath } from '../../types/filter'
import type { AttributeDefinition, ResolvedAttribute } from '../../types/schema'
import { isScimError, scimError } from '../errors'
import { compileValueFilter, type FilterPredicate } from '../filter/evaluate'
import { GROUP_SCHEMA } from '../schema/core'
import { findSubAttribute } from '../schema/registry'
import type { Settings } from './settings'

/** Most resolved paths one patcher remembers. */
const TARGET_CACHE_SIZE = 256

/** A top-level attribute of the resource type: where it lives and its canonical key in results. */
export interface AttributeRef {
  readonly resolved: ResolvedAttribute
  readonly definition: AttributeDefinition
  /** `name` for core attributes, `urn:...:name` for extension ones. */
  readonly key: string
  /** `key` in lower case: the identity of the attribute within one request. */
  readonly id: string
}

/** A path's value filter (`emails[type eq "work"]`): as parsed, and compiled against the attribute. */
export interface ValueFilter {
  readonly ast: Filter
  readonly test: FilterPredicate
}

/** What an operation's path addresses: a whole extension, or an attribute (with a sub-attribute or value filter). */
export type Target =
  | { readonly kind: 'extension'; readonly schema: string }
  | {
      readonly kind: 'attribute'
      readonly attribute: AttributeRef
      /** The sub-attribute after a dot (`name.givenName`), or after the filter (`emails[...].value`). */
      readonly sub?: AttributeDefinition
      readonly filter?: ValueFilter
    }

/** The reference of a resolved top-level attribute. */
export function attributeRef(resolved: ResolvedAttribute): AttributeRef {
  const definition = resolved.attribute
  const key = resolved.inExtension ? `${resolved.schema}:${definition.name}` : definition.name
  return {
    resolved: { schema: resolved.schema, inExtension: resolved.inExtension, attribute: definition },
    definition,
    key,
    id: key.toLowerCase(),
  }
}

/** 400 `invalidPath` (RFC 7644 §3.12). */
export const invalidPath = (detail: string) => scimError(400, 'invalidPath', detail)

/** 400 `noTarget` (RFC 7644 §3.12): a path, or its value filter, that selects nothing. */
export const noTarget = (detail: string) => scimError(400, 'noTarget', detail)

/** True for the association attribute whose changes go to TeamStore as deltas: a Group's `members`. */
export function isMembers(attribute: AttributeRef): boolean {
  return (
    !attribute.resolved.inExtension &&
    attribute.resolved.schema === GROUP_SCHEMA &&
    attribute.definition.name === 'members'
  )
}

/** A patcher's settings with its path cache. */
export interface PathSettings extends Settings {
  /**
   * Resolved targets by path text, for this patcher only. IdPs send the same few paths again and again;
   * the cache is bounded, so unique hostile paths cannot grow it.
   */
  readonly targets: Map<string, Target>
}

/** The settings of one patcher, with an empty path cache. */
export function pathSettingsFrom(settings: Settings): PathSettings {
  return { ...settings, targets: new Map() }
}

/** Resolves a parsed PATCH path against the schema (RFC 7644 §3.5.2): an unknown attribute is `invalidPath`. */
export function resolveTarget(settings: Settings, path: PatchPath, text: string): Target {
  const { registry, resourceType } = settings
  if (path.attribute === undefined) {
    const schema = registry.getSchema(path.schema ?? '')
    if (!schema || !settings.extensions.has(schema.id.toLowerCase())) {
      throw invalidPath(`'${text}' is not an extension of ${resourceType}`)
    }
    return { kind: 'extension', schema: schema.id }
  }
  if (path.valueFilter === undefined) {
    const resolved = registry.resolve(resourceType, { ...path, attribute: path.attribute })
    if (!resolved) throw invalidPath(`Unknown attribute '${text}'`)
    const sub = resolved.subAttribute
    return { kind: 'attribute', attribute: attributeRef(resolved), ...(sub ? { sub } : {}) }
  }
  const resolved = registry.resolve(resourceType, {
    ...(path.schema !== undefined ? { schema: path.schema } : {}),
    attribute: path.attribute,
  })
  if (!resolved) throw invalidPath(`Unknown attribute '${text}'`)
  if (resolved.attribute.type !== 'complex')
    throw invalidPath(`'${text}' filters an attribute that is not complex`)
  let sub: AttributeDefinition | undefined
  if (path.subAttribute !== undefined) {
    sub = findSubAttribute(resolved.attribute, path.subAttribute)
    if (!sub) throw invalidPath(`Unknown sub-attribute in '${text}'`)
  }
  let test: FilterPredicate
  try {
    test = compileValueFilter(path.valueFilter, resolved, { dialect: settings.dialect })
  } catch (error) {
    // A filter naming what the attribute lacks makes the path invalid (RFC 7644 §3.5.2).
    if (isScimError(error) && error.status === 400) throw invalidPath(`In '${text}': ${error.message}`)
    throw error
  }
  const ref = attributeRef(resolved)
  return {
    kind: 'attribute',
    attribute: ref,
    ...(sub ? { sub } : {}),
    filter: { ast: path.valueFilter, test },
  }
}

/** Parses and resolves a path, through the patcher's bounded cache: IdPs send the same few paths. */
export function parsePath(settings: PathSettings, text: unknown): Target {
  if (typeof text !== 'string') throw invalidPath('"path" must be a string')
  const { targets } = settings
  const cached = targets.get(text)
  if (cached) return cached
  const target = resolveTarget(settings, settings.parser.parsePatchPath(text), text)
  if (targets.size >= TARGET_CACHE_SIZE) targets.clear()
  targets.set(text, target)
  return target
}
