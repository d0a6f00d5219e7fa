// Runs the chosen suites against one endpoint, step by step, then deletes what the run created.
import { randomInt } from 'node:crypto'
import { performance } from 'node:perf_hooks'
import type {
  CheckFailure,
  CheckOptions,
  CheckProgressEvent,
  CheckReport,
  CheckStep,
  CheckStepResult,
  CheckSuite,
  CheckSuiteResult,
} from '../../types/check'
import { CreatedResources, deleteLeftovers } from './cleanup'
import { excerpt, masked, maskedHeaders } from './mask'
import { bodyMismatches, headerMismatches, show, valueAt } from './match'
import { builtInSuites, selectSuites } from './sequence'
import { servedResourceTypes } from './served'
import { substitute, substituteString } from './substitute'
import { type Answer, type Exchange, exchange } from './transport'

const DEFAULT_TIMEOUT_MS = 10_000

/** The base URL without trailing slashes; anything but an absolute http(s) URL is a TypeError. */
export function normaliseBaseUrl(baseUrl: string): string {
  let url: URL
  try {
    url = new URL(baseUrl)
  } catch {
    throw new TypeError(
      `The base URL must be an absolute http: or https: URL; got ${JSON.stringify(baseUrl)}`,
    )
  }
  // Credentials in a URL would be printed in every report; the token is the only secret a check sends.
  if (url.username !== '' || url.password !== '')
    throw new TypeError('The base URL must not carry a user name or password; pass the token instead')
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new TypeError(`The base URL must use http: or https:; got ${url.protocol}`)
  if (url.search !== '' || url.hash !== '')
    throw new TypeError('The base URL must not carry a query or a fragment')
  return url.href.replace(/\/+$/, '')
}

/** The headers every request carries: the token, unless a step removes it. */
function baseHeaders(token: string | undefined): Record<string, string> {
  return token === undefined ? {} : { authorization: `Bearer ${token}` }
}

/** A step's request with its placeholders filled in; header names are case-insensitive. */
function buildExchange(
  step: CheckStep,
  baseUrl: string,
  token: string | undefined,
  vars: Map<string, unknown>,
) {
  const headers = new Map<string, [string, string]>()
  for (const [name, value] of Object.entries(baseHeaders(token))) headers.set(name, [name, value])
  for (const [name, value] of Object.entries(step.request.headers ?? {})) {
    if (value === null) headers.delete(name.toLowerCase())
    else headers.set(name.toLowerCase(), [name, value])
  }
  const { text } = step.request
  const hasBody = text !== undefined || (step.request.body !== undefined && step.request.body !== null)
  const body =
    text !== undefined
      ? substituteString(text, vars, false)
      : hasBody
        ? JSON.stringify(substitute(step.request.body ?? null, vars))
        : undefined
  if (hasBody && !headers.has('content-type'))
    headers.set('content-type', ['Content-Type', 'application/scim+json'])
  const path = substituteString(step.request.path, vars, true)
  const request: Exchange = {
    method: step.request.method,
    url: baseUrl + path,
    headers: Object.fromEntries(headers.values()),
    ...(body === undefined ? {} : { body }),
  }
  return { path, request }
}

/**
 * Runs one expectation; one that names a value never captured is a problem line, not an exception. When a
 * capture of this very step failed, that line would only repeat it, so it is left out.
 */
function expectation(check: () => string[], captureFailed: boolean): string[] {
  try {
    return check()
  } catch (error) {
    return captureFailed ? [] : [`expectation: ${error instanceof Error ? error.message : String(error)}`]
  }
}

