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
