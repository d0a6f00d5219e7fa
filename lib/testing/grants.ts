// The GrantStore contract suite: a host's catalogue of roles or entitlements as /Roles and /Entitlements read it (list, filter, sort, page, get, find).
import type { Awaitable, Grant, GrantStore, RequestContext } from '../../types/stores'
import { foldCase } from '../schema/fold'
import { equals, hasLength, is, isMissing } from './assert'
import { type Probe, probe } from './probe'
import type { ContractRunner } from './runner'
import { resolveRunner } from './runner'
import { createTestContext } from './setup'
import { listQuery } from './shared'
import { declareSuite } from './suite'

/** What the `describeGrantStoreContract` setup returns, before each test. */
export interface GrantStoreContractSetup {
  /** The catalogue under test. */
  readonly store: GrantStore
  /**
   * What it holds in the context's tenant, in its list order: at least three grants with distinct
   * `displayName`s, at least one with a `type`. Seed them in the setup when the catalogue is data.
   */
  readonly grants: readonly Grant[]
  /** The context of every call. Defaults to tenant `contract-tenant`. */
  readonly context?: RequestContext
  /** Runs after each test. */
  readonly teardown?: () => Awaitable<void>
}

/** Options of `describeGrantStoreContract`. */
export interface GrantStoreContractOptions {
  /** The test functions to declare with (default: the runner's globals, else `node:test`). */
  readonly runner?: ContractRunner
}

interface GrantKit {
  readonly store: Probe<GrantStore>
  readonly grants: readonly Grant[]
  readonly context: RequestContext
  /** The values of a `list` page. */
  readonly values: (filter?: string, page?: Parameters<typeof listQuery>[1]) => Promise<string[]>
}

/** A filter literal for `value` (a JSON string is a SCIM string literal: RFC 7644 §3.4.2.2). */
const literal = (value: string) => JSON.stringify(value)

/** A spelling of `value` in another case, or undefined when it has no case. */
function otherCase(value: string): string | undefined {
  const flipped = [...value].map((c) => (c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase())).join('')
  return flipped === value ? undefined : flipped
}

