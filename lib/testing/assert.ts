// The checks of the contract suites: node:assert/strict underneath (it works in every runner), each
// failure headed by the call that gave the value, its arguments and what it resolved to.
import assert, { AssertionError } from 'node:assert/strict'
import { describeError, failure, type Observed } from './observed'
import { summarize } from './summary'

/**
 * Runs a node:assert comparison; on failure, throws with the headline above node's own message (its
 * diff). Every runner prints that message as it is, and no runner adds a second diff of its own.
 */
function compare(check: Check, headline: () => string, comparison: () => void): void {
  try {
    comparison()
  } catch (error) {
    if (!(error instanceof AssertionError)) throw error
    throw failure(`${headline()}\n${error.message}`, check)
  }
}

/** A check function: a failure's stack starts at its caller, the test. */
type Check = (...args: never[]) => unknown

function fail(check: Check, message: string): never {
  throw failure(message, check)
}

/** `<source> is <actual>, expected <what>`. */
function headline(subject: Observed<unknown>, actual: unknown, expected: string): string {
  return `${subject.source} is ${summarize(actual)}, expected ${expected}`
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date)
}

/** A copy as Jest's `toEqual` sees it: properties holding undefined dropped, any class a plain object. */
function loose(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(loose)
  if (!isPlainObject(value)) return value
  const entries = Object.entries(value).filter(([, v]) => v !== undefined)
  return Object.fromEntries(entries.map(([k, v]) => [k, loose(v)]))
}

/** The part of `actual` that `pattern` speaks of, as Jest's `toMatchObject` compares it. */
function projection(actual: unknown, pattern: unknown): unknown {
  if (Array.isArray(pattern) && Array.isArray(actual) && actual.length === pattern.length) {
    return actual.map((item, i) => projection(item, pattern[i]))
  }
  if (!isPlainObject(pattern) || !isPlainObject(actual)) return actual
  const entries = Object.keys(pattern).filter((key) => key in actual)
  return Object.fromEntries(entries.map((key) => [key, projection(actual[key], pattern[key])]))
}

/** The call resolved (whatever to); returns its value. For calls that set the scene of a test. */
export function resolved<T>(subject: Observed<T>): T {
  return subject.value
}

/** The value is `expected` (`Object.is`). */
export function is<T>(subject: Observed<T>, expected: T): void {
  const actual = subject.value
  compare(
    is,
    () => headline(subject, actual, summarize(expected)),
    () => assert.strictEqual(actual, expected),
  )
}

/** The value is anything but `unexpected` (`Object.is`). */
export function isNot<T>(subject: Observed<T>, unexpected: T): void {
  const actual = subject.value
  compare(
    isNot,
    () => headline(subject, actual, `anything but ${summarize(unexpected)}`),
    () => assert.notStrictEqual(actual, unexpected),
  )
}

/** The value is none of `values` (`Object.is`), e.g. a version not seen before. */
export function isNoneOf<T>(subject: Observed<T>, values: readonly T[]): void {
  const actual = subject.value
  if (values.some((value) => Object.is(value, actual)))
    fail(isNoneOf, headline(subject, actual, `none of ${summarize(values)}`))
}

/** The value deep-equals `expected`, ignoring properties that hold undefined (Jest's `toEqual`). */
export function equals(subject: Observed<unknown>, expected: unknown): void {
  const actual = subject.value
  compare(
    equals,
    () => headline(subject, actual, summarize(expected)),
    () => assert.deepStrictEqual(loose(actual), loose(expected)),
  )
}

/** The value has at least the properties of `pattern`, with equal values (Jest's `toMatchObject`). */
export function matches(subject: Observed<unknown>, pattern: object): void {
  const actual = subject.value
  compare(
    matches,
    () => headline(subject, actual, `to match ${summarize(pattern)}`),
    () => assert.deepStrictEqual(loose(projection(actual, pattern)), loose(pattern)),
  )
}

/** The value is undefined or null: what a store answers for something it does not have. */
export function isMissing(subject: Observed<unknown>): void {
  const actual = subject.value
  if (actual !== undefined && actual !== null) fail(isMissing, headline(subject, actual, 'undefined or null'))
}

/** The value is neither undefined nor null; returns it. */
export function present<T>(subject: Observed<T>): NonNullable<T> {
  const actual = subject.value
  if (actual === undefined || actual === null) fail(present, headline(subject, actual, 'a value'))
  return actual
}

/** The value is a number at least `least`. */
export function atLeast(subject: Observed<number>, least: number): void {
  const actual = subject.value
  if (!(actual >= least)) fail(atLeast, headline(subject, actual, `at least ${least}`))
}

/** The value is a string other than the empty one. */
export function nonEmptyString(subject: Observed<unknown>): void {
  const actual = subject.value
  if (typeof actual !== 'string' || actual === '')
    fail(nonEmptyString, headline(subject, actual, 'a non-empty string'))
}

/** The value is a Date, or a date text, of a valid time. */
export function isTime(subject: Observed<unknown>): void {
  const actual = subject.value
  const valid =
    (actual instanceof Date || typeof actual === 'string') && !Number.isNaN(new Date(actual).getTime())
  if (!valid) fail(isTime, headline(subject, actual, 'a valid date'))
}

/** The value is an array of `length` elements. */
export function hasLength(subject: Observed<readonly unknown[]>, length: number): void {
  const actual = subject.value
  if (actual.length !== length) fail(hasLength, headline(subject, actual, `${length} elements`))
}

/** The value, a string, does not match `pattern`. */
export function doesNotMatch(subject: Observed<string>, pattern: RegExp): void {
  const actual = subject.value
  compare(
    doesNotMatch,
    () => headline(subject, actual, `no match of ${pattern}`),
    () => assert.doesNotMatch(actual, pattern),
  )
}

/** The value, an array, does not hold `item`. */
export function lacks(subject: Observed<readonly unknown[]>, item: unknown): void {
  const actual = subject.value
  if (actual.includes(item)) fail(lacks, headline(subject, actual, `no ${summarize(item)}`))
}

/**
 * The call failed with this HTTP status (and `scimType`, when given): a store may throw or reject,
 * e.g. `store.update("u1", {…}, "3", ctx("acme")) should fail with 412, but it resolved to {…}`.
 */
export function fails(subject: Observed<unknown>, status: number, scimType?: string): void {
  const expected = scimType === undefined ? `${status}` : `${status} ${scimType}`
  if (!subject.failed) {
    fail(
      fails,
      `${subject.source} should fail with ${expected}, but it resolved to ${summarize(subject.value)}`,
    )
  }
  const { status: actual, scimType: actualType } = (subject.error ?? {}) as {
    status?: unknown
    scimType?: unknown
  }
  if (actual !== status || (scimType !== undefined && actualType !== scimType)) {
    fail(
      fails,
      `${subject.source} should fail with ${expected}, but it failed with ${describeError(subject.error)}`,
    )
  }
}
