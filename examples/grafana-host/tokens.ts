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

/** Characters of the token shown on the page (the token starts with `scim_`, so 13 show 8 random ones). */
const PREFIX_LENGTH = 13

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

/**
 * The tenant's SCIM tokens. A presented token is looked up by its SHA-256: a database index compare of
 * digests, which tells an attacker nothing about how much of a guess was right (the digest of a near
 * miss shares nothing with the real one), so no constant-time compare of the token itself is needed.
 */
export class ScimTokens {
  /** Called with the token id of each authenticated SCIM request (the sync status page). */
  onAuthenticated: ((tokenId: string, request: IncomingMessage) => void) | undefined

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
        [id, tenant, name, token.slice(0, PREFIX_LENGTH), hashOf(token), created],
      ),
    )
    return { token, info: { id, name, prefix: token.slice(0, PREFIX_LENGTH), created } }
  }

  /** Replaces a token with a new one for the same IdP, in one transaction; the old one stops working at once. */
  async rotate(tenant: string, id: string): Promise<{ token: string; info: ScimTokenInfo } | undefined> {
    const token = newToken()
    return withSqlErrors(() =>
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
          [next, tenant, name, token.slice(0, PREFIX_LENGTH), hashOf(token), created],
        )
        return { token, info: { id: next, name, prefix: token.slice(0, PREFIX_LENGTH), created } }
      }),
    )
  }

  /** Revokes a token. */
  async revoke(tenant: string, id: string): Promise<void> {
    await withSqlErrors(() =>
      this.db.query('update scim_tokens set revoked_at = clock_timestamp() where tenant = $1 and id = $2', [
        tenant,
        id,
      ]),
    )
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
    const found = await withSqlErrors(() =>
      this.db.query<{ id: string; tenant: string }>(
        'select id, tenant from scim_tokens where hash = $1 and revoked_at is null',
        [hashOf(token)],
      ),
    )
    const row = found.rows[0]
    if (row === undefined) return undefined
    this.onAuthenticated?.(row.id, request)
    return { tenant: row.tenant, id: row.id }
  }
}
