// Runs the store contract suites against the memory stores, then tests what only the memory stores promise.
import { isScimError } from '../../lib/errors'
import * as evaluate from '../../lib/filter/evaluate'
import * as representation from '../../lib/representation/resources'
import { USER_SCHEMA } from '../../lib/schema/core'
import { createSchemaRegistry } from '../../lib/schema/registry'
import { MemorySessionRevoker } from '../../lib/stores/memory-sessions'
import { MemoryTeamStore } from '../../lib/stores/memory-teams'
import { MemoryUserStore } from '../../lib/stores/memory-users'
import { createTestContext, describeTeamStoreContract, describeUserStoreContract } from '../../lib/testing'
import { listQuery as query } from '../../lib/testing/shared'
import type { AttributePath } from '../../types/filter'
import type { NewUser, StoredUser, TeamStore } from '../../types/stores'
import { teamStoreOver } from '../helpers/scim-app'

describeUserStoreContract('MemoryUserStore', () => {
  const store = new MemoryUserStore()
  return { store, addLocalUser: (user, context) => store.addLocalUser(context.tenant, user) }
})

describeUserStoreContract('MemoryUserStore with the host registry and explicit tenants', () => ({
  store: new MemoryUserStore({ registry: createSchemaRegistry() }),
  context: createTestContext('acme'),
  otherTenantContext: createTestContext('globex'),
}))

describeUserStoreContract(
  'MemoryUserStore with userNameEmailNamespace: separate',
  () => {
    const store = new MemoryUserStore({ userNameEmailNamespace: 'separate' })
    return { store, addLocalUser: (user, context) => store.addLocalUser(context.tenant, user) }
  },
  { userNameEmailNamespace: 'separate' },
)

// A store without the optional applyChange must pass the suite too: every method but that one.
describeTeamStoreContract('a TeamStore without applyChange', ({ userCount }) => {
  const context = createTestContext('acme')
  const users = new MemoryUserStore()
  const ids = Array.from({ length: userCount }, (_, i) => users.create(user(`member${i}`), context).id)
  const teams = new MemoryTeamStore()
  const store: TeamStore = teamStoreOver(teams)
  return { store, users: ids, context }
})

describeTeamStoreContract('MemoryTeamStore', ({ userCount }) => {
  const context = createTestContext('acme')
  const users = new MemoryUserStore()
  const ids = Array.from({ length: userCount }, (_, i) => users.create(user(`member${i}`), context).id)
  return { store: new MemoryTeamStore(), users: ids, context }
})

const acme = createTestContext('acme')
const globex = createTestContext('globex')

function user(userName: string, extra: Partial<NewUser> = {}): NewUser {
  return {
    provisioned: true,
    userName,
    active: true,
    document: { schemas: [USER_SCHEMA], userName },
    ...extra,
  }
}

const path = (attribute: string, subAttribute?: string): AttributePath =>
  subAttribute === undefined
    ? { kind: 'attributePath', attribute }
    : { kind: 'attributePath', attribute, subAttribute }

const userNames = (page: { resources: readonly StoredUser[] }) => page.resources.map((u) => u.userName)

function statusOf(fn: () => unknown): number | undefined {
  try {
    fn()
  } catch (error) {
    if (isScimError(error)) return error.status
    throw error
  }
  return undefined
}

afterEach(() => {
  jest.restoreAllMocks()
})

