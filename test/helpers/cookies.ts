// The cookies a response set, as a browser would send them back: for the reference host's page tests.
import type request from 'supertest'

/** The `name=value` pairs of every Set-Cookie of `response`, joined as a Cookie header. */
export const cookieOf = (response: request.Response): string =>
  ([] as string[])
    .concat(response.headers['set-cookie'] ?? [])
    .map((c) => c.split(';')[0])
    .join('; ')
