// The store gateway: the host's stores wrapped once at construction, and the only code that calls host methods (result checks, error mapping, a request-scoped memo of reads, the tracing seam).
import type {
  RequestContext,
  RevocationReason,
  SessionRevoker,
  StoredUser,
  TeamStore,
  UserStore,
} from '../../types/stores'
import { hostCall, type StoreCallTracer } from './call'
import { RequestTeams } from './teams'
import { RequestUsers, revokeUserSessions } from './users'

export type { StoreCallTracer } from './call'
export { UNTRACED } from './call'
export type { RequestTeams } from './teams'
export type { RequestUsers } from './users'

/** What the gateway wraps: the router's checked options. */
export interface GatewayStores {
  readonly userStore: UserStore
  readonly teamStore?: TeamStore
  readonly sessionRevoker: SessionRevoker
  readonly isProtectedUser?: (user: StoredUser, context: RequestContext) => boolean | Promise<boolean>
}

/** The host's stores for one request: bound to its context and its trace. */
export interface RequestStores {
  readonly users: RequestUsers
  /** Undefined when the router serves no groups. */
  readonly teams: RequestTeams | undefined
  /** Ends every session of a user (the SessionRevoker). */
  revokeUserSessions(userId: string, reason: RevocationReason): Promise<void>
  /** The host's `isProtectedUser` verdict: false without the hook; with it, true (protected) unless it says false. */
  isProtectedUser(user: StoredUser): Promise<boolean>
  /** Counts one compare-and-swap retry on the trace. */
  retried(resourceType: 'User' | 'Group'): void
}

/** The gateway: built once per router, asked once per request. */
export interface StoreGateway {
  /** The stores as one request sees them. */
  forRequest(context: RequestContext, tracer: StoreCallTracer): RequestStores
}

/** Wraps the host's stores. Nothing is shared between two gateways, nor between two requests. */
export function createStoreGateway(stores: GatewayStores): StoreGateway {
  return {
    forRequest(context, tracer) {
      const users = new RequestUsers(stores.userStore, context, tracer)
      const teams = stores.teamStore ? new RequestTeams(stores.teamStore, context, tracer) : undefined
      return {
        users,
        teams,
        revokeUserSessions: (userId, reason) =>
          revokeUserSessions(stores.sessionRevoker, tracer, context, userId, reason),
        isProtectedUser: async (user) => {
          const verdict = stores.isProtectedUser
          if (!verdict) return false
          // Fail closed: only an explicit false lets the user be adopted.
          return (
            (await hostCall(tracer, 'isProtectedUser', context.requestId, () => verdict(user, context))) !==
            false
          )
        },
        retried: (resourceType) => tracer.retried(resourceType),
      }
    },
  }
}
