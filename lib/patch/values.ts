// Checks PATCH values against attribute definitions and copies them: right types, known sub-attributes, safe keys.
import type { AttributeDefinition } from '../../types/schema'
import {
  complexFromBareString,
  listFromLoneElement,
  memberKeyAlias,
  type PatchDialect,
  readBooleanString,
  singleFromOneElementArray,
} from '../dialect'
import { scimError } from '../errors'
import { isStorableText } from '../ids'
import { isObject } from '../json'
import { parseDateTime } from '../schema/datetime'
import { findSubAttribute } from '../schema/registry'

/** `__proto__`, `constructor`, `prototype`, and every name a plain object inherits (`toString`, ...). */
const FORBIDDEN_KEYS: ReadonlySet<string> = new Set([
  '__proto__',
  'constructor',
  'prototype',
  ...Object.getOwnPropertyNames(Object.prototype),
])

/**
 * Refuses keys that could reach a prototype when written: `__proto__`, `constructor`, `prototype`, and
 * any name an object inherits (`toString`, `hasOwnProperty`, ...), at every depth of every value.
 */
export function checkKey(key: string, where: string): void {
  if (FORBIDDEN_KEYS.has(key)) {
    throw scimError(400, 'invalidValue', `'${where}' contains the forbidden key '${key}'`)
  }
}

function invalid(where: string, expected: string): never {
  throw scimError(400, 'invalidValue', `'${where}' must be ${expected}`)
}

/**
 * A checked copy of one (non-array) value of `definition`, or undefined when the value is unassigned
 * (null, or a complex value with nothing in it: RFC 7643 §2.5). Read-only sub-attributes inside a
 * complex value are dropped, as the server owns them.
 */
export function cleanSingle(
  definition: AttributeDefinition,
  input: unknown,
  where: string,
  dialect: PatchDialect,
): unknown {
  const value = singleFromOneElementArray(definition, input, dialect)?.element ?? input
  if (value === null || value === undefined) return undefined
  switch (definition.type) {
    case 'complex': {
      const object = complexFromBareString(definition, value, dialect) ?? value
      if (!isObject(object)) return invalid(where, 'an object')
      const out: Record<string, unknown> = {}
      for (const key of Object.keys(object)) {
        checkKey(key, where)
        let sub = findSubAttribute(definition, key)
        if (!sub) {
          const alias = memberKeyAlias(definition, key, dialect)
          if (alias === null) continue
          sub = alias === undefined ? undefined : findSubAttribute(definition, alias)
          // The schema's own spelling wins over an alias: `display` beside `displayName` keeps `display`.
          if (sub && Object.keys(object).some((k) => k.toLowerCase() === sub!.name.toLowerCase())) continue
        }
        if (!sub) throw scimError(400, 'invalidValue', `'${where}' has no sub-attribute '${key}'`)
        if (sub.mutability === 'readOnly') continue
        const cleaned = sub.multiValued
          ? cleanList(sub, object[key], `${where}.${sub.name}`, dialect)
          : cleanSingle(sub, object[key], `${where}.${sub.name}`, dialect)
        if (cleaned !== undefined) out[sub.name] = cleaned
      }
      return Object.keys(out).length > 0 ? out : undefined
    }
    case 'boolean': {
      if (typeof value === 'boolean') return value
      const read = readBooleanString(value, dialect)
      return read !== undefined ? read : invalid(where, 'true or false')
    }
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value) ? value : invalid(where, 'an integer')
    case 'decimal':
      return typeof value === 'number' && Number.isFinite(value) ? value : invalid(where, 'a number')
    case 'dateTime':
      return typeof value === 'string' && !Number.isNaN(parseDateTime(value))
        ? value
        : invalid(where, 'a dateTime such as "2011-05-13T04:42:34Z"')
    default:
      // string, reference, binary. U+0000 and unpaired surrogates fit no database: refused, as on POST.
      if (typeof value !== 'string') return invalid(where, 'a string')
      if (!isStorableText(value)) {
        throw scimError(400, 'invalidValue', `'${where}' must not contain U+0000 or an unpaired surrogate`)
      }
      return value
  }
}

/**
 * A checked copy of a multi-valued attribute's value: an array of elements, unassigned ones dropped.
 * A lone element where an array belongs is accepted as a one-element array under the lenient dialect.
 */
export function cleanList(
  definition: AttributeDefinition,
  value: unknown,
  where: string,
  dialect: PatchDialect,
): unknown[] | undefined {
  if (value === null || value === undefined) return undefined
  const list = listFromLoneElement(value, dialect)
  if (!Array.isArray(list)) return invalid(where, 'an array')
  const out: unknown[] = []
  for (const element of list) {
    const cleaned = cleanSingle(definition, element, where, dialect)
    if (cleaned !== undefined) out.push(cleaned)
  }
  return out.length > 0 ? out : undefined
}

/**
 * A stored complex value with its sub-attribute keys spelled as the schema spells them (RFC 7643 §2.1:
 * names are case-insensitive), so that an edit never leaves `GivenName` and `givenName` side by side.
 * Works in place on a private copy.
 */
export function canonicalKeys(definition: AttributeDefinition, value: unknown): unknown {
  if (definition.type !== 'complex') return value
  for (const element of Array.isArray(value) ? value : [value]) {
    if (!isObject(element)) continue
    for (const key of Object.keys(element)) {
      const sub = findSubAttribute(definition, key)
      if (!sub || sub.name === key) continue
      if (!Object.hasOwn(element, sub.name)) element[sub.name] = element[key]
      delete element[key]
    }
  }
  return value
}
