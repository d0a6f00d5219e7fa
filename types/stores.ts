// Public contracts between the router and the host: the request context and the UserStore, TeamStore and SessionRevoker adapters.
import type { AttributePath, Filter } from './filter'
import type { MemberChanges, MemberReference } from './patch'

/** A value, or a promise of one: every store method may answer either way. */
export type Awaitable<T> = T | Promise<T>

/**
 * Who is calling: what `authenticate(req)` returned for the request's credentials. A principal belongs
 * to exactly one tenant; every store call of the request is scoped to it.
 */
export interface Principal {
  /** The tenant (organisation) the credentials belong to. A single-tenant host uses one constant. */
  readonly tenant: string
  /** A stable name for the credentials (`entra-prod`, a token id), reported as the actor of events. */
  readonly id?: string
  /**
   * True when the credentials stand for one user (a user's own token) rather than a provisioning
   * client: the router then serves it `/Me` and the discovery endpoints only, and answers 403 on every
   * other endpoint (unknown paths stay 404). Any value but `undefined` or `false` counts as true.
   */
  readonly selfService?: boolean
  /** Anything else the host wants to carry (scopes, the token's record). Never logged by the library. */
  readonly [key: string]: unknown
}

/** What every store call receives as its last argument. */
export interface RequestContext {
  /** The principal's tenant: a store reads and writes only this tenant's data. */
  readonly tenant: string
  /** The authenticated principal. */
  readonly principal: Principal
  /** The request id: the `X-Request-Id` header when it is sane, else one the router generates (a random 48-bit prefix per router and a counter). */
  readonly requestId: string
}

/**
 * A SCIM resource body as JSON: `schemas` and attributes, without `id` and `meta` (the store owns those).
 * Read-only at every depth: the router may share its values with the response it builds, so a store
 * that keeps the object in memory copies it (the memory stores copy and freeze it) and never edits it.
 */
export type ScimDocument = Readonly<Record<string, unknown>>

/**
 * The user fields the router writes. The named fields are the ones a host models (Grafana's login,
 * email, name, disabled flag and external uid); `document` is the whole SCIM body, for a store that keeps
 * it to round-trip the attributes the host does not model.
 */
export interface UserFields {
  /**
   * SCIM `userName`, unique per tenant case-insensitively (the host's login). The router has checked it
   * against the identifier policy (RFC 8265 UsernameCasePreserved: NFC, no control, format or space
   * characters, no fullwidth forms, not empty) whenever the request set or changed it.
   */
  readonly userName: string
  /**
   * SCIM `externalId`: the IdP's opaque, case-sensitive identifier, unique per tenant. Never parse it,
   * never compare it with `id`, a login or an email (CVE-2025-41115).
   */
  readonly externalId?: string
  /** SCIM `displayName` (the host's display name). */
  readonly displayName?: string
  /** The primary email: the `primary` element of `emails`, else the `work` one, else the first. */
  readonly email?: string
  /** False when the user is disabled. A disabled user may not sign in. */
  readonly active: boolean
  /**
   * The SCIM body the IdP sent (canonical attribute names, read-only and write-only attributes removed).
   * Optional to persist: the router overlays the named fields on it when it answers.
   */
  readonly document: ScimDocument
  /** The password, only when the IdP sent one. Write-only (RFC 7643 §4.1.1): hash it, never return it. */
  readonly password?: string
  /**
   * True when SCIM deleted the user and the router runs with `userDeletion: 'disable'`: the host keeps
   * the user, disabled, and `list` must leave it out (the router answers 404 for it). A hidden user
   * holds no `userName`, `externalId` or email: a new user may take them (RFC 7644 §3.6).
   */
  readonly hidden?: boolean
  /**
   * Set (to true) only when the router adopts a local user (`adoptLocalUsers`): from this write on, the
   * user is provisioned. Absent on every other write, and the store keeps the mark as it is.
   */
  readonly provisioned?: true
  /**
   * The roles the user holds: the `value` of each `roles` element, each a role of the router's
   * `roleStore`, without duplicates, in the order sent. Present only when the router has a `roleStore`
   * (without one, `roles` stays in `document` and grants nothing). A store that models roles keeps them
   * and returns them as `StoredUser.roles`.
   */
  readonly roles?: readonly string[]
  /** The entitlements the user holds, as `roles` are, against the router's `entitlementStore`. */
  readonly entitlements?: readonly string[]
}

