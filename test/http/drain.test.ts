// Unit tests of refuseUnreadBody(): the answer is written first, the rest of the body is read and dropped, and the connection closes at the body's end or at the byte and time bounds, whichever comes first.
import http from 'node:http'
import net, { type AddressInfo } from 'node:net'
import { scimError } from '../../lib/errors'
import { DRAIN_LIMITS, type DrainLimits, refuseUnreadBody } from '../../lib/http/drain'

interface Seen {
  /** Body bytes the server saw after answering. */
  drained: number
}

/** A server that refuses every body at once with 413, draining within `limits`. */
async function refusingServer(
  limits: DrainLimits,
): Promise<{ server: http.Server; port: number; seen: Seen }> {
  const seen: Seen = { drained: 0 }
  const server = http.createServer((request, response) => {
    request.on('data', (chunk: Buffer) => {
      seen.drained += chunk.length
    })
    request.pause()
    refuseUnreadBody(request, response, scimError(413, undefined, 'too large'), { 'X-Test': 'yes' }, limits)
  })
  server.listen(0, '127.0.0.1')
  await new Promise<void>((resolve) => server.once('listening', () => resolve()))
  return { server, port: (server.address() as AddressInfo).port, seen }
}

async function stop(server: http.Server): Promise<void> {
  server.closeAllConnections()
  await new Promise<void>((resolve) => server.close(() => resolve()))
}

interface RawExchange {
  /** Everything the client received. */
  readonly received: string
  /** How the connection ended: the server's FIN, or an error code (reset, broken pipe). */
  readonly ending: string
}

/**
 * Sends a request head with `Content-Length: declared`, then body bytes: `flood` keeps writing as fast as
 * the socket takes them, otherwise `initial` bytes are sent and the client goes quiet. A `stubborn`
 * client ignores the server's end of stream and stays connected until the server closes.
 */
function rawPost(
  port: number,
  declared: number,
  mode: { flood: boolean; initial: number; stubborn?: boolean },
): Promise<RawExchange> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host: '127.0.0.1', allowHalfOpen: mode.stubborn === true })
    let received = ''
    let ended = false
    const finish = (ending: string) => {
      if (ended) return
      ended = true
      socket.destroy()
      resolve({ received, ending })
    }
    socket.setEncoding('utf8')
    socket.on('data', (chunk: string) => {
      received += chunk
    })
    socket.on('end', () => {
      if (!mode.stubborn) finish('end')
    })
    socket.on('close', () => finish('close'))
    socket.on('error', (error: NodeJS.ErrnoException) => finish(error.code ?? 'error'))
    socket.write(
      `POST /Users HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/scim+json\r\nContent-Length: ${declared}\r\n\r\n`,
    )
    const piece = Buffer.alloc(64 * 1024, 'x')
    if (!mode.flood) {
      socket.write(Buffer.alloc(mode.initial, 'x'))
      return
    }
    const pump = () => {
      while (!ended && !socket.destroyed) {
        if (!socket.write(piece)) {
          socket.once('drain', pump)
          return
        }
      }
    }
    pump()
  })
}

function expectAnswered(received: string): void {
  const [head = '', body = ''] = received.split('\r\n\r\n')
  expect(head).toMatch(/^HTTP\/1\.1 413 /)
  expect(head).toMatch(/\r\nConnection: close\r\n/i)
  expect(head).toMatch(/\r\nX-Test: yes\r\n/i)
  expect(head).toMatch(/\r\nContent-Type: application\/scim\+json; charset=utf-8\r\n/i)
  expect(JSON.parse(body)).toEqual({
    schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'],
    status: '413',
    detail: 'too large',
  })
}

describe('refuseUnreadBody', () => {
  it('has documented default bounds: 16 MiB read, 10 s open', () => {
    expect(DRAIN_LIMITS).toEqual({ maxBytes: 16 * 1024 * 1024, maxMs: 10_000 })
  })

  it('reads a body that ends within the bounds to its end, then closes the connection cleanly', async () => {
    const { server, port, seen } = await refusingServer({ maxBytes: 1024 * 1024, maxMs: 5000 })
    try {
      const exchange = await rawPost(port, 200 * 1024, { flood: false, initial: 200 * 1024 })
      expectAnswered(exchange.received)
      expect(exchange.ending).toBe('end')
      expect(seen.drained).toBe(200 * 1024)
    } finally {
      await stop(server)
    }
  })

  it('stops reading a client that keeps sending once maxBytes have been read, and ends its side', async () => {
    const { server, port, seen } = await refusingServer({ maxBytes: 256 * 1024, maxMs: 30_000 })
    try {
      const exchange = await rawPost(port, 1e12, { flood: true, initial: 0 })
      expectAnswered(exchange.received)
      // The server's end of stream, well before the time bound: the byte bound ended it.
      expect(exchange.ending).toBe('end')
      // Nothing is read past the chunk that crossed the bound (plus what was already buffered).
      expect(seen.drained).toBeGreaterThan(256 * 1024)
      expect(seen.drained).toBeLessThanOrEqual(256 * 1024 + 128 * 1024)
    } finally {
      await stop(server)
    }
  })

  it('closes the connection at maxMs when a client past maxBytes ignores the end of stream', async () => {
    const { server, port, seen } = await refusingServer({ maxBytes: 256 * 1024, maxMs: 400 })
    try {
      const exchange = await rawPost(port, 1e12, { flood: true, initial: 0, stubborn: true })
      expectAnswered(exchange.received)
      // The client never closes: only the server's time bound can have ended the exchange.
      expect(seen.drained).toBeLessThanOrEqual(256 * 1024 + 128 * 1024)
    } finally {
      await stop(server)
    }
  })

  it('cuts a client that goes quiet once maxMs have passed', async () => {
    const { server, port } = await refusingServer({ maxBytes: 1024 * 1024, maxMs: 300 })
    try {
      const exchange = await rawPost(port, 1e6, { flood: false, initial: 10 })
      expectAnswered(exchange.received)
      // The client neither sends nor closes: only the server's time bound can have ended the exchange.
    } finally {
      await stop(server)
    }
  })

  it('ends at once when the body was already read', async () => {
    const server = http.createServer((request, response) => {
      request.resume()
      request.on('end', () => refuseUnreadBody(request, response, scimError(415, undefined, 'no')))
    })
    server.listen(0, '127.0.0.1')
    await new Promise<void>((resolve) => server.once('listening', () => resolve()))
    try {
      const { port } = server.address() as AddressInfo
      const res = await fetch(`http://127.0.0.1:${port}/`, { method: 'POST', body: 'abc' })
      expect(res.status).toBe(415)
      expect(res.headers.get('connection')).toBe('close')
      expect(await res.json()).toMatchObject({ status: '415', detail: 'no' })
    } finally {
      await stop(server)
    }
  })
})
