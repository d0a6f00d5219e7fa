// `npm run cluster`: N replicas of the reference host, each its own process over one PostgreSQL (DATABASE_URL), behind a round-robin proxy (http-proxy-3) that skips replicas that are down and starts again the ones that die.
// REPLICAS (default 2), PORT (the proxy, default 3000; replicas listen on PORT+1..PORT+N), DATABASE_URL (required);
// every other variable (SCIM_TOKEN, ADMIN_PASSWORD, DATABASE_ISOLATION, ...) reaches every replica as it is.
import { type ChildProcess, fork } from 'node:child_process'
import { Agent, createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { connect } from 'node:net'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { createProxyServer } from 'http-proxy-3'

/** The host's entry point each replica runs. */
const HOST_ENTRY = join(__dirname, 'index.ts')

/** How often a replica marked down is probed, in ms. */
const PROBE_INTERVAL_MS = 250

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
  /** True while it accepts connections, as the proxy last saw. */
  readonly up: boolean
  /** Resolves when the current run says it listens (an IPC message from the host). */
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

/** True when something accepts connections on this loopback port. */
function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port })
    socket.setTimeout(1_000)
    socket.once('connect', () => {
      socket.destroy()
      resolve(true)
    })
    socket.once('error', () => resolve(false))
    socket.once('timeout', () => {
      socket.destroy()
      resolve(false)
    })
  })
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

/** The answer for a request no replica could take: a SCIM error under /scim, plain text elsewhere. */
function unavailable(request: IncomingMessage, response: ServerResponse, status: 502 | 503): void {
  if (response.headersSent) {
    response.destroy()
    return
  }
  const detail = status === 503 ? 'No replica is up; retry shortly' : 'The replica did not answer; retry'
  const scim = /^\/scim(\/|\?|$)/.test(request.url ?? '')
  response.writeHead(status, {
    'Content-Type': scim ? 'application/scim+json; charset=utf-8' : 'text/plain; charset=utf-8',
    'Retry-After': '1',
  })
  response.end(
    scim
      ? JSON.stringify({
          schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'],
          status: String(status),
          detail,
        })
      : `${detail}\n`,
  )
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

  const proxyServer: Server = createServer()
  await new Promise<void>((resolve, reject) => {
    proxyServer.once('error', reject)
    proxyServer.listen(options.port, '127.0.0.1', () => resolve())
  })
  const proxyPort = (proxyServer.address() as { port: number }).port
  const publicUrl = options.publicUrl ?? `http://localhost:${proxyPort}`

  const replicas = ports.map((port, i) => {
    const state = {
      index: i + 1,
      port,
      url: `http://127.0.0.1:${port}`,
      process: undefined as ChildProcess | undefined,
      up: false,
      /** Exits in a row without reaching `listening`: the restart delay doubles with each. */
      failures: 0,
      readyPromise: Promise.resolve(),
      ready: () => state.readyPromise,
    }
    return state
  })

  /** Resolves when this run's child says it listens (IPC), rejects when it exits first. */
  const waitUntilUp = (replica: (typeof replicas)[number], child: ChildProcess) =>
    new Promise<void>((resolve, reject) => {
      const onMessage = (message: unknown) => {
        if ((message as { listening?: unknown } | null)?.listening !== replica.port) return
        child.off('message', onMessage)
        replica.up = !stopping
        replica.failures = 0
        resolve()
      }
      child.on('message', onMessage)
      child.once('exit', () => reject(new Error(`replica ${replica.index} exited before it listened`)))
    })

  const launch = (replica: (typeof replicas)[number]) => {
    const child = fork(HOST_ENTRY, [], {
      // One process per replica (tsx as a loader, not a wrapper), so a signal reaches the server itself.
      execArgv: ['--import', 'tsx'],
      env: {
        ...process.env,
        ...options.env,
        DATABASE_URL: options.databaseUrl,
        PORT: String(replica.port),
        // Replicas are reached through the proxy only: none listens beyond this machine.
        HOST: '127.0.0.1',
        PUBLIC_URL: publicUrl,
      },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    })
    replica.process = child
    for (const stream of [child.stdout, child.stderr]) {
      if (stream)
        createInterface({ input: stream }).on('line', (line) => log(`[replica ${replica.index}] ${line}`))
    }
    child.once('exit', (code, signal) => {
      replica.up = false
      if (stopping) return
      // A replica that keeps failing at start (database down, bad settings) is retried ever less often.
      const delay = Math.min(30_000, restartDelayMs * 2 ** Math.min(replica.failures, 5))
      replica.failures += 1
      log(
        `[cluster] replica ${replica.index} exited (${signal ?? `code ${code}`})${restart ? `; starting it again in ${delay} ms` : ''}`,
      )
      if (restart) setTimeout(() => !stopping && launch(replica), delay)
    })
    replica.readyPromise = waitUntilUp(replica, child)
    // A replica that never comes up is reported by ready(); the restart loop handles the rest.
    replica.readyPromise.catch(() => undefined)
  }

  // Replicas that are down are probed until they accept connections again (a restart, a network blip).
  const probe = setInterval(() => {
    for (const replica of replicas) {
      // Only a replica whose current run said it listens: a port some other process holds is never probed up.
      const listened = replica.failures === 0
      if (
        !replica.up &&
        listened &&
        replica.process?.exitCode === null &&
        replica.process.signalCode === null
      ) {
        void accepts(replica.port).then((ok) => {
          if (ok && !stopping) replica.up = true
        })
      }
    }
  }, PROBE_INTERVAL_MS)

  const agent = new Agent({ keepAlive: true, maxSockets: 256 })
  // Above the replicas' statement timeout (10 s) and their retries: a replica that hangs fails the request.
  const proxy = createProxyServer({ xfwd: true, agent, proxyTimeout: 30_000 })
  // A replica that dies mid-response: the client's connection is reset rather than left waiting.
  proxy.on('proxyRes', (proxyRes, _request, response) => {
    proxyRes.once('close', () => {
      if (!proxyRes.complete) response.destroy()
    })
  })
  let next = 0
  const pick = () => {
    for (let tried = 0; tried < replicas.length; tried += 1) {
      const replica = replicas[next % replicas.length]!
      next += 1
      if (replica.up) return replica
    }
    return undefined
  }
  proxyServer.on('request', (request, response) => {
    // The proxy is the edge: forwarded headers a client sent would be trusted by the replicas (trust proxy).
    for (const name of [
      'x-forwarded-for',
      'x-forwarded-host',
      'x-forwarded-proto',
      'x-forwarded-port',
      'forwarded',
    ])
      delete request.headers[name]
    const replica = pick()
    if (!replica) return unavailable(request, response, 503)
    proxy.web(request, response, { target: replica.url }, (error) => {
      // Refused or dropped: mark it down until a probe finds it up again.
      const code = (error as { code?: string }).code
      if (code === 'ECONNREFUSED' || code === 'ECONNRESET' || code === 'EPIPE') replica.up = false
      unavailable(request, response, 502)
    })
  })

  for (const replica of replicas) launch(replica)
  try {
    await Promise.all(replicas.map((replica) => replica.readyPromise))
  } catch (error) {
    await stopAll()
    throw error
  }

  async function stopAll(): Promise<void> {
    stopping = true
    clearInterval(probe)
    const closed = new Promise<void>((resolve) => proxyServer.close(() => resolve()))
    // In-flight requests end with the replicas; nothing waits for them to drain.
    proxyServer.closeAllConnections()
    agent.destroy()
    await Promise.all([
      closed,
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

  return { url: `http://127.0.0.1:${proxyPort}`, replicas, stop: stopAll }
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
