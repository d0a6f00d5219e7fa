// A TCP port free on loopback at the moment of asking, for tests that start a server process on a port of their own.
import { createServer } from 'node:net'

/** Listens on port 0, reads the port the system gave, and closes. */
export async function freePort(): Promise<number> {
  const [port] = await freePorts(1)
  return port!
}

/**
 * `count` distinct free ports: every listener stays open until all are chosen, since two `freePort()`
 * calls in a row may be given the same port again.
 */
export async function freePorts(count: number): Promise<number[]> {
  const servers = Array.from({ length: count }, () => createServer())
  try {
    return await Promise.all(
      servers.map(
        (server) =>
          new Promise<number>((done, fail) => {
            server.once('error', fail)
            server.listen(0, '127.0.0.1', () => {
              const address = server.address()
              typeof address === 'object' && address ? done(address.port) : fail(new Error('no port'))
            })
          }),
      ),
    )
  } finally {
    await Promise.all(
      servers.map(
        (server) => new Promise<void>((done) => (server.listening ? server.close(() => done()) : done())),
      ),
    )
  }
}
