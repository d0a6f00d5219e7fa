// One sub-attribute of a single-valued complex attribute (`name.givenName`), set by add/replace or cleared by remove or null.
import type { AttributeDefinition } from '../../types/schema'
import { isObject } from '../json'
import type { PatchContext } from './context'
import { checkRemovable, checkWritable } from './mutability'
import { type AttributeRef, invalidPath } from './targets'
import { cleanList, cleanSingle } from './values'

/**
 * Sets `ref.sub` to `value`, or removes it when `value` is null (RFC 7643 §2.5: null means unassigned);
 * the attribute itself goes unassigned when nothing is left in it.
 */
export function setSubAttribute(
  patch: PatchContext,
  ref: AttributeRef,
  sub: AttributeDefinition,
  value: unknown,
  where: string,
): void {
  if (ref.definition.multiValued) {
    throw invalidPath(`'${where}' names a sub-attribute of every element; select elements with a filter`)
  }
  const { copy, settings } = patch
  const current = copy.read(ref)
  const object = isObject(current) ? current : {}
  const cleaned = sub.multiValued
    ? cleanList(sub, value, where, settings.dialect)
    : cleanSingle(sub, value, where, settings.dialect)
  checkWritable(ref, sub, object[sub.name], cleaned, where)
  if (cleaned === undefined) {
    checkRemovable(ref, sub, where)
    delete object[sub.name]
  } else {
    object[sub.name] = cleaned
  }
  copy.write(ref, Object.keys(object).length > 0 ? object : undefined)
}
