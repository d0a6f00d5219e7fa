// The /Groups writes: SCIM groups as the host's teams, with membership changes sent as deltas that never read the member list.
import type { MemberChanges, MemberReference, PatchRequest } from '../../types/patch'
import type { StoredTeam, TeamChange } from '../../types/stores'
import { scimError } from '../errors'
import { isStorableId } from '../ids'
import { logStore } from '../log'
import {
  etagOf,
  groupResource,
  isVisibleToScim,
  locationOf,
  memberReferencesOf,
  newTeamOf,
  type ScimResource,
  teamFieldsOf,
} from '../representation/resources'
import { compareAndSwap, ifMatchNamesVersion } from './compare-and-swap'
import { notFound, present, projection, readMembers, teamStoreOf } from './group-reads'
import { checkResourceLimits } from './limits'
import { projectionFromQuery } from './list-query'
import { checkIfMatch, emit, readBody, requireSync, type ScimRequest } from './request'
import { emptyResponse, jsonResponse, type ScimResponse } from './response'

/** Member ids checked per `get` batch when the UserStore has no `findExisting`. */
const CHECK_BATCH = 100

/**
 * 400 unless every member is a user of the tenant (checked before anything is written, so a bad
 * member id applies nothing). Nested groups are not supported: Grafana's teams hold users.
 */
async function checkMembers(request: ScimRequest, members: readonly MemberReference[]): Promise<void> {
  for (const member of members) {
    if (member.type !== undefined && member.type.toLowerCase() !== 'user') {
      throw scimError(
        400,
        'invalidValue',
        'Only users can be members of a group (nested groups are not supported)',
      )
    }
  }
  // An id no store could hold names no user: refused here, before any store call (and never echoed).
  if (members.some((member) => !isStorableId(member.value))) {
    throw scimError(
      400,
      'invalidValue',
      'A member id cannot exist: ids are 1 to 512 characters without U+0000',
    )
  }
  const ids = [...new Set(members.map((m) => m.value))]
  if (ids.length === 0) return
  const users = request.stores.users
  let existing: Set<string>
  if (users.findsExisting) {
    existing = await users.findExisting(ids)
  } else {
    existing = new Set()
    for (let i = 0; i < ids.length; i += CHECK_BATCH) {
      const batch = ids.slice(i, i + CHECK_BATCH)
      const found = await Promise.all(batch.map((id) => users.peek(id)))
      found.forEach((user, index) => {
        if (user && isVisibleToScim(user)) existing.add(batch[index]!)
      })
    }
  }
  const missing = ids.find((id) => !existing.has(id))
  if (missing !== undefined) {
    throw scimError(400, 'invalidValue', `The member '${missing}' is not a user of this tenant`)
  }
}

/** POST /Groups. RFC 7644 §3.3. */
export async function createGroup(request: ScimRequest): Promise<ScimResponse> {
  requireSync(request, 'Group')
  const body = await readBody(request)
  const { resource } = request.config.groupValidator!.read(body)
  checkResourceLimits(request.config.limits, resource, 'Group')
  const members = memberReferencesOf(resource)
  await checkMembers(request, members)
  const team = await teamStoreOf(request).create(newTeamOf(resource), members)
  emit(request, {
    type: 'group.created',
    resourceId: team.id,
    displayName: team.displayName,
    memberCount: members.length,
  })
  const given = members.map((m) =>
    m.display === undefined ? { value: m.value } : { value: m.value, display: m.display },
  )
  return jsonResponse(201, await present(request, team, projection(request), given), {
    ETag: etagOf(team.version),
    Location: locationOf(request.baseUrl, 'Groups', team.id),
  })
}

/** What a PUT or PATCH decided to write, from the team it read. */
interface TeamPlan {
  /** True when the team's own attributes change. */
  readonly write: boolean
  /** The resource after the request. */
  readonly resource?: ScimResource
  /** The member change, when the request makes one. */
  readonly members?: MemberChanges | undefined
  /** Anything the caller needs afterwards. */
  readonly after?: unknown
}

/** What `writeTeam` did. */
interface TeamWrite {
  readonly before: StoredTeam
  readonly after: StoredTeam
  readonly extra: unknown
  /** True when `writeTeam` wrote the member change itself, in one `applyChange`. */
  readonly membersWritten: boolean
}

/** True for a delta that both removes and adds: two store calls, unless `applyChange` makes them one. */
function removesAndAdds(members: MemberChanges): boolean {
  return members.kind === 'delta' && members.added.length > 0 && members.removed.length > 0
}

