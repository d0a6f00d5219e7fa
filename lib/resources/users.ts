// The /Users endpoints (RFC 7644 §3.3–3.6): SCIM requests turned into UserStore calls, with deactivation revoking sessions.
import type { PatchRequest } from '../../types/patch'
import type { StoredUser, TeamOfUser, UserFields } from '../../types/stores'
import { scimError } from '../errors'
import { jsonEqual } from '../json'
import { logStore } from '../log'
import {
  etagOf,
  isVisibleToScim,
  locationOf,
  newUserOf,
  type ScimResource,
  userFieldsOf,
  userResource,
} from '../representation/resources'
import { type CreateOutcome, createOrAdopt } from './adoption'
import { compareAndSwap } from './compare-and-swap'
import { cursorListResponseText, readCursor } from './cursor'
import { checkResourceLimits } from './limits'
import { type ListParameters, listParametersFromQuery, projectionFromQuery } from './list-query'
import { listQuery, listResponseText, ResponseBudget } from './lists'
import type { Projection } from './projection'
import {
  emit,
  eventsWanted,
  notModified,
  projectionFor,
  readBody,
  requireSync,
  type ScimRequest,
} from './request'
import { emptyResponse, jsonResponse, type ScimResponse } from './response'
import { checkGrantChanges, readGrants, stillChanged, withGrants } from './user-grants'
import { addGroups, groupsOfUsers, teamsOf } from './user-groups'

function notFound(): Error {
  return scimError(404, undefined, 'User not found')
}

/**
 * The user, or undefined when there is none, it was deleted with `userDeletion: 'disable'`, or the host
 * created it (not provisioned): SCIM answers 404 for users it does not own.
 */
export function findUser(request: ScimRequest, id: string): Promise<StoredUser | undefined> {
  // Not async: the read's own promise, one `then`, and no async frame on every GET.
  return request.stores.users.get(id).then(visibleUser)
}

function visibleUser(user: StoredUser | undefined): StoredUser | undefined {
  return user && isVisibleToScim(user) ? user : undefined
}

function projection(request: ScimRequest, parameters = projectionFromQuery(request.query)): Projection {
  return projectionFor(request, 'User', parameters)
}

/** The user as the client sees it: SCIM JSON with `meta.location` and its `groups` when read, projected. */
function present(
  request: ScimRequest,
  user: StoredUser,
  view: Projection,
  teams: readonly TeamOfUser[] | undefined,
  location = locationOf(request.baseUrl, 'Users', user.id),
): ScimResource {
  return view.apply(addGroups(userResource(user, location), teams, request.baseUrl))
}

/**
 * The user after a write, with its `groups`: none for a user just created (it is in no team yet). A
 * POST answers with its `Location`, the same URL as `meta.location`.
 */
async function userResponse(
  request: ScimRequest,
  status: number,
  user: StoredUser,
  created?: 'created' | 'adopted',
): Promise<ScimResponse> {
  const view = projection(request)
  const pending = created === 'created' ? undefined : groupsOfUsers(request, [user.id], view)
  const found = teamsOf(request, pending && (await pending), user.id)
  const teams = (found instanceof Promise ? await found : found) ?? undefined
  const location = locationOf(request.baseUrl, 'Users', user.id)
  const etag = etagOf(user.version)
  const headers: Record<string, string> =
    created === undefined ? { ETag: etag } : { ETag: etag, Location: location }
  return jsonResponse(status, present(request, user, view, teams, location), headers)
}

/**
 * Ends every session of a user that is now inactive. Every write that leaves a user inactive revokes
 * (revocation is idempotent), so when it fails the request fails with a 5xx, the user stays disabled,
 * and the IdP's retry revokes again.
 */
async function revokeSessions(
  request: ScimRequest,
  userId: string,
  reason: 'deactivated' | 'deleted',
): Promise<void> {
  try {
    await request.stores.revokeUserSessions(userId, reason)
  } catch {
    logStore('revokeUserSessions failed for %s (%s)', userId, request.context.requestId)
    throw scimError(500, undefined, 'Session revocation failed')
  }
  emit(request, { type: 'user.sessionsRevoked', resourceId: userId, reason })
}

