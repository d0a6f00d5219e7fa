// runCheck itself: option checks, what each request carries, captures and {{run}}, stopping rules, progress and counts.
import type { IncomingHttpHeaders } from 'node:http'
import { runCheck } from '../../lib/check'
import type { CheckProgressEvent, CheckStep, CheckSuite } from '../../types/check'
import { close, rawServer, TOKEN } from './servers'

interface Seen {
  readonly method: string
  readonly url: string
  readonly headers: IncomingHttpHeaders
  readonly body: string
}

/**
 * A scripted endpoint: POST creates (201 with a new id), DELETE answers 204, GET /fail answers 500, every
 * other request 200 with what it received, so steps can check it.
 */
async function echoServer() {
  const seen: Seen[] = []
  const state = { refuseDeletes: false }
  let next = 0
  const server = await rawServer((request, response) => {
    let body = ''
    request.on('data', (chunk) => {
      body += chunk
    })
    request.on('end', () => {
      seen.push({ method: request.method ?? '', url: request.url ?? '', headers: request.headers, body })
      const json = (status: number, value: unknown) =>
        response.writeHead(status, { 'Content-Type': 'application/scim+json' }).end(JSON.stringify(value))
      if (request.method === 'POST')
        return json(201, { id: `u-${++next}`, sent: body === '' ? null : JSON.parse(body) })
      if (request.method === 'DELETE') return response.writeHead(state.refuseDeletes ? 403 : 204).end()
      if (request.url?.endsWith('/fail')) return json(500, { detail: 'failed' })
      json(200, { url: request.url })
    })
  })
  return { ...server, seen, state }
}

type Echo = Awaited<ReturnType<typeof echoServer>>
let endpoint: Echo | undefined
beforeEach(async () => {
  endpoint = await echoServer()
})
afterEach(async () => {
  if (endpoint) await close(endpoint.server)
  endpoint = undefined
})
const origin = () => endpoint!.origin

function suite(name: string, steps: CheckStep[]): CheckSuite {
  const [group = name, area = name] = name.split('-')
  return {
    name,
    tags: [group, area],
    sequence: { name: `${name} flow`, source: 'https://example.com', steps },
  }
}

const get = (name: string, path: string, status: number | number[] = 200): CheckStep => ({
  name,
  request: { method: 'GET', path },
  response: { status },
})

describe('options', () => {
  it.each([
    [
      'a relative URL',
      { baseUrl: '/scim' },
      'The base URL must be an absolute http: or https: URL; got "/scim"',
    ],
    ['another scheme', { baseUrl: 'ftp://h/scim' }, 'The base URL must use http: or https:; got ftp:'],
    ['a query', { baseUrl: 'http://h/scim?x=1' }, 'The base URL must not carry a query or a fragment'],
    ['a fragment', { baseUrl: 'http://h/scim#x' }, 'The base URL must not carry a query or a fragment'],
    ['a zero timeout', { baseUrl: 'http://h', timeoutMs: 0 }, 'timeoutMs must be a whole number'],
    ['a fractional timeout', { baseUrl: 'http://h', timeoutMs: 1.5 }, 'timeoutMs must be a whole number'],
    ['a huge timeout', { baseUrl: 'http://h', timeoutMs: 600_001 }, 'timeoutMs must be a whole number'],
    ['a runId with letters', { baseUrl: 'http://h', runId: '12a' }, 'runId must be 1 to 20 digits'],
    ['an empty runId', { baseUrl: 'http://h', runId: '' }, 'runId must be 1 to 20 digits'],
    [
      'an unknown suite',
      { baseUrl: 'http://h', only: ['entra-user'] },
      'No suite or tag is named "entra-user"',
    ],
  ])('refuses %s with a TypeError, before sending anything', async (_label, options, message) => {
    await expect(runCheck({ ...options, suites: [suite('a-b', [get('one', '/x')])] })).rejects.toThrow(
      new TypeError(message).message,
    )
    await expect(runCheck({ ...options, suites: [suite('a-b', [get('one', '/x')])] })).rejects.toBeInstanceOf(
      TypeError,
    )
    expect(endpoint!.seen).toEqual([])
  })

  it('refuses a base URL carrying credentials with a TypeError that does not repeat them', async () => {
    // fetch refuses such a URL for every request, so a run could only fail each suite's first step, and it
    // would write the password into the report (baseUrl, every URL, the problem line).
    const run = runCheck({
      baseUrl: `http://user:pa55word@${origin().slice(7)}/scim`,
      suites: [suite('a-b', [get('one', '/x')])],
    })
    const error = await run.then(
      () => undefined,
      (caught: unknown) => caught,
    )
    expect(error).toBeInstanceOf(TypeError)
    expect(String(error)).not.toContain('pa55word')
    expect(endpoint!.seen).toEqual([])
  })

  it('drops trailing slashes from the base URL and reports it', async () => {
    const report = await runCheck({
      baseUrl: `${origin()}/scim//`,
      suites: [suite('a-b', [get('one', '/x')])],
    })
    expect(report.baseUrl).toBe(`${origin()}/scim`)
    expect(endpoint!.seen.map((s) => s.url)).toEqual(['/scim/x'])
  })
})