/** A new user: its fields and the provisioning mark. */
export interface NewUser extends UserFields {
  /** Always true for users the router creates: the SAML linking reads it. */
  readonly provisioned: true
}

/** A user as the store returns it. */
export interface StoredUser {
  /** The user's SCIM id: stable, unique, assigned by the store (a UUID or the host's primary key). */
  readonly id: string
  /** The current version, changed by every write. The router serves it as `meta.version` and the ETag. */
  readonly version: string
  /** When the user was created. */
  readonly created: Date | string
  /** When the user last changed. */
  readonly lastModified: Date | string
  /** True when SCIM created (or adopted) the user; false for users the host created locally. */
  readonly provisioned: boolean
  /** See `UserFields.userName`. */
  readonly userName: string
  /** See `UserFields.externalId`. */
  readonly externalId?: string
  /** See `UserFields.displayName`. */
  readonly displayName?: string
  /** See `UserFields.email`. Unique per tenant, case-insensitively, among users that are not hidden. */
  readonly email?: string
  /** See `UserFields.active`. */
  readonly active: boolean
  /** See `UserFields.hidden`. */
  readonly hidden?: boolean
  /** The last SCIM body written, when the store keeps it. */
  readonly document?: ScimDocument
  /**
   * The roles the user holds, when the store models them (see `UserFields.roles`): the router then
   * answers exactly these in `roles` (each with the `display`, `type` and `primary` the document has
   * for it), so a role the host grants or revokes itself shows as it is. Absent: the document's `roles`.
   */
  readonly roles?: readonly string[]
  /** The entitlements the user holds, when the store models them, as `roles`. */
  readonly entitlements?: readonly string[]
}

/** The order of a sorted list. RFC 7644 §3.4.2.3. */
export type SortOrder = 'ascending' | 'descending'

/** A list request as a store receives it: filter, sort and one page. */
export interface ListQuery {
  /**
   * The parsed filter (RFC 7644 §3.4.2.2), already checked against the schema. Evaluate it with
   * `compileFilter()` or push it down with `createSqlFilterCompiler()`; absent when every resource matches.
   */
  readonly filter?: Filter
  /** The attribute to sort by, when the client asked (RFC 7644 §3.4.2.3). */
  readonly sortBy?: AttributePath
  /** The sort order; `ascending` unless the client said otherwise. */
  readonly sortOrder: SortOrder
  /** 1-based index of the first resource of the page (RFC 7644 §3.4.2.4). */
  readonly startIndex: number
  /** Most resources in the page; 0 asks for `totalResults` only. */
  readonly count: number
}

/**
 * One page after a position, for cursor paging (RFC 9865): what `listAfter` receives. The router keeps
 * the cursor; the store sees only positions it made itself (the router signs what it hands out).
 */
export interface KeysetQuery {
  /** The parsed filter, as in `ListQuery`. */
  readonly filter?: Filter
  /** The attribute to sort by, as in `ListQuery`. */
  readonly sortBy?: AttributePath
  /** The sort order; `ascending` unless the client said otherwise. */
  readonly sortOrder: SortOrder
  /**
   * Where the page starts: right after the resource this position names, an entry of `positions` of an
   * earlier page of the same query; absent for the first page. The resource may be gone by now: the
   * page starts where it would be.
   */
  readonly after?: string
  /** Most resources in the page; 0 asks for `totalResults` only. */
  readonly count: number
}

