// The test runner the contract suites declare their groups and tests with: the one passed in, else the
// runner's globals (Jest, Vitest with `globals: true`, Mocha), else node:test, loaded only then.

/** A test or hook body of the contract suites: async, without arguments (no `done` callback). */
export type ContractTestBody = () => Promise<void>

/** A runner's `it` (or `test`), as the contract suites call it. */
export interface ContractTestFunction {
  (name: string, body: ContractTestBody): unknown
  /** Declares a skipped test. When absent, a skipped test is not declared at all. */
  readonly skip?: (name: string, body: ContractTestBody) => unknown
}

/**
 * The functions of a test runner the contract suites use. Jest's, Vitest's and node:test's fit as they
 * are, e.g. `{ runner: { describe, it, beforeEach, afterEach } }` with the four imported from `vitest`.
 */
export interface ContractRunner {
  /** Declares a group of tests. */
  readonly describe: (name: string, body: () => void) => unknown
  /** Declares a test. */
  readonly it: ContractTestFunction
  /** Declares a hook run before each test of the enclosing group (nested groups included). */
  readonly beforeEach: (hook: ContractTestBody) => unknown
  /** Declares a hook run after each test of the enclosing group (nested groups included). */
  readonly afterEach: (hook: ContractTestBody) => unknown
}

/** The runner as the suites use it: `skip` always there (a no-op when the runner has none). */
export interface SuiteRunner {
  readonly describe: (name: string, body: () => void) => void
  readonly test: (name: string, body: ContractTestBody) => void
  readonly skip: (name: string, body: ContractTestBody) => void
  readonly beforeEach: (hook: ContractTestBody) => void
  readonly afterEach: (hook: ContractTestBody) => void
}

/** The part of node:test the suites use (typed here so that nothing else is loaded for its types). */
interface NodeTest {
  describe(name: string, body: () => void): unknown
  it(name: string, body: ContractTestBody): unknown
  it(name: string, options: { readonly skip: boolean }, body: ContractTestBody): unknown
  beforeEach(hook: ContractTestBody): unknown
  afterEach(hook: ContractTestBody): unknown
}

function adapt(runner: ContractRunner): SuiteRunner {
  const { describe, it, beforeEach, afterEach } = runner
  const skip = it.skip
  return {
    describe: (name, body) => void describe(name, body),
    test: (name, body) => void it(name, body),
    skip: (name, body) => void skip?.(name, body),
    beforeEach: (hook) => void beforeEach(hook),
    afterEach: (hook) => void afterEach(hook),
  }
}

/** The runner's globals, when all four are there (`it` or `test`). */
function fromGlobals(): ContractRunner | undefined {
  const scope = globalThis as Record<string, unknown>
  const it = typeof scope.it === 'function' ? scope.it : scope.test
  const functions = [scope.describe, it, scope.beforeEach, scope.afterEach]
  if (!functions.every((f) => typeof f === 'function')) return undefined
  return {
    describe: scope.describe,
    it,
    beforeEach: scope.beforeEach,
    afterEach: scope.afterEach,
  } as ContractRunner
}

/** A TypeError with a stable code, as the library's other configuration errors. */
function noRunner(message: string): TypeError {
  return Object.assign(new TypeError(`express-scim/testing: ${message}`), { code: 'ERR_NO_TEST_RUNNER' })
}

/**
 * node:test, loaded on first need: Jest and Vitest never load it. `process.getBuiltinModule` (Node
 * 20.16+) works from ES modules too; `require` serves older Node 20 releases (this module is CommonJS).
 */
function loadNodeTest(): NodeTest {
  // In a Vitest worker without globals, node:test would declare tests that Vitest never sees. (Only the
  // worker holds this global: a process that Vitest or Jest spawns may run node:test as it likes.)
  if ('__vitest_worker__' in globalThis) {
    throw noRunner(
      'Vitest runs without globals: set `globals: true` or pass ' +
        "`{ runner: { describe, it, beforeEach, afterEach } }` imported from 'vitest'",
    )
  }
  const builtin = (process as { getBuiltinModule?: (id: string) => unknown }).getBuiltinModule
  return (typeof builtin === 'function' ? builtin('node:test') : require('node:test')) as NodeTest
}

function fromNodeTest(test: NodeTest): SuiteRunner {
  return {
    describe: (name, body) => void test.describe(name, body),
    test: (name, body) => void test.it(name, body),
    // `{ skip: true }` rather than `it.skip`, which Node 20 gained only in 20.2.
    skip: (name, body) => void test.it(name, { skip: true }, body),
    beforeEach: (hook) => void test.beforeEach(hook),
    afterEach: (hook) => void test.afterEach(hook),
  }
}

/** The runner to declare a suite with: `explicit`, else the globals, else node:test. */
export function resolveRunner(explicit?: ContractRunner): SuiteRunner {
  if (explicit !== undefined) return adapt(explicit)
  const globals = fromGlobals()
  return globals === undefined ? fromNodeTest(loadNodeTest()) : adapt(globals)
}
