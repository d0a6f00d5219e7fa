// What a filter term means under the schema: which attribute it names, and whether operator and value fit its type.
import type {
  ComparisonOperator,
  Filter,
  FilterDialect,
  FilterValue,
  ValuePathFilter,
} from '../../types/filter'
import type { AttributeDefinition, ResolvedAttribute } from '../../types/schema'
import { readBooleanString, readDialect } from '../dialect'
import { scimError } from '../errors'
import { parseDateTime } from '../schema/datetime'
import { foldCase } from '../schema/fold'
import { findSubAttribute, type SchemaRegistry } from '../schema/registry'
import { stringifyAttributePath } from './stringify'

/** A path resolved for filtering: the attribute, and the leaf whose type and caseExact govern comparisons. */
export interface FilterTarget {
  /** The resolved top-level attribute (and sub-attribute, when named). */
  readonly resolved: ResolvedAttribute
  /**
   * The definition compared against. For a multi-valued complex attribute named without a sub-attribute
   * (`emails co "example.com"`, an RFC 7644 §3.4.2.2 example), that is its `value` sub-attribute.
   */
  readonly leaf: AttributeDefinition
  /** Sub-attribute actually read inside each element: the named one, the implied `value`, or none. */
  readonly subAttribute?: AttributeDefinition
}

/**
 * A comparison's right-hand side, checked against the leaf's type and ready to compare. For strings,
 * `value` is what stored values are compared with: `foldCase(written)` unless the attribute is caseExact.
 */
export type ComparisonOperand =
  | {
      readonly type: 'string'
      readonly caseExact: boolean
      readonly value: string
      /** The literal as the filter wrote it. */
      readonly written: string
    }
  | { readonly type: 'number'; readonly value: number }
  | { readonly type: 'boolean'; readonly value: boolean }
  | { readonly type: 'dateTime'; readonly value: number }
  | { readonly type: 'null' }

function invalidFilter(detail: string) {
  return scimError(400, 'invalidFilter', detail)
}

/** Where a filter's paths are resolved: a resource type (top level) or the elements of a complex attribute. */
export type FilterScope =
  | {
      readonly kind: 'resource'
      readonly registry: SchemaRegistry
      readonly resourceType: string | undefined
    }
  | { readonly kind: 'element'; readonly parent: ResolvedAttribute }

/**
 * Resolves a filter path. Unknown attributes, and write-only or never-returned ones (`password`),
 * are `invalidFilter`: a filter on them would either mean nothing or leak the value through matches.
 */
export function resolveFilterPath(
  scope: FilterScope,
  path: { readonly schema?: string; readonly attribute: string; readonly subAttribute?: string },
  forComparison: boolean,
): FilterTarget {
  // Only errors quote the path: built when one is thrown, not on every compile.
  const written = () => stringifyAttributePath(path)
  let resolved: ResolvedAttribute | undefined
  if (scope.kind === 'resource') {
    resolved = scope.registry.resolve(scope.resourceType, path)
  } else if (path.schema === undefined && path.subAttribute === undefined) {
    const sub = findSubAttribute(scope.parent.attribute, path.attribute)
    if (sub) resolved = { ...scope.parent, subAttribute: sub }
  }
  if (!resolved) {
    const inside = scope.kind === 'element' ? ` inside '${scope.parent.attribute.name}[...]'` : ''
    throw invalidFilter(`Unknown attribute '${written()}'${inside}`)
  }
  const named = resolved.subAttribute ?? resolved.attribute
  for (const definition of [resolved.attribute, named]) {
    if (definition.returned === 'never' || definition.mutability === 'writeOnly') {
      throw invalidFilter(`The attribute '${written()}' cannot be used in a filter`)
    }
  }
  if (scope.kind === 'element') return { resolved, leaf: named, subAttribute: named }
  if (resolved.subAttribute)
    return { resolved, leaf: resolved.subAttribute, subAttribute: resolved.subAttribute }
  const attribute = resolved.attribute
  if (forComparison && attribute.type === 'complex') {
    const value = attribute.multiValued ? findSubAttribute(attribute, 'value') : undefined
    if (!value)
      throw invalidFilter(`Cannot compare the complex attribute '${written()}'; name a sub-attribute`)
    return { resolved, leaf: value, subAttribute: value }
  }
  return { resolved, leaf: attribute }
}

/** The first and last instants a dateTime filter may name: 0001-01-01T00:00:00Z and 9999-12-31T23:59:59.999Z. */
const MIN_INSTANT = new Date(0).setUTCFullYear(1, 0, 1)
const MAX_INSTANT = Date.UTC(9999, 11, 31, 23, 59, 59, 999)

const ORDERING: ReadonlySet<ComparisonOperator> = new Set(['gt', 'ge', 'lt', 'le'])
const SUBSTRING: ReadonlySet<ComparisonOperator> = new Set(['co', 'sw', 'ew'])

/** Checks a `dialect` option: undefined means lenient; anything but the two names is a TypeError. */
export function readFilterDialect(dialect: unknown): FilterDialect {
  return readDialect(dialect, 'the filter option')
}

