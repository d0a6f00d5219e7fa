// Replays the Entra ID and Okta provisioning sequences in test/fixtures/sequences against the router, on Express 5 and 4.
//
// A sequence file is { name, source, basePath?, steps: [{ name, request, response, capture? }] }. Steps run in
// order against one app with fresh in-memory stores. `{{var}}` in a path or body is a value an earlier step
// captured (`capture` maps a name to a dotted path in the response body). Expected bodies are deep subset
// matches: objects need only the keys given; arrays match element-wise, in order and of the same length
// (any order for keys listed in the step's `response.unordered`). The expected string "{{any}}" means "present,
// any value", "{{absent}}" means "not present" (checked case-insensitively), and a string that contains
// "{{any}}" elsewhere is a wildcard pattern ("{{any}}/scim/Users/{{userId}}"). Header names are
// case-insensitive; a header value is a prefix, unless it holds "{{any}}" (then a pattern) or is "{{absent}}".
import { readdirSync, readFileSync } from 'node:fs'
import { join, relative, sep } from 'node:path'
import express from 'express'
import express4 from 'express4'
import request from 'supertest'
import {
  createScimRouter,
  MemorySessionRevoker,
  MemoryTeamStore,
  MemoryUserStore,
  staticTokens,
} from '../../lib'

type Json = null | boolean | number | string | Json[] | { [key: string]: Json }
type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'

interface SequenceStep {
  readonly name: string
  /** The public document a step comes from, when it is not the sequence's `source`. */
  readonly source?: string
  readonly request: {
    readonly method: Method
    /** Relative to the base path, query included and already percent-encoded. */
    readonly path: string
    /** Added to `Authorization: Bearer test-token`; a null value removes a header. */
    readonly headers?: Readonly<Record<string, string | null>>
    /** Sent as JSON text; null or absent: no body. */
    readonly body?: Json
  }
  readonly response: {
    readonly status: number
    readonly headers?: Readonly<Record<string, string>>
    /** Subset of the response body; null: the body must be empty; absent: not checked. */
    readonly body?: Json
    /** Keys whose arrays match in any order. */
    readonly unordered?: readonly string[]
  }
  readonly capture?: Readonly<Record<string, string>>
}

interface Sequence {
  readonly name: string
  readonly source: string
  /** Where the router is mounted (default `/scim`). */
  readonly basePath?: string
  readonly steps: readonly SequenceStep[]
}

const TOKEN = 'test-token'
const ANY = '{{any}}'
const ABSENT = '{{absent}}'
const PLACEHOLDER = /\{\{([A-Za-z_][A-Za-z0-9_]*)\}\}/g
const METHODS: readonly string[] = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE']

const root = join(__dirname, '..', 'fixtures', 'sequences')

function jsonFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) => {
      const path = join(dir, entry.name)
      if (entry.isDirectory()) return jsonFiles(path)
      return entry.name.endsWith('.json') ? [path] : []
    })
    .sort()
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** Reads and checks one sequence file; a malformed file fails with its name and the step at fault. */
function loadSequence(file: string): Sequence {
  const data: unknown = JSON.parse(readFileSync(file, 'utf8'))
  const fail = (why: string): never => {
    throw new Error(`${file}: ${why}`)
  }
  if (!isRecord(data)) return fail('not a JSON object')
  if (typeof data.name !== 'string') return fail('"name" must be a string')
  if (typeof data.source !== 'string' || !data.source.startsWith('https://'))
    return fail('"source" must be a URL')
  if (data.basePath !== undefined && (typeof data.basePath !== 'string' || !data.basePath.startsWith('/')))
    return fail('"basePath" must start with "/"')
  if (!Array.isArray(data.steps) || data.steps.length === 0) return fail('"steps" must be a non-empty array')
  for (const [index, step] of (data.steps as unknown[]).entries()) {
    const at = `step ${index + 1}`
    if (!isRecord(step) || typeof step.name !== 'string') return fail(`${at}: needs a "name"`)
    const req = step.request
    if (!isRecord(req) || typeof req.method !== 'string' || !METHODS.includes(req.method))
      return fail(`${at} "${step.name}": request.method must be one of ${METHODS.join(', ')}`)
    if (typeof req.path !== 'string' || !req.path.startsWith('/'))
      return fail(`${at} "${step.name}": request.path must start with "/"`)
    if (!isRecord(step.response) || typeof step.response.status !== 'number')
      return fail(`${at} "${step.name}": response.status must be a number`)
    if (step.capture !== undefined) {
      if (!isRecord(step.capture)) return fail(`${at} "${step.name}": capture must be an object`)
      for (const [name, path] of Object.entries(step.capture)) {
        if (typeof path !== 'string' || name === 'any' || name === 'absent' || !/^[A-Za-z_]\w*$/.test(name))
          return fail(`${at} "${step.name}": bad capture ${JSON.stringify(name)}`)
      }
    }
  }
  return data as unknown as Sequence
}