describe('memory stores: options and the production warning', () => {
  it.each([
    ['a number', 5],
    ['null', null],
    ['an unknown option', { registy: createSchemaRegistry() }],
    ['a registry that is not one', { registry: {} }],
  ])('throws TypeError on %s', (_label, options) => {
    expect(() => new MemoryUserStore(options as never)).toThrow(TypeError)
    expect(() => new MemoryTeamStore(options as never)).toThrow(TypeError)
  })

  it('accepts no options, empty options and a registry', () => {
    expect(() => new MemoryUserStore()).not.toThrow()
    expect(() => new MemoryTeamStore({})).not.toThrow()
    expect(() => new MemoryUserStore({ registry: createSchemaRegistry() })).not.toThrow()
  })

  it('MemoryUserStore takes userNameEmailNamespace: shared or separate, nothing else; MemoryTeamStore not at all', () => {
    for (const userNameEmailNamespace of ['shared', 'separate', undefined] as const) {
      expect(
        () => new MemoryUserStore({ userNameEmailNamespace, registry: createSchemaRegistry() }),
      ).not.toThrow()
    }
    for (const bad of ['Shared', 'off', true, false, null, 0]) {
      expect(() => new MemoryUserStore({ userNameEmailNamespace: bad as never })).toThrow(
        /MemoryUserStore "userNameEmailNamespace" must be 'shared' or 'separate'/,
      )
    }
    expect(() => new MemoryUserStore({ userNameEmailNamespaces: 'separate' } as never)).toThrow(
      /unknown MemoryUserStore option "userNameEmailNamespaces"/,
    )
    expect(() => new MemoryUserStore({ userNameEmailNamespace: 'separate', registy: 1 } as never)).toThrow(
      /unknown MemoryUserStore option "registy"/,
    )
    expect(() => new MemoryTeamStore({ userNameEmailNamespace: 'separate' } as never)).toThrow(TypeError)
  })

  it('warns in production, once per store, with a code; stays quiet otherwise', () => {
    const saved = process.env.NODE_ENV
    const warn = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined)
    try {
      process.env.NODE_ENV = 'test'
      new MemoryUserStore()
      expect(warn).not.toHaveBeenCalled()
      process.env.NODE_ENV = 'production'
      new MemoryUserStore()
      new MemoryTeamStore()
      new MemorySessionRevoker()
      expect(warn).toHaveBeenCalledTimes(3)
      expect(warn).toHaveBeenNthCalledWith(
        1,
        expect.stringMatching(
          /^express-scim: MemoryUserStore keeps users in memory.*use a database-backed UserStore in production$/,
        ),
        { code: 'EXPRESS_SCIM_MEMORY_STORE' },
      )
      expect(warn).toHaveBeenNthCalledWith(2, expect.stringContaining('MemoryTeamStore'), {
        code: 'EXPRESS_SCIM_MEMORY_STORE',
      })
      expect(warn).toHaveBeenNthCalledWith(3, expect.stringContaining('MemorySessionRevoker'), {
        code: 'EXPRESS_SCIM_MEMORY_STORE',
      })
    } finally {
      process.env.NODE_ENV = saved
    }
  })

  it('keeps each instance its own: two stores share nothing', () => {
    const a = new MemoryUserStore()
    const b = new MemoryUserStore()
    const created = a.create(user('alice'), acme)
    expect(b.get(created.id, acme)).toBeUndefined()
    expect(() => b.create(user('alice'), acme)).not.toThrow()
  })

  it('rejects a context without a tenant', () => {
    const store = new MemoryUserStore()
    expect(() => store.get('x', { principal: { tenant: 'a' }, requestId: 'r' } as never)).toThrow(TypeError)
  })
})

