// Contract suites for UserStore and TeamStore adapters: a host runs them in its Jest tests against its own stores.
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import type { MemberChanges, MemberReference } from '../../types/patch'
import type {
  Awaitable,
  ListQuery,
  NewTeam,
  NewUser,
  RequestContext,
  StoredUser,
  TeamStore,
  UserFields,
  UserStore,
} from '../../types/stores'
import { parseFilter } from '../filter/parser'
import { GROUP_SCHEMA, USER_SCHEMA } from '../schema/core'

/** A request context for tests: the tenant, a principal of that tenant, and a request id. */
export function createTestContext(tenant: string, requestId = 'contract-test'): RequestContext {
  return { tenant, principal: { tenant, id: 'contract-test' }, requestId }
}

/** What the `describeUserStoreContract` setup returns, before each test. */
export interface UserStoreContractSetup {
  /** The store under test, empty (at least in both contexts' tenants). */
  readonly store: UserStore
  /** The context of every call. Defaults to tenant `contract-tenant`. */
  readonly context?: RequestContext
  /** A context of another tenant, for the isolation tests. Defaults to tenant `<context.tenant>:other`. */
  readonly otherTenantContext?: RequestContext
  /** Runs after each test (close a pool, drop a schema). */
  readonly teardown?: () => Awaitable<void>
  /**
   * Creates a local user (`provisioned: false`) in the context's tenant, the way the host's own sign-up
   * or JIT login does. When given, the suite also checks that SCIM cannot see local users, that their
   * names and emails still count for uniqueness, and adoption (`update` with `provisioned: true`).
   */
  readonly addLocalUser?: (user: LocalUserSpec, context: RequestContext) => Awaitable<StoredUser>
}

/** A local user for `UserStoreContractSetup.addLocalUser`. */
export interface LocalUserSpec {
  /** The login. */
  readonly userName: string
  /** The email, when the test gives one. */
  readonly email?: string
  /** An external uid, when the test gives one. */
  readonly externalId?: string
  /** Always true in the suite. */
  readonly active: boolean
}

/** What the team suite asks of its setup: how many users must exist in the context's tenant. */
export interface TeamStoreContractNeeds {
  /** The least number of ids `TeamStoreContractSetup.users` must hold. */
  readonly userCount: number
}

/** What the `describeTeamStoreContract` setup returns, before each test. */
export interface TeamStoreContractSetup {
  /** The store under test, with no teams (at least in both contexts' tenants). */
  readonly store: TeamStore
  /**
   * Ids of users of the context's tenant, at least `needs.userCount` of them, distinct: the member ids
   * the tests use. Create them in the setup (through the host's UserStore or directly).
   */
  readonly users: readonly string[]
  /** The context of every call. Defaults to tenant `contract-tenant`. */
  readonly context?: RequestContext
  /** A context of another tenant, for the isolation tests. Defaults to tenant `<context.tenant>:other`. */
  readonly otherTenantContext?: RequestContext
  /** Runs after each test. */
  readonly teardown?: () => Awaitable<void>
}

/** Options of both contract suites. */
export interface StoreContractOptions {
  /**
   * False for a single-tenant store that ignores `context.tenant`: the tenant isolation tests are then
   * skipped. Default true.
   */
  readonly tenantIsolation?: boolean
  /**
   * `'shared'` (the default): the user suite checks that login and email are one namespace (a userName
   * equal to another user's email, or an email equal to another's userName, is 409 `uniqueness`).
   * `'separate'`, for a store whose host never signs in by email: it checks that they do not collide.
   */
  readonly userNameEmailNamespace?: 'shared' | 'separate'
}

/** How many user ids the team suite needs: enough to page members and to keep some out of a team. */
export const TEAM_CONTRACT_USER_COUNT = 6

const DEFAULT_TENANT = 'contract-tenant'

/** Ids no store has issued: a UUID (for stores with UUID keys) and text (ids arrive from URLs as any string). */
const UNKNOWN_IDS = ['00000000-0000-4000-8000-000000000000', 'no-such-id']

interface UserSpec {
  readonly externalId?: string
  readonly displayName?: string
  readonly email?: string
  readonly active?: boolean
  readonly hidden?: boolean
  readonly password?: string
}

/** A new user as the router would write it: named fields and the matching SCIM document. */
function newUser(userName: string, spec: UserSpec = {}): NewUser {
  const active = spec.active ?? true
  const document: Record<string, unknown> = { schemas: [USER_SCHEMA], userName, active }
  if (spec.externalId !== undefined) document.externalId = spec.externalId
  if (spec.displayName !== undefined) document.displayName = spec.displayName
  if (spec.email !== undefined) document.emails = [{ value: spec.email, type: 'work', primary: true }]
  return {
    provisioned: true,
    userName,
    active,
    document,
    ...(spec.externalId !== undefined ? { externalId: spec.externalId } : {}),
    ...(spec.displayName !== undefined ? { displayName: spec.displayName } : {}),
    ...(spec.email !== undefined ? { email: spec.email } : {}),
    ...(spec.hidden !== undefined ? { hidden: spec.hidden } : {}),
    ...(spec.password !== undefined ? { password: spec.password } : {}),
  }
}

/** The fields of a stored user, as `update` takes them (no provisioning mark), with some changed. */
function fieldsOf(user: StoredUser, changes: UserSpec & { readonly userName?: string } = {}): UserFields {
  const { userName = user.userName, ...rest } = changes
  const { provisioned: _, ...fields } = newUser(userName, {
    ...(user.externalId !== undefined ? { externalId: user.externalId } : {}),
    ...(user.displayName !== undefined ? { displayName: user.displayName } : {}),
    ...(user.email !== undefined ? { email: user.email } : {}),
    active: user.active,
    ...rest,
  })
  return fields
}

function newTeam(displayName: string, externalId?: string): NewTeam {
  const document: Record<string, unknown> = { schemas: [GROUP_SCHEMA], displayName }
  if (externalId !== undefined) document.externalId = externalId
  return externalId === undefined
    ? { provisioned: true, displayName, document }
    : { provisioned: true, displayName, externalId, document }
}

function refs(ids: readonly string[]): MemberReference[] {
  return ids.map((value) => ({ value, type: 'User' }))
}

/** A list query: an optional filter text, ascending, everything on one page unless told otherwise. */
function listQuery(filter?: string, page: Partial<Omit<ListQuery, 'filter'>> = {}): ListQuery {
  return {
    ...(filter === undefined ? {} : { filter: parseFilter(filter) }),
    sortOrder: 'ascending',
    startIndex: 1,
    count: 1000,
    ...page,
  }
}

function time(value: Date | string): number {
  return new Date(value).getTime()
}

function isMissing(value: unknown): boolean {
  return value === undefined || value === null
}

/** Awaits `action` and expects it to fail with this HTTP status (and scimType): a store may throw or reject. */
async function expectFailure(action: () => unknown, status: number, scimType?: string): Promise<void> {
  let thrown: unknown
  let failed = false
  try {
    await action()
  } catch (error) {
    thrown = error
    failed = true
  }
  if (!failed) throw new Error(`expected the store to throw an error with status ${status}, but it succeeded`)
  const error = thrown as { status?: unknown; scimType?: unknown }
  expect({ status: error?.status, scimType: error?.scimType }).toEqual(
    scimType === undefined ? { status, scimType: error?.scimType } : { status, scimType },
  )
}

/** Runs `writes` at once and sorts out how many succeeded and the statuses of the failures. */
async function race(writes: readonly (() => unknown)[]): Promise<{ succeeded: number; statuses: unknown[] }> {
  const outcomes = await Promise.allSettled(writes.map((write) => Promise.resolve().then(write)))
  const statuses = outcomes
    .filter((o): o is PromiseRejectedResult => o.status === 'rejected')
    .map((o) => (o.reason as { status?: unknown })?.status ?? o.reason)
  return { succeeded: outcomes.length - statuses.length, statuses }
}

