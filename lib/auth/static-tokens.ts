// staticTokens(): an authenticate() for a fixed list of bearer tokens, compared in constant time.

import { createHash, timingSafeEqual } from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import type { Authenticate } from '../../types/router'
import type { Principal } from '../../types/stores'
import { configError } from '../errors'

/** One accepted token and the principal it stands for. */
export interface StaticToken {
  /** The bearer token, as the IdP sends it. Kept only as a SHA-256 digest. */
  readonly token: string
  /** The tenant the token belongs to (default `default`). */
  readonly tenant?: string
  /** A name for the token, reported as the actor of events (default `token-<n>`). Never the token. */
  readonly id?: string
}

/**
 * The bearer token of a request: the `Authorization` header's `Bearer` credentials, the scheme read
 * case-insensitively (RFC 7235 §2.1). Tokens in the query string or a cookie are never read.
 */
export function bearerToken(request: IncomingMessage): string | undefined {
  const header = request.headers.authorization
  if (typeof header !== 'string') return undefined
  const match = /^\s*bearer\s+([A-Za-z0-9\-._~+/]+=*)\s*$/i.exec(header)
  return match?.[1]
}

const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest()

/**
 * Builds an `authenticate` from a list of tokens (strings, or `{ token, tenant, id }`). Every request's
 * token is hashed and compared with every configured digest with `timingSafeEqual`, without stopping at
 * the first match, so neither the length nor the content of a token shows in the timing. Tokens are
 * never logged, and the principal does not carry them.
 */
export function staticTokens(tokens: readonly (string | StaticToken)[]): Authenticate {
  if (!Array.isArray(tokens) || tokens.length === 0) {
    throw configError('ERR_INVALID_OPTION', 'staticTokens needs a non-empty array of tokens')
  }
  const entries = tokens.map((entry, index) => {
    const config: StaticToken = typeof entry === 'string' ? { token: entry } : entry
    if (typeof config !== 'object' || config === null || typeof config.token !== 'string') {
      throw configError(
        'ERR_INVALID_OPTION',
        `staticTokens entry ${index} must be a string or { token, tenant, id }`,
      )
    }
    if (!/^[A-Za-z0-9\-._~+/]+=*$/.test(config.token)) {
      throw configError(
        'ERR_INVALID_OPTION',
        `staticTokens entry ${index} is not a valid bearer token (RFC 6750 token68 characters, not empty)`,
      )
    }
    if (config.tenant !== undefined && (typeof config.tenant !== 'string' || config.tenant === '')) {
      throw configError('ERR_INVALID_OPTION', `staticTokens entry ${index} has an empty tenant`)
    }
    const principal: Principal = Object.freeze({
      tenant: config.tenant ?? 'default',
      id: config.id ?? `token-${index + 1}`,
    })
    return { digest: digest(config.token), principal }
  })
  const digests = new Set(entries.map((e) => e.digest.toString('hex')))
  if (digests.size !== entries.length)
    throw configError('ERR_INVALID_OPTION', 'staticTokens has a duplicate token')

  return (request) => {
    const token = bearerToken(request)
    if (token === undefined) return undefined
    const presented = digest(token)
    let found: Principal | undefined
    for (const entry of entries) {
      // No early exit: every request costs the same number of comparisons.
      if (timingSafeEqual(presented, entry.digest)) found = entry.principal
    }
    return found
  }
}
