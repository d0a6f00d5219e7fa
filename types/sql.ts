// Public contracts for compiling filters to parameterised PostgreSQL (`filterToSql`).
import type { FilterDialectOptions } from './filter'

/**
 * What a mapped column holds, when that is not the SCIM attribute's own type. `text` (strings), `boolean`
 * and `timestamp` (dateTimes) are what SCIM's types map to anyway; `integer` and `uuid` let a string
 * attribute (`id`, `members.value`) live in an integer or uuid column: a value that is not the column's
 * text form then matches nothing instead of making PostgreSQL fail (22P02), and `co` / `sw` / `ew` are
 * `invalidFilter`. An integer SCIM attribute may declare `integer` (its values are then sent as bigint).
 */
export type SqlColumnType = 'text' | 'integer' | 'uuid' | 'boolean' | 'timestamp'

/**
 * A mapped column with more than its expression. Every SQL string is trusted SQL written by the host.
 *
 * `folded` names an expression holding `foldCase(value)` (a column the store fills on every write, e.g.
 * `u.login_folded`); only for case-insensitive string attributes (caseExact false). With it, those
 * attributes compare exactly as `matchesFilter()` does, under any collation and on any server. Without
 * it, both sides are folded by PostgreSQL's `lower()` under the column's collation (see the README).
 */
export interface SqlColumn {
  /** The SQL expression of the value, e.g. `u.id` or `e.doc->>'value'`. */
  readonly expression: string
  /** The SQL expression of `foldCase(value)`, for a case-insensitive string attribute. */
  readonly folded?: string
  /** The column's type when it is not the attribute's own (`integer` or `uuid` for a string id). */
  readonly type?: SqlColumnType
}

/** A SQL expression (trusted, written by the host), or a column described by `SqlColumn`. */
export type SqlExpression = string | SqlColumn

/**
 * A multi-valued attribute stored as rows (a child table) or as array elements (a JSON column).
 * The library writes `EXISTS (SELECT 1 FROM <from> WHERE <where> AND <condition>)`.
 */
export interface SqlMultiValuedMapping {
  /**
   * The FROM clause of the sub-query: trusted SQL written by the host, e.g. `user_emails e` or
   * `jsonb_array_elements(u.emails) AS e(doc)`. Never built from request data.
   */
  readonly from: string
  /** Correlation with the outer row, e.g. `e.user_id = u.id`. Omit for a JSON column of the outer row. */
  readonly where?: string
  /**
   * SQL of each sub-attribute of an element, e.g. `{ value: 'e.value', type: 'e.type' }`,
   * `{ value: "e.doc->>'value'", primary: "(e.doc->>'primary')::boolean" }` or
   * `{ value: { expression: 'm.user_id', type: 'integer' } }`. Keys are case-insensitive.
   */
  readonly subAttributes?: Readonly<Record<string, SqlExpression>>
  /** SQL of an element of a multi-valued simple attribute (an array of strings). */
  readonly value?: SqlExpression
}

/**
 * A whitelist from SCIM attribute paths to SQL. Keys are attribute paths as a filter would write them:
 * `userName`, `name.givenName`, `meta.lastModified`,
 * `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber`, or the name of a
 * multi-valued attribute (`emails`, `members`). A single-valued attribute maps to a trusted SQL
 * expression (`u.user_name`, `u.created_at`) or an `SqlColumn` (`{ expression: 'u.login', folded:
 * 'u.login_folded' }`, `{ expression: 'u.id', type: 'integer' }`). Any attribute not listed cannot be
 * filtered on.
 */
export type SqlAttributeMapping = Readonly<Record<string, SqlExpression | SqlMultiValuedMapping>>

/** Options of `filterToSql()` and `createSqlFilterCompiler()`. */
export interface FilterToSqlOptions extends FilterDialectOptions {
  /** Resource type the filter is about (`User`, `Group`); decides which schema resolves the names. */
  readonly resourceType?: string
  /** Index of the first placeholder: `$1` by default; set it when the filter follows other parameters. */
  readonly firstParameter?: number
}

