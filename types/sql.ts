// Public contracts for compiling filters to parameterised PostgreSQL (`filterToSql`).

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
   * SQL expression of each sub-attribute of an element, e.g. `{ value: 'e.value', type: 'e.type' }` or
   * `{ value: "e.doc->>'value'", primary: "(e.doc->>'primary')::boolean" }`. Keys are case-insensitive.
   */
  readonly subAttributes?: Readonly<Record<string, string>>
  /** SQL expression of an element of a multi-valued simple attribute (an array of strings). */
  readonly value?: string
}

/**
 * A whitelist from SCIM attribute paths to SQL. Keys are attribute paths as a filter would write them:
 * `userName`, `name.givenName`, `meta.lastModified`,
 * `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber`, or the name of a
 * multi-valued attribute (`emails`, `members`). A string value is a trusted SQL expression for a
 * single-valued attribute (`u.user_name`, `u.created_at`). Any attribute not listed cannot be filtered on.
 */
export type SqlAttributeMapping = Readonly<Record<string, string | SqlMultiValuedMapping>>

/** Options of `filterToSql()`. */
export interface FilterToSqlOptions {
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