/** One page of a `listAfter` answer. */
export interface KeysetPage<T> {
  /** The page: at most `count` resources, in the query's order, after `after`. */
  readonly resources: readonly T[]
  /**
   * One position per resource, in the same order: the `after` of a page that starts right after it.
   * Strings of the store's own making (a creation sequence, a sort key and a sequence); at most 2048
   * characters each.
   */
  readonly positions: readonly string[]
  /** True when resources may follow the last one of the page (false on the last page). */
  readonly more: boolean
  /** How many resources match in all, when the store knows it cheaply; omitted, the response omits it. */
  readonly totalResults?: number
}

/** One page of a list: the resources and how many match in all. */
export interface ListPage<T> {
  /** How many resources match the filter, across every page. */
  readonly totalResults: number
  /** The page: at most `count` resources, starting at `startIndex`. */
  readonly resources: readonly T[]
}

/**
 * The host's users. Required methods: `create`, `get`, `list`, `update`, `delete`. Optional: `findExisting`
 * (checks many member ids in one call; without it the router calls `get` per id),
 * `findByUserNameOrEmail` (required when the router adopts local users), `findAllByExternalId`
 * (required by `createSamlLinker`) and `listAfter` (cursor paging, RFC 9865).
 *
 * SCIM sees provisioned users only: users the host created itself (`provisioned: false`) are left out
 * of `list` and `findExisting`, and the router answers 404 for them, so an IdP can neither read nor
 * change them until they are adopted (`adoptLocalUsers`).
 *
 * Conflicts are thrown as the library's errors: `uniquenessConflict(...)` when `userName`
 * (case-insensitively), `externalId` (case-sensitively) or the email (case-insensitively) is taken in
 * the tenant by a user that is not hidden, local users included; `versionMismatch()` when
 * `expectedVersion` is not the current version. Case-insensitively means equal under `foldCase()`
 * (lower-casing, final sigma as sigma, `ß` kept), the fold filters use.
 *
 * Login and email are one namespace by default: a `userName` equal to another such user's email, or an
 * email equal to another's `userName`, is the same `uniquenessConflict` (`'userName'` / `'emails'`),
 * because a host that signs in by login or email would otherwise let one login name two people. A
 * store for a host whose logins are never emails may keep them apart (`MemoryUserStore`'s
 * `userNameEmailNamespace: 'separate'`; run the contract suite with the same option). Only the email the
 * store models (`UserFields.email`) is unique: the other `emails` are not (RFC 7643 §4.1.2), so never
 * use them as identity keys.
 */
export interface UserStore {
  /** Creates a user and returns it. Throws `uniquenessConflict` when the userName, externalId or email is taken. */
  create(user: NewUser, context: RequestContext): Awaitable<StoredUser>
  /** The user with this id in the tenant, or undefined / null. */
  get(id: string, context: RequestContext): Awaitable<StoredUser | undefined | null>
  /**
   * One page of the tenant's provisioned users matching the query, and the total; in a stable order;
   * never hidden users, never local (`provisioned: false`) ones.
   */
  list(query: ListQuery, context: RequestContext): Awaitable<ListPage<StoredUser>>
  /**
   * Optional: cursor paging (RFC 9865). One page of the same users `list` would answer, in the same
   * order, starting after a position (keyset paging: a page deep in the list costs what the first does,
   * and a user created or deleted meanwhile never makes a later page skip or repeat another one).
   * Without it, `cursor` on /Users is 400 `invalidCursor`.
   */
  listAfter?(query: KeysetQuery, context: RequestContext): Awaitable<KeysetPage<StoredUser>>
  /**
   * Replaces the user's fields if its version is still `expectedVersion` (compare-and-swap), and returns
   * the user with a new version; undefined / null when there is no such user. Throws `versionMismatch()`
   * when the version moved on, `uniquenessConflict` when the new userName, externalId or email is taken.
   * Keeps `provisioned` unless `user.provisioned` is true (adoption), which marks the user provisioned.
   */
  update(
    id: string,
    user: UserFields,
    expectedVersion: string,
    context: RequestContext,
  ): Awaitable<StoredUser | undefined | null>
  /** Deletes the user; true when it existed. */
  delete(id: string, context: RequestContext): Awaitable<boolean>
  /** Optional: which of these ids are provisioned users of the tenant that are not hidden. */
  findExisting?(ids: readonly string[], context: RequestContext): Awaitable<Iterable<string>>
  /**
   * Optional; required by `adoptLocalUsers`. The tenant's users that are not hidden, provisioned or
   * not, whose userName equals `userName` or whose email equals `email`, both case-insensitively: the
   * users a SCIM create would collide with. With login and email in one namespace (the default), also
   * those whose email equals `userName` or whose userName equals `email`.
   */
  findByUserNameOrEmail?(
    userName: string,
    email: string | undefined,
    context: RequestContext,
  ): Awaitable<readonly StoredUser[]>
  /**
   * Optional; required by `createSamlLinker`. Every user of the tenant whose `externalId` is exactly
   * `externalId` (case-sensitive, never trimmed or parsed), hidden ones included: the visible user,
   * provisioned or local, and every user SCIM deleted that the host keeps hidden (`userDeletion:
   * 'disable'`), which hold no names for uniqueness but must still be found here, so that the IdP
   * identity of a deprovisioned person cannot sign in again as a new account. An empty list when none.
   * In SQL: `WHERE tenant = $1 AND external_id = $2`, without the `hidden` condition of `list`.
   */
  findAllByExternalId?(externalId: string, context: RequestContext): Awaitable<readonly StoredUser[]>
}