/** A parameterised SQL condition: put `text` in a WHERE clause and pass `values` as its parameters. */
export interface SqlFilter {
  /** The condition, with `$n` placeholders. Contains no request data. */
  readonly text: string
  /** Parameter values, in placeholder order: strings, numbers and booleans. */
  readonly values: readonly (string | number | boolean)[]
}

/** Options of `scimErrorFromSql()` and `withSqlErrors()`. */
export interface SqlErrorOptions {
  /**
   * Unique constraint (or unique index) names → the SCIM attribute each protects, e.g.
   * `{ users_login_key: 'userName', users_external_uid_key: 'externalId' }`: a violation of one is 409
   * `uniqueness` naming the attribute. Others are 409 without one.
   */
  readonly uniqueConstraints?: Readonly<Record<string, string>>
  /** `Retry-After` of the 503 for an unavailable database, in seconds (default 5). */
  readonly retryAfterSeconds?: number
}

/** How `retrySerializationFailures()` retries. */
export interface SqlRetryOptions {
  /** Attempts in all, the first included: 1 to 100 (default 5). */
  readonly attempts?: number
  /**
   * The ceiling of the first pause, in ms (default 10); it doubles per retry, up to 250 ms. Each pause
   * is uniform between 0 and its ceiling ("full jitter").
   */
  readonly baseDelayMs?: number
}

/** What `pageSql()` builds a statement from. Every SQL string is trusted SQL written by the host. */
export interface SqlPageQuery {
  /** The select list of one row, e.g. `u.id, u.login, u.doc`. */
  readonly select: string
  /** The FROM clause with its joins, e.g. `users u`. */
  readonly from: string
  /**
   * The WHERE condition with its values, placeholders from `$1`: the compiled filter, the tenant
   * condition, or both joined with AND. Undefined for every row.
   */
  readonly where?: SqlFilter
  /**
   * ORDER BY items: the compiler's `orderBy(sortBy, sortOrder)` when the client sorts, and always a
   * unique key last (e.g. `u.id`), so that pages neither skip nor repeat rows.
   */
  readonly orderBy: readonly string[]
  /** The 1-based index of the page's first row (RFC 7644 §3.4.2.4); below 1 reads as 1. */
  readonly startIndex: number
  /** The most rows of the page; 0 asks for the total only. */
  readonly count: number
}

/**
 * One keyset page (RFC 9865 cursor paging) for `keysetPageSql()`: the rows after a position, in the
 * list's order, read through an index on it, so a page deep in the list costs what the first does.
 */
export interface SqlKeysetQuery {
  /** The select list of one row, e.g. `u.id, u.login, u.doc`. */
  readonly select: string
  /** The FROM clause with its joins, e.g. `users u`. */
  readonly from: string
  /** The WHERE condition with its values, placeholders from `$1`, as for `pageSql()`. */
  readonly where?: SqlFilter
  /**
   * The sort expression, the compiler's `sortKey(sortBy)`, when the client sorts; undefined for the
   * default order (`uniqueKey`'s).
   */
  readonly sortKey?: string
  /** Descending instead of ascending. Rows without a sort value come last ascending, first descending. */
  readonly descending?: boolean
  /**
   * A unique key that never changes and grows with each new row (a `bigserial`, e.g. `u.seq`): the
   * default order, the tie-breaker of a sorted one, and what a position names.
   */
  readonly uniqueKey: string
  /** The position the page starts after: an entry of an earlier page's `positions`; undefined for the first. */
  readonly after?: string
  /** The most rows of the page; 0 asks for nothing but the total. */
  readonly count: number
  /** Also count every matching row (one more scan of them): leave it off to keep deep pages cheap. */
  readonly withTotal?: boolean
}