/**
 * POST /Users. RFC 7644 §3.3. A userName, externalId or email that another user holds is 409
 * `uniqueness` (the store decides, atomically), local users included, unless `adoptLocalUsers` lets
 * this create adopt the one local user it collides with.
 */
export async function createUser(request: ScimRequest): Promise<ScimResponse> {
  requireSync(request, 'User')
  const { resource, password } = request.config.userValidator.read(readBody(request))
  checkResourceLimits(request.config.limits, resource, 'User')
  const granted = readGrants(request, resource)
  const fields = withGrants(userFieldsOf(granted.resource, password), granted)
  let outcome: CreateOutcome
  if (request.config.adoptLocalUsers) {
    outcome = await createOrAdopt(
      request,
      fields,
      resource.active !== undefined,
      (id) => revokeSessions(request, id, 'deactivated'),
      // Against the local user it adopts (whose protected grants it keeps), else against none.
      (local) =>
        checkGrantChanges(request, local, granted)?.then((checked) =>
          withGrants(userFieldsOf(checked.resource, password), checked),
        ),
    )
  } else {
    const checking = checkGrantChanges(request, undefined, granted)
    if (checking) await checking
    outcome = { kind: 'created', user: await request.stores.users.create(newUserOf(fields)) }
  }
  const user = outcome.user
  // Nobody listens: the events are not even built.
  if (eventsWanted(request)) {
    const externalId = user.externalId === undefined ? {} : { externalId: user.externalId }
    if (outcome.kind === 'created') {
      emit(request, {
        type: 'user.created',
        resourceId: user.id,
        userName: user.userName,
        ...externalId,
        emailVerified: false,
      })
    } else {
      emit(request, {
        type: 'user.adopted',
        resourceId: user.id,
        userName: user.userName,
        ...externalId,
        matchedOn: outcome.matchedOn,
        emailVerified: false,
      })
      if (outcome.before.active && !user.active)
        emit(request, { type: 'user.deactivated', resourceId: user.id })
      if (!outcome.before.active && user.active)
        emit(request, { type: 'user.reactivated', resourceId: user.id })
    }
  }
  return userResponse(request, 201, user, outcome.kind)
}

/** GET /Users/:id. RFC 7644 §3.4.1; `If-None-Match` -> 304 (RFC 7644 §3.14). */
export async function getUser(request: ScimRequest, id: string): Promise<ScimResponse> {
  const view = projection(request)
  const user = await findUser(request, id)
  if (!user) throw notFound()
  if (notModified(request, user.version)) {
    return emptyResponse(304, { ETag: etagOf(user.version) })
  }
  // Nothing to wait for when groups are not read (no TeamStore, or excluded): no turn of the event loop.
  const pending = groupsOfUsers(request, [user.id], view)
  const groups = pending && (await pending)
  const found = teamsOf(request, groups, user.id)
  const teams = (found instanceof Promise ? await found : found) ?? undefined
  return jsonResponse(200, present(request, user, view, teams), { ETag: etagOf(user.version) })
}

/**
 * Users of a store's page, projected and serialised within the response budget, with their groups (one
 * call for the page). `consumed`: how many of the store's users the response got through (those it
 * carries, and hidden ones it skipped), so that the next page starts after them.
 */
async function presentUsers(
  request: ScimRequest,
  view: Projection,
  users: readonly StoredUser[],
  budget: ResponseBudget,
): Promise<{ resources: string[]; consumed: number }> {
  // The store leaves these out already; a store that does not must still not show them.
  const ids: string[] = []
  for (const user of users) if (isVisibleToScim(user)) ids.push(user.id)
  // Nothing to wait for when groups are not read: no turn of the event loop for it.
  const pending = groupsOfUsers(request, ids, view)
  const groups = pending && (await pending)
  const admits = (bytes: number) => budget.admits(bytes)
  const resources: string[] = []
  let consumed = 0
  for (const user of users) {
    if (isVisibleToScim(user)) {
      const found = teamsOf(request, groups, user.id, admits)
      const teams = found instanceof Promise ? await found : found
      // A user in more teams than the rest of the response holds: the page ends before it.
      if (teams === null) {
        budget.close()
        break
      }
      const json = budget.take(present(request, user, view, teams))
      if (json === undefined) break
      resources.push(json)
    }
    consumed += 1
  }
  return { resources, consumed }
}

