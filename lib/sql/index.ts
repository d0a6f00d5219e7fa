// express-scim/sql: what every SQL store needs: SCIM filters and sortBy pushed down to parameterised PostgreSQL with matchesFilter()'s semantics, a page with its total in one statement, compare-and-swap outcomes, retries of serialization failures, and database errors as SCIM errors.

// The mapping from SCIM attributes to columns, the compiler's options and the SQL it returns; the page
// query and the error options.
export type * from '../../types/sql'
// The compilers: a one-off filterToSql(), or createSqlFilterCompiler() to check a mapping once and reuse it;
// escapeLike() for hosts that build their own LIKE patterns. Folded columns are filled with foldCase()
// from express-scim/schema. Nothing of lib/filter/sql-mapping.ts is public: it is the compiled mapping.
export { createSqlFilterCompiler, escapeLike, filterToSql, type SqlFilterCompiler } from '../filter/sql'
export { isDatabaseUnavailable, scimErrorFromSql, withSqlErrors } from './errors'
export { keysetPageSql, readKeysetPage } from './keyset'
export { pageSql, readPage } from './page'
export { isSerializationFailure, retrySerializationFailures } from './retry'
export { conditionalUpdate } from './update'
