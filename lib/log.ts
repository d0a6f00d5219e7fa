// The library's `debug` namespaces (express-scim:*). Messages name requests, ids and outcomes; never tokens, filter values or passwords.
import createDebug from 'debug'

/** Request lines and outcomes: method, route, status, request id. */
export const logRequest = createDebug('express-scim:request')
/** Authentication outcomes (never the credentials). */
export const logAuth = createDebug('express-scim:auth')
/** Store calls that failed, and compare-and-swap retries. */
export const logStore = createDebug('express-scim:store')
/** Audit events, and errors thrown by the host's onEvent. */
export const logEvent = createDebug('express-scim:event')

const IDENTIFIER = /^[A-Za-z_$][\w$]{0,63}$/

/**
 * The class name of a thrown value, safe to log or record: a name that is not an identifier (a host may
 * build one from data) is `_OTHER`, as OpenTelemetry's `error.type` convention says.
 */
export function errorClass(error: unknown): string {
  const name = typeof error === 'object' && error !== null ? (error as { name?: unknown }).name : undefined
  return typeof name === 'string' && IDENTIFIER.test(name) ? name : '_OTHER'
}
