// Compiles filter ASTs to parameterised PostgreSQL conditions (and sortBy to ORDER BY) with the semantics of matchesFilter().
import type {
  AttributePath,
  ComparisonFilter,
  Filter,
  FilterDialect,
  PresentFilter,
  ValuePathFilter,
} from '../../types/filter'
import type { AttributeDefinition, ResolvedAttribute } from '../../types/schema'
import type { FilterToSqlOptions, SqlAttributeMapping, SqlFilter } from '../../types/sql'
import type { SortOrder } from '../../types/stores'
import { configError, scimError } from '../errors'
import { createSchemaRegistry, type SchemaRegistry } from '../schema/registry'
import {
  type ComparisonOperand,
  checkComparison,
  type FilterScope,
  readFilterDialect,
  resolveFilterPath,
} from './semantics'
import {
  type Column,
  type CompiledMapping,
  columnKind,
  compileMapping,
  holdsTextForm,
  keyOf,
  type MultiColumns,
  sortExpression,
} from './sql-mapping'
import { stringifyAttributePath } from './stringify'

/** Escapes LIKE wildcards so that `co "%"` matches a literal percent sign. */
export function escapeLike(value: string): string {
  return value.replace(/[\\%_]/g, (c) => `\\${c}`)
}

type StringOperand = Extract<ComparisonOperand, { type: 'string' }>
type ValueOperand = Exclude<ComparisonOperand, { type: 'null' }>
/** Operators written as SQL comparison operators (co / sw / ew become LIKE; ne becomes NOT eq). */
type OrderedOperator = 'eq' | 'gt' | 'ge' | 'lt' | 'le'
type PositiveOperator = Exclude<ComparisonFilter['operator'], 'ne'>

const SQL_OPERATORS: Record<OrderedOperator, string> = { eq: '=', gt: '>', ge: '>=', lt: '<', le: '<=' }

const LIKE_PATTERNS: Record<'co' | 'sw' | 'ew', (escaped: string) => string> = {
  co: (v) => `%${v}%`,
  sw: (v) => `${v}%`,
  ew: (v) => `%${v}`,
}

class SqlBuilder {
  readonly values: (string | number | boolean)[] = []

  constructor(
    private readonly mapping: CompiledMapping,
    private readonly scope: FilterScope & { kind: 'resource' },
    private readonly firstParameter: number,
    private readonly dialect: FilterDialect,
  ) {}

  param(value: string | number | boolean): string {
    this.values.push(value)
    return `$${this.firstParameter + this.values.length - 1}`
  }

  unmapped(path: string): never {
    throw scimError(400, 'invalidFilter', `Filtering on '${path}' is not supported`)
  }

  /**
   * A test that SQL may answer with NULL (a NULL column). Under an even number of NOTs a NULL excludes the
   * row just as false does, so the bare test stays usable by an index; under an odd number it must be
   * false, or `NOT` would exclude the row too (`ne` is `NOT eq` and matches a missing value).
   */
  guard(test: string, negative: boolean): string {
    return negative ? `COALESCE(${test}, false)` : `(${test})`
  }

  /** The boolean SQL of one leaf comparison on `column`, holding `leaf`. */
  comparison(
    column: Column,
    leaf: AttributeDefinition,
    operator: PositiveOperator,
    operand: ValueOperand,
    written: string,
    negative: boolean,
  ): string {
    const kind = columnKind(column, leaf)
    const expr = column.expression
    switch (operand.type) {
      case 'string':
        if (kind === 'integer' || kind === 'uuid') {
          return this.typedString(expr, kind, operator, operand, written, negative)
        }
        return this.guard(this.text(column, operator, operand), negative)
      case 'dateTime':
        // Milliseconds, as matchesFilter() reads dateTimes: a microsecond column is truncated to match.
        return this.guard(
          `date_trunc('milliseconds', ${expr}) ${SQL_OPERATORS[operator as OrderedOperator]} ${this.param(new Date(operand.value).toISOString())}::timestamptz`,
          negative,
        )
      case 'number': {
        // A declared integer column gets a bigint: an int4 column compared with 2^40 is then false, not 22003.
        const cast = kind === 'integer' ? '::bigint' : ''
        return this.guard(
          `${expr} ${SQL_OPERATORS[operator as OrderedOperator]} ${this.param(operand.value)}${cast}`,
          negative,
        )
      }
      case 'boolean':
        return this.guard(
          `${expr} ${SQL_OPERATORS[operator as OrderedOperator]} ${this.param(operand.value)}`,
          negative,
        )
    }
  }

