// PATCH remove (RFC 7644 §3.5.2.2): of an attribute, a sub-attribute, the elements a value filter selects, or a whole extension.
import type { AttributeDefinition } from '../../types/schema'
import { membersToRemove, removeValueNamesElements } from '../dialect'
import { scimError } from '../errors'
import { isObject } from '../json'
import type { PatchContext } from './context'
import { memberIdsFromFilter, toMemberReference } from './members'
import { checkRemovable, checkWritable, mutability } from './mutability'
import { setSubAttribute } from './sub-attribute'
import { type AttributeRef, isMembers, noTarget, type Target, type ValueFilter } from './targets'
import { cleanList } from './values'
import type { WorkingList } from './working-list'

/** Applies one remove operation to its resolved target; `value` is the operation's, usually absent. */
export function removeTarget(patch: PatchContext, target: Target, where: string, value: unknown): void {
  if (target.kind === 'extension') {
    removeExtension(patch, target.schema, where)
    return
  }
  const { attribute, sub, filter } = target
  if (filter) {
    removeFiltered(patch, attribute, filter, sub, where)
    return
  }
  if (sub) {
    setSubAttribute(patch, attribute, sub, null, where)
    return
  }
  if (value !== undefined && value !== null) {
    // A remove carries no value in RFC 7644 §3.5.2.2. Never read one as "remove everything".
    if (!removeValueNamesElements(patch.settings.dialect))
      throw scimError(400, 'invalidSyntax', `'${where}': remove takes no value`)
    if (attribute.definition.multiValued) {
      removeListed(patch, attribute, value, where)
      return
    }
  }
  removeAttribute(patch, attribute, where)
}

/** Removes the elements given as the value of a remove (Entra's `Remove members [{"value": id}]`). */
function removeListed(patch: PatchContext, ref: AttributeRef, value: unknown, where: string): void {
  const { copy, settings } = patch
  if (isMembers(ref)) {
    const ids = membersToRemove(value, settings.dialect)
    if (ids === undefined)
      throw scimError(400, 'invalidValue', `'${where}': remove needs [{"value": "<member id>"}]`)
    removeMembers(patch, ref, ids)
    return
  }
  checkWritable(ref, undefined, undefined, undefined, where)
  const listed = cleanList(ref.definition, value, where, settings.dialect) ?? []
  const list = copy.list(ref)
  for (const element of listed) for (const slot of list.findSame(element)) list.remove(slot)
  copy.commit(ref)
}

/** Unassigns a whole attribute (also what add and replace do with null: RFC 7643 §2.5). */
export function removeAttribute(patch: PatchContext, ref: AttributeRef, where: string): void {
  const { copy, settings } = patch
  checkRemovable(ref, undefined, where)
  if (isMembers(ref)) {
    copy.members.replace([])
    if (settings.membersLoaded) copy.write(ref, undefined)
    return
  }
  copy.write(ref, undefined)
}

/** Removes a whole extension, unless it or one of its attributes is required (RFC 7643 §3.3). */
export function removeExtension(patch: PatchContext, schema: string, where: string): void {
  const { registry, resourceType } = patch.settings
  const definition = registry.getSchema(schema)
  for (const attribute of definition?.attributes ?? []) {
    if (attribute.required) throw mutability(`'${where}' has the required '${attribute.name}'`)
  }
  if (
    registry
      .getResourceType(resourceType)
      ?.schemaExtensions.some((e) => e.required && e.schema.toLowerCase() === schema.toLowerCase())
  ) {
    throw mutability(`'${where}' is a required extension`)
  }
  patch.copy.clearExtension(schema)
}

/** Removes members by id: from the member changes, and from the list when it is loaded. */
function removeMembers(patch: PatchContext, ref: AttributeRef, ids: readonly string[]): void {
  const { copy, settings } = patch
  copy.members.remove(ids)
  if (!settings.membersLoaded) return
  const list = copy.list(ref)
  for (const id of ids) {
    for (const slot of list.findSame({ value: id })) {
      const element = list.at(slot)
      if (isObject(element) && element.value === id) list.remove(slot)
    }
  }
  copy.commit(ref)
}

