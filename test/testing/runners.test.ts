// The contract suites run under node:test and Vitest as well as Jest: each fixture runs in a child process
// against the memory stores (and, under node:test, against broken stores whose failures must be reported
// with the failing call and its arguments).
import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { stripVTControlCharacters } from 'node:util'

const root = join(__dirname, '..', '..')
const fixtures = join(__dirname, 'fixtures')

const USER_GROUPS = [
  'create and get',
  'uniqueness',
  'update and delete',
  'list, filter, sort and paging',
  'local users (when the setup gives addLocalUser)',
  'optional lookups (when implemented)',
  'passwords and copies',
  'tenant isolation',
  'concurrency',
  'names compare with foldCase',
  'login and email namespace',
  'findAllByExternalId (when implemented; required by createSamlLinker)',
]
const TEAM_GROUPS = [
  'create and get',
  'displayName uniqueness',
  'update and delete',
  'members',
  'applyChange (when implemented)',
  'member changes through applyChange (when implemented)',
  'list, filter and sort',
  'copies',
  'tenant isolation',
  'concurrency',
]

interface Run {
  readonly code: number
  readonly output: string
}

/** Runs node with `args` from the repository root; resolves with the exit code and stdout + stderr. */
function run(args: readonly string[]): Promise<Run> {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' }
  delete env.FORCE_COLOR
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      args,
      { cwd: root, env, maxBuffer: 16 * 1024 * 1024, timeout: 120_000 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1
        resolve({ code, output: stripVTControlCharacters(`${stdout}\n${stderr}`) })
      },
    )
  })
}

const nodeTest = (file: string) =>
  run(['--import', 'tsx', '--test', '--test-reporter=spec', join(fixtures, file)])

// --no-cache and the runner config loader leave nothing behind in the fixture folder.
const vitest = (filter: string, ...flags: string[]) =>
  run([
    join(root, 'node_modules', 'vitest', 'vitest.mjs'),
    'run',
    '--root',
    join(fixtures, 'vitest'),
    '--no-cache',
    '--configLoader',
    'runner',
    '--reporter=verbose',
    ...flags,
    filter,
  ])

function count(output: string, pattern: RegExp): number {
  return Number(pattern.exec(output)?.[1] ?? 0)
}

/** Vitest's verbose reporter names each test by its path: `<file> > <suite> > <group> > <test>`. */
function expectVitestGroups(output: string, file: string): void {
  expect(output).toContain(`${file} > MemoryUserStore: UserStore contract > `)
  expect(output).toContain(`${file} > MemoryTeamStore: TeamStore contract > `)
  for (const group of [...USER_GROUPS, ...TEAM_GROUPS]) expect(output).toContain(` > ${group} > `)
}

describe('the contract suites under other test runners', () => {
  // The four runs start at once: they are independent, and together take a few seconds.
  let runs: Record<'node' | 'broken' | 'vitestGlobals' | 'vitestExplicit', Promise<Run>>
  beforeAll(() => {
    runs = {
      node: nodeTest('memory.node.ts'),
      broken: nodeTest('broken.node.ts'),
      vitestGlobals: vitest('globals', '--globals'),
      vitestExplicit: vitest('explicit'),
    }
  })

  it('pass under node --test, declared with node:test, one nested group per capability', async () => {
    const { code, output } = await runs.node
    expect({ code, failed: count(output, /ℹ fail (\d+)/) }).toEqual({ code: 0, failed: 0 })
    expect(count(output, /ℹ pass (\d+)/)).toBeGreaterThan(70)
    expect(output).toContain('▶ MemoryUserStore: UserStore contract')
    expect(output).toContain('▶ MemoryTeamStore: TeamStore contract')
    for (const group of [...USER_GROUPS, ...TEAM_GROUPS]) expect(output).toContain(`▶ ${group}`)
  })

  it('report a broken store under node --test with the failing call and its arguments', async () => {
    const { code, output } = await runs.broken
    expect(code).not.toBe(0)
    expect(count(output, /ℹ fail (\d+)/)).toBeGreaterThan(0)
    expect(output).toContain('✖ tenants are isolated: another tenant sees nothing and may reuse the names')
    expect(output).toMatch(
      /store\.get\("[^"]+", ctx\("contract-tenant:other"\)\) is \{id:.*, expected undefined or null/,
    )
    expect(output).toContain('✖ get finds a grant by its exact value only')
    expect(output).toMatch(
      /store\.get\("vIEWER", ctx\("contract-tenant"\)\) is \{value:"Viewer".*expected undefined or null/,
    )
    expect(output).toContain('✖ applyChange is all or nothing')
    expect(output).toMatch(
      /store\.applyChange\("[^"]+", \{fields:\{displayName:"Eng 2",.*expectedVersion:"stale",.*ctx\("acme"\)\) should fail with 412, but it resolved to \{id:/,
    )
  })

  it('pass under Vitest with globals: true', async () => {
    const { code, output } = await runs.vitestGlobals
    expect({ code, tail: output.slice(-600) }).toEqual({ code: 0, tail: expect.stringContaining('passed') })
    expect(count(output, /Tests\s+(\d+) passed/)).toBeGreaterThan(70)
    expectVitestGroups(output, 'globals.vitest.ts')
  })

  it('pass under Vitest without globals, given the runner explicitly', async () => {
    const { code, output } = await runs.vitestExplicit
    expect({ code, tail: output.slice(-600) }).toEqual({ code: 0, tail: expect.stringContaining('passed') })
    expect(count(output, /Tests\s+(\d+) passed/)).toBeGreaterThan(70)
    expectVitestGroups(output, 'explicit.vitest.ts')
  })
})
