// What a check run created on the server, and deleting it afterwards, also after a failure or an interruption.
import type { CheckCleanupResult } from '../../types/check'
import { excerpt, masked } from './mask'
import { exchange, NoAnswer } from './transport'

const RESOURCE = /^\/(Users|Groups)(?:\/([^/?#]+))?(?:[?#].*)?$/

/** The id at the end of a `Location` path, decoded, when it is usable. */
function lastSegment(location: string | undefined): string | undefined {
  if (location === undefined) return undefined
  try {
    const segment = new URL(location, 'http://x').pathname.split('/').pop()
    const id = segment === undefined ? undefined : decodeURIComponent(segment)
    return usableId(id) ? id : undefined
  } catch {
    return undefined
  }
}

/**
 * An id that can stand as one path segment. `.` and `..` cannot: URL parsing removes them (also as `%2E`),
 * so a DELETE to `/Users/..` would reach the base URL itself, with the token.
 */
export function usableId(id: unknown): id is string {
  return typeof id === 'string' && id !== '' && !/^(\.|%2e){1,2}$/i.test(id)
}

/** The id of what a create made: the body's `id`, else the last segment of `Location` (RFC 7644 §3.3). */
export function createdId(body: unknown, headers: Readonly<Record<string, string>>): string | undefined {
  const fromBody = typeof body === 'object' && body !== null ? (body as { id?: unknown }).id : undefined
  return usableId(fromBody) ? fromBody : lastSegment(headers.location)
}

/** Resources created by a run's POSTs and not yet deleted by its DELETEs, keyed by path (`/Users/<id>`). */
export class CreatedResources {
  readonly #paths = new Set<string>()
  /** Creates that succeeded without an id the run can address: reported, since nothing can delete them. */
  readonly #unaddressable: string[] = []

  /**
   * Looks at one exchange: a 2xx to POST /Users or /Groups adds the new resource (its `id`, else the last
   * segment of `Location`, RFC 7644 §3.3); a DELETE that worked removes it.
   */
  observe(
    method: string,
    path: string,
    status: number,
    body: unknown,
    headers: Readonly<Record<string, string>> = {},
  ): void {
    const match = RESOURCE.exec(path)
    if (match === null) return
    const [, type, id] = match
    // Any success counts, not only 201: a server that answers a create with 200 still made something to delete.
    if (method === 'POST' && id === undefined && status >= 200 && status < 300) {
      const created = createdId(body, headers)
      if (created !== undefined) this.#paths.add(`/${type}/${encodeURIComponent(created)}`)
      else this.#unaddressable.push(`/${type} (answered ${status} without a usable id)`)
    } else if (
      method === 'DELETE' &&
      id !== undefined &&
      (status === 204 || status === 200 || status === 404)
    ) {
      this.#paths.delete(`/${type}/${id}`)
    }
  }

  /** Creates that cannot be deleted because no id came back. */
  unaddressable(): readonly string[] {
    return this.#unaddressable
  }

  /** How many are left. */
  get size(): number {
    return this.#paths.size
  }

  /** Groups first, so that no member reference outlives its group; then users. */
  paths(): string[] {
    const all = [...this.#paths]
    return [...all.filter((p) => p.startsWith('/Groups/')), ...all.filter((p) => p.startsWith('/Users/'))]
  }
}

/**
 * Deletes every resource left, one at a time. It is not stopped by the run's signal: an interrupted run must
 * still clean up. 404 counts as deleted (something else removed it first).
 */
export async function deleteLeftovers(
  created: CreatedResources,
  baseUrl: string,
  headers: Readonly<Record<string, string>>,
  timeoutMs: number,
  token: string | undefined,
): Promise<CheckCleanupResult[]> {
  const results: CheckCleanupResult[] = created.unaddressable().map((path) => ({
    path: masked(path, token),
    deleted: false,
    error: 'created, but no usable id came back, so it cannot be deleted',
  }))
  for (const realPath of created.paths()) {
    // The DELETE goes to the real path; the report shows it masked (a server could use the token as an id).
    const path = masked(realPath, token)
    try {
      const answer = await exchange({ method: 'DELETE', url: baseUrl + realPath, headers }, timeoutMs)
      const deleted = answer.status === 204 || answer.status === 200 || answer.status === 404
      results.push(
        deleted
          ? { path, deleted }
          : { path, deleted, error: `DELETE answered ${answer.status}: ${excerpt(answer.text, token, 200)}` },
      )
    } catch (error) {
      results.push({
        path,
        deleted: false,
        error: error instanceof NoAnswer ? error.message : 'DELETE failed',
      })
    }
  }
  return results
}
