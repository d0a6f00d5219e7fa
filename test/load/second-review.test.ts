// What the second review of `load` found: creates without a usable id, answers that are not JSON, lazy batches.

import { inPool } from '../../lib/load/pool'
import { runLoad } from '../../lib/load/run'
import { close, rawServer } from '../check/servers'

describe('load against a server whose creates carry no usable id', () => {
  it.each([
    ['a numeric id', (response: import('node:http').ServerResponse) => response.end('{"id":7}')],
    ['a body that is not JSON', (response: import('node:http').ServerResponse) => response.end('created')],
    ['the id ".."', (response: import('node:http').ServerResponse) => response.end('{"id":".."}')],
  ])(
    'counts each create once, as an error, and each as a resource it could not clean up (%s)',
    async (_label, create) => {
      const target = await rawServer((request, response) => {
        response.writeHead(request.method === 'POST' ? 201 : request.method === 'GET' ? 200 : 204, {
          'content-type': 'application/scim+json',
        })
        if (request.method === 'POST') create(response)
        else response.end(request.method === 'GET' ? '{"totalResults":0}' : undefined)
      })
      try {
        const report = await runLoad({
          baseUrl: `${target.origin}/scim`,
          token: 't',
          users: 5,
          groups: 1,
          members: 5,
          batchSize: 2,
        })
        const creates = report.kinds.filter((k) => k.kind.endsWith('create'))
        expect(creates.map((k) => [k.kind, k.count, k.errors])).toEqual([
          ['user create', 5, 5],
          ['group create', 1, 1],
        ])
        expect(report.errorsByStatus).toEqual({ 'no usable id': 6 })
        expect(report.cleanup).toEqual({ deleted: 0, failed: 6 })
        // Nothing was addressed with a bad id: no PATCH, no DELETE.
        expect(
          target.requests.filter((line) => !line.startsWith('GET ') && !line.startsWith('POST ')),
        ).toEqual([])
      } finally {
        await close(target.server)
      }
    },
  )
})

describe('inPool over a count', () => {
  it('runs every index below the count, so a long list of work need not exist', async () => {
    const seen: number[] = []
    await inPool<number>(7, 3, async (index) => {
      seen.push(index)
    })
    expect(seen.sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6])
  })
})
