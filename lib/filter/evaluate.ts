// In-memory filter evaluation with the schema's semantics: compiled once into a predicate, then run per resource.
import type {
  ComparisonFilter,
  Filter,
  FilterDialect,
  FilterDialectOptions,
  PresentFilter,
  ValuePathFilter,
} from '../../types/filter'
import type { ResolvedAttribute } from '../../types/schema'
import { isObject } from '../json'
import { parseDateTime } from '../schema/datetime'
import { foldCase, needsFullFold } from '../schema/fold'
import { createSchemaRegistry, type SchemaRegistry } from '../schema/registry'
import {
  type ComparisonOperand,
  checkComparison,
  type FilterScope,
  type FilterTarget,
  readFilterDialect,
  resolveFilterPath,
  resolveValuePath,
} from './semantics'

/** Options of `compileFilter()` and `matchesFilter()`. */
export interface MatchFilterOptions extends FilterDialectOptions {
  /** Schemas to resolve attributes against. Defaults to the built-in User, Enterprise User and Group. */
  readonly registry?: SchemaRegistry
  /** Resource type of the resources (`User`, `Group`). When omitted, each type's schemas are tried in turn. */
  readonly resourceType?: string
}

/** A compiled filter: true when the resource matches. Never throws, whatever the resource holds. */
export type FilterPredicate = (resource: unknown) => boolean

type Getter = (target: unknown) => unknown

/**
 * Reads an own property, falling back to a case-insensitive match (RFC 7643 §2.1: names are
 * case-insensitive). Inherited properties are never read, so `constructor` or `__proto__` find nothing.
 */
function ownGetter(name: string): Getter {
  const lower = name.toLowerCase()
  return (target) => {
    if (typeof target !== 'object' || target === null || Array.isArray(target)) return undefined
    if (Object.hasOwn(target, name)) return (target as Record<string, unknown>)[name]
    for (const key of Object.keys(target)) {
      if (key.toLowerCase() === lower) return (target as Record<string, unknown>)[key]
    }
    return undefined
  }
}

/** Every value the path designates in one resource, arrays flattened one level (multi-valued attributes). */
function valuesGetter(target: FilterTarget, scope: FilterScope): (r: unknown) => unknown[] {
  if (scope.kind === 'element') {
    const read = ownGetter(target.leaf.name)
    return (element) => flatten(read(element))
  }
  const readTop = topLevelGetter(target.resolved)
  const sub = target.subAttribute
  if (!sub) return (resource) => flatten(readTop(resource))
  const readSub = ownGetter(sub.name)
  return (resource) => {
    const top = readTop(resource)
    if (Array.isArray(top)) {
      const out: unknown[] = []
      for (const element of top) {
        const v = readSub(element)
        // A loop, not push(...v): spreading a huge stored array would overflow the stack.
        if (Array.isArray(v)) for (const item of v) out.push(item)
        else if (v !== undefined) out.push(v)
      }
      return out
    }
    return flatten(readSub(top))
  }
}

function topLevelGetter(resolved: ResolvedAttribute): Getter {
  const readAttribute = ownGetter(resolved.attribute.name)
  if (!resolved.inExtension) return readAttribute
  const readExtension = ownGetter(resolved.schema)
  return (resource) => readAttribute(readExtension(resource))
}

function flatten(value: unknown): unknown[] {
  if (value === undefined || value === null) return []
  return Array.isArray(value) ? value : [value]
}

/**
 * RFC 7644 §3.4.2.2 `pr`: a non-empty value, or a complex value with some non-empty sub-attribute.
 * SCIM values nest at most two levels (a multi-valued complex attribute's elements and their
 * sub-attributes, RFC 7643 §2.3.8), so the walk stops there: a self-referencing or absurdly deep
 * resource cannot exhaust the stack, and anything non-null below that depth counts as present.
 */
export function isPresent(value: unknown, depth = 3): boolean {
  if (value === undefined || value === null) return false
  if (typeof value === 'string') return value.length > 0
  if (typeof value !== 'object' || value instanceof Date || depth === 0) return true
  const members = Array.isArray(value) ? value : Object.values(value)
  for (const member of members) if (isPresent(member, depth - 1)) return true
  return false
}

