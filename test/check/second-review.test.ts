// What the second review of `check` found, each reproduced against a scratch server: judging, ids, masking, 204.
import type { IncomingMessage, ServerResponse } from 'node:http'
import { runCheck } from '../../lib/check'
import { masked } from '../../lib/check/mask'
import type { CheckSuite } from '../../types/check'
import { close, rawServer } from './servers'

const LIST = 'urn:ietf:params:scim:api:messages:2.0:ListResponse'

function suite(steps: CheckSuite['sequence']['steps']): CheckSuite {
  return {
    name: 'scratch-one',
    tags: ['scratch', 'one'],
    sequence: { name: 'scratch', source: 'https://example.test', steps },
  }
}

function answer(
  response: ServerResponse,
  status: number,
  body?: unknown,
  headers: Record<string, string> = {},
) {
  response.writeHead(status, { 'content-type': 'application/scim+json', ...headers })
  response.end(body === undefined ? undefined : JSON.stringify(body))
}

const createStep = {
  name: 'Create',
  request: { method: 'POST' as const, path: '/Users', body: { userName: 'a.{{run}}' } },
  response: { status: 201 },
  capture: { userId: 'id' },
}

describe('check judges what the server really said, and masks only what it shows', () => {
  it('passes a server whose answers contain the token as ordinary text (a token "scim")', async () => {
    const target = await rawServer((_request, response) =>
      answer(response, 200, { schemas: [LIST], totalResults: 0 }),
    )
    try {
      const report = await runCheck({
        baseUrl: `${target.origin}/scim`,
        token: 'scim',
        suites: [
          suite([
            {
              name: 'List',
              request: { method: 'GET', path: '/Users' },
              response: { status: 200, body: { schemas: [LIST] } },
            },
          ]),
        ],
      })
      expect(report.failed).toBe(0)
    } finally {
      await close(target.server)
    }
  })

  it('still keeps the token out of the problem lines of a failure', async () => {
    const token = 'token-0123456789-abcdefghij'
    const target = await rawServer((_request, response) => answer(response, 200, { schemas: [`x${token}`] }))
    try {
      const report = await runCheck({
        baseUrl: `${target.origin}/scim`,
        token,
        suites: [
          suite([
            {
              name: 'List',
              request: { method: 'GET', path: '/Users' },
              response: { status: 200, body: { schemas: [LIST] } },
            },
          ]),
        ],
      })
      expect(report.failed).toBe(1)
      expect(JSON.stringify(report)).not.toContain(token)
    } finally {
      await close(target.server)
    }
  })

  it('masks the token also percent-encoded, in base64 and with JSON-escaped slashes', () => {
    const token = 's3cr3t+tok/en='
    const text = [
      token,
      encodeURIComponent(token),
      Buffer.from(token).toString('base64'),
      's3cr3t+tok\\/en=',
    ].join(' ')
    expect(masked(text, token)).toBe('**** **** **** ****')
  })
})

describe('check never addresses what a server names "." or ".."', () => {
  it.each(['..', '.', '%2e%2E'])(
    'refuses the id %j in a path, reports the create as left behind, and sends nothing up the tree',
    async (id) => {
      const target = await rawServer((request: IncomingMessage, response) => {
        if (request.method === 'POST') answer(response, 201, { id })
        else answer(response, 200, {})
      })
      try {
        const report = await runCheck({
          baseUrl: `${target.origin}/scim`,
          token: 'token-0123456789',
          suites: [
            suite([
              createStep,
              {
                name: 'Get',
                request: { method: 'GET', path: '/Users/{{userId}}' },
                response: { status: 200 },
              },
            ]),
          ],
        })
        const [, get] = report.suites[0]?.steps ?? []
        expect(get?.outcome).toBe('failed')
        expect(get?.failure?.problems.join('\n')).toContain('cannot be a path segment')
        expect(report.cleanup).toEqual([expect.objectContaining({ deleted: false })])
        expect(target.requests).toEqual(['POST /scim/Users'])
      } finally {
        await close(target.server)
      }
    },
  )
})

describe('check cleans up creates whose answer has no string id', () => {
  it('reports a create answered with a numeric id as left behind (RFC 7643 §3.1: id is a string)', async () => {
    const target = await rawServer((_request, response) => answer(response, 201, { id: 12345 }))
    try {
      const report = await runCheck({
        baseUrl: `${target.origin}/scim`,
        token: 'token-0123456789',
        suites: [suite([{ ...createStep, capture: {} }])],
      })
      expect(report.cleanup).toEqual([
        expect.objectContaining({ path: expect.stringMatching(/^\/Users /), deleted: false }),
      ])
      expect(report.failed).toBe(1)
    } finally {
      await close(target.server)
    }
  })

  it('deletes a create answered without a body through the id at the end of its Location (RFC 7644 §3.3)', async () => {
    const target = await rawServer((request, response) => {
      if (request.method === 'POST') {
        response.writeHead(201, { location: 'http://elsewhere.test/scim/Users/u-42' })
        response.end()
      } else {
        response.writeHead(204)
        response.end()
      }
    })
    try {
      const report = await runCheck({
        baseUrl: `${target.origin}/scim`,
        token: 'token-0123456789',
        suites: [suite([{ ...createStep, capture: {} }])],
      })
      expect(report.cleanup).toEqual([{ path: '/Users/u-42', deleted: true }])
      expect(target.requests).toEqual(['POST /scim/Users', 'DELETE /scim/Users/u-42'])
    } finally {
      await close(target.server)
    }
  })
})

describe('a step that allows 204', () => {
  it('has no body to compare when the answer is 204 (RFC 7644 §3.5.2)', async () => {
    const target = await rawServer((_request, response) => {
      response.writeHead(204)
      response.end()
    })
    try {
      const report = await runCheck({
        baseUrl: `${target.origin}/scim`,
        token: 'token-0123456789',
        suites: [
          suite([
            {
              name: 'Patch',
              request: { method: 'PATCH', path: '/Users/x', body: { Operations: [] } },
              response: { status: [200, 204], body: { active: false } },
            },
          ]),
        ],
      })
      expect(report.failed).toBe(0)
    } finally {
      await close(target.server)
    }
  })
})
