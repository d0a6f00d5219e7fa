// A store seen through the suite: every method call is observed and described with its arguments
// (`store.update("u1", {userName:"alice",…}, "3", ctx("acme"))`), so a failed check names the call.
import type { Filter } from '../../types/filter'
import { stringifyFilter } from '../filter/stringify'
import { type Observed, observe } from './observed'
import { formatCall, summarize } from './summary'

/** The store's methods (optional ones included), each resolving to an `Observed` that never rejects. */
export type Probe<S> = {
  readonly [K in keyof S]-?: NonNullable<S[K]> extends (...args: infer A) => infer R
    ? (...args: A) => Promise<Observed<Awaited<R>>>
    : never
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null
}

/** A request context as `ctx("acme")`: its tenant is what matters in a failure. */
function contextText(value: Record<string, unknown>): string | undefined {
  const isContext = typeof value.tenant === 'string' && 'principal' in value && 'requestId' in value
  return isContext ? `ctx(${JSON.stringify(value.tenant)})` : undefined
}

/** A list query with its filter as text (`userName eq "alice"`) rather than as an AST. */
function queryText(value: Record<string, unknown>): string | undefined {
  const filter = value.filter as Filter | undefined
  if (!('sortOrder' in value) || !isRecord(filter) || typeof filter.kind !== 'string') return undefined
  return summarize({ ...value, filter: stringifyFilter(filter) })
}

/** One argument as a failure message shows it. */
export function argumentText(value: unknown): string {
  const special = isRecord(value) ? (contextText(value) ?? queryText(value)) : undefined
  return special ?? summarize(value, 160)
}

/** Describes `label.method(args)`, e.g. `store.get("u1", ctx("acme"))`. */
export function describeCall(label: string, method: string, args: readonly unknown[]): string {
  return formatCall(`${label}.${method}`, args.map(argumentText))
}

/** `target`'s methods, observed and described as `label.method(args)`; `this` stays `target`. */
export function probe<S extends object>(target: S, label = 'store'): Probe<S> {
  const call = (method: string, args: unknown[]) =>
    observe(describeCall(label, method, args), () => {
      const fn = (target as Record<string, unknown>)[method]
      if (typeof fn !== 'function') throw new TypeError(`${label}.${method} is not a function`)
      return fn.apply(target, args) as unknown
    })
  return new Proxy({} as Probe<S>, {
    get: (_, method) => (typeof method === 'string' ? (...args: unknown[]) => call(method, args) : undefined),
  })
}
