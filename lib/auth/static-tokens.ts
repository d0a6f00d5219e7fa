// staticTokens(): an authenticate() for a fixed list of bearer tokens, compared in constant time.

import { timingSafeEqual } from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import type { Authenticate } from '../../types/router'
import type { Principal } from '../../types/stores'
import { configError } from '../errors'

/** One accepted token and the principal it stands for. */
export interface StaticToken {
  /** The bearer token, as the IdP sends it (at most 1,024 bytes). */
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

/**
 * Tokens are compared in fixed-size slots of this many bytes: a token is written at the start of a zeroed
 * slot and its length is kept beside it. Comparing whole slots with `timingSafeEqual` takes the same time
 * whatever the tokens hold and however long they are, without hashing each request's token.
 */
const SLOT_BYTES = 1024

/** A token in its slot: the bytes, zero-padded to SLOT_BYTES, and how many of them are the token's. */
interface Slot {
  readonly bytes: Buffer
  readonly length: number
}

function slotOf(token: string): Slot {
  const bytes = Buffer.alloc(SLOT_BYTES)
  const length = bytes.write(token, 'utf8')
  return { bytes, length }
}

/**
 * Builds an `authenticate` from a list of tokens (strings, or `{ token, tenant, id }`). Each request's
 * token is written into a fixed-size slot and compared with every configured slot with `timingSafeEqual`,
 * lengths compared beside it, without stopping at the first match: neither the content nor the length of
 * a configured token shows in the timing, and no request pays for a hash. Tokens are never logged, and the
 * principal does not carry them.
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
    if (Buffer.byteLength(config.token) > SLOT_BYTES) {
      throw configError(
        'ERR_INVALID_OPTION',
        `staticTokens entry ${index} is longer than ${SLOT_BYTES} bytes`,
      )
    }
    if (config.tenant !== undefined && (typeof config.tenant !== 'string' || config.tenant === '')) {
      throw configError('ERR_INVALID_OPTION', `staticTokens entry ${index} has an empty tenant`)
    }
    const principal: Principal = Object.freeze({
      tenant: config.tenant ?? 'default',
      id: config.id ?? `token-${index + 1}`,
    })
    return { slot: slotOf(config.token), principal, token: config.token }
  })
  if (new Set(entries.map((e) => e.token)).size !== entries.length)
    throw configError('ERR_INVALID_OPTION', 'staticTokens has a duplicate token')
  // The token strings are not kept past construction: only their slots are.
  const slots = entries.map(({ slot, principal }) => ({ slot, principal }))

  // One scratch slot per authenticate: the comparison is synchronous, so no two requests share it at once.
  const presented = Buffer.alloc(SLOT_BYTES)
  return (request) => {
    const token = bearerToken(request)
    // Longer than any configured token can be: that says nothing about the configured ones.
    if (token === undefined || token.length > SLOT_BYTES) return undefined
    presented.fill(0)
    const length = presented.write(token, 'utf8')
    let found: Principal | undefined
    for (const entry of slots) {
      // No early exit, and the length compared beside the bytes: every request costs the same.
      const same = timingSafeEqual(presented, entry.slot.bytes) && length === entry.slot.length
      if (same) found = entry.principal
    }
    return found
  }
}
