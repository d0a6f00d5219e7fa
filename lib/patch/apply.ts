// Applies a SCIM PatchOp (RFC 7644 §3.5.2) to a resource: schema-bound, atomic, and never mutating its input.
import type { Filter } from '../../types/filter'
import type { MemberChanges, PatchOperation, PatchRequest, PatchResult } from '../../types/patch'
import type { AttributeDefinition } from '../../types/schema'
import {
  elementFromFilter,
  ignoresReadOnlyInPathLessValue,
  membersToRemove,
  normalizeOpName,
  pathLessKeyAsPath,
  startsWithUrn,
} from '../dialect'
import { scimError } from '../errors'
import type { FilterPredicate } from '../filter/evaluate'
import { copyJson, isObject, jsonEqual, ownEntry } from '../json'
import { findSubAttribute } from '../schema/registry'
import { MemberTracker, memberIdsFromFilter, toMemberReference } from './members'
import { type ApplyPatchOptions, checkRequest, settingsFrom } from './settings'
import {
  type AttributeRef,
  attributeRef,
  invalidPath,
  isMembers,
  type PathSettings,
  parsePath,
  pathSettingsFrom,
  resolveTarget,
  type Target,
} from './targets'
import { canonicalKeys, checkKey, cleanList, cleanSingle } from './values'
import { tooManyValues, WorkingList } from './working-list'

export {
  type ApplyPatchOptions,
  DEFAULT_MAX_OPERATIONS,
  DEFAULT_MAX_VALUE_FILTER_TESTS,
  PATCH_OP_SCHEMA,
} from './settings'

const mutability = (detail: string) => scimError(400, 'mutability', detail)
const noTarget = (detail: string) => scimError(400, 'noTarget', detail)

/** One attribute's state within a request. */
interface Entry {
  readonly ref: AttributeRef
  /** The value before the request (undefined = unassigned). */
  readonly before: unknown
  /** The working copy: a value, or the elements of a multi-valued attribute. */
  value: unknown
  /** True once an operation wrote it; only written attributes reach the result. */
  written: boolean
}

/** One application of one request. Holds copies only: the input resource is never written. */
class Patch {
  /**
   * Attributes read or written so far, by `AttributeRef.id`: the value before the request, the private
   * working copy (a `WorkingList` for multi-valued attributes), and whether an operation wrote it. Each
   * attribute is copied once per request, however many operations touch it.
   */
  readonly #working = new Map<string, Entry>()
  /** Extensions removed as a whole (their stored objects are not carried over). */
  readonly #clearedExtensions = new Set<string>()
  #members: MemberTracker | undefined
  /**
   * Operations so far, a path-less value's keys each counted as one (Entra's dotted and filtered keys
   * are operations on paths): `maxOperations` bounds them all, not only the `Operations` array.
   */
  #operations = 0
  /** Elements the value filters have tested so far (RFC 7644 §3.12 `tooMany` past the bound). */
  #tests = 0
  /** Counts value-filter tests; 400 `tooMany` past `maxValueFilterTests`, before the tests are made. */
  chargeTests(tests: number): void {
    this.#tests += tests
    if (this.#tests > this.settings.maxValueFilterTests) {
      throw scimError(
        400,
        'tooMany',
        `The PATCH's value filters would make more than ${this.settings.maxValueFilterTests} tests; send fewer or simpler operations`,
      )
    }
  }

  /** Membership changes, created on first use: most requests never touch members. */
  get members(): MemberTracker {
    this.#members ??= new MemberTracker()
    return this.#members
  }

  constructor(
    private readonly original: Record<string, unknown>,
    private readonly settings: PathSettings,
  ) {}

  // ---- reading and writing attributes --------------------------------------------------------------

