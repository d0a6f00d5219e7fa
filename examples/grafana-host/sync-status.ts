// The live sync status of each IdP (each SCIM token): last request, requests by operation, errors and the last error, kept in this process.
import type { IncomingMessage, ServerResponse } from 'node:http'

/** What the status page shows for one IdP. */
export interface IdpStatus {
  readonly tokenId: string
  readonly lastRequest: Date
  /** Requests by operation (`GET Users`, `PATCH Groups`), answered with any status. */
  readonly counts: Readonly<Record<string, number>>
  readonly errors: number
  /** The last answer of 400 or more: status, method and path (never the query: it may hold filter values). */
  readonly lastError?: { readonly at: Date; readonly status: number; readonly operation: string }
}

/** The endpoints SCIM serves (RFC 7644 §3.2); any other path counts as `other`, so counters stay few. */
const ENDPOINTS = ['Users', 'Groups', 'Schemas', 'ResourceTypes', 'ServiceProviderConfig', 'Bulk', 'Me']

/** The SCIM endpoint a path is about (`/.search` at the root included), or `other`. */
function resourceOf(path: string): string {
  const segments = path
    .split('?')[0]!
    .split('/')
    .filter((s) => s !== '' && s.toLowerCase() !== 'v2')
  const name = (segments[0] ?? '').toLowerCase()
  if (name === '.search') return '.search'
  return ENDPOINTS.find((endpoint) => endpoint.toLowerCase() === name) ?? 'other'
}

/**
 * Counts what each IdP does. In memory, per process: a restart starts from zero, and with several
 * replicas each shows its own share (the audit log in the database holds every change).
 */
export class SyncStatus {
  readonly #byToken = new Map<
    string,
    { lastRequest: Date; counts: Map<string, number>; errors: number; lastError?: IdpStatus['lastError'] }
  >()
  readonly #tokenOf = new WeakMap<IncomingMessage, string>()

  /** Marks a request as made with this token (from the router's authenticate). */
  authenticated(tokenId: string, request: IncomingMessage): void {
    this.#tokenOf.set(request, tokenId)
  }

  /** Express middleware, mounted before the router: records each answer when it is sent. */
  readonly middleware = (request: IncomingMessage, response: ServerResponse, next: () => void): void => {
    // `url` below the mount point: Express rewrites it for the router; read it now, before it does.
    const path = request.url ?? '/'
    response.on('finish', () => {
      const tokenId = this.#tokenOf.get(request)
      // Requests without a valid token are nobody's: counting them would let anyone fill the page.
      if (tokenId !== undefined)
        this.#record(tokenId, `${request.method} ${resourceOf(path)}`, response.statusCode)
    })
    next()
  }

  #record(tokenId: string, operation: string, status: number): void {
    let entry = this.#byToken.get(tokenId)
    if (!entry) {
      entry = { lastRequest: new Date(), counts: new Map(), errors: 0 }
      this.#byToken.set(tokenId, entry)
    }
    entry.lastRequest = new Date()
    entry.counts.set(operation, (entry.counts.get(operation) ?? 0) + 1)
    if (status >= 400) {
      entry.errors += 1
      entry.lastError = { at: new Date(), status, operation }
    }
  }

  /** The status of one IdP, or undefined when it has made no request since this process started. */
  of(tokenId: string): IdpStatus | undefined {
    const entry = this.#byToken.get(tokenId)
    if (!entry) return undefined
    return {
      tokenId,
      lastRequest: entry.lastRequest,
      counts: Object.fromEntries([...entry.counts].sort(([a], [b]) => a.localeCompare(b))),
      errors: entry.errors,
      ...(entry.lastError ? { lastError: entry.lastError } : {}),
    }
  }
}
