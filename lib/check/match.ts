// How an answer is compared with a step's expectation: deep subset matching with `{{any}}` / `{{absent}}` wildcards.
import type { CheckJson } from '../../types/check'
import { substituteString } from './substitute'

export const ANY = '{{any}}'
export const ABSENT = '{{absent}}'

/** Names a value in a problem line, shortened so one huge answer cannot flood a report. */
export function show(value: unknown): string {
  if (value === undefined) return 'nothing'
  const text = JSON.stringify(value) ?? String(value)
  return text.length > 200 ? `${text.slice(0, 200)}…` : text
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** A wildcard pattern: `{{any}}` matches any text, the rest literally. */
function pattern(text: string): RegExp {
  const body = text
    .split(ANY)
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('[\\s\\S]*')
  return new RegExp(`^${body}$`)
}

/** The key of `actual` that names `key`: the same spelling, else the same name in another case (RFC 7643 §2.1). */
function keyIn(actual: Record<string, unknown>, key: string): string | undefined {
  if (Object.hasOwn(actual, key)) return key
  const lower = key.toLowerCase()
  return Object.keys(actual).find((candidate) => candidate.toLowerCase() === lower)
}

/**
 * Every way `actual` falls short of the subset `expected`, as `where: why` lines. Objects need only the keys
 * given, names compared case-insensitively (RFC 7643 §2.1). Arrays need the same length and match in any
 * order: SCIM's multi-valued attributes and `schemas` have no order, and a list without `sortBy` has none.
 */
export function bodyMismatches(expected: CheckJson, actual: unknown, where: string): string[] {
  if (expected === ANY) return actual === undefined ? [`${where}: expected a value, got nothing`] : []
  if (typeof expected === 'string' && expected.includes(ANY)) {
    return typeof actual === 'string' && pattern(expected).test(actual)
      ? []
      : [`${where}: expected a string like ${show(expected)}, got ${show(actual)}`]
  }
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual)) return [`${where}: expected an array, got ${show(actual)}`]
    if (actual.length !== expected.length)
      return [`${where}: expected ${expected.length} element(s), got ${actual.length}: ${show(actual)}`]
    // In order first: it is the common case, and when nothing matches its lines say what differs.
    const inOrder = expected.flatMap((e, i) => bodyMismatches(e, actual[i], `${where}[${i}]`))
    if (inOrder.length === 0 || (expected.length > 1 && matchesInAnyOrder(expected, actual))) return []
    return inOrder
  }
  if (expected !== null && typeof expected === 'object') {
    if (!isRecord(actual)) return [`${where}: expected an object, got ${show(actual)}`]
    return Object.entries(expected).flatMap(([k, e]) => {
      const found = keyIn(actual, k)
      if (e === ABSENT)
        return found === undefined ? [] : [`${where}.${found}: expected absent, got ${show(actual[found])}`]
      return bodyMismatches(e, found === undefined ? undefined : actual[found], `${where}.${k}`)
    })
  }
  return Object.is(expected, actual) ? [] : [`${where}: expected ${show(expected)}, got ${show(actual)}`]
}

/**
 * True when each expected element subset-matches a distinct actual element. Backtracking is exponential in
 * the worst case, but the arrays are as long as a sequence file's own (the lengths must be equal).
 */
function matchesInAnyOrder(expected: CheckJson[], actual: unknown[]): boolean {
  const used = new Set<number>()
  const place = (i: number): boolean => {
    if (i === expected.length) return true
    const e = expected[i] as CheckJson
    for (let j = 0; j < actual.length; j++) {
      if (used.has(j) || bodyMismatches(e, actual[j], '').length > 0) continue
      used.add(j)
      if (place(i + 1)) return true
      used.delete(j)
    }
    return false
  }
  return place(0)
}

function decoded(text: string): string {
  try {
    return decodeURIComponent(text)
  } catch {
    return text
  }
}

/** Every expected header that is missing or different, as `header <name>: why` lines. */
export function headerMismatches(
  expected: Readonly<Record<string, string>>,
  headers: Readonly<Record<string, string>>,
  vars: ReadonlyMap<string, unknown>,
): string[] {
  return Object.entries(expected).flatMap(([name, want]) => {
    const got = headers[name.toLowerCase()]
    if (want === ABSENT) return got === undefined ? [] : [`header ${name}: expected absent, got ${show(got)}`]
    if (got === undefined) return [`header ${name}: missing`]
    if (want === ANY) return []
    const value = substituteString(want, vars, false)
    // A Location carries ids percent-encoded (RFC 3986); captured ids are raw, so compare both spellings.
    const spellings = [got, decoded(got)]
    const ok = spellings.some((text) =>
      value.includes(ANY) ? pattern(value).test(text) : text.startsWith(value),
    )
    return ok
      ? []
      : [
          `header ${name}: expected ${value.includes(ANY) ? 'like' : 'to start with'} ${show(value)}, got ${show(got)}`,
        ]
  })
}

/** The value at a dotted path (`members.0.value`) of a response body. */
export function valueAt(body: unknown, path: string): unknown {
  let value = body
  for (const segment of path.split('.')) {
    if (Array.isArray(value) && /^\d+$/.test(segment)) value = value[Number(segment)]
    else if (isRecord(value)) {
      const key = keyIn(value, segment)
      if (key === undefined) return undefined
      value = value[key]
    } else return undefined
  }
  return value
}
