// The /Groups writes: SCIM groups as the host's teams, with membership changes sent as deltas that never read the member list.
import type { MemberChanges, MemberReference, PatchRequest } from '../../types/patch'
import type { StoredTeam, TeamChange } from '../../types/stores'
import { scimError } from '../errors'
import { projectionFromQuery } from '../http/list-query'
import { sendEmpty, sendJson } from '../http/respond'
import { isStorableId } from '../ids'
import { logStore } from '../log'
import {
  etagOf,
  groupResource,
  isVisibleToScim,
  memberReferencesOf,
  type ScimResource,
  teamFieldsOf,
} from '../representation/resources'
import { compareAndSwap, ifMatchNamesVersion } from './compare-and-swap'
import { checkIfMatch, type Exchange, emit, readBody, requireSync } from './exchange'
import { notFound, present, projection, readMembers, teamStoreOf } from './group-reads'
import { checkResourceLimits } from './limits'

/** Member ids checked per `get` batch when the UserStore has no `findExisting`. */
const CHECK_BATCH = 100

/**
 * 400 unless every member is a user of the tenant (checked before anything is written, so a bad
 * member id applies nothing). Nested groups are not supported: Grafana's teams hold users.
 */
async function checkMembers(exchange: Exchange, members: readonly MemberReference[]): Promise<void> {
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
  const users = exchange.config.userStore
  let existing: Set<string>
  if (users.findExisting) {
    existing = new Set(await users.findExisting(ids, exchange.context))
  } else {
    existing = new Set()
    for (let i = 0; i < ids.length; i += CHECK_BATCH) {
      const batch = ids.slice(i, i + CHECK_BATCH)
      const found = await Promise.all(batch.map((id) => users.get(id, exchange.context)))
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
export async function createGroup(exchange: Exchange): Promise<void> {
  requireSync(exchange, 'Group')
  const body = await readBody(exchange)
  const { resource } = exchange.config.groupValidator!.read(body)
  checkResourceLimits(exchange.config.limits, resource, 'Group')
  const members = memberReferencesOf(resource)
  await checkMembers(exchange, members)
  const team = await teamStoreOf(exchange).create(
    { ...teamFieldsOf(resource), provisioned: true },
    members,
    exchange.context,
  )
  emit(exchange, {
    type: 'group.created',
    resourceId: team.id,
    displayName: team.displayName,
    memberCount: members.length,
  })
  const given = members.map((m) =>
    m.display === undefined ? { value: m.value } : { value: m.value, display: m.display },
  )
  sendJson(exchange.response, 201, await present(exchange, team, projection(exchange), given), {
    ETag: etagOf(team.version),
    Location: `${exchange.baseUrl}/Groups/${encodeURIComponent(team.id)}`,
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
function cannotBeConditional(exchange: Exchange): Error {
  logStore(
    'a member change with If-Match needs TeamStore.applyChange to be conditional; refused (%s)',
    exchange.context.requestId,
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
  exchange: Exchange,
  id: string,
  plan: (current: StoredTeam) => Promise<TeamPlan>,
): Promise<TeamWrite> {
  const store = teamStoreOf(exchange)
  const conditional = ifMatchNamesVersion(exchange)
  return compareAndSwap(exchange, {
    what: 'group',
    read: async () => store.get(id, exchange.context),
    notFound,
    honourIfMatch: true,
    apply: async (before) => {
      const decided = await plan(before)
      const fields = decided.write && decided.resource ? teamFieldsOf(decided.resource) : undefined
      const members = decided.members && !isEmptyDelta(decided.members) ? decided.members : undefined
      const written = async (change: TeamChange): Promise<TeamWrite> => {
        const after = await store.applyChange!(id, change, exchange.context)
        if (!after) throw notFound()
        return { before, after, extra: decided.after, membersWritten: true }
      }
      if (fields) {
        // The fields were computed from the version read: always compare-and-swap on it.
        if (members && store.applyChange) return written({ fields, expectedVersion: before.version, members })
        const after = await store.update(id, fields, before.version, exchange.context)
        if (!after) throw notFound()
        return { before, after, extra: decided.after, membersWritten: false }
      }
      if (members && conditional) {
        if (!store.applyChange) throw cannotBeConditional(exchange)
        return written({ expectedVersion: before.version, members })
      }
      // Deltas commute: applied to whatever the membership now is, they lose no concurrent change.
      if (members && store.applyChange && removesAndAdds(members)) return written({ members })
      return { before, after: before, extra: decided.after, membersWritten: false }
    },
  })
}

/** Events for a change of a team's own attributes. */
function emitAttributeChanges(
  exchange: Exchange,
  before: StoredTeam,
  after: StoredTeam,
  changed: readonly string[],
): void {
  if (before.displayName !== after.displayName) {
    emit(exchange, {
      type: 'group.renamed',
      resourceId: after.id,
      from: before.displayName,
      to: after.displayName,
    })
  }
  const others = changed.filter((a) => a !== 'displayName' && a !== 'members')
  if (others.length > 0)
    emit(exchange, { type: 'group.updated', resourceId: after.id, changedAttributes: others })
}

/** Reports a membership change that is written. */
function emitMemberChanges(exchange: Exchange, id: string, changes: MemberChanges): void {
  if (changes.kind === 'replace') {
    emit(exchange, { type: 'group.membersReplaced', resourceId: id, memberCount: changes.members.length })
    return
  }
  if (changes.removed.length > 0) {
    emit(exchange, { type: 'group.membersRemoved', resourceId: id, userIds: changes.removed })
  }
  if (changes.added.length > 0) {
    emit(exchange, { type: 'group.membersAdded', resourceId: id, userIds: changes.added.map((m) => m.value) })
  }
}

/**
 * Hands membership changes to the store as deltas (or one replacement), and reports them. Used when
 * `writeTeam` did not write them already: a change of one kind without `If-Match` (one store call, one
 * transaction, no version needed), or a store without `applyChange`.
 */
async function applyMemberChanges(exchange: Exchange, id: string, changes: MemberChanges): Promise<void> {
  const store = teamStoreOf(exchange)
  if (changes.kind === 'replace') {
    if (!(await store.replaceMembers(id, changes.members, exchange.context))) throw notFound()
  } else {
    if (changes.removed.length > 0 && !(await store.removeMembers(id, changes.removed, exchange.context))) {
      throw notFound()
    }
    if (changes.added.length > 0 && !(await store.addMembers(id, changes.added, exchange.context))) {
      throw notFound()
    }
  }
  emitMemberChanges(exchange, id, changes)
}

/** Writes (unless written already) and reports a request's member change. */
async function finishMemberChanges(
  exchange: Exchange,
  id: string,
  changes: MemberChanges | undefined,
  written: boolean,
): Promise<void> {
  if (!changes) return
  if (written) emitMemberChanges(exchange, id, changes)
  else await applyMemberChanges(exchange, id, changes)
}

/** PUT /Groups/:id: replaces the group and its member list. RFC 7644 §3.5.1. */
export async function replaceGroup(exchange: Exchange, id: string): Promise<void> {
  requireSync(exchange, 'Group')
  const body = await readBody(exchange)
  const validator = exchange.config.groupValidator!
  const { resource } = validator.read(body, { checkNames: false })
  const members = memberReferencesOf(resource)
  await checkMembers(exchange, members)
  const replacement: MemberChanges = { kind: 'replace', members }
  const { before, after, membersWritten } = await writeTeam(exchange, id, async (current) => {
    const currentResource = groupResource(current)
    validator.checkImmutable(currentResource, resource)
    checkResourceLimits(exchange.config.limits, resource, 'Group', currentResource)
    validator.checkNames(resource, current)
    return { write: true, resource, members: replacement }
  })
  emitAttributeChanges(exchange, before, after, before.externalId !== after.externalId ? ['externalId'] : [])
  await finishMemberChanges(exchange, id, replacement, membersWritten)
  const team = membersWritten ? after : await teamStoreOf(exchange).get(id, exchange.context)
  if (!team) throw notFound()
  sendJson(exchange.response, 200, await present(exchange, team, projection(exchange)), {
    ETag: etagOf(team.version),
  })
}

/**
 * PATCH /Groups/:id (RFC 7644 §3.5.2). Member operations become store deltas without reading the member
 * list, unless the request needs it (a filter on something other than `value`). The response is 204,
 * as Entra expects, unless the client asks for attributes; then 200 with the resource.
 */
export async function patchGroup(exchange: Exchange, id: string): Promise<void> {
  requireSync(exchange, 'Group')
  const body = (await readBody(exchange)) as unknown as PatchRequest
  const config = exchange.config
  const needsList = config.groupPatcher!.requiresMemberList(body)
  const { before, after, extra, membersWritten } = await writeTeam(exchange, id, async (current) => {
    const members = needsList ? await readMembers(exchange, id) : undefined
    const patch = needsList ? config.groupPatcherWithMembers! : config.groupPatcher!
    const currentResource = groupResource(current, members)
    const result = patch(currentResource, body)
    config.groupValidator!.checkNames(result.resource, current)
    const attributes = result.changedAttributes.filter((a) => a !== 'members')
    // Only the document is limited; a members-only change leaves it as it was.
    if (attributes.length > 0) checkResourceLimits(config.limits, result.resource, 'Group', currentResource)
    const changes = result.memberChanges
    if (changes) await checkMembers(exchange, changes.kind === 'replace' ? changes.members : changes.added)
    return {
      write: attributes.length > 0,
      resource: result.resource,
      members: changes,
      after: { changes, attributes },
    }
  })
  const { changes, attributes } = extra as { changes: MemberChanges | undefined; attributes: string[] }
  emitAttributeChanges(exchange, before, after, attributes)
  await finishMemberChanges(exchange, id, changes, membersWritten)
  const team = changes && !membersWritten ? await teamStoreOf(exchange).get(id, exchange.context) : after
  if (!team) throw notFound()
  const asked = projectionFromQuery(exchange.query)
  if (asked.attributes || asked.excludedAttributes) {
    sendJson(exchange.response, 200, await present(exchange, team, projection(exchange, asked)), {
      ETag: etagOf(team.version),
    })
    return
  }
  sendEmpty(exchange.response, 204, { ETag: etagOf(team.version) })
}

/** DELETE /Groups/:id. RFC 7644 §3.6. */
export async function deleteGroup(exchange: Exchange, id: string): Promise<void> {
  requireSync(exchange, 'Group')
  const store = teamStoreOf(exchange)
  const team = await store.get(id, exchange.context)
  if (!team) throw notFound()
  checkIfMatch(exchange, team.version)
  if (!(await store.delete(id, exchange.context))) throw notFound()
  emit(exchange, { type: 'group.deleted', resourceId: id })
  sendEmpty(exchange.response, 204)
}
