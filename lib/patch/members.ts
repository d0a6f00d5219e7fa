// Membership changes of one PATCH, composed in order into a delta or a replacement for TeamStore.
import type { Filter } from '../../types/filter'
import type { MemberChanges, MemberReference } from '../../types/patch'
import { scimError } from '../errors'
import { isStorableId } from '../ids'
import { isObject } from '../json'

/** A member reference from a checked `members` element: `value` is required, `type` and `display` kept. */
export function toMemberReference(element: unknown, where: string): MemberReference {
  const value = isObject(element) ? element.value : undefined
  if (typeof value !== 'string' || value === '') {
    throw scimError(400, 'invalidValue', `'${where}' needs each member as {"value": "<id>"}`)
  }
  checkMemberId(value, where)
  const type = isObject(element) && typeof element.type === 'string' ? element.type : undefined
  const display = isObject(element) && typeof element.display === 'string' ? element.display : undefined
  return { value, ...(type !== undefined ? { type } : {}), ...(display !== undefined ? { display } : {}) }
}

/**
 * 400 for a member id no store could hold (U+0000, longer than `MAX_ID_LENGTH`): such an id names no
 * user, and a database would answer it with an error (PostgreSQL 22021), not an empty result.
 */
function checkMemberId(id: string, where: string): void {
  if (!isStorableId(id)) {
    throw scimError(400, 'invalidValue', `'${where}' names a member id that cannot exist`)
  }
}

/**
 * The member ids a filter selects when it is `value eq "id"` or an `or` of such terms: the shapes Entra
 * and Okta use to remove members, which a store can apply without reading the member list.
 */
export function memberIdsFromFilter(filter: Filter): string[] | undefined {
  const terms = filter.kind === 'or' ? filter.filters : [filter]
  const ids: string[] = []
  for (const term of terms) {
    if (term.kind !== 'comparison' || term.operator !== 'eq' || typeof term.value !== 'string')
      return undefined
    if (term.path.schema !== undefined || term.path.subAttribute !== undefined) return undefined
    if (term.path.attribute.toLowerCase() !== 'value') return undefined
    ids.push(term.value)
  }
  return ids
}

/**
 * Composes member operations in request order. After a replacement, later additions and removals edit
 * the replacement list; otherwise an addition cancels an earlier removal of the same id and vice versa.
 */
export class MemberTracker {
  #replacement: Map<string, MemberReference> | undefined
  readonly #added = new Map<string, MemberReference>()
  readonly #removed = new Set<string>()
  #touched = false

  /** True once any operation addressed the members. */
  get touched(): boolean {
    return this.#touched
  }

  /** True when the request replaced the whole list. */
  get replaced(): boolean {
    return this.#replacement !== undefined
  }

  add(members: readonly MemberReference[]): void {
    this.#touched = true
    for (const member of members) {
      if (this.#replacement) {
        if (!this.#replacement.has(member.value)) this.#replacement.set(member.value, member)
      } else {
        this.#removed.delete(member.value)
        if (!this.#added.has(member.value)) this.#added.set(member.value, member)
      }
    }
  }

  remove(ids: readonly string[]): void {
    this.#touched = true
    for (const id of ids) checkMemberId(id, 'members')
    for (const id of ids) {
      if (this.#replacement) {
        this.#replacement.delete(id)
      } else {
        this.#added.delete(id)
        this.#removed.add(id)
      }
    }
  }

  replace(members: readonly MemberReference[]): void {
    this.#touched = true
    this.#replacement = new Map()
    for (const member of members)
      if (!this.#replacement.has(member.value)) this.#replacement.set(member.value, member)
    this.#added.clear()
    this.#removed.clear()
  }

  /** The composed changes, as requested (for a store that did not load the list). */
  changes(): MemberChanges {
    return this.#replacement
      ? { kind: 'replace', members: [...this.#replacement.values()] }
      : { kind: 'delta', added: [...this.#added.values()], removed: [...this.#removed] }
  }
}
