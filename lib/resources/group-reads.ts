// Reading groups: the SCIM view of a team, its members page by page, and list pages within the response byte budget.
import type { ListPage, StoredTeam, TeamMember, TeamStore } from '../../types/stores'
import { scimError } from '../errors'
import { type ListParameters, listParametersFromQuery, projectionFromQuery } from '../http/list-query'
import { sendEmpty, sendJson } from '../http/respond'
import { etagOf, groupResource, type ScimResource } from '../representation/resources'
import { type Exchange, notModified, projectionFor } from './exchange'
import { checkPage, listQuery, listResponseText, ResponseBudget } from './lists'
import type { Projection } from './projection'

/** Members read per `listMembers` call when a response needs the whole list. */
const MEMBER_PAGE = 10_000

export function notFound(): Error {
  return scimError(404, undefined, 'Group not found')
}

export function teamStoreOf(exchange: Exchange): TeamStore {
  // The router does not route /Groups without a TeamStore; this guards the type.
  const store = exchange.config.teamStore
  if (!store) throw notFound()
  return store
}

export function projection(exchange: Exchange, parameters = projectionFromQuery(exchange.query)): Projection {
  return projectionFor(exchange, 'Group', parameters)
}

/** Every member of a team, read page by page. */
export async function readMembers(exchange: Exchange, id: string): Promise<TeamMember[]>
export async function readMembers(
  exchange: Exchange,
  id: string,
  admit: (count: number) => boolean,
): Promise<TeamMember[] | undefined>
/**
 * Every member of a team, read page by page. With `admit`, the count the first page reports is offered
 * to it, and the rest is read only when it agrees (a list page's byte budget decides).
 */
export async function readMembers(
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
export async function present(
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
