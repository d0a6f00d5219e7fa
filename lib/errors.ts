// SCIM errors built on http-errors: a status, a scimType keyword, and a detail that is exposed only for 4xx.
import createError from 'http-errors'
import type { ConfigError, ConfigErrorCode, ScimErrorResponse, ScimType } from '../types/errors'

/** URN of the SCIM error message schema. RFC 7644 §3.12. */
export const ERROR_SCHEMA_URN = 'urn:ietf:params:scim:api:messages:2.0:Error' as const

/**
 * An http-errors error carrying SCIM's `scimType`. Every error the library raises for a bad request is
 * one of these, so the router can answer it as RFC 7644 §3.12 says. Declared here rather than as
 * http-errors' `HttpError` so that TypeScript hosts need no extra type packages.
 */
export interface ScimError extends Error {
  /** HTTP status code, 400-599. */
  readonly status: number
  /** The same as `status` (http-errors and Express read either). */
  readonly statusCode: number
  /** True when `message` may be sent to the client: 4xx only. */
  readonly expose: boolean
  /** The SCIM error keyword, when the status has one. */
  readonly scimType?: ScimType
  /** Zero-based offset into the offending text (filters, PATCH paths), when known. */
  readonly position?: number
}

/**
 * Creates a SCIM error. 4xx details are meant for the client and exposed; 5xx details are never sent
 * (http-errors `expose`), so a store's message cannot leak to the IdP.
 */
export function scimError(
  status: number,
  scimType: ScimType | undefined,
  detail: string,
  extra?: { readonly position?: number },
): ScimError {
  const props: Record<string, unknown> = { expose: status < 500 }
  if (scimType !== undefined) props.scimType = scimType
  if (extra?.position !== undefined) props.position = extra.position
  return createError(status, detail, props) as unknown as ScimError
}

/** True for any http-errors error, which includes every SCIM error this library creates. */
export function isScimError(error: unknown): error is ScimError {
  return createError.isHttpError(error) && typeof (error as { status?: unknown }).status === 'number'
}

/**
 * The response body for an error (RFC 7644 §3.12): `status` as a string, `scimType` and `detail` only
 * when exposed. Anything that is not an http-errors error is an internal error and says nothing more.
 */
export function scimErrorBody(error: unknown): ScimErrorResponse {
  if (!isScimError(error) || error.status < 400 || error.status > 599) {
    return { schemas: [ERROR_SCHEMA_URN], status: '500' }
  }
  const body: { schemas: [typeof ERROR_SCHEMA_URN]; status: string; scimType?: ScimType; detail?: string } = {
    schemas: [ERROR_SCHEMA_URN],
    status: String(error.status),
  }
  // A 5xx never explains itself, even when something marked it exposed.
  if (error.expose && error.status < 500) {
    if (error.scimType !== undefined) body.scimType = error.scimType
    body.detail = error.message
  }
  return body
}

/**
 * What a store throws when a write would give two resources of a tenant the same unique value
 * (`userName` case-insensitively, `externalId`, a team name). The router answers 409 `uniqueness`.
 * The detail names the attribute, never the value.
 */
export function uniquenessConflict(attribute: string): ScimError {
  return scimError(409, 'uniqueness', `${attribute} is already in use`)
}

/**
 * What a store throws when a compare-and-swap write finds another version than the expected one.
 * The router retries a PATCH after it, and answers 412 to a request that named its version (If-Match).
 */
export function versionMismatch(): ScimError {
  return scimError(412, undefined, 'The resource has changed since it was read')
}

/** True for the error `versionMismatch()` creates (or any 412). */
export function isVersionMismatch(error: unknown): boolean {
  return isScimError(error) && error.status === 412
}

/**
 * A configuration error: a `TypeError` whose message starts with `express-scim: ` and whose `code` is
 * stable (docs/errors.md). Thrown for bad options and arguments, never for what a client sends.
 */
export function configError(code: ConfigErrorCode, message: string): ConfigError {
  return Object.assign(new TypeError(`express-scim: ${message}`), { code }) as ConfigError
}

/** True for a configuration error thrown by express-scim. */
export function isConfigError(error: unknown): error is ConfigError {
  return error instanceof TypeError && typeof (error as { code?: unknown }).code === 'string'
}

/** Where the library's own errors keep the headers their response needs; no host error can carry it. */
const RESPONSE_HEADERS = Symbol('express-scim.responseHeaders')

/**
 * Attaches response headers to an error the library throws (`Allow` on a 405, `Retry-After` on a 503).
 * Only headers attached here are written: an error a host store throws is answered with none of its own
 * (http-errors' `headers` could carry an upstream `Set-Cookie`, or a value Node refuses to write).
 */
export function withResponseHeaders<E extends Error>(error: E, headers: Readonly<Record<string, string>>): E {
  Object.defineProperty(error, RESPONSE_HEADERS, { value: headers, enumerable: false })
  return error
}

/** The headers `withResponseHeaders` attached, or none. */
export function responseHeadersOf(error: unknown): Readonly<Record<string, string>> {
  const headers =
    typeof error === 'object' && error !== null
      ? (error as Record<symbol, unknown>)[RESPONSE_HEADERS]
      : undefined
  return (headers as Readonly<Record<string, string>> | undefined) ?? {}
}