/** The team fields the router writes. */
export interface TeamFields {
  /** SCIM `displayName`: the team's name, unique per tenant case-insensitively. */
  readonly displayName: string
  /** SCIM `externalId`: the IdP's opaque group id (the team's external uid). */
  readonly externalId?: string
  /** The SCIM body without `members` (members are kept through the membership methods). */
  readonly document: ScimDocument
}

/** A new team: its fields and the provisioning mark. */
export interface NewTeam extends TeamFields {
  /** Always true for teams the router creates. */
  readonly provisioned: true
}

/** A team as the store returns it (without its members). */
export interface StoredTeam {
  /** The team's SCIM id, assigned by the store. */
  readonly id: string
  /** The current version, changed by every write, membership changes included. */
  readonly version: string
  /** When the team was created. */
  readonly created: Date | string
  /** When the team or its membership last changed. */
  readonly lastModified: Date | string
  /** True when SCIM created the team. */
  readonly provisioned: boolean
  /** See `TeamFields.displayName`. */
  readonly displayName: string
  /** See `TeamFields.externalId`. */
  readonly externalId?: string
  /** The last SCIM body written, when the store keeps it. */
  readonly document?: ScimDocument
}

/** A team a user belongs to, as `listTeamsOfUsers` returns it: the user's `groups` (RFC 7643 §4.1.2). */
export interface TeamOfUser {
  /** The team's SCIM id (the group's `id`). */
  readonly id: string
  /** The team's name (the group's `displayName`), shown as the element's `display`. */
  readonly displayName: string
}

/** A member of a team as the store returns it. */
export interface TeamMember {
  /** The member user's SCIM id. */
  readonly value: string
  /** A display name for the member (the user's display name or login), when the store has one. */
  readonly display?: string
}

/** Which members to read: a 1-based page. */
export interface MemberPage {
  /** 1-based index of the first member. */
  readonly startIndex: number
  /** Most members to return. */
  readonly count: number
}

/** Several changes to one team that `TeamStore.applyChange` writes in one transaction. */
export interface TeamChange {
  /** New fields, written only when the team's version is still `expectedVersion` (compare-and-swap). */
  readonly fields?: TeamFields
  /**
   * The version the change was computed from. When given, the whole change (members only, too) is
   * written only if the team still has this version, checked in the same transaction as the write; else
   * `versionMismatch()` and nothing is written. Required with `fields`. The router gives it with
   * `fields`, and for a member change when the client's `If-Match` names a version (RFC 7644 §3.14).
   *
   * When absent (a member change only), the change is unconditional: member additions and removals
   * commute, so the store applies the delta to whatever the membership is when it writes, in one
   * transaction, and must never fail it because another write moved the version on. Several replicas
   * sending such changes at once must all succeed (retry serialization failures inside the store).
   */
  readonly expectedVersion?: string
  /** A member change: a delta (removals, then additions) or a replacement of the whole list. */
  readonly members?: MemberChanges
}