  /** The attribute as the request found it, whatever the request did since. */
  #original(ref: AttributeRef): unknown {
    if (!ref.resolved.inExtension) return ownEntry(this.original, ref.definition.name)?.value
    return ownEntry(ownEntry(this.original, ref.resolved.schema)?.value, ref.definition.name)?.value
  }

  /** The attribute as stored, unless the request removed its whole extension. */
  #stored(ref: AttributeRef): unknown {
    if (ref.resolved.inExtension && this.#clearedExtensions.has(ref.resolved.schema.toLowerCase()))
      return undefined
    return this.#original(ref)
  }

  /** The working entry of an attribute, made (with its one copy) on first use. */
  #entry(ref: AttributeRef): Entry {
    const existing = this.#working.get(ref.id)
    if (existing) return existing
    const entry = this.#blankEntry(ref)
    const copy = canonicalKeys(ref.definition, copyJson(this.#stored(ref)))
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
    const stored = this.#original(ref)
    const size = Math.max(limit, Array.isArray(stored) ? stored.length : 0)
    if (elements.length > size) throw tooManyValues(ref.key, size)
    return new WorkingList(ref.definition, elements, { size, name: ref.key })
  }

  /** A working entry made for a write that replaces the attribute: nothing of the stored value is read. */
  #blankEntry(ref: AttributeRef): Entry {
    if (isMembers(ref) && !this.settings.membersLoaded) {
      throw new Error('express-scim: this PATCH needs the member list; check requiresMemberList() first')
    }
    const entry: Entry = { ref, before: this.#original(ref) ?? undefined, value: undefined, written: false }
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

  clearExtension(schema: string): void {
    const urn = schema.toLowerCase()
    for (const [key, entry] of this.#working) {
      if (entry.ref.resolved.inExtension && entry.ref.resolved.schema.toLowerCase() === urn)
        this.#working.delete(key)
    }
    this.#clearedExtensions.add(urn)
  }

  // ---- checks ------------------------------------------------------------------------------------

  /** RFC 7643 §7 mutability: readOnly never; immutable only where no value exists yet. */
  checkWritable(
    ref: AttributeRef,
    sub: AttributeDefinition | undefined,
    current: unknown,
    next: unknown,
    where: string,
  ) {
    for (const definition of sub ? [ref.definition, sub] : [ref.definition]) {
      if (definition.mutability === 'readOnly') throw mutability(`'${where}' is read-only`)
    }
    const governing = sub ?? ref.definition
    if (governing.mutability === 'immutable' && current !== undefined && !jsonEqual(current, next)) {
      throw mutability(`'${where}' is immutable and already has a value`)
    }
  }

  checkRemovable(ref: AttributeRef, sub: AttributeDefinition | undefined, where: string) {
    const definition = sub ?? ref.definition
    for (const d of sub ? [ref.definition, sub] : [ref.definition]) {
      if (d.mutability === 'readOnly') throw mutability(`'${where}' is read-only`)
    }
    if (definition.mutability === 'immutable') throw mutability(`'${where}' is immutable`)
    // RFC 7644 §3.5.2.2: removing a required attribute is a mutability error.
    if (definition.required) throw mutability(`'${where}' is required and cannot be removed`)
  }

  // ---- resolving paths ------------------------------------------------------------------------------

  // ---- operations -------------------------------------------------------------------------------

  /** Counts operations; 400 `tooMany` past `maxOperations` (RFC 7644 §3.12). */
  countOperations(count: number): void {
    this.#operations += count
    if (this.#operations > this.settings.maxOperations) {
      throw scimError(
        400,
        'tooMany',
        `The PATCH makes more than ${this.settings.maxOperations} operations (a path-less value's keys count each)`,
      )
    }
  }

  apply(operation: PatchOperation, index: number): void {
    this.countOperations(1)
    const where = `Operations[${index}]`
    if (!isObject(operation)) throw scimError(400, 'invalidSyntax', `${where} must be an object`)
    for (const key of Object.keys(operation)) checkKey(key, where)
    const op = normalizeOpName(operation.op, this.settings.dialect)
    if (op !== 'add' && op !== 'replace' && op !== 'remove') {
      throw scimError(400, 'invalidSyntax', `${where}.op must be "add", "remove" or "replace"`)
    }
    const hasPath = operation.path !== undefined && operation.path !== null
    if (op === 'remove') {
      // RFC 7644 §3.5.2.2: "path" is required for remove.
      if (!hasPath) throw noTarget(`${where}: remove needs a "path"`)
      this.remove(parsePath(this.settings, operation.path), String(operation.path), operation.value)
      return
    }
    if (!Object.hasOwn(operation, 'value'))
      throw scimError(400, 'invalidSyntax', `${where}: ${op} needs a "value"`)
    if (!hasPath) {
      this.setPathLess(operation.value, op, where)
      return
    }
    this.set(parsePath(this.settings, operation.path), String(operation.path), operation.value, op, false)
  }

  /** add / replace without a path: each key of the value object is an attribute (RFC 7644 §3.5.2.1, §3.5.2.3). */
  setPathLess(value: unknown, op: 'add' | 'replace', where: string): void {
    if (!isObject(value))
      throw scimError(400, 'invalidValue', `${where}: a ${op} without "path" needs an object value`)
    const { registry, dialect } = this.settings
    const keys = Object.keys(value)
    // The operation itself was counted; each further key is one more.
    this.countOperations(Math.max(0, keys.length - 1))
    for (const key of keys) {
      checkKey(key, where)
      const urn = startsWithUrn(key)
      const schema = urn ? registry.getSchema(key) : undefined
      const asPath = pathLessKeyAsPath(key, schema !== undefined, dialect)
      if (asPath !== undefined) {
        this.set(parsePath(this.settings, asPath), asPath, value[key], op, true)
        continue
      }
      if (schema) {
        this.set(
          resolveTarget(this.settings, { kind: 'patchPath', schema: key }, key),
          key,
          value[key],
          op,
          true,
        )
        continue
      }
      // RFC 7644 §3.5.2.1: the keys are attribute names. (The lenient dialect took dotted and URN keys above.)
      if (urn || key.includes('.')) throw invalidPath(`Unknown attribute '${key}'`)
      // A plain attribute name is also a path: resolve it as one (and through the same cache).
      const target = parsePath(this.settings, key)
      if (target.kind !== 'attribute' || target.sub || target.filter)
        throw invalidPath(`Unknown attribute '${key}'`)
      this.set(target, key, value[key], op, true)
    }
  }

  set(target: Target, where: string, value: unknown, op: 'add' | 'replace', pathLess: boolean): void {
    if (target.kind === 'extension') {
      if (value === null) {
        this.removeExtension(target.schema, where)
        return
      }
      if (!isObject(value))
        throw scimError(400, 'invalidValue', `'${where}' needs an object of its attributes`)
      for (const key of Object.keys(value)) {
        checkKey(key, where)
        const resolved = this.settings.registry.resolve(this.settings.resourceType, {
          schema: target.schema,
          attribute: key,
        })
        if (!resolved) throw invalidPath(`Unknown attribute '${key}' in '${where}'`)
        this.set(
          { kind: 'attribute', attribute: attributeRef(resolved) },
          `${where}:${key}`,
          value[key],
          op,
          true,
        )
      }
      return
    }
    const { attribute, sub, filter } = target
    if (filter) {
      this.setFiltered(attribute, filter, sub, value, where)
      return
    }
    if (sub) {
      this.setSubAttribute(attribute, sub, value, where)
      return
    }
    this.setAttribute(attribute, value, op, where, pathLess)
  }

  setAttribute(
    ref: AttributeRef,
    value: unknown,
    op: 'add' | 'replace',
    where: string,
    pathLess: boolean,
  ): void {
    const { definition } = ref
    const { dialect } = this.settings
    if (definition.mutability === 'readOnly') {
      const same = jsonEqual(this.#stored(ref), value)
      if (pathLess && ignoresReadOnlyInPathLessValue(definition, same, dialect)) return
      throw mutability(`'${where}' is read-only`)
    }
    if (value === null) {
      // RFC 7643 §2.5: null means unassigned.
      this.removeAttribute(ref, where)
      return
    }
    if (isMembers(ref)) {
      this.setMembers(ref, value, op, where)
      return
    }
    if (definition.multiValued) {
      const given = cleanList(definition, value, where, dialect) ?? []
      // An immutable attribute may be set while it has no value, never changed after (RFC 7643 §7).
      const immutable = definition.mutability === 'immutable'
      if (op === 'replace') {
        if (immutable) this.checkWritable(ref, undefined, this.read(ref), given, where)
        this.write(ref, given)
        this.list(ref).settlePrimary(given.map((_, slot) => slot))
        return
      }
      const list = this.list(ref)
      const hadValues = list.size > 0
      const { written, changed } = list.union(given)
      if (immutable && hadValues && changed)
        throw mutability(`'${where}' is immutable and already has a value`)
      list.settlePrimary(written)
      this.commit(ref)
      return
    }
    const cleaned = cleanSingle(definition, value, where, dialect)
    if (definition.type !== 'complex' && definition.mutability !== 'immutable') {
      // Nothing about the current value matters: skip copying it.
      this.write(ref, cleaned)
      return
    }
    const current = this.read(ref)
    if (definition.type === 'complex') {
      // Add merges sub-attributes (RFC 7644 §3.5.2.1); replace replaces those given and keeps the others (§3.5.2.3).
      const base = isObject(current) ? current : {}
      const given = isObject(cleaned) ? cleaned : {}
      for (const key of Object.keys(given)) {
        this.checkWritable(ref, findSubAttribute(definition, key), base[key], given[key], `${where}.${key}`)
      }
      const next = { ...base, ...given }
      this.checkWritable(ref, undefined, current, next, where)
      this.write(ref, Object.keys(next).length > 0 ? next : undefined)
      return
    }
    this.checkWritable(ref, undefined, current, cleaned, where)
    this.write(ref, cleaned)
  }

  /** `name.givenName`: one sub-attribute of a single-valued complex attribute. */
  setSubAttribute(ref: AttributeRef, sub: AttributeDefinition, value: unknown, where: string): void {
    if (ref.definition.multiValued) {
      throw invalidPath(`'${where}' names a sub-attribute of every element; select elements with a filter`)
    }
    const current = this.read(ref)
    const object = isObject(current) ? current : {}
    const cleaned = sub.multiValued
      ? cleanList(sub, value, where, this.settings.dialect)
      : cleanSingle(sub, value, where, this.settings.dialect)
    this.checkWritable(ref, sub, object[sub.name], cleaned, where)
    if (cleaned === undefined) {
      this.checkRemovable(ref, sub, where)
      delete object[sub.name]
    } else {
      object[sub.name] = cleaned
    }
    this.write(ref, Object.keys(object).length > 0 ? object : undefined)
  }

  /** `emails[type eq "work"]` or `emails[type eq "work"].value`: the elements the filter selects. */
  setFiltered(
    ref: AttributeRef,
    filter: { readonly ast: Filter; readonly test: FilterPredicate },
    sub: AttributeDefinition | undefined,
    value: unknown,
    where: string,
  ): void {
    const { definition } = ref
    const { dialect } = this.settings
    const cleaned = sub
      ? sub.multiValued
        ? cleanList(sub, value, where, dialect)
        : cleanSingle(sub, value, where, dialect)
      : cleanSingle(definition, value, where, dialect)
    if (!sub && cleaned !== undefined && !isObject(cleaned))
      throw scimError(400, 'invalidValue', `'${where}' needs an object`)
    const updatesOf = (): Record<string, unknown> =>
      sub ? { [sub.name]: cleaned } : { ...(cleaned as object) }
    const updates = Object.entries(updatesOf()).map(
      ([key, next]) => [key, next, findSubAttribute(definition, key)!] as const,
    )
    /** Applies the updates to a private element in place. */
    const update = (object: Record<string, unknown>): void => {
      for (const [key, next, subDefinition] of updates) {
        this.checkWritable(ref, subDefinition, object[key], next, where)
        if (next === undefined) delete object[key]
        else object[key] = next
      }
    }
    const list = definition.multiValued ? this.list(ref) : undefined
    const current = list ? undefined : this.read(ref)
    const slots = list
      ? list.find(filter.ast, filter.test, (tests) => this.chargeTests(tests))
      : isObject(current) && filter.test(current)
        ? [0]
        : []
    if (slots.length === 0) {
      const created = this.settings.createOnUnmatched
        ? elementFromFilter(filter.ast, definition, dialect)
        : undefined
      if (!created) throw noTarget(`'${where}' matches no element`)
      if (cleaned === undefined) return
      const element = { ...created, ...updatesOf() }
      for (const key of Object.keys(element)) {
        const subDefinition = findSubAttribute(definition, key)
        if (subDefinition?.mutability === 'readOnly')
          throw mutability(`'${where}' sets the read-only '${key}'`)
      }
      if (isMembers(ref)) this.members.add([toMemberReference(element, where)])
      if (!list) {
        this.write(ref, element)
        return
      }
      list.settlePrimary([list.push(element)])
      this.commit(ref)
      return
    }
    if (!list) {
      const object = current as Record<string, unknown>
      update(object)
      this.write(ref, Object.keys(object).length > 0 ? object : undefined)
      return
    }
    for (const slot of slots) {
      list.update(slot, update)
      if (Object.keys(list.at(slot) as object).length === 0) list.remove(slot)
    }
    list.settlePrimary(slots)
    this.commit(ref)
  }

  setMembers(ref: AttributeRef, value: unknown, op: 'add' | 'replace', where: string): void {
    const given = cleanList(ref.definition, value, where, this.settings.dialect) ?? []
    const references = given.map((element) => toMemberReference(element, where))
    if (op === 'replace') this.members.replace(references)
    else this.members.add(references)
    if (!this.settings.membersLoaded) return
    // A replacement list with duplicates means each member once (RFC 7644 §3.5.2.3).
    if (op === 'replace') this.write(ref, [])
    this.list(ref).union(given)
    this.commit(ref)
  }

  // ---- remove ------------------------------------------------------------------------------------

  remove(target: Target, where: string, value: unknown): void {
    if (target.kind === 'extension') {
      this.removeExtension(target.schema, where)
      return
    }
    const { attribute, sub, filter } = target
    if (filter) {
      this.removeFiltered(attribute, filter, sub, where)
      return
    }
    if (sub) {
      this.setSubAttribute(attribute, sub, null, where)
      return
    }
    if (value !== undefined && value !== null) {
      // A remove carries no value in RFC 7644 §3.5.2.2. Never read one as "remove everything": under the
      // strict dialect it is refused, under the lenient one it names the elements to remove (Entra).
      if (this.settings.dialect === 'strict')
        throw scimError(400, 'invalidSyntax', `'${where}': remove takes no value`)
      if (attribute.definition.multiValued) {
        this.removeListed(attribute, value, where)
        return
      }
    }
    this.removeAttribute(attribute, where)
  }

  /** Removes the elements given as the value of a remove (Entra's `Remove members [{"value": id}]`). */
  removeListed(ref: AttributeRef, value: unknown, where: string): void {
    if (isMembers(ref)) {
      const ids = membersToRemove(value, this.settings.dialect)
      if (ids === undefined)
        throw scimError(400, 'invalidValue', `'${where}': remove needs [{"value": "<member id>"}]`)
      this.removeMembers(ref, ids)
      return
    }
    this.checkWritable(ref, undefined, undefined, undefined, where)
    const listed = cleanList(ref.definition, value, where, this.settings.dialect) ?? []
    const list = this.list(ref)
    for (const element of listed) for (const slot of list.findSame(element)) list.remove(slot)
    this.commit(ref)
  }

  removeAttribute(ref: AttributeRef, where: string): void {
    this.checkRemovable(ref, undefined, where)
    if (isMembers(ref)) {
      this.members.replace([])
      if (this.settings.membersLoaded) this.write(ref, undefined)
      return
    }
    this.write(ref, undefined)
  }

  removeExtension(schema: string, where: string): void {
    const definition = this.settings.registry.getSchema(schema)
    for (const attribute of definition?.attributes ?? []) {
      if (attribute.required) throw mutability(`'${where}' has the required '${attribute.name}'`)
    }
    if (
      this.settings.registry
        .getResourceType(this.settings.resourceType)
        ?.schemaExtensions.some((e) => e.required && e.schema.toLowerCase() === schema.toLowerCase())
    ) {
      throw mutability(`'${where}' is a required extension`)
    }
    this.clearExtension(schema)
  }

  removeMembers(ref: AttributeRef, ids: readonly string[]): void {
    this.members.remove(ids)
    if (!this.settings.membersLoaded) return
    const list = this.list(ref)
    for (const id of ids) {
      for (const slot of list.findSame({ value: id })) {
        const element = list.at(slot)
        if (isObject(element) && element.value === id) list.remove(slot)
      }
    }
    this.commit(ref)
  }

  removeFiltered(
    ref: AttributeRef,
    filter: { readonly ast: Filter; readonly test: FilterPredicate },
    sub: AttributeDefinition | undefined,
    where: string,
  ): void {
    if (isMembers(ref) && !sub && !this.settings.membersLoaded) {
      // `members[value eq "id"]`: the ids are in the filter; no need for the list (requiresMemberList says so).
      const ids = memberIdsFromFilter(filter.ast)
      if (ids === undefined)
        this.read(ref) // throws: the caller should have loaded the members
      else this.members.remove(ids)
      return
    }
    if (!ref.definition.multiValued) {
      const current = this.read(ref)
      if (!isObject(current) || !filter.test(current)) {
        if (this.settings.noTargetOnUnmatchedRemove) throw noTarget(`'${where}' matches no element`)
        return
      }
      if (sub) {
        this.checkRemovable(ref, sub, where)
        delete current[sub.name]
        this.write(ref, Object.keys(current).length > 0 ? current : undefined)
        return
      }
      if (ref.definition.mutability === 'readOnly') throw mutability(`'${where}' is read-only`)
      this.write(ref, undefined)
      return
    }
    const list = this.list(ref)
    const slots = list.find(filter.ast, filter.test, (tests) => this.chargeTests(tests))
    if (slots.length === 0) {
      if (this.settings.noTargetOnUnmatchedRemove) throw noTarget(`'${where}' matches no element`)
      return
    }
    if (sub) {
      this.checkRemovable(ref, sub, where)
      for (const slot of slots) {
        list.update(slot, (element) => delete element[sub.name])
        if (Object.keys(list.at(slot) as object).length === 0) list.remove(slot)
      }
      this.commit(ref)
      return
    }
    if (ref.definition.required && slots.length === list.size) {
      throw mutability(`'${where}' would remove every value of a required attribute`)
    }
    if (ref.definition.mutability === 'readOnly') throw mutability(`'${where}' is read-only`)
    if (isMembers(ref))
      this.members.remove(slots.map((slot) => toMemberReference(list.at(slot), where).value))
    for (const slot of slots) list.remove(slot)
    this.commit(ref)
  }

  // ---- result -------------------------------------------------------------------------------------

  result(): PatchResult {
    const resource: Record<string, unknown> = { ...this.original }
    const changedAttributes: string[] = []
    let extensionObjects: Map<string, Record<string, unknown>> | undefined
    const extension = (schema: string): Record<string, unknown> => {
      const urn = schema.toLowerCase()
      extensionObjects ??= new Map()
      let object = extensionObjects.get(urn)
      if (!object) {
        const stored = ownEntry(resource, schema)
        if (stored && stored.key !== schema) delete resource[stored.key]
        object = this.#clearedExtensions.has(urn) || !isObject(stored?.value) ? {} : { ...stored.value }
        extensionObjects.set(urn, object)
      }
      return object
    }
    for (const urn of this.#clearedExtensions) {
      const schema = this.settings.registry.getSchema(urn)
      if (schema) extension(schema.id)
    }
    let membersEdited = false
    for (const { ref, before, value: working, written } of this.#working.values()) {
      if (!written) continue
      const value =
        working instanceof WorkingList ? (working.size > 0 ? working.values() : undefined) : working
      const members = isMembers(ref)
      if (members && !this.settings.membersLoaded) continue
      // Members compare as a set: order means nothing, an edited value or type does.
      if (members) membersEdited = !sameMembers(before, value)
      const container = ref.resolved.inExtension ? extension(ref.resolved.schema) : resource
      const name = ref.definition.name
      if (!Object.hasOwn(container, name)) {
        const stored = ownEntry(container, name)
        if (stored) delete container[stored.key]
      }
      if (value === undefined) delete container[name]
      else container[name] = value
      if (!members && !jsonEqual(before, value)) changedAttributes.push(ref.key)
    }
    if (extensionObjects) this.#writeExtensions(resource, extensionObjects, changedAttributes)
    let memberChanges: MemberChanges | undefined
    const loaded = this.settings.membersLoaded
    if (this.#members?.touched) {
      memberChanges = loaded ? this.loadedMemberChanges(resource) : this.#members.changes()
    }
    // With the list loaded the change is known exactly; without it, every requested change counts.
    const membersChanged = loaded
      ? membersEdited
      : memberChanges !== undefined &&
        (memberChanges.kind === 'replace' ||
          memberChanges.added.length > 0 ||
          memberChanges.removed.length > 0)
    if (membersChanged) changedAttributes.push('members')
    return {
      resource,
      changed: changedAttributes.length > 0,
      changedAttributes,
      ...(memberChanges ? { memberChanges } : {}),
    }
  }

  /** Writes edited extension objects back, drops empty ones, and keeps `schemas` in step (RFC 7643 §3). */
  #writeExtensions(
    resource: Record<string, unknown>,
    extensionObjects: ReadonlyMap<string, Record<string, unknown>>,
    changedAttributes: string[],
  ): void {
    const schemas = Array.isArray(resource.schemas) ? [...(resource.schemas as unknown[])] : undefined
    for (const [urn, object] of extensionObjects) {
      const schema = this.settings.registry.getSchema(urn)!
      const listed = schemas?.findIndex((s) => typeof s === 'string' && s.toLowerCase() === urn) ?? -1
      if (Object.keys(object).length > 0) {
        resource[schema.id] = object
        if (schemas && listed === -1) schemas.push(schema.id)
      } else {
        delete resource[schema.id]
        if (schemas && listed !== -1) schemas.splice(listed, 1)
      }
      if (this.#clearedExtensions.has(urn)) {
        // A whole extension removed: each attribute it held and no longer holds as before has changed.
        const stored = ownEntry(this.original, schema.id)?.value
        const before: Record<string, unknown> = isObject(stored) ? stored : {}
        for (const key of Object.keys(before)) {
          const changed = `${schema.id}:${key}`
          if (!jsonEqual(before[key], object[key]) && !changedAttributes.includes(changed))
            changedAttributes.push(changed)
        }
      }
    }
    if (schemas) resource.schemas = schemas
  }

  /** With the list loaded, the exact difference between the old and new lists (or the replacement). */
  loadedMemberChanges(resource: Record<string, unknown>): MemberChanges {
    const after = asArray(resource.members).map((element) => toMemberReference(element, 'members'))
    if (this.members.replaced) return { kind: 'replace', members: after }
    const before = new Set(
      asArray(ownEntry(this.original, 'members')?.value).flatMap((e) =>
        isObject(e) && typeof e.value === 'string' ? [e.value] : [],
      ),
    )
    const afterIds = new Set(after.map((m) => m.value))
    return {
      kind: 'delta',
      added: after.filter((m) => !before.has(m.value)),
      removed: [...before].filter((id) => !afterIds.has(id)),
    }
  }
}

/**
 * The same members in any order: a member is its `value` and `type` (`display` is informational and
 * `$ref` derived), so an edit of either is a change and a new order is not.
 */
function sameMembers(a: unknown, b: unknown): boolean {
  const keys = (list: unknown) =>
    asArray(list)
      .map((e) => (isObject(e) ? `${String(e.value)}\u0000${String(e.type ?? '')}` : JSON.stringify(e)))
      .sort()
  const left = keys(a)
  const right = keys(b)
  return left.length === right.length && left.every((k, i) => k === right[i])
}

function asArray(value: unknown): unknown[] {
  if (value === undefined || value === null) return []
  return Array.isArray(value) ? value : [value]
}

/**
 * Applies a PATCH request (RFC 7644 §3.5.2) to a resource and returns the new resource with what changed.
 * Operations apply in order and atomically: on any error a SCIM 400 is thrown and nothing is returned,
 * and the input is never mutated. Paths resolve against the schema, never against the object.
 */
export function applyPatch<T extends object>(
  resource: T,
  request: PatchRequest,
  options: ApplyPatchOptions,
): PatchResult<T> {
  return createPatcher(options)(resource, request)
}

/** `applyPatch()` with its options checked once: what a router holds. */
export interface Patcher {
  /** `applyPatch()` with this patcher's options. */
  <T extends object>(resource: T, request: PatchRequest): PatchResult<T>
  /** `requiresMemberList()` with this patcher's options, checked once rather than per call. */
  readonly requiresMemberList: (request: PatchRequest) => boolean
}

/** Checks options once (`TypeError` on bad ones) and returns `applyPatch` bound to them. */
export function createPatcher(options: ApplyPatchOptions): Patcher {
  const settings = pathSettingsFrom(settingsFrom(options))
  const patcher = <T extends object>(resource: T, request: PatchRequest): PatchResult<T> => {
    if (!isObject(resource)) throw new TypeError('express-scim: applyPatch needs the resource as an object')
    const operations = checkRequest(request, settings)
    const patch = new Patch(resource, settings)
    for (let index = 0; index < operations.length; index++) patch.apply(operations[index]!, index)
    return patch.result() as PatchResult<T>
  }
  return Object.assign(patcher, {
    requiresMemberList: (request: PatchRequest) => needsMemberList(request, settings),
  })
}

/**
 * True when applying `request` to a group needs its member list: only filtered member operations other
 * than removing `members[value eq "id" or ...]` do. Adds, replacements and removals by id never do.
 * Malformed requests answer false: `applyPatch()` will reject them.
 */
export function requiresMemberList(
  request: PatchRequest,
  options: Omit<ApplyPatchOptions, 'membersLoaded'>,
): boolean {
  return needsMemberList(request, pathSettingsFrom(settingsFrom(options)))
}

function needsMemberList(request: PatchRequest, settings: PathSettings): boolean {
  let operations: readonly PatchOperation[]
  try {
    operations = checkRequest(request, settings)
  } catch {
    return false
  }
  const needsList = (path: string, op: string | undefined): boolean => {
    let target: Target
    try {
      target = parsePath(settings, path)
    } catch {
      return false
    }
    if (target.kind !== 'attribute' || !isMembers(target.attribute) || !target.filter) return false
    return op !== 'remove' || target.sub !== undefined || memberIdsFromFilter(target.filter.ast) === undefined
  }
  return operations.some((operation) => {
    if (!isObject(operation)) return false
    const op = normalizeOpName(operation.op, settings.dialect)
    if (typeof operation.path === 'string') return needsList(operation.path, op)
    // Path-less values whose keys are paths (the lenient dialect) are operations on those paths.
    if (!isObject(operation.value)) return false
    return Object.keys(operation.value).some((key) => {
      const schema = startsWithUrn(key) ? settings.registry.getSchema(key) : undefined
      const asPath = pathLessKeyAsPath(key, schema !== undefined, settings.dialect)
      return asPath !== undefined && needsList(asPath, op)
    })
  })
}