/** Mutates whatever can be mutated in a returned object; a frozen object is as good as a copy. */
function scribble(value: object): void {
  try {
    const target = value as Record<string, unknown>
    for (const key of Object.keys(target)) {
      const v = target[key]
      if (typeof v === 'string') target[key] = `${v}-changed`
      else if (typeof v === 'boolean') target[key] = !v
      else if (v instanceof Date) v.setTime(0)
      else if (typeof v === 'object' && v !== null) scribble(v)
    }
    if (Array.isArray(value)) value.push('added')
    else target.added = 'added'
  } catch {
    // Frozen or otherwise read-only: nothing reached the store either.
  }
}

function resolveContexts(
  setup: { readonly context?: RequestContext; readonly otherTenantContext?: RequestContext },
  options: StoreContractOptions,
): { context: RequestContext; other: RequestContext } {
  const context = setup.context ?? createTestContext(DEFAULT_TENANT)
  const other = setup.otherTenantContext ?? createTestContext(`${context.tenant}:other`)
  if (options.tenantIsolation !== false && other.tenant === context.tenant) {
    throw new Error('otherTenantContext must name another tenant than context')
  }
  return { context, other }
}

/**
 * Declares a Jest `describe` block that checks a `UserStore` against every rule of its contract:
 * what `create` returns, `get` of unknown ids, userName uniqueness (case-insensitive, 409 `uniqueness`),
 * externalId uniqueness (case-sensitive, opaque), compare-and-swap `update` (412 on a stale version),
 * `delete`, paging, the filters the IdPs send, sorting, hidden users, write-only passwords, copies,
 * `findExisting` when implemented, tenant isolation, atomicity under concurrent writes, names compared
 * with `foldCase()`, login and email as one namespace (unless `options.userNameEmailNamespace` is
 * `'separate'`), and `findAllByExternalId` (hidden users included) when implemented.
 *
 * `setup` runs before each test and must give an empty store; `teardown` (optional) runs after it.
 * Filters reach the store parsed, as the router passes them.
 */
