// A TCP proxy a test controls, between a host and its database: cut() drops every connection and refuses new ones, as a network partition or a failover does; restore() lets them through again.
import { createConnection, createServer, type Server, type Socket } from 'node:net'

/** A running proxy. */
export interface TcpProxy {
  /** The loopback port to connect to instead of the target's. */
  readonly port: number
  /** Destroys every open connection (both sides) and refuses new ones until `restore()`. */
  cut(): void
  /** Accepts and forwards connections again. */
  restore(): void
  /** How many connections were forwarded in all. */
  readonly connections: number
  close(): Promise<void>
}

/**
 * Forwards connections on a free loopback port to `targetPort`. Written here rather than taken from a
 * library: what the tests need is the cut (every live socket destroyed at once, new ones reset on
 * accept), which forwarding libraries do not offer, and the forwarding itself is a pipe each way.
 */
export async function startTcpProxy(targetPort: number, targetHost = '127.0.0.1'): Promise<TcpProxy> {
  const open = new Set<Socket>()
  let down = false
  let connections = 0
  const server: Server = createServer((client) => {
    if (down) {
      client.resetAndDestroy()
      return
    }
    connections += 1
    const upstream = createConnection({ host: targetHost, port: targetPort })
    open.add(client)
    open.add(upstream)
    const drop = () => {
      client.destroy()
      upstream.destroy()
      open.delete(client)
      open.delete(upstream)
    }
    client.on('error', drop).on('close', drop)
    upstream.on('error', drop).on('close', drop)
    client.pipe(upstream)
    upstream.pipe(client)
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  const port = (server.address() as { port: number }).port
  return {
    port,
    get connections() {
      return connections
    },
    cut() {
      down = true
      for (const socket of open) socket.resetAndDestroy()
      open.clear()
    },
    restore() {
      down = false
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of open) socket.destroy()
        server.close(() => resolve())
      }),
  }
}
