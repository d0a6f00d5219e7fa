// Replays every built-in check suite (Entra ID, Okta, RFC) against the router on Express 5 and 4, through the
// same engine `npx express-scim check` uses, over a real socket.

import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import express from 'express'
import express4 from 'express4'
import {
  createScimRouter,
  MemorySessionRevoker,
  MemoryTeamStore,
  MemoryUserStore,
  staticTokens,
} from '../../lib'
import { builtInSuites, runCheck } from '../../lib/check'
import type { CheckReport } from '../../types/check'
import { testGrantStores } from '../helpers/grants'

const TOKEN = 'test-token-for-the-idp-sequences'
const suites = builtInSuites()

/** One readable block per failed step, so a red test says what went wrong without a rerun. */
function failures(report: CheckReport): string[] {
  return report.suites.flatMap((suite) =>
    suite.steps
      .filter((step) => step.outcome === 'failed')
      .map(
        (step) =>
          `${suite.name} › step ${step.index} "${step.name}": ${step.failure?.request.method} ${step.failure?.request.url}\n` +
          (step.failure?.problems ?? []).map((p) => `  - ${p}`).join('\n') +
          `\n  response ${step.failure?.response?.status ?? '(none)'}: ${step.failure?.response?.excerpt ?? ''}`,
      ),
  )
}

describe('the built-in suites', () => {
  it('cover Entra ID, Okta and the RFC checks, each with a source and uniquely named steps', () => {
    const groups = new Set(suites.map((suite) => suite.tags[0]))
    expect([...groups]).toEqual(['entra', 'okta', 'rfc'])
    for (const suite of suites) {
      expect(suite.sequence.source).toMatch(/^https:\/\//)
      const names = suite.sequence.steps.map((step) => step.name)
      expect(new Set(names).size).toBe(names.length)
    }
  })

  it('name every created resource with {{run}}, so a run never collides with data already there', () => {
    for (const suite of suites) {
      for (const step of suite.sequence.steps) {
        if (step.request.method !== 'POST' || step.response.status !== 201) continue
        expect({
          suite: suite.name,
          step: step.name,
          named: JSON.stringify(step.request.body).includes('{{run}}'),
        }).toEqual({
          suite: suite.name,
          step: step.name,
          named: true,
        })
      }
    }
  })
})

describe.each([
  ['Express 5', express],
  ['Express 4', express4],
])('the built-in suites on %s', (_label, makeExpress) => {
  let server: Server
  let origin: string
  let users: MemoryUserStore
  let teams: MemoryTeamStore

  beforeAll(async () => {
    users = new MemoryUserStore()
    teams = new MemoryTeamStore()
    const app = makeExpress()
    app.use(
      '/scim',
      createScimRouter({
        userStore: users,
        teamStore: teams,
        sessionRevoker: new MemorySessionRevoker(),
        authenticate: staticTokens([{ token: TOKEN, tenant: 'acme', id: 'idp' }]),
        userSyncEnabled: true,
        groupSyncEnabled: true,
        ...testGrantStores(),
        // Okta discovers roles only under its own URNs (okta-roles checks it).
        grantSchemas: 'okta',
      }),
    )
    server = app.listen(0, '127.0.0.1')
    await new Promise<void>((resolve) => server.once('listening', () => resolve()))
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  })

  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()))
  })

  it("all pass in one run, as `npx express-scim check` runs them (no suite sees another one's data)", async () => {
    // Okta's suites run at /scim here: the router serves the same API with and without /v2.
    const report = await runCheck({ baseUrl: `${origin}/scim`, token: TOKEN })
    expect(failures(report)).toEqual([])
    expect(report.passed).toBe(suites.reduce((sum, suite) => sum + suite.sequence.steps.length, 0))
    expect(report.cleanup.filter((item) => !item.deleted)).toEqual([])
  })

  it.each(suites.map((suite) => [suite.name, suite] as const))(
    '%s passes and leaves nothing behind',
    async (_name, suite) => {
      // Okta is pointed at `/scim/v2`; the router answers there too.
      const baseUrl = `${origin}/scim${suite.tags[0] === 'okta' ? '/v2' : ''}`
      const report = await runCheck({ baseUrl, token: TOKEN, suites: [suite] })
      expect(failures(report)).toEqual([])
      expect(report.passed).toBe(suite.sequence.steps.length)
      expect(report.cleanup.filter((item) => !item.deleted)).toEqual([])
      const context = { tenant: 'acme', principal: { id: 'idp', tenant: 'acme' }, requestId: 'after' }
      const everything = { startIndex: 1, count: 10, sortOrder: 'ascending' } as const
      expect((await users.list(everything, context)).totalResults).toBe(0)
      expect((await teams.list(everything, context)).totalResults).toBe(0)
    },
  )
})
