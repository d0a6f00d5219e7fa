// SCIM bearer tokens in the database: created and rotated on the admin page, kept only as SHA-256 with a visible prefix, and checked by the router's authenticate.
import { createHash, randomBytes, randomUUID } from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import { withSqlErrors } from '../../lib/sql'
import type { Principal } from '../../types/stores'
import type { Database } from './db'

/** A token as the admin page lists it: never the token itself. */
export interface ScimTokenInfo {
  readonly id: string
  readonly name: string
  readonly prefix: string
  readonly created: Date
}

/** Characters of a generated token shown on the page (it starts with `scim_`, so 13 show 8 random ones). */
const PREFIX_LENGTH = 13

/** What the page shows of a token: 8 random characters of a generated one, 4 of one the host chose. */
function prefixOf(token: string): string {
  return token.startsWith('scim_') ? token.slice(0, PREFIX_LENGTH) : token.slice(0, 4)
}

const hashOf = (token: string) => createHash('sha256').update(token, 'utf8').digest('hex')

/**
 * A new token: `scim_` and 32 random bytes, base64url (RFC 6750 token68 characters). A recognisable
 * prefix lets secret scanners find a leaked one.
 */
function newToken(): string {
  return `scim_${randomBytes(32).toString('base64url')}`
}

/** The bearer token of a request, or undefined. */
function bearerOf(request: IncomingMessage): string | undefined {
  const header = request.headers.authorization
  if (typeof header !== 'string') return undefined
  const match = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i.exec(header)
  return match?.[1]
}

/** How long a token found valid is trusted without asking the database again. */
export const TOKEN_CACHE_MS = 10_000

/** Most tokens remembered: a host has a few IdPs; the bound keeps memory flat whatever is sent. */
const TOKEN_CACHE_SIZE = 100

/**
 * The tenant's SCIM tokens. A presented token is looked up by its SHA-256: a database index compare of
 * digests, which tells an attacker nothing about how much of a guess was right (the digest of a near
 * miss shares nothing with the real one), so no constant-time compare of the token itself is needed.
 *
 * A valid token is remembered for `TOKEN_CACHE_MS`, so an IdP's requests cost no token query each: a
 * rotation or revocation applies at once in the process that made it, and within 10 s in the others
 * (replicas). Unknown tokens are never remembered, so nothing a client sends fills the memory.
 */
export class ScimTokens {
  /** Called with the token id of each authenticated SCIM request (the sync status page). */
  onAuthenticated: ((tokenId: string, request: IncomingMessage) => void) | undefined
  readonly #valid = new Map<string, { principal: Principal; until: number }>()

  constructor(private readonly db: Database) {}

  /** Creates a token for an IdP; returns it (shown once) with its row. */
  async create(
    tenant: string,
    name: string,
    token = newToken(),
  ): Promise<{ token: string; info: ScimTokenInfo }> {
    const id = randomUUID()
    const created = new Date()
    await withSqlErrors(() =>
      this.db.query(
        'insert into scim_tokens (id, tenant, name, prefix, hash, created) values ($1, $2, $3, $4, $5, $6)',
        [id, tenant, name, prefixOf(token), hashOf(token), created],
      ),
    )
    return { token, info: { id, name, prefix: prefixOf(token), created } }
  }

  /**
   * Creates the tenant's bootstrap token (the one `npm start` prints or `SCIM_TOKEN` names) unless a live
   * one exists or this token is on record: one statement, so replicas starting together make one
   * between them (a partial unique index allows one live bootstrap token per tenant). Undefined when
   * another start made it.
   */
  async createBootstrap(
    tenant: string,
    name: string,
    token = newToken(),
  ): Promise<{ token: string; info: ScimTokenInfo } | undefined> {
    const id = randomUUID()
    const created = new Date()
    const inserted = await withSqlErrors(() =>
      this.db.query(
        `insert into scim_tokens (id, tenant, name, prefix, hash, created, bootstrap)
         values ($1, $2, $3, $4, $5, $6, true) on conflict do nothing returning id`,
        [id, tenant, name, prefixOf(token), hashOf(token), created],
      ),
    )
    return inserted.rows.length === 0
      ? undefined
      : { token, info: { id, name, prefix: prefixOf(token), created } }
  }

