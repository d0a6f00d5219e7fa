// Sequence files: reading and checking them, and the built-in suites shipped beside this module.
import { readdirSync, readFileSync } from 'node:fs'
import { basename, join } from 'node:path'
import type { CheckSequence, CheckSuite } from '../../types/check'
import { RESERVED } from './substitute'

const METHODS: readonly string[] = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE']

/** Where the built-in sequence files live: `sequences/<group>/<area>.json`, copied into `dist` by the build. */
const SEQUENCES = join(__dirname, 'sequences')

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function isStatus(value: unknown): boolean {
  const ok = (n: unknown) => typeof n === 'number' && Number.isInteger(n) && n >= 100 && n <= 599
  return ok(value) || (Array.isArray(value) && value.length > 0 && value.every(ok))
}

/** Checks one parsed sequence file; a malformed one throws an Error naming `origin` and the step at fault. */
export function parseSequence(data: unknown, origin: string): CheckSequence {
  const fail = (why: string): never => {
    throw new Error(`${origin}: ${why}`)
  }
  if (!isRecord(data)) return fail('not a JSON object')
  if (typeof data.name !== 'string') return fail('"name" must be a string')
  if (typeof data.source !== 'string' || !data.source.startsWith('https://'))
    return fail('"source" must be a URL')
  if (!Array.isArray(data.steps) || data.steps.length === 0) return fail('"steps" must be a non-empty array')
  if (
    data.requires !== undefined &&
    !(Array.isArray(data.requires) && data.requires.every((type) => typeof type === 'string' && type !== ''))
  )
    return fail('"requires" must be a list of resource type ids')
  const names = new Set<string>()
  for (const [index, step] of (data.steps as unknown[]).entries()) {
    const at = `step ${index + 1}`
    if (!isRecord(step) || typeof step.name !== 'string') return fail(`${at}: needs a "name"`)
    if (names.has(step.name)) return fail(`${at}: the name "${step.name}" is used twice`)
    names.add(step.name)
    const req = step.request
    if (!isRecord(req) || typeof req.method !== 'string' || !METHODS.includes(req.method))
      return fail(`${at} "${step.name}": request.method must be one of ${METHODS.join(', ')}`)
    if (typeof req.path !== 'string' || !req.path.startsWith('/'))
      return fail(`${at} "${step.name}": request.path must start with "/"`)
    if (
      req.text !== undefined &&
      (typeof req.text !== 'string' || (req.body !== undefined && req.body !== null))
    )
      return fail(`${at} "${step.name}": request.text must be a string, and comes instead of request.body`)
    if (!isRecord(step.response) || !isStatus(step.response.status))
      return fail(`${at} "${step.name}": response.status must be a status or a list of statuses`)
    if (step.capture !== undefined) {
      if (!isRecord(step.capture)) return fail(`${at} "${step.name}": capture must be an object`)
      for (const [name, path] of Object.entries(step.capture)) {
        if (typeof path !== 'string' || RESERVED.has(name) || name === 'run' || !/^[A-Za-z_]\w*$/.test(name))
          return fail(`${at} "${step.name}": bad capture ${JSON.stringify(name)}`)
      }
    }
  }
  return data as unknown as CheckSequence
}

/** Reads one sequence file as a suite named `<group>-<area>` and tagged with both. */
export function readSuite(file: string, group: string): CheckSuite {
  const area = basename(file, '.json')
  const sequence = parseSequence(JSON.parse(readFileSync(file, 'utf8')), `${group}/${area}.json`)
  return { name: `${group}-${area}`, tags: [group, area], sequence }
}

/**
 * The suites shipped with the package, in a stable order: `entra`, `okta`, then `rfc`; within a group, by
 * file name. Read from disk on each call, so a caller may change what it gets.
 */
export function builtInSuites(): CheckSuite[] {
  const order = ['entra', 'okta', 'rfc']
  const groups = readdirSync(SEQUENCES, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort((a, b) => (order.indexOf(a) + 1 || 99) - (order.indexOf(b) + 1 || 99) || a.localeCompare(b))
  return groups.flatMap((group) =>
    readdirSync(join(SEQUENCES, group))
      .filter((file) => file.endsWith('.json'))
      .sort()
      .map((file) => readSuite(join(SEQUENCES, group, file), group)),
  )
}

/**
 * The suites `only` and `skip` choose, in their given order. A selector names a suite or one of its tags; one
 * that names nothing throws a TypeError listing what exists (a typo must not silently run nothing).
 */
export function selectSuites(
  suites: readonly CheckSuite[],
  only: readonly string[] | undefined,
  skip: readonly string[] | undefined,
): CheckSuite[] {
  const known = new Set(suites.flatMap((suite) => [suite.name, ...suite.tags]))
  for (const selector of [...(only ?? []), ...(skip ?? [])]) {
    if (!known.has(selector))
      throw new TypeError(`No suite or tag is named "${selector}"; known: ${[...known].sort().join(', ')}`)
  }
  const matches = (suite: CheckSuite, list: readonly string[]) =>
    list.includes(suite.name) || suite.tags.some((tag) => list.includes(tag))
  return suites.filter(
    (suite) =>
      (only === undefined || only.length === 0 || matches(suite, only)) && !matches(suite, skip ?? []),
  )
}
