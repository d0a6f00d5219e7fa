// The command line in-process: runCli with stand-in streams against the router, its exit codes, output, reports and colours.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type express from 'express'
import { XMLParser, XMLValidator } from 'fast-xml-parser'
import { builtInSuites } from '../../lib/check'
import { junitXml } from '../../lib/check/junit'
import type { CliIo } from '../../lib/cli/io'
import { runCli } from '../../lib/cli/program'
import { PACKAGE_VERSION } from '../../lib/version'
import type { CheckReport } from '../../types/check'
import type { LoadReport } from '../../types/load'
import { close, leftOn, noLocation, type RouterServer, routerServer, TOKEN } from '../check/servers'

// biome-ignore lint/suspicious/noControlCharactersInRegex: ESC starts every colour code; finding it is the point.
const ANSI = /\x1b\[/
// biome-ignore lint/suspicious/noControlCharactersInRegex: the same, to strip the codes.
const ANSI_CODES = /\x1b\[[0-9;]*m/g

/** A stand-in for process.stdout / process.stderr that keeps what was written. */
class Captured {
  text = ''
  constructor(readonly isTTY = false) {}
  write(text: string) {
    this.text += text
    return true
  }
  lines(): string[] {
    return this.text.split('\n').filter((line) => line !== '')
  }
}

interface Run {
  readonly code: number
  readonly stdout: Captured
  readonly stderr: Captured
}

async function cli(
  args: readonly string[],
  env: CliIo['env'] = {},
  options: { stdoutTTY?: boolean; signal?: AbortSignal } = {},
): Promise<Run> {
  const stdout = new Captured(options.stdoutTTY === true)
  const stderr = new Captured(false)
  const io: CliIo = {
    stdout,
    stderr,
    env,
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  }
  const code = await runCli(args, io)
  return { code, stdout, stderr }
}

const WITH_TOKEN = { SCIM_TOKEN: TOKEN }

let target: RouterServer | undefined
let dir: string | undefined
afterEach(async () => {
  if (target) await close(target.server)
  target = undefined
  if (dir) rmSync(dir, { recursive: true, force: true })
  dir = undefined
})

async function serve(defect?: express.RequestHandler): Promise<RouterServer> {
  target = await routerServer(defect === undefined ? {} : { defect })
  return target
}

function tempDir(): string {
  dir = mkdtempSync(join(tmpdir(), 'express-scim-cli-'))
  return dir
}

/** Answers 500 to every POST /Users. */
const failUserCreates: express.RequestHandler = (request, response, next) => {
  if (request.method === 'POST' && request.path === '/Users') {
    response.status(500).json({ detail: 'broken on purpose' })
    return
  }
  next()
}

/** Characters XML 1.0 allows (its Char production, §2.2); anything else makes the document not well-formed. */
const NOT_XML_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u

/**
 * Why `xml` is not well-formed, or nothing. fast-xml-parser's validator checks the structure but lets through
 * a `<` or a bare `&` in an attribute value and characters outside XML's range, which CI parsers refuse: those
 * are checked here (XML 1.0 §2.2 Char, §2.4 and §3.1 AttValue).
 */
function xmlProblems(xml: string): string[] {
  const problems: string[] = []
  const valid = XMLValidator.validate(xml)
  if (valid !== true) problems.push(`validator: ${valid.err.msg} (line ${valid.err.line})`)
  const bad = NOT_XML_CHAR.exec(xml)
  if (bad) problems.push(`character U+${(bad[0].codePointAt(0) ?? 0).toString(16)} at ${bad.index}`)
  const amp = /&(?!(?:amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);)/.exec(xml)
  if (amp) problems.push(`bare & at ${amp.index}`)
  for (const match of xml.matchAll(/\s[\w:.-]+="([^"]*)"/g))
    if (match[1]?.includes('<')) problems.push(`< in the attribute value ${JSON.stringify(match[1])}`)
  return problems
}

describe('usage', () => {
  it('check --list prints every built-in suite, one a line, and exits 0 without a token', async () => {
    const run = await cli(['check', '--list'])
    expect(run.code).toBe(0)
    const names = run.stdout.lines().map((line) => line.split(/\s+/)[0])
    expect(names).toEqual(builtInSuites().map((suite) => suite.name))
    expect(run.stderr.text).toBe('')
  })

  it('with no arguments, prints the help and exits 2', async () => {
    const run = await cli([])
    expect(run.code).toBe(2)
    expect(run.stdout.text).toMatch(/^Usage: express-scim/)
    expect(run.stdout.text).toMatch(/\bcheck\b/)
    expect(run.stdout.text).toMatch(/\bload\b/)
  })

  it('--help exits 0 and --version prints the version', async () => {
    const help = await cli(['check', '--help'])
    expect(help.code).toBe(0)
    expect(help.stdout.text).toContain('--report <kind=file>')
    const version = await cli(['--version'])
    expect(version.code).toBe(0)
    expect(version.stdout.text.trim()).toBe(PACKAGE_VERSION)
  })

  it('an unknown command exits 2', async () => {
    const run = await cli(['chekc', 'http://127.0.0.1:1/scim'])
    expect(run.code).toBe(2)
    expect(run.stderr.text).toContain('chekc')
  })

  it.each([['check'], ['load']])(
    '%s without a base URL exits 2 and says what is missing',
    async (command) => {
      const run = await cli([command], WITH_TOKEN)
      expect(run.code).toBe(2)
      expect(run.stderr.text).toMatch(/missing the base URL/)
    },
  )

  it.each([['check'], ['load']])(
    '%s without a token exits 2 naming SCIM_TOKEN, and sends nothing',
    async (command) => {
      const server = await serve()
      for (const env of [{}, { SCIM_TOKEN: '' }]) {
        const run = await cli([command, `${server.origin}/scim`], env)
        expect(run.code).toBe(2)
        expect(run.stderr.text).toMatch(/^express-scim: .*SCIM_TOKEN/)
        expect(run.stdout.text).toBe('')
      }
      expect(server.requests).toEqual([])
    },
  )

  it('a token of two lines exits 2 without printing it', async () => {
    const server = await serve()
    const secret = `${TOKEN}\nsecond-line-${TOKEN}`
    for (const [args, env] of [
      [['check', `${server.origin}/scim`], { SCIM_TOKEN: secret }],
      [['check', `${server.origin}/scim`, '--token', secret], {}],
    ] as const) {
      const run = await cli(args, env)
      expect(run.code).toBe(2)
      expect(run.stderr.text).toMatch(/one line/)
      expect(run.stdout.text + run.stderr.text).not.toContain(TOKEN)
    }
    expect(server.requests).toEqual([])
  })

  it('an unknown suite in --only exits 2, lists the known names, sends nothing and never prints the token', async () => {
    const server = await serve()
    const run = await cli(['check', `${server.origin}/scim`, '--token', TOKEN, '--only', 'entra,oktaa'])
    expect(run.code).toBe(2)
    expect(run.stderr.text).toContain('oktaa')
    for (const suite of builtInSuites()) expect(run.stderr.text).toContain(suite.name)
    expect(run.stdout.text + run.stderr.text).not.toContain(TOKEN)
    expect(server.requests).toEqual([])
  })

  it.each([[''], [','], [' , ']])(
    'an empty --only=%j exits 2 instead of running everything',
    async (value) => {
      const server = await serve()
      const run = await cli(['check', `${server.origin}/scim`, `--only=${value}`], WITH_TOKEN)
      expect(run.code).toBe(2)
      expect(run.stderr.text).toMatch(/only/)
      expect(server.requests).toEqual([])
    },
  )

  it.each([['0'], ['abc'], ['1.5'], ['600001'], ['-5'], ['']])(
    'check --timeout=%s exits 2 and sends nothing',
    async (value) => {
      const server = await serve()
      const run = await cli(['check', `${server.origin}/scim`, `--timeout=${value}`], WITH_TOKEN)
      expect(run.code).toBe(2)
      expect(run.stderr.text).toMatch(/timeout/)
      expect(run.stdout.text + run.stderr.text).not.toContain(TOKEN)
      expect(server.requests).toEqual([])
    },
  )

  it.each([
    ['--users', '0'],
    ['--users', '1000001'],
    ['--concurrency', '1000'],
    ['--concurrency', '0'],
    ['--batch-size', '0'],
    ['--members', '1001'],
    ['--groups', 'many'],
  ])('load %s %s exits 2 and sends nothing', async (flag, value) => {
    const server = await serve()
    const run = await cli(['load', `${server.origin}/scim`, flag, value], WITH_TOKEN)
    expect(run.code).toBe(2)
    expect(run.stderr.text).toContain(flag)
    expect(server.requests).toEqual([])
  })

  it('a base URL that is not http(s) exits 2', async () => {
    for (const command of ['check', 'load']) {
      const run = await cli([command, 'ftp://127.0.0.1/scim'], WITH_TOKEN)
      expect(run.code).toBe(2)
      expect(run.stderr.text).toMatch(/^express-scim: .*http/)
    }
  })
})

describe('check', () => {
  it('passes against the router: exit 0, a line per suite, the summary last, nothing left behind', async () => {
    const server = await serve()
    const run = await cli(['check', `${server.origin}/scim/v2`], WITH_TOKEN)
    // The failures' first lines, so a red test says which step broke.
    const failures = run.stdout.lines().filter((line) => /^(FAIL|LEFT BEHIND| {2}- )/.test(line))
    expect({ code: run.code, failures }).toEqual({ code: 0, failures: [] })
    const last = run.stdout.lines().at(-1)
    expect(last).toMatch(/^\d+ passed, 0 failed$/)
    const steps = builtInSuites().reduce((sum, suite) => sum + suite.sequence.steps.length, 0)
    expect(last).toBe(`${steps} passed, 0 failed`)
    // Not a terminal: a plain line per suite on stderr, no bars, no colour.
    for (const suite of builtInSuites()) expect(run.stderr.text).toMatch(new RegExp(`^✓ ${suite.name} `, 'm'))
    expect(run.stdout.text + run.stderr.text).not.toMatch(ANSI)
    expect(run.stdout.text + run.stderr.text).not.toContain(TOKEN)
    expect(await leftOn(server)).toEqual({ users: 0, groups: 0 })
  })

  it('reports a defect: exit 1, the failing step and its problem, both reports written, the token nowhere', async () => {
    const server = await serve(noLocation)
    const folder = tempDir()
    const junitFile = join(folder, 'report.xml')
    const jsonFile = join(folder, 'report.json')
    const run = await cli(
      [
        'check',
        `${server.origin}/scim/v2`,
        '--only',
        'entra',
        '--report',
        `junit=${junitFile}`,
        '--report',
        `json=${jsonFile}`,
      ],
      WITH_TOKEN,
    )
    expect(run.code).toBe(1)
    expect(run.stdout.text).toMatch(/^FAIL entra-users › step \d+ "Create User/m)
    expect(run.stdout.text).toMatch(/^ {2}- header location: missing$/m)
    expect(run.stdout.lines().at(-1)).toMatch(/^\d+ passed, 3 failed, \d+ not run$/)
    // The failure shows the request that was sent, with the token masked.
    expect(run.stdout.text).toMatch(/^ {2}> authorization: Bearer \*{4}$/m)

    const junit = readFileSync(junitFile, 'utf8')
    const json = readFileSync(jsonFile, 'utf8')
    for (const text of [run.stdout.text, run.stderr.text, junit, json]) expect(text).not.toContain(TOKEN)
    expect(run.stdout.text + run.stderr.text).not.toMatch(ANSI)

    const report = JSON.parse(json) as CheckReport
    expect(report.suites.map((suite) => suite.name)).toEqual([
      'entra-errors',
      'entra-groups',
      'entra-roles',
      'entra-users',
    ])
    expect(run.stdout.lines().at(-1)).toBe(
      `${report.passed} passed, ${report.failed} failed, ${report.skipped} not run`,
    )

    expect(xmlProblems(junit)).toEqual([])
    const counts = junitCounts(junit)
    const steps = report.suites.flatMap((suite) => suite.steps)
    expect(counts).toEqual({
      testsuites: report.suites.length + (report.cleanup.length > 0 ? 1 : 0),
      testcases: steps.length + report.cleanup.length,
      failures: report.failed,
      skipped: report.skipped,
      // `failed` counts resources left behind too; in JUnit those are cleanup test cases.
      root: {
        tests: steps.length + report.cleanup.length,
        failures: report.failed,
        skipped: report.skipped,
      },
      suites: [
        ...report.suites.map((suite) => ({
          name: suite.name,
          tests: suite.steps.length,
          failures: suite.steps.filter((s) => s.outcome === 'failed').length,
          failureElements: suite.steps.filter((s) => s.outcome === 'failed').length,
          skipped: suite.steps.filter((s) => s.outcome === 'skipped').length,
        })),
        ...(report.cleanup.length > 0
          ? [
              {
                name: 'cleanup',
                tests: report.cleanup.length,
                failures: report.cleanup.filter((c) => !c.deleted).length,
                failureElements: report.cleanup.filter((c) => !c.deleted).length,
                skipped: 0,
              },
            ]
          : []),
      ],
    })
    expect(await leftOn(server)).toEqual({ users: 0, groups: 0 })
  })

  it('colours the failures only when asked: FORCE_COLOR on a pipe, never with NO_COLOR', async () => {
    const server = await serve(noLocation)
    const args = ['check', `${server.origin}/scim/v2`, '--only', 'entra-users']
    const forced = await cli(args, { ...WITH_TOKEN, FORCE_COLOR: '1' })
    expect(forced.code).toBe(1)
    expect(forced.stdout.text).toMatch(ANSI)
    const off = await cli(args, { ...WITH_TOKEN, FORCE_COLOR: '1', NO_COLOR: '1' })
    expect(off.code).toBe(1)
    expect(off.stdout.text + off.stderr.text).not.toMatch(ANSI)
  })

  it('stops when its signal is aborted: exit 130, says so, and the steps count as not run', async () => {
    const server = await serve()
    const run = await cli(['check', `${server.origin}/scim`, '--only', 'entra-users'], WITH_TOKEN, {
      signal: AbortSignal.abort(),
    })
    expect(run.code).toBe(130)
    expect(run.stdout.text).toMatch(/^interrupted/m)
    expect(run.stdout.lines().at(-1)).toMatch(/^0 passed, 0 failed, \d+ not run$/)
    expect(await leftOn(server)).toEqual({ users: 0, groups: 0 })
  })
})

/** The JUnit document's elements counted, and the counts its attributes claim. */
function junitCounts(xml: string) {
  const parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '',
    isArray: (name) => ['testsuite', 'testcase', 'failure', 'skipped'].includes(name),
  })
  type Case = { failure?: unknown[]; skipped?: unknown[] }
  type Suite = { name: string; tests: string; failures: string; skipped: string; testcase?: Case[] }
  const doc = parser.parse(xml) as {
    testsuites: { tests: string; failures: string; skipped: string; testsuite?: Suite[] }
  }
  const suites = doc.testsuites.testsuite ?? []
  const cases = suites.flatMap((suite) => suite.testcase ?? [])
  return {
    testsuites: suites.length,
    testcases: cases.length,
    failures: cases.filter((c) => c.failure !== undefined).length,
    skipped: cases.filter((c) => c.skipped !== undefined).length,
    root: {
      tests: Number(doc.testsuites.tests),
      failures: Number(doc.testsuites.failures),
      skipped: Number(doc.testsuites.skipped),
    },
    suites: suites.map((suite) => ({
      name: suite.name,
      tests: Number(suite.tests),
      failures: Number(suite.failures),
      failureElements: (suite.testcase ?? []).filter((c) => c.failure !== undefined).length,
      skipped: Number(suite.skipped),
    })),
  }
}

describe('the JUnit writer', () => {
  /** Markup characters, a C0 control character and a lone surrogate: what a hostile server can put in a name. */
  const HOSTILE = `<&>"' \u0001 \uD800 end`

  const report: CheckReport = {
    baseUrl: 'http://127.0.0.1:1/scim',
    runId: '1',
    startedAt: '2025-01-01T00:00:00.000Z',
    durationMs: 12,
    interrupted: false,
    suites: [
      {
        name: `suite ${HOSTILE}`,
        title: `title ${HOSTILE}`,
        source: `https://example.test/?a=1&b=<2>`,
        durationMs: 5,
        steps: [
          { index: 1, name: `passes ${HOSTILE}`, outcome: 'passed', durationMs: 1 },
          {
            index: 2,
            name: `fails ${HOSTILE}`,
            outcome: 'failed',
            durationMs: 2,
            failure: {
              problems: [`body.userName: expected "<a>" got ${HOSTILE}`, `]]> ${HOSTILE}`],
              request: {
                method: 'POST',
                url: 'http://127.0.0.1:1/scim/Users?filter=a%20eq%20%22%3C%22',
                headers: { authorization: 'Bearer ****', 'x-odd': HOSTILE },
                body: `{"userName":"${HOSTILE}"}`,
              },
              response: {
                status: 400,
                headers: { 'content-type': 'text/html', 'x-odd': HOSTILE },
                excerpt: `<html>]]><![CDATA[ ${HOSTILE}\u0000\uFFFE\uDC00</html>`,
              },
            },
          },
          { index: 3, name: `skipped ${HOSTILE}`, outcome: 'skipped', durationMs: 0 },
        ],
      },
    ],
    cleanup: [
      { path: `/Users/${HOSTILE}`, deleted: true },
      { path: `/Users/left ${HOSTILE}`, deleted: false, error: `HTTP 500 ${HOSTILE}` },
    ],
    passed: 1,
    failed: 2,
    skipped: 1,
  }

  it.each([
    ['<a>&</a>'],
    ['<a>x<y</a>'],
    ['<a b="x"y"/>'],
    ['<a b="<"/>'],
    ['<a b="x&y"/>'],
    ['<a>\u0001</a>'],
    ['<a>\uD800</a>'],
    ['<a><b></a>'],
  ])('(the well-formedness check itself refuses %j)', (xml) => {
    expect(xmlProblems(xml)).not.toEqual([])
    expect(xmlProblems('<a b="&lt;&amp;&quot;">&gt;&apos;&#10;</a>')).toEqual([])
  })

  it('writes a well-formed document whatever the names, problems and answers hold', () => {
    const xml = junitXml(report)
    expect(xmlProblems(xml)).toEqual([])
    expect(junitCounts(xml)).toEqual({
      testsuites: 2,
      testcases: 5,
      failures: 2,
      skipped: 1,
      // Three steps and two cleanup cases; the resource left behind is one of the two failures.
      root: { tests: 5, failures: 2, skipped: 1 },
      suites: [
        { name: `suite <&>"' \uFFFD \uFFFD end`, tests: 3, failures: 1, failureElements: 1, skipped: 1 },
        { name: 'cleanup', tests: 2, failures: 1, failureElements: 1, skipped: 0 },
      ],
    })
  })

  it('keeps the markup characters as text (escaped, not dropped) and replaces the impossible ones', () => {
    const parser = new XMLParser({
      ignoreAttributes: false,
      attributeNamePrefix: '',
      isArray: (name) => ['testsuite', 'testcase'].includes(name),
    })
    const doc = parser.parse(junitXml(report)) as {
      testsuites: {
        testsuite: { testcase: { name: string; failure?: { message: string; '#text': string } }[] }[]
      }
    }
    const cases = doc.testsuites.testsuite[0]?.testcase ?? []
    expect(cases.map((c) => c.name)).toEqual([
      `01. passes <&>"' \uFFFD \uFFFD end`,
      `02. fails <&>"' \uFFFD \uFFFD end`,
      `03. skipped <&>"' \uFFFD \uFFFD end`,
    ])
    expect(cases[1]?.failure?.message).toBe(`body.userName: expected "<a>" got <&>"' \uFFFD \uFFFD end`)
    expect(cases[1]?.failure?.['#text']).toContain(']]> <&>"\' \uFFFD \uFFFD end')
  })
})

describe('load', () => {
  const SMALL = [
    '--users',
    '12',
    '--groups',
    '2',
    '--members',
    '5',
    '--batch-size',
    '2',
    '--concurrency',
    '2',
  ]

  it('prints the figures, no errors, and exits 0; the JSON report agrees; nothing is left behind', async () => {
    const server = await serve()
    const folder = tempDir()
    const jsonFile = join(folder, 'load.json')
    const run = await cli(['load', `${server.origin}/scim`, ...SMALL, '--json', jsonFile], WITH_TOKEN)
    expect({ code: run.code, stderr: run.stderr.text }).toEqual({ code: 0, stderr: expect.any(String) })
    const lines = run.stdout.lines()
    // The run's names come first, so a --keep run can be found afterwards.
    expect(lines[0]).toMatch(/^run \d+: users load\.\d+\.<n>@example\.test, groups load-\d+-group-<n>$/)
    expect(lines[1]).toMatch(
      /^initial sync of 12 users and 2 groups of 5 members \(batches of 2\) at concurrency 2: /,
    )
    expect(lines.find((line) => line.startsWith('user lookup'))).toMatch(/^user lookup\s+12\s+0\s/)
    expect(lines.find((line) => line.startsWith('member add'))).toMatch(/^member add\s+6\s+0\s/)
    expect(lines).toContain('errors by status: none')
    expect(lines).toContain('cleanup: 14 deleted, 0 failed')
    // Not a terminal: a line per finished phase on stderr.
    expect(run.stderr.text).toContain('✓ users: 12')
    expect(run.stderr.text).toContain('✓ cleanup: 14')
    expect(run.stdout.text + run.stderr.text).not.toMatch(ANSI)
    expect(run.stdout.text + run.stderr.text).not.toContain(TOKEN)

    const json = readFileSync(jsonFile, 'utf8')
    expect(json).not.toContain(TOKEN)
    const report = JSON.parse(json) as LoadReport
    expect(report.plan).toEqual({
      users: 12,
      groups: 2,
      members: 5,
      concurrency: 2,
      batchSize: 2,
      keep: false,
    })
    expect(report.errorsByStatus).toEqual({})
    expect(await leftOn(server)).toEqual({ users: 0, groups: 0 })
  })

  it('against a server that fails every user create, still prints the figures and exits 1', async () => {
    const server = await serve(failUserCreates)
    const run = await cli(['load', `${server.origin}/scim`, ...SMALL], WITH_TOKEN)
    expect(run.code).toBe(1)
    const lines = run.stdout.lines()
    expect(lines.find((line) => line.startsWith('user create'))).toMatch(/^user create\s+12\s+12\s/)
    expect(lines).toContain('errors by status: 500 × 12')
    expect(lines).toContain('cleanup: 2 deleted, 0 failed')
    expect(await leftOn(server)).toEqual({ users: 0, groups: 0 })
  })

  it('has no ANSI escapes on a pipe or with NO_COLOR, and has them with FORCE_COLOR or on a terminal', async () => {
    const server = await serve()
    const args = ['load', `${server.origin}/scim`, '--users', '2', '--groups', '0']
    const plain = await cli(args, WITH_TOKEN)
    const forced = await cli(args, { ...WITH_TOKEN, FORCE_COLOR: '1' })
    const noColor = await cli(args, { ...WITH_TOKEN, FORCE_COLOR: '1', NO_COLOR: '1' })
    const tty = await cli(args, WITH_TOKEN, { stdoutTTY: true })
    const ttyNoColor = await cli(args, { ...WITH_TOKEN, NO_COLOR: '1' }, { stdoutTTY: true })
    expect([plain, forced, noColor, tty, ttyNoColor].map((run) => run.code)).toEqual([0, 0, 0, 0, 0])
    expect(plain.stdout.text + plain.stderr.text).not.toMatch(ANSI)
    expect(forced.stdout.text).toMatch(ANSI)
    expect(forced.stderr.text).toMatch(ANSI)
    expect(noColor.stdout.text + noColor.stderr.text).not.toMatch(ANSI)
    expect(tty.stdout.text).toMatch(ANSI)
    expect(ttyNoColor.stdout.text).not.toMatch(ANSI)
    // Colour changes how the figures look, not what they say.
    // (Durations, latencies and throughput differ from run to run, so only the words are compared.)
    const words = (text: string) =>
      text
        .replace(ANSI_CODES, '')
        .replace(/\d+(?:\.\d+)?/g, 'N')
        .replace(/[ \t]+/g, ' ')
    expect(words(forced.stdout.text)).toBe(words(plain.stdout.text))
  })

  it('stops when its signal is aborted mid-run: exit 130, says so, and deletes what it created', async () => {
    const controller = new AbortController()
    let creates = 0
    // Ctrl-C as the sixth user create arrives.
    const interrupt: express.RequestHandler = (request, _response, next) => {
      if (request.method === 'POST' && request.path === '/Users' && ++creates === 6) controller.abort()
      next()
    }
    const server = await serve(interrupt)
    const run = await cli(['load', `${server.origin}/scim`, ...SMALL], WITH_TOKEN, {
      signal: controller.signal,
    })
    expect(run.code).toBe(130)
    expect(run.stdout.text).toMatch(/^interrupted/m)
    expect({
      cleanup: run.stdout.lines().find((line) => line.startsWith('cleanup:')),
      left: await leftOn(server),
    }).toEqual({
      cleanup: expect.stringMatching(/^cleanup: \d+ deleted, 0 failed$/),
      left: { users: 0, groups: 0 },
    })
  })
})
