// What a check run created, and deleting what it left: groups before users, 404 as gone, failures kept and masked.
import type { IncomingMessage, ServerResponse } from 'node:http'
import { CreatedResources, deleteLeftovers } from '../../lib/check/cleanup'
import { close, rawServer, TOKEN } from './servers'

describe('CreatedResources', () => {
  it('adds the id of a 201 to POST /Users or /Groups', () => {
    const created = new CreatedResources()
    created.observe('POST', '/Users', 201, { id: 'u1' })
    created.observe('POST', '/Groups', 201, { id: 'g1' })
    expect(created.size).toBe(2)
    expect(created.paths()).toEqual(['/Groups/g1', '/Users/u1'])
  })

  it('ignores what did not create: other statuses, no id, other methods and paths', () => {
    const created = new CreatedResources()
    created.observe('POST', '/Users', 409, { id: 'u1' })
    created.observe('POST', '/Users', 400, undefined)
    created.observe('POST', '/Users', 201, undefined)
    created.observe('POST', '/Users', 201, { id: '' })
    created.observe('POST', '/Users', 201, { id: 7 })
    created.observe('POST', '/Users', 201, [{ id: 'u1' }])
    created.observe('PUT', '/Users', 201, { id: 'u2' })
    created.observe('POST', '/Users/.search', 201, { id: 'u3' })
    created.observe('POST', '/Bulk', 201, { id: 'u4' })
    created.observe('POST', '/Schemas', 201, { id: 'u5' })
    expect(created.paths()).toEqual([])
  })

  it('drops a resource once a DELETE answered 204, 200 or 404, and keeps it otherwise', () => {
    const created = new CreatedResources()
    for (const id of ['a', 'b', 'c', 'd']) created.observe('POST', '/Users', 201, { id })
    created.observe('DELETE', '/Users/a', 204, undefined)
    created.observe('DELETE', '/Users/b', 200, undefined)
    created.observe('DELETE', '/Users/c', 404, undefined)
    created.observe('DELETE', '/Users/d', 500, undefined)
    created.observe('DELETE', '/Users', 204, undefined)
    created.observe('GET', '/Users/d', 404, undefined)
    expect(created.paths()).toEqual(['/Users/d'])
  })

  it('keeps ids percent-encoded, the way a step’s DELETE path carries them', () => {
    const created = new CreatedResources()
    created.observe('POST', '/Users', 201, { id: 'a b/c' })
    expect(created.paths()).toEqual(['/Users/a%20b%2Fc'])
    // A step's path is substituted with encodeURIComponent, so its DELETE matches the same entry.
    created.observe('DELETE', `/Users/${encodeURIComponent('a b/c')}`, 204, undefined)
    expect(created.size).toBe(0)
  })

  it('matches paths with a query: a DELETE with one still counts', () => {
    const created = new CreatedResources()
    created.observe('POST', '/Groups?x=1', 201, { id: 'g' })
    created.observe('DELETE', '/Groups/g?y=2', 204, undefined)
    expect(created.size).toBe(0)
  })

  it('lists groups first, so no member reference outlives its group, then users, each in creation order', () => {
    const created = new CreatedResources()
    created.observe('POST', '/Users', 201, { id: 'u1' })
    created.observe('POST', '/Groups', 201, { id: 'g1' })
    created.observe('POST', '/Users', 201, { id: 'u2' })
    created.observe('POST', '/Groups', 201, { id: 'g2' })
    expect(created.paths()).toEqual(['/Groups/g1', '/Groups/g2', '/Users/u1', '/Users/u2'])
  })
})

describe('deleteLeftovers', () => {
  const headers = { authorization: `Bearer ${TOKEN}` }

  async function against(answer: (request: IncomingMessage, response: ServerResponse) => void) {
    const server = await rawServer(answer)
    const created = new CreatedResources()
    created.observe('POST', '/Users', 201, { id: 'u1' })
    created.observe('POST', '/Groups', 201, { id: 'g1' })
    try {
      const results = await deleteLeftovers(created, `${server.origin}/scim`, headers, 2_000, TOKEN)
      return { results, requests: server.requests }
    } finally {
      await close(server.server)
    }
  }

  it('deletes each resource, groups first, with the token', async () => {
    const seen: (string | undefined)[] = []
    const { results, requests } = await against((request, response) => {
      seen.push(request.headers.authorization)
      response.writeHead(204).end()
    })
    expect(requests).toEqual(['DELETE /scim/Groups/g1', 'DELETE /scim/Users/u1'])
    expect(seen).toEqual([`Bearer ${TOKEN}`, `Bearer ${TOKEN}`])
    expect(results).toEqual([
      { path: '/Groups/g1', deleted: true },
      { path: '/Users/u1', deleted: true },
    ])
  })

  it('counts 200 and 404 as gone', async () => {
    const { results } = await against((request, response) => {
      response.writeHead(request.url?.includes('Groups') ? 200 : 404).end()
    })
    expect(results.every((item) => item.deleted)).toBe(true)
  })

  it('keeps going after a refusal, and says why, with the token masked in what the server said', async () => {
    const { results } = await against((request, response) => {
      if (request.url?.includes('Groups')) {
        response
          .writeHead(403, { 'Content-Type': 'text/plain' })
          .end(`not with ${request.headers.authorization}`)
      } else response.writeHead(204).end()
    })
    expect(results).toEqual([
      { path: '/Groups/g1', deleted: false, error: 'DELETE answered 403: not with Bearer ****' },
      { path: '/Users/u1', deleted: true },
    ])
    expect(JSON.stringify(results)).not.toContain(TOKEN)
  })

  it('cuts a long refusal to a short excerpt', async () => {
    const { results } = await against((_request, response) => {
      response.writeHead(500).end('e'.repeat(10_000))
    })
    expect(results[0]?.error?.length).toBeLessThan(300)
  })

  it('reports a connection failure per resource rather than throwing', async () => {
    const { results } = await against((request) => request.socket.destroy())
    expect(results).toEqual([
      { path: '/Groups/g1', deleted: false, error: expect.stringMatching(/^the connection failed \(/) },
      { path: '/Users/u1', deleted: false, error: expect.stringMatching(/^the connection failed \(/) },
    ])
  })

  it('does nothing when nothing is left', async () => {
    expect(await deleteLeftovers(new CreatedResources(), 'http://127.0.0.1:9', headers, 100, TOKEN)).toEqual(
      [],
    )
  })
})
