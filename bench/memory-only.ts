// Runs the memory benchmark alone: `npm run build && npx tsx bench/memory-only.ts`.
import { runMemoryBench } from './memory'

void runMemoryBench()
