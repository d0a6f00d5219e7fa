// Runs only the HTTP benchmark (`npx tsx bench/http-only.ts`), for profiling and quick comparisons.
import { runHttpBench } from './http'

void runHttpBench()
