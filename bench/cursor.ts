// Cursor paging (RFC 9865): what page 1 and page 10,000 of /Users cost, by cursor (keyset) and by startIndex (offset), in the reference host's SQL store on the PostgreSQL server and in the memory store. Needs BENCH_PG_URL (or EXPRESS_SCIM_TEST_PG_URL) for the SQL part.
import { performance } from 'node:perf_hooks'
import { Pool } from 'pg'
import { pgDatabase } from '../examples/grafana-host/db'
import { migrate } from '../examples/grafana-host/migrate'
import { SqlUserStore } from '../examples/grafana-host/user-store'
import { MemoryUserStore } from '../lib'
import { createScratchDatabase } from '../test/helpers/scratch-database'
import type { KeysetQuery, ListQuery, RequestContext } from '../types/stores'
import { seedUsers } from './host-seed'

const TENANT = 'default'
const PAGE = 10
/** Users in the list: page 10,000 of 10 is the last one. */
const USERS = Number(process.env.BENCH_CURSOR_USERS ?? 100_000)
const DEEP_PAGE = Math.floor(USERS / PAGE)
const CONTEXT: RequestContext = { tenant: TENANT, principal: { tenant: TENANT }, requestId: 'bench' }

/** The reads a store is timed on: page 1 and the deep page, by offset and by position. */
interface Pager {
  list(query: ListQuery, context: RequestContext): unknown
  listAfter(query: KeysetQuery, context: RequestContext): unknown
}

/** Median milliseconds of `run` over `rounds` calls, after two warm-up calls. */
async function median(rounds: number, run: () => unknown): Promise<number> {
  await run()
  await run()
  const times: number[] = []
  for (let i = 0; i < rounds; i++) {
    const start = performance.now()
    await run()
    times.push(performance.now() - start)
  }
  times.sort((a, b) => a - b)
  return times[Math.floor(times.length / 2)]!
}

/** Times the four reads, alternating them round by round so that noise hits each alike. */
async function timePages(
  store: Pager,
  deepPosition: string,
  rounds: number,
): Promise<Record<string, number>> {
  const reads: Record<string, () => unknown> = {
    'startIndex, page 1': () => store.list({ sortOrder: 'ascending', startIndex: 1, count: PAGE }, CONTEXT),
    [`startIndex, page ${DEEP_PAGE.toLocaleString('en')}`]: () =>
      store.list({ sortOrder: 'ascending', startIndex: (DEEP_PAGE - 1) * PAGE + 1, count: PAGE }, CONTEXT),
    'cursor, page 1': () => store.listAfter({ sortOrder: 'ascending', count: PAGE }, CONTEXT),
    [`cursor, page ${DEEP_PAGE.toLocaleString('en')}`]: () =>
      store.listAfter({ sortOrder: 'ascending', count: PAGE, after: deepPosition }, CONTEXT),
  }
  const totals: Record<string, number[]> = {}
  for (let round = 0; round < 5; round++) {
    for (const [name, run] of Object.entries(reads)) {
      const figures = totals[name] ?? []
      figures.push(await median(rounds, run))
      totals[name] = figures
    }
  }
  return Object.fromEntries(
    Object.entries(totals).map(([name, values]) => [name, values.sort((a, b) => a - b)[2]!]),
  )
}

function print(title: string, figures: Record<string, number>): void {
  console.log(`  ${title}`)
  const names = Object.keys(figures)
  for (const name of names) console.log(`    ${name.padEnd(28)} ${figures[name]!.toFixed(3).padStart(9)} ms`)
  const [firstIndex, deepIndex, firstCursor, deepCursor] = names.map((name) => figures[name]!)
  console.log(
    `    deep page / page 1: by startIndex ${(deepIndex! / firstIndex!).toFixed(2)}x, by cursor ${(deepCursor! / firstCursor!).toFixed(2)}x`,
  )
}

async function sqlFigures(url: string): Promise<void> {
  const database = await createScratchDatabase(url)
  const pool = new Pool({ connectionString: database.url, max: 2 })
  try {
    const db = pgDatabase(pool)
    await migrate(db)
    await seedUsers(pool, { tenant: TENANT, count: USERS })
    await pool.query('analyze')
    const store = new SqlUserStore(db)
    // The position after user (DEEP_PAGE - 1) * PAGE: the store's own form, a seq.
    const seq = (DEEP_PAGE - 1) * PAGE
    print(
      `reference host's SqlUserStore on the PostgreSQL server, ${USERS.toLocaleString('en')} users, pages of ${PAGE}`,
      await timePages(store, JSON.stringify([String(seq)]), 21),
    )
  } finally {
    await pool.end()
    await database.drop()
  }
}

async function memoryFigures(): Promise<void> {
  const store = new MemoryUserStore()
  for (let i = 1; i <= USERS; i++) {
    const userName = `user${i}@example.com`
    store.create({ provisioned: true, userName, active: true, document: { userName } }, CONTEXT)
  }
  // The position after the last user before the deep page, in the store's own form.
  const before = store.listAfter({ sortOrder: 'ascending', count: (DEEP_PAGE - 1) * PAGE }, CONTEXT)
  print(
    `MemoryUserStore, ${USERS.toLocaleString('en')} users, pages of ${PAGE} (it scans its map either way, and counts the total)`,
    await timePages(store, before.positions.at(-1)!, 11),
  )
}

/** Prints what page 1 and page 10,000 cost by cursor and by startIndex. */
export async function runCursorBench(): Promise<void> {
  console.log('\nCursor paging (RFC 9865): page 1 against the last page, by cursor and by startIndex')
  const url = process.env.BENCH_PG_URL ?? process.env.EXPRESS_SCIM_TEST_PG_URL
  if (url) await sqlFigures(url)
  else
    console.log('  SQL part skipped: set BENCH_PG_URL (or EXPRESS_SCIM_TEST_PG_URL) to a PostgreSQL server')
  await memoryFigures()
}

if (process.argv[1]?.endsWith('cursor.ts')) void runCursorBench()
