// express-scim/filter: SCIM filters (RFC 7644 §3.4.2.2) as data: parse, print back, and evaluate in memory.

// The filter and PATCH-path ASTs, their options and limits: what parsers return and stores receive.
export type * from '../../types/filter'
// In-memory evaluation with the schema's semantics: memory-backed stores answer list filters with it.
export { compileFilter, type FilterPredicate, type MatchFilterOptions, matchesFilter } from './evaluate'
// Parsing: hosts and stores read filters and PATCH paths exactly as the router does, within the same limits.
export {
  createFilterParser,
  DEFAULT_FILTER_LIMITS,
  type FilterParser,
  parseFilter,
  parsePatchPath,
} from './parser'
// Printing: the canonical text of an AST (logs, cache keys, forwarding a filter to another SCIM service).
export { stringifyAttributePath, stringifyFilter, stringifyPatchPath } from './stringify'