export function describeUserStoreContract(
  name: string,
  setup: () => Awaitable<UserStoreContractSetup>,
  options: StoreContractOptions = {},
): void {
  describe(`${name}: UserStore contract`, () => {
    let store: UserStore
    let context: RequestContext
    let other: RequestContext
    let teardown: (() => Awaitable<void>) | undefined
    let addLocalUser: UserStoreContractSetup['addLocalUser']
    const isolation = options.tenantIsolation === false ? it.skip : it

    beforeEach(async () => {
      const result = await setup()
      store = result.store
      teardown = result.teardown
      addLocalUser = result.addLocalUser
      ;({ context, other } = resolveContexts(result, options))
    })

    afterEach(async () => {
      await teardown?.()
    })

    const create = (userName: string, spec?: UserSpec) =>
      Promise.resolve(store.create(newUser(userName, spec), context))
    const list = async (filter?: string, page?: Partial<Omit<ListQuery, 'filter'>>) =>
      await store.list(listQuery(filter, page), context)
    const names = async (filter?: string, page?: Partial<Omit<ListQuery, 'filter'>>) =>
      (await list(filter, page)).resources.map((u) => u.userName)

    it('create returns the user with an id, a version, timestamps, provisioned: true and its fields', async () => {
      const created = await create('alice', {
        externalId: 'ext-alice',
        displayName: 'Alice Liddell',
        email: 'alice@example.com',
      })
      expect(typeof created.id).toBe('string')
      expect(created.id).not.toBe('')
      expect(typeof created.version).toBe('string')
      expect(created.version).not.toBe('')
      expect(Number.isNaN(time(created.created))).toBe(false)
      expect(Number.isNaN(time(created.lastModified))).toBe(false)
      expect(created).toMatchObject({
        provisioned: true,
        userName: 'alice',
        externalId: 'ext-alice',
        displayName: 'Alice Liddell',
        email: 'alice@example.com',
        active: true,
      })
      expect(created.hidden ?? false).toBe(false)
    })

    it('create gives each user its own id', async () => {
      const a = await create('alice')
      const b = await create('bob')
      expect(a.id).not.toBe(b.id)
    })

    it('get returns the user as create returned it', async () => {
      const created = await create('alice', { externalId: 'ext-alice', displayName: 'Alice', active: false })
      const read = await store.get(created.id, context)
      expect(read).toMatchObject({
        id: created.id,
        version: created.version,
        provisioned: true,
        userName: 'alice',
        externalId: 'ext-alice',
        displayName: 'Alice',
        active: false,
      })
      expect(time(read!.created)).toBe(time(created.created))
    })

    it('get of an unknown id is undefined or null, whatever the id looks like', async () => {
      await create('alice')
      for (const id of UNKNOWN_IDS) expect(isMissing(await store.get(id, context))).toBe(true)
    })

    it('userName is unique case-insensitively: 409 uniqueness, and nothing is written', async () => {
      await create('alice')
      await expectFailure(() => create('ALICE'), 409, 'uniqueness')
      await expectFailure(() => create('Alice', { externalId: 'other' }), 409, 'uniqueness')
      expect((await list()).totalResults).toBe(1)
      // The failed create must not have claimed its externalId either.
      await create('carol', { externalId: 'other' })
    })

    it('externalId is unique and case-sensitive', async () => {
      await create('alice', { externalId: 'abc' })
      await expectFailure(() => create('bob', { externalId: 'abc' }), 409, 'uniqueness')
      const upper = await create('carol', { externalId: 'ABC' })
      expect(upper.externalId).toBe('ABC')
      expect((await list()).totalResults).toBe(2)
    })

    it('externalId is an opaque string: "1" is neither a number nor an id', async () => {
      const user = await create('alice', { externalId: '1' })
      const read = await store.get(user.id, context)
      expect(read?.externalId).toBe('1')
      expect(await names('externalId eq "1"')).toEqual(['alice'])
      expect(await names('id eq "1"')).toEqual([])
      expect(isMissing(await store.get('1', context))).toBe(true)
    })

    it('the email is unique case-insensitively: 409 uniqueness on create and update', async () => {
      await create('alice', { email: 'alice@example.com' })
      await expectFailure(() => create('bob', { email: 'ALICE@example.com' }), 409, 'uniqueness')
      const bob = await create('bob', { email: 'bob@example.com' })
      await expectFailure(
        () => store.update(bob.id, fieldsOf(bob, { email: 'Alice@Example.com' }), bob.version, context),
        409,
        'uniqueness',
      )
      expect((await store.get(bob.id, context))?.email).toBe('bob@example.com')
      // Users without an email never collide, and a user may keep its own.
      await create('carol')
      await create('dave')
      const kept = await store.update(bob.id, fieldsOf(bob, { displayName: 'Bob' }), bob.version, context)
      expect(kept?.email).toBe('bob@example.com')
    })

    it('a hidden user holds no email: a new user may take it', async () => {
      const alice = await create('alice', { email: 'alice@example.com' })
      await store.update(alice.id, fieldsOf(alice, { active: false, hidden: true }), alice.version, context)
      const again = await create('alice2', { email: 'alice@example.com' })
      expect(again.email).toBe('alice@example.com')
    })

    it('findByUserNameOrEmail finds users by userName or email, case-insensitively (when implemented)', async () => {
      if (typeof store.findByUserNameOrEmail !== 'function') return
      const alice = await create('alice', { email: 'alice@example.com' })
      const bob = await create('bob', { email: 'bob@example.com' })
      await create('hidden', { email: 'hidden@example.com', hidden: true })
      const ids = async (userName: string, email?: string) =>
        (await store.findByUserNameOrEmail!(userName, email, context)).map((u) => u.id).sort()
      expect(await ids('ALICE')).toEqual([alice.id])
      expect(await ids('nobody', 'BOB@example.com')).toEqual([bob.id])
      expect(await ids('alice', 'bob@example.com')).toEqual([alice.id, bob.id].sort())
      expect(await ids('alice', 'alice@example.com')).toEqual([alice.id])
      expect(await ids('hidden', 'hidden@example.com')).toEqual([])
      expect(await ids('nobody', 'nobody@example.com')).toEqual([])
    })

    it('local users (when the setup gives addLocalUser) stay out of list and findExisting', async () => {
      if (!addLocalUser) return
      const local = await addLocalUser({ userName: 'jit', email: 'jit@example.com', active: true }, context)
      expect(local.provisioned).toBe(false)
      await create('alice')
      expect(await names()).toEqual(['alice'])
      expect((await list()).totalResults).toBe(1)
      expect(await names('userName eq "jit"')).toEqual([])
      expect(await names(`id eq ${JSON.stringify(local.id)}`)).toEqual([])
      expect(await store.get(local.id, context)).toMatchObject({ id: local.id, provisioned: false })
      if (typeof store.findExisting === 'function') {
        expect([...(await store.findExisting([local.id], context))]).toEqual([])
      }
    })

    it('local users (when the setup gives addLocalUser) keep their userName and email: create is 409', async () => {
      if (!addLocalUser) return
      await addLocalUser({ userName: 'jit', email: 'jit@example.com', active: true }, context)
      await expectFailure(() => create('JIT'), 409, 'uniqueness')
      await expectFailure(() => create('other', { email: 'Jit@example.com' }), 409, 'uniqueness')
      if (typeof store.findByUserNameOrEmail === 'function') {
        const found = await store.findByUserNameOrEmail('nobody', 'JIT@example.com', context)
        expect(found.map((u) => [u.userName, u.provisioned])).toEqual([['jit', false]])
      }
    })

    it('update with provisioned: true adopts a local user (when the setup gives addLocalUser); without, it stays local', async () => {
      if (!addLocalUser) return
      const local = await addLocalUser({ userName: 'jit', email: 'jit@example.com', active: true }, context)
      const plain = await store.update(
        local.id,
        fieldsOf(local, { displayName: 'Jit' }),
        local.version,
        context,
      )
      expect(plain?.provisioned).toBe(false)
      const adopted = await store.update(
        local.id,
        { ...fieldsOf(plain!, { externalId: 'entra-jit' }), provisioned: true },
        plain!.version,
        context,
      )
      expect(adopted).toMatchObject({ id: local.id, provisioned: true, externalId: 'entra-jit' })
      expect(time(adopted!.created)).toBe(time(local.created))
      expect(await names('externalId eq "entra-jit"')).toEqual(['jit'])
      const later = await store.update(local.id, fieldsOf(adopted!), adopted!.version, context)
      expect(later?.provisioned).toBe(true)
    })

    it('users without externalId do not collide', async () => {
      await create('alice')
      await create('bob')
      expect((await list()).totalResults).toBe(2)
    })

    it('update replaces the fields, changes the version, and keeps id, created and provisioned', async () => {
      const user = await create('alice', {
        externalId: 'ext-1',
        displayName: 'Alice',
        email: 'a@example.com',
      })
      const updated = await store.update(
        user.id,
        fieldsOf(user, {
          userName: 'alice2',
          displayName: 'Alice Two',
          email: 'a2@example.com',
          active: false,
        }),
        user.version,
        context,
      )
      expect(updated).toMatchObject({
        id: user.id,
        provisioned: true,
        userName: 'alice2',
        externalId: 'ext-1',
        displayName: 'Alice Two',
        email: 'a2@example.com',
        active: false,
      })
      expect(updated!.version).not.toBe(user.version)
      expect(time(updated!.created)).toBe(time(user.created))
      expect(time(updated!.lastModified)).toBeGreaterThanOrEqual(time(user.lastModified))
      expect(await store.get(user.id, context)).toMatchObject({
        userName: 'alice2',
        version: updated!.version,
      })
      // The old name is free again, the new one is taken.
      await create('alice')
      await expectFailure(() => create('ALICE2'), 409, 'uniqueness')
    })

    it('update can remove the externalId, which frees it', async () => {
      const user = await create('alice', { externalId: 'ext-1' })
      const fields = newUser('alice')
      const updated = await store.update(user.id, fields, user.version, context)
      expect(updated?.externalId).toBeUndefined()
      await create('bob', { externalId: 'ext-1' })
    })

    it('update with a stale version is 412 and changes nothing', async () => {
      const user = await create('alice')
      const updated = await store.update(
        user.id,
        fieldsOf(user, { displayName: 'One' }),
        user.version,
        context,
      )
      await expectFailure(
        () => store.update(user.id, fieldsOf(user, { displayName: 'Two' }), user.version, context),
        412,
      )
      const read = await store.get(user.id, context)
      expect(read).toMatchObject({ displayName: 'One', version: updated!.version })
      // The current version still works.
      const again = await store.update(
        user.id,
        fieldsOf(user, { displayName: 'Three' }),
        updated!.version,
        context,
      )
      expect(again?.displayName).toBe('Three')
    })

    it('update of an unknown id is undefined or null', async () => {
      const user = await create('alice')
      for (const id of UNKNOWN_IDS) {
        expect(isMissing(await store.update(id, newUser('ghost'), user.version, context))).toBe(true)
      }
      expect((await list()).totalResults).toBe(1)
    })

    it("update may change the case of its own userName but not take another user's", async () => {
      const alice = await create('alice')
      const bob = await create('bob')
      const renamed = await store.update(
        alice.id,
        fieldsOf(alice, { userName: 'Alice' }),
        alice.version,
        context,
      )
      expect(renamed?.userName).toBe('Alice')
      await expectFailure(
        () => store.update(bob.id, fieldsOf(bob, { userName: 'ALICE' }), bob.version, context),
        409,
        'uniqueness',
      )
      expect((await store.get(bob.id, context))?.userName).toBe('bob')
    })

    it("update may keep its own externalId but not take another user's", async () => {
      const alice = await create('alice', { externalId: 'ext-a' })
      const bob = await create('bob', { externalId: 'ext-b' })
      const same = await store.update(alice.id, fieldsOf(alice, { displayName: 'A' }), alice.version, context)
      expect(same?.externalId).toBe('ext-a')
      await expectFailure(
        () => store.update(bob.id, fieldsOf(bob, { externalId: 'ext-a' }), bob.version, context),
        409,
        'uniqueness',
      )
      expect((await store.get(bob.id, context))?.externalId).toBe('ext-b')
    })

    it('delete returns true, then false; the user is gone and its names are free', async () => {
      const user = await create('alice', { externalId: 'ext-a' })
      expect(await store.delete(user.id, context)).toBe(true)
      expect(await store.delete(user.id, context)).toBe(false)
      expect(isMissing(await store.get(user.id, context))).toBe(true)
      expect((await list()).totalResults).toBe(0)
      await create('ALICE', { externalId: 'ext-a' })
      for (const id of UNKNOWN_IDS) expect(await store.delete(id, context)).toBe(false)
    })

    it('list pages through every user once, in a stable order, with the total', async () => {
      for (const n of ['u1', 'u2', 'u3', 'u4', 'u5']) await create(n)
      const all = await names()
      expect([...all].sort()).toEqual(['u1', 'u2', 'u3', 'u4', 'u5'])
      expect(await names()).toEqual(all)
      const pages: string[] = []
      for (const startIndex of [1, 3, 5]) {
        const page = await list(undefined, { startIndex, count: 2 })
        expect(page.totalResults).toBe(5)
        pages.push(...page.resources.map((u) => u.userName))
      }
      expect(pages).toEqual(all)
    })

    it('list with count 0 returns no users but the total', async () => {
      for (const n of ['u1', 'u2', 'u3']) await create(n)
      const page = await list(undefined, { count: 0 })
      expect(page.totalResults).toBe(3)
      expect(page.resources).toEqual([])
      const filtered = await list('userName eq "u2"', { count: 0 })
      expect(filtered.totalResults).toBe(1)
      expect(filtered.resources).toEqual([])
    })

    it('list past the last user returns no users but the total', async () => {
      for (const n of ['u1', 'u2']) await create(n)
      const page = await list(undefined, { startIndex: 5, count: 10 })
      expect(page).toEqual({ totalResults: 2, resources: [] })
    })

    it('filter userName eq compares case-insensitively', async () => {
      await create('Alice')
      await create('bob')
      expect(await names('userName eq "alice"')).toEqual(['Alice'])
      expect(await names('userName eq "ALICE"')).toEqual(['Alice'])
      expect(await names('userName eq "nobody"')).toEqual([])
      expect((await list('userName eq "ALICE"')).totalResults).toBe(1)
    })

    it('filter externalId eq compares case-sensitively', async () => {
      await create('alice', { externalId: 'abc' })
      await create('bob', { externalId: 'ABC' })
      expect(await names('externalId eq "abc"')).toEqual(['alice'])
      expect(await names('externalId eq "ABC"')).toEqual(['bob'])
      expect(await names('externalId eq "Abc"')).toEqual([])
    })

    it('filter id eq finds the user', async () => {
      const alice = await create('alice')
      await create('bob')
      expect(await names(`id eq ${JSON.stringify(alice.id)}`)).toEqual(['alice'])
    })

    it('filter emails.value co and emails[type eq "work"] match the email', async () => {
      await create('alice', { email: 'alice@example.com' })
      await create('bob', { email: 'bob@example.org' })
      await create('carol')
      expect(await names('emails.value co "example.com"')).toEqual(['alice'])
      // emails.value is not caseExact (RFC 7643 §4.1.2).
      expect((await names('emails.value co "EXAMPLE"')).sort()).toEqual(['alice', 'bob'])
      expect(await names('emails[type eq "work" and value ew ".org"]')).toEqual(['bob'])
    })

    it('filter active eq false finds disabled users', async () => {
      await create('alice', { active: false })
      await create('bob')
      expect(await names('active eq false')).toEqual(['alice'])
      expect(await names('active eq true')).toEqual(['bob'])
    })

    it('filter and / or / not combine terms', async () => {
      await create('alice', { externalId: 'a', active: false })
      await create('bob', { externalId: 'b' })
      await create('carol', { externalId: 'c' })
      expect(await names('userName eq "alice" and active eq false')).toEqual(['alice'])
      expect(await names('userName eq "alice" and active eq true')).toEqual([])
      expect((await names('externalId eq "a" or externalId eq "c"')).sort()).toEqual(['alice', 'carol'])
      expect((await names('not (userName eq "bob")')).sort()).toEqual(['alice', 'carol'])
    })

    it('sortBy userName orders ascending and descending', async () => {
      for (const n of ['carol', 'alice', 'dave', 'bob']) await create(n)
      const sortBy = { kind: 'attributePath' as const, attribute: 'userName' }
      expect(await names(undefined, { sortBy })).toEqual(['alice', 'bob', 'carol', 'dave'])
      expect(await names(undefined, { sortBy, sortOrder: 'descending' })).toEqual([
        'dave',
        'carol',
        'bob',
        'alice',
      ])
      expect(await names(undefined, { sortBy, startIndex: 2, count: 2 })).toEqual(['bob', 'carol'])
    })

    it('hidden users are never listed, but get returns them marked hidden', async () => {
      const alice = await create('alice', { externalId: 'ext-a' })
      await create('bob')
      const hidden = await store.update(
        alice.id,
        fieldsOf(alice, { active: false, hidden: true }),
        alice.version,
        context,
      )
      expect(hidden?.hidden).toBe(true)
      expect(await names()).toEqual(['bob'])
      expect((await list()).totalResults).toBe(1)
      expect(await names('userName eq "alice"')).toEqual([])
      expect(await names('externalId eq "ext-a"')).toEqual([])
      expect(await names(`id eq ${JSON.stringify(alice.id)}`)).toEqual([])
      expect(await store.get(alice.id, context)).toMatchObject({ id: alice.id, hidden: true, active: false })
    })

    it('a hidden user holds no names: a new user may take its userName and externalId (RFC 7644 §3.6)', async () => {
      const alice = await create('alice', { externalId: 'ext-a' })
      await store.update(alice.id, fieldsOf(alice, { active: false, hidden: true }), alice.version, context)
      const again = await create('Alice', { externalId: 'ext-a' })
      expect(again.id).not.toBe(alice.id)
      expect(await names('userName eq "alice"')).toEqual(['Alice'])
    })

    it('the password is never returned', async () => {
      const user = await create('alice', { password: 'Secr3t!pass' })
      const read = await store.get(user.id, context)
      const updated = await store.update(
        user.id,
        fieldsOf(user, { password: 'N3w!pass' }),
        user.version,
        context,
      )
      const listed = (await list()).resources
      for (const value of [user, read, updated, ...listed]) {
        expect(JSON.stringify(value)).not.toMatch(/Secr3t!pass|N3w!pass/)
        expect(Object.keys(value ?? {}).map((k) => k.toLowerCase())).not.toContain('password')
      }
    })

    it('returns copies: changing a result or an argument changes nothing stored', async () => {
      const spec = { externalId: 'ext-a', displayName: 'Alice', email: 'alice@example.com' }
      const input = newUser('alice', spec)
      const created = await store.create(input, context)
      const { id, version } = created
      scribble(input)
      scribble(created)
      scribble((await store.get(id, context))!)
      for (const u of (await list()).resources) scribble(u)
      const again = await store.get(id, context)
      expect(again).toMatchObject({
        id,
        version,
        userName: 'alice',
        ...spec,
        active: true,
        provisioned: true,
      })
      expect(time(again!.created)).not.toBe(0)
      if (again?.document !== undefined) {
        expect(again.document).toMatchObject({ userName: 'alice' })
        expect(again.document.added).toBeUndefined()
      }
      expect(await names('userName eq "alice"')).toEqual(['alice'])
    })

    it('findExisting returns the ids that are users of the tenant (when implemented)', async () => {
      if (typeof store.findExisting !== 'function') return
      const alice = await create('alice')
      const bob = await create('bob')
      const found = [...(await store.findExisting([alice.id, ...UNKNOWN_IDS, bob.id], context))]
      expect(found.sort()).toEqual([alice.id, bob.id].sort())
      expect([...(await store.findExisting([], context))]).toEqual([])
    })

    isolation('tenants are isolated: another tenant sees nothing and may reuse the names', async () => {
      const alice = await create('alice', { externalId: 'ext-a' })
      expect(isMissing(await store.get(alice.id, other))).toBe(true)
      expect(await store.list(listQuery(), other)).toEqual({ totalResults: 0, resources: [] })
      expect((await store.list(listQuery('userName eq "alice"'), other)).totalResults).toBe(0)
      expect(isMissing(await store.update(alice.id, newUser('mallory'), alice.version, other))).toBe(true)
      expect(await store.delete(alice.id, other)).toBe(false)
      if (typeof store.findExisting === 'function') {
        expect([...(await store.findExisting([alice.id], other))]).toEqual([])
      }
      const twin = await store.create(newUser('alice', { externalId: 'ext-a' }), other)
      expect(twin.id).not.toBe(alice.id)
      expect(await store.get(alice.id, context)).toMatchObject({ userName: 'alice', version: alice.version })
      expect((await list()).totalResults).toBe(1)
    })

    it('concurrent creates of one userName give exactly one user', async () => {
      const spellings = ['dup', 'DUP', 'Dup', 'dUp', 'duP', 'DUp', 'dUP', 'DuP', 'dup', 'DUP']
      const { succeeded, statuses } = await race(
        spellings.map((n) => () => store.create(newUser(n), context)),
      )
      expect(succeeded).toBe(1)
      expect(statuses).toEqual(spellings.slice(1).map(() => 409))
      expect((await list()).totalResults).toBe(1)
    })

    it('concurrent updates from one version: exactly one wins, the others get 412', async () => {
      const user = await create('alice')
      const writes = [1, 2, 3, 4, 5].map(
        (n) => () => store.update(user.id, fieldsOf(user, { displayName: `v${n}` }), user.version, context),
      )
      const { succeeded, statuses } = await race(writes)
      expect(succeeded).toBe(1)
      expect(statuses).toEqual([412, 412, 412, 412])
    })

    describe('names compare with foldCase', () => {
      it('userName and email are unique under foldCase: final sigma is sigma, ß is not ss', async () => {
        await create('\u03bf\u03b4\u03bf\u03c3', { email: '\u03c0\u03bf\u03bb\u03c5\u03c3@example.com' })
        await expectFailure(() => create('\u039f\u0394\u039f\u03a3'), 409, 'uniqueness')
        await expectFailure(() => create('\u03bf\u03b4\u03bf\u03c2'), 409, 'uniqueness')
        await expectFailure(
          () => create('other', { email: '\u03c0\u03bf\u03bb\u03c5\u03c2@EXAMPLE.com' }),
          409,
          'uniqueness',
        )
        await create('stra\u00dfe')
        await create('strasse')
        expect(await names('userName eq "\u039f\u0394\u039f\u03a3"')).toEqual(['\u03bf\u03b4\u03bf\u03c3'])
        expect(await names('userName eq "STRASSE"')).toEqual(['strasse'])
      })
    })

    describe('login and email namespace', () => {
      const shared = (options.userNameEmailNamespace ?? 'shared') === 'shared'
      const whenShared = shared ? it : it.skip
      const whenSeparate = shared ? it.skip : it

      whenShared(
        'a userName may not equal another user’s email: 409 uniqueness, nothing written',
        async () => {
          await create('carol', { email: 'carol@x.example' })
          await expectFailure(() => create('CAROL@x.example'), 409, 'uniqueness')
          const dave = await create('dave')
          await expectFailure(
            () =>
              store.update(dave.id, fieldsOf(dave, { userName: 'Carol@X.example' }), dave.version, context),
            409,
            'uniqueness',
          )
          expect((await store.get(dave.id, context))?.userName).toBe('dave')
          expect((await list()).totalResults).toBe(2)
        },
      )

      whenShared(
        'an email may not equal another user’s userName: 409 uniqueness, nothing written',
        async () => {
          await create('carol@x.example')
          await expectFailure(() => create('mallory', { email: 'CAROL@x.example' }), 409, 'uniqueness')
          const dave = await create('dave', { email: 'dave@x.example' })
          await expectFailure(
            () => store.update(dave.id, fieldsOf(dave, { email: 'Carol@x.example' }), dave.version, context),
            409,
            'uniqueness',
          )
          expect((await store.get(dave.id, context))?.email).toBe('dave@x.example')
          expect(await names()).toEqual(['carol@x.example', 'dave'])
        },
      )

      whenShared('a user’s login may be its own email, and hidden users hold neither', async () => {
        const erin = await create('erin@x.example', { email: 'ERIN@x.example' })
        const kept = await store.update(
          erin.id,
          fieldsOf(erin, { displayName: 'Erin' }),
          erin.version,
          context,
        )
        expect(kept?.userName).toBe('erin@x.example')
        await store.update(erin.id, fieldsOf(kept!, { active: false, hidden: true }), kept!.version, context)
        // A new user may take both, as its own login and email.
        const again = await create('Erin@X.example', { email: 'erin@x.example' })
        expect(again.id).not.toBe(erin.id)
      })

      whenShared(
        'findByUserNameOrEmail also finds the other namespace’s holder (when implemented)',
        async () => {
          if (typeof store.findByUserNameOrEmail !== 'function') return
          const carol = await create('carol', { email: 'carol@x.example' })
          const dave = await create('dave@x.example')
          const ids = async (userName: string, email?: string) =>
            (await store.findByUserNameOrEmail!(userName, email, context)).map((u) => u.id).sort()
          expect(await ids('CAROL@x.example')).toEqual([carol.id])
          expect(await ids('nobody', 'Dave@x.example')).toEqual([dave.id])
        },
      )

      whenShared('local users (when the setup gives addLocalUser) count too', async () => {
        if (!addLocalUser) return
        await addLocalUser({ userName: 'jit@x.example', email: 'jit-mail@x.example', active: true }, context)
        await expectFailure(() => create('other', { email: 'JIT@x.example' }), 409, 'uniqueness')
        await expectFailure(() => create('Jit-Mail@x.example'), 409, 'uniqueness')
      })

      whenSeparate(
        'a userName may equal another user’s email (userNameEmailNamespace: separate)',
        async () => {
          await create('carol', { email: 'carol@x.example' })
          const other = await create('carol@x.example', { email: 'other@x.example' })
          expect(other.userName).toBe('carol@x.example')
          await create('dave', { email: 'OTHER2@x.example' })
          await create('other2@x.example')
          expect((await list()).totalResults).toBe(4)
        },
      )
    })

    describe('findAllByExternalId (when implemented; required by createSamlLinker)', () => {
      const ids = async (externalId: string, where: RequestContext = context) =>
        [...(await store.findAllByExternalId!(externalId, where))].map((u) => u.id).sort()

      it('finds the visible user and every hidden one holding the externalId, case-sensitively', async () => {
        if (typeof store.findAllByExternalId !== 'function') return
        const alice = await create('alice', { externalId: 'oid-a' })
        expect(await ids('oid-a')).toEqual([alice.id])
        const hidden = await store.update(
          alice.id,
          fieldsOf(alice, { active: false, hidden: true }),
          alice.version,
          context,
        )
        expect(hidden?.hidden).toBe(true)
        expect(await names('externalId eq "oid-a"')).toEqual([])
        const found = await store.findAllByExternalId(alice.externalId!, context)
        expect(found).toHaveLength(1)
        expect(found[0]).toMatchObject({ id: alice.id, externalId: 'oid-a', hidden: true, active: false })
        // The IdP provisions the person again: both are found, the new one visible.
        const again = await create('alice', { externalId: 'oid-a' })
        expect(await ids('oid-a')).toEqual([alice.id, again.id].sort())
        expect(await ids('OID-A')).toEqual([])
        expect(await ids('oid-a ')).toEqual([])
        expect(await ids('nobody')).toEqual([])
      })

      it('finds a user created hidden, and local users (when the setup gives addLocalUser)', async () => {
        if (typeof store.findAllByExternalId !== 'function') return
        const gone = await create('gone', { externalId: 'oid-gone', active: false, hidden: true })
        expect(await ids('oid-gone')).toEqual([gone.id])
        if (!addLocalUser) return
        const local = await addLocalUser({ userName: 'jit', externalId: 'oid-jit', active: true }, context)
        expect(await ids('oid-jit')).toEqual([local.id])
      })

      it('forgets a deleted user, and a hidden one given another externalId', async () => {
        if (typeof store.findAllByExternalId !== 'function') return
        const alice = await create('alice', { externalId: 'oid-a' })
        const hidden = await store.update(
          alice.id,
          fieldsOf(alice, { active: false, hidden: true }),
          alice.version,
          context,
        )
        const moved = await store.update(
          alice.id,
          fieldsOf(hidden!, { externalId: 'oid-b', active: false, hidden: true }),
          hidden!.version,
          context,
        )
        expect(moved?.hidden).toBe(true)
        expect(await ids('oid-a')).toEqual([])
        expect(await ids('oid-b')).toEqual([alice.id])
        expect(await store.delete(alice.id, context)).toBe(true)
        expect(await ids('oid-b')).toEqual([])
      })

      isolation('finds nothing of another tenant', async () => {
        if (typeof store.findAllByExternalId !== 'function') return
        const alice = await create('alice', { externalId: 'oid-a' })
        await store.update(alice.id, fieldsOf(alice, { active: false, hidden: true }), alice.version, context)
        expect(await ids('oid-a', other)).toEqual([])
      })
    })
  })
}

