// Compiles filter ASTs to parameterised PostgreSQL conditions with the same semantics as matchesFilter().
import type { ComparisonFilter, Filter, PresentFilter, ValuePathFilter } from '../../types/filter'
import type { AttributeDefinition, ResolvedAttribute } from '../../types/schema'
import type {
  FilterToSqlOptions,
  SqlAttributeMapping,
  SqlFilter,
  SqlMultiValuedMapping,
} from '../../types/sql'
import { scimError } from '../errors'
import { createSchemaRegistry, type SchemaRegistry } from '../schema/registry'
import { parsePatchPath } from './parser'
import { type ComparisonOperand, checkComparison, type FilterScope, resolveFilterPath } from './semantics'
import { stringifyAttributePath } from './stringify'

/** A compiled mapping: canonical lower-case key → SQL, built once per `createSqlFilterCompiler()`. */
interface CompiledMapping {
  readonly single: ReadonlyMap<string, string>
  readonly multi: ReadonlyMap<string, { mapping: SqlMultiValuedMapping; sub: ReadonlyMap<string, string> }>
}

/** Canonical key of a resolved attribute: `schema:attribute[.sub]`, lower-case. */
function keyOf(resolved: ResolvedAttribute, withSub: boolean): string {
  const base = `${resolved.schema}:${resolved.attribute.name}`.toLowerCase()
  return withSub && resolved.subAttribute ? `${base}.${resolved.subAttribute.name.toLowerCase()}` : base
}

function compileMapping(
  attributes: SqlAttributeMapping,
  registry: SchemaRegistry,
  resourceType: string | undefined,
): CompiledMapping {
  if (typeof attributes !== 'object' || attributes === null) {
    throw new TypeError('express-scim: filterToSql needs a mapping of SCIM attribute paths to SQL')
  }
  const single = new Map<string, string>()
  const multi = new Map<string, { mapping: SqlMultiValuedMapping; sub: ReadonlyMap<string, string> }>()
  for (const [path, sql] of Object.entries(attributes)) {
    let resolved: ResolvedAttribute | undefined
    try {
      const parsed = parsePatchPath(path)
      if (parsed.attribute !== undefined && parsed.valueFilter === undefined) {
        resolved = registry.resolve(resourceType, { ...parsed, attribute: parsed.attribute })
      }
    } catch {
      resolved = undefined
    }
    if (!resolved) throw new TypeError(`express-scim: filterToSql mapping names unknown attribute "${path}"`)
    if (typeof sql === 'string') {
      if (resolved.attribute.multiValued) {
        throw new TypeError(
          `express-scim: "${path}" is multi-valued; map it to { from, where, subAttributes }`,
        )
      }
      single.set(keyOf(resolved, true), sql)
    } else if (typeof sql === 'object' && sql !== null && typeof sql.from === 'string') {
      if (!resolved.attribute.multiValued || resolved.subAttribute) {
        throw new TypeError(
          `express-scim: "${path}" is not a multi-valued attribute; map it to a SQL expression`,
        )
      }
      const sub = new Map(Object.entries(sql.subAttributes ?? {}).map(([k, v]) => [k.toLowerCase(), v]))
      multi.set(keyOf(resolved, false), { mapping: sql, sub })
    } else {
      throw new TypeError(`express-scim: mapping for "${path}" must be a SQL expression or { from, ... }`)
    }
  }
  return { single, multi }
}

/** Escapes LIKE wildcards so that `co "%"` matches a literal percent sign. */
export function escapeLike(value: string): string {
  return value.replace(/[\\%_]/g, (c) => `\\${c}`)
}

class SqlBuilder {
  readonly values: (string | number | boolean)[] = []

  constructor(
    private readonly mapping: CompiledMapping,
    private readonly scope: FilterScope & { kind: 'resource' },
    private readonly firstParameter: number,
  ) {}

  param(value: string | number | boolean): string {
    this.values.push(value)
    return `$${this.firstParameter + this.values.length - 1}`
  }

  unmapped(path: string): never {
    throw scimError(400, 'invalidFilter', `Filtering on '${path}' is not supported`)
  }