describe('requests', () => {
  it('carry the token, let a step replace or remove it, and default a body to application/scim+json', async () => {
    const steps: CheckStep[] = [
      get('plain', '/a'),
      {
        name: 'other token',
        request: { method: 'GET', path: '/b', headers: { AUTHORIZATION: 'Bearer other' } },
        response: { status: 200 },
      },
      {
        name: 'no token',
        request: { method: 'GET', path: '/c', headers: { authorization: null } },
        response: { status: 200 },
      },
      { name: 'a body', request: { method: 'PUT', path: '/d', body: { a: 1 } }, response: { status: 200 } },
      {
        name: 'a typed body',
        request: {
          method: 'PATCH',
          path: '/e',
          headers: { 'content-type': 'application/json' },
          body: { a: 1 },
        },
        response: { status: 200 },
      },
      { name: 'a null body', request: { method: 'PUT', path: '/f', body: null }, response: { status: 200 } },
    ]
    const report = await runCheck({ baseUrl: origin(), token: TOKEN, suites: [suite('a-b', steps)] })
    expect(report.failed).toBe(0)
    const [plain, other, none, body, typed, empty] = endpoint!.seen
    expect(plain?.headers.authorization).toBe(`Bearer ${TOKEN}`)
    expect(other?.headers.authorization).toBe('Bearer other')
    expect(none?.headers.authorization).toBeUndefined()
    expect(body).toMatchObject({ body: '{"a":1}', headers: { 'content-type': 'application/scim+json' } })
    expect(typed?.headers['content-type']).toBe('application/json')
    expect(empty).toMatchObject({ body: '' })
    expect(empty?.headers['content-type']).toBeUndefined()
  })

  it('send no Authorization at all without a token', async () => {
    await runCheck({ baseUrl: origin(), suites: [suite('a-b', [get('one', '/x')])] })
    expect(endpoint!.seen[0]?.headers.authorization).toBeUndefined()
  })
})

describe('placeholders', () => {
  it('fill {{run}} and captured values into paths (encoded) and bodies, within one suite', async () => {
    const steps: CheckStep[] = [
      {
        name: 'create',
        request: { method: 'POST', path: '/Users', body: { userName: 'u.{{run}}' } },
        response: { status: 201, body: { sent: { userName: 'u.{{run}}' } } },
        capture: { userId: 'id' },
      },
      {
        name: 'read',
        request: { method: 'GET', path: '/Users/{{userId}}?q=%22{{run}}%22' },
        response: { status: 200, body: { url: '/Users/{{userId}}?q=%22{{run}}%22' } },
      },
      { name: 'delete', request: { method: 'DELETE', path: '/Users/{{userId}}' }, response: { status: 204 } },
    ]
    const report = await runCheck({ baseUrl: origin(), runId: '42', suites: [suite('a-b', steps)] })
    expect(report.runId).toBe('42')
    expect(report.failed).toBe(0)
    expect(endpoint!.seen.map((s) => `${s.method} ${s.url}`)).toEqual([
      'POST /Users',
      'GET /Users/u-1?q=%2242%22',
      'DELETE /Users/u-1',
    ])
    // The suite deleted what it created: nothing is left to the cleanup.
    expect(report.cleanup).toEqual([])
  })

  it('choose a fresh ten-digit {{run}} when none is given', async () => {
    const a = await runCheck({ baseUrl: origin(), suites: [suite('a-b', [get('one', '/x')])] })
    const b = await runCheck({ baseUrl: origin(), suites: [suite('a-b', [get('one', '/x')])] })
    expect(a.runId).toMatch(/^\d{10}$/)
    expect(b.runId).toMatch(/^\d{10}$/)
    expect(a.runId).not.toBe(b.runId)
  })

  it('do not carry captures from one suite into the next', async () => {
    const first = suite('a-one', [
      {
        name: 'create',
        request: { method: 'POST', path: '/Users' },
        response: { status: 201 },
        capture: { userId: 'id' },
      },
    ])
    const second = suite('a-two', [get('read', '/Users/{{userId}}')])
    const report = await runCheck({ baseUrl: origin(), suites: [first, second] })
    expect(report.suites[1]?.steps[0]).toMatchObject({
      outcome: 'failed',
      failure: { problems: ['{{userId}} is used before any step captured it'] },
    })
  })

  it('fail a step whose capture finds nothing', async () => {
    const steps: CheckStep[] = [
      {
        name: 'read',
        request: { method: 'GET', path: '/x' },
        response: { status: 200 },
        capture: { userId: 'id' },
      },
    ]
    const report = await runCheck({ baseUrl: origin(), suites: [suite('a-b', steps)] })
    expect(report.suites[0]?.steps[0]?.failure?.problems).toEqual(['capture userId: nothing at "id"'])
  })
})

