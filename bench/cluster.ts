// A sync cycle shaped like Entra ID's (lookups, creates, updates, member changes) against 1 and then 2 replicas of the reference host over one PostgreSQL server, in one run: req/s, p50/p99, and where the CPU went. Needs BENCH_PG_URL (or EXPRESS_SCIM_TEST_PG_URL).
//
// Each replica count gets its own fresh database, seeded alike inside PostgreSQL (`generate_series`), and its
// own cluster (examples/grafana-host/cluster.ts). The round-robin proxy runs in this process, and so does the
// load generator (bench/cluster-load.ts). CPU comes from /proc (bench/cluster-cpu.ts): the PostgreSQL
// server's processes are counted only because the server runs on this machine; elsewhere they show n/a.
import { createServer } from 'node:net'
import { availableParallelism } from 'node:os'
import { Pool } from 'pg'
import { type Cluster, startCluster } from '../examples/grafana-host/cluster'
import { pgDatabase } from '../examples/grafana-host/db'
import { migrate } from '../examples/grafana-host/migrate'
import { createScratchDatabase } from '../test/helpers/scratch-database'
import { type CpuSpent, cpuBetween, markCpu } from './cluster-cpu'
import { driveLoad, type Fixture, MIX } from './cluster-load'
import { seedUsers } from './host-seed'

const TOKEN = 'bench-cluster-token-0123456789abcdefghijklmn'
const TENANT = 'default'
const USERS = 2_000
const GROUPS = 20
const CLIENTS = 16

// ---------------------------------------------------------------------------------------------------
// A fresh database per replica count, seeded by the server itself.

async function seed(url: string): Promise<Fixture> {
  const pool = new Pool({ connectionString: url, max: 2 })
  try {
    await migrate(pgDatabase(pool))
    await seedUsers(pool, { tenant: TENANT, count: USERS, displayName: true })
    await pool.query(
      `insert into teams (tenant, id, name, name_folded, provisioned, document, seq)
       select $1, gen_random_uuid(), 'Group ' || g, 'group ' || g, true, '{}', g from generate_series(1, $2::int) as g`,
      [TENANT, GROUPS],
    )
    // Every user in one group: GROUPS groups of USERS / GROUPS members.
    await pool.query(
      `insert into team_members (tenant, team_id, user_id)
       select t.tenant, t.id, u.id from users u join teams t on t.seq = u.seq % $1 + 1`,
      [GROUPS],
    )
    await pool.query('vacuum analyze')
    const users = await pool.query<{ id: string; login: string }>('select id, login from users order by seq')
    const groups = await pool.query<{ id: string }>('select id from teams order by seq')
    return {
      users: users.rows.map((row) => ({ id: row.id, userName: row.login })),
      groups: groups.rows.map((row) => row.id),
    }
  } finally {
    await pool.end()
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
  })
}

// ---------------------------------------------------------------------------------------------------

// ---------------------------------------------------------------------------------------------------
// The runs and the report.

interface RunFigures {
  readonly replicas: number
  readonly rps: number
  readonly p50: number
  readonly p99: number
  readonly errors: number
  readonly expected: number
  readonly seconds: number
  readonly cpu: CpuSpent
}

/** A fresh database, a fresh cluster of `replicas`, a warm-up, then the measured load; both dropped after. */
async function runOnce(url: string, replicas: number, seconds: number, warmup: number, stop: () => boolean) {
  const database = await createScratchDatabase(url)
  let cluster: Cluster | undefined
  const lines: string[] = []
  try {
    const fixture = await seed(database.url)
    const ports = await Promise.all(Array.from({ length: replicas }, () => freePort()))
    cluster = await startCluster({
      databaseUrl: database.url,
      replicas,
      port: 0,
      replicaPorts: ports,
      // SCIM_RATE_LIMIT empty: a limit set in this shell would otherwise throttle the load.
      env: {
        SCIM_TOKEN: TOKEN,
        ADMIN_PASSWORD: 'bench-cluster-admin',
        NODE_ENV: 'test',
        SCIM_RATE_LIMIT: '',
      },
      restart: false,
      log: (line) => lines.push(line),
    }).catch((error: unknown) => {
      console.log(lines.map((line) => `  ${line}`).join('\n'))
      throw error
    })
    const load = { url: cluster.url, token: TOKEN, fixture, clients: CLIENTS, stop }
    await driveLoad({ ...load, seconds: warmup, tag: 'warmup' })
    const pids = () => cluster!.replicas.map((replica) => replica.process?.pid)
    const start = markCpu(pids())
    const result = await driveLoad({ ...load, seconds, tag: 'run' })
    const cpu = cpuBetween(start, markCpu(pids()))
    for (const [problem, count] of result.problems)
      console.log(`  ${replicas} replica(s): ${count} x ${problem}`)
    console.log(`  ${replicas} replica(s), p50/p99 ms by request: ${result.byOp.join(', ')}`)
    return {
      replicas,
      rps: result.requests / result.elapsed,
      p50: result.p50,
      p99: result.p99,
      errors: result.errors,
      expected: result.expected,
      seconds: result.elapsed,
      cpu,
    } satisfies RunFigures
  } finally {
    await cluster?.stop()
    await database.drop()
  }
}

