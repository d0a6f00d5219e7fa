// One MemoryTeamStore tenant: the team records, the name index and the membership maps, and how a record is checked, stored and copied out.
import type { ScimDocument, StoredTeam, TeamFields, TeamMember } from '../../types/stores'
import { configError } from '../errors'
import { isObject } from '../json'
import { foldCase } from '../schema/fold'
import { nextVersion, storedDocument } from './shared'

/** A stored team, without its members. Replaced on every write, never changed in place. */
export interface TeamRecord {
  readonly id: string
  readonly version: string
  readonly created: Date
  readonly lastModified: Date
  readonly provisioned: boolean
  readonly displayName: string
  readonly externalId?: string
  readonly document: ScimDocument
  /** Creation order: the default order of `list` and the tie-break of every sort. */
  readonly sequence: number
}

/** The fields of a record a write sets: checked, the document copied and frozen. */
export type TeamValues = Pick<TeamRecord, 'displayName' | 'externalId' | 'document'>

/** One tenant's teams and memberships. */
export interface TeamPartition {
  readonly byId: Map<string, TeamRecord>
  /** Folded (`foldCase`) displayName → id: team names are unique case-insensitively. */
  readonly byName: Map<string, string>
  /** Team id → its members by user id. Insertion order is the stable member order. */
  readonly members: Map<string, Map<string, TeamMember>>
  /** User id → the teams it belongs to, so removing a user never scans every team. */
  readonly teamsOfUser: Map<string, Set<string>>
  /** The last version issued in this tenant: per tenant, so no ETag tells how busy another tenant is. */
  readonly versions: { last: number }
}

/** The empty partition of a tenant's first write. */
export function newTeamPartition(): TeamPartition {
  return {
    versions: { last: 0 },
    byId: new Map(),
    byName: new Map(),
    members: new Map(),
    teamsOfUser: new Map(),
  }
}

/** The team's fields as the store keeps them; `TypeError` (`ERR_INVALID_ARGUMENT`) on a wrong type. */
export function normaliseTeam(fields: TeamFields): TeamValues {
  if (!isObject(fields)) throw configError('ERR_INVALID_ARGUMENT', 'team fields must be an object')
  if (typeof fields.displayName !== 'string')
    throw configError('ERR_INVALID_ARGUMENT', 'displayName must be a string')
  if (fields.externalId !== undefined && typeof fields.externalId !== 'string') {
    throw configError('ERR_INVALID_ARGUMENT', 'externalId must be a string')
  }
  // Members live in the membership maps; a copy in the document would go stale at the first change.
  const document = storedDocument(fields.document, 'members')
  return {
    displayName: fields.displayName,
    ...(fields.externalId !== undefined ? { externalId: fields.externalId } : {}),
    document,
  }
}

/** A fresh record for a caller: new Dates, the frozen document, no internal fields. */
export function copyTeamOut(record: TeamRecord): StoredTeam {
  return {
    id: record.id,
    version: record.version,
    created: new Date(record.created.getTime()),
    lastModified: new Date(record.lastModified.getTime()),
    provisioned: record.provisioned,
    displayName: record.displayName,
    ...(record.externalId !== undefined ? { externalId: record.externalId } : {}),
    document: record.document,
  }
}

/** Stores a new team under its id and name, with an empty member map, and returns that map. */
export function insertTeam(partition: TeamPartition, record: TeamRecord): Map<string, TeamMember> {
  const members = new Map<string, TeamMember>()
  partition.byId.set(record.id, record)
  partition.byName.set(foldCase(record.displayName), record.id)
  partition.members.set(record.id, members)
  return members
}

/** The id of the team holding this displayName (case-insensitively), if any. */
export function teamNamed(partition: TeamPartition, displayName: string): string | undefined {
  return partition.byName.get(foldCase(displayName))
}

/** Drops a name from the index when the team `id` holds it. */
function forgetName(partition: TeamPartition, id: string, displayName: string): void {
  const name = foldCase(displayName)
  if (partition.byName.get(name) === id) partition.byName.delete(name)
}

/** Points the name index at `id` for its new name, dropping the old one. */
export function renameTeam(partition: TeamPartition, id: string, oldName: string, newName: string): void {
  forgetName(partition, id, oldName)
  partition.byName.set(foldCase(newName), id)
}

/** Removes the team's record and name; its memberships are `dropMembers`'s. */
export function deleteTeam(partition: TeamPartition, record: TeamRecord): void {
  partition.byId.delete(record.id)
  forgetName(partition, record.id, record.displayName)
}

/** Stores `record` with a new version and lastModified, and returns it: every change that changed something ends here. */
export function touchTeam(partition: TeamPartition, record: TeamRecord): TeamRecord {
  const touched = { ...record, version: nextVersion(partition), lastModified: new Date() }
  // Map.set on an existing key keeps its position, so creation order survives updates.
  partition.byId.set(touched.id, touched)
  return touched
}
