// MemoryTeamStore's list: indexed equalities answered from the partition's indexes, the rest of the filter against the Group view, then sort and page.
import type { Filter } from '../../types/filter'
import type { KeysetPage, KeysetQuery, ListPage, ListQuery, StoredTeam } from '../../types/stores'
import { compileFilter } from '../filter/evaluate'
import { groupResource, type ScimResource } from '../representation/resources'
import { GROUP_SCHEMA } from '../schema/core'
import { foldCase } from '../schema/fold'
import type { SchemaRegistry } from '../schema/registry'
import { keysetPageOf } from './keyset'
import { copyTeamOut, type TeamPartition, type TeamRecord } from './memory-team-records'
import { type IndexedTerm, memoize, pageOf, planFilter, type SortKey, sortKeyReader } from './shared'

/** The filter terms the indexes answer: `displayName eq`, `id eq`, and a member id (`members[value eq]`). */
const INDEXED_KEYS: ReadonlySet<string> = new Set(['displayname', 'id', 'members', 'members.value'])

/** True when the filter reads `members` anywhere: only then is the (possibly huge) member list put in the view. */
function mentionsMembers(filter: Filter): boolean {
  switch (filter.kind) {
    case 'and':
    case 'or':
      return filter.filters.some(mentionsMembers)
    case 'not':
      return mentionsMembers(filter.filter)
    default:
      return (
        filter.path.attribute.toLowerCase() === 'members' &&
        (filter.path.schema === undefined || filter.path.schema.toLowerCase() === GROUP_SCHEMA.toLowerCase())
      )
  }
}

/** The records an indexed term designates, straight from an index, in creation order. */
function lookup(partition: TeamPartition, term: IndexedTerm): TeamRecord[] {
  if (term.key === 'members' || term.key === 'members.value') {
    const out: TeamRecord[] = []
    for (const teamId of partition.teamsOfUser.get(term.value) ?? []) {
      const record = partition.byId.get(teamId)
      if (record) out.push(record)
    }
    // The reverse index holds teams in join order; the list's default order is creation order.
    return out.sort((a, b) => a.sequence - b.sequence)
  }
  const id = term.key === 'id' ? term.value : partition.byName.get(foldCase(term.value))
  const record = id === undefined ? undefined : partition.byId.get(id)
  return record ? [record] : []
}

/** An indexed term other than the first, tested on the record and the indexes: cheaper than the Group view. */
function termTest(partition: TeamPartition, term: IndexedTerm): (record: TeamRecord) => boolean {
  const wanted = term.value
  if (term.key === 'id') return (r) => r.id === wanted
  if (term.key === 'displayname') {
    const lower = foldCase(wanted)
    return (r) => foldCase(r.displayName) === lower
  }
  return (r) => partition.members.get(r.id)?.has(wanted) === true
}

/**
 * One page of the partition's teams (none when `partition` is undefined). Indexed equalities start
 * from the index; the rest of the filter is compiled once, even for an empty tenant so that an invalid
 * filter fails whatever the data, and evaluated against the Group view of each candidate, with its
 * members only when the filter reads them. Default order: creation order.
 */
export function listTeams(
  partition: TeamPartition | undefined,
  registry: SchemaRegistry,
  query: ListQuery,
): ListPage<StoredTeam> {
  const selection = selectTeams(partition, registry, query)
  if (!partition) return { totalResults: 0, resources: [] }
  return pageOf(selection.source, selection.matches, query, selection.keyOf, (r) => r.sequence, copyTeamOut)
}

/** The page after a position (RFC 9865 cursor paging): the teams `listTeams` lists, in its order. */
export function listTeamsAfter(
  partition: TeamPartition | undefined,
  registry: SchemaRegistry,
  query: KeysetQuery,
): KeysetPage<StoredTeam> {
  const selection = selectTeams(partition, registry, query)
  if (!partition) return { resources: [], positions: [], more: false, totalResults: 0 }
  return keysetPageOf(
    selection.source,
    selection.matches,
    query,
    selection.keyOf,
    (r) => r.sequence,
    copyTeamOut,
  )
}

/** What a list of teams reads: the candidates, the test of each, and the sort key. */
function selectTeams(
  partition: TeamPartition | undefined,
  registry: SchemaRegistry,
  query: Pick<ListQuery, 'filter' | 'sortBy'>,
): {
  source: Iterable<TeamRecord>
  matches: (record: TeamRecord) => boolean
  keyOf: ((record: TeamRecord) => SortKey | undefined) | undefined
} {
  const tests: ((record: TeamRecord) => boolean)[] = []
  let candidates: Iterable<TeamRecord> | undefined
  const sortKey = query.sortBy ? sortKeyReader(registry, 'Group', query.sortBy) : undefined
  const plainView = (record: TeamRecord): ScimResource => groupResource(record)
  // The view is built at most once per record when both the filter and the sort read it.
  const sortView = sortKey ? memoize(plainView) : plainView
  if (query.filter) {
    const plan = planFilter(query.filter, GROUP_SCHEMA, INDEXED_KEYS)
    if (plan.rest) {
      const predicate = compileFilter(plan.rest, { registry, resourceType: 'Group' })
      if (mentionsMembers(plan.rest)) {
        // Built per call and not cached: a team's member list can be large, and only this test needs it.
        tests.push((record) =>
          predicate(groupResource(record, [...(partition?.members.get(record.id)?.values() ?? [])])),
        )
      } else {
        tests.push((record) => predicate(sortView(record)))
      }
    }
    if (partition) {
      const [first, ...others] = plan.terms
      if (first) candidates = lookup(partition, first)
      for (const term of others) tests.unshift(termTest(partition, term))
    }
  }
  return {
    source: candidates ?? partition?.byId.values() ?? [],
    matches: (record) => tests.every((test) => test(record)),
    keyOf: sortKey ? (r) => sortKey(sortView(r)) : undefined,
  }
}