function declareTests(suite: Parameters<Parameters<typeof declareSuite<GrantKit>>[3]>[0]): void {
  suite.test(
    'list gives every grant once, in a stable order, with the total',
    async ({ store, grants, context, values }) => {
      const page = await store.list(listQuery(), context)
      is(page.get('totalResults'), grants.length)
      equals(
        page.map('.resources values', (p) => p.resources.map((g) => g.value)),
        grants.map((g) => g.value),
      )
      equals(
        page.map('.resources', (p) => p.resources.map((g) => ({ ...g }))),
        grants.map((g) => ({ ...g })),
      )
      const again = await values()
      equals(
        page.map(' (read again)', () => again),
        grants.map((g) => g.value),
      )
    },
  )

  suite.test(
    'list pages by startIndex and count; count 0 gives the total only',
    async ({ store, grants, context, values }) => {
      const all = grants.map((g) => g.value)
      const pages: string[] = []
      for (let startIndex = 1; startIndex <= all.length; startIndex += 2)
        pages.push(...(await values(undefined, { startIndex, count: 2 })))
      equals(
        (await store.list(listQuery(undefined, { count: 2 }), context)).map(' (page by page)', () => pages),
        all,
      )
      const empty = await store.list(listQuery(undefined, { count: 0 }), context)
      is(empty.get('totalResults'), all.length)
      hasLength(
        empty.map('.resources', (p) => p.resources),
        0,
      )
      const past = await store.list(listQuery(undefined, { startIndex: all.length + 1 }), context)
      hasLength(
        past.map('.resources', (p) => p.resources),
        0,
      )
    },
  )

  suite.test(
    'list filters on value (exactly), displayName (in any case) and type',
    async ({ store, grants, context }) => {
      const [first] = grants
      const byValue = await store.list(listQuery(`value eq ${literal(first!.value)}`), context)
      equals(
        byValue.map('.resources values', (p) => p.resources.map((g) => g.value)),
        [first!.value],
      )
      const flipped = otherCase(first!.value)
      if (flipped !== undefined) {
        const other = await store.list(listQuery(`value eq ${literal(flipped)}`), context)
        is(other.get('totalResults'), grants.filter((g) => g.value === flipped).length)
      }
      const name = grants[1]!.displayName
      const byName = await store.list(listQuery(`displayName eq ${literal(name.toUpperCase())}`), context)
      equals(
        byName.map('.resources values', (p) => p.resources.map((g) => g.value)),
        grants.filter((g) => foldCase(g.displayName) === foldCase(name)).map((g) => g.value),
      )
      const typed = grants.find((g) => g.type !== undefined)!
      const byType = await store.list(listQuery(`type eq ${literal(typed.type!)}`), context)
      equals(
        byType.map('.resources values', (p) => p.resources.map((g) => g.value)),
        grants
          .filter((g) => g.type !== undefined && foldCase(g.type) === foldCase(typed.type!))
          .map((g) => g.value),
      )
      const none = await store.list(listQuery('value eq "no grant has this value"'), context)
      is(none.get('totalResults'), 0)
    },
  )

  suite.test('list sorts by displayName both ways', async ({ store, grants, context }) => {
    const sortBy = { kind: 'attributePath', attribute: 'displayName' } as const
    const expected = [...grants].sort((a, b) => (foldCase(a.displayName) < foldCase(b.displayName) ? -1 : 1))
    const up = await store.list({ ...listQuery(), sortBy }, context)
    equals(
      up.map('.resources names', (p) => p.resources.map((g) => foldCase(g.displayName))),
      expected.map((g) => foldCase(g.displayName)),
    )
    const down = await store.list({ ...listQuery(), sortBy, sortOrder: 'descending' }, context)
    equals(
      down.map('.resources names', (p) => p.resources.map((g) => foldCase(g.displayName))),
      expected.map((g) => foldCase(g.displayName)).reverse(),
    )
  })

  suite.test('get finds a grant by its exact value only', async ({ store, grants, context }) => {
    for (const grant of grants)
      equals(
        (await store.get(grant.value, context)).map(' copy', (g) => ({ ...g })),
        { ...grant },
      )
    const flipped = otherCase(grants[0]!.value)
    if (flipped !== undefined && !grants.some((g) => g.value === flipped))
      isMissing(await store.get(flipped, context))
    isMissing(await store.get('no grant has this value', context))
  })

  suite.test(
    'find answers the grants among the values, once each, leaving out the unknown',
    async ({ store, grants, context }) => {
      const [a, b] = grants
      const found = await store.find([b!.value, 'no grant has this value', a!.value, b!.value], context)
      equals(
        found.map(' values', (iterable) => [...iterable].map((g) => g.value).sort()),
        [a!.value, b!.value].sort(),
      )
      equals(
        (await store.find([], context)).map(' values', (iterable) => [...iterable]),
        [],
      )
    },
  )
}

/**
 * Declares a group `<name>: GrantStore contract` that checks a catalogue of roles or entitlements as the
 * router reads it: `list` (order, paging, filters on `value`, `displayName` and `type`, sorting), `get`
 * by exact value, and `find`. `setup` runs before each test and says what the catalogue holds.
 */
export function describeGrantStoreContract(
  name: string,
  setup: () => Awaitable<GrantStoreContractSetup>,
  options: GrantStoreContractOptions = {},
): void {
  const open = async () => {
    const given = await setup()
    const context = given.context ?? createTestContext('contract-tenant')
    const store = probe(given.store)
    const kit: GrantKit = {
      store,
      grants: given.grants,
      context,
      values: async (filter, page) =>
        (await store.list(listQuery(filter, page), context)).value.resources.map((g) => g.value),
    }
    return { kit, close: () => given.teardown?.() }
  }
  declareSuite(resolveRunner(options.runner), `${name}: GrantStore contract`, open, declareTests)
}