/**
 * The host's teams and memberships. Every method is required but `applyChange`, which is recommended. Membership changes are deltas, so adding
 * one member to a 100,000-member team never reads the member list. Member ids are user ids the router has
 * already checked to be users of the tenant. Each membership change bumps the team's version.
 *
 * Concurrency: field writes (`update`, `applyChange` with `fields`) are compare-and-swap on the
 * version; the router retries them after a lost race. Membership methods and `applyChange` without
 * `expectedVersion` take no version: they are deltas that commute, each applied in one transaction, and
 * must succeed however many run at once.
 */
export interface TeamStore {
  /** Creates a team with these members, atomically. Throws `uniquenessConflict` when the name is taken. */
  create(team: NewTeam, members: readonly MemberReference[], context: RequestContext): Awaitable<StoredTeam>
  /** The team with this id in the tenant, or undefined / null. */
  get(id: string, context: RequestContext): Awaitable<StoredTeam | undefined | null>
  /** One page of the tenant's teams matching the query (filters on `members.value` included), and the total. */
  list(query: ListQuery, context: RequestContext): Awaitable<ListPage<StoredTeam>>
  /** Optional: cursor paging (RFC 9865) of teams, as `UserStore.listAfter` pages users. */
  listAfter?(query: KeysetQuery, context: RequestContext): Awaitable<KeysetPage<StoredTeam>>
  /**
   * Replaces the team's fields if its version is still `expectedVersion`; undefined / null when there is
   * no such team. Throws `versionMismatch()` or `uniquenessConflict` as `UserStore.update` does.
   */
  update(
    id: string,
    team: TeamFields,
    expectedVersion: string,
    context: RequestContext,
  ): Awaitable<StoredTeam | undefined | null>
  /** Deletes the team and its memberships; true when it existed. */
  delete(id: string, context: RequestContext): Awaitable<boolean>
  /** Adds members (idempotent); false when there is no such team. */
  addMembers(id: string, members: readonly MemberReference[], context: RequestContext): Awaitable<boolean>
  /** Removes members by user id (idempotent); false when there is no such team. */
  removeMembers(id: string, userIds: readonly string[], context: RequestContext): Awaitable<boolean>
  /** Sets the complete member list; false when there is no such team. */
  replaceMembers(id: string, members: readonly MemberReference[], context: RequestContext): Awaitable<boolean>
  /** One page of the team's members in a stable order, and their total; undefined / null when no such team. */
  listMembers(
    id: string,
    page: MemberPage,
    context: RequestContext,
  ): Awaitable<ListPage<TeamMember> | undefined | null>
  /**
   * Optional: the same page of members of each of several teams, in one call (one query in SQL), for a
   * list page of groups: team id -> what `listMembers(id, page)` answers. Teams that do not exist in
   * the tenant are left out. Without it, the router calls `listMembers` once per group of the page.
   */
  listMembersOfTeams?(
    ids: readonly string[],
    page: MemberPage,
    context: RequestContext,
  ): Awaitable<ReadonlyMap<string, ListPage<TeamMember>>>
  /**
   * Optional: the teams each of several users belongs to, in one call (one query in SQL): user id ->
   * its teams, at most `limit` of them (at most `maxValuesPerAttribute`; smaller for large pages), in a
   * stable order. Users without teams, and ids that are no user of the tenant, may be left out. The
   * router asks it once for the users of a response, and again alone for a user whose teams reach
   * `limit`, for the users' `groups` attribute (RFC 7643 §4.1.2); not at all when the client excludes
   * `groups`. Without it, users carry no `groups`.
   */
  listTeamsOfUsers?(
    userIds: readonly string[],
    limit: number,
    context: RequestContext,
  ): Awaitable<ReadonlyMap<string, readonly TeamOfUser[]>>
  /** Removes the user from every team of the tenant (a deleted user keeps no memberships). */
  removeUserFromTeams(userId: string, context: RequestContext): Awaitable<void>
  /**
   * Recommended: writes fields and members in one transaction, all or nothing, and returns the team
   * (one new version when something changed); undefined / null when there is no such team. Throws
   * `versionMismatch()` when `expectedVersion` is given and the version moved on (with or without
   * `fields`; nothing is written), `uniquenessConflict` for a taken name. See `TeamChange` for when the
   * router gives `expectedVersion`.
   *
   * The router uses it whenever a request changes more than one thing (a PUT; a PATCH that renames and
   * changes members, or removes and adds), so a failure writes nothing, and for a member change whose
   * `If-Match` names a version, so the precondition holds at the write, not only at the read. Without
   * it, the former make two store calls (a failure between them leaves the first applied until the
   * IdP's retry completes the request), and the latter are refused with 501, since the membership
   * methods cannot be made conditional.
   */
  applyChange?(
    id: string,
    change: TeamChange,
    context: RequestContext,
  ): Awaitable<StoredTeam | undefined | null>
}

