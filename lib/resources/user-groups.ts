// The `groups` of users (RFC 7643 §4.1.2, readOnly): read from the TeamStore once per response, never once per user, and only when the response carries them.
import type { TeamOfUser } from '../../types/stores'
import { locationOf, type ScimResource } from '../representation/resources'
import type { Projection } from './projection'
import type { ScimRequest } from './request'

/** The teams of the users of one response, by user id; undefined when the response carries no `groups`. */
export type UserGroups = ReadonlyMap<string, readonly TeamOfUser[]> | undefined

/**
 * The teams of these users, in one `listTeamsOfUsers` call, at most `maxValuesPerAttribute` per user
 * (the bound on any multi-valued attribute). None when the TeamStore does not answer it, or the
 * projection leaves `groups` out (`excludedAttributes=groups`, or `attributes` without it).
 */
export async function groupsOfUsers(
  request: ScimRequest,
  userIds: readonly string[],
  view: Projection,
): Promise<UserGroups> {
  const teams = request.stores.teams
  if (!teams?.readsTeamsOfUsers || userIds.length === 0 || !view.includes('groups')) return undefined
  return teams.listTeamsOfUsers(userIds, request.config.limits.maxValuesPerAttribute)
}

/**
 * Sets the user's `groups` from its teams: direct memberships (teams do not nest), each with the group's
 * id, URL and name. A user in no team has no `groups` (RFC 7643 §2.5: an empty list is unassigned).
 */
export function addGroups(
  resource: ScimResource,
  teams: readonly TeamOfUser[] | undefined,
  baseUrl: string,
): ScimResource {
  if (teams === undefined || teams.length === 0) return resource
  resource.groups = teams.map((team) => ({
    value: team.id,
    $ref: locationOf(baseUrl, 'Groups', team.id),
    display: team.displayName,
    type: 'direct',
  }))
  return resource
}
