// The memberships of one MemoryTeamStore tenant: member changes checked, then applied to a team's member map and the user → teams index together, and member lists paged.
import type { MemberChanges, MemberReference } from '../../types/patch'
import type { ListPage, MemberPage, TeamMember } from '../../types/stores'
import { configError } from '../errors'
import { type TeamPartition, touchTeam } from './memory-team-records'
import { pageBounds } from './shared'

/** A team's members by user id, in the order they joined. */
export type MemberMap = Map<string, TeamMember>

/** A fresh member for a caller, without keys it does not have. */
function copyMember(member: TeamMember): TeamMember {
  return member.display === undefined
    ? { value: member.value }
    : { value: member.value, display: member.display }
}

/** The member id, checked: `TypeError` (`ERR_INVALID_ARGUMENT`) unless it is a string. */
export function checkMemberId(value: unknown): string {
  if (typeof value !== 'string') throw configError('ERR_INVALID_ARGUMENT', 'member ids must be strings')
  return value
}

/** Checks a member change's shape and ids before anything is written. */
export function checkMemberChange(change: MemberChanges): void {
  const lists: unknown[] =
    change?.kind === 'replace'
      ? [change.members]
      : change?.kind === 'delta'
        ? [change.added, change.removed]
        : []
  if (lists.length === 0 || !lists.every(Array.isArray)) {
    throw configError('ERR_INVALID_ARGUMENT', 'invalid member change')
  }
  if (change.kind === 'replace') {
    for (const ref of change.members) checkMemberId(ref?.value)
    return
  }
  for (const ref of change.added) checkMemberId(ref?.value)
  for (const userId of change.removed) checkMemberId(userId)
}

/** Adds members not yet present, in both indexes; returns how many were added. */
export function addMembers(
  partition: TeamPartition,
  teamId: string,
  members: MemberMap,
  refs: readonly MemberReference[],
): number {
  let added = 0
  for (const ref of refs) {
    const value = checkMemberId(ref?.value)
    if (members.has(value)) continue
    members.set(value, typeof ref.display === 'string' ? { value, display: ref.display } : { value })
    let teams = partition.teamsOfUser.get(value)
    if (!teams) {
      teams = new Set()
      partition.teamsOfUser.set(value, teams)
    }
    teams.add(teamId)
    added += 1
  }
  return added
}

/** Removes one membership from both indexes; false when the user was not a member. */
function removeMember(partition: TeamPartition, teamId: string, members: MemberMap, userId: string): boolean {
  if (!members.delete(userId)) return false
  const teams = partition.teamsOfUser.get(userId)
  if (teams) {
    teams.delete(teamId)
    if (teams.size === 0) partition.teamsOfUser.delete(userId)
  }
  return true
}

/**
 * Makes `refs` (already checked) the member list: members kept stay where they were in the order, new
 * ones come after them. Returns how many memberships changed.
 */
function replaceMembers(
  partition: TeamPartition,
  teamId: string,
  members: MemberMap,
  refs: readonly MemberReference[],
): number {
  const wanted = new Set<string>()
  for (const ref of refs) wanted.add(ref.value)
  let changed = 0
  // Deleting the current entry while iterating a Map is safe: iteration continues with the next one.
  for (const userId of members.keys()) {
    if (!wanted.has(userId) && removeMember(partition, teamId, members, userId)) changed += 1
  }
  return changed + addMembers(partition, teamId, members, refs)
}

/**
 * Applies a member change (already checked with `checkMemberChange`): a replacement, or removals then
 * additions. Returns how many memberships changed; the caller bumps the version when any did.
 */
export function applyMemberChange(
  partition: TeamPartition,
  teamId: string,
  members: MemberMap,
  change: MemberChanges,
): number {
  if (change.kind === 'replace') return replaceMembers(partition, teamId, members, change.members)
  let removed = 0
  for (const userId of change.removed) if (removeMember(partition, teamId, members, userId)) removed += 1
  return removed + addMembers(partition, teamId, members, change.added)
}

/** Removes every membership of a team being deleted, in both indexes, and its member map. */
export function dropMembers(partition: TeamPartition, teamId: string): void {
  const members = partition.members.get(teamId)
  if (members) for (const userId of members.keys()) removeMember(partition, teamId, members, userId)
  partition.members.delete(teamId)
}

/** Removes the user from every team of the partition, through the reverse index; bumps each team's version. */
export function removeUserEverywhere(partition: TeamPartition, userId: string): void {
  const teams = partition.teamsOfUser.get(userId)
  if (!teams) return
  // A copy of the ids: removeMember deletes from the set being walked.
  for (const teamId of [...teams]) {
    const record = partition.byId.get(teamId)
    const members = partition.members.get(teamId)
    if (record && members && removeMember(partition, teamId, members, userId)) touchTeam(partition, record)
  }
  partition.teamsOfUser.delete(userId)
}

/** One page of a member list in insertion order (1-based `startIndex`, `count`, as `pageBounds` reads them), and its total. */
export function memberPage(members: MemberMap, page: MemberPage): ListPage<TeamMember> {
  const { skip, take } = pageBounds(page.startIndex, page.count)
  const resources: TeamMember[] = []
  if (take > 0 && skip < members.size) {
    // Maps have no random access: walk to the page, copying only its members.
    let index = 0
    for (const member of members.values()) {
      if (index >= skip) {
        resources.push(copyMember(member))
        if (resources.length >= take) break
      }
      index += 1
    }
  }
  return { totalResults: members.size, resources }
}
