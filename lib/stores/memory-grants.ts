// MemoryGrantStore: a host's catalogue of roles or entitlements declared in code, filtered, sorted and paged as /Roles and /Entitlements need.
import type { Grant, GrantStore, ListPage, ListQuery, RequestContext } from '../../types/stores'
import { configError } from '../errors'
import { compileFilter } from '../filter/evaluate'
import { grantProblem, grantResource } from '../representation/grants'
import type { ScimResource } from '../representation/resources'
import { GRANT_SCHEMA_URNS, type GrantKind } from '../schema/grants'
import type { SchemaRegistry } from '../schema/registry'
import { memoize, pageOf, readStoreOptions, sortKeyReader } from './shared'

/** Options of `MemoryGrantStore`. */
export interface MemoryGrantStoreOptions {
  /** What the catalogue holds, for filters and `sortBy`: `Role` (default) or `Entitlement`. */
  readonly kind?: GrantKind
  /** The router's registry, when it was built with `grantSchemas: 'okta'` (URN-qualified filter paths). */
  readonly registry?: SchemaRegistry
}

interface GrantRecord {
  readonly grant: Grant
  readonly sequence: number
  readonly view: ScimResource
}

/**
 * A catalogue of roles (or entitlements) given as a list: the same for every tenant, read-only, kept
 * in memory. Unlike the memory user and team stores it is fit for production: a host's roles are
 * usually declared in code (Grafana's Viewer, Editor and Admin), so every replica holds the same list.
 * A host whose catalogue changes at run time (custom roles in its database) writes its own GrantStore.
 */
export class MemoryGrantStore implements GrantStore {
  readonly #byValue = new Map<string, GrantRecord>()
  readonly #records: readonly GrantRecord[]
  readonly #registry: SchemaRegistry
  readonly #kind: GrantKind

  /** Throws `TypeError` on a malformed grant, two grants with one value, or an unknown option. */
  constructor(grants: readonly Grant[], options?: MemoryGrantStoreOptions) {
    this.#registry = readStoreOptions(options, 'MemoryGrantStore', ['kind'])
    const kind = options?.kind ?? 'Role'
    if (kind !== 'Role' && kind !== 'Entitlement')
      throw configError('ERR_INVALID_OPTION', "MemoryGrantStore kind must be 'Role' or 'Entitlement'")
    this.#kind = kind
    if (!Array.isArray(grants))
      throw configError('ERR_INVALID_ARGUMENT', 'MemoryGrantStore needs an array of grants')
    const schema = this.#registry.getResourceType(kind)?.schema ?? GRANT_SCHEMA_URNS.ietf[kind]
    const records: GrantRecord[] = []
    for (const given of grants as readonly unknown[]) {
      const problem = grantProblem(given)
      if (problem) throw configError('ERR_INVALID_ARGUMENT', `MemoryGrantStore: ${problem}`)
      const grant = Object.freeze({ ...(given as Grant) })
      if (this.#byValue.has(grant.value))
        throw configError(
          'ERR_INVALID_ARGUMENT',
          `MemoryGrantStore: two grants have the value ${JSON.stringify(grant.value)}`,
        )
      const record = { grant, sequence: records.length, view: grantResource(grant, kind, schema) }
      this.#byValue.set(grant.value, record)
      records.push(record)
    }
    this.#records = Object.freeze(records)
  }

  /** One page of the catalogue: the filter evaluated against each grant's SCIM view; default order: as given. */
  list(query: ListQuery, _context: RequestContext): ListPage<Grant> {
    const options = { registry: this.#registry, resourceType: this.#kind }
    const matches = query.filter ? compileFilter(query.filter, options) : undefined
    const sortKey = query.sortBy ? sortKeyReader(this.#registry, this.#kind, query.sortBy) : undefined
    const keyOf = sortKey ? memoize((record: GrantRecord) => sortKey(record.view)) : undefined
    return pageOf(
      this.#records,
      matches ? (record) => matches(record.view) : () => true,
      query,
      keyOf,
      (record) => record.sequence,
      (record) => record.grant,
    )
  }

  /** The grant whose value is exactly `value`. */
  get(value: string, _context: RequestContext): Grant | undefined {
    return this.#byValue.get(value)?.grant
  }

  /** The grants among `values`, once each. */
  find(values: readonly string[], _context: RequestContext): Grant[] {
    const found: Grant[] = []
    for (const value of new Set(values)) {
      const record = this.#byValue.get(value)
      if (record) found.push(record.grant)
    }
    return found
  }
}
