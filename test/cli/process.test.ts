// The real `express-scim` executable in a child process: its exit codes, and Ctrl-C (SIGINT) during a load run.
import { type ChildProcess, spawn } from 'node:child_process'
import { join } from 'node:path'
import type express from 'express'
import { close, leftOn, type RouterServer, routerServer, TOKEN } from '../check/servers'

const ROOT = join(__dirname, '..', '..')
/** tsx's CommonJS hook, so node runs the TypeScript entry as the package's `bin` runs the built one. */
const TSX = require.resolve('tsx/cjs')

interface Exit {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
  readonly stdout: string
  readonly stderr: string
}

/** Starts `express-scim <args>` with the token in its environment and colour off. */
function start(args: readonly string[], env: Record<string, string | undefined> = { SCIM_TOKEN: TOKEN }) {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', ...env }
  delete childEnv.FORCE_COLOR
  if (env.SCIM_TOKEN === undefined) delete childEnv.SCIM_TOKEN
  const child: ChildProcess = spawn(
    process.execPath,
    ['--require', TSX, join('lib', 'cli', 'main.ts'), ...args],
    {
      cwd: ROOT,
      env: childEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  )
  let stdout = ''
  let stderr = ''
  child.stdout?.setEncoding('utf8').on('data', (text: string) => {
    stdout += text
  })
  child.stderr?.setEncoding('utf8').on('data', (text: string) => {
    stderr += text
  })
  const exit = new Promise<Exit>((resolve, reject) => {
    child.once('error', reject)
    child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr }))
  })
  return { child, exit }
}

const lines = (text: string) => text.split('\n').filter((line) => line !== '')

let target: RouterServer | undefined
afterEach(async () => {
  if (target) await close(target.server)
  target = undefined
})

describe('the express-scim executable', () => {
  it('check: exits 0 and ends with the summary line when the endpoint passes', async () => {
    target = await routerServer()
    const { exit } = start(['check', `${target.origin}/scim/v2`, '--only', 'entra-users'])
    const result = await exit
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: expect.any(String) })
    expect(lines(result.stdout).at(-1)).toMatch(/^\d+ passed, 0 failed$/)
    expect(result.stderr).toMatch(/^✓ entra-users /m)
    expect(result.stdout + result.stderr).not.toContain(TOKEN)
    // biome-ignore lint/suspicious/noControlCharactersInRegex: ESC starts every colour code (NO_COLOR is set).
    expect(result.stdout + result.stderr).not.toMatch(/\x1b\[/)
    expect(await leftOn(target)).toEqual({ users: 0, groups: 0 })
  }, 30_000)

  it('exits 2 with a message naming SCIM_TOKEN when there is no token', async () => {
    target = await routerServer()
    const { exit } = start(['load', `${target.origin}/scim`], {})
    const result = await exit
    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(/SCIM_TOKEN/)
    expect(target.requests).toEqual([])
  }, 30_000)

  it('load: Ctrl-C during a slow run exits 130 after deleting what the run created', async () => {
    /**
     * Requests still being held or answered, so the test can wait for the server to go quiet before it looks
     * at the stores. One the client gave up on counts as settled once the router has had it (its socket is gone).
     */
    let pending = 0
    let userCreates = 0
    let sawCreates: () => void = () => {}
    const createsSeen = new Promise<void>((resolve) => {
      sawCreates = resolve
    })
    /** A slow server: every request waits ~200 ms before the router sees it, so the run is long. */
    const slow: express.RequestHandler = (request, response, next) => {
      pending++
      let settled = false
      const settle = () => {
        if (!settled) pending--
        settled = true
      }
      response.once('finish', settle)
      if (request.method === 'POST' && request.path === '/Users' && ++userCreates === 3) sawCreates()
      setTimeout(() => {
        next()
        // Abandoned by the client: the router gets it anyway (as a real slow server would), then it is done.
        if (response.destroyed) setTimeout(settle, 100)
      }, 200)
    }
    target = await routerServer({ defect: slow })
    const { child, exit } = start([
      'load',
      `${target.origin}/scim`,
      '--users',
      '40',
      '--groups',
      '2',
      '--concurrency',
      '2',
      '--timeout',
      '20000',
    ])
    // Well into the user phase (40 users × 2 requests × 200 ms / 2 workers ≈ 8 s): press Ctrl-C once.
    // (Should the child end first, its output shows why.)
    expect(await Promise.race([createsSeen.then(() => 'running'), exit])).toBe('running')
    child.kill('SIGINT')
    const result = await exit

    // Wait for every request that reached the server to be answered, then look at what is left.
    for (let i = 0; i < 200 && pending > 0; i++) await new Promise((resolve) => setTimeout(resolve, 25))
    expect(pending).toBe(0)
    expect({
      code: result.code,
      signal: result.signal,
      cleanup: lines(result.stdout).find((line) => line.startsWith('cleanup:')),
      left: await leftOn(target),
    }).toEqual({
      code: 130,
      signal: null,
      cleanup: expect.stringMatching(/^cleanup: [1-9]\d* deleted, 0 failed$/),
      left: { users: 0, groups: 0 },
    })
    expect(result.stderr).toContain('interrupted: deleting what the run created')
    expect(result.stdout).toMatch(/^interrupted/m)
    // The figures are still printed for what ran before the stop.
    expect(result.stdout).toMatch(/^user create\s+\d+/m)
    expect(result.stdout + result.stderr).not.toContain(TOKEN)
  }, 60_000)
})