/**
 * Declares a Jest `describe` block that checks a `TeamStore` against every rule of its contract:
 * `create` with members, `get` / `update` / `delete` and the membership methods on unknown teams,
 * displayName uniqueness (case-insensitive, 409), compare-and-swap `update` (412), member paging,
 * idempotent `addMembers` / `removeMembers`, `replaceMembers`, `applyChange` when implemented (all or
 * nothing; member changes conditional on `expectedVersion`, 412 on a stale one; unconditional member
 * deltas that never fail under concurrency), version bumps on membership changes,
 * `delete` and `removeUserFromTeams` dropping memberships, the `displayName` and `members` filters,
 * sorting, copies, tenant isolation, and concurrent membership changes.
 *
 * `setup` runs before each test with the number of users it must provide (`needs.userCount`), and must
 * give a store without teams plus the ids of that many existing users of the context's tenant.
 */
export function describeTeamStoreContract(
  name: string,
  setup: (needs: TeamStoreContractNeeds) => Awaitable<TeamStoreContractSetup>,
  options: StoreContractOptions = {},
): void {
  describe(`${name}: TeamStore contract`, () => {
    let store: TeamStore
    let users: readonly string[]
    let context: RequestContext
    let other: RequestContext
    let teardown: (() => Awaitable<void>) | undefined
    const isolation = options.tenantIsolation === false ? it.skip : it
    const user = (i: number): string => {
      const id = users[i]
      if (id === undefined)
        throw new Error(`the setup gave ${users.length} users; the suite needs ${TEAM_CONTRACT_USER_COUNT}`)
      return id
    }

    beforeEach(async () => {
      const result = await setup({ userCount: TEAM_CONTRACT_USER_COUNT })
      store = result.store
      users = [...result.users]
      teardown = result.teardown
      ;({ context, other } = resolveContexts(result, options))
      if (new Set(users).size < TEAM_CONTRACT_USER_COUNT) {
        throw new Error(`the setup must give ${TEAM_CONTRACT_USER_COUNT} distinct user ids`)
      }
    })

    afterEach(async () => {
      await teardown?.()
    })

    const create = (displayName: string, memberIds: readonly string[] = [], externalId?: string) =>
      Promise.resolve(store.create(newTeam(displayName, externalId), refs(memberIds), context))
    const memberIds = async (id: string, ctx: RequestContext = context): Promise<string[] | undefined> => {
      const page = await store.listMembers(id, { startIndex: 1, count: 10_000 }, ctx)
      return page ? page.resources.map((m) => m.value) : undefined
    }
    const sortedMembers = async (id: string) => (await memberIds(id))?.sort()
    const names = async (filter?: string, page?: Partial<Omit<ListQuery, 'filter'>>) =>
      (await store.list(listQuery(filter, page), context)).resources.map((t) => t.displayName)
    const versionOf = async (id: string) => (await store.get(id, context))?.version

    it('create returns the team with an id, a version, timestamps, provisioned: true and its fields', async () => {
      const team = await create('Engineering', [user(0), user(1)], 'ext-eng')
      expect(typeof team.id).toBe('string')
      expect(team.id).not.toBe('')
      expect(typeof team.version).toBe('string')
      expect(team.version).not.toBe('')
      expect(Number.isNaN(time(team.created))).toBe(false)
      expect(Number.isNaN(time(team.lastModified))).toBe(false)
      expect(team).toMatchObject({ provisioned: true, displayName: 'Engineering', externalId: 'ext-eng' })
      expect(await store.get(team.id, context)).toMatchObject({
        id: team.id,
        version: team.version,
        displayName: 'Engineering',
        externalId: 'ext-eng',
      })
      expect(await sortedMembers(team.id)).toEqual([user(0), user(1)].sort())
      const page = await store.listMembers(team.id, { startIndex: 1, count: 10 }, context)
      expect(page?.totalResults).toBe(2)
    })

    it('create without members gives an empty team', async () => {
      const team = await create('Empty')
      expect(await store.listMembers(team.id, { startIndex: 1, count: 10 }, context)).toEqual({
        totalResults: 0,
        resources: [],
      })
    })

    it('create ignores a member listed twice', async () => {
      const team = await create('Twice', [user(0), user(0), user(1)])
      expect(await sortedMembers(team.id)).toEqual([user(0), user(1)].sort())
    })

    it('an unknown team: get, update and listMembers are missing; delete and member changes are false', async () => {
      const team = await create('Real', [user(0)])
      for (const id of UNKNOWN_IDS) {
        expect(isMissing(await store.get(id, context))).toBe(true)
        expect(isMissing(await store.update(id, newTeam('Ghost'), team.version, context))).toBe(true)
        expect(isMissing(await store.listMembers(id, { startIndex: 1, count: 10 }, context))).toBe(true)
        expect(await store.delete(id, context)).toBe(false)
        expect(await store.addMembers(id, refs([user(1)]), context)).toBe(false)
        expect(await store.removeMembers(id, [user(0)], context)).toBe(false)
        expect(await store.replaceMembers(id, refs([user(1)]), context)).toBe(false)
      }
      expect(await sortedMembers(team.id)).toEqual([user(0)])
      expect(await names()).toEqual(['Real'])
    })

    it('displayName is unique case-insensitively: 409 uniqueness, and nothing is written', async () => {
      await create('Engineering')
      await expectFailure(() => create('ENGINEERING', [user(0)]), 409, 'uniqueness')
      await expectFailure(() => create('engineering'), 409, 'uniqueness')
      const page = await store.list(listQuery(), context)
      expect(page.totalResults).toBe(1)
    })

    it('update replaces the fields, changes the version, keeps id, created and the members', async () => {
      const team = await create('Eng', [user(0), user(1)], 'ext-1')
      const updated = await store.update(team.id, newTeam('Engineering', 'ext-2'), team.version, context)
      expect(updated).toMatchObject({
        id: team.id,
        displayName: 'Engineering',
        externalId: 'ext-2',
        provisioned: true,
      })
      expect(updated!.version).not.toBe(team.version)
      expect(time(updated!.created)).toBe(time(team.created))
      expect(time(updated!.lastModified)).toBeGreaterThanOrEqual(time(team.lastModified))
      expect(await versionOf(team.id)).toBe(updated!.version)
      expect(await sortedMembers(team.id)).toEqual([user(0), user(1)].sort())
      // The old name is free again.
      await create('eng')
    })

    it('update with a stale version is 412 and changes nothing', async () => {
      const team = await create('Eng')
      const updated = await store.update(team.id, newTeam('One'), team.version, context)
      await expectFailure(() => store.update(team.id, newTeam('Two'), team.version, context), 412)
      expect(await store.get(team.id, context)).toMatchObject({
        displayName: 'One',
        version: updated!.version,
      })
    })

    it("update may change the case of its own name but not take another team's", async () => {
      const eng = await create('Eng')
      const ops = await create('Ops')
      const renamed = await store.update(eng.id, newTeam('ENG'), eng.version, context)
      expect(renamed?.displayName).toBe('ENG')
      await expectFailure(() => store.update(ops.id, newTeam('eng'), ops.version, context), 409, 'uniqueness')
      expect((await store.get(ops.id, context))?.displayName).toBe('Ops')
    })

    it('listMembers pages through every member once, in a stable order, with the total', async () => {
      const all = users.slice(0, TEAM_CONTRACT_USER_COUNT)
      const team = await create('Big', all)
      const order = await memberIds(team.id)
      expect([...(order ?? [])].sort()).toEqual([...all].sort())
      expect(await memberIds(team.id)).toEqual(order)
      const paged: string[] = []
      for (const startIndex of [1, 3, 5]) {
        const page = await store.listMembers(team.id, { startIndex, count: 2 }, context)
        expect(page?.totalResults).toBe(all.length)
        expect(page?.resources.length).toBe(2)
        paged.push(...(page?.resources ?? []).map((m) => m.value))
      }
      expect(paged).toEqual(order)
      expect(await store.listMembers(team.id, { startIndex: 1, count: 0 }, context)).toEqual({
        totalResults: all.length,
        resources: [],
      })
      expect(await store.listMembers(team.id, { startIndex: 50, count: 5 }, context)).toEqual({
        totalResults: all.length,
        resources: [],
      })
    })

    it('addMembers is idempotent', async () => {
      const team = await create('Eng', [user(0)])
      expect(await store.addMembers(team.id, refs([user(0), user(1), user(1)]), context)).toBe(true)
      expect(await sortedMembers(team.id)).toEqual([user(0), user(1)].sort())
      expect(await store.addMembers(team.id, refs([user(1)]), context)).toBe(true)
      const page = await store.listMembers(team.id, { startIndex: 1, count: 10 }, context)
      expect(page?.totalResults).toBe(2)
    })

    it('removeMembers is idempotent', async () => {
      const team = await create('Eng', [user(0), user(1), user(2)])
      expect(await store.removeMembers(team.id, [user(1), user(3)], context)).toBe(true)
      expect(await sortedMembers(team.id)).toEqual([user(0), user(2)].sort())
      expect(await store.removeMembers(team.id, [user(1)], context)).toBe(true)
      expect(await sortedMembers(team.id)).toEqual([user(0), user(2)].sort())
      expect(await store.removeMembers(team.id, [], context)).toBe(true)
    })

    it('applyChange writes fields and a member replacement at once, with one new version (when implemented)', async () => {
      if (typeof store.applyChange !== 'function') return
      const team = await create('Eng', [user(0), user(1)])
      const after = await store.applyChange(
        team.id,
        {
          fields: {
            displayName: 'Engineering',
            externalId: 'ext-e',
            document: { displayName: 'Engineering' },
          },
          expectedVersion: team.version,
          members: { kind: 'replace', members: refs([user(1), user(2)]) },
        },
        context,
      )
      expect(after).toMatchObject({ id: team.id, displayName: 'Engineering', externalId: 'ext-e' })
      expect(after?.version).not.toBe(team.version)
      expect(await versionOf(team.id)).toBe(after?.version)
      expect(await sortedMembers(team.id)).toEqual([user(1), user(2)].sort())
      const delta = await store.applyChange(
        team.id,
        { members: { kind: 'delta', added: refs([user(3)]), removed: [user(1)] } },
        context,
      )
      expect(delta?.displayName).toBe('Engineering')
      expect(await sortedMembers(team.id)).toEqual([user(2), user(3)].sort())
      expect(
        isMissing(
          await store.applyChange(UNKNOWN_IDS[0]!, { members: { kind: 'replace', members: [] } }, context),
        ),
      ).toBe(true)
    })

    it('applyChange is all or nothing: a stale version or a taken name writes neither fields nor members (when implemented)', async () => {
      if (typeof store.applyChange !== 'function') return
      await create('Ops')
      const team = await create('Eng', [user(0)])
      const fields = (displayName: string) => ({ displayName, document: { displayName } })
      const members = { kind: 'replace', members: refs([user(4), user(5)]) } as const
      await expectFailure(
        () =>
          store.applyChange!(
            team.id,
            { fields: fields('Eng 2'), expectedVersion: 'stale', members },
            context,
          ),
        412,
      )
      await expectFailure(
        () =>
          store.applyChange!(
            team.id,
            { fields: fields('OPS'), expectedVersion: team.version, members },
            context,
          ),
        409,
        'uniqueness',
      )
      await expectFailure(
        () =>
          store.applyChange!(
            team.id,
            {
              expectedVersion: 'stale',
              members: { kind: 'delta', added: refs([user(3)]), removed: [user(0)] },
            },
            context,
          ),
        412,
      )
      expect(await store.get(team.id, context)).toMatchObject({ displayName: 'Eng', version: team.version })
      expect(await memberIds(team.id)).toEqual([user(0)])
    })

    // A member change with `expectedVersion` is how the router honours If-Match (RFC 7644 §3.14); one
    // without it is a commuting delta that several replicas may send at once.
    describe('member changes through applyChange (when implemented)', () => {
      const memberChanges = (): readonly (readonly [string, MemberChanges])[] => [
        ['add', { kind: 'delta', added: refs([user(3)]), removed: [] }],
        ['remove', { kind: 'delta', added: [], removed: [user(1)] }],
        ['remove and add', { kind: 'delta', added: refs([user(3)]), removed: [user(1)] }],
        ['replace', { kind: 'replace', members: refs([user(4)]) }],
      ]

      it('with a stale expectedVersion, a change of members only is a version mismatch and writes nothing', async () => {
        if (typeof store.applyChange !== 'function') return
        const team = await create('Eng', [user(0), user(1)])
        // The version moves on after the caller read it: its If-Match is stale.
        await store.addMembers(team.id, refs([user(2)]), context)
        const moved = await store.get(team.id, context)
        expect(moved?.version).not.toBe(team.version)
        for (const [, members] of memberChanges()) {
          await expectFailure(
            () => store.applyChange!(team.id, { expectedVersion: team.version, members }, context),
            412,
          )
          expect(await versionOf(team.id)).toBe(moved?.version)
          expect(await sortedMembers(team.id)).toEqual([user(0), user(1), user(2)].sort())
        }
      })

      it('with the current expectedVersion, a change of members only is written with one new version', async () => {
        if (typeof store.applyChange !== 'function') return
        for (const [kind, members] of memberChanges()) {
          const team = await create(`Eng ${kind}`, [user(0), user(1)])
          const after = await store.applyChange(team.id, { expectedVersion: team.version, members }, context)
          expect(after).toMatchObject({ id: team.id, displayName: `Eng ${kind}` })
          expect(after?.version).not.toBe(team.version)
          expect(await versionOf(team.id)).toBe(after?.version)
          const expected =
            members.kind === 'replace'
              ? members.members.map((m) => m.value)
              : [user(0), user(1), ...members.added.map((m) => m.value)].filter(
                  (id) => !members.removed.includes(id),
                )
          expect(await sortedMembers(team.id)).toEqual(expected.sort())
        }
      })

      it('without expectedVersion, a member delta applies whatever the version is', async () => {
        if (typeof store.applyChange !== 'function') return
        const team = await create('Eng', [user(0), user(1)])
        await store.addMembers(team.id, refs([user(2)]), context)
        await store.update(team.id, newTeam('Engineering'), (await versionOf(team.id))!, context)
        const after = await store.applyChange(
          team.id,
          { members: { kind: 'delta', added: refs([user(3)]), removed: [user(0)] } },
          context,
        )
        expect(after?.displayName).toBe('Engineering')
        expect(await versionOf(team.id)).toBe(after?.version)
        expect(await sortedMembers(team.id)).toEqual([user(1), user(2), user(3)].sort())
      })

      it('concurrent member deltas without expectedVersion all succeed, and the membership is exact', async () => {
        if (typeof store.applyChange !== 'function') return
        const team = await create('Eng', [user(0), user(1), user(2)])
        const { succeeded, statuses } = await race(
          [0, 1, 2].map(
            (i) => () =>
              store.applyChange!(
                team.id,
                { members: { kind: 'delta', added: refs([user(i + 3)]), removed: [user(i)] } },
                context,
              ),
          ),
        )
        expect(statuses).toEqual([])
        expect(succeeded).toBe(3)
        expect(await sortedMembers(team.id)).toEqual([user(3), user(4), user(5)].sort())
      })

      it('concurrent member changes conditional on one version: one succeeds, the others are 412', async () => {
        if (typeof store.applyChange !== 'function') return
        const team = await create('Eng', [user(0)])
        const { succeeded, statuses } = await race(
          [1, 2, 3, 4].map(
            (i) => () =>
              store.applyChange!(
                team.id,
                {
                  expectedVersion: team.version,
                  members: { kind: 'delta', added: refs([user(i)]), removed: [] },
                },
                context,
              ),
          ),
        )
        expect(succeeded).toBe(1)
        expect(statuses).toEqual([412, 412, 412])
        expect((await memberIds(team.id))?.length).toBe(2)
      })
    })

    it('replaceMembers sets the complete member list', async () => {
      const team = await create('Eng', [user(0), user(1), user(2)])
      expect(await store.replaceMembers(team.id, refs([user(2), user(3), user(4)]), context)).toBe(true)
      expect(await sortedMembers(team.id)).toEqual([user(2), user(3), user(4)].sort())
      expect(await store.replaceMembers(team.id, [], context)).toBe(true)
      expect(await store.listMembers(team.id, { startIndex: 1, count: 10 }, context)).toEqual({
        totalResults: 0,
        resources: [],
      })
    })

    it('every membership change bumps the version and keeps lastModified current', async () => {
      const team = await create('Eng', [user(0)])
      const seen = new Set([team.version])
      let last = time(team.lastModified)
      const changes: (() => unknown)[] = [
        () => store.addMembers(team.id, refs([user(1)]), context),
        () => store.removeMembers(team.id, [user(0)], context),
        () => store.replaceMembers(team.id, refs([user(2), user(3)]), context),
        () => store.removeUserFromTeams(user(2), context),
      ]
      for (const change of changes) {
        await change()
        const read = await store.get(team.id, context)
        expect(seen.has(read!.version)).toBe(false)
        seen.add(read!.version)
        expect(time(read!.lastModified)).toBeGreaterThanOrEqual(last)
        last = time(read!.lastModified)
      }
      expect(await sortedMembers(team.id)).toEqual([user(3)])
    })

    it('delete returns true, then false, and drops the memberships', async () => {
      const team = await create('Eng', [user(0), user(1)])
      const kept = await create('Ops', [user(0)])
      expect(await store.delete(team.id, context)).toBe(true)
      expect(await store.delete(team.id, context)).toBe(false)
      expect(isMissing(await store.get(team.id, context))).toBe(true)
      expect(isMissing(await store.listMembers(team.id, { startIndex: 1, count: 10 }, context))).toBe(true)
      expect(await names(`members[value eq ${JSON.stringify(user(0))}]`)).toEqual(['Ops'])
      expect(await names(`members[value eq ${JSON.stringify(user(1))}]`)).toEqual([])
      expect(await sortedMembers(kept.id)).toEqual([user(0)])
      const again = await create('ENG')
      expect(await memberIds(again.id)).toEqual([])
    })

    it('removeUserFromTeams removes the user from every team, and no one else', async () => {
      const eng = await create('Eng', [user(0), user(1)])
      const ops = await create('Ops', [user(1), user(2)])
      const sales = await create('Sales', [user(2)])
      const salesVersion = sales.version
      await store.removeUserFromTeams(user(1), context)
      expect(await sortedMembers(eng.id)).toEqual([user(0)])
      expect(await sortedMembers(ops.id)).toEqual([user(2)])
      expect(await sortedMembers(sales.id)).toEqual([user(2)])
      expect(await versionOf(sales.id)).toBe(salesVersion)
      expect(await names(`members[value eq ${JSON.stringify(user(1))}]`)).toEqual([])
      // Idempotent, and harmless for a user in no team.
      await store.removeUserFromTeams(user(1), context)
      await store.removeUserFromTeams(user(5), context)
      expect(await sortedMembers(eng.id)).toEqual([user(0)])
    })

    it('list pages through every team once with the total', async () => {
      for (const n of ['T1', 'T2', 'T3', 'T4', 'T5']) await create(n)
      const all = await names()
      expect([...all].sort()).toEqual(['T1', 'T2', 'T3', 'T4', 'T5'])
      const paged: string[] = []
      for (const startIndex of [1, 3, 5]) {
        const page = await store.list(listQuery(undefined, { startIndex, count: 2 }), context)
        expect(page.totalResults).toBe(5)
        paged.push(...page.resources.map((t) => t.displayName))
      }
      expect(paged).toEqual(all)
      const counted = await store.list(listQuery(undefined, { count: 0 }), context)
      expect(counted).toEqual({ totalResults: 5, resources: [] })
    })

    it('filter displayName eq compares case-insensitively', async () => {
      await create('Engineering')
      await create('Ops')
      expect(await names('displayName eq "engineering"')).toEqual(['Engineering'])
      expect(await names('displayName eq "ENGINEERING"')).toEqual(['Engineering'])
      expect(await names('displayName eq "nothing"')).toEqual([])
    })

    it('filter members[value eq "<id>"] and members.value eq find the teams of a user', async () => {
      await create('Eng', [user(0), user(1)])
      await create('Ops', [user(1)])
      await create('Sales', [user(2)])
      const id = JSON.stringify(user(1))
      expect((await names(`members[value eq ${id}]`)).sort()).toEqual(['Eng', 'Ops'])
      expect((await names(`members.value eq ${id}`)).sort()).toEqual(['Eng', 'Ops'])
      expect(await names(`displayName eq "eng" and members[value eq ${id}]`)).toEqual(['Eng'])
      expect(await names(`members[value eq ${JSON.stringify(user(5))}]`)).toEqual([])
      const counted = await store.list(listQuery(`members[value eq ${id}]`, { count: 0 }), context)
      expect(counted.totalResults).toBe(2)
    })

    it('filter externalId eq finds the team', async () => {
      await create('Eng', [], 'ext-eng')
      await create('Ops', [], 'EXT-ENG')
      expect(await names('externalId eq "ext-eng"')).toEqual(['Eng'])
    })

    it('sortBy displayName orders ascending and descending', async () => {
      for (const n of ['carol', 'alice', 'dave', 'bob']) await create(n)
      const sortBy = { kind: 'attributePath' as const, attribute: 'displayName' }
      expect(await names(undefined, { sortBy })).toEqual(['alice', 'bob', 'carol', 'dave'])
      expect(await names(undefined, { sortBy, sortOrder: 'descending' })).toEqual([
        'dave',
        'carol',
        'bob',
        'alice',
      ])
    })

    it('returns copies: changing a result or an argument changes nothing stored', async () => {
      const input = newTeam('Eng', 'ext-eng')
      const members = refs([user(0), user(1)])
      const team = await store.create(input, members, context)
      const { id, version } = team
      scribble(input)
      scribble(members)
      scribble(team)
      scribble((await store.get(id, context))!)
      for (const t of (await store.list(listQuery(), context)).resources) scribble(t)
      const page = await store.listMembers(id, { startIndex: 1, count: 10 }, context)
      for (const m of page?.resources ?? []) scribble(m)
      scribble((page?.resources ?? []) as object)
      const again = await store.get(id, context)
      expect(again).toMatchObject({ id, version, displayName: 'Eng', externalId: 'ext-eng' })
      expect(time(again!.created)).not.toBe(0)
      if (again?.document !== undefined) {
        expect(again.document).toMatchObject({ displayName: 'Eng' })
        expect(again.document.added).toBeUndefined()
      }
      expect(await sortedMembers(id)).toEqual([user(0), user(1)].sort())
    })

    isolation('tenants are isolated: another tenant sees nothing and may reuse the name', async () => {
      const team = await create('Eng', [user(0)])
      expect(isMissing(await store.get(team.id, other))).toBe(true)
      expect(await store.list(listQuery(), other)).toEqual({ totalResults: 0, resources: [] })
      expect(isMissing(await store.listMembers(team.id, { startIndex: 1, count: 10 }, other))).toBe(true)
      expect(isMissing(await store.update(team.id, newTeam('Mine'), team.version, other))).toBe(true)
      expect(await store.addMembers(team.id, refs([user(1)]), other)).toBe(false)
      expect(await store.removeMembers(team.id, [user(0)], other)).toBe(false)
      expect(await store.replaceMembers(team.id, [], other)).toBe(false)
      await store.removeUserFromTeams(user(0), other)
      expect(await store.delete(team.id, other)).toBe(false)
      const twin = await store.create(newTeam('eng'), [], other)
      expect(twin.id).not.toBe(team.id)
      expect(await store.get(team.id, context)).toMatchObject({ displayName: 'Eng', version: team.version })
      expect(await memberIds(team.id)).toEqual([user(0)])
    })

    it('concurrent addMembers of different users all land', async () => {
      const team = await create('Eng')
      const all = users.slice(0, TEAM_CONTRACT_USER_COUNT)
      const { succeeded } = await race(all.map((id) => () => store.addMembers(team.id, refs([id]), context)))
      expect(succeeded).toBe(all.length)
      expect(await sortedMembers(team.id)).toEqual([...all].sort())
    })

    it('concurrent creates of one name give exactly one team', async () => {
      const spellings = ['Dup', 'DUP', 'dup', 'dUp', 'duP', 'DuP']
      const { succeeded, statuses } = await race(
        spellings.map((n) => () => store.create(newTeam(n), [], context)),
      )
      expect(succeeded).toBe(1)
      expect(statuses).toEqual(spellings.slice(1).map(() => 409))
    })
  })
}