describe('MemoryUserStore', () => {
  it('is synchronous: every method returns its value, not a promise', () => {
    const store = new MemoryUserStore()
    const created = store.create(user('alice'), acme)
    expect(created.userName).toBe('alice')
    expect(store.list(query(), acme).totalResults).toBe(1)
    expect(store.delete(created.id, acme)).toBe(true)
  })

  it('lists in creation order by default, and updates keep a user in its place', () => {
    const store = new MemoryUserStore()
    const [c, a, b] = ['carol', 'alice', 'bob'].map((n) => store.create(user(n), acme))
    store.update(a!.id, user('alice2'), a!.version, acme)
    store.delete(c!.id, acme)
    store.create(user('dave'), acme)
    expect(userNames(store.list(query(), acme))).toEqual(['alice2', 'bob', 'dave'])
    expect(b).toBeDefined()
  })

  it('sorts case-insensitively for caseExact: false attributes, by code point, ties in creation order', () => {
    const store = new MemoryUserStore()
    for (const [name, display] of [
      ['u1', 'bob'],
      ['u2', 'Alice'],
      ['u3', 'carol'],
      ['u4', 'alice'],
      ['u5', undefined],
      ['u6', '\u{1F600}'],
      ['u7', '\uFFFD'],
    ] as const) {
      store.create(user(name, display === undefined ? {} : { displayName: display }), acme)
    }
    const sortBy = path('displayName')
    expect(userNames(store.list(query(undefined, { sortBy }), acme))).toEqual([
      'u2',
      'u4',
      'u1',
      'u3',
      'u7',
      'u6',
      'u5',
    ])
    // Descending reverses the keys, puts missing values first, and keeps ties in creation order.
    expect(userNames(store.list(query(undefined, { sortBy, sortOrder: 'descending' }), acme))).toEqual([
      'u5',
      'u6',
      'u7',
      'u3',
      'u1',
      'u2',
      'u4',
    ])
  })

  it('sorts a multi-valued attribute by its primary value, else the first', () => {
    const store = new MemoryUserStore()
    store.create(
      user('u1', {
        document: {
          emails: [
            { value: 'z@example.com', type: 'home' },
            { value: 'a@example.com', type: 'work', primary: true },
          ],
        },
      }),
      acme,
    )
    store.create(
      user('u2', { document: { emails: [{ value: 'm@example.com' }, { value: 'b@example.com' }] } }),
      acme,
    )
    store.create(user('u3'), acme)
    const sorted = (sortBy: AttributePath) => userNames(store.list(query(undefined, { sortBy }), acme))
    expect(sorted(path('emails', 'value'))).toEqual(['u1', 'u2', 'u3'])
    expect(sorted(path('emails'))).toEqual(['u1', 'u2', 'u3'])
  })

  it('sorts by booleans and dateTimes, and keeps creation order for an unsortable path', () => {
    const store = new MemoryUserStore()
    store.create(user('u1', { active: true }), acme)
    store.create(user('u2', { active: false }), acme)
    store.create(user('u3', { active: true }), acme)
    expect(userNames(store.list(query(undefined, { sortBy: path('active') }), acme))).toEqual([
      'u2',
      'u1',
      'u3',
    ])
    expect(userNames(store.list(query(undefined, { sortBy: path('meta', 'created') }), acme))).toEqual([
      'u1',
      'u2',
      'u3',
    ])
    expect(userNames(store.list(query(undefined, { sortBy: path('name') }), acme))).toEqual([
      'u1',
      'u2',
      'u3',
    ])
    expect(userNames(store.list(query(undefined, { sortBy: path('nonsense') }), acme))).toEqual([
      'u1',
      'u2',
      'u3',
    ])
  })

  it('reads startIndex below 1 as 1 and a negative count as 0', () => {
    const store = new MemoryUserStore()
    for (const n of ['u1', 'u2', 'u3']) store.create(user(n), acme)
    expect(userNames(store.list(query(undefined, { startIndex: 0, count: 2 }), acme))).toEqual(['u1', 'u2'])
    expect(store.list(query(undefined, { count: -1 }), acme)).toEqual({ totalResults: 3, resources: [] })
  })

  it('answers userName / externalId / id eq from the indexes, without compiling or building views', () => {
    const store = new MemoryUserStore()
    let target: StoredUser | undefined
    for (let i = 0; i < 50_000; i++) {
      const created = store.create(user(`user${i}`, { externalId: `ext-${i}` }), acme)
      if (i === 31_337) target = created
    }
    const compile = jest.spyOn(evaluate, 'compileFilter')
    const view = jest.spyOn(representation, 'userResource')
    expect(userNames(store.list(query('userName eq "USER31337"'), acme))).toEqual(['user31337'])
    expect(userNames(store.list(query('externalId eq "ext-31337"'), acme))).toEqual(['user31337'])
    expect(userNames(store.list(query(`id eq "${target!.id}"`), acme))).toEqual(['user31337'])
    expect(
      userNames(
        store.list(query(`urn:ietf:params:scim:schemas:core:2.0:User:userName eq "user31337"`), acme),
      ),
    ).toEqual(['user31337'])
    expect(
      userNames(store.list(query('userName eq "user31337" and externalId eq "ext-31337"'), acme)),
    ).toEqual(['user31337'])
    expect(store.list(query('userName eq "user31337" and externalId eq "ext-1"'), acme).totalResults).toBe(0)
    expect(compile).not.toHaveBeenCalled()
    expect(view).not.toHaveBeenCalled()
    // An indexed term and-ed with another: compiled once, evaluated on the one candidate only.
    expect(userNames(store.list(query('userName eq "user31337" and active eq true'), acme))).toEqual([
      'user31337',
    ])
    expect(compile).toHaveBeenCalledTimes(1)
    expect(view).toHaveBeenCalledTimes(1)
  })

  it('compiles any other filter once per list call', () => {
    const store = new MemoryUserStore()
    for (let i = 0; i < 20; i++) store.create(user(`user${i}`, { active: i % 2 === 0 }), acme)
    const compile = jest.spyOn(evaluate, 'compileFilter')
    expect(store.list(query('active eq false'), acme).totalResults).toBe(10)
    expect(compile).toHaveBeenCalledTimes(1)
  })

  it('checks an invalid filter even when the tenant has no users', () => {
    const store = new MemoryUserStore()
    expect(statusOf(() => store.list(query('password eq "x"'), acme))).toBe(400)
    expect(statusOf(() => store.list(query('nosuch eq "x"'), acme))).toBe(400)
  })

  it('filters on host extension attributes with the registry it was given', () => {
    const registry = createSchemaRegistry({
      extensions: [
        {
          resourceType: 'User',
          schema: {
            id: 'urn:acme:params:scim:schemas:extension:2.0:User',
            name: 'Acme',
            attributes: [{ name: 'badge', type: 'string' }],
          },
        },
      ],
    })
    const store = new MemoryUserStore({ registry })
    const ext = 'urn:acme:params:scim:schemas:extension:2.0:User'
    store.create(user('alice', { document: { [ext]: { badge: 'B-1' } } }), acme)
    store.create(user('bob', { document: { [ext]: { badge: 'B-2' } } }), acme)
    expect(userNames(store.list(query(`${ext}:badge eq "b-2"`), acme))).toEqual(['bob'])
    expect(statusOf(() => new MemoryUserStore().list(query(`${ext}:badge eq "b-2"`), acme))).toBe(400)
  })

  it('hidden users free their userName and externalId, and findExisting leaves them out', () => {
    const store = new MemoryUserStore()
    const alice = store.create(user('alice', { externalId: 'ext-a' }), acme)
    const bob = store.create(user('bob'), acme)
    store.update(
      alice.id,
      user('alice', { externalId: 'ext-a', active: false, hidden: true }),
      alice.version,
      acme,
    )
    expect(store.findExisting([alice.id, bob.id, bob.id, 'nope'], acme)).toEqual([bob.id])
    expect(store.findByUserName('acme', 'Alice')).toBeUndefined()
    // RFC 7644 §3.6: a deleted resource is out of conflict calculations; a new Alice may come.
    const again = store.create(user('ALICE', { externalId: 'ext-a' }), acme)
    expect(store.findByUserName('acme', 'alice')?.id).toBe(again.id)
    expect(store.findByExternalId('acme', 'ext-a')?.id).toBe(again.id)
    expect(store.get(alice.id, acme)?.hidden).toBe(true)
    expect(store.size('acme')).toBe(3)
  })

  it('keeps passwords only as digests: verifyPassword, never returned, kept across updates without one', () => {
    const store = new MemoryUserStore()
    const created = store.create(
      user('alice', { password: 'hunter2', document: { userName: 'alice', password: 'hunter2' } }),
      acme,
    )
    expect(JSON.stringify(created)).not.toContain('hunter2')
    expect(JSON.stringify(store.get(created.id, acme))).not.toContain('hunter2')
    expect(store.verifyPassword('acme', created.id, 'hunter2')).toBe(true)
    expect(store.verifyPassword('acme', created.id, 'Hunter2')).toBe(false)
    expect(store.verifyPassword('globex', created.id, 'hunter2')).toBe(false)
    expect(store.verifyPassword('acme', 'nope', 'hunter2')).toBe(false)
    const renamed = store.update(created.id, user('alice2'), created.version, acme)!
    expect(store.verifyPassword('acme', created.id, 'hunter2')).toBe(true)
    store.update(created.id, user('alice2', { password: 'correct horse' }), renamed.version, acme)
    expect(store.verifyPassword('acme', created.id, 'hunter2')).toBe(false)
    expect(store.verifyPassword('acme', created.id, 'correct horse')).toBe(true)
    const nopass = store.create(user('bob'), acme)
    expect(store.verifyPassword('acme', nopass.id, '')).toBe(false)
    store.delete(created.id, acme)
    expect(store.verifyPassword('acme', created.id, 'correct horse')).toBe(false)
  })

  it('addLocalUser creates a user with provisioned: false, which plain updates keep', () => {
    const store = new MemoryUserStore()
    const local = store.addLocalUser('acme', { userName: 'admin', active: true, email: 'admin@example.com' })
    expect(local).toMatchObject({
      provisioned: false,
      userName: 'admin',
      email: 'admin@example.com',
      document: {},
    })
    expect(statusOf(() => store.create(user('ADMIN'), acme))).toBe(409)
    expect(statusOf(() => store.create(user('other', { email: 'ADMIN@example.com' }), acme))).toBe(409)
    const { provisioned: _, ...fields } = user('admin', { externalId: 'entra-1' })
    const updated = store.update(local.id, fields, local.version, acme)
    expect(updated).toMatchObject({ provisioned: false, externalId: 'entra-1' })
    expect(
      statusOf(() => store.addLocalUser('acme', { userName: 'x', active: true, externalId: 'entra-1' })),
    ).toBe(409)
    expect(() => store.addLocalUser(5 as never, { userName: 'x', active: true })).toThrow(TypeError)
  })

  it('local users stay out of list and findExisting until an update with provisioned: true adopts them', () => {
    const store = new MemoryUserStore()
    const local = store.addLocalUser('acme', { userName: 'jit', active: true, email: 'jit@example.com' })
    const scim = store.create(user('scim'), acme)
    expect(store.list(query(), acme).resources.map((u) => u.userName)).toEqual(['scim'])
    expect(store.list(query('userName eq "jit"'), acme)).toEqual({ totalResults: 0, resources: [] })
    expect(store.findExisting([local.id, scim.id], acme)).toEqual([scim.id])
    expect(store.get(local.id, acme)).toMatchObject({ provisioned: false })
    const adopted = store.update(local.id, user('jit', { externalId: 'e-1' }), local.version, acme)
    expect(adopted).toMatchObject({ provisioned: true, externalId: 'e-1', created: local.created })
    expect(store.list(query('userName eq "jit"'), acme).totalResults).toBe(1)
    expect(store.findExisting([local.id], acme)).toEqual([local.id])
  })

  it('findByUserNameOrEmail finds local and provisioned users by either value, case-insensitively', () => {
    const store = new MemoryUserStore()
    const local = store.addLocalUser('acme', { userName: 'jit', active: true, email: 'Jit@Example.com' })
    const scim = store.create(user('scim', { email: 'scim@example.com' }), acme)
    store.create(user('hidden', { email: 'gone@example.com', hidden: true }), acme)
    const ids = (userName: string, email?: string) =>
      store.findByUserNameOrEmail(userName, email, acme).map((u) => u.id)
    expect(ids('JIT')).toEqual([local.id])
    expect(ids('nobody', 'jit@example.COM')).toEqual([local.id])
    expect(ids('jit', 'scim@example.com')).toEqual([local.id, scim.id])
    expect(ids('hidden', 'gone@example.com')).toEqual([])
    expect(store.findByUserNameOrEmail('jit', undefined, globex)).toEqual([])
    expect(store.findByEmail('acme', 'JIT@example.com')?.id).toBe(local.id)
    expect(store.findByEmail('globex', 'jit@example.com')).toBeUndefined()
  })

  it('login and email share one namespace by default, apart with userNameEmailNamespace: separate', () => {
    const shared = new MemoryUserStore()
    shared.create(user('carol', { email: 'carol@x.example' }), acme)
    shared.addLocalUser('acme', { userName: 'admin@x.example', active: true })
    expect(statusOf(() => shared.create(user('CAROL@X.example'), acme))).toBe(409)
    expect(statusOf(() => shared.create(user('mallory', { email: 'Admin@x.example' }), acme))).toBe(409)
    expect(shared.create(user('carol@x.example', { email: 'other@x.example' }), globex).userName).toBe(
      'carol@x.example',
    )
    const holders = shared.findByUserNameOrEmail('CAROL@x.example', 'ADMIN@x.example', acme)
    expect(holders.map((u) => u.userName).sort()).toEqual(['admin@x.example', 'carol'])
    // An email that folds to the userName is still checked against both names of every other user.
    shared.create(user('dave@x.example', { email: 'dave@x.example' }), acme)
    expect(statusOf(() => shared.create(user('Carol@X.example', { email: 'carol@x.EXAMPLE' }), acme))).toBe(
      409,
    )
    expect(statusOf(() => shared.create(user('DAVE@x.example', { email: 'Dave@X.example' }), acme))).toBe(409)
    expect(statusOf(() => shared.create(user('admin@X.example', { email: 'ADMIN@x.example' }), acme))).toBe(
      409,
    )
    const separate = new MemoryUserStore({ userNameEmailNamespace: 'separate' })
    separate.create(user('carol', { email: 'carol@x.example' }), acme)
    expect(statusOf(() => separate.create(user('Dan', { email: 'CAROL@x.example' }), acme))).toBe(409)
    expect(statusOf(() => separate.create(user('carol@x.example', { email: 'carol@x.example' }), acme))).toBe(
      409,
    )
    expect(separate.create(user('CAROL@X.example'), acme).userName).toBe('CAROL@X.example')
    expect(separate.findByUserNameOrEmail('nobody', 'carol', acme)).toEqual([])
  })

  it('folds userNames and emails with foldCase(): final sigma is sigma, ß stays apart from ss', () => {
    const store = new MemoryUserStore()
    const sigma = store.create(user('ODYSSEUS-\u039f\u0394\u039f\u03a3'), acme)
    expect(statusOf(() => store.create(user('odysseus-\u03bf\u03b4\u03bf\u03c3'), acme))).toBe(409)
    expect(store.findByUserName('acme', 'odysseus-\u03bf\u03b4\u03bf\u03c3')?.id).toBe(sigma.id)
    expect(userNames(store.list(query('userName eq "odysseus-\u03bf\u03b4\u03bf\u03c3"'), acme))).toEqual([
      sigma.userName,
    ])
    store.create(user('stra\u00dfe'), acme)
    expect(store.create(user('STRASSE'), acme).userName).toBe('STRASSE')
    const email = store.create(user('e', { email: '\u03a0\u039f\u039b\u03a5\u03a3@x.example' }), acme)
    expect(store.findByEmail('acme', '\u03c0\u03bf\u03bb\u03c5\u03c3@x.example')?.id).toBe(email.id)
  })

  it('findAllByExternalId finds visible and hidden holders from the indexes, and is synchronous', () => {
    const store = new MemoryUserStore()
    const alice = store.create(user('alice', { externalId: 'oid-a' }), acme)
    const hidden = store.update(
      alice.id,
      user('alice', { externalId: 'oid-a', active: false, hidden: true }),
      alice.version,
      acme,
    )!
    expect(store.findByExternalId('acme', 'oid-a')).toBeUndefined()
    expect(store.findAllByExternalId('oid-a', acme)).toEqual([hidden])
    const again = store.create(user('alice', { externalId: 'oid-a' }), acme)
    expect(store.findAllByExternalId('oid-a', acme).map((u) => u.id)).toEqual([again.id, alice.id])
    expect(store.findAllByExternalId('oid-a', globex)).toEqual([])
    expect(store.findAllByExternalId(1 as never, acme)).toEqual([])
    // Copies: changing a result changes nothing stored.
    const [first] = store.findAllByExternalId('oid-a', acme)
    ;(first as { userName: string }).userName = 'changed'
    expect(store.get(again.id, acme)?.userName).toBe('alice')
    store.delete(alice.id, acme)
    expect(store.findAllByExternalId('oid-a', acme).map((u) => u.id)).toEqual([again.id])
  })

  it('findByExternalId is case-sensitive, findByUserName case-insensitive, both per tenant', () => {
    const store = new MemoryUserStore()
    store.create(user('Alice', { externalId: 'Ext-1' }), acme)
    expect(store.findByExternalId('acme', 'Ext-1')?.userName).toBe('Alice')
    expect(store.findByExternalId('acme', 'ext-1')).toBeUndefined()
    expect(store.findByExternalId('globex', 'Ext-1')).toBeUndefined()
    expect(store.findByUserName('acme', 'ALICE')?.externalId).toBe('Ext-1')
    expect(store.findByUserName('globex', 'alice')).toBeUndefined()
    expect(store.size('acme')).toBe(1)
    expect(store.size('globex')).toBe(0)
  })

  it('reading an unknown tenant creates nothing', () => {
    const store = new MemoryUserStore()
    expect(store.list(query('userName eq "x"'), globex)).toEqual({ totalResults: 0, resources: [] })
    expect(store.get('x', globex)).toBeUndefined()
    expect(store.findExisting(['x'], globex)).toEqual([])
    expect(store.size('globex')).toBe(0)
  })

  it('gives exactly one of 50 concurrent creates of one userName in different cases', async () => {
    const store = new MemoryUserStore()
    const spellings = Array.from({ length: 50 }, (_, i) =>
      [...'concurrent'].map((ch, j) => ((i >> (j % 6)) & 1 ? ch.toUpperCase() : ch)).join(''),
    )
    const outcomes = await Promise.allSettled(
      spellings.map((name) => Promise.resolve().then(() => store.create(user(name), acme))),
    )
    const rejected = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected')
    expect(outcomes.length - rejected.length).toBe(1)
    expect(rejected).toHaveLength(49)
    for (const r of rejected) expect(r.reason).toMatchObject({ status: 409, scimType: 'uniqueness' })
    expect(store.size('acme')).toBe(1)
  })

  it('versions are strings that change on every write', () => {
    const store = new MemoryUserStore()
    const a = store.create(user('a'), acme)
    const b = store.update(a.id, user('a'), a.version, acme)!
    const c = store.update(a.id, user('a'), b.version, acme)!
    expect(new Set([a.version, b.version, c.version]).size).toBe(3)
    expect(typeof c.version).toBe('string')
    expect(c.lastModified).toBeInstanceOf(Date)
  })
})

