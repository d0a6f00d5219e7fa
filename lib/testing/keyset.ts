// Cursor paging (RFC 9865) in the contract suites: a store's `listAfter`, page after page, must list what `list` lists, once each, also while resources come and go between pages.
import type { AttributePath, Filter } from '../../types/filter'
import type { Awaitable, KeysetPage, KeysetQuery, RequestContext, SortOrder } from '../../types/stores'
import { equals, is } from './assert'
import { type Observed, observe, observed } from './observed'

/** One store's `listAfter` in the context of a suite: a query without `after` and `count`, then a page. */
export type ListAfter<T> = (query: KeysetQuery) => Promise<Observed<KeysetPage<T>>>

/** A store's `listAfter` in `context`, each call observed; undefined for a store without it. */
export function listAfterOf<T>(
  store: { listAfter?(query: KeysetQuery, context: RequestContext): Awaitable<KeysetPage<T>> },
  context: RequestContext,
): ListAfter<T> | undefined {
  const listAfter = store.listAfter
  if (typeof listAfter !== 'function') return undefined
  return (query) =>
    observe(`store.listAfter(${JSON.stringify({ ...query, filter: query.filter && '…' })}, ctx)`, () =>
      listAfter.call(store, query, context),
    )
}

/** What the walk over every page may be asked for. */
export interface KeysetWalk {
  readonly filter?: Filter
  readonly sortBy?: AttributePath
  readonly sortOrder?: SortOrder
  readonly count: number
  /** Runs between pages (after page `n`, 1-based): to create and delete resources meanwhile. */
  readonly between?: (page: number) => Promise<void>
}

/**
 * Every page of a `listAfter` walk, from the first, each after the last position of the one before,
 * checked as it comes: one position per resource, at most `count` resources, `more` false only on the
 * last page. Fails past 1,000 pages (a store whose `more` never ends).
 */
export async function walkPages<T>(listAfter: ListAfter<T>, walk: KeysetWalk): Promise<Observed<T[]>> {
  const items: T[] = []
  let after: string | undefined
  for (let page = 1; page <= 1000; page++) {
    const query: KeysetQuery = {
      sortOrder: walk.sortOrder ?? 'ascending',
      count: walk.count,
      ...(walk.filter === undefined ? {} : { filter: walk.filter }),
      ...(walk.sortBy === undefined ? {} : { sortBy: walk.sortBy }),
      ...(after === undefined ? {} : { after }),
    }
    const result = await listAfter(query)
    const value = result.value
    is(
      result.map(
        '.positions.length equals .resources.length',
        (p) => p?.positions.length === p?.resources.length,
      ),
      true,
    )
    is(
      result.map(
        `.resources.length at most count (${walk.count})`,
        (p) => (p?.resources.length ?? 0) <= walk.count,
      ),
      true,
    )
    items.push(...(value?.resources ?? []))
    if (!value?.more || value.resources.length === 0)
      return observed(`${result.source} and the pages before`, items)
    after = value.positions[value.positions.length - 1]
    await walk.between?.(page)
  }
  equals(observed('listAfter pages', 'more than 1000'), 'a last page')
  return observed('listAfter pages', items)
}
