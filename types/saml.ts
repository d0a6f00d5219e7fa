// Public contracts of the SAML login linking: options, the outcome of a link, the error codes, and the session check.
import type { IncomingMessage } from 'node:http'
import type { SettingsProvider } from './router'
import type { Awaitable, RequestContext, StoredUser, UserStore } from './stores'

/**
 * Where the external uid is read in a validated SAML profile: an attribute name (read from the profile
 * itself, then from its `attributes` object, as @node-saml/node-saml, passport-saml and samlify shape
 * them), or a JSONPath (jsonpath-plus syntax, script and filter expressions refused) for nested profiles.
 */
export type ExternalUidSource = string | { readonly jsonPath: string }

/** The SAML profile a host's SAML library produced after validating the assertion's signature. */
export type SamlProfile = Readonly<Record<string, unknown>>

/**
 * The UserStore the SAML linker reads: any UserStore with `findAllByExternalId`, the look-up that finds
 * users SCIM deleted but the host keeps hidden (`userDeletion: 'disable'`).
 */
export type SamlUserStore = UserStore & Required<Pick<UserStore, 'findAllByExternalId'>>

/** Options of `createSamlLinker()`. Checked once, at construction: a bad option throws a `TypeError`. */
export interface SamlLinkerOptions {
  /**
   * The host's users: the same UserStore the SCIM router writes. Required, with `findAllByExternalId`
   * (a store without it is a `TypeError` at construction: the linker could not refuse the next login
   * of a person the IdP deprovisioned, and fails closed instead).
   */
  readonly userStore: SamlUserStore
  /**
   * The host's own user lookup for this login, without SCIM: by the login or email the assertion
   * carries, as the host signs users in today. Required, because only it can tell that the person
   * signing in is a provisioned user whose assertion lacks or changed the uid. Its answer is used for
   * those checks only: a login is never linked to a provisioned user by email, login or name.
   */
  readonly findUser: (
    profile: SamlProfile,
    context: RequestContext,
  ) => Awaitable<StoredUser | undefined | null>
  /**
   * Where the external uid is (Grafana's `assertion_attribute_external_uid`). Default `userUID`. For
   * Entra ID use `ENTRA_OBJECT_ID_CLAIM`; for Okta, the attribute the app's SAML settings send the user id in.
   */
  readonly externalUidAttribute?: ExternalUidSource
  /** Non-provisioned users may not sign in (Grafana `reject_non_provisioned_users`). Default false. */
  readonly rejectNonProvisionedUsers?: boolean
  /**
   * The router's per-tenant settings provider: when given, its `rejectNonProvisionedUsers` decides per
   * login, and a provider that throws or answers nonsense refuses the login (503, fail closed).
   */
  readonly settings?: SettingsProvider
}

/** What `link()` needs besides the profile. */
export interface SamlLinkTarget {
  /** The tenant (organisation) the login is for. */
  readonly tenant: string
  /** The login request's id, passed to the store for its logs. Default: a generated UUID. */
  readonly requestId?: string
}

/**
 * A login the SCIM side owns: the provisioned user whose `externalId` is the assertion's uid. Sign in
 * as `user`; its userName, email, name and active flag are SCIM's, so do not update them from the assertion.
 */
export interface ProvisionedSamlLink {
  readonly kind: 'provisioned'
  /** The provisioned user, active. */
  readonly user: StoredUser
  /** The uid the assertion carried, equal to `user.externalId`. */
  readonly externalUid: string
  /** False: SAML attributes never overwrite SCIM-owned fields. */
  readonly mayUpdateFromAssertion: false
}

/** A login of a user the host created itself (allowed only while `rejectNonProvisionedUsers` is off). */
export interface LocalSamlLink {
  readonly kind: 'local'
  /** The user `findUser` found: not provisioned, active. */
  readonly user: StoredUser
  /** The uid the assertion carried, if any. */
  readonly externalUid?: string
  /** True: SCIM does not own this user, so the host's usual attribute sync applies. */
  readonly mayUpdateFromAssertion: true
}

/** A login of nobody the host knows yet (allowed only while `rejectNonProvisionedUsers` is off): the host may JIT-create. */
export interface UnknownSamlLink {
  readonly kind: 'unknown'
  /** The uid the assertion carried, if any. */
  readonly externalUid?: string
  /** True: the host creates the user from the assertion, as it did before SCIM. */
  readonly mayUpdateFromAssertion: true
}

/** The outcome of a login that may proceed. Every refusal is a thrown `SamlLinkError` instead. */
export type SamlLink = ProvisionedSamlLink | LocalSamlLink | UnknownSamlLink

/** The stable codes of `SamlLinkError`. */
export type SamlLinkErrorCode =
  /** 401 "Empty externalUID": the user is provisioned but the assertion carries no uid. */
  | 'ERR_EMPTY_EXTERNAL_UID'
  /**
   * 401 "Mismatched provisioned identity": the uid is not the provisioned user's externalId, a local
   * user is bound to another uid, or two users claim the uid (a broken store).
   */
  | 'ERR_MISMATCHED_IDENTITY'
  /** 401 "Invalid externalUID": the uid attribute holds several values or something other than text. */
  | 'ERR_INVALID_EXTERNAL_UID'
  /**
   * 403 "User is deactivated": the user is disabled, or SCIM deleted it and the host keeps it hidden
   * (found by the uid through `findAllByExternalId`, or by `findUser`).
   */
  | 'ERR_USER_DEACTIVATED'
  /** 403 "User is not provisioned": `rejectNonProvisionedUsers` and a local user. */
  | 'ERR_USER_NOT_PROVISIONED'
  /** 403 "User is not provisioned": `rejectNonProvisionedUsers` and nobody the host knows (no JIT sign-up). */
  | 'ERR_UNKNOWN_USER'
  /** 401 "No SAML profile": no validated profile (the middleware found none, or `link()` got no object). */
  | 'ERR_NO_PROFILE'
  /** 503 "Login settings unavailable": the settings provider failed, so the login is refused. */
  | 'ERR_SETTINGS_UNAVAILABLE'

/** Options of `SamlLinker.middleware()`. */
export interface SamlLinkMiddlewareOptions {
  /** Reads the validated profile from the request. Default: `req.user` (passport-saml, node-saml strategies). */
  readonly profile?: (request: IncomingMessage) => unknown
  /** The login's tenant: a constant or read from the request. Default `default`, as `staticTokens`. */
  readonly tenant?: string | ((request: IncomingMessage) => Awaitable<string>)
}

/** Links validated SAML logins to SCIM-provisioned users. */
export interface SamlLinker {
  /** Decides a login: resolves, or rejects with a `SamlLinkError` (store errors pass through). Never writes. */
  link(profile: SamlProfile, target: SamlLinkTarget): Promise<SamlLink>
  /**
   * Express middleware for the route after the SAML callback: puts the `SamlLink` in
   * `res.locals.samlLink` and calls `next()`, or calls `next(error)` with the `SamlLinkError`
   * (it has `status` and `expose`, so Express's error handling answers with its status).
   */
  middleware(
    options?: SamlLinkMiddlewareOptions,
  ): (
    request: IncomingMessage,
    response: { locals: Record<string, unknown> },
    next: (error?: unknown) => void,
  ) => void
}
