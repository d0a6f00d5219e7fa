// runCheck against deliberately broken servers: each defect is reported at the right step, the rest still pass.
import type { ServerResponse } from 'node:http'
import express from 'express'
import { MemoryUserStore } from '../../lib'
import { builtInSuites, runCheck, selectSuites } from '../../lib/check'
import type { CheckReport } from '../../types/check'
import type { ListPage, ListQuery, RequestContext, StoredUser } from '../../types/stores'
import {
  close,
  failedSteps,
  leftOn,
  noLocation,
  type RouterServer,
  rawServer,
  routerServer,
  stepsOf,
  suiteOf,
  TOKEN,
} from './servers'

/** Entra ID and Okta: the suites the router passes in full. (The RFC suites are tested by the integration test.) */
const IDP = ['entra', 'okta']
const IDP_SUITES = selectSuites(builtInSuites(), IDP, undefined).map((suite) => suite.name)

/** The full name of the step of `suite` whose name starts with `prefix`, so a test says which step it means. */
function stepNamed(suite: string, prefix: string): string {
  const found = builtInSuites()
    .find((s) => s.name === suite)
    ?.sequence.steps.find((step) => step.name.startsWith(prefix))
  if (found === undefined) throw new Error(`${suite} has no step starting with ${JSON.stringify(prefix)}`)
  return found.name
}

interface ExpectedFailure {
  readonly suite: string
  /** The start of the step's name. */
  readonly step: string
  /** A problem line the step must report. */
  readonly problem: string | RegExp
}

/**
 * The report shows exactly these failures, each at its step with its problem line; in every suite the steps
 * before the failure passed and the ones after were skipped; suites without a failure passed in full; and
 * the cleanup removed whatever the run created.
 */
function expectOnly(report: CheckReport, expected: readonly ExpectedFailure[]): void {
  expect(report.interrupted).toBe(false)
  expect(report.suites.map((suite) => suite.name)).toEqual(IDP_SUITES)
  const failed = failedSteps(report)
  expect(failed.map((f) => `${f.suite} › ${f.name}`)).toEqual(
    expected.map((e) => `${e.suite} › ${stepNamed(e.suite, e.step)}`),
  )
  for (const [i, e] of expected.entries()) {
    const problem = typeof e.problem === 'string' ? e.problem : expect.stringMatching(e.problem)
    expect({ step: failed[i]?.name, problems: failed[i]?.problems }).toEqual({
      step: failed[i]?.name,
      problems: expect.arrayContaining([problem]),
    })
  }
  for (const suite of report.suites) {
    const failedAt = suite.steps.findIndex((step) => step.outcome === 'failed')
    const wanted = suite.steps.map((_, i) =>
      failedAt === -1 || i < failedAt ? 'passed' : i === failedAt ? 'failed' : 'skipped',
    )
    expect({ suite: suite.name, outcomes: suite.steps.map((s) => s.outcome) }).toEqual({
      suite: suite.name,
      outcomes: wanted,
    })
  }
  expect(report.failed).toBe(expected.length)
  expect(report.cleanup.filter((item) => !item.deleted)).toEqual([])
}

let target: RouterServer | undefined
afterEach(async () => {
  if (target) await close(target.server)
  target = undefined
})

async function runAgainst(server: RouterServer, options: { only?: string[]; timeoutMs?: number } = {}) {
  target = server
  return runCheck({
    baseUrl: `${server.origin}/scim/v2`,
    token: TOKEN,
    only: options.only ?? IDP,
    ...options,
  })
}

describe('the router without a defect (the control)', () => {
  it('passes every Entra ID and Okta step and leaves nothing behind', async () => {
    const server = await routerServer()
    const report = await runAgainst(server)
    expectOnly(report, [])
    expect(report.skipped).toBe(0)
    expect(await leftOn(server)).toEqual({ users: 0, groups: 0 })
  })
})

