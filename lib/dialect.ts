// Every IdP leniency rule in one place (bodies, PATCH, filters, paths, routing): each names the IdP behaviour it serves and the test proving it.

// Under `dialect: 'strict'` every rule here is off and only RFC 7643/7644 apply. Adding a quirk means a
// rule here and a fixture (lib/check/sequences or test/patch/dialects.test.ts), nothing else.
import type { Filter, FilterDialect } from '../types/filter'
import type { AttributeDefinition } from '../types/schema'
import { configError } from './errors'
import { isStorableId } from './ids'
import { parseDateTime } from './schema/datetime'
import { findSubAttribute } from './schema/registry'

/** True when `text` starts with `urn:` in any case (a schema URN or a URN-qualified path). */
export function startsWithUrn(text: string): boolean {
  return (
    (text.charCodeAt(0) | 0x20) === 0x75 &&
    (text.charCodeAt(1) | 0x20) === 0x72 &&
    (text.charCodeAt(2) | 0x20) === 0x6e &&
    text.charCodeAt(3) === 0x3a
  )
}

/** Which reading of requests is in force: `lenient` (the IdPs' forms below) or `strict` (the RFCs only). */
export type Dialect = FilterDialect

/** The dialect of PATCH requests: the one router-wide dialect. Kept as a name for existing imports. */
export type PatchDialect = Dialect

/** Checks a `dialect` option: undefined means lenient; anything but the two names is a TypeError. */
export function readDialect(dialect: unknown, where: string): Dialect {
  if (dialect === undefined || dialect === 'lenient') return 'lenient'
  if (dialect === 'strict') return 'strict'
  throw configError('ERR_INVALID_OPTION', `${where} dialect must be 'lenient' or 'strict'`)
}

/**
 * Entra ID's `AppRoleAssignmentsComplex` mapping sends each role of a PATCH as a JSON-encoded string in
 * the element's `value`: `{"value":"{\"id\":\"…\",\"value\":\"Admin\",\"displayName\":\"Admin\"}"}`.
 * Under `lenient` such a value of a `roles` or `entitlements` element reads as the role it encodes (its
 * `value`, and its `displayName` as `display`); read only where the router checks grants against a
 * catalogue (`roleStore`, `entitlementStore`), where the value must name a role. Anything else, and
 * every value under `strict`, stays as it is (and then names no role: 400 `invalidValue`).
 * Test: test/integration/roles.test.ts "Entra's JSON-encoded app roles".
 */
export function encodedAppRole(
  value: unknown,
  dialect: Dialect,
): { readonly value: string; readonly display?: string } | undefined {
  // 0x7b: `{`. Checked before parsing: plain role values never are.
  if (dialect !== 'lenient' || typeof value !== 'string' || value.charCodeAt(0) !== 0x7b) return undefined
  let decoded: unknown
  try {
    decoded = JSON.parse(value)
  } catch {
    return undefined
  }
  if (typeof decoded !== 'object' || decoded === null || Array.isArray(decoded)) return undefined
  const { value: inner, displayName } = decoded as Record<string, unknown>
  if (typeof inner !== 'string') return undefined
  return typeof displayName === 'string' ? { value: inner, display: displayName } : { value: inner }
}

/**
 * Entra ID writes op names capitalised (`"Replace"`, `"Add"`, `"Remove"`); read them in any case.
 * Test: test/patch/dialects.test.ts "op names in any case".
 */
export function normalizeOpName(op: unknown, dialect: PatchDialect): string | undefined {
  if (typeof op !== 'string') return undefined
  return dialect === 'lenient' ? op.toLowerCase() : op
}

/**
 * Entra ID sends booleans as the strings "True" / "False" (any case) for `active` and `primary`: in
 * POST/PUT bodies, PATCH values and filters (`active eq "True"`, `roles[primary eq "True"]`). Read them
 * by meaning, never by JavaScript truthiness ("False" is truthy). Any other string is refused.
 * RFC 7643 §2.3.2 and RFC 7644 §3.4.2.2 know only the JSON literals, so `strict` refuses the strings.
 * Tests: test/patch/dialects.test.ts "booleans as strings", test/integration/dialect.test.ts.
 */
export function readBooleanString(value: unknown, dialect: PatchDialect): boolean | undefined {
  if (dialect !== 'lenient' || typeof value !== 'string') return undefined
  const lower = value.toLowerCase()
  return lower === 'true' ? true : lower === 'false' ? false : undefined
}

/**
 * Entra ID sends path-less values whose keys are paths: `{"name.givenName": "B"}` and
 * `{"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department": "X"}`. Returns the key as
 * a path to parse, or undefined for a plain attribute name (or a whole extension URN, which RFC 7644
 * §3.5.2.1 allows as a key anyway).
 * Test: test/patch/dialects.test.ts "path-less values with dotted and URN-qualified keys".
 */
