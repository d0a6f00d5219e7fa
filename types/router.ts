// Public contracts of createScimRouter(): its options, the per-tenant settings, and the audit events it emits.
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { FilterLimits } from './filter'
import type { UnmatchedFilterPolicy } from './patch'
import type { SchemaExtensionOptions } from './schema'
import type {
  Awaitable,
  GrantStore,
  Principal,
  RequestContext,
  SessionRevoker,
  StoredUser,
  TeamStore,
  UserStore,
} from './stores'
import type { TelemetryOptions } from './telemetry'

/** Grafana's `[auth.scim]` switches. Each defaults to false, as in Grafana. */
export interface SyncSettings {
  /** Lets the IdP create, update and delete users (Grafana `user_sync_enabled`). Off: user writes are 403. */
  readonly userSyncEnabled?: boolean
  /** Lets the IdP manage teams from groups (Grafana `group_sync_enabled`). Off: group writes are 403. */
  readonly groupSyncEnabled?: boolean
  /** Non-provisioned users may not sign in (Grafana `reject_non_provisioned_users`); read by the SAML helper. */
  readonly rejectNonProvisionedUsers?: boolean
  /** The host's own team sync is on. It cannot run together with group sync: both -> `TypeError`. */
  readonly teamSyncEnabled?: boolean
}

/**
 * Per-tenant settings read on every request (dynamic configuration). Whatever it returns replaces the
 * static switches for that request; when it throws or returns nonsense, the request fails closed (503).
 */
export type SettingsProvider = (tenant: string, principal: Principal) => Awaitable<SyncSettings>

/** Reads the request's credentials and answers the principal, or nothing (401). */
export type Authenticate = (request: IncomingMessage) => Awaitable<Principal | undefined | null>

/** The authentication scheme `/ServiceProviderConfig` advertises. RFC 7643 §5. */
export interface AuthenticationScheme {
  /** `oauthbearertoken`, `httpbasic`, ... */
  readonly type: string
  /** Human-readable name. */
  readonly name: string
  /** Human-readable description. */
  readonly description: string
  /** The scheme's specification. */
  readonly specUri?: string
  /** Where the host documents how to get credentials. */
  readonly documentationUri?: string
  /** True when this is the preferred scheme. */
  readonly primary?: boolean
}

