// The router on plain node:http, without Express: at the root of its server, and under a prefix the host strips.
import { createServer, type RequestListener, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import {
  createScimRouter,
  MemorySessionRevoker,
  MemoryTeamStore,
  MemoryUserStore,
  type ScimRouterOptions,
  staticTokens,
} from '../../lib'

const TOKEN = 'node-http-token-0123456789'
const HEADERS = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/scim+json' }
const USER = { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: 'ann@example.com' }

function options(extra: Partial<ScimRouterOptions> = {}): ScimRouterOptions {
  return {
    userStore: new MemoryUserStore(),
    teamStore: new MemoryTeamStore(),
    sessionRevoker: new MemorySessionRevoker(),
    authenticate: staticTokens([TOKEN]),
    userSyncEnabled: true,
    groupSyncEnabled: true,
    ...extra,
  }
}

async function listen(handler: RequestListener): Promise<{ server: Server; origin: string }> {
  const server = createServer(handler)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()))
  return { server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }
}

const servers: Server[] = []
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))))
})

describe('createScimRouter on plain node:http', () => {
  it('serves SCIM at the root of its server: create, read back, and discovery through /v2', async () => {
    const { server, origin } = await listen(createScimRouter(options()))
    servers.push(server)
    const created = await fetch(`${origin}/Users`, {
      method: 'POST',
      headers: HEADERS,
      body: JSON.stringify(USER),
    })
    expect(created.status).toBe(201)
    const location = created.headers.get('location')
    expect(location).toMatch(new RegExp(`^${origin}/Users/[^/]+$`))
    const read = await fetch(location as string, { headers: HEADERS })
    expect(read.status).toBe(200)
    expect(((await read.json()) as { userName: string }).userName).toBe('ann@example.com')
    expect((await fetch(`${origin}/v2/ServiceProviderConfig`, { headers: HEADERS })).status).toBe(200)
    expect((await fetch(`${origin}/Users`, { headers: {} })).status).toBe(401)
  })

  it('serves under a prefix the host strips, with baseUrl naming the real URL', async () => {
    let router: RequestListener = () => undefined
    const { server, origin } = await listen((req, res) => {
      const url = req.url ?? '/'
      if (!url.startsWith('/scim/')) {
        res.writeHead(404)
        res.end()
        return
      }
      req.url = url.slice('/scim'.length)
      router(req, res)
    })
    servers.push(server)
    router = createScimRouter(options({ baseUrl: `${origin}/scim` }))
    const created = await fetch(`${origin}/scim/Users`, {
      method: 'POST',
      headers: HEADERS,
      body: JSON.stringify(USER),
    })
    expect(created.status).toBe(201)
    const body = (await created.json()) as { meta: { location: string } }
    expect(created.headers.get('location')).toBe(body.meta.location)
    expect(body.meta.location).toMatch(new RegExp(`^${origin}/scim/Users/[^/]+$`))
    expect((await fetch(body.meta.location, { headers: HEADERS })).status).toBe(200)
  })

  it('lets a host change the status and headers when the body is written (a wrapper of res.end)', async () => {
    const router = createScimRouter(options())
    const { server, origin } = await listen((req, res) => {
      const end = res.end.bind(res) as (...args: unknown[]) => typeof res
      res.end = ((...args: unknown[]) => {
        res.setHeader('X-Answered-By', 'scim')
        if (res.statusCode === 404) res.statusCode = 410
        return end(...args)
      }) as typeof res.end
      router(req, res)
    })
    servers.push(server)
    const missing = await fetch(`${origin}/Users/nobody`, { headers: HEADERS })
    expect(missing.status).toBe(410)
    expect(missing.headers.get('x-answered-by')).toBe('scim')
    expect(missing.headers.get('content-type')).toBe('application/scim+json; charset=utf-8')
    expect(Number(missing.headers.get('content-length'))).toBe(Buffer.byteLength(await missing.text()))
  })

  it('leaves every header it wrote readable by the host after the answer, and survives a status-only writeHead wrapper', async () => {
    const router = createScimRouter(options())
    const seen: Array<Record<string, unknown>> = []
    const { server, origin } = await listen((req, res) => {
      // What an access log reads on `finish` (morgan's :res[content-length], metrics).
      res.on('finish', () =>
        seen.push({
          status: res.statusCode,
          type: res.getHeader('content-type'),
          length: res.getHeader('content-length'),
          etag: res.getHeader('etag'),
        }),
      )
      // A wrapper that passes on the status only, as Node's own implicit head calls it.
      const writeHead = res.writeHead
      res.writeHead = function (this: typeof res, status: number) {
        this.setHeader('X-Response-Time', '1ms')
        return writeHead.call(this, status)
      } as typeof res.writeHead
      router(req, res)
    })
    servers.push(server)
    const created = await fetch(`${origin}/Users`, {
      method: 'POST',
      headers: HEADERS,
      body: JSON.stringify(USER),
    })
    const location = created.headers.get('location')!
    const etag = created.headers.get('etag')!
    const list = await fetch(`${origin}/Users`, { headers: HEADERS })
    const listText = await list.text()
    const notModified = await fetch(location, { headers: { ...HEADERS, 'if-none-match': etag } })
    const missing = await fetch(`${origin}/Users/nobody`, { headers: HEADERS })
    const missingText = await missing.text()
    for (const res of [created, list, missing]) {
      expect(res.headers.get('content-type')).toBe('application/scim+json; charset=utf-8')
      expect(res.headers.get('x-response-time')).toBe('1ms')
      expect(res.headers.get('transfer-encoding')).toBeNull()
    }
    expect(list.headers.get('content-length')).toBe(String(Buffer.byteLength(listText)))
    expect(notModified.status).toBe(304)
    expect(notModified.headers.get('etag')).toBe(etag)
    expect(seen).toEqual([
      { status: 201, type: 'application/scim+json; charset=utf-8', length: expect.any(Number), etag },
      {
        status: 200,
        type: 'application/scim+json; charset=utf-8',
        length: Buffer.byteLength(listText),
        etag: undefined,
      },
      { status: 304, type: undefined, length: undefined, etag },
      {
        status: 404,
        type: 'application/scim+json; charset=utf-8',
        length: Buffer.byteLength(missingText),
        etag: undefined,
      },
    ])
  })
})
