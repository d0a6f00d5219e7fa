// Turns filter and PATCH-path ASTs back into text, such that parsing the text gives the same AST.
import type { AttributePath, Filter, FilterValue, PatchPath } from '../../types/filter'

/** `[schema ":"] attribute ["." subAttribute]` */
export function stringifyAttributePath(path: Omit<AttributePath, 'kind'>): string {
  const qualified = path.schema === undefined ? path.attribute : `${path.schema}:${path.attribute}`
  return path.subAttribute === undefined ? qualified : `${qualified}.${path.subAttribute}`
}

function stringifyValue(value: FilterValue): string {
  if (typeof value === 'string') return JSON.stringify(value)
  // String(-0) is "0": keep the sign so that the round trip is exact.
  if (typeof value === 'number') return Object.is(value, -0) ? '-0' : String(value)
  return String(value)
}

/**
 * An operand of an `and` / `or` chain. It needs parentheses when it is a chain of the same kind (else the
 * two chains would merge into one) or an `or` inside an `and` (precedence). An `and` inside an `or` needs
 * none, so the text nests no deeper than the source did and stays within the parser's depth limit.
 */
function operand(filter: Filter, parent: 'and' | 'or'): string {
  const text = stringifyFilter(filter)
  return filter.kind === parent || filter.kind === 'or' ? `(${text})` : text
}

/**
 * Serialises a filter AST as RFC 7644 §3.4.2.2 text, in canonical form: lower-case keywords, JSON
 * literals, parentheses only where the structure needs them. `parseFilter(stringifyFilter(ast))`
 * equals `ast` for every AST the parser produces, and the text nests no deeper than the source did.
 * It may be longer (JSON escapes lone surrogates; `1e20` is written out), so a text close to
 * `maxLength` can come back longer than the limit.
 */
export function stringifyFilter(filter: Filter): string {
  switch (filter.kind) {
    case 'comparison':
      return `${stringifyAttributePath(filter.path)} ${filter.operator} ${stringifyValue(filter.value)}`
    case 'present':
      return `${stringifyAttributePath(filter.path)} pr`
    case 'and':
      return filter.filters.map((f) => operand(f, 'and')).join(' and ')
    case 'or':
      return filter.filters.map((f) => operand(f, 'or')).join(' or ')
    case 'not':
      return `not (${stringifyFilter(filter.filter)})`
    case 'valuePath':
      return `${stringifyAttributePath(filter.path)}[${stringifyFilter(filter.filter)}]`
  }
}

/** Serialises a PATCH path AST; `parsePatchPath(stringifyPatchPath(p))` equals `p`. */
export function stringifyPatchPath(path: PatchPath): string {
  if (path.attribute === undefined) return path.schema ?? ''
  const base = path.schema === undefined ? path.attribute : `${path.schema}:${path.attribute}`
  const filtered = path.valueFilter === undefined ? base : `${base}[${stringifyFilter(path.valueFilter)}]`
  return path.subAttribute === undefined ? filtered : `${filtered}.${path.subAttribute}`
}
