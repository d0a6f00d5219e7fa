// Helpers both contract suites use: list queries, unknown ids, timestamps, races and scribbling.
import type { MemberReference } from '../../types/patch'
import type { ListQuery } from '../../types/stores'
import { parseFilter } from '../filter/parser'
import { type Observed, observed } from './observed'

/** Ids no store has issued: a UUID (for stores with UUID keys) and text (ids arrive from URLs as any string). */
export const UNKNOWN_IDS: readonly string[] = ['00000000-0000-4000-8000-000000000000', 'no-such-id']

/** The paging and sorting part of a list query. */
export type PageOptions = Partial<Omit<ListQuery, 'filter'>>

/** A list query: an optional filter text, ascending, everything on one page unless told otherwise. */
export function listQuery(filter?: string, page: PageOptions = {}): ListQuery {
  return {
    ...(filter === undefined ? {} : { filter: parseFilter(filter) }),
    sortOrder: 'ascending',
    startIndex: 1,
    count: 1000,
    ...page,
  }
}

/** Member references of type User. */
export function refs(ids: readonly string[]): MemberReference[] {
  return ids.map((value) => ({ value, type: 'User' }))
}

/** Milliseconds since the epoch of a Date or date text (NaN when it is neither). */
export function time(value: Date | string | undefined): number {
  return value === undefined ? Number.NaN : new Date(value).getTime()
}

/** The `created` or `lastModified` time of an observed resource, in milliseconds. */
export function timeOf(
  subject: Observed<
    { readonly created: Date | string; readonly lastModified: Date | string } | undefined | null
  >,
  key: 'created' | 'lastModified',
): Observed<number> {
  return subject.map(`.${key}`, (value) => time(value?.[key]))
}

/** The ids of observed users (or teams), or of an observed iterable of ids, sorted. */
export function sortedIds(subject: Observed<Iterable<string | { readonly id: string }>>): Observed<string[]> {
  return subject.map(' ids, sorted', (items) =>
    [...items].map((i) => (typeof i === 'string' ? i : i.id)).sort(),
  )
}

/** How many of a race's calls succeeded, and the statuses (or errors) of the others. */
export interface RaceOutcome {
  readonly succeeded: number
  readonly statuses: readonly unknown[]
}

/** Starts `calls` at once and sorts out how many succeeded and the statuses of the failures. */
export async function race(
  calls: readonly (() => Promise<Observed<unknown>>)[],
): Promise<Observed<RaceOutcome>> {
  const outcomes = await Promise.all(calls.map((call) => Promise.resolve().then(call)))
  const statuses = outcomes
    .filter((outcome) => outcome.failed)
    .map((outcome) => (outcome.error as { status?: unknown } | undefined)?.status ?? outcome.error)
  const source = `${calls.length} concurrent calls such as ${outcomes[0]?.source ?? 'nothing'}`
  return observed(source, { succeeded: outcomes.length - statuses.length, statuses })
}

/** Mutates whatever can be mutated in a returned object; a frozen object is as good as a copy. */
export function scribble(value: object): void {
  try {
    const target = value as Record<string, unknown>
    for (const key of Object.keys(target)) {
      const v = target[key]
      if (typeof v === 'string') target[key] = `${v}-changed`
      else if (typeof v === 'boolean') target[key] = !v
      else if (v instanceof Date) v.setTime(0)
      else if (typeof v === 'object' && v !== null) scribble(v)
    }
    if (Array.isArray(value)) value.push('added')
    else target.added = 'added'
  } catch {
    // Frozen or otherwise read-only: nothing reached the store either.
  }
}