describe('MemoryTeamStore', () => {
  const team = (displayName: string, externalId?: string) =>
    externalId === undefined
      ? { provisioned: true as const, displayName, document: { displayName } }
      : { provisioned: true as const, displayName, externalId, document: { displayName } }
  const refs = (ids: readonly string[]) => ids.map((value) => ({ value }))
  const names = (page: { resources: readonly { displayName: string }[] }) =>
    page.resources.map((t) => t.displayName)

  it('folds team names with foldCase(): final sigma is sigma, ß stays apart from ss', () => {
    const store = new MemoryTeamStore()
    const sigma = store.create(team('\u039f\u0394\u039f\u03a3'), [], acme)
    expect(statusOf(() => store.create(team('\u03bf\u03b4\u03bf\u03c3'), [], acme))).toBe(409)
    expect(names(store.list(query('displayName eq "\u03bf\u03b4\u03bf\u03c3"'), acme))).toEqual([
      sigma.displayName,
    ])
    const other = store.create(team('Other'), [], acme)
    expect(
      statusOf(() => store.update(other.id, team('\u03bf\u03b4\u03bf\u03c3'), other.version, acme)),
    ).toBe(409)
    store.create(team('Stra\u00dfe'), [], acme)
    expect(store.create(team('STRASSE'), [], acme).displayName).toBe('STRASSE')
  })

  it('gives each team a distinct random version 4 UUID, as the user store does', () => {
    const store = new MemoryTeamStore()
    const ids = Array.from({ length: 300 }, (_, i) => store.create(team(`Team ${i}`), [], acme).id)
    for (const id of ids)
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
    expect(new Set(ids).size).toBe(ids.length)
  })

  it('lets two teams share an externalId', () => {
    const store = new MemoryTeamStore()
    store.create(team('Eng', 'same'), [], acme)
    expect(() => store.create(team('Ops', 'same'), [], acme)).not.toThrow()
    expect(names(store.list(query('externalId eq "same"'), acme))).toEqual(['Eng', 'Ops'])
  })

  it('keeps member displays, drops members from the stored document', () => {
    const store = new MemoryTeamStore()
    const created = store.create(
      { provisioned: true, displayName: 'Eng', document: { displayName: 'Eng', members: [{ value: 'u1' }] } },
      [{ value: 'u1', display: 'Alice' }, { value: 'u2' }],
      acme,
    )
    expect(created.document).toEqual({ displayName: 'Eng' })
    expect(store.listMembers(created.id, { startIndex: 1, count: 10 }, acme)?.resources).toEqual([
      { value: 'u1', display: 'Alice' },
      { value: 'u2' },
    ])
  })

  it('a membership change that changes nothing keeps the version', () => {
    const store = new MemoryTeamStore()
    const created = store.create(team('Eng'), refs(['u1']), acme)
    store.addMembers(created.id, refs(['u1']), acme)
    store.removeMembers(created.id, ['u9'], acme)
    store.replaceMembers(created.id, refs(['u1']), acme)
    store.removeUserFromTeams('u9', acme)
    expect(store.get(created.id, acme)?.version).toBe(created.version)
  })

  it('replaceMembers keeps the kept members in place and appends the new ones', () => {
    const store = new MemoryTeamStore()
    const created = store.create(team('Eng'), refs(['u1', 'u2', 'u3']), acme)
    store.replaceMembers(created.id, refs(['u4', 'u3', 'u1']), acme)
    const page = store.listMembers(created.id, { startIndex: 1, count: 10 }, acme)
    expect(page?.resources.map((m) => m.value)).toEqual(['u1', 'u3', 'u4'])
    expect(store.teamsOfUser('acme', 'u2')).toEqual([])
    expect(store.teamsOfUser('acme', 'u4')).toEqual([created.id])
  })

  it('keeps the user → teams index in step with creates, changes and deletes', () => {
    const store = new MemoryTeamStore()
    const eng = store.create(team('Eng'), refs(['u1', 'u2']), acme)
    const ops = store.create(team('Ops'), refs(['u1']), acme)
    expect(store.teamsOfUser('acme', 'u1')).toEqual([eng.id, ops.id])
    store.delete(eng.id, acme)
    expect(store.teamsOfUser('acme', 'u1')).toEqual([ops.id])
    expect(store.teamsOfUser('acme', 'u2')).toEqual([])
    store.removeUserFromTeams('u1', acme)
    expect(store.teamsOfUser('acme', 'u1')).toEqual([])
    expect(store.memberCount('acme', ops.id)).toBe(0)
    expect(store.memberCount('acme', eng.id)).toBeUndefined()
    expect(store.memberCount('globex', ops.id)).toBeUndefined()
  })

  it('pages a 100,000-member team, and counts it without reading it', () => {
    const store = new MemoryTeamStore()
    const ids = Array.from({ length: 100_000 }, (_, i) => `u${i}`)
    const created = store.create(team('Everyone'), refs(ids), acme)
    expect(store.listMembers(created.id, { startIndex: 1, count: 0 }, acme)).toEqual({
      totalResults: 100_000,
      resources: [],
    })
    const last = store.listMembers(created.id, { startIndex: 99_999, count: 10 }, acme)
    expect(last?.resources.map((m) => m.value)).toEqual(['u99998', 'u99999'])
    store.addMembers(created.id, refs(['new']), acme)
    expect(store.memberCount('acme', created.id)).toBe(100_001)
    store.removeMembers(created.id, ['u0'], acme)
    expect(store.listMembers(created.id, { startIndex: 1, count: 1 }, acme)?.resources).toEqual([
      { value: 'u1' },
    ])
  })

  it('answers member-id filters from the reverse index, without building views', () => {
    const store = new MemoryTeamStore()
    const eng = store.create(team('Eng'), refs(['u1', 'u2']), acme)
    store.create(team('Ops'), refs(['u2']), acme)
    const view = jest.spyOn(representation, 'groupResource')
    const compile = jest.spyOn(evaluate, 'compileFilter')
    expect(names(store.list(query('members[value eq "u2"]'), acme))).toEqual(['Eng', 'Ops'])
    expect(names(store.list(query('members eq "u1"'), acme))).toEqual(['Eng'])
    expect(names(store.list(query('displayName eq "OPS"'), acme))).toEqual(['Ops'])
    expect(names(store.list(query(`id eq "${eng.id}" and members.value eq "u2"`), acme))).toEqual(['Eng'])
    expect(view).not.toHaveBeenCalled()
    expect(compile).not.toHaveBeenCalled()
  })

  it('evaluates other member filters with the members, and others without them', () => {
    const store = new MemoryTeamStore()
    store.create(team('Eng'), [{ value: 'u1', display: 'Alice' }], acme)
    store.create(team('Ops'), [{ value: 'u2', display: 'Bob' }], acme)
    store.create(team('Empty'), [], acme)
    const view = jest.spyOn(representation, 'groupResource')
    expect(names(store.list(query('members[display eq "alice"]'), acme))).toEqual(['Eng'])
    expect(names(store.list(query('not (members pr)'), acme))).toEqual(['Empty'])
    expect(names(store.list(query('not (members[value eq "u1"])'), acme))).toEqual(['Ops', 'Empty'])
    expect(view.mock.calls.every((call) => call[1] !== undefined)).toBe(true)
    view.mockClear()
    expect(names(store.list(query('displayName sw "e"'), acme))).toEqual(['Eng', 'Empty'])
    expect(view.mock.calls.every((call) => call[1] === undefined)).toBe(true)
  })

  it('takes 100 concurrent addMembers of different users', async () => {
    const store = new MemoryTeamStore()
    const created = store.create(team('Eng'), [], acme)
    const ids = Array.from({ length: 100 }, (_, i) => `user-${i}`)
    await Promise.all(
      ids.map((id) => Promise.resolve().then(() => store.addMembers(created.id, refs([id]), acme))),
    )
    const page = store.listMembers(created.id, { startIndex: 1, count: 1000 }, acme)
    expect(page?.totalResults).toBe(100)
    expect(page?.resources.map((m) => m.value).sort()).toEqual([...ids].sort())
    expect(store.get(created.id, acme)?.version).not.toBe(created.version)
  })

  it('creates nothing when a member id is not a string', () => {
    const store = new MemoryTeamStore()
    expect(() => store.create(team('Eng'), [{ value: 5 as never }], acme)).toThrow(TypeError)
    expect(store.list(query(), acme).totalResults).toBe(0)
  })
})

