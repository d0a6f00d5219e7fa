// POST /Bulk (RFC 7644 §3.7): runs each operation through the same operation functions as a single request, resolving bulkId references, and answers every operation's status.
import { type ScimError, scimError, scimErrorBody } from '../errors'
import { isStorableId } from '../ids'
import { JsonText } from '../json'
import { errorClass, logStore } from '../log'
import { locationOf } from '../representation/resources'
import {
  BULK_ID_PREFIX,
  BULK_RESPONSE_SCHEMA,
  type BulkLimits,
  type BulkOperation,
  isRefused,
  type RefusedOperation,
  readBulkRequest,
  substituteReferences,
} from './bulk-request'
import { NO_QUERY, readBody, type ScimRequest } from './request'
import { jsonResponse, type ScimResponse } from './response'

export type { BulkLimits } from './bulk-request'

/** What /Bulk needs of a route: its label and its methods' operations. */
interface BulkRoute {
  readonly label: string
  readonly methods: Readonly<
    Record<
      string,
      {
        readonly operation: string
        readonly run: (request: ScimRequest) => Promise<ScimResponse> | ScimResponse
      }
    >
  >
}

/** The route table's answer for a path: the route and its id segment, or undefined. */
export type BulkRouteLookup = (
  segments: readonly string[],
) => { readonly route: BulkRoute; readonly id: string | undefined } | undefined

/** The operations a bulk request may run: changes to users and groups, nothing else. RFC 7644 §3.7. */
const BULK_OPERATIONS: ReadonlySet<string> = new Set([
  'users.create',
  'users.replace',
  'users.patch',
  'users.delete',
  'groups.create',
  'groups.replace',
  'groups.patch',
  'groups.delete',
])

/** One operation's entry in the bulk response. RFC 7644 §3.7.3. */
interface BulkOperationResult {
  method?: string
  bulkId?: string
  version?: string
  location?: string
  /** The HTTP status, as a string like every SCIM status. */
  status: string
  /** The error, for a failed operation (RFC 7644 §3.7.3: required unless 2xx). */
  response?: unknown
}

/** The state of a bulk request while it runs. */
class BulkRun {
  readonly results: (BulkOperationResult | undefined)[]
  /** Ids of the resources the POST operations created, by bulkId. */
  readonly #created = new Map<string, string>()
  /** The POST operation that defines each bulkId, by index. */
  readonly #definers = new Map<string, number>()
  #errors = 0

  constructor(
    private readonly bulk: ScimRequest,
    private readonly operations: readonly (BulkOperation | RefusedOperation)[],
    private readonly failOnErrors: number | undefined,
    private readonly lookup: BulkRouteLookup,
  ) {
    this.results = new Array(operations.length)
    for (const [index, operation] of operations.entries()) {
      if (!isRefused(operation) && operation.method === 'POST' && operation.bulkId !== undefined) {
        this.#definers.set(operation.bulkId, index)
      }
    }
  }

  /** True once `failOnErrors` failures have happened: nothing further runs. RFC 7644 §3.7.3. */
  get stopped(): boolean {
    return this.failOnErrors !== undefined && this.#errors >= this.failOnErrors
  }

  /**
   * Runs every operation, each after the POST operations whose resources it refers to (forward
   * references included), in the order sent otherwise. A depth-first walk with its own stack: a chain
   * of 10,000 references costs no call depth. An operation on a cycle runs when its walk comes back to
   * it, finds a reference not yet resolved, and fails with 409, as RFC 7644 §3.7.1 allows.
   */
  async runAll(): Promise<void> {
    // 0: not reached, 1: its references are running, 2: done.
    const state = new Uint8Array(this.operations.length)
    for (let start = 0; start < this.operations.length && !this.stopped; start++) {
      const stack = [start]
      while (stack.length > 0 && !this.stopped) {
        const index = stack[stack.length - 1]!
        if (state[index] === 0) {
          state[index] = 1
          for (const definer of this.#dependencies(index)) if (state[definer] === 0) stack.push(definer)
          continue
        }
        stack.pop()
        if (state[index] === 1) {
          state[index] = 2
          await this.#runOne(index)
        }
      }
    }
  }

  /** The indexes of the POST operations whose bulkIds this operation refers to. */
  #dependencies(index: number): number[] {
    const operation = this.operations[index]!
    if (isRefused(operation)) return []
    const definers: number[] = []
    for (const bulkId of operation.references) {
      const definer = this.#definers.get(bulkId)
      if (definer !== undefined) definers.push(definer)
    }
    return definers
  }