  /** Replaces a token with a new one for the same IdP, in one transaction; the old one stops working at once. */
  async rotate(tenant: string, id: string): Promise<{ token: string; info: ScimTokenInfo } | undefined> {
    const token = newToken()
    const rotated = await withSqlErrors(() =>
      this.db.transaction(async (tx) => {
        const old = await tx.query<{ name: string }>(
          'update scim_tokens set revoked_at = clock_timestamp() where tenant = $1 and id = $2 and revoked_at is null returning name',
          [tenant, id],
        )
        const name = old.rows[0]?.name
        if (name === undefined) return undefined
        const next = randomUUID()
        const created = new Date()
        await tx.query(
          'insert into scim_tokens (id, tenant, name, prefix, hash, created) values ($1, $2, $3, $4, $5, $6)',
          [next, tenant, name, prefixOf(token), hashOf(token), created],
        )
        return { token, info: { id: next, name, prefix: prefixOf(token), created } }
      }),
    )
    // After the write: a request checked in between could have remembered the old token again.
    this.#forget()
    return rotated
  }

  /** Whether this token is on record, live or revoked (the bootstrap `SCIM_TOKEN` is registered once). */
  async stateOf(token: string): Promise<'live' | 'revoked' | 'unknown'> {
    const found = await withSqlErrors(() =>
      this.db.query<{ revoked: boolean }>(
        'select revoked_at is not null as revoked from scim_tokens where hash = $1',
        [hashOf(token)],
      ),
    )
    const row = found.rows[0]
    return row === undefined ? 'unknown' : row.revoked ? 'revoked' : 'live'
  }

  /** Revokes a token. */
  async revoke(tenant: string, id: string): Promise<void> {
    await withSqlErrors(() =>
      this.db.query('update scim_tokens set revoked_at = clock_timestamp() where tenant = $1 and id = $2', [
        tenant,
        id,
      ]),
    )
    this.#forget()
  }

  /** The tenant's live tokens, oldest first. */
  async list(tenant: string): Promise<ScimTokenInfo[]> {
    const found = await withSqlErrors(() =>
      this.db.query<{ id: string; name: string; prefix: string; created: Date }>(
        'select id, name, prefix, created from scim_tokens where tenant = $1 and revoked_at is null order by created',
        [tenant],
      ),
    )
    return found.rows.map((row) => ({ ...row, created: new Date(row.created) }))
  }

  /** The router's `authenticate`: the principal of a live token (its tenant, the token id as the actor), or undefined. */
  readonly authenticate = async (request: IncomingMessage): Promise<Principal | undefined> => {
    const token = bearerOf(request)
    if (token === undefined || token.length > 1024) return undefined
    const hash = hashOf(token)
    const now = Date.now()
    let principal = this.#valid.get(hash)
    if (principal === undefined || principal.until <= now) {
      this.#valid.delete(hash)
      const found = await withSqlErrors(() =>
        this.db.query<{ id: string; tenant: string }>(
          'select id, tenant from scim_tokens where hash = $1 and revoked_at is null',
          [hash],
        ),
      )
      const row = found.rows[0]
      if (row === undefined) return undefined
      principal = { principal: { tenant: row.tenant, id: row.id }, until: now + TOKEN_CACHE_MS }
      if (this.#valid.size >= TOKEN_CACHE_SIZE) this.#valid.delete(this.#valid.keys().next().value as string)
      this.#valid.set(hash, principal)
    }
    this.onAuthenticated?.(String(principal.principal.id), request)
    return principal.principal
  }

  /** Forgets every remembered token: after a rotation or revocation here, the old one fails at once. */
  #forget(): void {
    this.#valid.clear()
  }
}
