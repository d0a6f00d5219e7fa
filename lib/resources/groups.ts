// The /Groups endpoints: SCIM groups as the host's teams, with membership changes sent as deltas that never read the member list.
import type { MemberChanges, MemberReference, PatchRequest } from '../../types/patch'
import type { ListPage, StoredTeam, TeamMember, TeamStore } from '../../types/stores'
import { scimError } from '../errors'
import { type ListParameters, listParametersFromQuery, projectionFromQuery } from '../http/list-query'
import { sendEmpty, sendJson } from '../http/respond'
import { compareAndSwap } from './compare-and-swap'
import {
  checkIfMatch,
  type Exchange,
  emit,
  notModified,
  projectionFor,
  readBody,
  requireSync,
} from './exchange'
import { checkPage, listQuery, listResponse } from './lists'
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
async function readMembers(exchange: Exchange, id: string): Promise<TeamMember[]> {
  const store = teamStoreOf(exchange)
  const members: TeamMember[] = []
  for (let startIndex = 1; ; startIndex += MEMBER_PAGE) {
    const page = (await store.listMembers(id, { startIndex, count: MEMBER_PAGE }, exchange.context)) as
      | ListPage<TeamMember>
      | undefined
      | null
    if (!page) throw notFound()
    const checked = checkPage<TeamMember>(page, MEMBER_PAGE)
    members.push(...checked.resources)
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

/** The groups of one list page, projected; shared by GET /Groups and the searches. */
export async function groupPage(
  exchange: Exchange,
  parameters: ListParameters,
): Promise<{ totalResults: number; resources: ScimResource[] }> {
  const view = projectionFor(exchange, 'Group', parameters)
  const query = listQuery(exchange.config, 'Group', parameters)
  const page = checkPage<StoredTeam>(await teamStoreOf(exchange).list(query, exchange.context), query.count)
  return {
    totalResults: page.totalResults,
    resources: await Promise.all(page.resources.map((team) => present(exchange, team, view))),
  }
}

/** GET /Groups and POST /Groups/.search. */
export async function listGroups(exchange: Exchange, parameters?: ListParameters): Promise<void> {
  const checked = parameters ?? listParametersFromQuery(exchange.query)
  const page = await groupPage(exchange, checked)
  sendJson(exchange.response, 200, listResponse(page.totalResults, checked.startIndex, page.resources))
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
  /** True when the member change was written with the fields, in one `applyChange`. */
  readonly membersWritten: boolean
}

/** True when writing the plan takes more than one store call: then `applyChange` makes it one. */
function needsOneTransaction(fields: boolean, members: MemberChanges | undefined): boolean {
  if (!members) return false
  return fields || (members.kind === 'delta' && members.added.length > 0 && members.removed.length > 0)
}

/**
 * Writes a team's fields with compare-and-swap, reading again after a lost race. When the request also
 * changes members and the store has `applyChange`, both go in one call, so a failure writes nothing.
 */
function writeTeam(
  exchange: Exchange,
  id: string,
  plan: (current: StoredTeam) => Promise<TeamPlan>,
): Promise<TeamWrite> {
  const store = teamStoreOf(exchange)
  return compareAndSwap(exchange, {
    what: 'group',
    read: async () => store.get(id, exchange.context),
    notFound,
    honourIfMatch: true,
    apply: async (before) => {
      const decided = await plan(before)
      const fields = decided.write && decided.resource ? teamFieldsOf(decided.resource) : undefined
      if (
        store.applyChange &&
        decided.members &&
        needsOneTransaction(fields !== undefined, decided.members)
      ) {
        // Always conditional on the version read: the change was computed from it.
        const change = fields
          ? { fields, expectedVersion: before.version, members: decided.members }
          : { expectedVersion: before.version, members: decided.members }
        const after = await store.applyChange(id, change, exchange.context)
        if (!after) throw notFound()
        return { before, after, extra: decided.after, membersWritten: true }
      }
      if (!fields) return { before, after: before, extra: decided.after, membersWritten: false }
      const after = await store.update(id, fields, before.version, exchange.context)
      if (!after) throw notFound()
      return { before, after, extra: decided.after, membersWritten: false }
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
 * `writeTeam` did not write them already: a delta of one kind, or a store without `applyChange`.
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
  const { resource } = validator.read(body)
  const members = memberReferencesOf(resource)
  await checkMembers(exchange, members)
  const replacement: MemberChanges = { kind: 'replace', members }
  const { before, after, membersWritten } = await writeTeam(exchange, id, async (current) => {
    validator.checkImmutable(groupResource(current), resource)
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
    const result = patch(groupResource(current, members), body)
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
