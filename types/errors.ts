// Public contracts for SCIM errors: the `scimType` keywords and the error response body (RFC 7644 §3.12).

/** The `scimType` keywords of RFC 7644 §3.12, table 9. */
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
