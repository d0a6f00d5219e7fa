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

/**
 * Every way `actual` falls short of the subset `expected`, as `where: why` lines. Objects need only the keys
 * given; arrays match element by element and in length, or in any order for keys in `unordered`.
 */
export function bodyMismatches(
  expected: CheckJson,
  actual: unknown,
  where: string,
  unordered: ReadonlySet<string>,
): string[] {
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
    const key = where.slice(where.lastIndexOf('.') + 1)
    if (unordered.has(key)) {
      return matchesInAnyOrder(expected, actual, unordered)
        ? []
        : [`${where}: expected (in any order) ${show(expected)}, got ${show(actual)}`]
    }
    return expected.flatMap((e, i) => bodyMismatches(e, actual[i], `${where}[${i}]`, unordered))
  }
  if (expected !== null && typeof expected === 'object') {
    if (!isRecord(actual)) return [`${where}: expected an object, got ${show(actual)}`]
    return Object.entries(expected).flatMap(([k, e]) => {
      if (e === ABSENT) {
        // RFC 7643 §2.1: attribute names are case-insensitive, so "absent" means absent in any case.
        const found = Object.keys(actual).find((a) => a.toLowerCase() === k.toLowerCase())
        return found === undefined ? [] : [`${where}.${found}: expected absent, got ${show(actual[found])}`]
      }
      return bodyMismatches(e, actual[k], `${where}.${k}`, unordered)
    })
  }
  return Object.is(expected, actual) ? [] : [`${where}: expected ${show(expected)}, got ${show(actual)}`]
}

/**
 * True when each expected element subset-matches a distinct actual element. Backtracking is exponential in
 * the worst case, so expected arrays are kept small (a sequence file's own data, never the server's).
 */
function matchesInAnyOrder(
  expected: CheckJson[],
  actual: unknown[],
  unordered: ReadonlySet<string>,
): boolean {
  const used = new Set<number>()
  const place = (i: number): boolean => {
    if (i === expected.length) return true
    const e = expected[i] as CheckJson
    for (let j = 0; j < actual.length; j++) {
      if (used.has(j) || bodyMismatches(e, actual[j], '', unordered).length > 0) continue
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
    else if (isRecord(value) && Object.hasOwn(value, segment)) value = value[segment]
    else return undefined
  }
  return value
}
