// MemoryTeamStore's applyChange: every check of a team change (shape, version, name, members) runs before the first write, so a change is all or nothing.
import type { TeamChange } from '../../types/stores'
import { configError, uniquenessConflict, versionMismatch } from '../errors'
import { applyMemberChange, checkMemberChange } from './memory-team-members'
import {
  normaliseTeam,
  renameTeam,
  type TeamPartition,
  type TeamRecord,
  teamNamed,
  touchTeam,
} from './memory-team-records'

/**
 * Writes new fields (compare-and-swap on `expectedVersion`) and a member change to the team `id` at
 * once, with one new version when something changed, and returns the stored record. Undefined when
 * there is no such team; throws `versionMismatch()`, `uniquenessConflict('displayName')` or a
 * `TypeError` (`ERR_INVALID_ARGUMENT`) before anything is written.
 */
export function changeTeam(
  partition: TeamPartition | undefined,
  id: string,
  change: TeamChange,
): TeamRecord | undefined {
  const current = partition?.byId.get(id)
  const members = partition?.members.get(id)
  if (!partition || !current || !members) return undefined
  if (typeof change !== 'object' || change === null)
    throw configError('ERR_INVALID_ARGUMENT', 'change must be an object')
  const values = change.fields === undefined ? undefined : normaliseTeam(change.fields)
  if (values && typeof change.expectedVersion !== 'string') {
    throw configError('ERR_INVALID_ARGUMENT', 'applyChange with fields needs expectedVersion')
  }
  if (change.expectedVersion !== undefined && current.version !== change.expectedVersion)
    throw versionMismatch()
  if (values) {
    const owner = teamNamed(partition, values.displayName)
    if (owner !== undefined && owner !== id) throw uniquenessConflict('displayName')
  }
  const memberChange = change.members
  if (memberChange !== undefined) checkMemberChange(memberChange)
  // Checked: from here on nothing throws.
  let record = current
  if (values) {
    const { id: _, version, created, lastModified, provisioned, sequence } = current
    record = { id, version, created, lastModified, provisioned, ...values, sequence }
    renameTeam(partition, id, current.displayName, values.displayName)
  }
  let changed = values !== undefined
  if (memberChange) changed = applyMemberChange(partition, id, members, memberChange) > 0 || changed
  return changed ? touchTeam(partition, record) : record
}