/** A test of one attribute value against the operand; false for values of the wrong type. */
function valueTest(
  operator: ComparisonFilter['operator'],
  operand: Exclude<ComparisonOperand, { type: 'null' }>,
  context: Compilation,
): (v: unknown) => boolean {
  switch (operand.type) {
    case 'string': {
      const test = stringTest(operator, operand.value)
      if (operand.caseExact) return (v) => typeof v === 'string' && test(v)
      // The operand is folded already; each stored value is folded once (lib/schema/fold.ts), by
      // toLowerCase() alone when that gives the same answer.
      const folds = context.folds
      if (folds) {
        // Several comparisons in one filter: each stored value is folded once per evaluation, not once
        // per term (200 `co` terms over long values would fold each value 200 times).
        return (v) => {
          if (typeof v !== 'string') return false
          // A short string folds faster than a map finds it; only long ones are worth remembering.
          if (v.length < MEMO_LENGTH) return test(foldCase(v))
          let folded = folds.get(v)
          if (folded === undefined) {
            folded = foldCase(v)
            folds.set(v, folded)
          }
          return test(folded)
        }
      }
      const fold = needsFullFold(operand.value) ? foldCase : (s: string) => s.toLowerCase()
      return (v) => typeof v === 'string' && test(fold(v))
    }
    case 'number': {
      const test = orderedTest(operator, operand.value)
      return (v) => typeof v === 'number' && test(v)
    }
    case 'dateTime': {
      const test = orderedTest(operator, operand.value)
      return (v) => {
        const instant = parseDateTime(v)
        return !Number.isNaN(instant) && test(instant)
      }
    }
    case 'boolean': {
      const wanted = operand.value
      return (v) => v === wanted
    }
  }
}

/**
 * Compares strings by Unicode code point, as PostgreSQL's `COLLATE "C"` does on UTF-8, so that
 * `filterToSql()` and `matchesFilter()` order strings alike. JavaScript's `<` compares UTF-16 code
 * units, which puts astral characters (surrogates) before U+E000-U+FFFF; this corrects that case only.
 */
export function compareCodePoints(a: string, b: string): number {
  const length = Math.min(a.length, b.length)
  for (let i = 0; i < length; i++) {
    let x = a.charCodeAt(i)
    let y = b.charCodeAt(i)
    if (x === y) continue
    if (x >= 0xd800 && y >= 0xd800) {
      // Move surrogates (0xD800-0xDFFF) above 0xE000-0xFFFF, where the code points they encode belong.
      x = x >= 0xe000 ? x - 0x800 : x + 0x2000
      y = y >= 0xe000 ? y - 0x800 : y + 0x2000
    }
    return x - y
  }
  return a.length - b.length
}

function stringTest(operator: ComparisonFilter['operator'], wanted: string): (s: string) => boolean {
  switch (operator) {
    case 'co':
      return (s) => s.includes(wanted)
    case 'sw':
      return (s) => s.startsWith(wanted)
    case 'ew':
      return (s) => s.endsWith(wanted)
    case 'gt':
      return (s) => compareCodePoints(s, wanted) > 0
    case 'ge':
      return (s) => compareCodePoints(s, wanted) >= 0
    case 'lt':
      return (s) => compareCodePoints(s, wanted) < 0
    case 'le':
      return (s) => compareCodePoints(s, wanted) <= 0
    default:
      return (s) => s === wanted
  }
}

function orderedTest(operator: ComparisonFilter['operator'], wanted: number): (v: number) => boolean {
  switch (operator) {
    case 'gt':
      return (v) => v > wanted
    case 'ge':
      return (v) => v >= wanted
    case 'lt':
      return (v) => v < wanted
    case 'le':
      return (v) => v <= wanted
    default:
      // eq, and ne (negated by the caller)
      return (v) => v === wanted
  }
}

function compileComparison(
  node: ComparisonFilter,
  scope: FilterScope,
  context: Compilation,
): FilterPredicate {
  const target = resolveFilterPath(scope, node.path, true)
  // The path itself, not its text: only an error quotes it.
  const operand = checkComparison(target.leaf, node.operator, node.value, node.path, context.dialect)
  const values = valuesGetter(target, scope)
  if (operand.type === 'null') {
    // `eq null`: the attribute has no value; `ne null`: it has one (the same as `pr`).
    return node.operator === 'eq'
      ? (r) => !values(r).some((v) => isPresent(v))
      : (r) => values(r).some((v) => isPresent(v))
  }
  if (node.operator === 'ne') {
    // `ne` is the negation of `eq`: true when no value equals, including when there is no value at all.
    const equals = valueTest('eq', operand, context)
    return (r) => !values(r).some(equals)
  }
  const test = valueTest(node.operator, operand, context)
  return (r) => values(r).some(test)
}

function compilePresent(node: PresentFilter, scope: FilterScope): FilterPredicate {
  const target = resolveFilterPath(scope, node.path, false)
  const values = valuesGetter(target, scope)
  if (target.leaf.type === 'complex') {
    // A complex value is present only as an object with a non-empty sub-attribute: a stray string in
    // `emails` is not an email, and filterToSql() cannot see one either.
    return (r) => values(r).some((v) => isObject(v) && isPresent(v))
  }
  return (r) => values(r).some((v) => isPresent(v))
}