describe('1. a userName filter that is case-sensitive', () => {
  /** Drops list results whose userName is not exactly the value of a `userName eq` filter. RFC 7643 §4.1.1 says caseExact false. */
  class CaseSensitiveUserNames extends MemoryUserStore {
    override list(query: ListQuery, context: RequestContext): ListPage<StoredUser> {
      const page = super.list(query, context)
      const filter = query.filter
      if (
        filter?.kind !== 'comparison' ||
        filter.operator !== 'eq' ||
        filter.path.attribute.toLowerCase() !== 'username' ||
        typeof filter.value !== 'string'
      )
        return page
      const resources = page.resources.filter((user) => user.userName === filter.value)
      return { totalResults: page.totalResults - (page.resources.length - resources.length), resources }
    }
  }

  it('fails the Entra and Okta lookups in another case, and only those', async () => {
    const server = await routerServer({ users: new CaseSensitiveUserNames() })
    const report = await runAgainst(server)
    expectOnly(report, [
      {
        suite: 'entra-errors',
        step: 'Get User by query in another case finds the user',
        problem: 'body.totalResults: expected 1, got 0',
      },
      {
        suite: 'okta-users',
        step: 'Determine if the User already exists, userName in another case',
        problem: 'body.totalResults: expected 1, got 0',
      },
    ])
    expect(await leftOn(server)).toEqual({ users: 0, groups: 0 })
  })
})

describe('2. a PATCH that ignores active "False"', () => {
  const json = express.json({ type: ['application/scim+json', 'application/json'] })
  const isFalse = (value: unknown) =>
    value === 'False' ||
    (typeof value === 'object' && value !== null && (value as { active?: unknown }).active === 'False')

  /**
   * The router reads the raw body stream unless a host parser already did (lib/http/body.ts): so parse it
   * here, drop the "False" operations, and when none is left answer as a no-op would: with the resource as
   * it is (the PATCH becomes a GET of the same URL).
   */
  const ignoresFalse: express.RequestHandler = (request, response, next) => {
    if (request.method !== 'PATCH') return next()
    json(request, response, (error?: unknown) => {
      if (error) return next(error)
      const body = request.body as { Operations?: { value?: unknown }[] }
      if (Array.isArray(body.Operations)) {
        body.Operations = body.Operations.filter((operation) => !isFalse(operation.value))
        if (body.Operations.length === 0) request.method = 'GET'
      }
      next()
    })
  }

  it('fails Entra\'s disables with "False", and only those', async () => {
    const server = await routerServer({ defect: ignoresFalse })
    const report = await runAgainst(server)
    expectOnly(report, [
      {
        suite: 'entra-roles',
        step: 'Disable User with active "False" when the last role goes (the user leaves the app\'s scope)',
        problem: 'body.active: expected false, got true',
      },
      {
        suite: 'entra-users',
        step: 'Disable User with active "False" as a string',
        problem: 'body.active: expected false, got true',
      },
    ])
    expect(await leftOn(server)).toEqual({ users: 0, groups: 0 })
  })
})

describe('3. no Location header', () => {
  it('fails the first Create step of every suite on the missing header, and cleans up what they created', async () => {
    const server = await routerServer({ defect: noLocation })
    const report = await runAgainst(server)
    expectOnly(report, [
      { suite: 'entra-errors', step: 'Create User', problem: 'header location: missing' },
      { suite: 'entra-groups', step: 'Create User alice.smith', problem: 'header location: missing' },
      { suite: 'entra-users', step: 'Create User', problem: 'header location: missing' },
      { suite: 'okta-groups', step: 'Create the User ada.lovelace', problem: 'header location: missing' },
      { suite: 'okta-users', step: 'Create the User', problem: 'header location: missing' },
    ])
    // The creates answered 201 with an id: the run knew about them and deleted them.
    expect(report.cleanup).toHaveLength(5)
    expect(await leftOn(server)).toEqual({ users: 0, groups: 0 })
  })
})