/** Options of `createScimRouter()`. Checked once, at construction: a bad option throws a `TypeError`. */
export interface ScimRouterOptions extends SyncSettings {
  /** The host's users. Required. */
  readonly userStore: UserStore
  /** The host's teams. Without it `/Groups` is not served and discovery leaves the Group type out. */
  readonly teamStore?: TeamStore
  /**
   * The roles the host grants (Grafana: Viewer, Editor, Admin and custom roles). With it, `/Roles` serves
   * them (read-only, filterable, paged), discovery lists the Role type and schema, and every user write
   * that changes `roles` is checked against it: a value it does not know is 400 `invalidValue`,
   * granting a protected role is 400 `mutability`, and a protected role the user holds is kept. The store receives the values as
   * `UserFields.roles`. Without it, `roles` is stored and returned as sent, and grants nothing.
   */
  readonly roleStore?: GrantStore
  /** The entitlements the host grants (licences, features), served at `/Entitlements`; as `roleStore` for `entitlements`. */
  readonly entitlementStore?: GrantStore
  /**
   * Which schema URNs the Role and Entitlement resource types carry: `ietf` (default,
   * `urn:ietf:params:scim:schemas:core:2.0:Role`, draft-ietf-scim-roles-entitlements) or `okta`
   * (`urn:okta:scim:schemas:core:1.0:Role`), which Okta Identity Governance needs to discover them.
   */
  readonly grantSchemas?: 'ietf' | 'okta'
  /** Logs users out everywhere on deactivation and deletion. Required. */
  readonly sessionRevoker: SessionRevoker
  /**
   * Credentials -> principal. Required; `staticTokens([...])` builds one from a list of bearer tokens.
   * Undefined answers 401. A 503 `ScimError` it throws (its token store is unavailable; `withSqlErrors`
   * from `express-scim/sql` makes one) answers 503 with its `Retry-After`; anything else it throws is
   * an opaque 500.
   */
  readonly authenticate: Authenticate
  /** Per-tenant switches, read on every request; overrides the static ones. */
  readonly settings?: SettingsProvider
  /** Host extension schemas (e.g. a `urn:acme:...:User` schema), served by `/Schemas` and validated. */
  readonly extensions?: readonly SchemaExtensionOptions[]
  /**
   * Absolute URL of the SCIM root (`https://grafana.example.com/scim`) for `meta.location` and `Location`.
   * Default: built from the request (protocol, host and mount path, honouring Express's `trust proxy`).
   */
  readonly baseUrl?: string
  /** Page size when the client gives no `count` (default 100). */
  readonly defaultCount?: number
  /** Largest page served; a larger `count` is capped (default 1000). Advertised as `filter.maxResults`. */
  readonly maxResults?: number
  /** Largest request body, in bytes or as `'1mb'` (default `'1mb'`); larger is 413. Advertised. */
  readonly bodyLimit?: number | string
  /** Length, depth and term limits of filters (defaults: `DEFAULT_FILTER_LIMITS`). */
  readonly filterLimits?: Partial<FilterLimits>
  /** Most operations in one PATCH (default 1000); more is 400 `tooMany`. */
  readonly maxOperations?: number
  /**
   * Most tests the value filters (`emails[type eq "work"]`) of one PATCH may make, summed over its
   * operations (default 20,000): one comparison term against one element, counted once per 256 bytes of
   * the element; more is 400 `tooMany`, before the work. Filters of `sub eq "value"` terms, the shapes
   * IdPs send, test only the elements an index finds, so real requests make a handful.
   */
  readonly maxValueFilterTests?: number
  /**
   * Most values in one multi-valued attribute of a stored resource (`emails`, `roles`, an extension's
   * lists; default 1000). Group `members` are not stored in the document and are not limited. A POST,
   * PUT or PATCH that would store more is 400 `invalidValue` naming the attribute, and writes nothing.
   */
  readonly maxValuesPerAttribute?: number
  /**
   * Most bytes of one stored resource, as UTF-8 JSON without group members, in bytes or as `'64kb'`
   * (default `'64kb'`: a full Entra user is about 3 KB). A write that would store more is 413 and writes
   * nothing.
   */
  readonly maxResourceBytes?: number | string
  /**
   * Most bytes of resources in one list or search response, in bytes or as `'2mb'` (default `'2mb'`).
   * A page stops before the resource that would pass it (it always holds at least one), and
   * `itemsPerPage` says how many it holds: the client pages on from `startIndex + itemsPerPage`
   * (RFC 7644 §3.4.2.4 lets a page hold fewer than `count`).
   */
  readonly maxResponseBytes?: number | string
  /** `lenient` (default) reads Entra's and Okta's dialects; `strict` reads RFC 7644 only. */
  readonly dialect?: 'lenient' | 'strict'
  /** What a PATCH operation whose value filter matches nothing does. */
  readonly unmatchedFilter?: UnmatchedFilterPolicy
  /**
   * What `DELETE /Users/:id` does after revoking sessions and removing memberships: `delete` (default)
   * deletes the user; `disable` keeps it disabled and hidden (Grafana keeps provisioned users).
   */
  readonly userDeletion?: 'delete' | 'disable'
  /**
   * How many times a PUT or PATCH re-reads and retries a field write after losing a compare-and-swap
   * race (default 5), waiting a random 0..4 ms before the first retry, the ceiling doubling per retry up
   * to 100 ms; then 503 with `Retry-After`. Member-only group changes take no version and never retry.
   */
  readonly maxPatchRetries?: number
  /** The authentication schemes discovery advertises (default: one bearer token scheme). */
  readonly authenticationSchemes?: readonly AuthenticationScheme[]
  /** A page on the host's SCIM set-up, advertised as `documentationUri`. */
  readonly documentationUri?: string
  /**
   * Lets a SCIM create adopt a user the host created itself (a JIT or local user) whose userName or
   * email it matches, instead of answering 409 `uniqueness` (default false). Only a user that is not
   * provisioned, is not bound to another externalId and that `isProtectedUser` does not protect is
   * adopted; each adoption emits `user.adopted`. Needs `userStore.findByUserNameOrEmail`.
   */
  readonly adoptLocalUsers?: boolean
  /**
   * Required with `adoptLocalUsers`: the local users that must never be adopted (administrators,
   * service accounts). Return false to allow adoption; anything else protects the user, and a throw
   * fails the POST with a 500 and adopts nothing.
   */
  readonly isProtectedUser?: (user: StoredUser, context: RequestContext) => Awaitable<boolean>
  /**
   * Serves `/Me` (RFC 7644 §3.11): the id of the user the authenticated principal is, or undefined /
   * null when it is none (an IdP's provisioning token usually is none: 404). With it, GET, PUT, PATCH
   * and DELETE on `/Me` are the same operations as on `/Users/{id}`, with the same rules (sync switches,
   * versions, session revocation), and every answer carries that user's `Location`; POST stays 501.
   * Without it, `/Me` answers 501. A throw fails the request with a 500 that says nothing. Mark the
   * principals it maps `selfService: true` in `authenticate`: otherwise they are provisioning clients
   * and reach every user through `/Users` too.
   */
  readonly resolveMe?: (context: RequestContext) => Awaitable<string | undefined | null>
  /**
   * `/Bulk` (RFC 7644 §3.7) and its limits, advertised in `/ServiceProviderConfig`; `false` turns it off
   * (501). Default: on, with `{ maxOperations: 1000, maxPayloadSize: '1mb' }`. Each operation runs as
   * the same request sent alone would, with every rule and limit of that request.
   */
  readonly bulk?: BulkOptions | false
  /**
   * Cursor paging (RFC 9865) of `/Users` and `/Groups` whose store has `listAfter`: `cursor` and `count`
   * in, `nextCursor` out, advertised in `/ServiceProviderConfig` as `pagination`. Cursors are signed
   * with `secret` (at least 32 bytes; give every replica the same one, or a cursor is good only on the
   * replica that issued it) and expire after `timeout` seconds (default 3600). `true`: a random secret
   * of this router alone, for a single process. Default: off (`cursor` is 400 `invalidCursor`).
   */
  readonly cursorPaging?: boolean | CursorPagingOptions
  /** Receives one event per change. Errors it throws are logged and ignored. */
  readonly onEvent?: (event: ScimEvent) => void | Promise<void>
  /**
   * Where OpenTelemetry spans and metrics go (docs/tracing.md). Default: the global providers when the
   * optional peer `@opentelemetry/api` is installed, else nothing is recorded, at no cost. `false`: off.
   */
  readonly telemetry?: TelemetryOptions | false
}

