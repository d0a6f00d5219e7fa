// Runs only the reference-host benchmark (`npx tsx bench/host-only.ts`); needs BENCH_PG_URL or EXPRESS_SCIM_TEST_PG_URL.
import { runHostBench } from './host'

void runHostBench()
