// What the memory stores share: option checks, ids, tenancy and partitions, the production warning, indexed filter terms, sorting, paging.

import cluster from 'node:cluster'
import type { AttributePath, Filter } from '../../types/filter'
import type { AttributeDefinition } from '../../types/schema'
import type { ListPage, ListQuery, RequestContext, SortOrder } from '../../types/stores'
import { closestName } from '../closest-name'
import { configError } from '../errors'
import { compareCodePoints } from '../filter/evaluate'
import { frozenCopyOf, isObject, ownEntry } from '../json'
import { parseDateTime } from '../schema/datetime'
import { foldCase } from '../schema/fold'
import { createSchemaRegistry, findSubAttribute, type SchemaRegistry } from '../schema/registry'

/** Options of `MemoryUserStore` and `MemoryTeamStore`. */
export interface MemoryStoreOptions {
  /**
   * The schemas to evaluate filters and `sortBy` against: pass the router's registry when the host adds
   * extension schemas. Defaults to the built-in User, Enterprise User and Group.
   */
  readonly registry?: SchemaRegistry
}

/**
 * Checks a memory store's options and returns the registry to use. `registry` and the class's own
 * `keys` are the options; any other key is a `TypeError` naming the closest option, as
 * `createScimRouter` does. The caller reads its own keys' values.
 */
export function readStoreOptions(
  options: unknown,
  className: string,
  keys: readonly string[] = [],
): SchemaRegistry {
  if (options === undefined) return createSchemaRegistry()
  if (!isObject(options)) throw configError('ERR_INVALID_OPTION', `${className} options must be an object`)
  const known = ['registry', ...keys]
  for (const key of Object.keys(options)) {
    // A misspelt option would otherwise be ignored silently, and the host would not get what it asked for.
    if (known.includes(key)) continue
    const suggestion = closestName(key, known)
    throw configError(
      'ERR_UNKNOWN_OPTION',
      `unknown ${className} option "${key}"${suggestion ? ` (did you mean "${suggestion}"?)` : ''}`,
    )
  }
  const registry = options.registry
  if (registry === undefined) return createSchemaRegistry()
  // Duck-typed rather than instanceof: two copies of the package in one tree must still work together.
  if (!isObject(registry) || typeof registry.resolve !== 'function') {
    throw configError('ERR_INVALID_OPTION', `${className} "registry" must come from createSchemaRegistry()`)
  }
  return registry as unknown as SchemaRegistry
}

/**
 * The document a memory store keeps: a copy of `document` (or `{}`), without `dropped` in any case,
 * frozen once so that every read after shares it (records are replaced, never changed in place).
 */
export function storedDocument(document: unknown, dropped: string): Record<string, unknown> {
  return Object.freeze(isObject(document) ? frozenCopyOf(document, dropped) : {})
}

/**
 * Warns once per construction when the process runs in production: memory stores lose everything on
 * restart and are not shared between processes, which is never what a production host wants.
 */
export function warnInProduction(message: string): void {
  if (process.env.NODE_ENV === 'production') {
    process.emitWarning(message, { code: 'EXPRESS_SCIM_MEMORY_STORE' })
  }
}

/**
 * Refuses to build a memory store in a `node:cluster` worker (pm2's cluster mode included): each worker
 * would keep its own users and teams, and an IdP's requests, spread over the workers, would create,
 * miss and overwrite each other's. Several processes need a database-backed store.
 */
export function refuseClustered(className: string): void {
  if (cluster.isWorker) {
    throw configError(
      'ERR_INVALID_OPTION',
      `${className} keeps its data in this process, and this process is a cluster worker: each worker ` +
        'would see different users and teams; use a database-backed store with several processes',
    )
  }
}

/** The next version of a tenant's partition: counted per tenant, so no ETag tells how busy another is. */
export function nextVersion(partition: { readonly versions: { last: number } }): string {
  partition.versions.last += 1
  return String(partition.versions.last)
}

/** The tenant of a request context; a TypeError rather than a partition named "undefined". */
export function tenantOf(context: RequestContext): string {
  const tenant = context?.tenant
  if (typeof tenant !== 'string')
    throw configError('ERR_INVALID_ARGUMENT', 'the request context has no tenant')
  return tenant
}

/** Checks a tenant given directly (the host-side helpers take one instead of a context). */
export function checkTenant(tenant: unknown): string {
  if (typeof tenant !== 'string') throw configError('ERR_INVALID_ARGUMENT', 'tenant must be a string')
  return tenant
}

/**
 * A memory store's tenants, one partition each. Reads never create a partition, so probing unknown
 * tenants cannot grow the store; the first write makes it.
 */
export class TenantPartitions<P> {
  readonly #partitions = new Map<string, P>()
  readonly #create: () => P

