// A TCP port free on loopback at the moment of asking, for tests that start a server process on a port of their own.
import { createServer } from 'node:net'

/** Listens on port 0, reads the port the system gave, and closes. */
export function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer()
    server.once('error', fail)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() =>
        typeof address === 'object' && address ? done(address.port) : fail(new Error('no port')),
      )
    })
  })
}