/** True for a delta that changes nothing: it needs no write, so no conditional one either. */
function isEmptyDelta(members: MemberChanges): boolean {
  return members.kind === 'delta' && members.added.length === 0 && members.removed.length === 0
}

/**
 * 501 for a member change that `If-Match` makes conditional on a store without `applyChange`: its
 * member methods take no version, so the change could only be written unconditionally, which would
 * ignore the precondition (RFC 7644 §3.14). Fails closed: nothing is written.
 */
function cannotBeConditional(request: ScimRequest): Error {
  logStore(
    'a member change with If-Match needs TeamStore.applyChange to be conditional; refused (%s)',
    request.context.requestId,
  )
  return scimError(501, undefined, 'Conditional (If-Match) member changes need TeamStore.applyChange')
}

/**
 * Writes a team's change from the version read. Fields are written with compare-and-swap, reading again
 * after a lost race (with the member change in the same `applyChange` when the store has it, so a
 * failure writes nothing). A change of members only is a commuting delta: it is written with no version
 * check, so concurrent member changes never fail, unless `If-Match` names a version; then it is
 * conditional on that version (`applyChange` with `expectedVersion`), and 412 when another write landed
 * after the read. Member changes not written here are left to `finishMemberChanges`.
 */
function writeTeam(
  request: ScimRequest,
  id: string,
  plan: (current: StoredTeam) => Promise<TeamPlan>,
): Promise<TeamWrite> {
  const store = teamStoreOf(request)
  const conditional = ifMatchNamesVersion(request)
  return compareAndSwap(request, {
    what: 'group',
    read: () => store.get(id),
    notFound,
    honourIfMatch: true,
    apply: async (before) => {
      const decided = await plan(before)
      const fields = decided.write && decided.resource ? teamFieldsOf(decided.resource) : undefined
      const members = decided.members && !isEmptyDelta(decided.members) ? decided.members : undefined
      const written = async (change: TeamChange): Promise<TeamWrite> => {
        const after = await store.applyChange(id, change)
        if (!after) throw notFound()
        return { before, after, extra: decided.after, membersWritten: true }
      }
      if (fields) {
        // The fields were computed from the version read: always compare-and-swap on it.
        if (members && store.appliesChanges)
          return written({ fields, expectedVersion: before.version, members })
        const after = await store.update(id, fields, before.version)
        if (!after) throw notFound()
        return { before, after, extra: decided.after, membersWritten: false }
      }
      if (members && conditional) {
        if (!store.appliesChanges) throw cannotBeConditional(request)
        return written({ expectedVersion: before.version, members })
      }
      // Deltas commute: applied to whatever the membership now is, they lose no concurrent change.
      if (members && store.appliesChanges && removesAndAdds(members)) return written({ members })
      return { before, after: before, extra: decided.after, membersWritten: false }
    },
  })
}

/** Events for a change of a team's own attributes. */
function emitAttributeChanges(
  request: ScimRequest,
  before: StoredTeam,
  after: StoredTeam,
  changed: readonly string[],
): void {
  if (before.displayName !== after.displayName) {
    emit(request, {
      type: 'group.renamed',
      resourceId: after.id,
      from: before.displayName,
      to: after.displayName,
    })
  }
  const others = changed.filter((a) => a !== 'displayName' && a !== 'members')
  if (others.length > 0)
    emit(request, { type: 'group.updated', resourceId: after.id, changedAttributes: others })
}

/** Reports a membership change that is written. */
function emitMemberChanges(request: ScimRequest, id: string, changes: MemberChanges): void {
  if (changes.kind === 'replace') {
    emit(request, { type: 'group.membersReplaced', resourceId: id, memberCount: changes.members.length })
    return
  }
  if (changes.removed.length > 0) {
    emit(request, { type: 'group.membersRemoved', resourceId: id, userIds: changes.removed })
  }
  if (changes.added.length > 0) {
    emit(request, { type: 'group.membersAdded', resourceId: id, userIds: changes.added.map((m) => m.value) })
  }
}

/**
 * Hands membership changes to the store as deltas (or one replacement), and reports them. Used when
 * `writeTeam` did not write them already: a change of one kind without `If-Match` (one store call, one
 * transaction, no version needed), or a store without `applyChange`.
 */