/**
 * Checks that `operator` and `value` make sense for the leaf's type (RFC 7644 §3.4.2.2) and returns
 * the operand in comparable form. `gt` on a boolean, `co` on a number, a string compared with an
 * integer, or an unparseable date are `invalidFilter`; so is a string for a boolean under `strict`.
 */
export function checkComparison(
  leaf: AttributeDefinition,
  operator: ComparisonOperator,
  value: FilterValue,
  written: string | Parameters<typeof stringifyAttributePath>[0],
  dialect: FilterDialect = 'lenient',
): ComparisonOperand {
  const refuse = (why: string): never => {
    const path = typeof written === 'string' ? written : stringifyAttributePath(written)
    throw invalidFilter(`'${path} ${operator}' ${why}`)
  }
  if (value === null) {
    if (operator !== 'eq' && operator !== 'ne') refuse('cannot compare with null; use eq or ne')
    return { type: 'null' }
  }
  switch (leaf.type) {
    case 'boolean': {
      if (operator !== 'eq' && operator !== 'ne') refuse('is not defined for boolean attributes')
      const read = typeof value === 'boolean' ? value : readBooleanString(value, dialect)
      if (read === undefined) refuse('needs true or false')
      return { type: 'boolean', value: read as boolean }
    }
    case 'integer':
    case 'decimal':
      if (SUBSTRING.has(operator)) refuse('is not defined for numbers')
      if (typeof value !== 'number') refuse('needs a number')
      // Beyond 2^53 an integer is no longer exact, and a database integer column would refuse it.
      if (leaf.type === 'integer' && !Number.isSafeInteger(value)) refuse('needs an integer within ±2^53')
      return { type: 'number', value: value as number }
    case 'dateTime': {
      if (SUBSTRING.has(operator)) refuse('is not defined for dateTime attributes')
      const instant = parseDateTime(value)
      if (Number.isNaN(instant)) refuse('needs a dateTime string such as "2011-05-13T04:42:34Z"')
      // Years 0001-9999 in UTC: what xsd:dateTime strings and SQL timestamps share.
      if (instant < MIN_INSTANT || instant > MAX_INSTANT)
        refuse('needs a dateTime between years 0001 and 9999 (UTC)')
      return { type: 'dateTime', value: instant }
    }
    case 'binary':
      if (ORDERING.has(operator) || SUBSTRING.has(operator)) refuse('is not defined for binary attributes')
      if (typeof value !== 'string') refuse('needs a base64 string')
      // Stored as text like any string: U+0000 cannot be in a column, so it can only be an attack.
      if ((value as string).includes('\u0000')) refuse('cannot contain the character U+0000')
      return { type: 'string', caseExact: true, value: value as string, written: value as string }
    case 'complex':
      return refuse('cannot compare a complex attribute')
    default: {
      // string and reference
      if (typeof value !== 'string') refuse('needs a string')
      const text = value as string
      // No stored text holds U+0000 (PostgreSQL cannot store it), so it can only be an attack or an error.
      if (text.includes('\u0000')) refuse('cannot contain the character U+0000')
      // One fold for every case-insensitive comparison, in memory and in SQL (lib/schema/fold.ts).
      return {
        type: 'string',
        caseExact: leaf.caseExact,
        value: leaf.caseExact ? text : foldCase(text),
        written: text,
      }
    }
  }
}

/**
 * The complex attribute a value path (`emails[type eq "work"]`) filters the elements of. A value path
 * inside another, or on anything but a whole complex attribute, is `invalidFilter`.
 */
export function resolveValuePath(scope: FilterScope, node: ValuePathFilter): ResolvedAttribute {
  if (scope.kind === 'element') throw invalidFilter('A value path cannot nest inside another')
  const { resolved } = resolveFilterPath(scope, node.path, false)
  if (resolved.attribute.type !== 'complex' || resolved.subAttribute) {
    throw invalidFilter(
      `'${stringifyAttributePath(node.path)}[...]' needs a complex attribute such as emails or members`,
    )
  }
  return resolved
}

/**
 * Checks a filter against the schema without compiling it: the errors `compileFilter()` would throw
 * (unknown or unfilterable attributes, operators and values that do not fit a type, misplaced value
 * paths), with no predicate built. The router checks every filter before a store sees it, and most
 * stores answer from an index or SQL, so the predicate would be garbage.
 */
export function checkFilter(filter: Filter, scope: FilterScope, dialect: FilterDialect): void {
  switch (filter.kind) {
    case 'comparison': {
      const target = resolveFilterPath(scope, filter.path, true)
      checkComparison(target.leaf, filter.operator, filter.value, filter.path, dialect)
      return
    }
    case 'present':
      resolveFilterPath(scope, filter.path, false)
      return
    case 'valuePath':
      checkFilter(filter.filter, { kind: 'element', parent: resolveValuePath(scope, filter) }, dialect)
      return
    case 'not':
      checkFilter(filter.filter, scope, dialect)
      return
    default:
      for (const operand of filter.filters) checkFilter(operand, scope, dialect)
  }
}