  /** The boolean SQL of one leaf comparison on expression `expr`; never NULL (three-valued logic would break `not`). */
  comparison(
    expr: string,
    operator: Exclude<ComparisonFilter['operator'], 'ne'>,
    operand: Exclude<ComparisonOperand, { type: 'null' }>,
  ) {
    switch (operand.type) {
      case 'string': {
        const lhs = operand.caseExact ? expr : `lower(${expr})`
        switch (operator) {
          case 'co':
            return `COALESCE(${lhs} LIKE ${this.param(`%${escapeLike(operand.value)}%`)}, false)`
          case 'sw':
            return `COALESCE(${lhs} LIKE ${this.param(`${escapeLike(operand.value)}%`)}, false)`
          case 'ew':
            return `COALESCE(${lhs} LIKE ${this.param(`%${escapeLike(operand.value)}`)}, false)`
          case 'eq':
            return `COALESCE(${lhs} = ${this.param(operand.value)}, false)`
          default:
            // Code-point order (UTF-8 bytes), whatever the database's collation; matchesFilter() orders alike.
            return `COALESCE(${lhs} COLLATE "C" ${SQL_OPERATORS[operator as OrderedOperator]} ${this.param(operand.value)} COLLATE "C", false)`
        }
      }
      case 'dateTime':
        // Milliseconds, as matchesFilter() reads dateTimes: a microsecond column is truncated to match.
        return `COALESCE(date_trunc('milliseconds', ${expr}) ${SQL_OPERATORS[operator as OrderedOperator]} ${this.param(new Date(operand.value).toISOString())}::timestamptz, false)`
      case 'number':
      case 'boolean':
        return `COALESCE(${expr} ${SQL_OPERATORS[operator as OrderedOperator]} ${this.param(operand.value)}, false)`
    }
  }

  present(expr: string, leaf: AttributeDefinition): string {
    return leaf.type === 'string' || leaf.type === 'reference' || leaf.type === 'binary'
      ? `COALESCE(${expr} <> '', false)`
      : `(${expr} IS NOT NULL)`
  }

  /**
   * `pr` on a complex value (RFC 7644 §3.4.2.2: "a non-empty node"): some mapped sub-attribute is present.
   * Sub-attributes the mapping leaves out are not seen, so map every one the store keeps.
   */
  anyPresent(complex: AttributeDefinition, columns: ReadonlyMap<string, string>, written: string): string {
    const parts = (complex.subAttributes ?? []).flatMap((sub) => {
      const expr = columns.get(sub.name.toLowerCase())
      return expr === undefined ? [] : [this.present(expr, sub)]
    })
    if (parts.length === 0) this.unmapped(written)
    return `(${parts.join(' OR ')})`
  }

  /** The mapped columns of a single-valued complex attribute's sub-attributes, by lower-case name. */
  subColumns(resolved: ResolvedAttribute): ReadonlyMap<string, string> {
    const columns = new Map<string, string>()
    for (const sub of resolved.attribute.subAttributes ?? []) {
      const sql = this.mapping.single.get(keyOf({ ...resolved, subAttribute: sub }, true))
      if (sql !== undefined) columns.set(sub.name.toLowerCase(), sql)
    }
    return columns
  }

  exists(multi: { mapping: SqlMultiValuedMapping }, condition: string | undefined): string {
    const where = [multi.mapping.where, condition].filter((c) => c !== undefined && c !== '')
    return `EXISTS (SELECT 1 FROM ${multi.mapping.from}${where.length ? ` WHERE ${where.map((c) => `(${c})`).join(' AND ')}` : ''})`
  }

  /** The element expression of a multi-valued attribute's sub-attribute (or of the element itself). */
  elementExpr(
    multi: { mapping: SqlMultiValuedMapping; sub: ReadonlyMap<string, string> },
    sub: AttributeDefinition | undefined,
    written: string,
  ): string {
    const expr = sub ? multi.sub.get(sub.name.toLowerCase()) : multi.mapping.value
    return expr ?? this.unmapped(written)
  }

  leaf(
    node: ComparisonFilter | PresentFilter,
    scope: FilterScope,
    element: { mapping: SqlMultiValuedMapping; sub: ReadonlyMap<string, string> } | undefined,
  ): string {
    const written = stringifyAttributePath(node.path)
    const target = resolveFilterPath(scope, node.path, node.kind === 'comparison')
    const operand =
      node.kind === 'comparison'
        ? checkComparison(target.leaf, node.operator, node.value, written)
        : undefined
    const isNull = operand?.type === 'null'
    const negate =
      node.kind === 'comparison' &&
      ((node.operator === 'ne' && !isNull) || (node.operator === 'eq' && isNull))
    const test = (expr: string) =>
      node.kind === 'present' || operand?.type === 'null'
        ? this.present(expr, target.leaf)
        : this.comparison(
            expr,
            node.operator === 'ne' ? 'eq' : node.operator,
            operand as Exclude<ComparisonOperand, { type: 'null' }>,
          )
    let sql: string
    if (element) {
      sql = test(this.elementExpr(element, target.leaf, written))
    } else if (target.resolved.attribute.multiValued) {
      const multi = this.mapping.multi.get(keyOf(target.resolved, false)) ?? this.unmapped(written)
      const wholeElement = target.subAttribute === undefined && target.leaf.type === 'complex'
      sql = this.exists(
        multi,
        wholeElement
          ? this.anyPresent(target.leaf, multi.sub, written) // `emails pr`: an element with some non-empty sub-attribute
          : test(this.elementExpr(multi, target.subAttribute, written)),
      )
    } else if (target.leaf.type === 'complex') {
      // `name pr`: some mapped sub-attribute has a value.
      sql = this.anyPresent(target.leaf, this.subColumns(target.resolved), written)
    } else {
      const expr = this.mapping.single.get(keyOf(target.resolved, true)) ?? this.unmapped(written)
      sql = test(expr)
    }
    // `ne` is `not eq`, and `eq null` is `not pr`, exactly as in matchesFilter().
    return negate ? `NOT ${sql}` : sql
  }

