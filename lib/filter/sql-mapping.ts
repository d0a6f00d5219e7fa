// Checks a filterToSql mapping once (paths resolved, columns typed, folded columns fitted) and says how each column kind compares and sorts.

import type { AttributeDefinition, AttributeType, ResolvedAttribute } from '../../types/schema'
import type { SqlAttributeMapping, SqlColumnType } from '../../types/sql'
import { configError } from '../errors'
import { isObject } from '../json'
import { findSubAttribute, type SchemaRegistry } from '../schema/registry'
import { parsePatchPath } from './parser'

/** A mapped column, checked: its expression, its folded twin, and the type the host declared. */
export interface Column {
  readonly expression: string
  readonly folded?: string
  readonly type?: SqlColumnType
}

/** A multi-valued attribute's mapping, checked: the sub-query and its element columns. */
export interface MultiColumns {
  readonly from: string
  readonly where?: string
  /** The element of a multi-valued simple attribute. */
  readonly value?: Column
  /** Sub-attribute columns by lower-case name. */
  readonly sub: ReadonlyMap<string, Column>
}

/** A compiled mapping: canonical lower-case key → columns, built once per `createSqlFilterCompiler()`. */
export interface CompiledMapping {
  readonly single: ReadonlyMap<string, Column>
  readonly multi: ReadonlyMap<string, MultiColumns>
}

/**
 * What a column holds for the comparison: the declared type, or the one SCIM's type implies. `number`
 * (an integer or decimal attribute with no declared type) compares the parameter as PostgreSQL infers it.
 */
export type ColumnKind = SqlColumnType | 'number'

const COLUMN_TYPES: readonly SqlColumnType[] = ['text', 'integer', 'uuid', 'boolean', 'timestamp']

/** The column types each SCIM type may be stored in (a string id in an integer or uuid column, say). */
const FITTING_TYPES: Readonly<Record<AttributeType, readonly SqlColumnType[]>> = {
  string: ['text', 'integer', 'uuid'],
  reference: ['text', 'integer', 'uuid'],
  binary: ['text'],
  boolean: ['boolean'],
  dateTime: ['timestamp'],
  integer: ['integer'],
  decimal: [],
  complex: [],
}

const NATURAL_KIND: Readonly<Record<AttributeType, ColumnKind>> = {
  string: 'text',
  reference: 'text',
  binary: 'text',
  boolean: 'boolean',
  dateTime: 'timestamp',
  integer: 'number',
  decimal: 'number',
  complex: 'text',
}

/** The kind of `column` when it holds `leaf`. */
export function columnKind(column: Column, leaf: AttributeDefinition): ColumnKind {
  return column.type ?? NATURAL_KIND[leaf.type]
}

/** Canonical key of a resolved attribute: `schema:attribute[.sub]`, lower-case. */
export function keyOf(resolved: ResolvedAttribute, withSub: boolean): string {
  const base = `${resolved.schema}:${resolved.attribute.name}`.toLowerCase()
  return withSub && resolved.subAttribute ? `${base}.${resolved.subAttribute.name.toLowerCase()}` : base
}

function fail(message: string): never {
  throw configError('ERR_INVALID_OPTION', `filterToSql mapping: ${message}`)
}

const COLUMN_KEYS = new Set(['expression', 'folded', 'type'])

/**
 * Reads one column: a SQL string, or `{ expression, folded?, type? }` checked against the attribute it
 * holds (`leaf`; undefined for a sub-attribute the schema does not define, which then takes a string only).
 */
function readColumn(sql: unknown, leaf: AttributeDefinition | undefined, path: string): Column {
  if (typeof sql === 'string') return { expression: sql }
  if (!isObject(sql) || !('expression' in sql)) {
    return fail(`"${path}" must be a SQL expression or { expression, folded?, type? }`)
  }
  for (const key of Object.keys(sql)) {
    if (!COLUMN_KEYS.has(key)) fail(`"${path}" has an unknown key "${key}" (expression, folded, type)`)
  }
  const { expression, folded, type } = sql
  if (typeof expression !== 'string' || expression === '') fail(`"${path}".expression must be SQL text`)
  if (folded !== undefined && (typeof folded !== 'string' || folded === '')) {
    fail(`"${path}".folded must be SQL text`)
  }
  if (type !== undefined && !COLUMN_TYPES.includes(type as SqlColumnType)) {
    fail(`"${path}".type must be one of ${COLUMN_TYPES.join(', ')}`)
  }
  if (!leaf) return fail(`"${path}" names no attribute of the schema`)
  const declared = type as SqlColumnType | undefined
  if (declared !== undefined && !FITTING_TYPES[leaf.type].includes(declared)) {
    fail(`"${path}" is a ${leaf.type} attribute; it cannot be stored as ${declared}`)
  }
  if (folded !== undefined) {
    const foldable = (leaf.type === 'string' || leaf.type === 'reference') && !leaf.caseExact
    if (!foldable) fail(`"${path}" is not a case-insensitive string: a folded expression has no use`)
    if (declared !== undefined && declared !== 'text')
      fail(`"${path}": a folded expression needs a text column`)
  }
  return {
    expression,
    ...(folded === undefined ? {} : { folded: folded as string }),
    ...(declared === undefined ? {} : { type: declared }),
  }
}

