// Runs only the cluster benchmark (`npx tsx bench/cluster-only.ts`); needs BENCH_PG_URL or EXPRESS_SCIM_TEST_PG_URL.
import { runClusterBench } from './cluster'

runClusterBench().catch((error: unknown) => {
  console.error(error)
  process.exitCode = 1
})