/** Every way an answer falls short of the step; captures are stored first so the step can use its own. */
function judge(step: CheckStep, answer: Answer, body: unknown, vars: Map<string, unknown>): string[] {
  const problems: string[] = []
  const statuses = Array.isArray(step.response.status) ? step.response.status : [step.response.status]
  if (!statuses.includes(answer.status))
    problems.push(`status: expected ${statuses.join(' or ')}, got ${answer.status}`)
  let captureFailed = false
  for (const [name, path] of Object.entries(step.capture ?? {})) {
    const value = valueAt(body, path)
    if (value === undefined || value === null) {
      problems.push(`capture ${name}: nothing at "${path}"`)
      captureFailed = true
    } else vars.set(name, value)
  }
  const { headers: expectedHeaders, body: expected } = step.response
  if (expectedHeaders)
    problems.push(
      ...expectation(() => headerMismatches(expectedHeaders, answer.headers, vars), captureFailed),
    )
  // RFC 7644 §3.5.2: where a step allows 204, an answer without content has no body to compare.
  const noContent = answer.status === 204 && statuses.includes(204)
  if (expected === null || noContent) {
    if (answer.text !== '') problems.push(`body: expected none, got ${show(answer.text)}`)
  } else if (expected !== undefined) {
    if (body === undefined) problems.push(`body: expected JSON, got ${show(answer.text)}`)
    else
      problems.push(
        ...expectation(() => bodyMismatches(substitute(expected, vars), body, 'body'), captureFailed),
      )
  }
  return problems
}

function parseBody(text: string): unknown {
  if (text === '') return undefined
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

/** What a run shares between suites. */
interface RunContext {
  readonly baseUrl: string
  readonly token: string | undefined
  readonly timeoutMs: number
  readonly runId: string
  readonly signal: AbortSignal | undefined
  readonly created: CreatedResources
  readonly emit: (event: CheckProgressEvent) => void
  /** The resource types the server lists, asked once, when a suite first needs to know. */
  readonly served: () => Promise<ReadonlySet<string> | undefined>
}

/** The resource types of `requires` the server does not list in /ResourceTypes (none when it could not say). */
async function missingTypes(context: RunContext, suite: CheckSuite): Promise<string[]> {
  const requires = suite.sequence.requires ?? []
  if (requires.length === 0) return []
  const served = await context.served()
  return served === undefined ? [] : requires.filter((type) => !served.has(type.toLowerCase()))
}

async function runStep(
  context: RunContext,
  step: CheckStep,
  index: number,
  vars: Map<string, unknown>,
): Promise<CheckStepResult> {
  const { token } = context
  const started = performance.now()
  const result = (failure?: CheckFailure): CheckStepResult => ({
    index,
    name: step.name,
    outcome: failure === undefined ? 'passed' : 'failed',
    durationMs: Math.round((performance.now() - started) * 10) / 10,
    ...(failure === undefined ? {} : { failure }),
  })
  let built: ReturnType<typeof buildExchange>
  try {
    built = buildExchange(step, context.baseUrl, token, vars)
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error)
    return result({
      problems: [why],
      request: { method: step.request.method, url: context.baseUrl + step.request.path, headers: {} },
    })
  }
  const { path, request } = built
  const sent = {
    method: step.request.method,
    url: request.url,
    headers: maskedHeaders(request.headers, token),
    ...(request.body === undefined ? {} : { body: excerpt(request.body, token) }),
  }
  let raw: Answer
  try {
    // Not stopped by the run's signal: a request already sent may create something, and only its answer
    // says what to delete. The signal stops the next step; the timeout bounds this one.
    raw = await exchange(request, context.timeoutMs)
  } catch (error) {
    return result({ problems: [error instanceof Error ? error.message : 'no answer'], request: sent })
  }
  const rawBody = parseBody(raw.text)
  context.created.observe(step.request.method, path, raw.status, rawBody, raw.headers)
  // Judge what the server really said: masking first would change legitimate text that happens to contain
  // the token (a token "scim" inside every schema URN).
  const verdict = judge(step, raw, rawBody, vars)
  if (verdict.length === 0) return result()
  // Describe the failure from the masked answer, so no problem line carries the token, not even half of it
  // at a cut. Its captures go to a copy; if masking hid the difference, the verdict's lines are masked.
  const answer: Answer = {
    status: raw.status,
    headers: maskedHeaders(raw.headers, token),
    text: masked(raw.text, token),
  }
  const described = judge(step, answer, parseBody(answer.text), new Map(vars))
  const problems = described.length > 0 ? described : verdict.map((line) => masked(line, token))
  return result({
    problems,
    request: sent,
    response: { status: answer.status, headers: answer.headers, excerpt: excerpt(answer.text, undefined) },
  })
}

