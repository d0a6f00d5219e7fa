// The cluster's balancer over stub backends (real sockets): turns, down backends skipped and probed back, 502/503 as SCIM errors, client forwarding headers dropped, a response cut midway reset, a hung backend timed out, a port held by a stranger never trusted.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { afterEach, describe, expect, it } from '@jest/globals'
import { type Backend, type Balancer, startBalancer } from '../../../examples/grafana-host/balancer'
import { freePort } from '../../helpers/free-port'

type Handler = (request: IncomingMessage, response: ServerResponse) => void

const servers: Server[] = []
let balancer: Balancer | undefined
afterEach(async () => {
  await balancer?.close()
  balancer = undefined
  for (const server of servers.splice(0)) {
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
  }
})

/** A stub backend on `port` (a free one by default) answering with `handler`. */
async function stub(handler: Handler, port = 0): Promise<{ port: number; server: Server }> {
  const server = createServer(handler)
  servers.push(server)
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', () => resolve()))
  return { port: (server.address() as { port: number }).port, server }
}

function backend(port: number, up = true, probeable = () => true): Backend {
  return { url: `http://127.0.0.1:${port}`, port, up, probeable }
}

const named =
  (name: string): Handler =>
  (request, response) => {
    response.setHeader('Content-Type', 'application/json')
    response.end(JSON.stringify({ name, forwardedHost: request.headers['x-forwarded-host'] ?? null }))
  }

async function get(path: string, headers: Record<string, string> = {}) {
  const response = await fetch(`${balancer!.url}${path}`, { headers, signal: AbortSignal.timeout(10_000) })
  return { status: response.status, headers: response.headers, text: await response.text() }
}

const until = async (condition: () => boolean) => {
  for (let i = 0; i < 200 && !condition(); i += 1) await new Promise((resolve) => setTimeout(resolve, 25))
}

describe('the cluster balancer', () => {
  it('sends requests in turn to the backends that are up', async () => {
    const a = await stub(named('a'))
    const b = await stub(named('b'))
    const c = await stub(named('c'))
    balancer = await startBalancer([backend(a.port), backend(b.port, false, () => false), backend(c.port)], {
      port: 0,
    })
    const names = []
    for (let i = 0; i < 4; i += 1) names.push(JSON.parse((await get('/x')).text).name)
    expect(names).toEqual(['a', 'c', 'a', 'c'])
  })

  it('answers 503 with Retry-After when no backend is up: a SCIM error under /scim, text elsewhere', async () => {
    balancer = await startBalancer([backend(await freePort(), false, () => false)], { port: 0 })
    const scim = await get('/scim/Users')
    expect(scim.status).toBe(503)
    expect(scim.headers.get('retry-after')).toBe('1')
    expect(scim.headers.get('content-type')).toBe('application/scim+json; charset=utf-8')
    expect(JSON.parse(scim.text)).toEqual({
      schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'],
      status: '503',
      detail: 'No replica is up; retry shortly',
    })
    const page = await get('/login')
    expect(page.status).toBe(503)
    expect(page.headers.get('content-type')).toBe('text/plain; charset=utf-8')
  })

  it('drops the forwarding headers a client sent and sets its own', async () => {
    const a = await stub((request, response) => response.end(JSON.stringify(request.headers)))
    balancer = await startBalancer([backend(a.port)], { port: 0 })
    const seen = JSON.parse(
      (
        await get('/x', {
          'X-Forwarded-Host': 'evil.example',
          'X-Forwarded-For': '203.0.113.9',
          Forwarded: 'for=x',
        })
      ).text,
    )
    expect(seen['x-forwarded-host']).not.toBe('evil.example')
    expect(seen['x-forwarded-for']).toBe('127.0.0.1')
    expect(seen.forwarded).toBeUndefined()
  })

  it('answers 502 for a backend that refuses, marks it down, and probes it back up once it listens', async () => {
    const port = await freePort()
    const b = await stub(named('b'))
    const refusing = backend(port)
    balancer = await startBalancer([refusing, backend(b.port)], { port: 0 })
    const first = await get('/scim/Users')
    expect(first.status).toBe(502)
    expect(first.headers.get('retry-after')).toBe('1')
    expect(refusing.up).toBe(false)
    expect(JSON.parse((await get('/x')).text).name).toBe('b')
    await stub(named('a'), port)
    await until(() => refusing.up)
    expect(refusing.up).toBe(true)
  })

  it('never probes up a port whose process did not say it listens', async () => {
    const stranger = await stub(named('stranger'))
    const held = backend(stranger.port, false, () => false)
    const b = await stub(named('b'))
    balancer = await startBalancer([held, backend(b.port)], { port: 0 })
    await new Promise((resolve) => setTimeout(resolve, 600))
    expect(held.up).toBe(false)
    for (let i = 0; i < 4; i += 1) expect(JSON.parse((await get('/x')).text).name).toBe('b')
  })

  it('resets the client’s connection when a backend dies mid-response, instead of leaving it waiting', async () => {
    const a = await stub((_request, response) => {
      response.writeHead(200, { 'Content-Type': 'text/plain' })
      response.write('partial')
      setTimeout(() => response.socket?.destroy(), 50)
    })
    balancer = await startBalancer([backend(a.port)], { port: 0 })
    const reading = fetch(`${balancer.url}/x`, { signal: AbortSignal.timeout(3_000) }).then((r) => r.text())
    const failure = await reading.then(
      () => undefined,
      (error: Error) => error,
    )
    // The connection ended (undici: "terminated"), not the test's own timeout.
    expect(failure).toBeDefined()
    expect(failure?.name).not.toBe('TimeoutError')
  })

  it('answers 502 for a backend that does not answer within the proxy timeout', async () => {
    const hung = await stub(() => undefined)
    balancer = await startBalancer([backend(hung.port)], { port: 0, proxyTimeoutMs: 300 })
    expect((await get('/scim/Users')).status).toBe(502)
  })
})