const ours = (r: RunFigures) => (r.cpu.postgres ?? 0) + (r.cpu.replicas ?? 0) + r.cpu.self
/** This benchmark's CPU (postgres, replicas, proxy and clients) per request, in ms: what caps throughput on a full machine. */
const cpuPerRequest = (r: RunFigures) => (1000 * ours(r)) / (r.rps * r.seconds)
const pct = (part: number, whole: number) => `${Math.round((100 * part) / whole)}%`
const cpuCell = (seconds: number | undefined, total: number) =>
  (seconds === undefined ? 'n/a' : `${seconds.toFixed(1)} s ${pct(seconds, total).padStart(4)}`).padStart(14)

/** The sentence naming the bottleneck, from the figures alone, and a warning when other processes shared the cores. */
function bottleneck(one: RunFigures, two: RunFigures, cores: number): string[] {
  const capacity = (r: RunFigures) => cores * r.seconds
  // The whole machine's load when /proc/stat is readable; else only what this benchmark's processes used.
  const busy = (r: RunFigures) => (r.cpu.machine?.busy ?? ours(r)) / capacity(r)
  const others = (r: RunFigures) => Math.max(0, (r.cpu.machine?.busy ?? 0) - ours(r)) / capacity(r)
  const ofCore = (seconds: number | undefined, r: RunFigures) => (seconds ?? 0) / r.seconds
  const head =
    `the machine's ${cores} cores are ${pct(busy(one), 1)} busy with 1 replica (${pct(busy(two), 1)} with 2)` +
    (one.cpu.postgres === undefined
      ? '; postgres n/a'
      : `; postgres takes ${pct(one.cpu.postgres, ours(one))} of the CPU this benchmark used (${pct(two.cpu.postgres ?? 0, ours(two))} with 2)`) +
    `; at ${cpuPerRequest(one).toFixed(1)} ms of CPU per request, ${cores} cores cap it near ${Math.round((1000 * cores) / cpuPerRequest(one))} req/s`
  const warning =
    Math.max(others(one), others(two)) >= 0.1
      ? [
          `  note: other processes used ${pct(others(one), 1)} of the cores during the 1-replica run and ${pct(others(two), 1)} during the 2-replica run; the ratio is only as good as the machine was quiet`,
        ]
      : []
  let why: string
  if (busy(one) >= 0.85) {
    const [, leader] = (
      [
        [one.cpu.postgres ?? 0, 'postgres'],
        [one.cpu.replicas ?? 0, 'the replica'],
        [one.cpu.self, 'the proxy and load generator'],
      ] as const
    ).reduce((a, b) => (b[0] > a[0] ? b : a))
    why =
      `the cores are already full with one replica, so a second only shares them (CPU-bound; ${leader} uses the most)` +
      `, and CPU per request goes from ${cpuPerRequest(one).toFixed(1)} to ${cpuPerRequest(two).toFixed(1)} ms`
  } else if (ofCore(one.cpu.replicas, one) >= 0.9) {
    why = `the one replica keeps its thread ${pct(ofCore(one.cpu.replicas, one), 1)} busy; a second can use the idle core`
  } else if (ofCore(one.cpu.self, one) >= 0.9) {
    why = `the proxy and load generator (one thread) use ${pct(ofCore(one.cpu.self, one), 1)} of a core and limit the figures`
  } else if ((one.cpu.machine?.iowait ?? 0) / capacity(one) >= 0.1) {
    why = `the cores wait on the disk ${pct((one.cpu.machine?.iowait ?? 0) / capacity(one), 1)} of the time (commits' WAL flushes)`
  } else {
    why = 'no core and no single process is full, so the time goes to waiting (round trips, locks)'
  }
  return [`  bottleneck: ${head}: ${why}`, ...warning]
}

