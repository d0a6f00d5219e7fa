// The working copy of one PATCH: each attribute the request touches copied once, edited privately, and marked when written.
import { copyJson, ownEntry } from '../json'
import { MemberTracker } from './members'
import { mutability } from './mutability'
import { type AttributeRef, isMembers, type PathSettings } from './targets'
import { canonicalKeys } from './values'
import { tooManyValues, WorkingList } from './working-list'

/** One attribute's state within a request. */
export interface Entry {
  readonly ref: AttributeRef
  /** The value before the request (undefined = unassigned). */
  readonly before: unknown
  /** The working copy: a value, or the elements of a multi-valued attribute. */
  value: unknown
  /** True once an operation wrote it; only written attributes reach the result. */
  written: boolean
}

/** A value as a list of elements: none for unassigned, itself for an array, else one element. */
export function asArray(value: unknown): unknown[] {
  if (value === undefined || value === null) return []
  return Array.isArray(value) ? value : [value]
}

/** The attributes one request has read or written. Holds copies only: the input resource is never written. */
export class WorkingCopy {
  /**
   * Attributes read or written so far, by `AttributeRef.id`: the value before the request, the private
   * working copy (a `WorkingList` for multi-valued attributes), and whether an operation wrote it. Each
   * attribute is copied once per request, however many operations touch it.
   */
  readonly #working = new Map<string, Entry>()
  /** Extensions removed as a whole (their stored objects are not carried over). */
  readonly #clearedExtensions = new Set<string>()
  #members: MemberTracker | undefined

  /** `original` is the resource as the request found it; it is read, never written. */
  constructor(
    readonly original: Record<string, unknown>,
    private readonly settings: PathSettings,
  ) {}

  /** Membership changes, created on first use: most requests never touch members. */
  get members(): MemberTracker {
    this.#members ??= new MemberTracker()
    return this.#members
  }

  /** The membership changes if any operation made one, without creating them. */
  get memberChanges(): MemberTracker | undefined {
    return this.#members
  }

  /** The entries made so far, in the order the request first touched their attributes. */
  entries(): IterableIterator<Entry> {
    return this.#working.values()
  }

  /** The lower-cased URNs of the extensions removed as a whole. */
  get clearedExtensions(): ReadonlySet<string> {
    return this.#clearedExtensions
  }

  /** The attribute as the request found it, whatever the request did since. */
  #found(ref: AttributeRef): unknown {
    if (!ref.resolved.inExtension) return ownEntry(this.original, ref.definition.name)?.value
    return ownEntry(ownEntry(this.original, ref.resolved.schema)?.value, ref.definition.name)?.value
  }

  /** The attribute as stored, unless the request removed its whole extension. Not a copy: do not edit it. */
  stored(ref: AttributeRef): unknown {
    if (ref.resolved.inExtension && this.#clearedExtensions.has(ref.resolved.schema.toLowerCase()))
      return undefined
    return this.#found(ref)
  }

  /** The working entry of an attribute, made (with its one copy) on first use. */
  #entry(ref: AttributeRef): Entry {
    const existing = this.#working.get(ref.id)
    if (existing) return existing
    const entry = this.#blankEntry(ref)
    const copy = canonicalKeys(ref.definition, copyJson(this.stored(ref)))
    const value = copy === null ? undefined : copy
    entry.value = ref.definition.multiValued ? this.#newList(ref, asArray(value)) : value
    return entry
  }

  /**
   * A working list for a multi-valued attribute, capped at `maxValuesPerAttribute` (or at what the
   * attribute held before the request, if more: old data stays writable) so that an add past the
   * limit stops at once. Group `members` are not capped: they are not in the document.
   */
  #newList(ref: AttributeRef, elements: readonly unknown[]): WorkingList {
    const limit = this.settings.maxValuesPerAttribute
    if (limit === undefined || isMembers(ref)) return new WorkingList(ref.definition, elements)
    const stored = this.#found(ref)
    const size = Math.max(limit, Array.isArray(stored) ? stored.length : 0)
    if (elements.length > size) throw tooManyValues(ref.key, size)
    return new WorkingList(ref.definition, elements, { size, name: ref.key })
  }

  /** A working entry made for a write that replaces the attribute: nothing of the stored value is read. */
  #blankEntry(ref: AttributeRef): Entry {
    if (isMembers(ref) && !this.settings.membersLoaded) {
      throw new Error('express-scim: this PATCH needs the member list; check requiresMemberList() first')
    }
    const entry: Entry = { ref, before: this.#found(ref) ?? undefined, value: undefined, written: false }
    this.#working.set(ref.id, entry)
    return entry
  }

  /** A single-valued attribute's current value: the private copy, safe to change in place, then `write()`. */
  read(ref: AttributeRef): unknown {
    const value = this.#entry(ref).value
    return value instanceof WorkingList ? (value.size > 0 ? value.values() : undefined) : value
  }

  /** A multi-valued attribute's elements: edit them through the list, then `commit()`. */
  list(ref: AttributeRef): WorkingList {
    const entry = this.#entry(ref)
    if (entry.value instanceof WorkingList) return entry.value
    const list = this.#newList(ref, asArray(entry.value))
    entry.value = list
    return list
  }

  /** Sets a single-valued attribute (or a whole multi-valued one, as a fresh list). */
  write(ref: AttributeRef, value: unknown): void {
    const empty = value === undefined || value === null || (Array.isArray(value) && value.length === 0)
    // RFC 7644 §3.5.2: an operation that leaves a required attribute unassigned is a mutability error.
    if (empty && ref.definition.required) throw mutability(`'${ref.key}' is required and cannot be removed`)
    // A first write of an attribute needs no copy of the stored value: it replaces it.
    const entry = this.#working.get(ref.id) ?? this.#blankEntry(ref)
    entry.written = true
    entry.value = ref.definition.multiValued
      ? this.#newList(ref, empty ? [] : asArray(value))
      : empty
        ? undefined
        : value
  }

  /** Records that an operation edited a multi-valued attribute through `list()`. */
  commit(ref: AttributeRef): void {
    const entry = this.#entry(ref)
    if (ref.definition.required && entry.value instanceof WorkingList && entry.value.size === 0) {
      throw mutability(`'${ref.key}' is required and cannot be removed`)
    }
    entry.written = true
  }

  /** Drops a whole extension: its stored object is not carried over, and edits of it so far are undone. */
  clearExtension(schema: string): void {
    const urn = schema.toLowerCase()
    for (const [key, entry] of this.#working) {
      if (entry.ref.resolved.inExtension && entry.ref.resolved.schema.toLowerCase() === urn)
        this.#working.delete(key)
    }
    this.#clearedExtensions.add(urn)
  }
}