/** The users of one list page, projected and serialised within the response budget; shared by GET /Users and the searches. */
export async function userPage(
  request: ScimRequest,
  parameters: ListParameters,
  budget: ResponseBudget,
): Promise<{ totalResults: number; resources: string[] }> {
  const view = projectionFor(request, 'User', parameters)
  const query = listQuery(request.config, 'User', parameters)
  const page = await request.stores.users.list(query)
  const { resources } = await presentUsers(request, view, page.resources, budget)
  return { totalResults: page.totalResults, resources }
}

/** A page of users by cursor (RFC 9865), through the store's `listAfter`. */
async function userCursorPage(request: ScimRequest, parameters: ListParameters): Promise<ScimResponse> {
  const users = request.stores.users
  const cursor = readCursor(request, 'User', parameters, users.pagesAfter)
  const page = await users.listAfter(cursor.query)
  const view = projectionFor(request, 'User', parameters)
  const budget = new ResponseBudget(request.config.maxResponseBytes)
  const { resources, consumed } = await presentUsers(request, view, page.resources, budget)
  const next = cursor.next(page.positions, consumed, page.more)
  return jsonResponse(200, cursorListResponseText(page.totalResults, resources, next))
}

/** GET /Users and POST /Users/.search. RFC 7644 §3.4.2, §3.4.3; by cursor, RFC 9865. */
export async function listUsers(request: ScimRequest, parameters?: ListParameters): Promise<ScimResponse> {
  const checked = parameters ?? listParametersFromQuery(request.query)
  if (checked.cursor !== undefined) return userCursorPage(request, checked)
  const page = await userPage(request, checked, new ResponseBudget(request.config.maxResponseBytes))
  return jsonResponse(200, listResponseText(page.totalResults, checked.startIndex, page.resources))
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
  request: ScimRequest,
  id: string,
  plan: (current: StoredUser) => Plan | Promise<Plan>,
  honourIfMatch = true,
): Promise<{ before: StoredUser; after: StoredUser; changedAttributes: readonly string[] }> {
  return compareAndSwap(request, {
    what: 'user',
    read: () => findUser(request, id),
    notFound,
    honourIfMatch,
    apply: async (before) => {
      const { fields, changedAttributes } = await plan(before)
      if (!fields) return { before, after: before, changedAttributes: [] }
      const after = await request.stores.users.update(id, fields, before.version)
      if (!after) throw notFound()
      return { before, after, changedAttributes }
    },
  })
}

/** Events and session revocation after a PUT or PATCH. */
async function afterWrite(
  request: ScimRequest,
  before: StoredUser,
  after: StoredUser,
  changedAttributes: readonly string[],
): Promise<void> {
  if (changedAttributes.length > 0) {
    emit(request, {
      type: 'user.updated',
      resourceId: after.id,
      changedAttributes,
      emailChanged: before.email !== after.email,
      emailVerified: false,
    })
  }
  if (before.active && !after.active) emit(request, { type: 'user.deactivated', resourceId: after.id })
  if (!before.active && after.active) emit(request, { type: 'user.reactivated', resourceId: after.id })
  // RFC-agnostic, Grafana's rule: a disabled user must be logged out everywhere, now.
  if (!after.active) await revokeSessions(request, after.id, 'deactivated')
}

/** Top-level attributes whose values differ between two resources (never `meta`). */
function changedBetween(before: ScimResource, after: ScimResource): string[] {
  const keys = new Set([...Object.keys(before), ...Object.keys(after)])
  keys.delete('meta')
  keys.delete('id')
  return [...keys].filter((key) => !jsonEqual(before[key], after[key]))
}

