// A GrantStore (the host's roles or entitlements) as operations reach it: bound to one request's context, traced, every answer checked.
import type { Grant, GrantStore, ListPage, ListQuery, RequestContext } from '../../types/stores'
import { grantProblem } from '../representation/grants'
import { brokenStore, checkPage, hostCall, type StoreCallTracer } from './call'

/** A grant as a store answered it, checked: a malformed one is the host's fault, a bare 500. */
function checkGrant(grant: unknown, name: string): Grant {
  if (grantProblem(grant) !== undefined) throw brokenStore(name, 'grants with a value and a displayName')
  return grant as Grant
}

/** One request's view of a catalogue: `roleStore` or `entitlementStore`. */
export class RequestGrants {
  constructor(
    private readonly store: GrantStore,
    /** `roleStore` or `entitlementStore`: how calls are named in logs and spans. */
    private readonly name: string,
    private readonly context: RequestContext,
    private readonly tracer: StoreCallTracer,
  ) {}

  #call<T>(method: string, call: () => T | PromiseLike<T>): Promise<T> {
    return hostCall(this.tracer, `${this.name}.${method}`, this.context.requestId, call)
  }

  /** One page of the catalogue. */
  async list(query: ListQuery): Promise<ListPage<Grant>> {
    const name = `${this.name}.list()`
    const page = checkPage<unknown>(
      await this.#call('list', () => this.store.list(query, this.context)),
      query.count,
      name,
    )
    return {
      totalResults: page.totalResults,
      resources: page.resources.map((grant) => checkGrant(grant, name)),
    }
  }

  /** The grant with exactly this value, or undefined. */
  async get(value: string): Promise<Grant | undefined> {
    const name = `${this.name}.get()`
    const found = await this.#call('get', () => this.store.get(value, this.context))
    if (found === undefined || found === null) return undefined
    const grant = checkGrant(found, name)
    // Another grant than the one asked for would be served under the wrong id.
    if (grant.value !== value) throw brokenStore(name, 'the grant with the value asked for, or undefined')
    return grant
  }

  /** The grants among `values`, by value; anything the store adds that was not asked for is left out. */
  async find(values: readonly string[]): Promise<Map<string, Grant>> {
    const name = `${this.name}.find()`
    const asked = new Set(values)
    const found = new Map<string, Grant>()
    if (asked.size === 0) return found
    const answer = await this.#call('find', () => this.store.find(values, this.context))
    if (answer === null || typeof answer !== 'object' || !(Symbol.iterator in answer))
      throw brokenStore(name, 'an iterable of grants')
    for (const item of answer) {
      const grant = checkGrant(item, name)
      if (asked.has(grant.value)) found.set(grant.value, grant)
    }
    return found
  }
}
