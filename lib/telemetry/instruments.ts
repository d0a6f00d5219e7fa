// The metric instruments, and the lookup that follows the global providers when the host passed none.
import type { OtelCounter, OtelHistogram, OtelMeter } from './api'
import { METRIC } from './names'

/** The instruments of one telemetry instance. */
export interface Instruments {
  /** `scim.requests`: one per ended request. */
  readonly requests: OtelCounter
  /** `scim.store.duration`: one measurement per store call, in ms. */
  readonly storeDuration: OtelHistogram
  /** `scim.compare_and_swap.retries`: one per retry after a lost race. */
  readonly retries: OtelCounter
  /** True when the meter is the API's no-op one: nothing these instruments record goes anywhere. */
  readonly noop: boolean
}

/** Creates the instruments on `meter`; `noopMeter` is the API's own no-op meter, when it has one. */
export function createInstruments(meter: OtelMeter, noopMeter?: OtelMeter): Instruments {
  return {
    noop: noopMeter !== undefined && meter === noopMeter,
    requests: meter.createCounter(METRIC.requests, {
      description: 'SCIM requests, by operation and HTTP status',
      unit: '{request}',
    }),
    storeDuration: meter.createHistogram(METRIC.storeDuration, {
      description: "Duration of calls to the host's stores",
      unit: 'ms',
    }),
    retries: meter.createCounter(METRIC.retries, {
      description: 'Compare-and-swap retries after a lost race, by resource type',
      unit: '{retry}',
    }),
  }
}

/**
 * Something built from a provider (a tracer, the instruments), answered by the returned function. Built
 * once from the host's provider when it passed one. Otherwise the global provider is looked up on each
 * call and the thing rebuilt when it changed: the global meter provider has no proxy in
 * `@opentelemetry/api`, so instruments taken before the SDK registered would stay no-ops for good.
 * The state lives in the closure, one per telemetry instance: two routers never share it.
 */
export function fromProvider<P, T>(
  explicit: P | undefined,
  lookupGlobal: () => P,
  build: (provider: P) => T,
): () => T {
  if (explicit !== undefined) {
    const built = build(explicit)
    return () => built
  }
  let provider: P | undefined
  let built: T | undefined
  return () => {
    const current = lookupGlobal()
    if (current !== provider || built === undefined) {
      built = build(current)
      provider = current
    }
    return built
  }
}
