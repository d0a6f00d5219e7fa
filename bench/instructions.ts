// Instructions per request (valgrind's callgrind), express-scim against the Express floor: a count that is the same run after run whatever else the shared machine does, unlike req/s. Not part of `npm run bench` (it takes minutes and needs valgrind).
//
// Usage: `npx tsx bench/instructions.ts`. Each server of bench/http.ts (the same seeding: 100,000 users)
// runs under `valgrind --tool=callgrind` with instrumentation off; after a warm-up (the JIT settles), the
// counting is switched on for a fixed number of sequential requests, then off, and the instructions of
// the server's process (every thread: GC and compiler threads too) are divided by that number.
// BENCH_INSTRUCTION_REQUESTS (default 500) sets the number, BENCH_INSTRUCTION_WARMUP (default 3000) the
// warm-up, BENCH_HTTP_CASES (name prefixes, comma-separated) the cases. With BENCH_BASE_LIB (a built lib
// directory, as for bench/http.ts) the `base` server, that build of the router, is counted too.
import { execFileSync, fork } from 'node:child_process'
import { readFileSync, rmSync } from 'node:fs'
import { Agent, request } from 'node:http'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { HTTP_CASES, type HttpCase, type HttpFixture } from './http'

const REQUESTS = Number(process.env.BENCH_INSTRUCTION_REQUESTS ?? 500)
const WARMUP = Number(process.env.BENCH_INSTRUCTION_WARMUP ?? 3000)
const SERVERS = ['express-scim', 'floor', ...(process.env.BENCH_BASE_LIB ? ['base'] : [])] as const

function hasValgrind(): boolean {
  try {
    execFileSync('valgrind', ['--version'], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
}

type Spec = ReturnType<HttpCase['request']>

/** Sends the case's next request over the keep-alive agent and reads the whole answer. */
function send(agent: Agent, port: number, spec: Spec): Promise<number> {
  // A POST's body changes every time: autocannon's setupRequest makes the next one.
  const setup = typeof spec.setupRequest === 'function' ? spec.setupRequest : undefined
  const body = setup ? (setup({ ...spec }, {}) as { body?: string }).body : (spec.body as string | undefined)
  return new Promise((done, fail) => {
    const outgoing = request(
      { host: '127.0.0.1', port, agent, method: spec.method, path: spec.path, headers: spec.headers },
      (response) => {
        response.resume()
        response.on('end', () => done(response.statusCode ?? 0))
      },
    )
    outgoing.on('error', fail)
    outgoing.end(body)
  })
}

/** Instructions per request of one case on one server, counted by callgrind. */
async function count(server: string, testCase: HttpCase): Promise<number> {
  const out = join(tmpdir(), `express-scim-callgrind-${process.pid}-${server}.out`)
  const child = fork(resolve(__dirname, 'http.ts'), ['--serve', server], {
    execPath: 'valgrind',
    execArgv: [
      '--tool=callgrind',
      '--smc-check=all',
      '--instr-atstart=no',
      `--callgrind-out-file=${out}`,
      process.execPath,
      ...process.execArgv,
      '--expose-gc',
    ],
    stdio: ['ignore', 'ignore', 'ignore', 'ipc'],
  })
  try {
    const fixture = await new Promise<HttpFixture>((done, fail) => {
      child.on('message', (message: { type: string; fixture?: HttpFixture }) => {
        if (message.type === 'ready' && message.fixture) done(message.fixture)
      })
      child.once('exit', () => fail(new Error(`${server} exited before it was ready`)))
    })
    const agent = new Agent({ keepAlive: true, maxSockets: 1 })
    const spec = testCase.request(fixture, 'instructions')
    for (let i = 0; i < WARMUP; i++) await send(agent, fixture.port, spec)
    const control = (flag: string) =>
      execFileSync('callgrind_control', [flag, String(child.pid)], { stdio: 'ignore' })
    control('--instr=on')
    for (let i = 0; i < REQUESTS; i++) {
      const status = await send(agent, fixture.port, spec)
      if (status >= 300) throw new Error(`${server} ${testCase.name}: status ${status}`)
    }
    control('--instr=off')
    agent.destroy()
    child.send({ type: 'close' })
    await new Promise((done) => child.once('exit', done))
    const totals = /^totals:\s+(\d+)/m.exec(readFileSync(out, 'utf8'))
    if (!totals) throw new Error(`no totals in ${out}`)
    return Number(totals[1]) / REQUESTS
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
    rmSync(out, { force: true })
  }
}

async function main(): Promise<void> {
  console.log('\nInstructions per request (callgrind), express-scim against the Express floor')
  if (!hasValgrind()) {
    console.log('  skipped: valgrind is not installed')
    return
  }
  const prefixes = process.env.BENCH_HTTP_CASES?.split(',')
  const cases = HTTP_CASES.filter(
    (c) => c.method !== 'PATCH' && (!prefixes || prefixes.some((p) => c.name.startsWith(p))),
  )
  console.log(
    `  ${REQUESTS} requests counted after ${WARMUP} of warm-up; instructions per request, thousands`,
  )
  for (const testCase of cases) {
    const counts = new Map<string, number>()
    for (const server of SERVERS) counts.set(server, await count(server, testCase))
    const floor = counts.get('floor')!
    const columns = [...counts].map(([server, instructions]) => {
      const ratio = server === 'floor' ? '' : ` (floor / it ${(floor / instructions).toFixed(2)}x)`
      return `${server} ${(instructions / 1000).toFixed(1).padStart(8)}k${ratio}`
    })
    console.log(`  ${testCase.name.padEnd(34)} ${columns.join('  ')}`)
  }
}

main().catch((error: unknown) => {
  console.error(error)
  process.exitCode = 1
})
