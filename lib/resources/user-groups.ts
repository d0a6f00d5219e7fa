// The `groups` of users (RFC 7643 §4.1.2, readOnly): read from the TeamStore once per response, never once per user, and only when the response carries them.
import type { TeamOfUser } from '../../types/stores'
import { locationOf, type ScimResource } from '../representation/resources'
import type { Projection } from './projection'
import type { ScimRequest } from './request'

/** What one group reference costs in a response, at least: `{"value":"<uuid>","$ref":"…","display":"…","type":"direct"}`. */
const GROUP_BYTES = 60

/** The teams of the users of one response, by user id, each read up to `limit`. */
export interface UserGroups {
  readonly teams: ReadonlyMap<string, readonly TeamOfUser[]>
  /** How many teams were read per user: a user with that many may have more. */
  readonly limit: number
}

/**
 * The teams of these users, in one `listTeamsOfUsers` call: as many per user as the response byte
 * budget could hold if every user had that many, and never more than `maxValuesPerAttribute` (the bound
 * on any multi-valued attribute), so the call reads no more than one response may carry.
 * `teamsOf` reads on, alone, a user that reached that number. None when the TeamStore does not answer
 * it, or the projection leaves `groups` out (`excludedAttributes=groups`, or `attributes` without it).
 */
export function groupsOfUsers(
  request: ScimRequest,
  userIds: readonly string[],
  view: Projection,
): Promise<UserGroups> | undefined {
  // Without the store method or the attribute, nothing to wait for: no promise on the hot path.
  if (userIds.length === 0 || !view.includes('groups')) return undefined
  const teams = request.stores.teams
  if (!teams?.readsTeamsOfUsers) return undefined
  const { maxValuesPerAttribute } = request.config.limits
  const perUser = Math.floor(request.config.maxResponseBytes / GROUP_BYTES / userIds.length)
  const limit = Math.max(1, Math.min(maxValuesPerAttribute, perUser))
  return teams.listTeamsOfUsers(userIds, limit).then((found) => ({ teams: found, limit }))
}

/**
 * One user's teams: from the batched read, or, for a user that reached its limit, read again alone up
 * to `maxValuesPerAttribute`, when `admits` agrees that what was read fits what is left of the response
 * (else undefined: the page ends before this user).
 */
export function teamsOf(
  request: ScimRequest,
  groups: UserGroups | undefined,
  userId: string,
  admits: (bytes: number) => boolean = () => true,
): readonly TeamOfUser[] | undefined | null | Promise<readonly TeamOfUser[] | undefined> {
  const read = groups?.teams.get(userId)
  const max = request.config.limits.maxValuesPerAttribute
  // The common case answers at once: no promise, no await.
  if (!groups || read === undefined || read.length < groups.limit || groups.limit >= max) return read
  if (!admits(read.length * GROUP_BYTES)) return null
  return request.stores.teams!.listTeamsOfUsers([userId], max).then((teams) => teams.get(userId))
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