describe('MemorySessionRevoker', () => {
  it('tracks sessions and revokes every session of a user in the tenant, idempotently', () => {
    const sessions = new MemorySessionRevoker()
    const s1 = sessions.createSession('acme', 'u1')
    const s2 = sessions.createSession('acme', 'u1')
    const s3 = sessions.createSession('acme', 'u2')
    const s4 = sessions.createSession('globex', 'u1')
    expect(s1).not.toBe(s2)
    expect(sessions.sessionsOf('acme', 'u1')).toEqual([s1, s2])
    expect(sessions.isSessionActive(s1)).toBe(true)
    expect(sessions.sessionOwner(s3)).toEqual({ tenant: 'acme', userId: 'u2' })

    sessions.revokeUserSessions('u1', 'deactivated', acme)
    expect(sessions.isSessionActive(s1)).toBe(false)
    expect(sessions.isSessionActive(s2)).toBe(false)
    expect(sessions.isSessionActive(s3)).toBe(true)
    expect(sessions.isSessionActive(s4)).toBe(true)
    expect(sessions.sessionsOf('acme', 'u1')).toEqual([])
    expect(sessions.revocationCount('acme', 'u1')).toBe(1)
    expect(sessions.lastRevocation('acme', 'u1')).toMatchObject({ reason: 'deactivated', sessionsEnded: 2 })

    sessions.revokeUserSessions('u1', 'deleted', acme)
    expect(sessions.revocationCount('acme', 'u1')).toBe(2)
    expect(sessions.lastRevocation('acme', 'u1')).toMatchObject({ reason: 'deleted', sessionsEnded: 0 })
    expect(sessions.revocationCount('globex', 'u1')).toBe(0)
    expect(sessions.lastRevocation('globex', 'u1')).toBeUndefined()
  })

  it('revokes a user that never had a session, and lets the host end one session', () => {
    const sessions = new MemorySessionRevoker()
    expect(() => sessions.revokeUserSessions('nobody', 'deleted', acme)).not.toThrow()
    expect(sessions.revocationCount('acme', 'nobody')).toBe(1)
    const s = sessions.createSession('acme', 'u1')
    expect(sessions.endSession(s)).toBe(true)
    expect(sessions.endSession(s)).toBe(false)
    expect(sessions.isSessionActive(s)).toBe(false)
    expect(sessions.isSessionActive('never-issued')).toBe(false)
    expect(sessions.sessionOwner(s)).toBeUndefined()
  })
})