async function runSuite(context: RunContext, suite: CheckSuite): Promise<CheckSuiteResult> {
  const started = performance.now()
  const vars = new Map<string, unknown>([['run', context.runId]])
  const steps: CheckStepResult[] = []
  context.emit({ type: 'suite-start', suite: suite.name, steps: suite.sequence.steps.length })
  const missing = await missingTypes(context, suite)
  // A flow the server does not offer (no /Roles) is not run rather than failed: nothing to check there.
  let stopped = missing.length > 0
  for (const [position, step] of suite.sequence.steps.entries()) {
    let result: CheckStepResult
    if (stopped || context.signal?.aborted) {
      result = { index: position + 1, name: step.name, outcome: 'skipped', durationMs: 0 }
    } else {
      result = await runStep(context, step, position + 1, vars)
      // A sequence is a story: once a step fails, later steps would fail for its reason, not their own.
      if (result.outcome === 'failed') stopped = true
    }
    steps.push(result)
    context.emit({ type: 'step', suite: suite.name, result })
  }
  const result: CheckSuiteResult = {
    name: suite.name,
    title: suite.sequence.name,
    source: suite.sequence.source,
    steps,
    durationMs: Math.round(performance.now() - started),
    ...(missing.length > 0 ? { notServed: missing } : {}),
  }
  context.emit({ type: 'suite-end', result })
  return result
}

/** A fresh `{{run}}`: 10 digits, so it has no case and needs no encoding anywhere. */
function newRunId(): string {
  return String(randomInt(1_000_000_000, 10_000_000_000))
}

/**
 * Replays the chosen suites against `options.baseUrl`, then deletes every resource the run created (also
 * after a failure or when `signal` stops the run). Throws a TypeError for bad options; never throws for
 * what the server does.
 */
export async function runCheck(options: CheckOptions): Promise<CheckReport> {
  const baseUrl = normaliseBaseUrl(options.baseUrl)
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS
  if (!Number.isInteger(timeoutMs) || timeoutMs < 1 || timeoutMs > 600_000)
    throw new TypeError('timeoutMs must be a whole number of milliseconds from 1 to 600000')
  if (options.runId !== undefined && !/^\d{1,20}$/.test(options.runId))
    throw new TypeError('runId must be 1 to 20 digits')
  const suites = selectSuites(options.suites ?? builtInSuites(), options.only, options.skip)
  const onProgress = options.onProgress
  let servedTypes: Promise<ReadonlySet<string> | undefined> | undefined
  const context: RunContext = {
    baseUrl,
    token: options.token,
    timeoutMs,
    runId: options.runId ?? newRunId(),
    signal: options.signal,
    created: new CreatedResources(),
    served: () => {
      servedTypes ??= servedResourceTypes(baseUrl, baseHeaders(options.token), timeoutMs)
      return servedTypes
    },
    emit: (event) => {
      try {
        onProgress?.(event)
      } catch {
        // A progress display that breaks must not break the run.
      }
    },
  }
  const startedAt = new Date()
  const started = performance.now()
  const results: CheckSuiteResult[] = []
  for (const suite of suites) results.push(await runSuite(context, suite))
  context.emit({ type: 'cleanup', resources: context.created.size })
  const cleanup = await deleteLeftovers(
    context.created,
    baseUrl,
    baseHeaders(options.token),
    timeoutMs,
    options.token,
  )
  const all = results.flatMap((suite) => suite.steps)
  const count = (outcome: CheckStepResult['outcome']) => all.filter((step) => step.outcome === outcome).length
  return {
    baseUrl,
    runId: context.runId,
    startedAt: startedAt.toISOString(),
    durationMs: Math.round(performance.now() - started),
    interrupted: options.signal?.aborted === true,
    suites: results,
    cleanup,
    passed: count('passed'),
    failed: count('failed') + cleanup.filter((item) => !item.deleted).length,
    skipped: count('skipped'),
  }
}