describe('4. a 500 for a bad filter', () => {
  /** Where the router answers 400 to a GET with a filter, this server answers 500 in plain text. */
  const filterErrorsAre500: express.RequestHandler = (request, response, next) => {
    if (request.method !== 'GET' || request.query['filter'] === undefined) return next()
    const end = response.end.bind(response) as (...args: unknown[]) => ServerResponse
    response.end = ((...args: unknown[]) => {
      if (response.statusCode !== 400) return end(...args)
      const text = 'Internal Server Error'
      response.statusCode = 500
      response.setHeader('Content-Type', 'text/plain; charset=utf-8')
      response.setHeader('Content-Length', Buffer.byteLength(text))
      return end(text)
    }) as typeof response.end
    next()
  }

  it('fails the Entra invalid-filter step with status expected 400 got 500, and only that', async () => {
    const server = await routerServer({ defect: filterErrorsAre500 })
    const report = await runAgainst(server)
    expectOnly(report, [
      {
        suite: 'entra-errors',
        step: 'Get User by query with a filter that does not parse',
        problem: 'status: expected 400, got 500',
      },
    ])
    const step = suiteOf(report, 'entra-errors').steps.find((s) => s.outcome === 'failed')
    expect(step?.failure?.problems).toContain('body: expected JSON, got "Internal Server Error"')
    expect(step?.failure?.response).toMatchObject({ status: 500, excerpt: 'Internal Server Error' })
    expect(await leftOn(server)).toEqual({ users: 0, groups: 0 })
  })
})

describe('5. a server that hangs', () => {
  it('fails the first step of each suite on the timeout, skips the rest, and ends', async () => {
    const hanging = await rawServer(() => {
      // Never answers.
    })
    try {
      const report = await runCheck({
        baseUrl: `${hanging.origin}/scim`,
        token: TOKEN,
        only: ['entra-users', 'okta-users'],
        timeoutMs: 300,
      })
      for (const suite of report.suites) {
        expect(suite.steps[0]).toMatchObject({
          index: 1,
          outcome: 'failed',
          failure: { problems: ['no answer within 300 ms'] },
        })
        expect(suite.steps[0]?.failure?.response).toBeUndefined()
        expect(suite.steps.slice(1).every((step) => step.outcome === 'skipped')).toBe(true)
      }
      expect(report).toMatchObject({ interrupted: false, passed: 0, failed: 2, cleanup: [] })
    } finally {
      await close(hanging.server)
    }
  }, 15_000)

  it('times out a server that sends its headers and then never ends the body', async () => {
    const stalling = await rawServer((_request, response) => {
      response.writeHead(200, { 'Content-Type': 'application/scim+json' })
      response.write('{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],')
    })
    try {
      const report = await runCheck({
        baseUrl: `${stalling.origin}/scim`,
        token: TOKEN,
        only: ['entra-users'],
        timeoutMs: 300,
      })
      expect(stepsOf(report)[0]).toMatchObject({ outcome: 'failed', problems: ['no answer within 300 ms'] })
      expect(report.skipped).toBe(report.suites[0]!.steps.length - 1)
    } finally {
      await close(stalling.server)
    }
  }, 15_000)

  it('reports a resource the cleanup could not delete because DELETE hangs, as a failure', async () => {
    const hangsOnDelete: express.RequestHandler = (request, _response, next) => {
      if (request.method !== 'DELETE') next()
    }
    const server = await routerServer({ defect: hangsOnDelete })
    target = server
    // Stop entra-users right after its Create step, so the user is left to the cleanup.
    const controller = new AbortController()
    const report = await runCheck({
      baseUrl: `${server.origin}/scim/v2`,
      token: TOKEN,
      only: ['entra-users'],
      timeoutMs: 300,
      signal: controller.signal,
      onProgress: (event) => {
        if (event.type === 'step' && event.result.index === 2) controller.abort()
      },
    })
    expect(report.cleanup).toEqual([
      { path: expect.stringMatching(/^\/Users\/[^/]+$/), deleted: false, error: 'no answer within 300 ms' },
    ])
    expect(report.failed).toBe(1)
    expect(await leftOn(server)).toEqual({ users: 1, groups: 0 })
  }, 15_000)
})

