// express-scim/sql: SQL stores push SCIM filters and sortBy down to parameterised PostgreSQL with matchesFilter()'s semantics.

// The mapping from SCIM attributes to columns, the compiler's options and the SQL it returns.
export type * from '../../types/sql'
// The compilers: a one-off filterToSql(), or createSqlFilterCompiler() to check a mapping once and reuse it;
// escapeLike() for hosts that build their own LIKE patterns. Folded columns are filled with foldCase()
// from express-scim/schema. Nothing of lib/filter/sql-mapping.ts is public: it is the compiled mapping.
export { createSqlFilterCompiler, escapeLike, filterToSql, type SqlFilterCompiler } from '../filter/sql'
