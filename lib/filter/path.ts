// The one reader of attribute paths (RFC 7644 §3.4.2.2 attrPath), shared by filters and PATCH paths (§3.5.2).
import type { AttributePath } from '../../types/filter'
import { DOT, isUrnAt, isWordChar, nameEnd, type Scanner } from './scanner'

/** What the reader knows of the schema URNs in use, compiled once per parser. */
export interface KnownUrns {
  /** Sticky regex matching any known URN, spelled as registered, followed by ":". */
  readonly prefix: RegExp
  /** Known URNs by length, where the length alone identifies one: a qualified path reuses that string. */
  readonly byLength: ReadonlyMap<number, string>
}

/** Compiles `schemaUrns` for `readAttributePath`. */
export function compileKnownUrns(schemaUrns: readonly string[]): KnownUrns {
  const lengths = new Map<number, number>()
  for (const urn of schemaUrns) lengths.set(urn.length, (lengths.get(urn.length) ?? 0) + 1)
  return {
    prefix: new RegExp(`${alternation(schemaUrns) || '(?!)'}:`, 'y'),
    byLength: new Map(schemaUrns.filter((u) => lengths.get(u.length) === 1).map((u) => [u.length, u])),
  }
}

/**
 * attrPath = [URI ":"] ATTRNAME *1subAttr; subAttr = "." ATTRNAME (RFC 7644 §3.4.2.2), where a name may
 * also be `$ref` (RFC 7643 §2.3.7). A URN splits at its last colon (the URN may hold dots such as `2.0`,
 * a name may not hold colons), the names at the first dot. The scanner is at the path's first character
 * (white space skipped); on malformed text, fails at the offending name.
 */
export function readAttributePath(scanner: Scanner, urns: KnownUrns): AttributePath {
  const start = scanner.pos
  if (!isUrnAt(scanner.text, start)) return readNames(scanner, start, undefined) ?? failNames(scanner, start)
  return readUnderKnownUrn(scanner, start, urns) ?? readUnderAnyUrn(scanner, start)
}

/**
 * The path when it is a known URN, spelled as registered, then names: one regex of literal alternatives
 * matches the URN without scanning it character by character, and the URN string is not copied.
 * Undefined for anything else (another URN, a longer one, a malformed name), which the general reading
 * decides.
 */
function readUnderKnownUrn(scanner: Scanner, start: number, urns: KnownUrns): AttributePath | undefined {
  const { text } = scanner
  urns.prefix.lastIndex = start
  if (!urns.prefix.test(text)) return undefined
  const nameStart = urns.prefix.lastIndex
  const schema = urns.byLength.get(nameStart - start - 1) ?? text.slice(start, nameStart - 1)
  return readNames(scanner, nameStart, schema)
}

/** The general reading of a URN-qualified path: the URN ends at the word's last colon. */
function readUnderAnyUrn(scanner: Scanner, start: number): AttributePath {
  const { text } = scanner
  const end = scanner.wordEnd(start)
  const nameStart = text.lastIndexOf(':', end - 1) + 1
  if (nameStart === end) scanner.fail('Expected an attribute after the schema URN', end)
  return readNames(scanner, nameStart, text.slice(start, nameStart - 1)) ?? failNames(scanner, nameStart)
}

/** subAttr after a value path: `"]." ATTRNAME` (RFC 7644 §3.5.2); the scanner is just past the dot. */
export function readSubAttributeName(scanner: Scanner): string {
  const start = scanner.pos
  const end = nameEnd(scanner.text, start)
  if (end === start || isWordChar(scanner.text.charCodeAt(end))) {
    scanner.fail('Expected a sub-attribute name after "]."', start)
  }
  scanner.pos = end
  return scanner.text.slice(start, end)
}

/**
 * The known schema URN spelled (in any case) by the word at the scanner, or undefined. PATCH may target a
 * whole extension by its URN (RFC 7644 §3.5.2); the word is not consumed.
 */
export function wholeSchemaAt(scanner: Scanner, schemaUrns: readonly string[]): string | undefined {
  const start = scanner.pos
  // Every known URN starts with "urn:" (checked with the options), so other words need no comparison.
  if (!isUrnAt(scanner.text, start)) return undefined
  const word = scanner.text.slice(start, scanner.wordEnd(start))
  const lower = word.toLowerCase()
  return schemaUrns.some((urn) => urn.toLowerCase() === lower) ? word : undefined
}

/**
 * `ATTRNAME ["." ATTRNAME]` from `nameStart` to the end of the word, under `schema` when qualified; one
 * pass, no copy but the names. Undefined, with the scanner unmoved, when the word is anything else.
 */
function readNames(
  scanner: Scanner,
  nameStart: number,
  schema: string | undefined,
): AttributePath | undefined {
  const { text } = scanner
  const attributeEnd = nameEnd(text, nameStart)
  let end = attributeEnd
  let subStart = -1
  if (text.charCodeAt(end) === DOT) {
    subStart = end + 1
    end = nameEnd(text, subStart)
  }
  if (attributeEnd === nameStart || end === subStart || isWordChar(text.charCodeAt(end))) {
    return undefined
  }
  scanner.pos = end
  const attribute = text.slice(nameStart, attributeEnd)
  if (subStart === -1) {
    return schema === undefined
      ? { kind: 'attributePath', attribute }
      : { kind: 'attributePath', schema, attribute }
  }
  const subAttribute = text.slice(subStart, end)
  return schema === undefined
    ? { kind: 'attributePath', attribute, subAttribute }
    : { kind: 'attributePath', schema, attribute, subAttribute }
}

/** Fails at the first name of the word at `nameStart` that is not an ATTRNAME (or at the missing word). */
function failNames(scanner: Scanner, nameStart: number): never {
  const { text } = scanner
  const end = scanner.wordEnd(nameStart)
  // Only a path that is not there at all, where the scanner stands.
  if (end === nameStart) scanner.failExpecting('an attribute')
  const dot = text.indexOf('.', nameStart)
  const attributeEnd = dot === -1 || dot >= end ? end : dot
  if (attributeEnd === nameStart || nameEnd(text, nameStart) !== attributeEnd) {
    scanner.fail(`Invalid attribute name '${text.slice(nameStart, attributeEnd)}'`, nameStart)
  }
  return scanner.fail(`Invalid sub-attribute name '${text.slice(attributeEnd + 1, end)}'`, attributeEnd + 1)
}

/**
 * A regex source matching exactly the given strings, with shared prefixes factored out
 * (`urn:ietf:params:scim:schemas:(?:core:2\.0:(?:User|Group)|extension:…)`), so that the engine reads
 * the prefix every known URN shares once instead of once per URN.
 */
function alternation(strings: readonly string[]): string {
  const unique = [...new Set(strings)]
  if (unique.length === 0) return ''
  if (unique.length === 1) return escapeRegex(unique[0]!)
  let prefix = unique[0]!
  for (const s of unique) while (!s.startsWith(prefix)) prefix = prefix.slice(0, -1)
  const byFirst = new Map<string, string[]>()
  let empty = false
  for (const s of unique) {
    const rest = s.slice(prefix.length)
    if (rest === '') empty = true
    else byFirst.set(rest[0]!, [...(byFirst.get(rest[0]!) ?? []), rest])
  }
  const branches = [...byFirst.values()].map(alternation)
  const group = `(?:${branches.join('|')})${empty ? '?' : ''}`
  return escapeRegex(prefix) + (branches.length === 1 && !empty ? branches[0] : group)
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}