function report(runs: readonly RunFigures[], cores: number): void {
  console.log(
    `  ${'replicas'.padEnd(9)}${'req/s'.padStart(7)}${'p50 ms'.padStart(8)}${'p99 ms'.padStart(8)}${'errors'.padStart(7)}${'404/409'.padStart(8)}` +
      `${'CPU postgres'.padStart(14)}${'replicas'.padStart(14)}${'proxy+client'.padStart(14)}${'= cores busy'.padStart(13)}${'CPU ms/req'.padStart(11)}${'machine'.padStart(8)}${'iowait'.padStart(7)}`,
  )
  for (const r of runs) {
    const capacity = cores * r.seconds
    const machine = (seconds: number | undefined) => (seconds === undefined ? 'n/a' : pct(seconds, capacity))
    console.log(
      `  ${String(r.replicas).padEnd(9)}${Math.round(r.rps).toLocaleString('en-US').padStart(7)}${r.p50.toFixed(1).padStart(8)}` +
        `${r.p99.toFixed(1).padStart(8)}${String(r.errors).padStart(7)}${String(r.expected).padStart(8)}` +
        `${cpuCell(r.cpu.postgres, ours(r))}${cpuCell(r.cpu.replicas, ours(r))}${cpuCell(r.cpu.self, ours(r))}` +
        `${pct(ours(r), capacity).padStart(13)}${cpuPerRequest(r).toFixed(1).padStart(11)}${machine(r.cpu.machine?.busy).padStart(8)}${machine(r.cpu.machine?.iowait).padStart(7)}`,
    )
  }
  const [one, two] = runs as [RunFigures, RunFigures]
  console.log(`  2 replicas / 1 replica throughput = ${(two.rps / one.rps).toFixed(2)}x`)
  for (const line of bottleneck(one, two, cores)) console.log(line)
}

/** Runs the cluster benchmark; prints why it is skipped when no PostgreSQL server is configured. */
export async function runClusterBench(): Promise<void> {
  const url = process.env.BENCH_PG_URL ?? process.env.EXPRESS_SCIM_TEST_PG_URL
  console.log('\nReference host cluster: an Entra-like sync cycle against 1 and 2 replicas behind the proxy')
  if (!url) {
    console.log('  skipped: set BENCH_PG_URL (or EXPRESS_SCIM_TEST_PG_URL) to a PostgreSQL server')
    return
  }
  const seconds = Number(process.env.BENCH_CLUSTER_SECONDS ?? 15)
  const warmup = Number(process.env.BENCH_CLUSTER_WARMUP_SECONDS ?? 3)
  const cores = availableParallelism()
  let interrupted = false
  const onInterrupt = () => {
    interrupted = true
  }
  // Ctrl-C ends the load early and still stops the replicas and drops the database.
  process.once('SIGINT', onInterrupt)
  try {
    console.log(
      `  ${USERS.toLocaleString('en-US')} users in ${GROUPS} groups; ${CLIENTS} closed-loop clients, ${warmup} s warm-up, ${seconds} s measured; ` +
        `mix ${MIX.map(([op, weight]) => `${op} ${weight}%`).join(', ')}`,
    )
    console.log(
      `  CPU seconds (share of this benchmark's) from /proc: postgres = every process named postgres (the server runs on this machine);` +
        ` cores busy, machine (all processes) and iowait as shares of ${cores} cores x the measured time`,
    )
    const runs: RunFigures[] = []
    for (const replicas of [1, 2]) {
      if (interrupted) break
      runs.push(await runOnce(url, replicas, seconds, warmup, () => interrupted))
    }
    if (interrupted) throw new Error('interrupted')
    report(runs, cores)
  } finally {
    process.removeListener('SIGINT', onInterrupt)
  }
}