/** The `cursorPaging` option's settings (RFC 9865). */
export interface CursorPagingOptions {
  /**
   * The key that signs cursors, at least 32 bytes (a string is read as UTF-8). Required: the same on
   * every replica behind one URL (`cursorPaging: true` makes a random one, for a single process). A new
   * one invalidates the cursors in flight (400 `invalidCursor`, and the client starts over).
   */
  readonly secret: string | Uint8Array
  /** Seconds a cursor stays valid (default 3600), advertised as `pagination.cursorTimeout`; older is 400 `expiredCursor`. */
  readonly timeout?: number
}

/** The limits of `/Bulk` requests (RFC 7644 §3.7); both are advertised in `/ServiceProviderConfig`. */
export interface BulkOptions {
  /** Most operations in one bulk request (default 1000); more is 413 and none of them runs. */
  readonly maxOperations?: number
  /**
   * Most bytes of one bulk request body, in bytes or as `'1mb'` (default `'1mb'`); more is 413 before
   * the body is read. It replaces `bodyLimit` for `/Bulk` only.
   */
  readonly maxPayloadSize?: number | string
}

/**
 * The request handler `createScimRouter()` returns: mount it with `app.use('/scim', router)` under
 * Express 4 or 5. It answers every request it is given, errors and unknown paths included, in SCIM form
 * and never calls `next()`: nothing mounted after it under the same path is reached.
 */
export interface ScimRouter {
  /** Starts answering the request and returns at once; the response is written when the work is done. */
  (request: IncomingMessage, response: ServerResponse): void
}

/** What every event carries. */
export interface ScimEventBase {
  /** The tenant the change happened in. */
  readonly tenant: string
  /** The principal's `id` (the IdP connection), when it has one. */
  readonly actor?: string
  /** The request that made the change. */
  readonly requestId: string
  /** When the change happened, as an ISO 8601 instant. */
  readonly time: string
  /** The changed resource's SCIM id. */
  readonly resourceId: string
}

