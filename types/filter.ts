// Public contracts for the SCIM filter language (RFC 7644 §3.4.2.2): the readonly AST and parser options.

/** Comparison operators of RFC 7644 §3.4.2.2, always lower-case in the AST. */
export type ComparisonOperator = 'eq' | 'ne' | 'co' | 'sw' | 'ew' | 'gt' | 'ge' | 'lt' | 'le'

/** A literal on the right of a comparison: JSON string, number, `true`, `false` or `null`. */
export type FilterValue = string | number | boolean | null

/**
 * An attribute path (`attrPath` of RFC 7644 §3.4.2.2): `[URI ":"] ATTRNAME ["." subAttr]`.
 * Names keep the spelling of the request; they are matched case-insensitively.
 */
export interface AttributePath {
  readonly kind: 'attributePath'
  /** Schema URN when the path is URN-qualified (`urn:ietf:params:scim:schemas:core:2.0:User:userName`). */
  readonly schema?: string
  /** The attribute name (`userName`, `name`, `emails`). */
  readonly attribute: string
  /** The sub-attribute name (`givenName` in `name.givenName`). */
  readonly subAttribute?: string
}

/** `attrPath compareOp compValue`, e.g. `userName eq "bjensen"`. */
export interface ComparisonFilter {
  readonly kind: 'comparison'
  /** The attribute compared. */
  readonly path: AttributePath
  /** The operator, lower-case. */
  readonly operator: ComparisonOperator
  /** The literal compared with. */
  readonly value: FilterValue
}

/** `attrPath "pr"`: the attribute has a non-empty value. */
export interface PresentFilter {
  readonly kind: 'present'
  /** The attribute tested. */
  readonly path: AttributePath
}

/** `a and b [and c ...]`: a chain of `and` at one level, in source order (two or more operands). */
export interface AndFilter {
  readonly kind: 'and'
  /** The operands, in source order. */
  readonly filters: readonly Filter[]
}

/** `a or b [or c ...]`: a chain of `or` at one level, in source order (two or more operands). */
export interface OrFilter {
  readonly kind: 'or'
  /** The operands, in source order. */
  readonly filters: readonly Filter[]
}

/** `not (filter)`. */
export interface NotFilter {
  readonly kind: 'not'
  /** The negated filter. */
  readonly filter: Filter
}

/**
 * `attrPath "[" valFilter "]"`: some element of a multi-valued complex attribute matches `filter`,
 * whose paths are relative to the element (`emails[type eq "work" and value co "@example.com"]`).
 * Entra's `emails[type eq "work"].value eq "x"` parses to `emails[type eq "work" and value eq "x"]`.
 */
export interface ValuePathFilter {
  readonly kind: 'valuePath'
  /** The multi-valued (or complex) attribute; never has a sub-attribute. */
  readonly path: AttributePath
  /** The filter applied to each element, with paths relative to the element. */
  readonly filter: Filter
}

/** Any filter node. Switch on `kind`. */
export type Filter = ComparisonFilter | PresentFilter | AndFilter | OrFilter | NotFilter | ValuePathFilter

/**
 * A PATCH operation path (RFC 7644 §3.5.2): `attrPath`, or `valuePath ["." subAttr]`, or a bare schema URN.
 * `emails[type eq "work"].value` is `{ attribute: 'emails', valueFilter: ..., subAttribute: 'value' }`.
 */
export interface PatchPath {
  readonly kind: 'patchPath'
  /** Schema URN when the path is URN-qualified, or when it names a whole extension schema. */
  readonly schema?: string
  /** The attribute; absent only when the path is a bare extension schema URN. */
  readonly attribute?: string
  /** Filter selecting elements of a multi-valued attribute (`members[value eq "2819c223"]`). */
  readonly valueFilter?: Filter
  /** Sub-attribute, after a dot (`name.givenName`) or after the value filter (`emails[...].value`). */
  readonly subAttribute?: string
}

/** Bounds that keep hostile filters cheap. Every limit is checked before the work it bounds. */
export interface FilterLimits {
  /** Longest accepted filter text, in UTF-16 code units. Default 10,000. */
  readonly maxLength?: number
  /** Deepest nesting of parentheses, `not (...)` and value paths. Default 32. */
  readonly maxDepth?: number
  /** Most comparison / presence terms in one filter. Default 200. */
  readonly maxTerms?: number
}

/** Options of `parseFilter()` and `parsePatchPath()`. */
export interface ParseFilterOptions extends FilterLimits, FilterDialectOptions {
  /**
   * The schema URNs in use: they may stand alone as a PATCH path (a whole extension), and URN-qualified
   * names under them are read without scanning the URN. Defaults to the built-in schemas; pass
   * `registry.schemaUrns()` to include the host's extensions. Other URNs still parse.
   */
  readonly schemaUrns?: readonly string[]
}

/**
 * Which reading of filters is in force. `lenient` (the default) also accepts what IdPs send outside
 * RFC 7644: Entra ID's `"True"` / `"False"` strings for boolean attributes, and its value path followed
 * by a sub-attribute (`emails[type eq "work"].value eq "x"`). `strict` accepts RFC 7644 §3.4.2.2 only:
 * a string compared with a boolean attribute, or a sub-attribute after a value path, is `invalidFilter`.
 */
export type FilterDialect = 'lenient' | 'strict'

/** Options every filter reader takes (`parseFilter`, `compileFilter`, `matchesFilter`, `createSqlFilterCompiler`). */
export interface FilterDialectOptions {
  /** The filter dialect; `lenient` by default. The router passes its own `dialect` option. */
  readonly dialect?: FilterDialect
}