  /** `create` makes the empty partition of a tenant's first write. */
  constructor(create: () => P) {
    this.#create = create
  }

  /** The tenant's partition, or undefined when nothing was ever written there. */
  read(tenant: string): P | undefined {
    return this.#partitions.get(tenant)
  }

  /** The tenant's partition, made empty on its first write. */
  write(tenant: string): P {
    let partition = this.#partitions.get(tenant)
    if (partition === undefined) {
      partition = this.#create()
      this.#partitions.set(tenant, partition)
    }
    return partition
  }
}

/**
 * An equality a store can answer from an index: `key` is the lower-case attribute (`username`, `id`,
 * `members.value`), `value` the literal. Only string `eq` terms qualify: anything else goes to `compileFilter`.
 */
export interface IndexedTerm {
  /** Lower-case attribute, with `.sub` for a sub-attribute or a value path's attribute. */
  readonly key: string
  /** The string compared with. */
  readonly value: string
}

function termKey(path: AttributePath, coreSchema: string): string | undefined {
  if (path.schema !== undefined && path.schema.toLowerCase() !== coreSchema.toLowerCase()) return undefined
  const attribute = path.attribute.toLowerCase()
  return path.subAttribute === undefined ? attribute : `${attribute}.${path.subAttribute.toLowerCase()}`
}

/**
 * The indexed equality a filter node is, if any: `attr eq "x"`, `attr.sub eq "x"` or `attr[sub eq "x"]`,
 * where the key is one of `keys`. Paths may be qualified by the resource's core schema URN.
 */
export function indexedTerm(
  filter: Filter,
  coreSchema: string,
  keys: ReadonlySet<string>,
): IndexedTerm | undefined {
  if (filter.kind === 'comparison') {
    if (filter.operator !== 'eq' || typeof filter.value !== 'string') return undefined
    const key = termKey(filter.path, coreSchema)
    return key !== undefined && keys.has(key) ? { key, value: filter.value } : undefined
  }
  if (filter.kind === 'valuePath') {
    const inner = filter.filter
    if (inner.kind !== 'comparison' || inner.operator !== 'eq' || typeof inner.value !== 'string')
      return undefined
    if (inner.path.schema !== undefined || inner.path.subAttribute !== undefined) return undefined
    const top = termKey(filter.path, coreSchema)
    if (top === undefined || top.includes('.')) return undefined
    const key = `${top}.${inner.path.attribute.toLowerCase()}`
    return keys.has(key) ? { key, value: inner.value } : undefined
  }
  return undefined
}

/**
 * A filter split for an indexed store: the top-level `and` operands that are indexed equalities, and the
 * rest as one filter (undefined when nothing is left). The resources matching the filter are those that
 * satisfy every term and the rest, so a store can start from the first term's index entry.
 */
export interface FilterPlan {
  /** Indexed equalities, in source order. */
  readonly terms: readonly IndexedTerm[]
  /** Everything else, to compile; undefined when the terms say it all. */
  readonly rest: Filter | undefined
}

/** Splits a filter into indexed terms and the rest (see `FilterPlan`). */
export function planFilter(filter: Filter, coreSchema: string, keys: ReadonlySet<string>): FilterPlan {
  const operands = filter.kind === 'and' ? filter.filters : [filter]
  const terms: IndexedTerm[] = []
  const rest: Filter[] = []
  for (const operand of operands) {
    const term = indexedTerm(operand, coreSchema, keys)
    if (term) terms.push(term)
    else rest.push(operand)
  }
  const [only] = rest
  return { terms, rest: rest.length > 1 ? { kind: 'and', filters: rest } : only }
}

/** A normalised sort key: strings (`foldCase()`d unless caseExact) or numbers (booleans and dateTimes too). */
export type SortKey = string | number

function sortKeyOf(value: unknown, leaf: AttributeDefinition): SortKey | undefined {
  switch (leaf.type) {
    case 'boolean':
      return typeof value === 'boolean' ? Number(value) : undefined
    case 'integer':
    case 'decimal':
      return typeof value === 'number' && Number.isFinite(value) ? value : undefined
    case 'dateTime': {
      const instant = parseDateTime(value)
      return Number.isNaN(instant) ? undefined : instant
    }
    case 'complex':
      return undefined
    default:
      if (typeof value !== 'string') return undefined
      // The filters' fold (lib/schema/fold.ts), so that sortBy and gt / lt agree, here and in SQL.
      return leaf.caseExact ? value : foldCase(value)
  }
}

/**
 * Reads the sort key of `sortBy` from a resource view, or undefined when the path names nothing
 * sortable (the store then keeps its default order). A multi-valued attribute sorts by its primary
 * element, else its first (RFC 7644 §3.4.2.3); a multi-valued complex one named alone, by its `value`.
 */
