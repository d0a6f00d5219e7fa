// Builds filter ASTs in code: `attr eq "value"` without parsing text, so no value can change a filter's meaning.
import type { ComparisonFilter } from '../../types/filter'

/** `<attribute> eq <value>` as an AST (RFC 7644 §3.4.2.2), for lookups the library makes itself. */
export function attributeEquals(attribute: string, value: string): ComparisonFilter {
  return { kind: 'comparison', path: { kind: 'attributePath', attribute }, operator: 'eq', value }
}
