// Declares one contract suite: a group whose tests each get a fresh kit (store, contexts, helpers) from
// the host's setup, run before each test, and whose teardown runs after it.
import type { Awaitable } from '../../types/stores'
import type { SuiteRunner } from './runner'

/** What `open` gives before each test: the kit the tests use, and what to run after the test. */
export interface OpenedKit<K> {
  readonly kit: K
  readonly close: () => Awaitable<void>
}

/** Declares the tests of a suite; each test body receives the kit of the current test. */
export interface Suite<K> {
  /** A nested group, so that a host sees which capability failed. */
  group(name: string, body: () => void): void
  /** A test. */
  test(name: string, body: (kit: K) => Promise<void>): void
  /** A test declared skipped unless `enabled` (e.g. isolation tests of a single-tenant store). */
  testIf(enabled: boolean, name: string, body: (kit: K) => Promise<void>): void
}

/** Declares the group `title` on `runner`, opening a kit before each test and closing it after. */
export function declareSuite<K>(
  runner: SuiteRunner,
  title: string,
  open: () => Promise<OpenedKit<K>>,
  body: (suite: Suite<K>) => void,
): void {
  runner.describe(title, () => {
    let current: OpenedKit<K> | undefined
    runner.beforeEach(async () => {
      current = await open()
    })
    runner.afterEach(async () => {
      const closing = current
      current = undefined
      await closing?.close()
    })
    const kit = (): K => {
      if (current === undefined)
        throw new Error('express-scim/testing: the setup did not run before this test')
      return current.kit
    }
    body({
      group: (name, declare) => runner.describe(name, declare),
      test: (name, test) => runner.test(name, () => test(kit())),
      testIf: (enabled, name, test) => (enabled ? runner.test : runner.skip)(name, () => test(kit())),
    })
  })
}