export function sortKeyReader(
  registry: SchemaRegistry,
  resourceType: string,
  sortBy: AttributePath,
): ((resource: Record<string, unknown>) => SortKey | undefined) | undefined {
  const resolved = registry.resolve(resourceType, sortBy)
  if (!resolved) return undefined
  const { attribute } = resolved
  let sub = resolved.subAttribute
  if (sub === undefined && attribute.type === 'complex') {
    sub = attribute.multiValued ? findSubAttribute(attribute, 'value') : undefined
    if (sub === undefined) return undefined
  }
  const leaf = sub ?? attribute
  if (leaf.type === 'complex') return undefined
  return (resource) => {
    const holder = resolved.inExtension ? ownEntry(resource, resolved.schema)?.value : resource
    let value = ownEntry(holder, attribute.name)?.value
    if (Array.isArray(value)) value = value.find((e) => isObject(e) && e.primary === true) ?? value[0]
    if (sub !== undefined) value = ownEntry(value, sub.name)?.value
    return sortKeyOf(value, leaf)
  }
}

function compareKeys(a: SortKey, b: SortKey): number {
  if (typeof a === 'string' && typeof b === 'string') return compareCodePoints(a, b)
  if (typeof a === 'number' && typeof b === 'number') return a < b ? -1 : a > b ? 1 : 0
  // One leaf has one type, so this only happens for odd data: numbers first, deterministically.
  return typeof a === 'number' ? -1 : 1
}

/**
 * Sorts items by key. Missing keys go last when ascending and first when descending (RFC 7644
 * §3.4.2.3); equal keys keep creation order in both directions, so paging is stable.
 */
export function sortItems<T>(
  items: readonly T[],
  keyOf: (item: T) => SortKey | undefined,
  order: SortOrder,
  sequenceOf: (item: T) => number,
): T[] {
  const sign = order === 'descending' ? -1 : 1
  const decorated = items.map((item) => ({ item, key: keyOf(item), sequence: sequenceOf(item) }))
  decorated.sort((a, b) => compareSorted(a, b, sign))
  return decorated.map((d) => d.item)
}

/** A record's place in a sorted list: its sort key (undefined: no value) and its creation sequence. */
export interface SortedPlace {
  readonly key: SortKey | undefined
  readonly sequence: number
}

/**
 * The list order: by key (`sign` -1 for descending), records without a value after the others when
 * ascending and before them when descending, creation order breaking ties.
 */
export function compareSorted(a: SortedPlace, b: SortedPlace, sign: number): number {
  if (a.key === undefined || b.key === undefined) {
    if (a.key !== undefined) return -sign
    if (b.key !== undefined) return sign
  } else {
    const c = compareKeys(a.key, b.key)
    if (c !== 0) return sign * c
  }
  return a.sequence - b.sequence
}

/** How many matches to skip and take for a 1-based `startIndex` and a `count` (RFC 7644 §3.4.2.4). */
export function pageBounds(
  startIndex: number,
  count: number,
): { readonly skip: number; readonly take: number } {
  // RFC 7644 §3.4.2.4: a startIndex below 1 is read as 1; a negative count as 0.
  return {
    skip: startIndex > 1 ? Math.floor(startIndex) - 1 : 0,
    take: count > 0 ? Math.floor(count) : 0,
  }
}

/** Remembers a view per item for the duration of one list call (filtering and sorting read it twice). */
export function memoize<T extends object, V>(build: (item: T) => V): (item: T) => V {
  const cache = new Map<T, V>()
  return (item) => {
    let view = cache.get(item)
    if (view === undefined) {
      view = build(item)
      cache.set(item, view)
    }
    return view
  }
}

/**
 * One page of the records `source` yields that `matches` accepts, and their total. Unsorted, records
 * stream in creation order and only the page is copied; sorted, the matches are ordered by `keyOf` with
 * creation order (`sequenceOf`) breaking ties, so pages are stable.
 */
export function pageOf<R, T>(
  source: Iterable<R>,
  matches: (record: R) => boolean,
  query: ListQuery,
  keyOf: ((record: R) => SortKey | undefined) | undefined,
  sequenceOf: (record: R) => number,
  copyOut: (record: R) => T,
): ListPage<T> {
  const { skip, take } = pageBounds(query.startIndex, query.count)
  if (!keyOf) {
    let total = 0
    const resources: T[] = []
    for (const record of source) {
      if (!matches(record)) continue
      total += 1
      if (total > skip && resources.length < take) resources.push(copyOut(record))
    }
    return { totalResults: total, resources }
  }
  const matched: R[] = []
  for (const record of source) if (matches(record)) matched.push(record)
  const sorted = sortItems(matched, keyOf, query.sortOrder, sequenceOf)
  return { totalResults: matched.length, resources: sorted.slice(skip, skip + take).map(copyOut) }
}
