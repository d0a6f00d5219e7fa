// Reading groups: the SCIM view of a team, its members page by page, and list pages within the response byte budget.
import type { ListPage, StoredTeam, TeamMember } from '../../types/stores'
import { isScimError, scimError } from '../errors'
import type { RequestTeams } from '../gateway'
import { etagOf, groupResource, locationOf, type ScimResource } from '../representation/resources'
import { cursorListResponseText, readCursor } from './cursor'
import { type ListParameters, listParametersFromQuery, projectionFromQuery } from './list-query'
import { listQuery, listResponseText, ResponseBudget } from './lists'
import type { Projection } from './projection'
import { notModified, projectionFor, type ScimRequest } from './request'
import { emptyResponse, jsonResponse, type ScimResponse } from './response'

/** Members read per `listMembers` call when a response needs the whole list. */
const MEMBER_PAGE = 10_000

export function notFound(): Error {
  return scimError(404, undefined, 'Group not found')
}

export function teamStoreOf(request: ScimRequest): RequestTeams {
  // The router does not route /Groups without a TeamStore; this guards the type.
  const store = request.stores.teams
  if (!store) throw notFound()
  return store
}

export function projection(
  request: ScimRequest,
  parameters = projectionFromQuery(request.query),
): Projection {
  return projectionFor(request, 'Group', parameters)
}

/** Every member of a team, read page by page. */
export async function readMembers(request: ScimRequest, id: string): Promise<TeamMember[]>
export async function readMembers(
  request: ScimRequest,
  id: string,
  admit: (count: number) => boolean,
  first?: ListPage<TeamMember>,
): Promise<TeamMember[] | undefined>
/**
 * Every member of a team, read page by page. With `admit`, the count the first page reports is offered
 * to it, and the rest is read only when it agrees (a list page's byte budget decides). `first`: the
 * first page, already read (by `listMembersOfTeams`), so reading goes on after it.
 */
export async function readMembers(
  request: ScimRequest,
  id: string,
  admit?: (count: number) => boolean,
  first?: ListPage<TeamMember>,
): Promise<TeamMember[] | undefined> {
  const store = teamStoreOf(request)
  const members: TeamMember[] = []
  let checked = first ?? (await store.listMembers(id, { startIndex: 1, count: MEMBER_PAGE }))
  if (!checked) throw notFound()
  if (admit && !admit(checked.totalResults)) return undefined
  for (;;) {
    // A loop, not push(...): a page of 10,000 spread as arguments is close to the engine's limits.
    for (const member of checked.resources) members.push(member)
    if (checked.resources.length === 0 || members.length >= checked.totalResults) return members
    const next = await store.listMembers(id, { startIndex: members.length + 1, count: MEMBER_PAGE })
    if (!next) throw notFound()
    checked = next
  }
}

/** The group as the client sees it; members are read only when the response carries them. */
export async function present(
  request: ScimRequest,
  team: StoredTeam,
  view: Projection,
  members?: readonly TeamMember[],
): Promise<ScimResource> {
  const list = members ?? (view.includes('members') ? await readMembers(request, team.id) : undefined)
  return presentWith(request, team, view, list)
}

function presentWith(
  request: ScimRequest,
  team: StoredTeam,
  view: Projection,
  list: readonly TeamMember[] | undefined,
): ScimResource {
  return view.apply(groupResource(team, list, locationOf(request.baseUrl, 'Groups', team.id)))
}

/** GET /Groups/:id. `excludedAttributes=members` never reads the member list. */
export async function getGroup(request: ScimRequest, id: string): Promise<ScimResponse> {
  const view = projection(request)
  const team = await teamStoreOf(request).get(id)
  if (!team) throw notFound()
  if (notModified(request, team.version)) {
    return emptyResponse(304, { ETag: etagOf(team.version) })
  }
  return jsonResponse(200, await present(request, team, view), { ETag: etagOf(team.version) })
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
  request: ScimRequest,
  parameters: ListParameters,
  budget: ResponseBudget,
): Promise<{ totalResults: number; resources: string[] }> {
  const view = projectionFor(request, 'Group', parameters)
  const query = listQuery(request.config, 'Group', parameters)
  const page = await teamStoreOf(request).list(query)
  const resources = await presentTeams(request, view, page.resources, budget)
  return { totalResults: page.totalResults, resources }
}

/** Teams of a store's page, presented one at a time within the budget (see `groupPage`). */
async function presentTeams(
  request: ScimRequest,
  view: Projection,
  teams: readonly StoredTeam[],
  budget: ResponseBudget,
): Promise<string[]> {
  const withMembers = view.includes('members')
  const firstPages = withMembers ? await firstMemberPages(request, teams) : undefined
  const resources: string[] = []
  for (const team of teams) {
    if (budget.closed) break
    let members: TeamMember[] | undefined
    if (withMembers) {
      const admit = (count: number) => budget.admits(count * MEMBER_BYTES)
      try {
        members = await readMembers(request, team.id, admit, firstPages?.get(team.id))
      } catch (error) {
        // Deleted since the page was read: it is no longer in the list.
        if (isScimError(error) && error.status === 404) continue
        throw error
      }
      if (!members) {
        budget.close()
        break
      }
    }
    const json = budget.take(presentWith(request, team, view, members))
    if (json === undefined) break
    resources.push(json)
  }
  return resources
}

/** A page of groups by cursor (RFC 9865), through the store's `listAfter`. */
async function groupCursorPage(request: ScimRequest, parameters: ListParameters): Promise<ScimResponse> {
  const store = teamStoreOf(request)
  const cursor = readCursor(request, 'Group', parameters, store.pagesAfter)
  const page = await store.listAfter(cursor.query)
  const view = projectionFor(request, 'Group', parameters)
  const budget = new ResponseBudget(request.config.maxResponseBytes)
  const resources = await presentTeams(request, view, page.resources, budget)
  const next = cursor.next(page.positions, resources.length, page.more)
  return jsonResponse(200, cursorListResponseText(page.totalResults, resources, next))
}

/**
 * The first members of every team of a list page in one store call, when the store can
 * (`listMembersOfTeams`): as many per team as the response budget could hold if it held them all, so
 * the call reads no more rows than one response may carry. Teams with more are read on alone, when the
 * budget admits them.
 */
async function firstMemberPages(
  request: ScimRequest,
  teams: readonly StoredTeam[],
): Promise<Map<string, ListPage<TeamMember>> | undefined> {
  const store = teamStoreOf(request)
  if (!store.readsMembersInBatches || teams.length === 0) return undefined
  const perTeam = Math.floor(request.config.maxResponseBytes / MEMBER_BYTES / teams.length)
  const count = Math.max(1, Math.min(MEMBER_PAGE, perTeam))
  return store.listMembersOfTeams(
    teams.map((team) => team.id),
    { startIndex: 1, count },
  )
}

/** GET /Groups and POST /Groups/.search; by cursor, RFC 9865. */
export async function listGroups(request: ScimRequest, parameters?: ListParameters): Promise<ScimResponse> {
  const checked = parameters ?? listParametersFromQuery(request.query)
  if (checked.cursor !== undefined) return groupCursorPage(request, checked)
  const page = await groupPage(request, checked, new ResponseBudget(request.config.maxResponseBytes))
  return jsonResponse(200, listResponseText(page.totalResults, checked.startIndex, page.resources))
}
