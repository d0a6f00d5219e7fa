// Cursor paging (RFC 9865): cursors the router signs around a store's position, checked against the query they were issued for, and the ListResponse that carries them.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto'
import type { KeysetQuery } from '../../types/stores'
import { scimError } from '../errors'
import { isObject, JsonText } from '../json'
import type { CursorSettings } from './cursor-settings'
import type { ListParameters } from './list-query'
import { LIST_RESPONSE_SCHEMA, listQuery } from './lists'
import type { ScimRequest } from './request'

/** The longest cursor read: the longest a signed position of 2048 characters can make (escaped, in UTF-8, in base64url). */
const MAX_CURSOR_LENGTH = 12_000

/** What a cursor says, under the router's signature. */
interface CursorBody {
  /** The query it belongs to (`scopeOf`). */
  readonly s: string
  /** The `count` its first page asked for. */
  readonly c: number
  /** The store's position. */
  readonly p: string
  /** When it was issued, in seconds since the epoch. */
  readonly t: number
}

function mac(key: Buffer, body: string): Buffer {
  // 128 bits of HMAC-SHA-256: enough that no cursor can be forged, short enough for a URL.
  return createHmac('sha256', key).update(body).digest().subarray(0, 16)
}

function invalidCursor(): Error {
  return scimError(400, 'invalidCursor', 'The cursor is not one this server issued for this query')
}

/**
 * The query a cursor belongs to: tenant, resource type, filter and sort. RFC 9865 §2: a later page
 * repeats every parameter of the first but `cursor`; another query's cursor is `invalidCursor`.
 */
function scopeOf(request: ScimRequest, resourceType: string, parameters: ListParameters): string {
  const parts = [
    request.context.tenant,
    resourceType,
    parameters.filter ?? '',
    parameters.sortBy ?? '',
    parameters.sortOrder,
  ]
  return createHash('sha256').update(JSON.stringify(parts)).digest('base64url').slice(0, 22)
}

function issue(settings: CursorSettings, body: CursorBody): string {
  const text = Buffer.from(JSON.stringify(body)).toString('base64url')
  return `${text}.${mac(settings.key, text).toString('base64url')}`
}

/** The body of a cursor this router signed, or 400 `invalidCursor`. */
function verified(settings: CursorSettings, cursor: string): CursorBody {
  const dot = cursor.indexOf('.')
  if (cursor.length > MAX_CURSOR_LENGTH || dot < 0) throw invalidCursor()
  const text = cursor.slice(0, dot)
  const given = Buffer.from(cursor.slice(dot + 1), 'base64url')
  const expected = mac(settings.key, text)
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw invalidCursor()
  let body: unknown
  try {
    body = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'))
  } catch {
    throw invalidCursor()
  }
  // Signed by this router, so well formed; checked all the same (a key shared with another program).
  const candidate = body as Partial<CursorBody> | null
  if (
    !isObject(candidate) ||
    typeof candidate.s !== 'string' ||
    typeof candidate.p !== 'string' ||
    !Number.isSafeInteger(candidate.c) ||
    !Number.isSafeInteger(candidate.t)
  ) {
    throw invalidCursor()
  }
  return candidate as CursorBody
}

/** A cursor page being read: the store's query, and how to name the page after it. */
export interface CursorRead {
  /** What the store's `listAfter` receives. */
  readonly query: KeysetQuery
  /**
   * The `nextCursor` after the first `consumed` resources of the store's page (those the response
   * carries, and those it left out as not SCIM's), or undefined when nothing follows them.
   */
  next(positions: readonly string[], consumed: number, more: boolean): string | undefined
}

/**
 * Opens a cursor page of `resourceType`: 400 `invalidCursor` when the server does not page by cursor,
 * or the cursor is not one it issued for this query; `expiredCursor` past the timeout; `invalidCount`
 * for another page size than the first page's (RFC 9865 §2.1).
 */
export function readCursor(
  request: ScimRequest,
  resourceType: 'User' | 'Group',
  parameters: ListParameters,
  pagesAfter: boolean,
): CursorRead {
  const settings = request.config.cursors
  if (!settings || !pagesAfter) {
    throw scimError(400, 'invalidCursor', `This server does not page ${resourceType} resources by cursor`)
  }
  const base = listQuery(request.config, resourceType, parameters)
  const scope = scopeOf(request, resourceType, parameters)
  // RFC 9865 §2.1: the count asked for, as asked (the cap may hide a change), must not change.
  const asked = parameters.count ?? request.config.defaultCount
  let after: string | undefined
  const cursor = parameters.cursor ?? ''
  if (cursor !== '') {
    const body = verified(settings, cursor)
    if (body.s !== scope) throw invalidCursor()
    if (Math.floor(Date.now() / 1000) - body.t > settings.timeout) {
      throw scimError(400, 'expiredCursor', `The cursor has expired (after ${settings.timeout} seconds)`)
    }
    if (body.c !== asked) {
      throw scimError(400, 'invalidCount', 'count must be the one of the first page of this cursor')
    }
    after = body.p
  }
  const query: KeysetQuery = {
    sortOrder: base.sortOrder,
    count: base.count,
    ...(base.filter === undefined ? {} : { filter: base.filter }),
    ...(base.sortBy === undefined ? {} : { sortBy: base.sortBy }),
    ...(after === undefined ? {} : { after }),
  }
  return {
    query,
    next(positions, consumed, more) {
      // Nothing consumed (count 0, or a broken store) names no next page: a client never loops.
      if (consumed < 1 || (consumed >= positions.length && !more)) return undefined
      const position = positions[consumed - 1]!
      return issue(settings, { s: scope, c: asked, p: position, t: Math.floor(Date.now() / 1000) })
    },
  }
}

/**
 * A ListResponse of a cursor page (RFC 9865 §2): `totalResults` when the store knew it, `itemsPerPage`,
 * `nextCursor` unless this is the last page, and no `startIndex`. `previousCursor` is optional and not
 * given: keyset pages are read forwards.
 */
export function cursorListResponseText(
  totalResults: number | undefined,
  resources: readonly string[],
  nextCursor: string | undefined,
): JsonText {
  const total = totalResults === undefined ? '' : `"totalResults":${totalResults},`
  const next = nextCursor === undefined ? '' : `"nextCursor":${JSON.stringify(nextCursor)},`
  return new JsonText(
    `{"schemas":${JSON.stringify([LIST_RESPONSE_SCHEMA])},${total}"itemsPerPage":${resources.length},${next}"Resources":[${resources.join(',')}]}`,
  )
}
