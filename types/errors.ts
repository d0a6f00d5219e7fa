// Public contracts for SCIM errors: the `scimType` keywords and the error response body (RFC 7644 §3.12).

/** The `scimType` keywords of RFC 7644 §3.12, table 9, and the cursor ones of RFC 9865 §2.1. */
export type ScimType =
  | 'invalidFilter'
  | 'tooMany'
  | 'uniqueness'
  | 'mutability'
  | 'invalidSyntax'
  | 'invalidPath'
  | 'noTarget'
  | 'invalidValue'
  | 'invalidVers'
  | 'sensitive'
  /** RFC 9865: a cursor that this server did not issue for this query. */
  | 'invalidCursor'
  /** RFC 9865: a cursor older than the server's `cursorTimeout`. */
  | 'expiredCursor'
  /** RFC 9865: a `count` other than the one the cursor's first page had. */
  | 'invalidCount'

/** URN of the SCIM error message schema. RFC 7644 §3.12. */
export type ScimErrorSchemaUrn = 'urn:ietf:params:scim:api:messages:2.0:Error'

/** The JSON body of a SCIM error response. RFC 7644 §3.12. */
export interface ScimErrorResponse {
  /** Always `["urn:ietf:params:scim:api:messages:2.0:Error"]`. */
  readonly schemas: readonly [ScimErrorSchemaUrn]
  /** The HTTP status code, as a string (RFC 7644 §3.12). */
  readonly status: string
  /** The error keyword, for 400 / 409 / 413 errors that have one. */
  readonly scimType?: ScimType
  /** Human-readable detail. Never present on 5xx errors, whose cause stays in the server. */
  readonly detail?: string
}

/**
 * The stable codes of configuration errors: the `TypeError`s thrown when a function or constructor is
 * given options or arguments it cannot use (docs/errors.md lists where each is thrown). Match on the
 * code, not the message: messages may be reworded, codes are part of the public surface.
 */
export type ConfigErrorCode =
  /** An option name the function does not know (the message names the closest one). */
  | 'ERR_UNKNOWN_OPTION'
  /** A required option is missing (a store, `authenticate`). */
  | 'ERR_MISSING_OPTION'
  /** An option has a value of the wrong type or range, or options that cannot go together. */
  | 'ERR_INVALID_OPTION'
  /** A schema definition or schema extension that cannot be used. */
  | 'ERR_INVALID_SCHEMA'
  /** A call with an argument it cannot use (a store method given a non-string id, `link()` without a tenant). */
  | 'ERR_INVALID_ARGUMENT'
  /** A host store returned what its contract forbids. */
  | 'ERR_INVALID_STORE_RESULT'
  /** An option needs an optional peer dependency that is not installed (`@opentelemetry/api`). */
  | 'ERR_MISSING_DEPENDENCY'
  /** The contract suite runs inside a Vitest worker without globals and was given no `runner` option. */
  | 'ERR_NO_TEST_RUNNER'

/** A configuration error: a `TypeError` with a stable `code`, thrown at construction or call time. */
export interface ConfigError extends TypeError {
  /** The stable code. */
  readonly code: ConfigErrorCode
}
