// Suites that need a resource type (`requires`): not run against a server whose /ResourceTypes leaves it out, run against one that lists it or cannot say.
import { runCheck } from '../../lib/check'
import { junitXml } from '../../lib/check/junit'
import { parseSequence } from '../../lib/check/sequence'
import type { CheckSuite } from '../../types/check'
import { close, rawServer } from './servers'

/** A server whose /ResourceTypes answers `types` (or `status`), and 200 `{}` to anything else; it records each path. */
async function typedServer(types: readonly string[] | undefined, status = 200) {
  const paths: string[] = []
  const server = await rawServer((request, response) => {
    paths.push(request.url ?? '')
    const json = (code: number, value: unknown) =>
      response.writeHead(code, { 'Content-Type': 'application/scim+json' }).end(JSON.stringify(value))
    if (request.url?.endsWith('/ResourceTypes')) {
      if (types === undefined) return json(status, { detail: 'no' })
      return json(status, { Resources: types.map((id) => ({ id })) })
    }
    json(200, {})
  })
  return { ...server, paths }
}

function needing(name: string, requires: string[]): CheckSuite {
  return {
    name,
    tags: name.split('-'),
    sequence: {
      name,
      source: 'https://example.com',
      requires,
      steps: [
        { name: 'one', request: { method: 'GET', path: '/Roles' }, response: { status: 200 } },
        { name: 'two', request: { method: 'GET', path: '/Roles/x' }, response: { status: 200 } },
      ],
    },
  }
}

let server: Awaited<ReturnType<typeof typedServer>> | undefined
afterEach(async () => {
  if (server) await close(server.server)
  server = undefined
})

describe('requires', () => {
  it('a server that does not list the type: every step not run, the reason given, /ResourceTypes asked once', async () => {
    server = await typedServer(['User', 'Group'])
    const report = await runCheck({
      baseUrl: server.origin,
      suites: [needing('a-roles', ['Role']), needing('b-roles', ['Role'])],
    })
    expect(report.suites.map((s) => [s.name, s.notServed, s.steps.map((step) => step.outcome)])).toEqual([
      ['a-roles', ['Role'], ['skipped', 'skipped']],
      ['b-roles', ['Role'], ['skipped', 'skipped']],
    ])
    expect({ passed: report.passed, failed: report.failed, skipped: report.skipped }).toEqual({
      passed: 0,
      failed: 0,
      skipped: 4,
    })
    expect(server.paths).toEqual(['/ResourceTypes'])
    expect(junitXml(report)).toContain('not run: the server does not serve Role')
  })

  it('a server that lists it, in any case, runs the suite', async () => {
    server = await typedServer(['User', 'role'])
    const report = await runCheck({ baseUrl: server.origin, suites: [needing('a-roles', ['Role'])] })
    expect(report.suites[0]!.notServed).toBeUndefined()
    expect(report.passed).toBe(2)
  })

  it('a server that cannot say (an error, or no list) runs the suite, which then fails or passes on its own', async () => {
    server = await typedServer(undefined, 500)
    expect((await runCheck({ baseUrl: server.origin, suites: [needing('a-roles', ['Role'])] })).passed).toBe(
      2,
    )
    await close(server.server)
    server = await typedServer(undefined, 200)
    expect((await runCheck({ baseUrl: server.origin, suites: [needing('a-roles', ['Role'])] })).passed).toBe(
      2,
    )
  })

  it('a suite without requires never asks /ResourceTypes', async () => {
    server = await typedServer(['User'])
    await runCheck({ baseUrl: server.origin, suites: [needing('a-roles', [])] })
    expect(server.paths).toEqual(['/Roles', '/Roles/x'])
  })

  it('a sequence file with a malformed requires is refused', () => {
    const base = {
      name: 'n',
      source: 'https://example.com',
      steps: [{ name: 's', request: { method: 'GET', path: '/x' }, response: { status: 200 } }],
    }
    expect(() => parseSequence({ ...base, requires: 'Role' }, 'f.json')).toThrow(
      '"requires" must be a list of resource type ids',
    )
    expect(() => parseSequence({ ...base, requires: [''] }, 'f.json')).toThrow('"requires"')
    expect(parseSequence({ ...base, requires: ['Role'] }, 'f.json').requires).toEqual(['Role'])
  })
})
