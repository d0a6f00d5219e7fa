// `npm run cluster`: N replicas of the reference host, each its own process over one PostgreSQL (DATABASE_URL), behind the round-robin balancer (balancer.ts); replicas that die are started again.
// REPLICAS (default 2), PORT (the proxy, default 3000; replicas listen on PORT+1..PORT+N), DATABASE_URL (required);
// every other variable (SCIM_TOKEN, ADMIN_PASSWORD, DATABASE_ISOLATION, ...) reaches every replica as it is.
import { type ChildProcess, fork } from 'node:child_process'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { setTimeout as sleep } from 'node:timers/promises'
import { type Backend, startBalancer } from './balancer'

/** The host's entry point each replica runs. */
const HOST_ENTRY = join(__dirname, 'index.ts')

/** How a cluster is started. */
export interface ClusterOptions {
  /** The PostgreSQL server every replica uses: required (PGlite and the memory stores live in one process). */
  readonly databaseUrl: string
  /** How many replicas (1 to 16). */
  readonly replicas: number
  /** The proxy's port (0 for any free one). */
  readonly port: number
  /** Each replica's port, one per replica (default: the proxy's port + 1, + 2, ...; required when `port` is 0). */
  readonly replicaPorts?: readonly number[]
  /** The public URL browsers and IdPs use (default `http://localhost:<proxy port>`): SAML's ACS is built from it. */
  readonly publicUrl?: string
  /** More environment for every replica (it gets this process's environment, then these). */
  readonly env?: Readonly<Record<string, string>>
  /** Start a replica again when it exits without being told to (default true), after `restartDelayMs` (default 1000). */
  readonly restart?: boolean
  readonly restartDelayMs?: number
  /** Where each line a replica prints goes, prefixed with its number (default stdout). */
  readonly log?: (line: string) => void
}

/** One replica process. */
export interface Replica {
  /** 1-based, as the log prefixes show it. */
  readonly index: number
  readonly port: number
  /** `http://127.0.0.1:<port>`: the replica itself, past the proxy. */
  readonly url: string
  /** The process of the replica's current run (a new one after a restart). */
  readonly process: ChildProcess | undefined
  /** True while the balancer sends it requests. */
  readonly up: boolean
  /**
   * Resolves when it is up: its current run, or the run a restart is about to start, said it listens
   * (an IPC message from the host). Rejects when the cluster stops first.
   */
  ready(): Promise<void>
}

/** A running cluster. */
export interface Cluster {
  /** The proxy's URL. */
  readonly url: string
  readonly replicas: readonly Replica[]
  /** Stops the proxy and every replica (SIGTERM, then SIGKILL after 10 s). */
  stop(): Promise<void>
}

function readOptions(options: ClusterOptions) {
  if (typeof options.databaseUrl !== 'string' || !/^postgres(ql)?:\/\//.test(options.databaseUrl)) {
    throw new TypeError(
      'a cluster needs DATABASE_URL, a postgres:// URL: PGlite and the memory stores keep their data in one process',
    )
  }
  if (!Number.isSafeInteger(options.replicas) || options.replicas < 1 || options.replicas > 16) {
    throw new TypeError('replicas must be a whole number from 1 to 16')
  }
  if (!Number.isSafeInteger(options.port) || options.port < 0 || options.port > 65_535) {
    throw new TypeError('port must be a TCP port')
  }
  const ports =
    options.replicaPorts ??
    (options.port === 0
      ? undefined
      : Array.from({ length: options.replicas }, (_, i) => options.port + i + 1))
  if (
    ports === undefined ||
    ports.length !== options.replicas ||
    ports.some((port) => !Number.isSafeInteger(port) || port < 1 || port > 65_535)
  ) {
    throw new TypeError('replicaPorts must give one TCP port per replica (required when port is 0)')
  }
  return { ports }
}

/**
 * Starts the replicas and the proxy; resolves when every replica says it listens. A request that a
 * replica refuses or drops before answering is answered 502 with `Retry-After`; one it drops
 * mid-response has its connection reset. The proxy never sends a request again: only the client knows
 * whether it may be repeated.
 */