describe('6. a server that closes the connection', () => {
  it('fails the step with a connection problem (raw server)', async () => {
    const closing = await rawServer((request) => request.socket.destroy())
    try {
      const report = await runCheck({
        baseUrl: `${closing.origin}/scim`,
        token: TOKEN,
        only: ['entra-users'],
      })
      expect(stepsOf(report)[0]).toMatchObject({
        index: 1,
        outcome: 'failed',
        problems: [expect.stringMatching(/^the connection failed \(.+\)$/)],
      })
      expect(report.suites[0]!.steps[0]!.failure?.response).toBeUndefined()
      expect(report.skipped).toBe(report.suites[0]!.steps.length - 1)
    } finally {
      await close(closing.server)
    }
  })

  it('fails the Create steps when the router closes the connection on POST; earlier steps pass', async () => {
    const closesOnPost: express.RequestHandler = (request, _response, next) => {
      if (request.method === 'POST') request.socket.destroy()
      else next()
    }
    const server = await routerServer({ defect: closesOnPost })
    const report = await runAgainst(server, { only: ['entra-users', 'okta-users'] })
    const connection = /^the connection failed \(.+\)$/
    expect(failedSteps(report).map((f) => [f.suite, f.name, f.problems])).toEqual([
      ['entra-users', 'Create User', [expect.stringMatching(connection)]],
      ['okta-users', 'Create the User', [expect.stringMatching(connection)]],
    ])
    for (const suite of report.suites) {
      expect(suite.steps[0]?.outcome).toBe('passed')
      expect(suite.steps.slice(2).every((step) => step.outcome === 'skipped')).toBe(true)
    }
    expect(await leftOn(server)).toEqual({ users: 0, groups: 0 })
  })
})

