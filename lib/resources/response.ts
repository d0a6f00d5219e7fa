// What a SCIM operation answers, as a value: status, headers and body. The HTTP adapter writes it; /Bulk and tests read it.
import { JsonText } from '../json'

/** One operation's answer. `body` is a JSON value, a `JsonText` already serialised, or absent (204, 304). */
export interface ScimResponse {
  /** The HTTP status. */
  readonly status: number
  /** Response headers (ETag, Location, Retry-After); the media type is the adapter's. */
  readonly headers: Readonly<Record<string, string>>
  /** The body, or undefined for none. */
  readonly body?: unknown
}

const NO_HEADERS: Readonly<Record<string, string>> = Object.freeze({})

/** A JSON answer with the SCIM media type. RFC 7644 §3.1. */
export function jsonResponse(
  status: number,
  body: unknown,
  headers: Readonly<Record<string, string>> = NO_HEADERS,
): ScimResponse {
  return { status, headers, body }
}

/** An answer without a body (204, 304). */
export function emptyResponse(
  status: number,
  headers: Readonly<Record<string, string>> = NO_HEADERS,
): ScimResponse {
  return { status, headers }
}

/** The body as JSON text (for /Bulk and tests, which hold the value rather than the bytes). */
export function bodyText(response: ScimResponse): string | undefined {
  if (response.body === undefined) return undefined
  return response.body instanceof JsonText ? response.body.text : JSON.stringify(response.body)
}
