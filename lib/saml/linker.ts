// createSamlLinker(): links a validated SAML login to the SCIM-provisioned user by externalId, and refuses the logins Grafana refuses (and unknown users under reject).

import { randomUUID } from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import type { SyncSettings } from '../../types/router'
import type {
  SamlLink,
  SamlLinker,
  SamlLinkerOptions,
  SamlLinkMiddlewareOptions,
  SamlLinkTarget,
  SamlProfile,
} from '../../types/saml'
import type { RequestContext, StoredUser } from '../../types/stores'
import { configError } from '../errors'
import { isObject } from '../json'
import { SamlLinkError } from './errors'
import { createExternalUidReader, externalUidOf } from './external-uid'

/** Who the store sees as the caller of a login's lookups. */
const LOGIN_PRINCIPAL_ID = 'saml-login'

function fail(message: string): never {
  throw configError('ERR_INVALID_OPTION', `${message}`)
}

function contextOf(target: SamlLinkTarget): RequestContext {
  if (!isObject(target) || typeof target.tenant !== 'string' || target.tenant === '') {
    throw configError('ERR_INVALID_ARGUMENT', 'link() needs { tenant }')
  }
  const requestId =
    typeof target.requestId === 'string' && target.requestId !== '' ? target.requestId : randomUUID()
  return { tenant: target.tenant, principal: { tenant: target.tenant, id: LOGIN_PRINCIPAL_ID }, requestId }
}

/** The store method the linker needs: `findAllByExternalId`, which also finds hidden users. */
type ExternalIdLookup = SamlLinkerOptions['userStore']['findAllByExternalId']

/**
 * What the uid says about the login: the provisioned, visible user whose externalId is exactly `uid`;
 * or `hidden` when no such user exists but a user SCIM deleted and the host keeps hidden holds the uid
 * (the IdP deprovisioned that person: no way back through JIT sign-up); or nothing. The store compares
 * externalId case-sensitively; the checks are repeated here, so that a store answering too much still
 * never links the wrong user.
 */
async function holderOfUid(
  lookup: ExternalIdLookup,
  uid: string,
  context: RequestContext,
): Promise<StoredUser | 'hidden' | undefined> {
  const found = await lookup(uid, context)
  if (found !== undefined && found !== null && !Array.isArray(found)) {
    throw configError(
      'ERR_INVALID_STORE_RESULT',
      'userStore.findAllByExternalId() must return an array of users',
    )
  }
  const holders = (found ?? []).filter((user) => isObject(user) && user.externalId === uid)
  const provisioned = holders.filter((user) => user.provisioned === true && user.hidden !== true)
  // Two users with one externalId break the store's contract: refuse rather than guess.
  if (provisioned.length > 1) throw new SamlLinkError('ERR_MISMATCHED_IDENTITY')
  if (provisioned.length === 1) return provisioned[0]
  // A visible user the IdP provisioned again after the deletion wins above; otherwise the hidden one decides.
  return holders.some((user) => user.hidden === true) ? 'hidden' : undefined
}

/** The active user, or `ERR_USER_DEACTIVATED`. */
function requireActive(user: StoredUser): StoredUser {
  if (user.active !== true) throw new SamlLinkError('ERR_USER_DEACTIVATED')
  return user
}

/**
 * Builds a linker. Checks the options now (`TypeError`), so a misconfigured login fails at start-up.
 *
 * The decision, for the tenant of the login:
 * - the uid names a provisioned user: that user signs in, if active (403 otherwise);
 * - the uid names no visible provisioned user but a hidden one (SCIM deleted it under `userDeletion:
 *   'disable'`): 403 "User is deactivated", whatever `findUser` answers, so a JIT host never creates a
 *   fresh account for a person the IdP deprovisioned;
 * - no uid, and the host's `findUser` finds a provisioned user: 401 "Empty externalUID";
 * - a uid that names no provisioned user, and `findUser` finds a provisioned one: 401 "Mismatched
 *   provisioned identity" (the IdP identity changed, or someone claims another's account);
 * - `findUser` finds a user SCIM deleted and the host keeps hidden: 403, with or without reject;
 * - `findUser` finds a local user: 403 "User is not provisioned" under `rejectNonProvisionedUsers`, 401
 *   when it is bound to another uid, else the host's usual login (403 if disabled);
 * - nobody: 403 under `rejectNonProvisionedUsers` (stricter than Grafana: no JIT sign-up behind it), else
 *   `unknown`, and the host may JIT-create.
 *
 * The store must have `findAllByExternalId` (only it finds hidden users; `list` leaves them out): without
 * it the linker cannot tell a deprovisioned person from a new one, so construction throws a `TypeError`
 * naming the method rather than let such logins through.
 */