describe('7. interruption', () => {
  it('skips what is left after the signal and still deletes what the run created', async () => {
    const server = await routerServer()
    target = server
    const controller = new AbortController()
    let steps = 0
    const report = await runCheck({
      baseUrl: `${server.origin}/scim/v2`,
      token: TOKEN,
      only: ['entra-users', 'entra-groups'],
      signal: controller.signal,
      onProgress: (event) => {
        // entra-groups runs first: three users created by then.
        if (event.type === 'step' && ++steps === 3) controller.abort()
      },
    })
    expect(report.interrupted).toBe(true)
    const outcomes = stepsOf(report).map((step) => step.outcome)
    expect(outcomes.slice(0, 3)).toEqual(['passed', 'passed', 'passed'])
    expect(outcomes.slice(3).every((outcome) => outcome === 'skipped')).toBe(true)
    expect(report).toMatchObject({ passed: 3, failed: 0, skipped: outcomes.length - 3 })
    expect(report.cleanup).toHaveLength(3)
    expect(report.cleanup.every((item) => item.deleted)).toBe(true)
    expect(server.requests.filter((line) => line.startsWith('DELETE '))).toHaveLength(3)
    expect(await leftOn(server)).toEqual({ users: 0, groups: 0 })
  })

  it('lets a create in flight at the interruption finish, judges it, skips the rest, and deletes what it made', async () => {
    const controller = new AbortController()
    // The signal fires while the server holds entra-users' "Create User": the user is made after the stop,
    // so only the create's own answer can tell the cleanup what to delete.
    const abortOnCreate: express.RequestHandler = (request, _response, next) => {
      if (request.method === 'POST' && request.path === '/v2/Users') controller.abort()
      next()
    }
    const server = await routerServer({ defect: abortOnCreate })
    target = server
    const report = await runCheck({
      baseUrl: `${server.origin}/scim/v2`,
      token: TOKEN,
      only: ['entra-users'],
      signal: controller.signal,
    })
    expect(report.interrupted).toBe(true)
    const outcomes = stepsOf(report).map((step) => step.outcome)
    expect(outcomes.slice(0, 2)).toEqual(['passed', 'passed'])
    expect(outcomes.slice(2).every((outcome) => outcome === 'skipped')).toBe(true)
    expect(report.cleanup).toEqual([{ path: expect.stringMatching(/^\/Users\//), deleted: true }])
    expect(await leftOn(server)).toEqual({ users: 0, groups: 0 })
  })
})

describe('8. the token never appears in the report', () => {
  /** Every place in `value` holding the token or a piece of it (eight characters or more), as a path. */
  function traces(value: unknown, where = 'report'): string[] {
    if (typeof value === 'string') {
      for (let start = 0; start + 8 <= TOKEN.length; start++) {
        if (value.includes(TOKEN.slice(start, start + 8))) return [where]
      }
      return []
    }
    if (Array.isArray(value)) return value.flatMap((v, i) => traces(v, `${where}[${i}]`))
    if (typeof value === 'object' && value !== null)
      return Object.entries(value).flatMap(([k, v]) => traces(v, `${where}.${k}`))
    return []
  }

  const echo = (request: express.Request) => request.headers.authorization ?? ''

  /** A JSON answer to entra-users' first step (GET /Users?filter=...) only: the route that echoes. */
  function onList(
    answer: (request: express.Request, response: express.Response) => void,
  ): express.RequestHandler {
    return (request, response, next) => {
      if (request.method === 'GET' && request.path === '/v2/Users') answer(request, response)
      else next()
    }
  }

  const cases: [string, express.RequestHandler][] = [
    [
      'in response headers the step does not check',
      onList((request, response) => {
        response.setHeader('X-Echo-Authorization', echo(request))
        response.setHeader(
          'WWW-Authenticate',
          `Bearer realm="scim", error="invalid_token", got="${echo(request)}"`,
        )
        response.status(401).type('application/scim+json').send('{"detail":"no"}')
      }),
    ],
    [
      'in a long body, with the token across the 1,000-character cut of the excerpt',
      onList((request, response) => {
        const head = '{"detail":"'
        const lead = 'x'.repeat(990 - head.length - 'Bearer '.length)
        response
          .status(400)
          .type('application/scim+json')
          .send(`${head}${lead}${echo(request)} ${'y'.repeat(500)}"}`)
      }),
    ],
    [
      'in the body fields the step checks (a problem line quotes them)',
      onList((request, response) => {
        response
          .status(200)
          .type('application/scim+json')
          .send(
            JSON.stringify({
              schemas: [echo(request)],
              totalResults: echo(request),
              startIndex: 1,
              itemsPerPage: 0,
              Resources: [],
            }),
          )
      }),
    ],
    [
      'in a text body that is not JSON (a problem line quotes it)',
      onList((request, response) => {
        response
          .status(200)
          .type('application/scim+json')
          .send(`Unauthorized: ${echo(request)}`)
      }),
    ],
    [
      'in a text body that is not JSON, across the 200-character cut of a problem line',
      onList((request, response) => {
        const lead = 'x'.repeat(189 - 'Bearer '.length)
        response
          .status(200)
          .type('application/scim+json')
          .send(`${lead}${echo(request)} and more`)
      }),
    ],
    [
      'in a header the step checks (Content-Type)',
      onList((request, response) => {
        response.setHeader('Content-Type', `text/plain; authorization="${echo(request)}"`)
        response.status(200).end('{}')
      }),
    ],
  ]

  it.each(cases)('when the server echoes Authorization %s', async (_label, defect) => {
    const server = await routerServer({ defect })
    const report = await runAgainst(server, { only: ['entra-users'] })
    // The echoing route failed the first step: its failure carries what came back.
    expect(stepsOf(report)[0]).toMatchObject({ index: 1, outcome: 'failed' })
    expect(report.suites[0]?.steps[0]?.failure?.response).toBeDefined()
    expect(report.suites[0]?.steps[0]?.failure?.request.headers).toMatchObject({
      authorization: 'Bearer ****',
    })
    expect(traces(report)).toEqual([])
    expect(JSON.stringify(report)).not.toContain(TOKEN)
  })

  it('when the server echoes Authorization as the id of what it creates (then in URLs and the cleanup)', async () => {
    const echoing = await rawServer((request, response) => {
      if (request.method === 'POST') {
        response.writeHead(201, { 'Content-Type': 'application/scim+json' })
        response.end(JSON.stringify({ id: request.headers.authorization }))
      } else {
        response.writeHead(404, { 'Content-Type': 'application/scim+json' })
        response.end('{}')
      }
    })
    try {
      const report = await runCheck({
        baseUrl: `${echoing.origin}/scim`,
        token: TOKEN,
        only: ['entra-errors'],
      })
      expect(report.cleanup).toHaveLength(1)
      expect(traces(report)).toEqual([])
    } finally {
      await close(echoing.server)
    }
  })
})

describe('9. redirects are not followed', () => {
  it.each([
    [302, 'GET', 'Test connection'],
    [307, 'POST', 'Create User'],
  ] as const)(
    'a %i to another host fails the step (%s) and sends nothing there',
    async (status, method, step) => {
      const elsewhere = await rawServer((_request, response) => {
        response.writeHead(200, { 'Content-Type': 'application/scim+json' })
        response.end('{}')
      })
      try {
        const redirects: express.RequestHandler = (request, response, next) => {
          if (request.method !== method) return next()
          response.redirect(status, `${elsewhere.origin}${request.originalUrl}`)
        }
        const server = await routerServer({ defect: redirects })
        const report = await runAgainst(server, { only: ['entra-users'] })
        // Following the redirect would have sent the token (and the body) to the other host.
        expect(elsewhere.requests).toEqual([])
        const failed = failedSteps(report)
        expect(failed.map((f) => f.name)).toEqual([stepNamed('entra-users', step)])
        expect(failed[0]?.problems).toContain(
          `status: expected ${method === 'GET' ? 200 : 201}, got ${status}`,
        )
        expect(report.suites[0]?.steps.find((s) => s.outcome === 'failed')?.failure?.response).toMatchObject({
          status,
          headers: { location: expect.stringContaining(elsewhere.origin) },
        })
      } finally {
        await close(elsewhere.server)
      }
    },
  )
})

describe('a create answered 200 instead of 201', () => {
  /** The user is created, but the answer says 200: RFC 7644 §3.3 wants 201. */
  const createdIs200: express.RequestHandler = (request, response, next) => {
    if (request.method === 'POST') {
      const writeHead = response.writeHead
      response.writeHead = function (this: ServerResponse, status: number, ...rest: unknown[]) {
        return (writeHead as (...a: unknown[]) => ServerResponse).call(
          this,
          status === 201 ? 200 : status,
          ...rest,
        )
      } as typeof response.writeHead
    }
    next()
  }

  it('fails the Create step, and the cleanup still deletes the user the server did create', async () => {
    const server = await routerServer({ defect: createdIs200 })
    const report = await runAgainst(server, { only: ['entra-users'] })
    expect(failedSteps(report)).toEqual([
      expect.objectContaining({ name: 'Create User', problems: ['status: expected 201, got 200'] }),
    ])
    expect(await leftOn(server)).toEqual({ users: 0, groups: 0 })
  })
})

describe('a create that is refused', () => {
  /**
   * POST answers a SCIM error (RFC 7644 §3.12): there is no id to capture, so the step's own expectations that
   * use the captured `{{userId}}` (meta.location) cannot be filled in.
   */
  const createRefused: express.RequestHandler = (request, response, next) => {
    if (request.method !== 'POST') return next()
    response
      .status(400)
      .type('application/scim+json')
      .send(
        JSON.stringify({
          schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'],
          status: '400',
          scimType: 'invalidValue',
          detail: 'refused',
        }),
      )
  }

  it('fails the Create step on the status, and skips the steps after it', async () => {
    const server = await routerServer({ defect: createRefused })
    const report = await runAgainst(server, { only: ['entra-users'] })
    const outcomes = stepsOf(report).map((step) => step.outcome)
    expect(outcomes.slice(0, 2)).toEqual(['passed', 'failed'])
    expect(outcomes.slice(2).every((outcome) => outcome === 'skipped')).toBe(true)
    expect(failedSteps(report)).toEqual([
      expect.objectContaining({
        name: 'Create User',
        problems: expect.arrayContaining(['status: expected 201, got 400']),
      }),
    ])
  })
})