  valuePath(node: ValuePathFilter): string {
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
      return this.exists(multi, this.node(node.filter, elementScope, multi))
    }
    // A single-valued complex attribute (`name[givenName eq "x"]`): its sub-attributes are plain columns,
    // and, as in matchesFilter(), the filter applies only when the attribute is present.
    const columns = this.subColumns(resolved)
    const present = this.anyPresent(resolved.attribute, columns, written)
    return `(${present} AND ${this.node(node.filter, elementScope, { mapping: { from: '' }, sub: columns })})`
  }

  node(
    node: Filter,
    scope: FilterScope,
    element?: { mapping: SqlMultiValuedMapping; sub: ReadonlyMap<string, string> },
  ): string {
    switch (node.kind) {
      case 'comparison':
      case 'present':
        return this.leaf(node, scope, element)
      case 'valuePath':
        if (scope.kind === 'element')
          throw scimError(400, 'invalidFilter', 'A value path cannot nest inside another')
        return this.valuePath(node)
      case 'not':
        return `NOT (${this.node(node.filter, scope, element)})`
      case 'and':
        return `(${node.filters.map((f) => this.node(f, scope, element)).join(' AND ')})`
      case 'or':
        return `(${node.filters.map((f) => this.node(f, scope, element)).join(' OR ')})`
    }
  }
}

/** Operators written as SQL comparison operators (co / sw / ew become LIKE; ne becomes NOT eq). */
type OrderedOperator = 'eq' | 'gt' | 'ge' | 'lt' | 'le'

const SQL_OPERATORS: Record<OrderedOperator, string> = { eq: '=', gt: '>', ge: '>=', lt: '<', le: '<=' }

/** A filter-to-SQL compiler bound to one mapping, checked once: use it when a store compiles many filters. */
export type SqlFilterCompiler = (filter: Filter) => SqlFilter

/**
 * Checks a mapping once (`TypeError` on unknown attributes or wrong shapes) and returns a compiler.
 * `registry` defaults to the built-in schemas; pass the router's when the host has extensions.
 */
export function createSqlFilterCompiler(
  attributes: SqlAttributeMapping,
  options: FilterToSqlOptions & { readonly registry?: SchemaRegistry } = {},
): SqlFilterCompiler {
  const registry = options.registry ?? createSchemaRegistry()
  const mapping = compileMapping(attributes, registry, options.resourceType)
  const firstParameter = options.firstParameter ?? 1
  if (!Number.isInteger(firstParameter) || firstParameter < 1) {
    throw new TypeError('express-scim: firstParameter must be a positive integer')
  }
  const scope = { kind: 'resource', registry, resourceType: options.resourceType } as const
  return (filter) => {
    const builder = new SqlBuilder(mapping, scope, firstParameter)
    const text = builder.node(filter, scope)
    return { text, values: builder.values }
  }
}

/**
 * Compiles a filter AST to a parameterised PostgreSQL condition with the semantics of `matchesFilter()`:
 * caseExact-aware (`lower()` on both sides otherwise), LIKE wildcards escaped for co / sw / ew,
 * dateTimes as `timestamptz`, multi-valued attributes as `EXISTS` sub-queries, `ne` as `NOT eq`.
 * Only mapped attributes may be filtered on (else 400 `invalidFilter`); values are always parameters.
 */
export function filterToSql(
  filter: Filter,
  attributes: SqlAttributeMapping,
  options: FilterToSqlOptions & { readonly registry?: SchemaRegistry } = {},
): SqlFilter {
  return createSqlFilterCompiler(attributes, options)(filter)
}