const sequences: [string, Sequence][] = jsonFiles(root).map((file) => [
  relative(root, file).split(sep).join('/'),
  loadSequence(file),
])

/** Replaces `{{var}}` in a string; `encode` percent-encodes the values (for paths). */
function substituteString(text: string, vars: ReadonlyMap<string, unknown>, encode: boolean): string {
  return text.replace(PLACEHOLDER, (whole, name: string) => {
    if (name === 'any' || name === 'absent') return whole
    if (!vars.has(name)) throw new Error(`{{${name}}} is used before any step captured it`)
    const value = String(vars.get(name))
    return encode ? encodeURIComponent(value) : value
  })
}

/** Replaces `{{var}}` in every string of a JSON value; a string that is only `{{var}}` takes its raw value. */
function substitute(value: Json, vars: ReadonlyMap<string, unknown>): Json {
  if (typeof value === 'string') {
    const whole = /^\{\{([A-Za-z_][A-Za-z0-9_]*)\}\}$/.exec(value)
    if (whole?.[1] !== undefined && vars.has(whole[1])) return vars.get(whole[1]) as Json
    return substituteString(value, vars, false)
  }
  if (Array.isArray(value)) return value.map((v) => substitute(v, vars))
  if (value !== null && typeof value === 'object') {
    const out: { [key: string]: Json } = {}
    for (const [k, v] of Object.entries(value)) out[k] = substitute(v, vars)
    return out
  }
  return value
}

/** A wildcard pattern: `{{any}}` matches any text, the rest literally. */
function pattern(text: string, prefixOnly: boolean): RegExp {
  const body = text
    .split(ANY)
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('[\\s\\S]*')
  return new RegExp(`^${body}${prefixOnly ? '' : '$'}`)
}

const show = (value: unknown): string => (value === undefined ? 'nothing' : JSON.stringify(value))

/** Every way `actual` falls short of the subset `expected`, as `where: why` lines. */
function mismatches(
  expected: Json,
  actual: unknown,
  where: string,
  unordered: ReadonlySet<string>,
): string[] {
  if (expected === ANY) return actual === undefined ? [`${where}: expected a value, got nothing`] : []
  if (typeof expected === 'string' && expected.includes(ANY)) {
    return typeof actual === 'string' && pattern(expected, false).test(actual)
      ? []
      : [`${where}: expected a string like ${show(expected)}, got ${show(actual)}`]
  }
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual)) return [`${where}: expected an array, got ${show(actual)}`]
    if (actual.length !== expected.length)
      return [`${where}: expected ${expected.length} element(s), got ${actual.length}: ${show(actual)}`]
    const key = where.slice(where.lastIndexOf('.') + 1)
    if (unordered.has(key)) {
      return matchesInAnyOrder(expected, actual, unordered)
        ? []
        : [`${where}: expected (in any order) ${show(expected)}, got ${show(actual)}`]
    }
    return expected.flatMap((e, i) => mismatches(e, actual[i], `${where}[${i}]`, unordered))
  }
  if (expected !== null && typeof expected === 'object') {
    if (!isRecord(actual)) return [`${where}: expected an object, got ${show(actual)}`]
    return Object.entries(expected).flatMap(([k, e]) => {
      if (e === ABSENT) {
        const found = Object.keys(actual).find((a) => a.toLowerCase() === k.toLowerCase())
        return found === undefined ? [] : [`${where}.${found}: expected absent, got ${show(actual[found])}`]
      }
      return mismatches(e, actual[k], `${where}.${k}`, unordered)
    })
  }
  return Object.is(expected, actual) ? [] : [`${where}: expected ${show(expected)}, got ${show(actual)}`]
}