  async #runOne(index: number): Promise<void> {
    const operation = this.operations[index]!
    if (isRefused(operation)) {
      this.#fail(index, operation, operation.error, undefined)
      return
    }
    const unresolved = [...operation.references].find((bulkId) => !this.#created.has(bulkId))
    if (unresolved !== undefined) {
      this.#fail(index, operation, this.#unresolvedError(unresolved, index), undefined)
      return
    }
    let target: Target | undefined
    try {
      target = this.#target(operation)
      const answer = await target.run(this.#requestFor(operation, target))
      this.#succeed(index, operation, target, answer)
    } catch (error) {
      this.#fail(index, operation, error, target)
    }
  }

  /** Why a reference cannot be resolved: no POST defines it, its POST failed or did not run, or a cycle. */
  #unresolvedError(bulkId: string, index: number): ScimError {
    const definer = this.#definers.get(bulkId)
    if (definer === undefined) {
      return scimError(
        409,
        undefined,
        'The operation refers to a bulkId that no POST operation of this request defines',
      )
    }
    if (this.results[definer] === undefined) {
      // Its POST has not run: it is waiting on this operation, directly or through others.
      return scimError(
        409,
        undefined,
        `The operation is part of a circular bulkId reference (operation ${definer + 1} waits on operation ${index + 1})`,
      )
    }
    return scimError(409, undefined, 'The operation refers to a bulkId whose POST operation failed')
  }

  /** The path with its bulkId segment replaced by the id created for it (left as it is when none was). */
  #resolved(segments: readonly string[]): readonly string[] {
    return segments.map((segment) =>
      segment.startsWith(BULK_ID_PREFIX)
        ? (this.#created.get(segment.slice(BULK_ID_PREFIX.length)) ?? segment)
        : segment,
    )
  }