describe('outcomes', () => {
  it('accept any status of a list, and stop a suite at its first failure but not the next suite', async () => {
    const broken = suite('a-broken', [get('ok', '/x', [201, 200]), get('fails', '/fail'), get('after', '/x')])
    const fine = suite('a-fine', [get('ok', '/x')])
    const report = await runCheck({ baseUrl: origin(), suites: [broken, fine] })
    expect(report.suites.map((s) => s.steps.map((step) => step.outcome))).toEqual([
      ['passed', 'failed', 'skipped'],
      ['passed'],
    ])
    expect(report.suites[0]?.steps[1]?.failure).toMatchObject({
      problems: ['status: expected 200, got 500'],
      request: { method: 'GET', url: `${origin()}/fail` },
      response: { status: 500, excerpt: '{"detail":"failed"}' },
    })
    expect(report).toMatchObject({ passed: 2, failed: 1, skipped: 1, interrupted: false })
    expect(report.suites[0]).toMatchObject({
      name: 'a-broken',
      title: 'a-broken flow',
      source: 'https://example.com',
    })
  })

  it('delete what a failed suite created', async () => {
    const steps: CheckStep[] = [
      { name: 'create', request: { method: 'POST', path: '/Users' }, response: { status: 201 } },
      get('fails', '/fail'),
    ]
    const report = await runCheck({ baseUrl: origin(), suites: [suite('a-b', steps)] })
    expect(report.cleanup).toEqual([{ path: '/Users/u-1', deleted: true }])
    expect(endpoint!.seen.at(-1)).toMatchObject({ method: 'DELETE', url: '/Users/u-1' })
    expect(report.failed).toBe(1)
  })

  it('count a resource the cleanup could not delete as a failure', async () => {
    endpoint!.state.refuseDeletes = true
    const steps: CheckStep[] = [
      { name: 'create', request: { method: 'POST', path: '/Users' }, response: { status: 201 } },
    ]
    const report = await runCheck({ baseUrl: origin(), suites: [suite('a-b', steps)] })
    expect(report.cleanup).toEqual([{ path: '/Users/u-1', deleted: false, error: 'DELETE answered 403: ' }])
    expect(report).toMatchObject({ passed: 1, failed: 1, skipped: 0 })
  })

  it('run nothing when the signal is already aborted', async () => {
    const report = await runCheck({
      baseUrl: origin(),
      signal: AbortSignal.abort(),
      suites: [suite('a-b', [get('one', '/x'), get('two', '/x')])],
    })
    expect(report).toMatchObject({ interrupted: true, passed: 0, failed: 0, skipped: 2, cleanup: [] })
    expect(endpoint!.seen).toEqual([])
  })
})

describe('progress', () => {
  it('reports suite-start, each step, suite-end, then cleanup, in order', async () => {
    const events: CheckProgressEvent[] = []
    const steps: CheckStep[] = [
      { name: 'create', request: { method: 'POST', path: '/Users' }, response: { status: 201 } },
      get('read', '/x'),
    ]
    await runCheck({ baseUrl: origin(), suites: [suite('a-b', steps)], onProgress: (e) => events.push(e) })
    expect(
      events.map((e) => (e.type === 'step' ? `step ${e.result.index} ${e.result.outcome}` : e.type)),
    ).toEqual(['suite-start', 'step 1 passed', 'step 2 passed', 'suite-end', 'cleanup'])
    expect(events[0]).toEqual({ type: 'suite-start', suite: 'a-b', steps: 2 })
    expect(events.at(-1)).toEqual({ type: 'cleanup', resources: 1 })
  })

  it('ignores a progress callback that throws', async () => {
    const report = await runCheck({
      baseUrl: origin(),
      suites: [suite('a-b', [get('one', '/x'), get('two', '/x')])],
      onProgress: () => {
        throw new Error('display broke')
      },
    })
    expect(report.passed).toBe(2)
  })
})