/** True when each expected element subset-matches a distinct actual element (small arrays: backtracking). */
function matchesInAnyOrder(expected: Json[], actual: unknown[], unordered: ReadonlySet<string>): boolean {
  const used = new Set<number>()
  const place = (i: number): boolean => {
    if (i === expected.length) return true
    const e = expected[i] as Json
    for (let j = 0; j < actual.length; j++) {
      if (used.has(j) || mismatches(e, actual[j], '', unordered).length > 0) continue
      used.add(j)
      if (place(i + 1)) return true
      used.delete(j)
    }
    return false
  }
  return place(0)
}

function headerMismatches(
  expected: Readonly<Record<string, string>>,
  headers: Readonly<Record<string, unknown>>,
  vars: ReadonlyMap<string, unknown>,
): string[] {
  return Object.entries(expected).flatMap(([name, want]) => {
    const raw = headers[name.toLowerCase()]
    const got = Array.isArray(raw) ? raw.join(', ') : typeof raw === 'string' ? raw : undefined
    if (want === ABSENT) return got === undefined ? [] : [`header ${name}: expected absent, got ${show(got)}`]
    if (got === undefined) return [`header ${name}: missing`]
    if (want === ANY) return []
    const value = substituteString(want, vars, false)
    const ok = value.includes(ANY) ? pattern(value, false).test(got) : got.startsWith(value)
    return ok
      ? []
      : [
          `header ${name}: expected ${value.includes(ANY) ? 'like' : 'to start with'} ${show(value)}, got ${show(got)}`,
        ]
  })
}

/** The value at a dotted path (`members.0.value`) of a response body. */
function valueAt(body: unknown, path: string): unknown {
  let value = body
  for (const segment of path.split('.')) {
    if (Array.isArray(value) && /^\d+$/.test(segment)) value = value[Number(segment)]
    else if (isRecord(value)) value = value[segment]
    else return undefined
  }
  return value
}

function sendStep(app: express.Express, step: SequenceStep, basePath: string, vars: Map<string, unknown>) {
  const url = basePath + substituteString(step.request.path, vars, true)
  const agent = request(app)
  const methods = {
    GET: () => agent.get(url),
    POST: () => agent.post(url),
    PUT: () => agent.put(url),
    PATCH: () => agent.patch(url),
    DELETE: () => agent.delete(url),
  } as const
  let test = methods[step.request.method]()
  // Header names are case-insensitive: a step's `authorization` replaces the default one.
  const headers = new Map<string, [string, string | null]>([
    ['authorization', ['Authorization', `Bearer ${TOKEN}`]],
  ])
  for (const [name, value] of Object.entries(step.request.headers ?? {}))
    headers.set(name.toLowerCase(), [name, value])
  for (const [name, value] of headers.values()) {
    if (value !== null) test = test.set(name, value)
  }
  const body = step.request.body
  if (body !== undefined && body !== null) test = test.send(JSON.stringify(substitute(body, vars)))
  return { url, test }
}