async function applyMemberChanges(request: ScimRequest, id: string, changes: MemberChanges): Promise<void> {
  const store = teamStoreOf(request)
  if (changes.kind === 'replace') {
    if (!(await store.replaceMembers(id, changes.members))) throw notFound()
  } else {
    if (changes.removed.length > 0 && !(await store.removeMembers(id, changes.removed))) {
      throw notFound()
    }
    if (changes.added.length > 0 && !(await store.addMembers(id, changes.added))) {
      throw notFound()
    }
  }
  emitMemberChanges(request, id, changes)
}

/** Writes (unless written already) and reports a request's member change. */
async function finishMemberChanges(
  request: ScimRequest,
  id: string,
  changes: MemberChanges | undefined,
  written: boolean,
): Promise<void> {
  if (!changes) return
  if (written) emitMemberChanges(request, id, changes)
  else await applyMemberChanges(request, id, changes)
}

/** PUT /Groups/:id: replaces the group and its member list. RFC 7644 §3.5.1. */
export async function replaceGroup(request: ScimRequest, id: string): Promise<ScimResponse> {
  requireSync(request, 'Group')
  const body = await readBody(request)
  const validator = request.config.groupValidator!
  const { resource } = validator.read(body, { checkNames: false })
  const members = memberReferencesOf(resource)
  await checkMembers(request, members)
  const replacement: MemberChanges = { kind: 'replace', members }
  const { before, after, membersWritten } = await writeTeam(request, id, async (current) => {
    const currentResource = groupResource(current)
    validator.checkImmutable(currentResource, resource)
    checkResourceLimits(request.config.limits, resource, 'Group', currentResource)
    validator.checkNames(resource, current)
    return { write: true, resource, members: replacement }
  })
  emitAttributeChanges(request, before, after, before.externalId !== after.externalId ? ['externalId'] : [])
  await finishMemberChanges(request, id, replacement, membersWritten)
  const team = membersWritten ? after : await teamStoreOf(request).get(id)
  if (!team) throw notFound()
  return jsonResponse(200, await present(request, team, projection(request)), {
    ETag: etagOf(team.version),
  })
}

/**
 * PATCH /Groups/:id (RFC 7644 §3.5.2). Member operations become store deltas without reading the member
 * list, unless the request needs it (`requiresMemberList`: an add or replace on a filtered `members`
 * path, or a remove filtered on something other than `value`). The response is 204,
 * as Entra expects, unless the client asks for attributes; then 200 with the resource.
 */
export async function patchGroup(request: ScimRequest, id: string): Promise<ScimResponse> {
  requireSync(request, 'Group')
  const body = (await readBody(request)) as unknown as PatchRequest
  const config = request.config
  const needsList = config.groupPatcher!.requiresMemberList(body)
  const { before, after, extra, membersWritten } = await writeTeam(request, id, async (current) => {
    const members = needsList ? await readMembers(request, id) : undefined
    const patch = needsList ? config.groupPatcherWithMembers! : config.groupPatcher!
    const currentResource = groupResource(current, members)
    const result = patch(currentResource, body)
    config.groupValidator!.checkNames(result.resource, current)
    const attributes = result.changedAttributes.filter((a) => a !== 'members')
    // Only the document is limited; a members-only change leaves it as it was.
    if (attributes.length > 0) checkResourceLimits(config.limits, result.resource, 'Group', currentResource)
    const changes = result.memberChanges
    if (changes) await checkMembers(request, changes.kind === 'replace' ? changes.members : changes.added)
    return {
      write: attributes.length > 0,
      resource: result.resource,
      members: changes,
      after: { changes, attributes },
    }
  })
  const { changes, attributes } = extra as { changes: MemberChanges | undefined; attributes: string[] }
  emitAttributeChanges(request, before, after, attributes)
  await finishMemberChanges(request, id, changes, membersWritten)
  const team = changes && !membersWritten ? await teamStoreOf(request).get(id) : after
  if (!team) throw notFound()
  const asked = projectionFromQuery(request.query)
  if (asked.attributes || asked.excludedAttributes) {
    return jsonResponse(200, await present(request, team, projection(request, asked)), {
      ETag: etagOf(team.version),
    })
  }
  return emptyResponse(204, { ETag: etagOf(team.version) })
}

/** DELETE /Groups/:id. RFC 7644 §3.6. */
export async function deleteGroup(request: ScimRequest, id: string): Promise<ScimResponse> {
  requireSync(request, 'Group')
  const store = teamStoreOf(request)
  const team = await store.get(id)
  if (!team) throw notFound()
  checkIfMatch(request, team.version)
  if (!(await store.delete(id))) throw notFound()
  emit(request, { type: 'group.deleted', resourceId: id })
  return emptyResponse(204)
}
