// Writes SCIM responses with Node's own response API, so the router works the same under Express 4 and 5.
import type { ServerResponse } from 'node:http'
import { scimErrorBody } from '../errors'
import { JsonText } from '../json'
import type { ScimResponse } from '../resources/response'

/** The media type SCIM responses carry. RFC 7644 §3.1. */
export const SCIM_MEDIA_TYPE = 'application/scim+json'

const CONTENT_TYPE = `${SCIM_MEDIA_TYPE}; charset=utf-8`

/** Sets the status and headers of a JSON response with the SCIM media type; returns the body to write. */
function prepareJson(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Readonly<Record<string, string>> | undefined,
): string {
  const json = body instanceof JsonText ? body.text : JSON.stringify(body)
  response.statusCode = status
  if (headers) for (const name of Object.keys(headers)) response.setHeader(name, headers[name]!)
  response.setHeader('Content-Type', CONTENT_TYPE)
  response.setHeader('Content-Length', Buffer.byteLength(json))
  return json
}

/** Sends a JSON body with the SCIM media type. */
export function sendJson(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers?: Readonly<Record<string, string>>,
): void {
  response.end(prepareJson(response, status, body, headers))
}

/**
 * Writes a whole JSON body with the SCIM media type but leaves the response open: its Content-Length
 * tells the client the answer is complete, while the caller decides when the connection may close
 * (see `refuseUnreadBody`, which keeps reading a refused body first).
 */
export function writeJson(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers?: Readonly<Record<string, string>>,
): void {
  response.write(prepareJson(response, status, body, headers))
}

/** Sends a status with no body (204, 304). */
export function sendEmpty(
  response: ServerResponse,
  status: number,
  headers?: Readonly<Record<string, string>>,
): void {
  response.statusCode = status
  if (headers) for (const name of Object.keys(headers)) response.setHeader(name, headers[name]!)
  response.end()
}

/**
 * Sends an error as RFC 7644 §3.12 says: status as a string, scimType and detail for 4xx only. A 5xx
 * says nothing about its cause, whatever threw it.
 */
export function sendError(
  response: ServerResponse,
  error: unknown,
  headers?: Readonly<Record<string, string>>,
): void {
  if (response.headersSent) {
    // Too late for a status line: end the response so the client is not left waiting.
    response.destroy()
    return
  }
  const body = scimErrorBody(error)
  sendJson(response, Number(body.status), body, headers)
}

/** Writes an operation's response value: a JSON body with the SCIM media type, or none. */
export function sendResponse(response: ServerResponse, answer: ScimResponse): void {
  if (answer.body === undefined) sendEmpty(response, answer.status, answer.headers)
  else sendJson(response, answer.status, answer.body, answer.headers)
}
