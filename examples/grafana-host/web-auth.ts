// The pages' sign-in plumbing: the session cookie (HTTP-only, SameSite=Lax), the session middleware that ends a session when its user is no longer active, CSRF tokens, and the admin's password hash.
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto'
import { promisify } from 'node:util'
import { parse as parseCookies, serialize as serializeCookie } from 'cookie'
import type { NextFunction, Request, Response } from 'express'
import { isUserActive } from '../../lib/saml'
import type { UserStore } from '../../types/stores'
import type { Session, SqlSessionStore } from './session-store'

const scryptAsync = promisify(scrypt) as (password: string, salt: Buffer, length: number) => Promise<Buffer>

/** The session cookie's name. */
export const SESSION_COOKIE = 'grafana_host_session'

/** A password hash: `scrypt$<salt>$<hash>`, base64url. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16)
  const hash = await scryptAsync(password, salt, 32)
  return `scrypt$${salt.toString('base64url')}$${hash.toString('base64url')}`
}

/** True when `password` matches the hash; false for anything malformed. Constant-time in the hash. */
export async function verifyPassword(password: string, stored: string | null): Promise<boolean> {
  const [scheme, salt, hash] = (stored ?? '').split('$')
  if (scheme !== 'scrypt' || !salt || !hash || password.length > 1024) return false
  const expected = Buffer.from(hash, 'base64url')
  const actual = await scryptAsync(password, Buffer.from(salt, 'base64url'), expected.length)
  return expected.length === 32 && timingSafeEqual(actual, expected)
}

/** Sets the session cookie: HTTP-only, SameSite=Lax, Secure when the host is served over HTTPS. */
export function setSessionCookie(response: Response, token: string, maxAgeMs: number, secure: boolean): void {
  response.append(
    'Set-Cookie',
    serializeCookie(SESSION_COOKIE, token, {
      httpOnly: true,
      sameSite: 'lax',
      secure,
      path: '/',
      maxAge: Math.floor(maxAgeMs / 1000),
    }),
  )
}

/** Clears the session cookie. */
export function clearSessionCookie(response: Response): void {
  response.append(
    'Set-Cookie',
    serializeCookie(SESSION_COOKIE, '', { httpOnly: true, sameSite: 'lax', path: '/', maxAge: 0 }),
  )
}

/** The request's session, once the middleware has run. */
export function sessionOf(request: Request): Session | undefined {
  return (request as Request & { session?: Session }).session
}

/**
 * Finds the session of the request's cookie and keeps it only while its user is active
 * (`isUserActive`: SCIM's deactivation ends it on its next request even if revocation has not run yet).
 * A database that cannot answer fails closed: no session for this request, the cookie kept.
 */
export function sessionMiddleware(sessions: SqlSessionStore, users: Pick<UserStore, 'get'>) {
  return async (request: Request, response: Response, next: NextFunction): Promise<void> => {
    const token = parseCookies(request.headers.cookie ?? '')[SESSION_COOKIE]
    if (token) {
      try {
        const session = await sessions.find(token)
        if (session && (await isUserActive(users, session.tenant, session.userId))) {
          ;(request as Request & { session?: Session }).session = session
        } else {
          clearSessionCookie(response)
        }
      } catch {
        // The database could not say: no session for this request (fail closed), but the cookie stays,
        // so a brief outage does not sign everyone out.
      }
    }
    next()
  }
}

/** Pages for signed-in users: without a session, to the login page. */
export function requireSession(request: Request, response: Response, next: NextFunction): void {
  if (sessionOf(request)) next()
  else response.redirect(303, '/login')
}

/** Every POST from the pages carries the session's CSRF token (`_csrf`); anything else is 403. */
export function requireCsrf(request: Request, response: Response, next: NextFunction): void {
  const session = sessionOf(request)
  const sent = (request.body as Record<string, unknown> | undefined)?._csrf
  const expected = session?.csrfToken
  // Bytes, not characters: timingSafeEqual throws on buffers of different lengths.
  const sentBytes = typeof sent === 'string' ? Buffer.from(sent) : undefined
  const expectedBytes = expected === undefined ? undefined : Buffer.from(expected)
  const ok =
    sentBytes !== undefined &&
    expectedBytes !== undefined &&
    sentBytes.length === expectedBytes.length &&
    timingSafeEqual(sentBytes, expectedBytes)
  if (ok) next()
  else response.status(403).type('text/plain').send('The form has expired: reload the page and try again')
}
