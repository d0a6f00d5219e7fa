// The /Users endpoints (RFC 7644 §3.3–3.6): SCIM requests turned into UserStore calls, with deactivation revoking sessions.
import type { PatchRequest } from '../../types/patch'
import type { StoredUser, UserFields } from '../../types/stores'
import { scimError } from '../errors'
import { type ListParameters, listParametersFromQuery, projectionFromQuery } from '../http/list-query'
import { sendEmpty, sendJson } from '../http/respond'
import { jsonEqual } from '../json'
import { logStore } from '../log'
import {
  etagOf,
  isVisibleToScim,
  type ScimResource,
  userFieldsOf,
  userResource,
} from '../representation/resources'
import { type CreateOutcome, createOrAdopt } from './adoption'
import { compareAndSwap } from './compare-and-swap'
import { type Exchange, emit, notModified, projectionFor, readBody, requireSync } from './exchange'
import { checkResourceLimits } from './limits'
import { checkPage, listQuery, listResponseText, ResponseBudget } from './lists'
import type { Projection } from './projection'

function notFound(): Error {
  return scimError(404, undefined, 'User not found')
}

/**
 * The user, or undefined when there is none, it was deleted with `userDeletion: 'disable'`, or the host
 * created it (not provisioned): SCIM answers 404 for users it does not own.
 */
export async function findUser(exchange: Exchange, id: string): Promise<StoredUser | undefined> {
  const user = await exchange.config.userStore.get(id, exchange.context)
  return user && isVisibleToScim(user) ? user : undefined
}

function projection(exchange: Exchange, parameters = projectionFromQuery(exchange.query)): Projection {
  return projectionFor(exchange, 'User', parameters)
}

/** The user as the client sees it: SCIM JSON with `meta.location`, projected. */
function present(exchange: Exchange, user: StoredUser, view: Projection): ScimResource {
  const resource = userResource(user)
  ;(resource.meta as Record<string, unknown>).location =
    `${exchange.baseUrl}/Users/${encodeURIComponent(user.id)}`
  return view.apply(resource)
}

function sendUser(
  exchange: Exchange,
  status: number,
  user: StoredUser,
  extra?: Record<string, string>,
): void {
  sendJson(exchange.response, status, present(exchange, user, projection(exchange)), {
    ETag: etagOf(user.version),
    ...extra,
  })
}

/**
 * Ends every session of a user that is now inactive. Every write that leaves a user inactive revokes
 * (revocation is idempotent), so when it fails the request fails with a 5xx, the user stays disabled,
 * and the IdP's retry revokes again.
 */
async function revokeSessions(
  exchange: Exchange,
  userId: string,
  reason: 'deactivated' | 'deleted',
): Promise<void> {
  try {
    await exchange.config.sessionRevoker.revokeUserSessions(userId, reason, exchange.context)
  } catch {
    logStore('revokeUserSessions failed for %s (%s)', userId, exchange.context.requestId)
    throw scimError(500, undefined, 'Session revocation failed')
  }
  emit(exchange, { type: 'user.sessionsRevoked', resourceId: userId, reason })
}

/**
 * POST /Users. RFC 7644 §3.3. A userName, externalId or email that another user holds is 409
 * `uniqueness` (the store decides, atomically), local users included, unless `adoptLocalUsers` lets
 * this create adopt the one local user it collides with.
 */
export async function createUser(exchange: Exchange): Promise<void> {
  requireSync(exchange, 'User')
  const body = await readBody(exchange)
  const { resource, password } = exchange.config.userValidator.read(body)
  checkResourceLimits(exchange.config.limits, resource, 'User')
  const fields = userFieldsOf(resource, password)
  const outcome: CreateOutcome = exchange.config.adoptLocalUsers
    ? await createOrAdopt(exchange, fields, resource.active !== undefined, (id) =>
        revokeSessions(exchange, id, 'deactivated'),
      )
    : {
        kind: 'created',
        user: await exchange.config.userStore.create({ ...fields, provisioned: true }, exchange.context),
      }
  const user = outcome.user
  const externalId = user.externalId === undefined ? {} : { externalId: user.externalId }
  if (outcome.kind === 'created') {
    emit(exchange, {
      type: 'user.created',
      resourceId: user.id,
      userName: user.userName,
      ...externalId,
      emailVerified: false,
    })
  } else {
    emit(exchange, {
      type: 'user.adopted',
      resourceId: user.id,
      userName: user.userName,
      ...externalId,
      matchedOn: outcome.matchedOn,
      emailVerified: false,
    })
    if (outcome.before.active && !user.active)
      emit(exchange, { type: 'user.deactivated', resourceId: user.id })
    if (!outcome.before.active && user.active)
      emit(exchange, { type: 'user.reactivated', resourceId: user.id })
  }
  sendUser(exchange, 201, user, { Location: `${exchange.baseUrl}/Users/${encodeURIComponent(user.id)}` })
}

