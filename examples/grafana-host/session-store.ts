// Sign-in sessions in the database: the cookie carries a random token, the table only its SHA-256; a session is honoured only while its user is active, and SCIM revokes them all (SessionRevoker).
import { createHash, randomBytes } from 'node:crypto'
import { withSqlErrors } from '../../lib/sql'
import type { RequestContext, RevocationReason, SessionRevoker } from '../../types/stores'
import type { Database } from './db'

/** A session as the pages see it. */
export interface Session {
  /** The row's id: the token's SHA-256, hex (never the token itself). */
  readonly id: string
  readonly tenant: string
  readonly userId: string
  /** The signed-in user's login and name, for the pages. */
  readonly login: string
  readonly displayName: string | null
  /** True when the user may administer the host (the local admin). */
  readonly admin: boolean
  /** The per-session token every form of the admin pages must send back (CSRF). */
  readonly csrfToken: string
  readonly created: Date
  readonly lastSeen: Date
  readonly expires: Date
}

/** A session on the admin page's list. */
export interface ActiveSession {
  readonly id: string
  readonly login: string
  readonly created: Date
  readonly lastSeen: Date
  readonly expires: Date
}

/** How long a session lasts without activity: Grafana's default `login_maximum_inactive_lifetime` is 7 days. */
export const SESSION_LIFETIME_MS = 7 * 24 * 60 * 60 * 1000

/** How long a session lasts however active: Grafana's default `login_maximum_lifetime_duration` is 30 days. */
export const SESSION_MAX_LIFETIME_MS = 30 * 24 * 60 * 60 * 1000

/** How long ended sessions stay in the table (for the record) before a sign-in deletes them. */
const KEEP_ENDED_MS = 24 * 60 * 60 * 1000

const hashOf = (token: string) => createHash('sha256').update(token, 'utf8').digest('hex')

/** A token of 32 random bytes, URL-safe: what the cookie carries. */
function newToken(): string {
  return randomBytes(32).toString('base64url')
}

/** The database's sessions. Every read checks the user as it is now: a disabled or deleted user has none. */
export class SqlSessionStore implements SessionRevoker {
  constructor(
    private readonly db: Database,
    private readonly adminLogin: string,
  ) {}

  /** Starts a session for the user; returns the token for the cookie. */
  async start(tenant: string, userId: string, now = new Date()): Promise<string> {
    const token = newToken()
    // Each sign-in sweeps a few rows of sessions that ended a day ago: the table stays bounded.
    await withSqlErrors(() =>
      this.db.query(
        `delete from sessions where id in (select id from sessions
           where (revoked_at is not null or expires < $1) and coalesce(revoked_at, expires) < $1 limit 100)`,
        [new Date(now.getTime() - KEEP_ENDED_MS)],
      ),
    )
    await withSqlErrors(() =>
      this.db.query(
        `insert into sessions (id, tenant, user_id, created, last_seen, expires, csrf_token)
         values ($1, $2, $3, $4, $4, $5, $6)`,
        [hashOf(token), tenant, userId, now, new Date(now.getTime() + SESSION_LIFETIME_MS), newToken()],
      ),
    )
    return token
  }

  /**
   * The session of this cookie token, in one query: unrevoked, unexpired, and its user active and
   * visible (so a deactivation over SCIM ends it at the next request, even before revocation ran).
   * Each use slides the expiry forward (and records when it was last seen, for the admin page), never
   * past `SESSION_MAX_LIFETIME_MS` after the sign-in.
   */
  async find(token: string, now = new Date()): Promise<Session | undefined> {
    if (!/^[A-Za-z0-9_-]{43}$/.test(token)) return undefined
    const found = await withSqlErrors(() =>
      this.db.query<{
        id: string
        tenant: string
        user_id: string
        login: string
        name: string | null
        provisioned: boolean
        csrf_token: string
        created: Date
        last_seen: Date
        expires: Date
      }>(
        `update sessions s set last_seen = $2, expires = least($3, s.created + $4 * interval '1 millisecond')
           from users u
          where s.id = $1 and u.id = s.user_id and u.tenant = s.tenant
            and s.revoked_at is null and s.expires > $2 and not u.disabled and not u.hidden
          returning s.id, s.tenant, s.user_id, u.login, u.name, u.provisioned, s.csrf_token, s.created, s.last_seen, s.expires`,
        [hashOf(token), now, new Date(now.getTime() + SESSION_LIFETIME_MS), SESSION_MAX_LIFETIME_MS],
      ),
    )
    const row = found.rows[0]
    if (row === undefined) return undefined
    return {
      id: row.id,
      tenant: row.tenant,
      userId: row.user_id,
      login: row.login,
      displayName: row.name,
      // Only the local admin administers: an IdP can never provision an admin (it cannot see local users).
      admin: !row.provisioned && row.login === this.adminLogin,
      csrfToken: row.csrf_token,
      created: new Date(row.created),
      lastSeen: new Date(row.last_seen),
      expires: new Date(row.expires),
    }
  }

  /** Ends one session (sign-out, or the admin page's button). */
  async end(tenant: string, sessionId: string, reason = 'signed out'): Promise<void> {
    await withSqlErrors(() =>
      this.db.query(
        'update sessions set revoked_at = clock_timestamp(), revoked_reason = $3 where tenant = $1 and id = $2 and revoked_at is null',
        [tenant, sessionId, reason],
      ),
    )
  }

  /** Ends every session of a user of the host's own (a password change). */
  async endAll(tenant: string, userId: string, reason: string): Promise<void> {
    await withSqlErrors(() =>
      this.db.query(
        `update sessions set revoked_at = clock_timestamp(), revoked_reason = $3
          where tenant = $1 and user_id::text = $2 and revoked_at is null`,
        [tenant, userId, reason],
      ),
    )
  }

  /** SessionRevoker: ends every session of the user. Idempotent; the router calls it on every deactivation. */
  revokeUserSessions(userId: string, reason: RevocationReason, context: RequestContext): Promise<void> {
    return this.endAll(context.tenant, userId, `scim: ${reason}`)
  }

  /** The tenant's live sessions, newest first, for the admin page. */
  async active(tenant: string, now = new Date()): Promise<ActiveSession[]> {
    const found = await withSqlErrors(() =>
      this.db.query<{ id: string; login: string; created: Date; last_seen: Date; expires: Date }>(
        `select s.id, u.login, s.created, s.last_seen, s.expires from sessions s join users u on u.id = s.user_id
          where s.tenant = $1 and s.revoked_at is null and s.expires > $2 and not u.disabled and not u.hidden
          order by s.created desc limit 500`,
        [tenant, now],
      ),
    )
    return found.rows.map((row) => ({
      id: row.id,
      login: row.login,
      created: new Date(row.created),
      lastSeen: new Date(row.last_seen),
      expires: new Date(row.expires),
    }))
  }
}