/** `emails[type eq "work"]` or `emails[type eq "work"].display`: removes what the filter selects. */
function removeFiltered(
  patch: PatchContext,
  ref: AttributeRef,
  filter: ValueFilter,
  sub: AttributeDefinition | undefined,
  where: string,
): void {
  // A read-only attribute is never the client's to remove, whatever the filter selects: 400 before
  // the filter is evaluated (a user's `groups` are read-only and not in the document it patches).
  if (ref.definition.mutability === 'readOnly' || sub?.mutability === 'readOnly') {
    throw mutability(`'${where}' is read-only`)
  }
  if (isMembers(ref) && !sub && !patch.settings.membersLoaded) {
    removeMembersByFilter(patch, ref, filter)
    return
  }
  if (!ref.definition.multiValued) {
    removeFilteredSingle(patch, ref, filter, sub, where)
    return
  }
  const list = patch.copy.list(ref)
  const slots = list.find(filter.ast, filter.test, (tests) => patch.chargeTests(tests))
  if (slots.length === 0) {
    unmatched(patch, where)
    return
  }
  if (sub) removeSubOfElements(patch, ref, list, slots, sub, where)
  else removeElements(patch, ref, list, slots, where)
}

/** `members[value eq "id"]` without the list: the ids are in the filter (requiresMemberList says so). */
function removeMembersByFilter(patch: PatchContext, ref: AttributeRef, filter: ValueFilter): void {
  const ids = memberIdsFromFilter(filter.ast)
  if (ids === undefined)
    patch.copy.read(ref) // throws: the caller should have loaded the members
  else patch.copy.members.remove(ids)
}

/** A filtered remove that selected nothing: ignored, or 400 `noTarget` as the options say. */
function unmatched(patch: PatchContext, where: string): void {
  if (patch.settings.noTargetOnUnmatchedRemove) throw noTarget(`'${where}' matches no element`)
}

/** A filter on a single-valued complex attribute: removes it (or its sub-attribute) when the value matches. */
function removeFilteredSingle(
  patch: PatchContext,
  ref: AttributeRef,
  filter: ValueFilter,
  sub: AttributeDefinition | undefined,
  where: string,
): void {
  const { copy } = patch
  const current = copy.read(ref)
  if (!isObject(current) || !filter.test(current)) {
    unmatched(patch, where)
    return
  }
  if (sub) {
    checkRemovable(ref, sub, where)
    delete current[sub.name]
    copy.write(ref, Object.keys(current).length > 0 ? current : undefined)
    return
  }
  if (ref.definition.mutability === 'readOnly') throw mutability(`'${where}' is read-only`)
  copy.write(ref, undefined)
}

/** Removes a sub-attribute from the selected elements; an element left empty goes too. */
function removeSubOfElements(
  patch: PatchContext,
  ref: AttributeRef,
  list: WorkingList,
  slots: readonly number[],
  sub: AttributeDefinition,
  where: string,
): void {
  checkRemovable(ref, sub, where)
  for (const slot of slots) {
    list.update(slot, (element) => delete element[sub.name])
    if (Object.keys(list.at(slot) as object).length === 0) list.remove(slot)
  }
  patch.copy.commit(ref)
}

/** Removes the selected elements, unless that empties a required attribute. */
function removeElements(
  patch: PatchContext,
  ref: AttributeRef,
  list: WorkingList,
  slots: readonly number[],
  where: string,
): void {
  if (ref.definition.required && slots.length === list.size) {
    throw mutability(`'${where}' would remove every value of a required attribute`)
  }
  if (ref.definition.mutability === 'readOnly') throw mutability(`'${where}' is read-only`)
  if (isMembers(ref))
    patch.copy.members.remove(slots.map((slot) => toMemberReference(list.at(slot), where).value))
  for (const slot of slots) list.remove(slot)
  patch.copy.commit(ref)
}