/** GET /Users/:id. RFC 7644 §3.4.1; `If-None-Match` -> 304 (RFC 7644 §3.14). */
export async function getUser(exchange: Exchange, id: string): Promise<void> {
  const view = projection(exchange)
  const user = await findUser(exchange, id)
  if (!user) throw notFound()
  if (notModified(exchange, user.version)) {
    sendEmpty(exchange.response, 304, { ETag: etagOf(user.version) })
    return
  }
  sendJson(exchange.response, 200, present(exchange, user, view), { ETag: etagOf(user.version) })
}

/** The users of one list page, projected and serialised within the response budget; shared by GET /Users and the searches. */
export async function userPage(
  exchange: Exchange,
  parameters: ListParameters,
  budget: ResponseBudget,
): Promise<{ totalResults: number; resources: string[] }> {
  const view = projectionFor(exchange, 'User', parameters)
  const query = listQuery(exchange.config, 'User', parameters)
  const page = checkPage<StoredUser>(
    await exchange.config.userStore.list(query, exchange.context),
    query.count,
  )
  const resources: string[] = []
  for (const user of page.resources) {
    // The store leaves these out already; a store that does not must still not show them.
    if (!isVisibleToScim(user)) continue
    const json = budget.take(present(exchange, user, view))
    if (json === undefined) break
    resources.push(json)
  }
  return { totalResults: page.totalResults, resources }
}

/** GET /Users and POST /Users/.search. RFC 7644 §3.4.2, §3.4.3. */
export async function listUsers(exchange: Exchange, parameters?: ListParameters): Promise<void> {
  const checked = parameters ?? listParametersFromQuery(exchange.query)
  const page = await userPage(exchange, checked, new ResponseBudget(exchange.config.maxResponseBytes))
  sendJson(exchange.response, 200, listResponseText(page.totalResults, checked.startIndex, page.resources))
}

interface Plan {
  /** What to write, or undefined when nothing changes. */
  readonly fields: UserFields | undefined
  /** Top-level attributes that change. */
  readonly changedAttributes: readonly string[]
}

/**
 * Read, check, write with compare-and-swap, and on a lost race read again: a concurrent write is never
 * overwritten. A request that named its version (`If-Match`) gets 412 instead of a retry.
 */
async function writeUser(
  exchange: Exchange,
  id: string,
  plan: (current: StoredUser) => Plan,
  honourIfMatch = true,
): Promise<{ before: StoredUser; after: StoredUser; changedAttributes: readonly string[] }> {
  return compareAndSwap(exchange, {
    what: 'user',
    read: () => findUser(exchange, id),
    notFound,
    honourIfMatch,
    apply: async (before) => {
      const { fields, changedAttributes } = plan(before)
      if (!fields) return { before, after: before, changedAttributes: [] }
      const after = await exchange.config.userStore.update(id, fields, before.version, exchange.context)
      if (!after) throw notFound()
      return { before, after, changedAttributes }
    },
  })
}

/** Events and session revocation after a PUT or PATCH. */
async function afterWrite(
  exchange: Exchange,
  before: StoredUser,
  after: StoredUser,
  changedAttributes: readonly string[],
): Promise<void> {
  if (changedAttributes.length > 0) {
    emit(exchange, {
      type: 'user.updated',
      resourceId: after.id,
      changedAttributes,
      emailChanged: before.email !== after.email,
      emailVerified: false,
    })
  }
  if (before.active && !after.active) emit(exchange, { type: 'user.deactivated', resourceId: after.id })
  if (!before.active && after.active) emit(exchange, { type: 'user.reactivated', resourceId: after.id })
  // RFC-agnostic, Grafana's rule: a disabled user must be logged out everywhere, now.
  if (!after.active) await revokeSessions(exchange, after.id, 'deactivated')
}

