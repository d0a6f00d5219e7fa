// Benchmark harness on tinybench: measures ops/s of paired tasks in one run and prints ratios to a baseline.

/** One comparison: our implementation and the baseline doing the same work. */
export interface Pair {
  /** What is measured, e.g. `parse: simple eq`. */
  readonly name: string
  /** Our implementation. */
  readonly ours: () => unknown
  /** The baseline (a peer library or bare platform code), measured in the same run. */
  readonly baseline: () => unknown
  /**
   * How many operations one call of `ours` / `baseline` performs (default 1). Sub-microsecond operations
   * are run in batches so that the harness's own per-call overhead does not compress the ratio.
   */
  readonly batch?: number
}

/** The measured throughput of one pair. */
export interface PairResult {
  readonly name: string
  readonly oursOps: number
  readonly baselineOps: number
  /** oursOps / baselineOps. */
  readonly ratio: number
}

/** Keeps results alive so the engine cannot drop the measured work. */
let sink: unknown
export function consume(value: unknown): void {
  sink = value
}

/** The part of a tinybench task result read here (tinybench is ESM-only, so its types are not imported). */
interface TaskLike {
  readonly result: { readonly state: string; readonly period?: number }
}

function opsPerSecond(task: TaskLike | undefined, name: string): number {
  const result = task?.result
  if (result?.state !== 'completed' || result.period === undefined) {
    throw new Error(`benchmark task ${name} did not complete`)
  }
  return 1000 / result.period
}

const median = (values: readonly number[]) => {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2
}

/**
 * Runs every pair and returns ops/s and ratios. The machines are shared and noisy, so each pair runs in
 * `BENCH_ROUNDS` short rounds (default 5) that alternate ours and the baseline, and each side reports
 * the median of its rounds: a burst of load then hits both sides alike and no single round decides.
 */
export async function measurePairs(
  pairs: readonly Pair[],
  timeMs = Number(process.env.BENCH_TIME_MS ?? 400),
  rounds = Number(process.env.BENCH_ROUNDS ?? 5),
): Promise<PairResult[]> {
  // tinybench is ESM-only; a dynamic import loads it from this CommonJS project.
  const { Bench } = await import('tinybench')
  const roundMs = Math.max(20, timeMs / rounds)
  const results: PairResult[] = []
  for (const pair of pairs) {
    const batch = pair.batch ?? 1
    const ours: number[] = []
    const baseline: number[] = []
    for (let round = 0; round < rounds; round++) {
      const bench = new Bench({ time: roundMs, warmupTime: round === 0 ? Math.min(100, timeMs) : 0 })
      // Alternate which side goes first, so neither always runs on a warmer (or busier) machine.
      const order = round % 2 === 0 ? (['ours', 'baseline'] as const) : (['baseline', 'ours'] as const)
      for (const side of order)
        bench.add(side, () => consume(side === 'ours' ? pair.ours() : pair.baseline()))
      await bench.run()
      ours.push(opsPerSecond(bench.getTask('ours'), 'ours') * batch)
      baseline.push(opsPerSecond(bench.getTask('baseline'), 'baseline') * batch)
    }
    const oursOps = median(ours)
    const baselineOps = median(baseline)
    results.push({ name: pair.name, oursOps, baselineOps, ratio: oursOps / baselineOps })
  }
  return results
}

const format = (ops: number) => Math.round(ops).toLocaleString('en-US')

/** Prints a table of results and a geometric-mean ratio line against a target. */
export function printPairs(
  title: string,
  baselineName: string,
  results: readonly PairResult[],
  target: number,
): void {
  console.log(`\n${title}  (ratio = express-scim / ${baselineName}, target >= ${target}x)`)
  const width = Math.max(...results.map((r) => r.name.length))
  console.log(
    `${'case'.padEnd(width)}  ${'express-scim ops/s'.padStart(19)}  ${`${baselineName} ops/s`.padStart(26)}  ratio`,
  )
  for (const r of results) {
    console.log(
      `${r.name.padEnd(width)}  ${format(r.oursOps).padStart(19)}  ${format(r.baselineOps).padStart(26)}  ${r.ratio.toFixed(2)}x`,
    )
  }
  const geomean = Math.exp(results.reduce((sum, r) => sum + Math.log(r.ratio), 0) / results.length)
  const lowest = Math.min(...results.map((r) => r.ratio))
  console.log(
    `geometric mean ${geomean.toFixed(2)}x, lowest ${lowest.toFixed(2)}x: ${lowest >= target ? 'meets' : 'BELOW'} the ${target}x target`,
  )
  void sink
}