export async function startCluster(options: ClusterOptions): Promise<Cluster> {
  const { ports } = readOptions(options)
  const log = options.log ?? ((line: string) => process.stdout.write(`${line}\n`))
  const restart = options.restart ?? true
  const restartDelayMs = options.restartDelayMs ?? 1_000
  let stopping = false

  interface ReplicaState extends Replica, Backend {
    process: ChildProcess | undefined
    up: boolean
    /** Whether the current run said it listens. */
    listened: boolean
    /** Runs in a row that exited without listening: the restart delay doubles with each. */
    failures: number
  }
  const replicas: ReplicaState[] = ports.map((port, i) => {
    const replica: ReplicaState = {
      index: i + 1,
      port,
      url: `http://127.0.0.1:${port}`,
      process: undefined,
      up: false,
      listened: false,
      failures: 0,
      probeable: () => replica.listened && replica.process?.exitCode === null && !replica.process.signalCode,
      ready: async () => {
        while (!replica.up) {
          if (stopping) throw new Error(`the cluster stopped before replica ${replica.index} was up`)
          await sleep(50)
        }
      },
    }
    return replica
  })
  const balancer = await startBalancer(replicas, { port: options.port })
  const publicUrl = options.publicUrl ?? `http://localhost:${new URL(balancer.url).port}`

  /** Resolves when this run's child says it listens (IPC), rejects when it exits first. */
  const listening = (replica: ReplicaState, child: ChildProcess) =>
    new Promise<void>((resolve, reject) => {
      const onMessage = (message: unknown) => {
        if ((message as { listening?: unknown } | null)?.listening !== replica.port) return
        child.off('message', onMessage)
        replica.listened = true
        replica.failures = 0
        replica.up = !stopping
        resolve()
      }
      child.on('message', onMessage)
      child.once('exit', () => reject(new Error(`replica ${replica.index} exited before it listened`)))
    })

  const launch = (replica: ReplicaState): Promise<void> => {
    const child = fork(HOST_ENTRY, [], {
      // One process per replica (tsx as a loader, not a wrapper), so a signal reaches the server itself.
      execArgv: ['--import', 'tsx'],
      env: {
        ...process.env,
        ...options.env,
        DATABASE_URL: options.databaseUrl,
        PORT: String(replica.port),
        // Replicas are reached through the balancer only: none listens beyond this machine.
        HOST: '127.0.0.1',
        PUBLIC_URL: publicUrl,
      },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    })
    replica.process = child
    replica.listened = false
    for (const stream of [child.stdout, child.stderr]) {
      if (stream)
        createInterface({ input: stream }).on('line', (line) => log(`[replica ${replica.index}] ${line}`))
    }
    child.once('exit', (code, signal) => {
      replica.up = false
      if (stopping) return
      // A replica that keeps failing at start (database down, bad settings) is retried ever less often.
      const delay = Math.min(30_000, restartDelayMs * 2 ** Math.min(replica.failures, 5))
      if (!replica.listened) replica.failures += 1
      log(
        `[cluster] replica ${replica.index} exited (${signal ?? `code ${code}`})${restart ? `; starting it again in ${delay} ms` : ''}`,
      )
      if (restart) setTimeout(() => !stopping && void launch(replica).catch(() => undefined), delay)
    })
    return listening(replica, child)
  }

  try {
    await Promise.all(replicas.map(launch))
  } catch (error) {
    await stopAll()
    throw error
  }

  async function stopAll(): Promise<void> {
    stopping = true
    await Promise.all([
      // In-flight requests end with the replicas; nothing waits for them to drain.
      balancer.close(),
      ...replicas.map(async (replica) => {
        const child = replica.process
        if (!child || child.exitCode !== null || child.signalCode !== null) return
        const exited = new Promise((resolve) => child.once('exit', resolve))
        child.kill('SIGTERM')
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000)
        await exited
        clearTimeout(timer)
      }),
    ])
  }

  return { url: balancer.url, replicas, stop: stopAll }
}

async function main(): Promise<void> {
  const port = Number(process.env.PORT || 3000)
  if (!Number.isSafeInteger(port) || port < 1 || port > 65_534) throw new TypeError('PORT must be a TCP port')
  const cluster = await startCluster({
    databaseUrl: process.env.DATABASE_URL ?? '',
    replicas: Number(process.env.REPLICAS ?? 2),
    port,
    ...(process.env.PUBLIC_URL ? { publicUrl: process.env.PUBLIC_URL } : {}),
  })
  const replicaList = cluster.replicas.map((replica) => replica.port).join(', ')
  console.log(`[cluster] ${cluster.replicas.length} replicas (ports ${replicaList}) behind ${cluster.url}`)
  const stop = () => void cluster.stop().then(() => process.exit(0))
  process.on('SIGINT', stop)
  process.on('SIGTERM', stop)
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error('cluster failed to start: %s', error instanceof Error ? error.message : String(error))
    process.exit(1)
  })
}
