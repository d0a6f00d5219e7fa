// What a host gives the contract suites: the setup each test runs, the options, and test contexts.
import type { Awaitable, RequestContext, StoredUser, TeamStore, UserStore } from '../../types/stores'
import type { ContractRunner } from './runner'

/** A request context for tests: the tenant, a principal of that tenant, and a request id. */
export function createTestContext(tenant: string, requestId = 'contract-test'): RequestContext {
  return { tenant, principal: { tenant, id: 'contract-test' }, requestId }
}

/** What the `describeUserStoreContract` setup returns, before each test. */
export interface UserStoreContractSetup {
  /** The store under test, empty (at least in both contexts' tenants). */
  readonly store: UserStore
  /** The context of every call. Defaults to tenant `contract-tenant`. */
  readonly context?: RequestContext
  /** A context of another tenant, for the isolation tests. Defaults to tenant `<context.tenant>:other`. */
  readonly otherTenantContext?: RequestContext
  /** Runs after each test (close a pool, drop a schema). */
  readonly teardown?: () => Awaitable<void>
  /**
   * Creates a local user (`provisioned: false`) in the context's tenant, the way the host's own sign-up
   * or JIT login does. When given, the suite also checks that SCIM cannot see local users, that their
   * names and emails still count for uniqueness, and adoption (`update` with `provisioned: true`).
   */
  readonly addLocalUser?: (user: LocalUserSpec, context: RequestContext) => Awaitable<StoredUser>
}

/** A local user for `UserStoreContractSetup.addLocalUser`. */
export interface LocalUserSpec {
  /** The login. */
  readonly userName: string
  /** The email, when the test gives one. */
  readonly email?: string
  /** An external uid, when the test gives one. */
  readonly externalId?: string
  /** Always true in the suite. */
  readonly active: boolean
}

/** What the team suite asks of its setup: how many users must exist in the context's tenant. */
export interface TeamStoreContractNeeds {
  /** The least number of ids `TeamStoreContractSetup.users` must hold. */
  readonly userCount: number
}

/** What the `describeTeamStoreContract` setup returns, before each test. */
export interface TeamStoreContractSetup {
  /** The store under test, with no teams (at least in both contexts' tenants). */
  readonly store: TeamStore
  /**
   * Ids of users of the context's tenant, at least `needs.userCount` of them, distinct: the member ids
   * the tests use. Create them in the setup (through the host's UserStore or directly).
   */
  readonly users: readonly string[]
  /** The context of every call. Defaults to tenant `contract-tenant`. */
  readonly context?: RequestContext
  /** A context of another tenant, for the isolation tests. Defaults to tenant `<context.tenant>:other`. */
  readonly otherTenantContext?: RequestContext
  /** Runs after each test. */
  readonly teardown?: () => Awaitable<void>
}

/** Options of both contract suites. */
export interface StoreContractOptions {
  /**
   * False for a single-tenant store that ignores `context.tenant`: the tenant isolation tests are then
   * skipped. Default true.
   */
  readonly tenantIsolation?: boolean
  /**
   * `'shared'` (the default): the user suite checks that login and email are one namespace (a userName
   * equal to another user's email, or an email equal to another's userName, is 409 `uniqueness`).
   * `'separate'`, for a store whose host never signs in by email: it checks that they do not collide.
   */
  readonly userNameEmailNamespace?: 'shared' | 'separate'
  /**
   * True for a user store that models roles and entitlements itself (`UserFields.roles` kept in its
   * own table, `StoredUser.roles` on every read): the user suite then checks that it keeps them as the
   * router writes them. Default false (a store that keeps the SCIM document, as the memory store does).
   */
  readonly modelsGrants?: boolean
  /**
   * The test runner's functions. Default: the runner's globals (`describe`, `it` or `test`,
   * `beforeEach`, `afterEach`, as Jest and Vitest with `globals: true` provide them), else `node:test`.
   * Pass them under Vitest without globals: `{ runner: { describe, it, beforeEach, afterEach } }`.
   */
  readonly runner?: ContractRunner
}

/** How many user ids the team suite needs: enough to page members and to keep some out of a team. */
export const TEAM_CONTRACT_USER_COUNT = 6

const DEFAULT_TENANT = 'contract-tenant'

/** The two contexts of a test: the setup's, or two tenants of our own. */
export function resolveContexts(
  setup: { readonly context?: RequestContext; readonly otherTenantContext?: RequestContext },
  options: StoreContractOptions,
): { context: RequestContext; other: RequestContext } {
  const context = setup.context ?? createTestContext(DEFAULT_TENANT)
  const other = setup.otherTenantContext ?? createTestContext(`${context.tenant}:other`)
  if (options.tenantIsolation !== false && other.tenant === context.tenant) {
    throw new Error('otherTenantContext must name another tenant than context')
  }
  return { context, other }
}
