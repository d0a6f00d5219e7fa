// staticTokens(): an authenticate() for a fixed list of bearer tokens, compared in constant time.

import { createHash, timingSafeEqual } from 'node:crypto'
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

/** RFC 6750 §2.1 token68: the credentials a bearer token may hold. */
const TOKEN68 = /^[A-Za-z0-9\-._~+/]+=*$/

/**
 * The bearer token of a request: the `Authorization` header's `Bearer` credentials, the scheme read
 * case-insensitively (RFC 7235 §2.1). Tokens in the query string or a cookie are never read.
 */
export function bearerToken(request: IncomingMessage): string | undefined {
  const header = request.headers.authorization
  if (typeof header !== 'string') return undefined
  // The spelling every IdP sends, checked without a match array; any other goes through the full rule.
  if (header.startsWith('Bearer ')) {
    const token = header.slice(7)
    if (TOKEN68.test(token)) return token
  }
  const match = /^\s*bearer\s+([A-Za-z0-9\-._~+/]+=*)\s*$/i.exec(header)
  return match?.[1]
}

/** The longest token `staticTokens` accepts: it bounds the bytes every request compares per token. */
const MAX_TOKEN_BYTES = 1024

/** Up to this many tokens, padded slots cost less than a hash per request; above it, digests do. */
const MAX_SLOTTED_TOKENS = 16

/**
 * Slots grow in steps of this many bytes. A router's slots are as long as its longest token, rounded up
 * to a step: a short-token list compares a few dozen bytes per token, and the slot size says no more than
 * "the longest token is under N bytes", a configuration fact, not a secret.
 */
const SLOT_STEP = 64

/** A token in its slot: the bytes, zero-padded to the slot size, and how many of them are the token's. */
interface Slot {
  readonly bytes: Buffer
  readonly length: number
}

function slotOf(token: string, size: number): Slot {
  const bytes = Buffer.alloc(size)
  const length = bytes.write(token, 'utf8')
  return { bytes, length }
}

/**
 * Builds an `authenticate` from a list of tokens (strings, or `{ token, tenant, id }`). The presented
 * token is compared with every configured one in constant time, without stopping at the first match: with
 * up to 16 tokens in padded slots (no hash per request), with more as SHA-256 digests (see `bySlot` and
 * `byDigest`). Tokens are never logged, and the principal does not carry them.
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
    if (!TOKEN68.test(config.token)) {
      throw configError(
        'ERR_INVALID_OPTION',
        `staticTokens entry ${index} is not a valid bearer token (RFC 6750 token68 characters, not empty)`,
      )
    }
    if (Buffer.byteLength(config.token) > MAX_TOKEN_BYTES) {
      throw configError(
        'ERR_INVALID_OPTION',
        `staticTokens entry ${index} is longer than ${MAX_TOKEN_BYTES} bytes`,
      )
    }
    if (config.tenant !== undefined && (typeof config.tenant !== 'string' || config.tenant === '')) {
      throw configError('ERR_INVALID_OPTION', `staticTokens entry ${index} has an empty tenant`)
    }
    const principal: Principal = Object.freeze({
      tenant: config.tenant ?? 'default',
      id: config.id ?? `token-${index + 1}`,
    })
    return { principal, token: config.token }
  })
  if (new Set(entries.map((e) => e.token)).size !== entries.length)
    throw configError('ERR_INVALID_OPTION', 'staticTokens has a duplicate token')
  return entries.length > MAX_SLOTTED_TOKENS ? byDigest(entries) : bySlot(entries)
}

/** A configured token and the principal it stands for. */
interface Entry {
  readonly token: string
  readonly principal: Principal
}

/**
 * Few tokens: each in a zeroed slot as long as the longest one (rounded up to SLOT_STEP), the presented
 * token written into a slot of the same size, every slot compared with `timingSafeEqual` and the lengths
 * beside it, without an early exit. No hash per request.
 */
function bySlot(entries: readonly Entry[]): Authenticate {
  const longest = Math.max(...entries.map((e) => Buffer.byteLength(e.token)))
  const slotSize = Math.ceil(longest / SLOT_STEP) * SLOT_STEP
  // The slots hold the tokens themselves (padded), so they are secrets like the option that gave them.
  const slots = entries.map(({ token, principal }) => ({ slot: slotOf(token, slotSize), principal }))
  // One scratch slot per authenticate: the comparison is synchronous, so no two requests share it at once.
  const presented = Buffer.alloc(slotSize)
  return (request) => {
    const token = bearerToken(request)
    // Longer than every configured token: refused before any comparison, which says only that.
    if (token === undefined || token.length > slotSize) return undefined
    presented.fill(0)
    const length = presented.write(token, 'utf8')
    let found: Principal | undefined
    for (const entry of slots) {
      // No early exit, and the length compared beside the bytes: every request costs the same.
      const same = timingSafeEqual(presented, entry.slot.bytes) && length === entry.slot.length
      if (same) found = entry.principal
    }
    // The presented token, right or wrong, does not stay in memory until the next request.
    presented.fill(0)
    return found
  }
}

const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest()

/**
 * Many tokens (a token per tenant): one SHA-256 of the presented token, then 32-byte digests compared
 * with `timingSafeEqual`, without an early exit. Per token this costs less than a padded slot, and only
 * digests are kept.
 */
function byDigest(entries: readonly Entry[]): Authenticate {
  const digests = entries.map(({ token, principal }) => ({ digest: digest(token), principal }))
  return (request) => {
    const token = bearerToken(request)
    if (token === undefined || token.length > MAX_TOKEN_BYTES) return undefined
    const presented = digest(token)
    let found: Principal | undefined
    for (const entry of digests) {
      if (timingSafeEqual(presented, entry.digest)) found = entry.principal
    }
    return found
  }
}
