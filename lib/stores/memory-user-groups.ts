// The `groups` of the memory users for filters (`groups.value eq "…"`): read from the MemoryTeamStore the host links, never kept twice.
import type { Filter } from '../../types/filter'
import type { RequestContext, StoredUser, TeamOfUser } from '../../types/stores'
import { configError, scimError } from '../errors'
import { isObject } from '../json'
import { type ScimResource, userResource } from '../representation/resources'
import { USER_SCHEMA } from '../schema/core'

/** The option that links a MemoryUserStore to the teams its users belong to. */
export const TEAM_STORE_OPTION = 'teamStore'

/** What a MemoryUserStore reads the teams of its users from: a MemoryTeamStore answers synchronously. */
export interface TeamsOfUsers {
  listTeamsOfUsers(
    userIds: readonly string[],
    limit: number,
    context: RequestContext,
  ): ReadonlyMap<string, readonly TeamOfUser[]>
}

/** The linked team store, or undefined; `TypeError` on anything that cannot answer `listTeamsOfUsers`. */
export function readTeamStoreOption(options: unknown): TeamsOfUsers | undefined {
  const teams = isObject(options) ? options[TEAM_STORE_OPTION] : undefined
  if (teams === undefined) return undefined
  if (!isObject(teams) || typeof teams.listTeamsOfUsers !== 'function') {
    throw configError(
      'ERR_INVALID_OPTION',
      `MemoryUserStore "${TEAM_STORE_OPTION}" must be a MemoryTeamStore (it answers listTeamsOfUsers)`,
    )
  }
  return teams as unknown as TeamsOfUsers
}

/** True when the filter reads the core `groups` attribute anywhere (`groups.value`, `groups[...]`). */
export function readsGroups(filter: Filter): boolean {
  const pending: Filter[] = [filter]
  while (pending.length > 0) {
    const next = pending.pop()!
    switch (next.kind) {
      case 'and':
      case 'or':
        pending.push(...next.filters)
        break
      case 'not':
        pending.push(next.filter)
        break
      default: {
        // A valuePath's inner paths are relative to the element: only its own path names an attribute.
        const path = next.path
        const core = path.schema === undefined || path.schema.toLowerCase() === USER_SCHEMA.toLowerCase()
        if (core && path.attribute.toLowerCase() === 'groups') return true
      }
    }
  }
  return false
}

/** The refusal of a `groups` filter by a store that does not know the teams. */
export function groupsFilterUnsupported(): Error {
  return scimError(400, 'invalidFilter', "Filtering on 'groups' is not supported")
}

/** The user's SCIM view with its `groups`, as a filter reads them (the router adds `$ref` on responses). */
export function withGroups(resource: ScimResource, teams: readonly TeamOfUser[] | undefined): ScimResource {
  if (teams === undefined || teams.length === 0) return resource
  return {
    ...resource,
    groups: teams.map((team) => ({ value: team.id, display: team.displayName, type: 'direct' })),
  }
}

/**
 * The SCIM view of a user with its `groups`, read from the linked team store, for a filter that reads
 * them; 400 `invalidFilter` without one.
 */
export function groupsView<R extends StoredUser>(
  teams: TeamsOfUsers | undefined,
  context: RequestContext,
): (record: R) => ScimResource {
  if (!teams) throw groupsFilterUnsupported()
  return (record) =>
    withGroups(
      userResource(record),
      teams.listTeamsOfUsers([record.id], Number.MAX_SAFE_INTEGER, context).get(record.id),
    )
}
