// `npm run bench`: every benchmark, each printing ops/s and ratios against a baseline measured in the same run.
import { runClusterBench } from './cluster'
import { runCursorBench } from './cursor'
import { runFilterBench } from './filter'
import { runHostBench } from './host'
import { runHttpBench } from './http'
import { runMemoryBench } from './memory'
import { runPatchBench } from './patch'
import { runWorstCaseBench } from './worst-case'

async function main(): Promise<void> {
  console.log(
    `express-scim benchmarks on Node ${process.version} (BENCH_TIME_MS=${process.env.BENCH_TIME_MS ?? 400})`,
  )
  await runFilterBench()
  await runPatchBench()
  await runWorstCaseBench()
  await runMemoryBench()
  await runHttpBench()
  await runHostBench()
  await runCursorBench()
  await runClusterBench()
}

main().catch((error: unknown) => {
  console.error(error)
  process.exitCode = 1
})