function readMulti(sql: Record<string, unknown>, resolved: ResolvedAttribute, path: string): MultiColumns {
  if ('expression' in sql) fail(`"${path}" has both "from" and "expression"`)
  const sub = new Map<string, Column>()
  const subAttributes = sql.subAttributes ?? {}
  if (!isObject(subAttributes)) fail(`"${path}".subAttributes must be an object`)
  for (const [name, column] of Object.entries(subAttributes)) {
    const leaf = findSubAttribute(resolved.attribute, name)
    sub.set(name.toLowerCase(), readColumn(column, leaf, `${path}.${name}`))
  }
  if (sql.where !== undefined && typeof sql.where !== 'string') fail(`"${path}".where must be SQL text`)
  return {
    from: sql.from as string,
    ...(sql.where === undefined ? {} : { where: sql.where as string }),
    ...(sql.value === undefined ? {} : { value: readColumn(sql.value, resolved.attribute, `${path}.value`) }),
    sub,
  }
}

/**
 * Checks a mapping against the schema and compiles it. Throws a TypeError naming the path for unknown
 * attributes, wrong shapes, column types that cannot hold the attribute, and misplaced folded columns.
 */
export function compileMapping(
  attributes: SqlAttributeMapping,
  registry: SchemaRegistry,
  resourceType: string | undefined,
): CompiledMapping {
  if (typeof attributes !== 'object' || attributes === null) {
    throw configError('ERR_INVALID_OPTION', 'filterToSql needs a mapping of SCIM attribute paths to SQL')
  }
  const single = new Map<string, Column>()
  const multi = new Map<string, MultiColumns>()
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
    if (!resolved) fail(`unknown attribute "${path}"`)
    const isMulti = isObject(sql) && typeof sql.from === 'string'
    if (isMulti) {
      if (!resolved.attribute.multiValued || resolved.subAttribute) {
        fail(`"${path}" is not a multi-valued attribute; map it to a SQL expression`)
      }
      multi.set(keyOf(resolved, false), readMulti(sql, resolved, path))
    } else {
      if (resolved.attribute.multiValued) {
        fail(`"${path}" is multi-valued; map it to { from, where, subAttributes }`)
      }
      single.set(keyOf(resolved, true), readColumn(sql, resolved.subAttribute ?? resolved.attribute, path))
    }
  }
  return { single, multi }
}

/** PostgreSQL's text form of an integer (bigint range) and of a uuid: what the store shows as the string value. */
const CANONICAL_INTEGER = /^(?:0|-?[1-9][0-9]{0,18})$/
const INT8_MIN = -(2n ** 63n)
const INT8_MAX = 2n ** 63n - 1n
const CANONICAL_UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

/** True when `text` is PostgreSQL's text form of a value of an integer (bigint range) or uuid column. */
export function holdsTextForm(kind: 'integer' | 'uuid', text: string): boolean {
  if (kind === 'uuid') return CANONICAL_UUID.test(text)
  if (!CANONICAL_INTEGER.test(text)) return false
  const n = BigInt(text)
  return n >= INT8_MIN && n <= INT8_MAX
}

/** The ORDER BY key of a column holding `leaf`: the same order as the memory stores' sortBy. */
export function sortExpression(column: Column, leaf: AttributeDefinition): string {
  const kind = columnKind(column, leaf)
  const expr = column.expression
  switch (kind) {
    case 'text':
      if (leaf.caseExact) return `${expr} COLLATE "C"`
      return column.folded !== undefined ? `${column.folded} COLLATE "C"` : `lower(${expr}) COLLATE "C"`
    case 'integer':
    case 'uuid':
      // A string attribute in a typed column sorts by its text form; an integer attribute by number.
      return leaf.type === 'integer' ? expr : `(${expr})::text COLLATE "C"`
    case 'timestamp':
      return `date_trunc('milliseconds', ${expr})`
    default:
      return expr
  }
}