/** A user was created. */
export interface UserCreatedEvent extends ScimEventBase {
  readonly type: 'user.created'
  /** The new user's userName. */
  readonly userName: string
  /** The new user's externalId. */
  readonly externalId?: string
  /** Always false: an email the IdP sends is not verified; never treat it as proof of ownership. */
  readonly emailVerified: false
}

/**
 * A SCIM create adopted a user the host had created itself (`adoptLocalUsers`): the user is now
 * provisioned and carries the POST's fields. An audit trail of every adoption.
 */
export interface UserAdoptedEvent extends ScimEventBase {
  readonly type: 'user.adopted'
  /** The userName the user has now. */
  readonly userName: string
  /** The externalId the user is now bound to. */
  readonly externalId?: string
  /** Which of the POST's values matched the local user. */
  readonly matchedOn: readonly ('userName' | 'emails')[]
  /** Always false: the adopted user's email now comes from the IdP and is not verified. */
  readonly emailVerified: false
}

/** A user's attributes changed (PUT or PATCH). */
export interface UserUpdatedEvent extends ScimEventBase {
  readonly type: 'user.updated'
  /** Top-level attributes that changed (never their values). */
  readonly changedAttributes: readonly string[]
  /** True when the primary email changed: a SCIM email is not a verified email. */
  readonly emailChanged: boolean
  /** Always false: the email, changed or not, came from the IdP and is not verified. */
  readonly emailVerified: false
}

/** A user went from active to inactive. */
export interface UserDeactivatedEvent extends ScimEventBase {
  readonly type: 'user.deactivated'
}

/** A user went from inactive to active. */
export interface UserReactivatedEvent extends ScimEventBase {
  readonly type: 'user.reactivated'
}

/** A user was deleted (or, with `userDeletion: 'disable'`, disabled and hidden). */
export interface UserDeletedEvent extends ScimEventBase {
  readonly type: 'user.deleted'
  /** `delete` or `disable`: what the router did. */
  readonly mode: 'delete' | 'disable'
}

/** Every session of a user was revoked. */
export interface SessionsRevokedEvent extends ScimEventBase {
  readonly type: 'user.sessionsRevoked'
  /** Why. */
  readonly reason: 'deactivated' | 'deleted'
}

/** A team was created from a group. */
export interface GroupCreatedEvent extends ScimEventBase {
  readonly type: 'group.created'
  /** The team's name. */
  readonly displayName: string
  /** How many members it was created with. */
  readonly memberCount: number
}

/** A team was renamed. */
export interface GroupRenamedEvent extends ScimEventBase {
  readonly type: 'group.renamed'
  /** The old name. */
  readonly from: string
  /** The new name. */
  readonly to: string
}

/** A team's other attributes (externalId, extensions) changed. */
export interface GroupUpdatedEvent extends ScimEventBase {
  readonly type: 'group.updated'
  /** Top-level attributes that changed. */
  readonly changedAttributes: readonly string[]
}

/** A team was deleted. */
export interface GroupDeletedEvent extends ScimEventBase {
  readonly type: 'group.deleted'
}

/** Members were added to a team. */
export interface MembersAddedEvent extends ScimEventBase {
  readonly type: 'group.membersAdded'
  /** The added user ids. */
  readonly userIds: readonly string[]
}

/** Members were removed from a team. */
export interface MembersRemovedEvent extends ScimEventBase {
  readonly type: 'group.membersRemoved'
  /** The removed user ids. */
  readonly userIds: readonly string[]
}

/** A team's member list was replaced as a whole (PUT, or a PATCH replace of `members`). */
export interface MembersReplacedEvent extends ScimEventBase {
  readonly type: 'group.membersReplaced'
  /** How many members the team has now. */
  readonly memberCount: number
}

/** One audit event per change, tagged by `type`. */
export type ScimEvent =
  | UserCreatedEvent
  | UserAdoptedEvent
  | UserUpdatedEvent
  | UserDeactivatedEvent
  | UserReactivatedEvent
  | UserDeletedEvent
  | SessionsRevokedEvent
  | GroupCreatedEvent
  | GroupRenamedEvent
  | GroupUpdatedEvent
  | GroupDeletedEvent
  | MembersAddedEvent
  | MembersRemovedEvent
  | MembersReplacedEvent