export function createSamlLinker(options: SamlLinkerOptions): SamlLinker {
  if (!isObject(options)) fail('createSamlLinker needs an options object')
  const store = options.userStore
  if (!isObject(store)) fail('createSamlLinker needs a userStore')
  if (typeof store.findAllByExternalId !== 'function') {
    fail(
      'createSamlLinker needs a userStore with findAllByExternalId(externalId, context), which finds ' +
        'hidden users too: without it the login of a user SCIM deleted would look like a new person',
    )
  }
  const findAllByExternalId: ExternalIdLookup = (uid, context) => store.findAllByExternalId(uid, context)
  if (typeof options.findUser !== 'function') {
    fail("createSamlLinker needs findUser(profile, context): the host's own lookup of the user signing in")
  }
  if (
    options.rejectNonProvisionedUsers !== undefined &&
    typeof options.rejectNonProvisionedUsers !== 'boolean'
  ) {
    fail('rejectNonProvisionedUsers must be a boolean')
  }
  if (options.settings !== undefined && typeof options.settings !== 'function') {
    fail('settings must be a function (tenant, principal) => settings')
  }
  const readUid = createExternalUidReader(options.externalUidAttribute)
  const staticReject = options.rejectNonProvisionedUsers ?? false
  const settings = options.settings
  const findUser = options.findUser

  async function rejectsNonProvisioned(context: RequestContext): Promise<boolean> {
    if (!settings) return staticReject
    let answer: SyncSettings
    try {
      answer = await settings(context.tenant, context.principal)
    } catch {
      throw new SamlLinkError('ERR_SETTINGS_UNAVAILABLE')
    }
    const value = isObject(answer) ? answer.rejectNonProvisionedUsers : null
    // As in the router: a provider that does not say keeps the static switch.
    if (value === undefined) return staticReject
    if (typeof value !== 'boolean') throw new SamlLinkError('ERR_SETTINGS_UNAVAILABLE')
    return value
  }

  async function link(profile: SamlProfile, target: SamlLinkTarget): Promise<SamlLink> {
    const context = contextOf(target)
    if (!isObject(profile)) throw new SamlLinkError('ERR_NO_PROFILE')
    const uid = externalUidOf(readUid(profile))
    if (uid !== undefined) {
      const holder = await holderOfUid(findAllByExternalId, uid, context)
      if (holder === 'hidden') throw new SamlLinkError('ERR_USER_DEACTIVATED')
      if (holder) {
        return {
          kind: 'provisioned',
          user: requireActive(holder),
          externalUid: uid,
          mayUpdateFromAssertion: false,
        }
      }
    }
    const existing = (await findUser(profile, context)) ?? undefined
    // A user SCIM deleted but the host keeps (`userDeletion: 'disable'`) was deprovisioned: no JIT way back.
    if (existing?.hidden === true) throw new SamlLinkError('ERR_USER_DEACTIVATED')
    if (existing?.provisioned === true) {
      throw new SamlLinkError(uid === undefined ? 'ERR_EMPTY_EXTERNAL_UID' : 'ERR_MISMATCHED_IDENTITY')
    }
    const reject = await rejectsNonProvisioned(context)
    const local = existing
    if (local) {
      if (reject) throw new SamlLinkError('ERR_USER_NOT_PROVISIONED')
      // A local user bound to one external uid is never signed in with another (as adoption refuses).
      if (uid !== undefined && local.externalId !== undefined && local.externalId !== uid) {
        throw new SamlLinkError('ERR_MISMATCHED_IDENTITY')
      }
      return {
        kind: 'local',
        user: requireActive(local),
        ...(uid === undefined ? {} : { externalUid: uid }),
        mayUpdateFromAssertion: true,
      }
    }
    if (reject) throw new SamlLinkError('ERR_UNKNOWN_USER')
    return {
      kind: 'unknown',
      ...(uid === undefined ? {} : { externalUid: uid }),
      mayUpdateFromAssertion: true,
    }
  }

  function middleware(middlewareOptions: SamlLinkMiddlewareOptions = {}) {
    if (!isObject(middlewareOptions)) fail('middleware options must be an object')
    const readProfile =
      middlewareOptions.profile ?? ((request: IncomingMessage) => (request as { user?: unknown }).user)
    if (typeof readProfile !== 'function') fail('middleware profile must be a function (req) => profile')
    const tenant = middlewareOptions.tenant ?? 'default'
    if (!(typeof tenant === 'function' || (typeof tenant === 'string' && tenant !== ''))) {
      fail('middleware tenant must be a non-empty string or a function (req) => tenant')
    }
    return (
      request: IncomingMessage,
      response: { locals: Record<string, unknown> },
      next: (error?: unknown) => void,
    ): void => {
      const run = async () => {
        const profile = readProfile(request)
        if (!isObject(profile)) throw new SamlLinkError('ERR_NO_PROFILE')
        const loginTenant = typeof tenant === 'function' ? await tenant(request) : tenant
        const requestId = request.headers['x-request-id']
        response.locals.samlLink = await link(profile, {
          tenant: loginTenant,
          ...(typeof requestId === 'string' && /^[\w.:-]{1,128}$/.test(requestId) ? { requestId } : {}),
        })
      }
      run().then(() => next(), next)
    }
  }

  return { link, middleware }
}
