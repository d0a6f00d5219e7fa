// Plain-JSON helpers shared by filters and PATCH: type tests, copies, equality, case-insensitive reads.

/** A plain JSON object (not an array, not null). */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** A deep copy of JSON data, walking own enumerable properties only. */
export function copyJson<T>(value: T): T {
  if (Array.isArray(value)) return value.map(copyJson) as T
  if (isObject(value)) {
    const out: Record<string, unknown> = {}
    for (const key of Object.keys(value)) {
      // A stored resource could hold anything; never let a copy become a prototype write.
      if (key === '__proto__') continue
      out[key] = copyJson(value[key])
    }
    return out as T
  }
  return value
}

/**
 * A deep copy of JSON data, frozen at every depth, in one walk (own enumerable properties only, no
 * `__proto__` key). A store that keeps frozen documents can hand the same object to every reader:
 * nothing a reader does can change it, and a page of large resources costs no copies.
 */
export function frozenCopyJson<T>(value: T): T {
  if (Array.isArray(value)) return Object.freeze(value.map(frozenCopyJson)) as T
  if (isObject(value)) return Object.freeze(frozenCopyOf(value, undefined)) as T
  return value
}

/**
 * The frozen copy of one object's entries without the key `dropped` (lower-case; matched in any case),
 * not yet frozen itself.
 */
export function frozenCopyOf(
  value: Record<string, unknown>,
  dropped: string | undefined,
): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const key of Object.keys(value)) {
    // A stored resource could hold anything; never let a copy become a prototype write.
    if (key === '__proto__') continue
    if (dropped !== undefined && key.length === dropped.length && key.toLowerCase() === dropped) continue
    out[key] = frozenCopyJson(value[key])
  }
  return out
}

/** Structural equality of JSON data. */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true
  if (Array.isArray(a)) {
    return Array.isArray(b) && a.length === b.length && a.every((v, i) => jsonEqual(v, b[i]))
  }
  if (isObject(a) && isObject(b)) {
    const keys = Object.keys(a)
    return (
      keys.length === Object.keys(b).length && keys.every((k) => Object.hasOwn(b, k) && jsonEqual(a[k], b[k]))
    )
  }
  return false
}

/** Reads an own property by name, case-insensitively (RFC 7643 §2.1); returns the key actually used too. */
export function ownEntry(object: unknown, name: string): { key: string; value: unknown } | undefined {
  if (!isObject(object)) return undefined
  if (Object.hasOwn(object, name)) return { key: name, value: object[name] }
  const lower = name.toLowerCase()
  for (const key of Object.keys(object)) {
    if (key.toLowerCase() === lower) return { key, value: object[key] }
  }
  return undefined
}

/** A body already serialised as JSON (a list page built resource by resource), written as it is. */
export class JsonText {
  constructor(readonly text: string) {}
}
