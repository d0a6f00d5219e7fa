// One exchange with the endpoint under test: what comes back, timeouts, refused connections, no redirects, bounded bodies.
import { createServer } from 'node:http'
import { exchange, NoAnswer } from '../../lib/check/transport'
import { close, listen, rawServer } from './servers'

/** The NoAnswer an exchange failed with (a test fails if it did not fail). */
async function noAnswer(promise: Promise<unknown>): Promise<NoAnswer> {
  try {
    await promise
  } catch (error) {
    expect(error).toBeInstanceOf(NoAnswer)
    return error as NoAnswer
  }
  throw new Error('the exchange did not fail')
}

describe('exchange', () => {
  it('sends method, headers and body, and returns status, lower-case headers and the text', async () => {
    let seen: { method?: string; url?: string; auth?: string; type?: string; body: string } = { body: '' }
    const server = await rawServer((request, response) => {
      let body = ''
      request.on('data', (chunk) => {
        body += chunk
      })
      request.on('end', () => {
        seen = {
          method: request.method,
          url: request.url,
          auth: request.headers.authorization,
          type: request.headers['content-type'],
          body,
        }
        response.writeHead(201, { 'Content-Type': 'application/scim+json', 'X-Mixed-Case': 'yes' })
        response.end('{"id":"é"}')
      })
    })
    try {
      const answer = await exchange(
        {
          method: 'POST',
          url: `${server.origin}/scim/Users?x=1`,
          headers: { Authorization: 'Bearer t', 'Content-Type': 'application/scim+json' },
          body: '{"userName":"ü"}',
        },
        2_000,
      )
      expect(seen).toEqual({
        method: 'POST',
        url: '/scim/Users?x=1',
        auth: 'Bearer t',
        type: 'application/scim+json',
        body: '{"userName":"ü"}',
      })
      expect(answer.status).toBe(201)
      expect(answer.headers).toMatchObject({ 'content-type': 'application/scim+json', 'x-mixed-case': 'yes' })
      expect(answer.text).toBe('{"id":"é"}')
    } finally {
      await close(server.server)
    }
  })

  it('does not follow a redirect: the 3xx itself comes back, and the other host sees nothing', async () => {
    const elsewhere = await rawServer((_request, response) => response.writeHead(200).end('followed'))
    const server = await rawServer((_request, response) =>
      response.writeHead(307, { Location: `${elsewhere.origin}/steal` }).end(),
    )
    try {
      for (const method of ['GET', 'POST', 'DELETE']) {
        const answer = await exchange(
          {
            method,
            url: `${server.origin}/scim/Users`,
            headers: { authorization: 'Bearer t' },
            body: undefined,
          },
          2_000,
        )
        expect(answer.status).toBe(307)
        expect(answer.headers['location']).toBe(`${elsewhere.origin}/steal`)
      }
      expect(elsewhere.requests).toEqual([])
    } finally {
      await close(server.server)
      await close(elsewhere.server)
    }
  })

  it('gives up on a server that never answers: a timeout', async () => {
    const server = await rawServer(() => {
      // Never answers.
    })
    try {
      const error = await noAnswer(exchange({ method: 'GET', url: `${server.origin}/`, headers: {} }, 200))
      expect(error.kind).toBe('timeout')
      expect(error.message).toBe('no answer within 200 ms')
    } finally {
      await close(server.server)
    }
  }, 10_000)

  it('gives up on a body that never ends: the timeout covers the whole exchange', async () => {
    const server = await rawServer((_request, response) => {
      response.writeHead(200, { 'Content-Type': 'application/scim+json' })
      response.write('{"partial":')
    })
    try {
      const error = await noAnswer(exchange({ method: 'GET', url: `${server.origin}/`, headers: {} }, 200))
      expect(error.kind).toBe('timeout')
    } finally {
      await close(server.server)
    }
  }, 10_000)

  it('reports a refused connection with the reason Node gives', async () => {
    // fetch's errors come from Node's own realm; under Jest (a vm context) they are not `instanceof Error`.
    // A port that was just free: listen, note it, close.
    const probe = createServer()
    const origin = await listen(probe)
    await close(probe)
    const error = await noAnswer(exchange({ method: 'GET', url: `${origin}/`, headers: {} }, 2_000))
    expect(error.kind).toBe('connection')
    expect(error.message).toMatch(/^the connection failed \(.*ECONNREFUSED/)
  })

  it('says why fetch refused to connect at all (a port the Fetch standard blocks)', async () => {
    // Fetch refuses "bad ports" (6000 is X11) before connecting; the reason is only in the error's cause.
    const error = await noAnswer(
      exchange({ method: 'GET', url: 'http://127.0.0.1:6000/scim', headers: {} }, 2_000),
    )
    expect(error.kind).toBe('connection')
    expect(error.message).toContain('bad port')
  })

  it('reports a connection the server cut', async () => {
    const server = await rawServer((request) => request.socket.destroy())
    try {
      const error = await noAnswer(exchange({ method: 'GET', url: `${server.origin}/`, headers: {} }, 2_000))
      expect(error.kind).toBe('connection')
      expect(error.message).toMatch(/^the connection failed \(.+\)$/)
    } finally {
      await close(server.server)
    }
  })

  it('sends nothing when the run is already stopped', async () => {
    const server = await rawServer((_request, response) => response.writeHead(200).end())
    try {
      const error = await noAnswer(
        exchange({ method: 'GET', url: `${server.origin}/`, headers: {} }, 2_000, AbortSignal.abort()),
      )
      expect(error.kind).toBe('interrupted')
      expect(server.requests).toEqual([])
    } finally {
      await close(server.server)
    }
  })

  it('stops waiting when the run is stopped mid-request: interrupted, not a timeout', async () => {
    const stop = new AbortController()
    const server = await rawServer(() => stop.abort())
    try {
      const error = await noAnswer(
        exchange({ method: 'GET', url: `${server.origin}/`, headers: {} }, 60_000, stop.signal),
      )
      expect(error.kind).toBe('interrupted')
      expect(error.message).toBe('the run was interrupted')
    } finally {
      await close(server.server)
    }
  })

  it('stops reading a body that does not end, past its bound', async () => {
    const chunk = Buffer.alloc(64 * 1024, 'a')
    const server = await rawServer((_request, response) => {
      response.writeHead(200, { 'Content-Type': 'text/plain' })
      const pump = () => {
        while (!response.destroyed && response.write(chunk)) {
          // Write until the socket pushes back.
        }
        if (!response.destroyed) response.once('drain', pump)
      }
      pump()
    })
    try {
      const answer = await exchange({ method: 'GET', url: `${server.origin}/`, headers: {} }, 30_000)
      expect(answer.status).toBe(200)
      expect(answer.text.length).toBeGreaterThanOrEqual(8 * 1024 * 1024)
      expect(answer.text.length).toBeLessThan(9 * 1024 * 1024)
    } finally {
      await close(server.server)
    }
  }, 40_000)
})
