// The /Groups endpoints: SCIM groups as the host's teams, with membership changes sent as deltas that never read the member list.
import type { MemberChanges, MemberReference, PatchRequest } from '../../types/patch'
import type { ListPage, StoredTeam, TeamChange, TeamMember, TeamStore } from '../../types/stores'
import { scimError } from '../errors'
import { type ListParameters, listParametersFromQuery, projectionFromQuery } from '../http/list-query'
import { sendEmpty, sendJson } from '../http/respond'
import { isStorableId } from '../ids'
import { logStore } from '../log'
import { compareAndSwap, ifMatchNamesVersion } from './compare-and-swap'
import {
  checkIfMatch,
  type Exchange,
  emit,
  notModified,
  projectionFor,
  readBody,
  requireSync,
} from './exchange'
import { checkResourceLimits } from './limits'
import { checkPage, listQuery, listResponseText, ResponseBudget } from './lists'
import type { Projection } from './projection'
import {
  etagOf,
  groupResource,
  isVisibleToScim,
  memberReferencesOf,
  type ScimResource,
  teamFieldsOf,
} from './representation'

/** Members read per `listMembers` call when a response needs the whole list. */
const MEMBER_PAGE = 10_000

/** Member ids checked per `get` batch when the UserStore has no `findExisting`. */
const CHECK_BATCH = 100

function notFound(): Error {
  return scimError(404, undefined, 'Group not found')
}

function teamStoreOf(exchange: Exchange): TeamStore {
  // The router does not route /Groups without a TeamStore; this guards the type.
  const store = exchange.config.teamStore
  if (!store) throw notFound()
  return store
}

function projection(exchange: Exchange, parameters = projectionFromQuery(exchange.query)): Projection {
  return projectionFor(exchange, 'Group', parameters)
}

/** Every member of a team, read page by page. */
async function readMembers(exchange: Exchange, id: string): Promise<TeamMember[]>
async function readMembers(
  exchange: Exchange,
  id: string,
  admit: (count: number) => boolean,
): Promise<TeamMember[] | undefined>
/**
 * Every member of a team, read page by page. With `admit`, the count the first page reports is offered
 * to it, and the rest is read only when it agrees (a list page's byte budget decides).
 */
async function readMembers(
  exchange: Exchange,
  id: string,
  admit?: (count: number) => boolean,
): Promise<TeamMember[] | undefined> {
  const store = teamStoreOf(exchange)
  const members: TeamMember[] = []
  for (let startIndex = 1; ; startIndex += MEMBER_PAGE) {
    const page = (await store.listMembers(id, { startIndex, count: MEMBER_PAGE }, exchange.context)) as
      | ListPage<TeamMember>
      | undefined
      | null
    if (!page) throw notFound()
    const checked = checkPage<TeamMember>(page, MEMBER_PAGE)
    if (startIndex === 1 && admit && !admit(checked.totalResults)) return undefined
    // A loop, not push(...): a page of 10,000 spread as arguments is close to the engine's limits.
    for (const member of checked.resources) members.push(member)
    if (checked.resources.length === 0 || members.length >= checked.totalResults) return members
  }
}

/** The group as the client sees it; members are read only when the response carries them. */
async function present(
  exchange: Exchange,
  team: StoredTeam,
  view: Projection,
  members?: readonly TeamMember[],
): Promise<ScimResource> {
  const list = members ?? (view.includes('members') ? await readMembers(exchange, team.id) : undefined)
  return presentWith(exchange, team, view, list)
}

function presentWith(
  exchange: Exchange,
  team: StoredTeam,
  view: Projection,
  list: readonly TeamMember[] | undefined,
): ScimResource {
  const resource = groupResource(team, list)
  ;(resource.meta as Record<string, unknown>).location =
    `${exchange.baseUrl}/Groups/${encodeURIComponent(team.id)}`
  return view.apply(resource)
}

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

/** GET /Groups/:id. `excludedAttributes=members` never reads the member list. */
export async function getGroup(exchange: Exchange, id: string): Promise<void> {
  const view = projection(exchange)
  const team = await teamStoreOf(exchange).get(id, exchange.context)
  if (!team) throw notFound()
  if (notModified(exchange, team.version)) {
    sendEmpty(exchange.response, 304, { ETag: etagOf(team.version) })
    return
  }
  sendJson(exchange.response, 200, await present(exchange, team, view), { ETag: etagOf(team.version) })
}

/** What one member reference costs in a response, at least: `{"value":"<uuid>","type":"User"}`. */
const MEMBER_BYTES = 50

/**
 * The groups of one list page, projected and serialised within the response budget; shared by GET
 * /Groups and the searches. Groups are presented one at a time, and a group's members are read only when
 * their count fits what is left of the budget (the first group always is: a page holds at least one),
 * so a page of large teams costs what the budget allows, not `count` × their member lists.
 */
export async function groupPage(
  exchange: Exchange,
  parameters: ListParameters,
  budget: ResponseBudget,
): Promise<{ totalResults: number; resources: string[] }> {
  const view = projectionFor(exchange, 'Group', parameters)
  const query = listQuery(exchange.config, 'Group', parameters)
  const page = checkPage<StoredTeam>(await teamStoreOf(exchange).list(query, exchange.context), query.count)
  const withMembers = view.includes('members')
  const resources: string[] = []
  for (const team of page.resources) {
    if (budget.closed) break
    let members: TeamMember[] | undefined
    if (withMembers) {
      members = await readMembers(exchange, team.id, (count) => budget.admits(count * MEMBER_BYTES))
      if (!members) {
        budget.close()
        break
      }
    }
    const json = budget.take(presentWith(exchange, team, view, members))
    if (json === undefined) break
    resources.push(json)
  }
  return { totalResults: page.totalResults, resources }
}

/** GET /Groups and POST /Groups/.search. */
export async function listGroups(exchange: Exchange, parameters?: ListParameters): Promise<void> {
  const checked = parameters ?? listParametersFromQuery(exchange.query)
  const page = await groupPage(exchange, checked, new ResponseBudget(exchange.config.maxResponseBytes))
  sendJson(exchange.response, 200, listResponseText(page.totalResults, checked.startIndex, page.resources))
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
    if (result.changed) checkResourceLimits(config.limits, result.resource, 'Group', currentResource)
    const changes = result.memberChanges
    if (changes) await checkMembers(exchange, changes.kind === 'replace' ? changes.members : changes.added)
    const attributes = result.changedAttributes.filter((a) => a !== 'members')
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