/** Top-level attributes whose values differ between two resources (never `meta`). */
function changedBetween(before: ScimResource, after: ScimResource): string[] {
  const keys = new Set([...Object.keys(before), ...Object.keys(after)])
  keys.delete('meta')
  keys.delete('id')
  return [...keys].filter((key) => !jsonEqual(before[key], after[key]))
}

/** PUT /Users/:id: replaces the user. RFC 7644 §3.5.1. */
export async function replaceUser(exchange: Exchange, id: string): Promise<void> {
  requireSync(exchange, 'User')
  const body = await readBody(exchange)
  const validator = exchange.config.userValidator
  const { resource, password } = validator.read(body, { checkNames: false })
  const { before, after, changedAttributes } = await writeUser(exchange, id, (current) => {
    const currentResource = userResource(current)
    validator.checkImmutable(currentResource, resource)
    validator.checkNames(resource, current)
    // A PUT without `active` keeps the user as it is: only an explicit true re-enables a disabled user.
    const next = resource.active === undefined ? { ...resource, active: current.active } : resource
    checkResourceLimits(exchange.config.limits, next, 'User', currentResource)
    const changed = changedBetween(currentResource, { ...next, id: current.id })
    if (password !== undefined) changed.push('password')
    return { fields: userFieldsOf(next, password), changedAttributes: changed }
  })
  await afterWrite(exchange, before, after, changedAttributes)
  sendUser(exchange, 200, after)
}

/** PATCH /Users/:id. RFC 7644 §3.5.2, through the PATCH engine. */
export async function patchUser(exchange: Exchange, id: string): Promise<void> {
  requireSync(exchange, 'User')
  const body = (await readBody(exchange)) as unknown as PatchRequest
  const { before, after, changedAttributes } = await writeUser(exchange, id, (current) => {
    const currentResource = userResource(current)
    const result = exchange.config.userPatcher(currentResource, body)
    // Fail closed: only an explicit true (or Entra's "True") enables a user. Removing `active` or
    // setting it to null leaves the user as it is, never enabled by the `active` default.
    const keepsActive = typeof result.resource.active !== 'boolean'
    const resource = keepsActive ? { ...result.resource, active: current.active } : result.resource
    const changedAttributes = keepsActive
      ? result.changedAttributes.filter((attribute) => attribute !== 'active')
      : result.changedAttributes
    if (changedAttributes.length === 0) return { fields: undefined, changedAttributes: [] }
    exchange.config.userValidator.checkNames(resource, current)
    checkResourceLimits(exchange.config.limits, resource, 'User', currentResource)
    const password = resource.password
    if (password !== undefined && typeof password !== 'string') {
      throw scimError(400, 'invalidValue', "'password' must be a string")
    }
    return { fields: userFieldsOf(resource, password), changedAttributes }
  })
  await afterWrite(exchange, before, after, changedAttributes)
  sendUser(exchange, 200, after)
}

/**
 * DELETE /Users/:id (RFC 7644 §3.6): disable, revoke sessions, drop team memberships, then delete (or
 * hide). Each step is committed before the next, so a failure leaves the user disabled and a retry of
 * the DELETE completes it.
 */
export async function deleteUser(exchange: Exchange, id: string): Promise<void> {
  requireSync(exchange, 'User')
  const disabled = await writeUser(exchange, id, (current) => ({
    fields: current.active ? { ...userFieldsOf(userResource(current)), active: false } : undefined,
    changedAttributes: current.active ? ['active'] : [],
  }))
  const user = disabled.after
  if (disabled.before.active) emit(exchange, { type: 'user.deactivated', resourceId: id })
  await revokeSessions(exchange, id, 'deleted')
  await exchange.config.teamStore?.removeUserFromTeams(id, exchange.context)
  const mode = exchange.config.userDeletion
  if (mode === 'delete') {
    await exchange.config.userStore.delete(id, exchange.context)
  } else {
    // Our own disable write moved the version on: If-Match was checked by the first step.
    await writeUser(
      exchange,
      id,
      (current) => ({
        fields: { ...userFieldsOf(userResource(current)), active: false, hidden: true },
        changedAttributes: [],
      }),
      false,
    )
  }
  emit(exchange, { type: 'user.deleted', resourceId: user.id, mode })
  sendEmpty(exchange.response, 204)
}