function compileValuePath(node: ValuePathFilter, scope: FilterScope, context: Compilation): FilterPredicate {
  const resolved = resolveValuePath(scope, node)
  const inner = compileNode(node.filter, { kind: 'element', parent: resolved }, context)
  const read = topLevelGetter(resolved)
  if (resolved.attribute.multiValued) {
    return (r) => {
      const value = read(r)
      return Array.isArray(value) ? value.some(inner) : value !== undefined && value !== null && inner(value)
    }
  }
  // A single-valued complex attribute (`name[...]`) must be present for its filter to apply: an absent
  // and an empty `name` are the same, as they are in a database that stores its sub-attributes as columns.
  return (r) => {
    const value = read(r)
    return isPresent(value) && inner(value)
  }
}

function compileNode(node: Filter, scope: FilterScope, context: Compilation): FilterPredicate {
  switch (node.kind) {
    case 'comparison':
      return compileComparison(node, scope, context)
    case 'present':
      return compilePresent(node, scope)
    case 'valuePath':
      return compileValuePath(node, scope, context)
    case 'not': {
      const inner = compileNode(node.filter, scope, context)
      return (r) => !inner(r)
    }
    case 'and': {
      const parts = node.filters.map((f) => compileNode(f, scope, context))
      return (r) => parts.every((p) => p(r))
    }
    case 'or': {
      const parts = node.filters.map((f) => compileNode(f, scope, context))
      return (r) => parts.some((p) => p(r))
    }
  }
}

/**
 * Compiles a filter AST into a predicate, resolving every attribute against the schema once.
 * Semantics (RFC 7644 §3.4.2.2): caseExact per attribute, case-insensitive strings compared by their
 * `foldCase()` (strings order by code point); a multi-valued attribute matches when any element does; a
 * missing attribute matches nothing (and `ne` is the negation of `eq`); dateTimes compare as instants;
 * `pr` is false for null, "" and empty arrays. Throws a SCIM 400 `invalidFilter` for unknown attributes
 * and for operators that make no sense for a type (`gt` on a boolean); a TypeError for a bad `dialect`.
 */
export function compileFilter(filter: Filter, options: MatchFilterOptions = {}): FilterPredicate {
  const registry = options.registry ?? createSchemaRegistry()
  const context = compilation(filter, readFilterDialect(options.dialect))
  const scope = { kind: 'resource', registry, resourceType: options.resourceType } as const
  return evaluateOnce(compileNode(filter, scope, context), context)
}

/**
 * Evaluates a filter against one resource. Compiles on every call: to test many resources, call
 * `compileFilter()` once and reuse the predicate.
 */
export function matchesFilter(filter: Filter, resource: unknown, options: MatchFilterOptions = {}): boolean {
  return compileFilter(filter, options)(resource)
}

/**
 * Compiles the filter of a value path (`emails[type eq "work"]`) into a predicate over one element of
 * the attribute `parent`, whose sub-attributes the filter's paths name. Used by PATCH paths.
 */
export function compileValueFilter(
  filter: Filter,
  parent: ResolvedAttribute,
  options: FilterDialectOptions = {},
): FilterPredicate {
  const context = compilation(filter, readFilterDialect(options.dialect))
  return evaluateOnce(compileNode(filter, { kind: 'element', parent }, context), context)
}

/** Stored strings at least this long are folded once per evaluation and remembered. */
const MEMO_LENGTH = 64

/** What every node of one compiled filter shares. */
interface Compilation {
  readonly dialect: FilterDialect
  /** Stored strings folded during the current evaluation, when the filter has several comparisons. */
  readonly folds: Map<string, string> | undefined
}

function compilation(filter: Filter, dialect: FilterDialect): Compilation {
  return { dialect, folds: filterTerms(filter) > 1 ? new Map() : undefined }
}

/**
 * The terms of a filter: comparisons and presence tests, each of which tests every value it is asked
 * about (at most `maxTerms`, as the parser bounds them). What one evaluation of the filter costs per value.
 */
export function filterTerms(filter: Filter): number {
  switch (filter.kind) {
    case 'comparison':
    case 'present':
      return 1
    case 'not':
    case 'valuePath':
      return filterTerms(filter.filter)
    default:
      return filter.filters.reduce((total, child) => total + filterTerms(child), 0)
  }
}

/** The predicate, forgetting the folds of one evaluation before the next (they hold one resource's strings). */
function evaluateOnce(predicate: FilterPredicate, context: Compilation): FilterPredicate {
  const folds = context.folds
  if (!folds) return predicate
  return (resource) => {
    try {
      return predicate(resource)
    } finally {
      if (folds.size > 0) folds.clear()
    }
  }
}