/** PUT /Users/:id: replaces the user. RFC 7644 §3.5.1. */
export async function replaceUser(request: ScimRequest, id: string): Promise<ScimResponse> {
  requireSync(request, 'User')
  const body = await readBody(request)
  const validator = request.config.userValidator
  const { resource, password } = validator.read(body, { checkNames: false })
  const { before, after, changedAttributes } = await writeUser(request, id, async (current) => {
    const currentResource = userResource(current)
    validator.checkImmutable(currentResource, resource)
    validator.checkNames(resource, current)
    // A PUT without `active` keeps the user as it is: only an explicit true re-enables a disabled user.
    const next = resource.active === undefined ? { ...resource, active: current.active } : resource
    checkResourceLimits(request.config.limits, next, 'User', currentResource)
    const read = readGrants(request, next, current)
    const granted = (await checkGrantChanges(request, current, read)) ?? read
    const changed = changedBetween(currentResource, { ...granted.resource, id: current.id })
    if (password !== undefined) changed.push('password')
    return {
      fields: withGrants(userFieldsOf(granted.resource, password), granted),
      changedAttributes: changed,
    }
  })
  await afterWrite(request, before, after, changedAttributes)
  return userResponse(request, 200, after)
}

/** PATCH /Users/:id. RFC 7644 §3.5.2, through the PATCH engine. */
export async function patchUser(request: ScimRequest, id: string): Promise<ScimResponse> {
  requireSync(request, 'User')
  const body = (await readBody(request)) as unknown as PatchRequest
  const { before, after, changedAttributes } = await writeUser(request, id, async (current) => {
    const currentResource = userResource(current)
    const result = request.config.userPatcher(currentResource, body)
    // Fail closed: only an explicit true (or Entra's "True") enables a user. Removing `active` or
    // setting it to null leaves the user as it is, never enabled by the `active` default.
    const keepsActive = typeof result.resource.active !== 'boolean'
    const patched = keepsActive ? { ...result.resource, active: current.active } : result.resource
    const granted = readGrants(request, patched, current)
    const resource = granted.resource
    const changedAttributes = stillChanged(
      currentResource,
      resource,
      keepsActive
        ? result.changedAttributes.filter((attribute) => attribute !== 'active')
        : result.changedAttributes,
    )
    if (changedAttributes.length === 0) return { fields: undefined, changedAttributes: [] }
    request.config.userValidator.checkNames(resource, current)
    checkResourceLimits(request.config.limits, resource, 'User', currentResource)
    const checked = (await checkGrantChanges(request, current, granted)) ?? granted
    // Protected grants the user holds were put back: the write may change nothing after all.
    const changes =
      checked === granted
        ? changedAttributes
        : stillChanged(currentResource, checked.resource, changedAttributes)
    if (changes.length === 0) return { fields: undefined, changedAttributes: [] }
    const password = checked.resource.password
    if (password !== undefined && typeof password !== 'string') {
      throw scimError(400, 'invalidValue', "'password' must be a string")
    }
    return {
      fields: withGrants(userFieldsOf(checked.resource, password), checked),
      changedAttributes: changes,
    }
  })
  await afterWrite(request, before, after, changedAttributes)
  return userResponse(request, 200, after)
}

/**
 * DELETE /Users/:id (RFC 7644 §3.6): disable, revoke sessions, drop team memberships, then delete (or
 * hide). Each step is committed before the next, so a failure leaves the user disabled and a retry of
 * the DELETE completes it.
 */
export async function deleteUser(request: ScimRequest, id: string): Promise<ScimResponse> {
  requireSync(request, 'User')
  const disabled = await writeUser(request, id, (current) => ({
    fields: current.active ? { ...userFieldsOf(userResource(current)), active: false } : undefined,
    changedAttributes: current.active ? ['active'] : [],
  }))
  const user = disabled.after
  if (disabled.before.active) emit(request, { type: 'user.deactivated', resourceId: id })
  await revokeSessions(request, id, 'deleted')
  await request.stores.teams?.removeUserFromTeams(id)
  const mode = request.config.userDeletion
  if (mode === 'delete') {
    await request.stores.users.delete(id)
  } else {
    // Our own disable write moved the version on: If-Match was checked by the first step.
    await writeUser(
      request,
      id,
      (current) => ({
        fields: { ...userFieldsOf(userResource(current)), active: false, hidden: true },
        changedAttributes: [],
      }),
      false,
    )
  }
  emit(request, { type: 'user.deleted', resourceId: user.id, mode })
  return emptyResponse(204)
}