  /**
   * The URL of the resource a path names, for the result of an operation that failed before it ran
   * (RFC 7644 §3.7.3 gives every result but a failed POST's a location): only a `/Users/{id}` or
   * `/Groups/{id}` whose id is resolved and one a store could have issued (never echo a megabyte).
   */
  #locationOf(segments: readonly string[] | undefined): string | undefined {
    if (segments === undefined) return undefined
    const resolved = this.#resolved(segments)
    const match = this.lookup(resolved)
    const id = match?.id
    if (id === undefined || id.startsWith(BULK_ID_PREFIX) || !isStorableId(id)) return undefined
    const label = match!.route.label
    if (label !== '/Users/:id' && label !== '/Groups/:id') return undefined
    return locationOf(this.bulk.baseUrl, label === '/Users/:id' ? 'Users' : 'Groups', id)
  }

  /** The route operation a method and path name, with the bulkId in the path resolved. */
  #target(operation: BulkOperation): Target {
    const match = this.lookup(this.#resolved(operation.segments))
    if (!match) throw scimError(404, undefined, 'No such endpoint')
    const entry = match.route.methods[operation.method]
    if (entry && !BULK_OPERATIONS.has(entry.operation)) {
      throw scimError(
        400,
        'invalidValue',
        'A bulk operation may create, replace, patch or delete Users and Groups only',
      )
    }
    if (!entry) {
      if (!Object.values(match.route.methods).some((other) => BULK_OPERATIONS.has(other.operation))) {
        throw scimError(
          400,
          'invalidValue',
          'A bulk operation may create, replace, patch or delete Users and Groups only',
        )
      }
      throw scimError(405, undefined, `${operation.method} is not allowed on ${match.route.label}`)
    }
    const endpoint = match.route.label.startsWith('/Groups') ? 'Groups' : 'Users'
    return { run: entry.run, label: match.route.label, id: match.id, endpoint }
  }

  /** The operation as a request of its own: the bulk request's principal, tenant and settings, no query. */
  #requestFor(operation: BulkOperation, target: Target): ScimRequest {
    const bulk = this.bulk
    const data =
      operation.data === undefined || operation.references.size === 0
        ? operation.data
        : substituteReferences(operation.data, (bulkId) => this.#created.get(bulkId))
    return {
      method: operation.method,
      route: target.label,
      id: target.id,
      query: NO_QUERY,
      body: data,
      // RFC 7644 §3.7: `version` holds the resource to that version, as If-Match does.
      headers: operation.version === undefined ? {} : { ifMatch: operation.version },
      config: bulk.config,
      stores: bulk.stores.forOperation(),
      context: bulk.context,
      settings: bulk.settings,
      baseUrl: bulk.baseUrl,
    }
  }

  #succeed(index: number, operation: BulkOperation, target: Target, answer: ScimResponse): void {
    const id = target.id ?? createdId(answer)
    if (operation.method === 'POST' && operation.bulkId !== undefined && id !== undefined) {
      this.#created.set(operation.bulkId, id)
    }
    const version = answer.headers.ETag
    this.results[index] = {
      method: operation.method,
      ...(operation.bulkId === undefined ? {} : { bulkId: operation.bulkId }),
      ...(version === undefined ? {} : { version }),
      ...(id === undefined ? {} : { location: locationOf(this.bulk.baseUrl, target.endpoint, id) }),
      status: String(answer.status),
    }
  }

  #fail(
    index: number,
    operation: BulkOperation | RefusedOperation,
    error: unknown,
    target: Target | undefined,
  ): void {
    this.#errors++
    const body = scimErrorBody(error)
    if (Number(body.status) >= 500) {
      const label = target?.label ?? '(unmatched)'
      logStore(
        'bulk operation %s %s failed: %s (%s)',
        operation.method,
        label,
        errorClass(error),
        this.bulk.context.requestId,
      )
    }
    // A failed POST created nothing: it has no location. RFC 7644 §3.7.3.
    const location = operation.method === 'POST' ? undefined : this.#locationOf(operation.segments)
    this.results[index] = {
      ...(operation.method === undefined ? {} : { method: operation.method }),
      ...(operation.bulkId === undefined ? {} : { bulkId: operation.bulkId }),
      ...(location === undefined ? {} : { location }),
      status: body.status,
      response: body,
    }
  }
}

/** The operation a bulk operation runs, and where its resource lives. */
interface Target {
  readonly run: (request: ScimRequest) => Promise<ScimResponse> | ScimResponse
  readonly label: string
  readonly id: string | undefined
  readonly endpoint: 'Users' | 'Groups'
}

/** The id of the resource a POST created, from its answer's body. */
function createdId(answer: ScimResponse): string | undefined {
  const body = answer.body instanceof JsonText ? (JSON.parse(answer.body.text) as unknown) : answer.body
  const id = (body as { id?: unknown } | undefined)?.id
  return typeof id === 'string' ? id : undefined
}

/**
 * The /Bulk operation: reads the request, runs its operations, and answers 200 with each operation's
 * status (RFC 7644 §3.7.3), whatever they were. An operation is as atomic as the same request sent
 * alone; the bulk request as a whole is not (RFC 7644 §3.7 does not ask it to be).
 */
export function bulkOperation(limits: BulkLimits, lookup: BulkRouteLookup) {
  return async (request: ScimRequest): Promise<ScimResponse> => {
    const { operations, failOnErrors } = readBulkRequest(readBody(request), limits, request.config.bodyLimit)
    const run = new BulkRun(request, operations, failOnErrors, lookup)
    await run.runAll()
    const results = run.results.filter((result) => result !== undefined)
    return jsonResponse(200, { schemas: [BULK_RESPONSE_SCHEMA], Operations: results })
  }
}
