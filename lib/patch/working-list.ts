// A multi-valued attribute's elements during one PATCH: copied once, indexed on demand and kept indexed, so an operation costs what it touches.
import type { Filter } from '../../types/filter'
import type { AttributeDefinition } from '../../types/schema'
import { readBooleanString } from '../dialect'
import { scimError } from '../errors'
import { filterTerms } from '../filter/evaluate'
import { isObject, jsonEqual } from '../json'
import { foldCase } from '../schema/fold'
import { findSubAttribute } from '../schema/registry'

/** Slots of the elements that share one key. */
type Buckets = Map<string, Set<number>>

/** What an element looks like to the indexes: the key of one of its sub-attribute values, or none. */
type Keyer = (value: unknown) => string | undefined

/** The bytes of an element one test counts for: a comparison against a longer element counts more. */
const TEST_BYTES = 256

/** A removed element's slot: removal leaves a hole rather than moving every later element. */
const HOLE: unique symbol = Symbol('removed')

function add(buckets: Buckets, key: string, slot: number): void {
  const set = buckets.get(key)
  if (set) set.add(slot)
  else buckets.set(key, new Set([slot]))
}

function drop(buckets: Buckets, key: string, slot: number): void {
  const set = buckets.get(key)
  if (!set) return
  set.delete(slot)
  if (set.size === 0) buckets.delete(key)
}

/**
 * The key of a sub-attribute value for equality look-ups, or undefined when the value cannot be keyed
 * (a value of another type than the schema says, from old data: such elements are always candidates).
 * Keys are coarser than filter equality (strings fold whatever `caseExact` says), so a look-up never
 * misses a match; every candidate is then tested with the filter itself.
 */
function keyerFor(sub: AttributeDefinition): Keyer | undefined {
  if (sub.multiValued) return undefined
  switch (sub.type) {
    case 'string':
    case 'reference':
    case 'binary':
      return (v) => (typeof v === 'string' ? `s${foldCase(v)}` : undefined)
    case 'boolean':
      return (v) => (typeof v === 'boolean' ? `b${v}` : undefined)
    case 'integer':
    case 'decimal':
      return (v) => (typeof v === 'number' ? `n${v}` : undefined)
    default:
      // dateTime compares instants (many spellings of one), complex has no equality: scanned.
      return undefined
  }
}

/** The key an `eq` literal looks up, in the keyer's terms (Entra's "True" / "False" read as booleans). */
function literalKey(sub: AttributeDefinition, literal: unknown): string {
  // Entra's "True" / "False" (the dialect module's rule; under `strict` the filter was refused already).
  const read = sub.type === 'boolean' ? readBooleanString(literal, 'lenient') : undefined
  if (read !== undefined) return `b${read}`
  return keyerFor(sub)?.(literal) ?? '\u0000'
}

/**
 * The elements of one multi-valued attribute while a PATCH edits them. Built once per attribute per
 * request from a private copy; equality indexes (per sub-attribute, and on the element identity that
 * RFC 7644 §3.5.2.1 uses to avoid duplicates) are built on first use and kept current by every edit, so
 * `emails[value eq "x"]` costs O(1) at any length, and 1,000 operations cost O(1,000), not O(1,000 × n).
 */
export class WorkingList {
  readonly #definition: AttributeDefinition
  readonly #cap: { readonly size: number; readonly name: string } | undefined
  readonly #slots: (unknown | typeof HOLE)[]
  #live: number
  /** Equality indexes by canonical sub-attribute name: keyed slots, and slots whose value has no key. */
  readonly #indexes = new Map<string, { keyer: Keyer; keyed: Buckets; unkeyed: Set<number> }>()
  #identity: { key: (element: unknown) => string; buckets: Buckets } | undefined
  /** Test weights of the elements by slot, computed on first use and forgotten when an element changes. */
  readonly #weights: (number | undefined)[] = []
  /** Slots whose element says `primary: true` (RFC 7643 §2.4: at most one should). */
  readonly #primaries = new Set<number>()

