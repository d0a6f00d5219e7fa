// Keyset pages of the memory stores (RFC 9865 cursor paging): positions made of a creation sequence and a sort key, and the page after one.
import type { KeysetPage, KeysetQuery } from '../../types/stores'
import { scimError } from '../errors'
import { compareSorted, type SortedPlace, type SortKey, sortItems } from './shared'

/**
 * The most characters of a sort key a position holds: positions travel in cursors, in URLs. A longer
 * key is cut, and the position says so: the page after it is then found by the record's sequence.
 */
const KEY_IN_POSITION = 200

/** Where a page starts: a place, and whether its key was cut (then `key` is a prefix of the real one). */
interface Position extends SortedPlace {
  readonly cut: boolean
}

/** A memory store's position (`KeysetPage.positions`): `[sequence]`, or `[key, sequence(, 1 when the key is cut)]` when sorted. */
function positionOf(place: SortedPlace, sorted: boolean): string {
  if (!sorted) return JSON.stringify([place.sequence])
  const key = place.key
  if (typeof key === 'string' && key.length > KEY_IN_POSITION) {
    return JSON.stringify([key.slice(0, KEY_IN_POSITION), place.sequence, 1])
  }
  return JSON.stringify([key ?? null, place.sequence])
}

/** Reads a position `positionOf` made; 400 `invalidCursor` for anything else (the router signs them). */
function readPosition(position: string, sorted: boolean): Position {
  let parsed: unknown
  try {
    parsed = JSON.parse(position)
  } catch {
    parsed = undefined
  }
  const items = Array.isArray(parsed) ? parsed : []
  const cut = sorted && items.length === 3 && items[2] === 1
  const sequence = sorted ? items[1] : items[0]
  const key = sorted ? items[0] : null
  if (
    items.length !== (sorted ? (cut ? 3 : 2) : 1) ||
    !Number.isSafeInteger(sequence) ||
    !(key === null || typeof key === 'string' || (typeof key === 'number' && Number.isFinite(key)))
  ) {
    throw scimError(400, 'invalidCursor', 'The cursor does not name a place in this list')
  }
  return { key: key ?? undefined, sequence: sequence as number, cut }
}

/**
 * The place to start from when a cut key's record is no longer listed: every key that starts with the
 * prefix counts as not yet listed (ascending, the prefix is below them all; descending, the prefix and
 * the highest code point above them all), so records sharing those 200 characters may be listed again,
 * never skipped.
 */
function beyondCut(after: Position, sign: number): SortedPlace {
  if (!after.cut || typeof after.key !== 'string' || sign > 0) return after
  return { key: `${after.key}\u{10FFFF}`, sequence: after.sequence }
}

/**
 * One keyset page (RFC 9865 cursor paging) of the records `source` yields that `matches` accepts: the
 * `count` first after `query.after`, in the order `pageOf` lists them, with a position each and the
 * total. Unsorted, records stream in creation order; sorted, the matches are ordered as `pageOf` orders
 * them and the page starts at the first after the position, so a record created or deleted since the
 * last page never shifts another one.
 */
export function keysetPageOf<R, T>(
  source: Iterable<R>,
  matches: (record: R) => boolean,
  query: KeysetQuery,
  keyOf: ((record: R) => SortKey | undefined) | undefined,
  sequenceOf: (record: R) => number,
  copyOut: (record: R) => T,
): KeysetPage<T> {
  const take = query.count > 0 ? Math.floor(query.count) : 0
  const sorted = keyOf !== undefined
  const after = query.after === undefined ? undefined : readPosition(query.after, sorted)
  const place = (record: R): SortedPlace => ({ key: keyOf?.(record), sequence: sequenceOf(record) })
  let page: R[]
  let total = 0
  let more = false
  if (!keyOf) {
    page = []
    for (const record of source) {
      if (!matches(record)) continue
      total += 1
      if (after !== undefined && sequenceOf(record) <= after.sequence) continue
      if (page.length < take) page.push(record)
      else more = true
    }
  } else {
    const matched: R[] = []
    for (const record of source) if (matches(record)) matched.push(record)
    total = matched.length
    const ordered = sortItems(matched, keyOf, query.sortOrder, sequenceOf)
    const sign = query.sortOrder === 'descending' ? -1 : 1
    let start = 0
    if (after !== undefined) {
      const record = after.cut ? ordered.find((r) => sequenceOf(r) === after.sequence) : undefined
      const from = record === undefined ? beyondCut(after, sign) : place(record)
      while (start < ordered.length && compareSorted(place(ordered[start]!), from, sign) <= 0) start += 1
    }
    page = ordered.slice(start, start + take)
    more = start + take < ordered.length
  }
  return {
    resources: page.map(copyOut),
    positions: page.map((record) => positionOf(place(record), sorted)),
    more,
    totalResults: total,
  }
}