/**
 * One role or entitlement a host grants: an entry of its catalogue, served as a Role or Entitlement
 * resource (draft-ietf-scim-roles-entitlements; Okta's entitlement discovery).
 */
export interface Grant {
  /**
   * What a user carries for it in `roles[].value` (or `entitlements[].value`), and its SCIM `id`: Okta
   * assigns by id, Entra and the draft by value, so both name the same thing. Unique in the catalogue,
   * compared exactly (case-sensitive), at most 512 characters, no control characters.
   */
  readonly value: string
  /** Its human-readable name (Grafana: `Editor`), served as `displayName` and `display`. */
  readonly displayName: string
  /** Its kind in the host's words (`basic`, `custom`; an entitlement's `License`), served as `type`. */
  readonly type?: string
  /** What it grants, for the IdP administrator who picks it (Okta shows up to 1000 characters). */
  readonly description?: string
  /**
   * True when the host manages it itself (Grafana's server administrator): a write that would grant it
   * is 400 `mutability` and writes nothing, and a user who holds it keeps it through every SCIM write
   * (one that leaves it out puts it back). Served as `supported: false`.
   */
  readonly protected?: boolean
}

/**
 * The roles (or the entitlements) a host grants: a read-only catalogue, served at `/Roles` (or
 * `/Entitlements`) and checked on every user write that changes `roles` (or `entitlements`). All three
 * methods are required. A catalogue is per tenant: answer from `context.tenant`'s catalogue.
 */
export interface GrantStore {
  /**
   * One page of `context.tenant`'s catalogue matching the query, and the total, in a stable order.
   * Evaluate the filter with `compileFilter()` against each grant's SCIM view (`grantResource(grant,
   * kind, schema)`), whose `id`, `display` and `supported` a filter may name too.
   */
  list(query: ListQuery, context: RequestContext): Awaitable<ListPage<Grant>>
  /** The grant whose `value` is exactly `value`, or undefined / null. */
  get(value: string, context: RequestContext): Awaitable<Grant | undefined | null>
  /**
   * The grants among these values, in one call (at most twice `maxValuesPerAttribute` values): values
   * that name nothing are left out. The router calls it for the values a write adds or removes.
   */
  find(values: readonly string[], context: RequestContext): Awaitable<Iterable<Grant>>
}

/** Why sessions are revoked. */
export type RevocationReason = 'deactivated' | 'deleted'

/**
 * Logs a user out everywhere. Called when a user goes from active to inactive and when a user is
 * deleted. Must be idempotent: when it throws, the request fails with a 5xx (the user stays disabled)
 * and the IdP's retry calls it again.
 */
export interface SessionRevoker {
  /** Ends every session of the user in the tenant, and any token that could start a new one. */
  revokeUserSessions(userId: string, reason: RevocationReason, context: RequestContext): Awaitable<void>
}
