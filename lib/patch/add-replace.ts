// PATCH add and replace (RFC 7644 §3.5.2.1, §3.5.2.3) on a resolved target: an attribute, a sub-attribute, filtered elements, or an extension.
import type { AttributeDefinition } from '../../types/schema'
import { elementFromFilter, ignoresReadOnlyInPathLessValue } from '../dialect'
import { scimError } from '../errors'
import { isObject, jsonEqual } from '../json'
import { findSubAttribute } from '../schema/registry'
import type { PatchContext } from './context'
import { toMemberReference } from './members'
import { checkWritable, mutability } from './mutability'
import { removeAttribute, removeExtension } from './remove'
import { setSubAttribute } from './sub-attribute'
import {
  type AttributeRef,
  attributeRef,
  invalidPath,
  isMembers,
  noTarget,
  type Target,
  type ValueFilter,
} from './targets'
import { checkKey, cleanList, cleanSingle } from './values'
import type { WorkingList } from './working-list'

/** `add` or `replace`. */
export type SetOp = 'add' | 'replace'

/**
 * Applies one add or replace of `value` to a resolved target. `pathLess` says the target came from a
 * key of a path-less value, where the lenient dialect lets an unchanged read-only attribute pass.
 */
export function setTarget(
  patch: PatchContext,
  target: Target,
  where: string,
  value: unknown,
  op: SetOp,
  pathLess: boolean,
): void {
  if (target.kind === 'extension') {
    setExtension(patch, target.schema, where, value, op)
    return
  }
  const { attribute, sub, filter } = target
  if (filter) {
    setFiltered(patch, attribute, filter, sub, value, where)
    return
  }
  if (sub) {
    setSubAttribute(patch, attribute, sub, value, where)
    return
  }
  setAttribute(patch, attribute, value, op, where, pathLess)
}

/** A whole extension: null removes it, an object sets each attribute it names. */
function setExtension(patch: PatchContext, schema: string, where: string, value: unknown, op: SetOp): void {
  if (value === null) {
    removeExtension(patch, schema, where)
    return
  }
  if (!isObject(value)) throw scimError(400, 'invalidValue', `'${where}' needs an object of its attributes`)
  const { registry, resourceType } = patch.settings
  for (const key of Object.keys(value)) {
    checkKey(key, where)
    const resolved = registry.resolve(resourceType, { schema, attribute: key })
    if (!resolved) throw invalidPath(`Unknown attribute '${key}' in '${where}'`)
    const target: Target = { kind: 'attribute', attribute: attributeRef(resolved) }
    setTarget(patch, target, `${where}:${key}`, value[key], op, true)
  }
}

/** A whole top-level attribute. */
function setAttribute(
  patch: PatchContext,
  ref: AttributeRef,
  value: unknown,
  op: SetOp,
  where: string,
  pathLess: boolean,
): void {
  const { definition } = ref
  if (definition.mutability === 'readOnly') {
    const same = jsonEqual(patch.copy.stored(ref), value)
    if (pathLess && ignoresReadOnlyInPathLessValue(definition, same, patch.settings.dialect)) return
    throw mutability(`'${where}' is read-only`)
  }
  if (value === null) {
    // RFC 7643 §2.5: null means unassigned.
    removeAttribute(patch, ref, where)
    return
  }
  if (isMembers(ref)) setMembers(patch, ref, value, op, where)
  else if (definition.multiValued) setMultiValued(patch, ref, value, op, where)
  else setSingleValued(patch, ref, value, where)
}

/** A multi-valued attribute: replace sets the list, add joins it without duplicates (RFC 7644 §3.5.2.1). */
function setMultiValued(
  patch: PatchContext,
  ref: AttributeRef,
  value: unknown,
  op: SetOp,
  where: string,
): void {
  const { copy } = patch
  const given = cleanList(ref.definition, value, where, patch.settings.dialect) ?? []
  // An immutable attribute may be set while it has no value, never changed after (RFC 7643 §7).
  const immutable = ref.definition.mutability === 'immutable'
  if (op === 'replace') {
    if (immutable) checkWritable(ref, undefined, copy.read(ref), given, where)
    copy.write(ref, given)
    copy.list(ref).settlePrimary(given.map((_, slot) => slot))
    return
  }
  const list = copy.list(ref)
  const hadValues = list.size > 0
  const { written, changed } = list.union(given)
  if (immutable && hadValues && changed) throw mutability(`'${where}' is immutable and already has a value`)
  list.settlePrimary(written)
  copy.commit(ref)
}

/** A single-valued attribute: a complex one merges the sub-attributes given. */
function setSingleValued(patch: PatchContext, ref: AttributeRef, value: unknown, where: string): void {
  const { definition } = ref
  const { copy } = patch
  const cleaned = cleanSingle(definition, value, where, patch.settings.dialect)
  if (definition.type !== 'complex' && definition.mutability !== 'immutable') {
    // Nothing about the current value matters: skip copying it.
    copy.write(ref, cleaned)
    return
  }
  const current = copy.read(ref)
  if (definition.type !== 'complex') {
    checkWritable(ref, undefined, current, cleaned, where)
    copy.write(ref, cleaned)
    return
  }
  // Add merges sub-attributes (RFC 7644 §3.5.2.1); replace replaces those given and keeps the others (§3.5.2.3).
  const base = isObject(current) ? current : {}
  const given = isObject(cleaned) ? cleaned : {}
  for (const key of Object.keys(given)) {
    checkWritable(ref, findSubAttribute(definition, key), base[key], given[key], `${where}.${key}`)
  }
  const next = { ...base, ...given }
  checkWritable(ref, undefined, current, next, where)
  copy.write(ref, Object.keys(next).length > 0 ? next : undefined)
}