  /**
   * A string comparison on a text column. Case-insensitive attributes compare their folded column with
   * `foldCase(value)` (exactly matchesFilter()'s answer), or else `lower()` of both sides, the parameter
   * taking the column's collation through a `CASE` that the planner removes (so a `lower(column)` index
   * still serves `eq`). Ordering is by code point (`COLLATE "C"`), as matchesFilter() orders.
   */
  text(column: Column, operator: PositiveOperator, operand: StringOperand): string {
    let lhs: string
    let rhs: (parameter: string) => string = (p) => p
    let value = operand.value
    if (operand.caseExact) {
      lhs = column.expression
    } else if (column.folded !== undefined) {
      lhs = column.folded
    } else {
      lhs = `lower(${column.expression})`
      value = operand.written
      rhs = (p) => `lower(CASE WHEN false THEN ${column.expression} ELSE ${p} END)`
    }
    switch (operator) {
      case 'co':
      case 'sw':
      case 'ew':
        return `${lhs} LIKE ${rhs(this.param(LIKE_PATTERNS[operator](escapeLike(value))))}`
      case 'eq':
        return `${lhs} = ${rhs(this.param(value))}`
      default:
        return `${lhs} COLLATE "C" ${SQL_OPERATORS[operator]} ${rhs(this.param(value))} COLLATE "C"`
    }
  }

  /**
   * A string attribute stored in an integer or uuid column. Equality holds only for the column's text
   * form (`42`, a lower-case uuid): any other value matches nothing, as matchesFilter() says on the
   * string form, and never reaches the database as a cast it would refuse (22P02). Ordering compares
   * the text form by code point (`"10" < "9"`), the string semantics of RFC 7644 §3.4.2.2.
   */
  typedString(
    expr: string,
    kind: 'integer' | 'uuid',
    operator: PositiveOperator,
    operand: StringOperand,
    written: string,
    negative: boolean,
  ): string {
    switch (operator) {
      case 'co':
      case 'sw':
      case 'ew':
        throw scimError(
          400,
          'invalidFilter',
          `'${written} ${operator}' is not supported: the attribute is stored as ${kind === 'integer' ? 'an integer' : 'a uuid'}`,
        )
      case 'eq': {
        const value = operand.value
        if (!holdsTextForm(kind, value)) return 'false'
        return this.guard(
          `${expr} = ${this.param(value)}::${kind === 'integer' ? 'bigint' : 'uuid'}`,
          negative,
        )
      }
      default:
        return this.guard(
          `(${expr})::text COLLATE "C" ${SQL_OPERATORS[operator]} ${this.param(operand.value)} COLLATE "C"`,
          negative,
        )
    }
  }

  present(column: Column, leaf: AttributeDefinition, negative: boolean): string {
    return columnKind(column, leaf) === 'text'
      ? this.guard(`${column.expression} <> ''`, negative)
      : `(${column.expression} IS NOT NULL)`
  }

  /**
   * `pr` on a complex value (RFC 7644 §3.4.2.2: "a non-empty node"): some mapped sub-attribute is present.
   * Sub-attributes the mapping leaves out are not seen, so map every one the store keeps.
   */
  anyPresent(
    complex: AttributeDefinition,
    columns: ReadonlyMap<string, Column>,
    written: string,
    negative: boolean,
  ): string {
    const parts = (complex.subAttributes ?? []).flatMap((sub) => {
      const column = columns.get(sub.name.toLowerCase())
      return column === undefined ? [] : [this.present(column, sub, negative)]
    })
    if (parts.length === 0) this.unmapped(written)
    return `(${parts.join(' OR ')})`
  }

  /** The mapped columns of a single-valued complex attribute's sub-attributes, by lower-case name. */
  subColumns(resolved: ResolvedAttribute): ReadonlyMap<string, Column> {
    const columns = new Map<string, Column>()
    for (const sub of resolved.attribute.subAttributes ?? []) {
      const column = this.mapping.single.get(keyOf({ ...resolved, subAttribute: sub }, true))
      if (column !== undefined) columns.set(sub.name.toLowerCase(), column)
    }
    return columns
  }