  /**
   * `elements` must be a private copy: the list edits them in place. `cap` is the most elements it may
   * grow to (the attribute's name for the 400 past it): an add past it stops at the first element over,
   * before the rest is indexed.
   */
  constructor(
    definition: AttributeDefinition,
    elements: readonly unknown[],
    cap?: { readonly size: number; readonly name: string },
  ) {
    this.#definition = definition
    this.#cap = cap
    this.#slots = [...elements]
    this.#live = elements.length
    this.#slots.forEach((element, slot) => {
      if (isPrimary(element)) this.#primaries.add(slot)
    })
  }

  /** The attribute whose elements these are. */
  get definition(): AttributeDefinition {
    return this.#definition
  }

  /** How many elements the attribute has now. */
  get size(): number {
    return this.#live
  }

  /** The elements in order, holes left out. */
  values(): unknown[] {
    if (this.#live === this.#slots.length) return this.#slots as unknown[]
    return this.#slots.filter((element) => element !== HOLE)
  }

  /** The element in `slot` (a live slot from `find` / `findSame`). */
  at(slot: number): unknown {
    return this.#slots[slot]
  }

  /**
   * The slots of the elements `test` accepts, in order. A filter made of `sub eq value` terms (the
   * shapes IdPs send) is answered from an index; any other filter tests every element. `charge` is told
   * how many elements will be tested before any is, so the caller can refuse work it will not pay for.
   */
  find(filter: Filter, test: (element: unknown) => boolean, charge: (tests: number) => void): number[] {
    const candidates = this.#select(filter)
    const tested = candidates
      ? [...candidates].sort((a, b) => a - b)
      : this.#slots.flatMap((element, slot) => (element === HOLE ? [] : [slot]))
    // One test is one comparison against up to TEST_BYTES of an element: what the work really is.
    const terms = filterTerms(filter)
    let tests = 0
    for (const slot of tested) tests += terms * this.#weightOf(slot)
    charge(tests)
    return tested.filter((slot) => test(this.#slots[slot]))
  }

  /** How many tests one comparison against the element in `slot` counts for: one per TEST_BYTES begun. */
  #weightOf(slot: number): number {
    let weight = this.#weights[slot]
    if (weight === undefined) {
      weight = 1 + Math.floor((JSON.stringify(this.#slots[slot])?.length ?? 0) / TEST_BYTES)
      this.#weights[slot] = weight
    }
    return weight
  }

  /**
   * Changes the live element in `slot` in place (it is the list's private copy), keeping the indexes
   * current: cheaper than a copy per element when one operation edits many.
   */
  update(slot: number, change: (element: Record<string, unknown>) => void): void {
    const element = this.#slots[slot] as Record<string, unknown>
    this.#untrack(slot, element)
    change(element)
    this.#track(slot, element)
  }

  /** The slots holding an element with the same identity as `element` (its `value`, or the element itself). */
  findSame(element: unknown): number[] {
    const slots = this.#identityIndex().buckets.get(this.#identityIndex().key(element))
    return slots ? [...slots].sort((a, b) => a - b) : []
  }

  /** Appends an element; returns its slot. */
  push(element: unknown): number {
    if (this.#cap && this.#live >= this.#cap.size) throw tooManyValues(this.#cap.name, this.#cap.size)
    const slot = this.#slots.length
    this.#slots.push(element)
    this.#live++
    this.#track(slot, element)
    return slot
  }

  /** Puts `element` in place of the live element in `slot`. */
  replace(slot: number, element: unknown): void {
    this.#untrack(slot, this.#slots[slot])
    this.#slots[slot] = element
    this.#track(slot, element)
  }

  /** Removes the live element in `slot`. */
  remove(slot: number): void {
    this.#untrack(slot, this.#slots[slot])
    this.#slots[slot] = HOLE
    this.#live--
  }

  /**
   * Adds elements without duplicates (RFC 7644 §3.5.2.1): an element whose identity is already present
   * updates that element's mutable sub-attributes instead. Returns the slots written (for
   * `settlePrimary`) and whether anything changed. O(added), whatever the list's length.
   */
  union(added: readonly unknown[]): { written: number[]; changed: boolean } {
    const written: number[] = []
    let changed = false
    for (const element of added) {
      const at = this.findSame(element)[0]
      if (at === undefined) {
        written.push(this.push(element))
        changed = true
        continue
      }
      const existing = this.#slots[at]
      if (!isObject(element) || !isObject(existing)) continue
      const merged: Record<string, unknown> = { ...existing }
      for (const [subName, subValue] of Object.entries(element)) {
        const sub = findSubAttribute(this.#definition, subName)
        if (sub && sub.mutability !== 'immutable') merged[subName] = subValue
      }
      if (!jsonEqual(merged, existing)) {
        this.replace(at, merged)
        changed = true
      }
      written.push(at)
    }
    return { written, changed }
  }

  /**
   * RFC 7643 §2.4: `primary: true` appears at most once. When one of the elements just written (`slots`,
   * in the order they were written) says so, the last that does wins and every other element that says
   * so becomes `primary: false`. Only elements that say so are visited, so this costs what it changes.
   */
  settlePrimary(slots: readonly number[]): void {
    let winner: number | undefined
    for (let i = slots.length - 1; i >= 0 && winner === undefined; i--) {
      if (isPrimary(this.#slots[slots[i]!])) winner = slots[i]
    }
    if (winner === undefined) return
    for (const other of [...this.#primaries]) {
      if (other === winner) continue
      this.update(other, (element) => {
        element.primary = false
      })
    }
  }

  /**
   * A superset of the slots `filter` can match, from the indexes, or undefined when the filter needs a
   * scan: `sub eq literal` looks up one index, `and` the first child that can, `or` the union of all.
   */
  #select(filter: Filter): Set<number> | undefined {
    switch (filter.kind) {
      case 'comparison': {
        if (filter.operator !== 'eq' || filter.value === null) return undefined
        if (filter.path.schema !== undefined || filter.path.subAttribute !== undefined) return undefined
        const definition = findSubAttribute(this.#definition, filter.path.attribute)
        const index = definition && this.#index(definition)
        if (!definition || !index) return undefined
        const keyed = index.keyed.get(literalKey(definition, filter.value))
        if (index.unkeyed.size === 0) return keyed ?? new Set()
        const out = new Set(index.unkeyed)
        for (const slot of keyed ?? []) out.add(slot)
        return out
      }
      case 'and':
        // Every match satisfies each child: the first child with an index narrows enough.
        for (const child of filter.filters) {
          const selected = this.#select(child)
          if (selected) return selected
        }
        return undefined
      case 'or': {
        // A match satisfies some child: the union of every child's candidates.
        const out = new Set<number>()
        for (const child of filter.filters) {
          const selected = this.#select(child)
          if (!selected) return undefined
          for (const slot of selected) out.add(slot)
        }
        return out
      }
      default:
        return undefined
    }
  }

  #index(sub: AttributeDefinition) {
    const existing = this.#indexes.get(sub.name)
    if (existing) return existing
    const keyer = keyerFor(sub)
    if (!keyer) return undefined
    const index = { keyer, keyed: new Map() as Buckets, unkeyed: new Set<number>() }
    this.#indexes.set(sub.name, index)
    this.#slots.forEach((element, slot) => {
      if (element !== HOLE) indexElement(index, sub.name, slot, element, true)
    })
    return index
  }

  #identityIndex() {
    if (this.#identity) return this.#identity
    const identity = { key: identityOf(this.#definition), buckets: new Map() as Buckets }
    this.#slots.forEach((element, slot) => {
      if (element !== HOLE) add(identity.buckets, identity.key(element), slot)
    })
    this.#identity = identity
    return identity
  }

  #track(slot: number, element: unknown): void {
    this.#weights[slot] = undefined
    for (const [name, index] of this.#indexes) indexElement(index, name, slot, element, true)
    if (this.#identity) add(this.#identity.buckets, this.#identity.key(element), slot)
    if (isPrimary(element)) this.#primaries.add(slot)
  }

  #untrack(slot: number, element: unknown): void {
    for (const [name, index] of this.#indexes) indexElement(index, name, slot, element, false)
    if (this.#identity) drop(this.#identity.buckets, this.#identity.key(element), slot)
    this.#primaries.delete(slot)
  }
}

/** Adds (or removes) one element to (from) a sub-attribute index. Elements that are not objects never match. */
function indexElement(
  index: { keyer: Keyer; keyed: Buckets; unkeyed: Set<number> },
  name: string,
  slot: number,
  element: unknown,
  adding: boolean,
): void {
  if (!isObject(element) || !Object.hasOwn(element, name)) return
  const value = element[name]
  if (value === undefined || value === null) return
  const key = index.keyer(value)
  if (key === undefined) {
    if (adding) index.unkeyed.add(slot)
    else index.unkeyed.delete(slot)
  } else if (adding) add(index.keyed, key, slot)
  else drop(index.keyed, key, slot)
}

/** 400 `invalidValue` for an attribute that would hold more than `size` values. */
export function tooManyValues(name: string, size: number): Error {
  return scimError(
    400,
    'invalidValue',
    `'${name}' would have more than ${size} values; at most ${size} are accepted`,
  )
}

/** The value of `primary` in an element of a multi-valued complex attribute. */
export function isPrimary(element: unknown): boolean {
  return isObject(element) && element.primary === true
}

/**
 * The key two elements share when they are the same value (RFC 7644 §3.5.2.1 "duplicate"): `value`
 * (folded unless caseExact) if the attribute has one, else the element itself.
 */
export function identityOf(definition: AttributeDefinition): (element: unknown) => string {
  const valueSub = definition.type === 'complex' ? findSubAttribute(definition, 'value') : undefined
  if (!valueSub) {
    return (element) =>
      typeof element === 'string' && !definition.caseExact
        ? `s${foldCase(element)}`
        : `j${JSON.stringify(element)}`
  }
  return (element) => {
    const v = isObject(element) ? element[valueSub.name] : undefined
    if (v === undefined) return `j${JSON.stringify(element)}`
    return typeof v === 'string' && !valueSub.caseExact ? `s${foldCase(v)}` : `v${JSON.stringify(v)}`
  }
}