export function pathLessKeyAsPath(key: string, isSchemaUrn: boolean, dialect: PatchDialect) {
  if (dialect !== 'lenient' || isSchemaUrn) return undefined
  return key.includes('.') || startsWithUrn(key) ? key : undefined
}

/**
 * Entra ID removes group members as `{"op":"Remove","path":"members","value":[{"value":"<id>"}]}`: a
 * remove without a filter, with the members to remove as its value. Returns those ids, or undefined
 * when the operation is not of that shape.
 * Test: test/patch/dialects.test.ts "remove of members given as a value array".
 */
export function membersToRemove(value: unknown, dialect: PatchDialect): string[] | undefined {
  if (dialect !== 'lenient' || value === undefined || value === null) return undefined
  const list = Array.isArray(value) ? value : [value]
  const ids: string[] = []
  for (const element of list) {
    const id =
      typeof element === 'object' && element !== null ? (element as { value?: unknown }).value : element
    if (!isStorableId(id)) return undefined
    ids.push(id)
  }
  return ids
}

/**
 * Entra ID removes elements of any multi-valued attribute by sending them as the value of a remove
 * (`{"op":"Remove","path":"emails","value":[{"value":"a@x"}]}`); RFC 7644 §3.5.2.2 gives a remove no
 * value. Under `lenient` the value names the elements to remove; under `strict` a remove with a value
 * is refused. Never is a value read as "remove everything".
 * Test: test/patch/dialects.test.ts "remove of members given as a value array".
 */
export function removeValueNamesElements(dialect: Dialect): boolean {
  return dialect === 'lenient'
}

/**
 * Entra ID and Okta add or replace on a value-filtered path whose element does not exist yet and expect
 * it created (see `elementFromFilter`); RFC 7644 §3.5.2.3 makes that a 400 `noTarget` for replace. The default of
 * the `unmatchedFilter.addOrReplace` option: `create` under `lenient`, `noTarget` under `strict`.
 * Test: test/patch/dialects.test.ts "add on a filtered path that matches nothing creates the element".
 */
export function unmatchedFilterDefault(dialect: Dialect): 'create' | 'noTarget' {
  return dialect === 'lenient' ? 'create' : 'noTarget'
}

/**
 * Entra ID adds or replaces on a value-filtered path whose element does not exist yet, such as
 * `addresses[type eq "work"].locality`, and expects the element to be created. The new element takes
 * the filter's `eq` terms (`{type: "work"}`), each literal as the sub-attribute's type: the filter
 * `roles[primary eq "true"]` creates `{primary: true}`, never the string "true" in a boolean. A filter
 * of any other shape, or a literal that is not of the sub-attribute's type, cannot describe an element,
 * and the caller answers noTarget.
 * Test: test/patch/dialects.test.ts "add on a filtered path that matches nothing creates the element".
 */
export function elementFromFilter(
  filter: Filter,
  parent: AttributeDefinition,
  dialect: PatchDialect,
): Record<string, unknown> | undefined {
  const terms = filter.kind === 'and' ? filter.filters : [filter]
  const element: Record<string, unknown> = {}
  for (const term of terms) {
    if (term.kind !== 'comparison' || term.operator !== 'eq' || term.path.subAttribute !== undefined)
      return undefined
    if (term.path.schema !== undefined || term.value === null) return undefined
    const sub = findSubAttribute(parent, term.path.attribute)
    if (!sub || sub.name in element || sub.multiValued) return undefined
    const value = literalAs(sub, term.value, dialect)
    if (value === undefined) return undefined
    element[sub.name] = value
  }
  return element
}

/** A filter literal as a value of `sub`'s type (RFC 7643 §2.3), or undefined when it is not one. */
function literalAs(sub: AttributeDefinition, literal: unknown, dialect: PatchDialect): unknown {
  switch (sub.type) {
    case 'boolean':
      return typeof literal === 'boolean' ? literal : readBooleanString(literal, dialect)
    case 'integer':
      return typeof literal === 'number' && Number.isSafeInteger(literal) ? literal : undefined
    case 'decimal':
      return typeof literal === 'number' && Number.isFinite(literal) ? literal : undefined
    case 'dateTime':
      return typeof literal === 'string' && !Number.isNaN(parseDateTime(literal)) ? literal : undefined
    case 'complex':
      return undefined
    default:
      // U+0000 is refused in every stored string (no database column holds it), here as on POST.
      return typeof literal === 'string' && !literal.includes('\u0000') ? literal : undefined
  }
}

/**
 * Entra ID sends the enterprise `manager` as a bare id string instead of `{"value": "<id>"}`. A bare
 * string for a single-valued complex attribute with a `value` sub-attribute is read as that value.
 * Test: test/patch/dialects.test.ts "manager as a bare string".
 */
