// The store gateway: the host's stores wrapped once at construction, and the only code that calls host methods (result checks, error mapping, a request-scoped memo of reads, the tracing seam).
import type {
  GrantStore,
  RequestContext,
  RevocationReason,
  SessionRevoker,
  StoredUser,
  TeamStore,
  UserStore,
} from '../../types/stores'
import { brokenStore, hostCall, type StoreCallTracer } from './call'
import { RequestGrants } from './grants'
import { RequestTeams } from './teams'
import { RequestUsers, revokeUserSessions } from './users'

export type { StoreCallTracer } from './call'
export { UNTRACED } from './call'
export type { RequestGrants } from './grants'
export type { RequestTeams } from './teams'
export type { RequestUsers } from './users'

/** What the gateway wraps: the router's checked options. */
export interface GatewayStores {
  readonly userStore: UserStore
  readonly teamStore?: TeamStore
  readonly roleStore?: GrantStore
  readonly entitlementStore?: GrantStore
  readonly sessionRevoker: SessionRevoker
  readonly isProtectedUser?: (user: StoredUser, context: RequestContext) => boolean | Promise<boolean>
  readonly resolveMe?: (
    context: RequestContext,
  ) => string | undefined | null | Promise<string | undefined | null>
}

/** The host's stores for one request: bound to its context and its trace. */
export interface RequestStores {
  readonly users: RequestUsers
  /** Undefined when the router serves no groups. */
  readonly teams: RequestTeams | undefined
  /** The host's roles (`roleStore`); undefined when it declares none. */
  readonly roles: RequestGrants | undefined
  /** The host's entitlements (`entitlementStore`); undefined when it declares none. */
  readonly entitlements: RequestGrants | undefined
  /** Ends every session of a user (the SessionRevoker). */
  revokeUserSessions(userId: string, reason: RevocationReason): Promise<void>
  /** The host's `isProtectedUser` verdict: false without the hook; with it, true (protected) unless it says false. */
  isProtectedUser(user: StoredUser): Promise<boolean>
  /** Counts one compare-and-swap retry on the trace. */
  retried(resourceType: 'User' | 'Group'): void
  /** The host's `resolveMe` answer: the principal's user id, or undefined when it is none. */
  resolveMe(): Promise<string | undefined>
  /**
   * The same stores, context and trace with nothing remembered: each operation of a /Bulk request
   * gets its own, as if it were a request of its own.
   */
  forOperation(): RequestStores
}

/** The gateway: built once per router, asked once per request. */
export interface StoreGateway {
  /** The stores as one request sees them. */
  forRequest(context: RequestContext, tracer: StoreCallTracer): RequestStores
}

/**
 * One request's stores. Built per request with nothing but references; the user and team views (and
 * their memos) are made on first use, so a request that reads no store (discovery) allocates none.
 */
class BoundStores implements RequestStores {
  #users: RequestUsers | undefined
  #teams: RequestTeams | undefined
  #roles: RequestGrants | undefined
  #entitlements: RequestGrants | undefined

  constructor(
    private readonly stores: GatewayStores,
    private readonly context: RequestContext,
    private readonly tracer: StoreCallTracer,
  ) {}

  get users(): RequestUsers {
    this.#users ??= new RequestUsers(this.stores.userStore, this.context, this.tracer)
    return this.#users
  }

  get teams(): RequestTeams | undefined {
    const store = this.stores.teamStore
    if (store) this.#teams ??= new RequestTeams(store, this.context, this.tracer)
    return this.#teams
  }

  get roles(): RequestGrants | undefined {
    const store = this.stores.roleStore
    if (store) this.#roles ??= new RequestGrants(store, 'roleStore', this.context, this.tracer)
    return this.#roles
  }

  get entitlements(): RequestGrants | undefined {
    const store = this.stores.entitlementStore
    if (store) this.#entitlements ??= new RequestGrants(store, 'entitlementStore', this.context, this.tracer)
    return this.#entitlements
  }

  revokeUserSessions(userId: string, reason: RevocationReason): Promise<void> {
    return revokeUserSessions(this.stores.sessionRevoker, this.tracer, this.context, userId, reason)
  }

  async isProtectedUser(user: StoredUser): Promise<boolean> {
    const verdict = this.stores.isProtectedUser
    if (!verdict) return false
    const { context } = this
    // Fail closed: only an explicit false lets the user be adopted.
    return (
      (await hostCall(this.tracer, 'isProtectedUser', context.requestId, () => verdict(user, context))) !==
      false
    )
  }

  retried(resourceType: 'User' | 'Group'): void {
    this.tracer.retried(resourceType)
  }

  forOperation(): RequestStores {
    return new BoundStores(this.stores, this.context, this.tracer)
  }

  async resolveMe(): Promise<string | undefined> {
    const resolve = this.stores.resolveMe
    if (!resolve) return undefined
    const { context } = this
    const id = await hostCall(this.tracer, 'resolveMe', context.requestId, () => resolve(context))
    if (id === undefined || id === null) return undefined
    // A broken hook is the host's fault: a bare 500, never a request on some other resource.
    if (typeof id !== 'string' || id === '')
      throw brokenStore('resolveMe', 'a user id (a non-empty string), undefined or null')
    return id
  }
}

/** Wraps the host's stores. Nothing is shared between two gateways, nor between two requests. */
export function createStoreGateway(stores: GatewayStores): StoreGateway {
  return { forRequest: (context, tracer) => new BoundStores(stores, context, tracer) }
}