  exists(multi: MultiColumns, condition: string | undefined): string {
    const where = [multi.where, condition].filter((c) => c !== undefined && c !== '')
    return `EXISTS (SELECT 1 FROM ${multi.from}${where.length ? ` WHERE ${where.map((c) => `(${c})`).join(' AND ')}` : ''})`
  }

  /** The element column of a multi-valued attribute's sub-attribute (or of the element itself). */
  elementColumn(multi: MultiColumns, sub: AttributeDefinition | undefined, written: string): Column {
    const column = sub ? multi.sub.get(sub.name.toLowerCase()) : multi.value
    return column ?? this.unmapped(written)
  }

  leaf(
    node: ComparisonFilter | PresentFilter,
    scope: FilterScope,
    element: MultiColumns | undefined,
    negative: boolean,
  ): string {
    const written = stringifyAttributePath(node.path)
    const target = resolveFilterPath(scope, node.path, node.kind === 'comparison')
    const operand =
      node.kind === 'comparison'
        ? checkComparison(target.leaf, node.operator, node.value, written, this.dialect)
        : undefined
    const isNull = operand?.type === 'null'
    // `ne` is `not eq`, and `eq null` is `not pr`, exactly as in matchesFilter().
    const negate =
      node.kind === 'comparison' &&
      ((node.operator === 'ne' && !isNull) || (node.operator === 'eq' && isNull))
    const test = (column: Column, polarity: boolean) =>
      node.kind === 'present' || operand?.type === 'null'
        ? this.present(column, target.leaf, polarity)
        : this.comparison(
            column,
            target.leaf,
            node.operator === 'ne' ? 'eq' : node.operator,
            operand as ValueOperand,
            written,
            polarity,
          )
    // Inside EXISTS a condition starts positive again: EXISTS itself is never NULL.
    const polarity = negative !== negate
    let sql: string
    if (element) {
      sql = test(this.elementColumn(element, target.leaf, written), polarity)
    } else if (target.resolved.attribute.multiValued) {
      const multi = this.mapping.multi.get(keyOf(target.resolved, false)) ?? this.unmapped(written)
      const wholeElement = target.subAttribute === undefined && target.leaf.type === 'complex'
      sql = this.exists(
        multi,
        wholeElement
          ? this.anyPresent(target.leaf, multi.sub, written, false) // `emails pr`: an element with some non-empty sub-attribute
          : test(this.elementColumn(multi, target.subAttribute, written), false),
      )
    } else if (target.leaf.type === 'complex') {
      // `name pr`: some mapped sub-attribute has a value.
      sql = this.anyPresent(target.leaf, this.subColumns(target.resolved), written, polarity)
    } else {
      const column = this.mapping.single.get(keyOf(target.resolved, true)) ?? this.unmapped(written)
      sql = test(column, polarity)
    }
    return negate ? `NOT ${sql}` : sql
  }

  valuePath(node: ValuePathFilter, negative: boolean): string {
    const { resolved } = resolveFilterPath(this.scope, node.path, false)
    const written = stringifyAttributePath(node.path)
    if (resolved.attribute.type !== 'complex' || resolved.subAttribute) {
      throw scimError(
        400,
        'invalidFilter',
        `'${written}[...]' needs a complex attribute such as emails or members`,
      )
    }
    const elementScope: FilterScope = { kind: 'element', parent: resolved }
    if (resolved.attribute.multiValued) {
      const multi = this.mapping.multi.get(keyOf(resolved, false)) ?? this.unmapped(written)
      return this.exists(multi, this.node(node.filter, elementScope, multi, false))
    }
    // A single-valued complex attribute (`name[givenName eq "x"]`): its sub-attributes are plain columns,
    // and, as in matchesFilter(), the filter applies only when the attribute is present.
    const columns = this.subColumns(resolved)
    const present = this.anyPresent(resolved.attribute, columns, written, negative)
    return `(${present} AND ${this.node(node.filter, elementScope, { from: '', sub: columns }, negative)})`
  }

  node(node: Filter, scope: FilterScope, element: MultiColumns | undefined, negative: boolean): string {
    switch (node.kind) {
      case 'comparison':
      case 'present':
        return this.leaf(node, scope, element, negative)
      case 'valuePath':
        if (scope.kind === 'element')
          throw scimError(400, 'invalidFilter', 'A value path cannot nest inside another')
        return this.valuePath(node, negative)
      case 'not':
        return `NOT (${this.node(node.filter, scope, element, !negative)})`
      case 'and':
        return `(${node.filters.map((f) => this.node(f, scope, element, negative)).join(' AND ')})`
      case 'or':
        return `(${node.filters.map((f) => this.node(f, scope, element, negative)).join(' OR ')})`
    }
  }
}

