// Latencies and error counts per kind of request, and their percentiles.
import type { LoadKindStats, LoadRequestKind } from '../../types/load'

/** The nearest-rank percentile of values sorted ascending (0 for none). */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length))
  return sorted[Math.min(rank, sorted.length) - 1] as number
}

const round = (ms: number) => Math.round(ms * 100) / 100

/** Collects one latency per request; figures are computed once, at the end (one sort per kind). */
export class LoadStats {
  readonly #latencies = new Map<LoadRequestKind, number[]>()
  readonly #errors = new Map<LoadRequestKind, number>()
  readonly #byStatus = new Map<string, number>()

  /** Records a request; `failure` is the status or reason when it did not answer as the IdP expects. */
  record(kind: LoadRequestKind, ms: number, failure?: string): void {
    let list = this.#latencies.get(kind)
    if (list === undefined) {
      list = []
      this.#latencies.set(kind, list)
    }
    list.push(ms)
    if (failure !== undefined) {
      this.#errors.set(kind, (this.#errors.get(kind) ?? 0) + 1)
      this.#byStatus.set(failure, (this.#byStatus.get(failure) ?? 0) + 1)
    }
  }

  /** Requests recorded so far, of every kind. */
  count(kinds?: readonly LoadRequestKind[]): number {
    let total = 0
    for (const [kind, list] of this.#latencies)
      if (kinds === undefined || kinds.includes(kind)) total += list.length
    return total
  }

  /** Figures per kind, in the order the kinds first ran. */
  kinds(): LoadKindStats[] {
    return [...this.#latencies].map(([kind, list]) => {
      const sorted = Float64Array.from(list).sort()
      const values = Array.from(sorted)
      return {
        kind,
        count: values.length,
        errors: this.#errors.get(kind) ?? 0,
        p50: round(percentile(values, 50)),
        p95: round(percentile(values, 95)),
        p99: round(percentile(values, 99)),
        max: round(values[values.length - 1] ?? 0),
      }
    })
  }

  /** Failed requests by status or reason. */
  errorsByStatus(): Record<string, number> {
    return Object.fromEntries([...this.#byStatus].sort(([a], [b]) => a.localeCompare(b)))
  }
}
