// The front of `npm run cluster`: a round-robin HTTP proxy (http-proxy-3) over backends that come and go; it skips the ones that are down, probes them back up, and never sends a request twice.
import { Agent, createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { connect } from 'node:net'
import { createProxyServer } from 'http-proxy-3'

/** How often a backend that is down is probed, in ms. */
const PROBE_INTERVAL_MS = 250

/**
 * Above the replicas' statement timeout (10 s) and their retries: a backend that hangs fails the
 * request instead of holding it for ever.
 */
const PROXY_TIMEOUT_MS = 30_000

/** Headers only a proxy may set: one a client sent would be trusted by the replicas (`trust proxy`). */
const FORWARDING_HEADERS = [
  'forwarded',
  'x-forwarded-for',
  'x-forwarded-host',
  'x-forwarded-proto',
  'x-forwarded-port',
]

/** A server the balancer sends requests to. The balancer sets `up` false when it refuses or drops one. */
export interface Backend {
  /** `http://127.0.0.1:<port>`. */
  readonly url: string
  readonly port: number
  /** Whether requests go to it. */
  up: boolean
  /**
   * Whether a probe may mark it up again when its port accepts connections: only while the process
   * that said it listens there is alive, so a port some other process holds is never trusted.
   */
  probeable(): boolean
}

/** A running balancer. */
export interface Balancer {
  /** `http://127.0.0.1:<port>`. */
  readonly url: string
  /** Stops listening and ends every open connection (requests in flight end with them). */
  close(): Promise<void>
}

/** True when something accepts connections on this loopback port within a second. */
function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port })
    const done = (ok: boolean) => {
      socket.destroy()
      resolve(ok)
    }
    socket.setTimeout(1_000)
    socket.once('connect', () => done(true))
    socket.once('error', () => done(false))
    socket.once('timeout', () => done(false))
  })
}

/** The answer for a request no backend could take: a SCIM error under /scim, plain text elsewhere. */
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
 * Listens on `127.0.0.1:port` (0 for any free port) and spreads requests over the backends that are
 * up, in turn. No backend up: 503. A backend that refuses or drops a request before answering: 502,
 * both with `Retry-After: 1`; one that drops it mid-response: the client's connection is reset. The
 * request is never sent again: only the client knows whether it may be repeated.
 */
export async function startBalancer(
  backends: readonly Backend[],
  options: { readonly port: number; readonly proxyTimeoutMs?: number },
): Promise<Balancer> {
  const agent = new Agent({ keepAlive: true, maxSockets: 256 })
  const proxy = createProxyServer({
    xfwd: true,
    agent,
    proxyTimeout: options.proxyTimeoutMs ?? PROXY_TIMEOUT_MS,
  })
  proxy.on('proxyRes', (proxyRes, _request, response) => {
    proxyRes.once('close', () => {
      if (!proxyRes.complete) response.destroy()
    })
  })

  let next = 0
  const pick = () => {
    for (let tried = 0; tried < backends.length; tried += 1) {
      const backend = backends[next % backends.length]!
      next += 1
      if (backend.up) return backend
    }
    return undefined
  }

  const server = createServer((request, response) => {
    for (const name of FORWARDING_HEADERS) delete request.headers[name]
    const backend = pick()
    if (!backend) return unavailable(request, response, 503)
    proxy.web(request, response, { target: backend.url }, (error) => {
      // Refused or dropped: down until a probe finds it up again.
      const code = (error as { code?: string }).code
      if (code === 'ECONNREFUSED' || code === 'ECONNRESET' || code === 'EPIPE') backend.up = false
      unavailable(request, response, 502)
    })
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port, '127.0.0.1', () => resolve())
  })

  let closing = false
  const probe = setInterval(() => {
    for (const backend of backends) {
      if (backend.up || !backend.probeable()) continue
      void accepts(backend.port).then((ok) => {
        if (ok && !closing && backend.probeable()) backend.up = true
      })
    }
  }, PROBE_INTERVAL_MS)

  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    close: async () => {
      closing = true
      clearInterval(probe)
      const closed = new Promise<void>((resolve) => server.close(() => resolve()))
      server.closeAllConnections()
      agent.destroy()
      await closed
    },
  }
}
