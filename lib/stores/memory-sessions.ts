// A small in-memory session registry implementing SessionRevoker, so a demo host can log users out on deprovisioning.

import { randomUUID } from 'node:crypto'
import type { RequestContext, RevocationReason, SessionRevoker } from '../../types/stores'
import { configError } from '../errors'
import { checkTenant, tenantOf, warnInProduction } from './shared'

/** Who a session belongs to. */
export interface MemorySessionOwner {
  /** The tenant of the user. */
  readonly tenant: string
  /** The user's SCIM id. */
  readonly userId: string
}

/** The last revocation of a user's sessions, as `MemorySessionRevoker.lastRevocation` reports it. */
export interface MemorySessionRevocation {
  /** Why the router revoked them. */
  readonly reason: RevocationReason
  /** When. */
  readonly at: Date
  /** How many sessions that call ended (0 for a retry, or a user who had none). */
  readonly sessionsEnded: number
  /** The request that caused it. */
  readonly requestId: string
}

interface RevocationLog {
  count: number
  last: MemorySessionRevocation
}

/**
 * A `SessionRevoker` with the session registry it revokes from: the host calls `createSession` at
 * sign-in and `isSessionActive` on each request; the router calls `revokeUserSessions` when SCIM
 * deactivates or deletes the user. Revocation is idempotent (an IdP retry ends nothing more) and is
 * recorded, so tests can see it happened. Sessions are scoped by tenant like every store call.
 */
export class MemorySessionRevoker implements SessionRevoker {
  readonly #sessions = new Map<string, MemorySessionOwner>()
  /** Tenant → user id → that user's session ids, so revocation never scans every session. */
  readonly #byUser = new Map<string, Map<string, Set<string>>>()
  /** Tenant → user id → how often and when its sessions were last revoked. */
  readonly #revocations = new Map<string, Map<string, RevocationLog>>()

  /** Warns when `NODE_ENV` is `production`. */
  constructor() {
    warnInProduction(
      'express-scim: MemorySessionRevoker keeps sessions in memory, so they are lost on restart and not ' +
        "shared between processes; revoke sessions in the host's session store in production",
    )
  }

  /** Starts a session for the user and returns its id (a random UUID). */
  createSession(tenant: string, userId: string): string {
    checkTenant(tenant)
    if (typeof userId !== 'string') throw configError('ERR_INVALID_ARGUMENT', 'userId must be a string')
    const id = randomUUID()
    this.#sessions.set(id, { tenant, userId })
    let users = this.#byUser.get(tenant)
    if (!users) {
      users = new Map()
      this.#byUser.set(tenant, users)
    }
    let sessions = users.get(userId)
    if (!sessions) {
      sessions = new Set()
      users.set(userId, sessions)
    }
    sessions.add(id)
    return id
  }

  /** True while the session exists: false once revoked or ended, and for ids never issued. */
  isSessionActive(sessionId: string): boolean {
    return this.#sessions.has(sessionId)
  }

  /** The owner of an active session, or undefined. */
  sessionOwner(sessionId: string): MemorySessionOwner | undefined {
    const owner = this.#sessions.get(sessionId)
    return owner ? { tenant: owner.tenant, userId: owner.userId } : undefined
  }

  /** Ends one session (a sign-out); true when it was active. */
  endSession(sessionId: string): boolean {
    const owner = this.#sessions.get(sessionId)
    if (!owner) return false
    this.#sessions.delete(sessionId)
    const users = this.#byUser.get(owner.tenant)
    const sessions = users?.get(owner.userId)
    sessions?.delete(sessionId)
    if (users && sessions && sessions.size === 0) users.delete(owner.userId)
    return true
  }

  /** Ends every session of the user in the context's tenant and records the revocation. Idempotent. */
  revokeUserSessions(userId: string, reason: RevocationReason, context: RequestContext): void {
    const tenant = tenantOf(context)
    const users = this.#byUser.get(tenant)
    const sessions = users?.get(userId)
    let ended = 0
    if (users && sessions) {
      for (const id of sessions) if (this.#sessions.delete(id)) ended += 1
      users.delete(userId)
    }
    let logs = this.#revocations.get(tenant)
    if (!logs) {
      logs = new Map()
      this.#revocations.set(tenant, logs)
    }
    const last: MemorySessionRevocation = {
      reason,
      at: new Date(),
      sessionsEnded: ended,
      requestId: String(context.requestId),
    }
    const log = logs.get(userId)
    if (log) {
      log.count += 1
      log.last = last
    } else {
      logs.set(userId, { count: 1, last })
    }
  }

  /** How many times the router revoked the user's sessions (retries included). */
  revocationCount(tenant: string, userId: string): number {
    return this.#revocations.get(checkTenant(tenant))?.get(userId)?.count ?? 0
  }

  /** The last revocation of the user's sessions, or undefined when there was none. */
  lastRevocation(tenant: string, userId: string): MemorySessionRevocation | undefined {
    const last = this.#revocations.get(checkTenant(tenant))?.get(userId)?.last
    return last ? { ...last, at: new Date(last.at.getTime()) } : undefined
  }

  /** The ids of the user's active sessions, oldest first. */
  sessionsOf(tenant: string, userId: string): string[] {
    return [...(this.#byUser.get(checkTenant(tenant))?.get(userId) ?? [])]
  }
}