/**
 * A filter-to-SQL compiler bound to one mapping, checked once: use it when a store compiles many filters.
 * Call it with a filter AST; `orderBy` turns a list's `sortBy` into an ORDER BY item.
 */
export interface SqlFilterCompiler {
  (filter: Filter): SqlFilter
  /**
   * The ORDER BY item for `sortBy` (RFC 7644 §3.4.2.3), ordered as the memory stores order: strings by
   * code point of their fold (case-insensitive) or of themselves, missing values last when ascending and
   * first when descending. Append your own tie-breaker (`, u.id`) for stable pages. Undefined when the
   * mapping cannot sort by the attribute (unmapped, multi-valued or complex): keep your default order, as
   * RFC 7644 §3.4.2.3 allows. Contains no request data.
   */
  orderBy(sortBy: AttributePath, sortOrder?: SortOrder): string | undefined
  /**
   * The sort expression alone, without direction: `keysetPageSql()`'s `sortKey`. Undefined where
   * `orderBy` is.
   */
  sortKey(sortBy: AttributePath): string | undefined
}

/**
 * Checks a mapping once (`TypeError` on unknown attributes, wrong shapes, column types that cannot hold
 * the attribute) and returns a compiler. `registry` defaults to the built-in schemas; pass the router's
 * when the host has extensions. `dialect: 'strict'` refuses Entra's `"True"` / `"False"` for booleans.
 */
export function createSqlFilterCompiler(
  attributes: SqlAttributeMapping,
  options: FilterToSqlOptions & { readonly registry?: SchemaRegistry } = {},
): SqlFilterCompiler {
  const registry = options.registry ?? createSchemaRegistry()
  const mapping = compileMapping(attributes, registry, options.resourceType)
  const firstParameter = options.firstParameter ?? 1
  if (!Number.isInteger(firstParameter) || firstParameter < 1) {
    throw configError('ERR_INVALID_OPTION', 'firstParameter must be a positive integer')
  }
  const dialect = readFilterDialect(options.dialect)
  const scope = { kind: 'resource', registry, resourceType: options.resourceType } as const
  const compile = (filter: Filter): SqlFilter => {
    const builder = new SqlBuilder(mapping, scope, firstParameter, dialect)
    const text = builder.node(filter, scope, undefined, false)
    return { text, values: builder.values }
  }
  const sortKey = (sortBy: AttributePath): string | undefined => {
    const resolved = registry.resolve(options.resourceType, sortBy)
    if (!resolved || resolved.attribute.multiValued) return undefined
    const leaf = resolved.subAttribute ?? resolved.attribute
    if (leaf.type === 'complex') return undefined
    const column = mapping.single.get(keyOf(resolved, true))
    return column ? sortExpression(column, leaf) : undefined
  }
  const orderBy = (sortBy: AttributePath, sortOrder: SortOrder = 'ascending'): string | undefined => {
    const key = sortKey(sortBy)
    // RFC 7644 §3.4.2.3: missing values last when ascending, first when descending (PostgreSQL's default).
    return key && `${key} ${sortOrder === 'descending' ? 'DESC NULLS FIRST' : 'ASC NULLS LAST'}`
  }
  return Object.assign(compile, { orderBy, sortKey })
}

/**
 * Compiles a filter AST to a parameterised PostgreSQL condition with the semantics of `matchesFilter()`:
 * caseExact-aware (a folded column compared with `foldCase(value)`, else `lower()` on both sides),
 * LIKE wildcards escaped for co / sw / ew, dateTimes as `timestamptz`, multi-valued attributes as
 * `EXISTS` sub-queries, `ne` as `NOT eq`, typed columns never handed a value they cannot hold.
 * Only mapped attributes may be filtered on (else 400 `invalidFilter`); values are always parameters.
 */
export function filterToSql(
  filter: Filter,
  attributes: SqlAttributeMapping,
  options: FilterToSqlOptions & { readonly registry?: SchemaRegistry } = {},
): SqlFilter {
  return createSqlFilterCompiler(attributes, options)(filter)
}