export function complexFromBareString(
  definition: AttributeDefinition,
  value: unknown,
  dialect: PatchDialect,
) {
  if (dialect !== 'lenient' || typeof value !== 'string') return undefined
  if (definition.type !== 'complex' || definition.multiValued) return undefined
  const sub = findSubAttribute(definition, 'value')
  return sub ? { [sub.name]: value } : undefined
}

/**
 * Entra ID's documented manager update is `{"op":"Add","path":"manager","value":[{"$ref":"…","value":"<id>"}]}`:
 * a one-element array for a single-valued attribute. Returns the element, or undefined when the value
 * is not of that shape.
 * Test: test/patch/dialects.test.ts "a one-element array for a single-valued attribute".
 */
export function singleFromOneElementArray(
  definition: AttributeDefinition,
  value: unknown,
  dialect: PatchDialect,
) {
  if (dialect !== 'lenient' || definition.multiValued || !Array.isArray(value) || value.length !== 1)
    return undefined
  return { element: value[0] as unknown }
}

/**
 * Okta renames a group with `{"op":"replace","value":{"id":"<id>","displayName":"New"}}`, repeating the
 * read-only `id`; clients also repeat `schemas` in path-less values. A read-only attribute in a
 * path-less value is ignored when it equals the current value (or is `schemas`); a different value is
 * still a mutability error.
 * Test: test/patch/dialects.test.ts "Okta's path-less replace with id and displayName".
 */
export function ignoresReadOnlyInPathLessValue(
  definition: AttributeDefinition,
  sameAsCurrent: boolean,
  dialect: PatchDialect,
): boolean {
  if (dialect !== 'lenient' || definition.mutability !== 'readOnly') return false
  return sameAsCurrent || definition.name === 'schemas'
}

/**
 * Microsoft's reference requests add group members as `{"displayName": "new User", "value": "<id>"}`,
 * and POST and PUT ignore keys the schema lacks (RFC 7644 §3.3). In a member value, `displayName` is
 * read as `display` and any other unknown key is ignored. Returns the sub-attribute name to use, `null`
 * to drop the key, or undefined when no rule applies (the key is refused).
 * Test: test/patch/cost.test.ts "reads Microsoft's member `displayName` as `display`".
 */
export function memberKeyAlias(
  definition: AttributeDefinition,
  key: string,
  dialect: PatchDialect,
): string | null | undefined {
  if (dialect !== 'lenient' || definition.name !== 'members' || definition.type !== 'complex')
    return undefined
  return key.toLowerCase() === 'displayname' && findSubAttribute(definition, 'display') ? 'display' : null
}

/**
 * Okta and Entra send a lone element where a multi-valued attribute belongs (`"emails": {"value": …}`)
 * now and then in POST/PUT bodies. Returns the value as a one-element list under `lenient`, or as it is.
 * Test: test/integration/dialect.test.ts.
 */
export function listFromLoneElement(value: unknown, dialect: Dialect): unknown {
  return Array.isArray(value) || dialect !== 'lenient' ? value : [value]
}

/**
 * Some clients (Okta's early connectors, hand-written scripts) leave `schemas` out of POST/PUT bodies;
 * RFC 7643 §3 makes it required. Under `lenient` a body without `schemas` is read as the endpoint's core
 * schema; one that sends `schemas` must still list it.
 * Test: test/integration/dialect.test.ts.
 */
export function schemasMayBeOmitted(dialect: Dialect): boolean {
  return dialect === 'lenient'
}

/**
 * Entra filters on a value path followed by a sub-attribute: `emails[type eq "work"].value eq "x"`,
 * which the RFC 7644 §3.4.2.2 ABNF lacks. It means `emails[type eq "work" and value eq "x"]`, and the
 * filter parser reads it so under `lenient`; `strict` refuses it as invalidFilter.
 * Test: test/filter/parser.test.ts (value path with a trailing sub-attribute).
 */
export function readsValuePathSubAttribute(dialect: Dialect): boolean {
  return dialect === 'lenient'
}

/**
 * Okta's and most IdPs' documented base URLs end in `/scim/v2`, and RFC 7644 §3.13 lets a service
 * provider carry its version in the URL. The router answers under `/v2` below its mount path too, and
 * its `Location` headers keep the `/v2`, under both dialects (the RFC allows it, so `strict` keeps it).
 * Returns the path without its version segment, and whether it had one.
 * Test: test/integration/router.test.ts "/v2".
 */
export function withoutVersionSegment(segments: readonly string[]): {
  readonly segments: readonly string[]
  readonly v2: boolean
} {
  const first = segments[0]
  // Only a two-character segment is lower-cased: no string is made for every other path.
  const v2 = first !== undefined && first.length === 2 && first.toLowerCase() === 'v2'
  return { segments: v2 ? segments.slice(1) : segments, v2 }
}