/** A Group's `members`: recorded as member changes, and applied to the list when it is loaded. */
function setMembers(patch: PatchContext, ref: AttributeRef, value: unknown, op: SetOp, where: string): void {
  const { copy, settings } = patch
  const given = cleanList(ref.definition, value, where, settings.dialect) ?? []
  const references = given.map((element) => toMemberReference(element, where))
  if (op === 'replace') copy.members.replace(references)
  else copy.members.add(references)
  if (!settings.membersLoaded) return
  // A replacement list with duplicates means each member once (RFC 7644 §3.5.2.3).
  if (op === 'replace') copy.write(ref, [])
  copy.list(ref).union(given)
  copy.commit(ref)
}

/** What a filtered add or replace writes into each element it selects. */
interface ElementWrite {
  /** The checked value: of the sub-attribute, or the fields of the element (undefined: nothing). */
  readonly cleaned: unknown
  /** The fields written, as a fresh object. */
  fields(): Record<string, unknown>
  /** Applies the fields to a private element in place, checking each against its definition. */
  apply(element: Record<string, unknown>): void
}

/** Checks a filtered write's value, `where` naming it in errors. */
function elementWrite(
  patch: PatchContext,
  ref: AttributeRef,
  sub: AttributeDefinition | undefined,
  value: unknown,
  where: string,
): ElementWrite {
  const { definition } = ref
  const { dialect } = patch.settings
  const cleaned = sub
    ? sub.multiValued
      ? cleanList(sub, value, where, dialect)
      : cleanSingle(sub, value, where, dialect)
    : cleanSingle(definition, value, where, dialect)
  if (!sub && cleaned !== undefined && !isObject(cleaned))
    throw scimError(400, 'invalidValue', `'${where}' needs an object`)
  const fields = (): Record<string, unknown> => (sub ? { [sub.name]: cleaned } : { ...(cleaned as object) })
  const updates = Object.entries(fields()).map(
    ([key, next]) => [key, next, findSubAttribute(definition, key)!] as const,
  )
  const apply = (element: Record<string, unknown>): void => {
    for (const [key, next, subDefinition] of updates) {
      checkWritable(ref, subDefinition, element[key], next, where)
      if (next === undefined) delete element[key]
      else element[key] = next
    }
  }
  return { cleaned, fields, apply }
}

/** `emails[type eq "work"]` or `emails[type eq "work"].value`: the elements the filter selects. */
function setFiltered(
  patch: PatchContext,
  ref: AttributeRef,
  filter: ValueFilter,
  sub: AttributeDefinition | undefined,
  value: unknown,
  where: string,
): void {
  const { copy } = patch
  const write = elementWrite(patch, ref, sub, value, where)
  const list = ref.definition.multiValued ? copy.list(ref) : undefined
  const current = list ? undefined : copy.read(ref)
  const slots = list
    ? list.find(filter.ast, filter.test, (tests) => patch.chargeTests(tests))
    : isObject(current) && filter.test(current)
      ? [0]
      : []
  if (slots.length === 0) {
    addUnmatched(patch, ref, filter, list, write, where)
    return
  }
  if (!list) {
    const object = current as Record<string, unknown>
    write.apply(object)
    copy.write(ref, Object.keys(object).length > 0 ? object : undefined)
    return
  }
  for (const slot of slots) {
    list.update(slot, write.apply)
    if (Object.keys(list.at(slot) as object).length === 0) list.remove(slot)
  }
  list.settlePrimary(slots)
  copy.commit(ref)
}

/**
 * A filter that selected nothing: 400 `noTarget`, or (by default under the lenient dialect) a new element
 * made from the filter's equality terms and the value, as Entra and Okta expect.
 */
function addUnmatched(
  patch: PatchContext,
  ref: AttributeRef,
  filter: ValueFilter,
  list: WorkingList | undefined,
  write: ElementWrite,
  where: string,
): void {
  const { definition } = ref
  const { copy, settings } = patch
  const created = settings.createOnUnmatched
    ? elementFromFilter(filter.ast, definition, settings.dialect)
    : undefined
  if (!created) throw noTarget(`'${where}' matches no element`)
  if (write.cleaned === undefined) return
  const element = { ...created, ...write.fields() }
  for (const key of Object.keys(element)) {
    const subDefinition = findSubAttribute(definition, key)
    if (subDefinition?.mutability === 'readOnly') throw mutability(`'${where}' sets the read-only '${key}'`)
  }
  if (isMembers(ref)) copy.members.add([toMemberReference(element, where)])
  if (!list) {
    copy.write(ref, element)
    return
  }
  list.settlePrimary([list.push(element)])
  copy.commit(ref)
}
