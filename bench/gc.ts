// Collects the young generation between measurements, for benchmarks run with `--expose-gc`.

/**
 * Collects the young generation, where nearly all of a measured stretch's garbage is; false when the
 * process runs without `--expose-gc`. Not a full collection: a forced full one is a memory-reducing one,
 * and V8 then drops the optimised code of a few hundred functions (`--trace-opt`: express-scim compiled
 * about 240 again after each, the Express floor about 150). What ran next was measured while the JIT
 * warmed up again, which weighed on a server by how much code it runs, not by what a warm request costs:
 * a few µs per request over HTTP, and 0.3-0.9 KB more bytes per request in `bench/in-process.ts`
 * (docs/benchmarks.md, the fifth session on issue 16).
 */
export function collectYoungGeneration(): boolean {
  const gc = globalThis.gc as ((options: { type: 'minor' }) => void) | undefined
  if (!gc) return false
  gc({ type: 'minor' })
  return true
}