/** Runs one step; throws an error naming the file, the step, the request and every mismatch. */
async function runStep(
  app: express.Express,
  file: string,
  sequence: Sequence,
  index: number,
  vars: Map<string, unknown>,
): Promise<void> {
  const step = sequence.steps[index] as SequenceStep
  const label = `${file} › step ${index + 1} "${step.name}"`
  const { url, test } = sendStep(app, step, sequence.basePath ?? '/scim', vars)
  const res = await test
  const text = typeof res.text === 'string' ? res.text : ''
  const problems: string[] = []
  let body: unknown
  if (text !== '') {
    try {
      body = JSON.parse(text)
    } catch {
      body = undefined
    }
  }
  if (res.status !== step.response.status)
    problems.push(`status: expected ${step.response.status}, got ${res.status}`)
  // Capture first, so the expectations of this step can use what it captured (its own id, say).
  for (const [name, path] of Object.entries(step.capture ?? {})) {
    const value = valueAt(body, path)
    if (value === undefined || value === null) problems.push(`capture ${name}: nothing at "${path}"`)
    else vars.set(name, value)
  }
  if (step.response.headers) problems.push(...headerMismatches(step.response.headers, res.headers, vars))
  const expected = step.response.body
  if (expected === null) {
    if (text !== '') problems.push(`body: expected none, got ${text.slice(0, 200)}`)
  } else if (expected !== undefined) {
    if (body === undefined) problems.push(`body: expected JSON, got ${show(text.slice(0, 200))}`)
    else
      problems.push(...mismatches(substitute(expected, vars), body, 'body', new Set(step.response.unordered)))
  }
  if (problems.length > 0) {
    const shown = text.length > 2000 ? `${text.slice(0, 2000)}…` : text
    throw new Error(
      `${label}: ${step.request.method} ${url}\n` +
        problems.map((p) => `  - ${p}`).join('\n') +
        `\n  response ${res.status}: ${shown || '(empty)'}`,
    )
  }
}

function buildApp(makeExpress: typeof express, basePath: string): express.Express {
  const app = makeExpress()
  app.use(
    basePath,
    createScimRouter({
      userStore: new MemoryUserStore(),
      teamStore: new MemoryTeamStore(),
      sessionRevoker: new MemorySessionRevoker(),
      authenticate: staticTokens([{ token: TOKEN, tenant: 'acme', id: 'idp' }]),
      userSyncEnabled: true,
      groupSyncEnabled: true,
    }),
  )
  return app
}

describe('IdP sequence fixtures', () => {
  it('are present for Entra ID and Okta, each with a source and uniquely named steps', () => {
    const names = sequences.map(([file]) => file)
    expect(names.some((f) => f.startsWith('entra/'))).toBe(true)
    expect(names.some((f) => f.startsWith('okta/'))).toBe(true)
    for (const [file, sequence] of sequences) {
      const stepNames = sequence.steps.map((s) => s.name)
      expect({ file, duplicates: stepNames.filter((n, i) => stepNames.indexOf(n) !== i) }).toEqual({
        file,
        duplicates: [],
      })
    }
  })
})

describe.each([
  ['Express 5', express],
  ['Express 4', express4],
])('IdP sequences on %s', (_label, makeExpress) => {
  for (const [file, sequence] of sequences) {
    describe(`${file}: ${sequence.name}`, () => {
      let app: express.Express
      const vars = new Map<string, unknown>()
      let failed: string | undefined

      beforeAll(() => {
        app = buildApp(makeExpress, sequence.basePath ?? '/scim')
      })

      sequence.steps.forEach((step, index) => {
        it(`${index + 1}. ${step.name}`, async () => {
          if (failed !== undefined)
            throw new Error(`${file} › step ${index + 1} "${step.name}" not run: ${failed} failed first`)
          try {
            await runStep(app, file, sequence, index, vars)
          } catch (error) {
            failed = `step ${index + 1} "${step.name}"`
            throw error
          }
        })
      })
    })
  }
})
