// createSamlLinker().link(): the full decision table (provisioned, local, unknown, refusals), tenancy, settings, and the linker never writing.
import { describe, expect, it, jest } from '@jest/globals'
import {
  type Awaitable,
  MemoryUserStore,
  type RequestContext,
  type StoredUser,
  type UserStore,
} from '../../lib'
import {
  createSamlLinker,
  isSamlLinkError,
  SamlLinkError,
  type SamlLinkErrorCode,
  type SamlLinkerOptions,
  type SamlProfile,
} from '../../lib/saml'

const TENANT = 'acme'
const OTHER_TENANT = 'globex'

const contextFor = (tenant: string): RequestContext => ({
  tenant,
  principal: { tenant, id: 'test' },
  requestId: 'test',
})

const STATUS: Record<SamlLinkErrorCode, number> = {
  ERR_EMPTY_EXTERNAL_UID: 401,
  ERR_MISMATCHED_IDENTITY: 401,
  ERR_INVALID_EXTERNAL_UID: 401,
  ERR_USER_DEACTIVATED: 403,
  ERR_USER_NOT_PROVISIONED: 403,
  ERR_UNKNOWN_USER: 403,
  ERR_NO_PROFILE: 401,
  ERR_SETTINGS_UNAVAILABLE: 503,
}

const MESSAGE: Record<SamlLinkErrorCode, string> = {
  ERR_EMPTY_EXTERNAL_UID: 'Empty externalUID',
  ERR_MISMATCHED_IDENTITY: 'Mismatched provisioned identity',
  ERR_INVALID_EXTERNAL_UID: 'Invalid externalUID',
  ERR_USER_DEACTIVATED: 'User is deactivated',
  ERR_USER_NOT_PROVISIONED: 'User is not provisioned',
  ERR_UNKNOWN_USER: 'User is not provisioned',
  ERR_NO_PROFILE: 'No SAML profile',
  ERR_SETTINGS_UNAVAILABLE: 'Login settings unavailable',
}

/** Awaits a refusal and checks everything a SamlLinkError promises, including that it names no profile value. */
async function refused(
  promise: Promise<unknown>,
  code: SamlLinkErrorCode,
  profile: SamlProfile = {},
): Promise<SamlLinkError> {
  const caught = await promise.then(
    (value) => {
      throw new Error(`expected ${code}, got ${JSON.stringify(value)}`)
    },
    (error: unknown) => error,
  )
  expect(caught).toBeInstanceOf(SamlLinkError)
  expect(caught).toBeInstanceOf(Error)
  expect(isSamlLinkError(caught)).toBe(true)
  const error = caught as SamlLinkError
  expect(error.name).toBe('SamlLinkError')
  expect(error.code).toBe(code)
  expect(error.message).toBe(MESSAGE[code])
  expect(error.status).toBe(STATUS[code])
  expect(error.statusCode).toBe(STATUS[code])
  expect(error.expose).toBe(STATUS[code] < 500)
  for (const value of Object.values(profile)) {
    if (typeof value === 'string' && value !== '') expect(error.message).not.toContain(value)
  }
  return error
}

function provision(
  store: MemoryUserStore,
  tenant: string,
  fields: { userName: string; externalId?: string; email?: string; active?: boolean; hidden?: boolean },
): StoredUser {
  return store.create(
    {
      userName: fields.userName,
      ...(fields.externalId === undefined ? {} : { externalId: fields.externalId }),
      ...(fields.email === undefined ? {} : { email: fields.email }),
      active: fields.active ?? true,
      ...(fields.hidden ? { hidden: true } : {}),
      document: {},
      provisioned: true,
    },
    contextFor(tenant),
  )
}

/**
 * The tenant `acme`: alice (provisioned, active), bob (provisioned, deactivated), carol (local, active),
 * dave (local, deactivated), erin (provisioned, hidden); findUser is the host's lookup by email.
 */
function setup(options: Partial<SamlLinkerOptions> = {}) {
  const store = new MemoryUserStore()
  const alice = provision(store, TENANT, {
    userName: 'alice',
    externalId: 'oid-alice',
    email: 'alice@example.com',
  })
  const bob = provision(store, TENANT, {
    userName: 'bob',
    externalId: 'oid-bob',
    email: 'bob@example.com',
    active: false,
  })
  const carol = store.addLocalUser(TENANT, { userName: 'carol', email: 'carol@example.com', active: true })
  const dave = store.addLocalUser(TENANT, { userName: 'dave', email: 'dave@example.com', active: false })
  const erin = provision(store, TENANT, {
    userName: 'erin',
    externalId: 'oid-erin',
    email: 'erin@example.com',
    active: false,
    hidden: true,
  })
  const findUser = jest.fn((profile: SamlProfile, context: RequestContext) =>
    store.findByEmail(context.tenant, String(profile.email ?? '')),
  )
  const linker = createSamlLinker({ userStore: store, findUser, ...options })
  return { store, findUser, linker, alice, bob, carol, dave, erin }
}

const acme = { tenant: TENANT }

/** A UserStore over `store` whose `findAllByExternalId` answers what `answer` says, whatever the uid. */
function storeWith(
  store: MemoryUserStore,
  answer: () => Awaitable<readonly StoredUser[]>,
): UserStore & Required<Pick<UserStore, 'findAllByExternalId'>> {
  return {
    create: (user, context) => store.create(user, context),
    get: (id, context) => store.get(id, context),
    list: (query, context) => store.list(query, context),
    update: (id, fields, version, context) => store.update(id, fields, version, context),
    delete: (id, context) => store.delete(id, context),
    findAllByExternalId: answer,
  }
}

describe('the uid names a provisioned user', () => {
  it('links the active provisioned user, owned by SCIM', async () => {
    const { linker, alice } = setup()
    const link = await linker.link({ userUID: 'oid-alice', email: 'alice@example.com' }, acme)
    expect(link).toEqual({
      kind: 'provisioned',
      user: alice,
      externalUid: 'oid-alice',
      mayUpdateFromAssertion: false,
    })
  })

  it('links by uid alone: without an email, and under rejectNonProvisionedUsers', async () => {
    for (const rejectNonProvisionedUsers of [false, true]) {
      const { linker, alice } = setup({ rejectNonProvisionedUsers })
      const link = await linker.link({ userUID: 'oid-alice' }, acme)
      expect(link.kind).toBe('provisioned')
      expect(link.kind === 'provisioned' && link.user.id).toBe(alice.id)
    }
  })

  it('links the uid’s user even when the profile’s email belongs to another user', async () => {
    const { linker, alice, carol, bob } = setup()
    const asCarol = await linker.link({ userUID: 'oid-alice', email: carol.email }, acme)
    expect(asCarol.kind).toBe('provisioned')
    expect(asCarol.kind === 'provisioned' && asCarol.user.id).toBe(alice.id)
    const asBob = await linker.link({ userUID: 'oid-alice', email: bob.email }, acme)
    expect(asBob.kind === 'provisioned' && asBob.user.id).toBe(alice.id)
  })

  it('refuses a deactivated provisioned user with 403 ERR_USER_DEACTIVATED', async () => {
    for (const rejectNonProvisionedUsers of [false, true]) {
      const { linker } = setup({ rejectNonProvisionedUsers })
      const profile = { userUID: 'oid-bob', email: 'bob@example.com' }
      await refused(linker.link(profile, acme), 'ERR_USER_DEACTIVATED', profile)
      // Whatever the email says.
      const other = { userUID: 'oid-bob', email: 'carol@example.com' }
      await refused(linker.link(other, acme), 'ERR_USER_DEACTIVATED', other)
    }
  })

  it('reads the uid from the configured attribute', async () => {
    const { store, alice } = setup()
    const linker = createSamlLinker({
      userStore: store,
      findUser: () => undefined,
      externalUidAttribute: { jsonPath: '$.attributes.objectId[0]' },
    })
    const link = await linker.link({ attributes: { objectId: ['oid-alice'] }, userUID: 'oid-bob' }, acme)
    expect(link.kind === 'provisioned' && link.user.id).toBe(alice.id)
  })
})

describe('the user findUser finds is provisioned, but the uid does not name it', () => {
  it('refuses a login without uid with 401 ERR_EMPTY_EXTERNAL_UID', async () => {
    for (const rejectNonProvisionedUsers of [false, true]) {
      const { linker } = setup({ rejectNonProvisionedUsers })
      for (const profile of [
        { email: 'alice@example.com' },
        { email: 'alice@example.com', userUID: '' },
        { email: 'alice@example.com', userUID: null },
        { email: 'alice@example.com', userUID: [] },
        { email: 'ALICE@example.com' },
      ]) {
        await refused(linker.link(profile, acme), 'ERR_EMPTY_EXTERNAL_UID', profile)
      }
    }
  })

  it('refuses a deactivated provisioned user found by email without uid with 401 ERR_EMPTY_EXTERNAL_UID', async () => {
    const { linker } = setup()
    await refused(linker.link({ email: 'bob@example.com' }, acme), 'ERR_EMPTY_EXTERNAL_UID')
  })

  it('refuses a uid that names nobody with 401 ERR_MISMATCHED_IDENTITY', async () => {
    for (const rejectNonProvisionedUsers of [false, true]) {
      const { linker } = setup({ rejectNonProvisionedUsers })
      const profile = { userUID: 'oid-someone-else', email: 'alice@example.com' }
      await refused(linker.link(profile, acme), 'ERR_MISMATCHED_IDENTITY', profile)
    }
  })

  it('compares the uid case-sensitively and untrimmed', async () => {
    const { linker } = setup()
    for (const userUID of ['OID-ALICE', 'Oid-alice', ' oid-alice', 'oid-alice ', 'oid-alice\n']) {
      const profile = { userUID, email: 'alice@example.com' }
      await refused(linker.link(profile, acme), 'ERR_MISMATCHED_IDENTITY', profile)
      // Without the email, nobody is found: the case-variant never links alice.
      expect(await linker.link({ userUID }, acme)).toEqual({
        kind: 'unknown',
        externalUid: userUID,
        mayUpdateFromAssertion: true,
      })
    }
  })

  it('is case-sensitive against a store holding both cases', async () => {
    const { store, linker } = setup()
    const lower = provision(store, TENANT, {
      userName: 'lower',
      externalId: 'abc',
      email: 'lower@example.com',
    })
    const upper = provision(store, TENANT, {
      userName: 'upper',
      externalId: 'ABC',
      email: 'upper@example.com',
    })
    const a = await linker.link({ userUID: 'abc', email: 'upper@example.com' }, acme)
    expect(a.kind === 'provisioned' && a.user.id).toBe(lower.id)
    const b = await linker.link({ userUID: 'ABC', email: 'lower@example.com' }, acme)
    expect(b.kind === 'provisioned' && b.user.id).toBe(upper.id)
    const profile = { userUID: 'Abc', email: 'lower@example.com' }
    await refused(linker.link(profile, acme), 'ERR_MISMATCHED_IDENTITY', profile)
  })

  it('never reads the uid as an id, a userName or an email', async () => {
    const { store, linker, alice, carol } = setup()
    const one = provision(store, TENANT, { userName: '1', externalId: 'oid-one', email: 'one@example.com' })
    for (const userUID of [alice.id, carol.id, one.id, '1', 'alice', 'alice@example.com', 'carol']) {
      const link = await linker.link({ userUID }, acme)
      expect(link).toEqual({ kind: 'unknown', externalUid: userUID, mayUpdateFromAssertion: true })
      const profile = { userUID, email: 'alice@example.com' }
      await refused(linker.link(profile, acme), 'ERR_MISMATCHED_IDENTITY', profile)
    }
  })

  it('refuses a number even when a user’s externalId is its string form', async () => {
    const { store, linker } = setup()
    provision(store, TENANT, { userName: 'numeric', externalId: '1', email: 'numeric@example.com' })
    const profile = { userUID: 1 as unknown as string }
    await refused(linker.link(profile, acme), 'ERR_INVALID_EXTERNAL_UID')
    const stringForm = await linker.link({ userUID: '1' }, acme)
    expect(stringForm.kind === 'provisioned' && stringForm.user.userName).toBe('numeric')
  })

  it('refuses two different uids with 401 ERR_INVALID_EXTERNAL_UID, even when one names the user', async () => {
    const { linker } = setup()
    const profile = { userUID: ['oid-alice', 'oid-bob'], email: 'alice@example.com' }
    await refused(linker.link(profile, acme), 'ERR_INVALID_EXTERNAL_UID')
  })
})

describe('local users', () => {
  it('lets a local user in while rejectNonProvisionedUsers is off', async () => {
    const { linker, carol } = setup()
    expect(await linker.link({ email: 'carol@example.com' }, acme)).toEqual({
      kind: 'local',
      user: carol,
      mayUpdateFromAssertion: true,
    })
    // A uid that names nobody is passed on.
    expect(await linker.link({ email: 'carol@example.com', userUID: 'oid-carol' }, acme)).toEqual({
      kind: 'local',
      user: carol,
      externalUid: 'oid-carol',
      mayUpdateFromAssertion: true,
    })
  })

  it('refuses a deactivated local user with 403 ERR_USER_DEACTIVATED', async () => {
    const { linker } = setup()
    const profile = { email: 'dave@example.com' }
    await refused(linker.link(profile, acme), 'ERR_USER_DEACTIVATED', profile)
  })

  it('refuses a local user under rejectNonProvisionedUsers with 403 ERR_USER_NOT_PROVISIONED', async () => {
    const { linker } = setup({ rejectNonProvisionedUsers: true })
    for (const profile of [{ email: 'carol@example.com' }, { email: 'carol@example.com', userUID: 'x' }]) {
      await refused(linker.link(profile, acme), 'ERR_USER_NOT_PROVISIONED', profile)
    }
  })

  it('never links a local user by its externalId', async () => {
    const { store, linker } = setup({ rejectNonProvisionedUsers: true })
    store.addLocalUser(TENANT, {
      userName: 'frank',
      externalId: 'oid-frank',
      email: 'frank@example.com',
      active: true,
    })
    await refused(linker.link({ userUID: 'oid-frank' }, acme), 'ERR_UNKNOWN_USER')
    await refused(
      linker.link({ userUID: 'oid-frank', email: 'frank@example.com' }, acme),
      'ERR_USER_NOT_PROVISIONED',
    )
  })
})

describe('nobody', () => {
  it('answers unknown while rejectNonProvisionedUsers is off (the host may JIT-create)', async () => {
    const { linker } = setup()
    expect(await linker.link({ email: 'new@example.com' }, acme)).toEqual({
      kind: 'unknown',
      mayUpdateFromAssertion: true,
    })
    expect(await linker.link({}, acme)).toEqual({ kind: 'unknown', mayUpdateFromAssertion: true })
    expect(await linker.link({ email: 'new@example.com', userUID: 'oid-new' }, acme)).toEqual({
      kind: 'unknown',
      externalUid: 'oid-new',
      mayUpdateFromAssertion: true,
    })
  })

  it('refuses under rejectNonProvisionedUsers with 403 ERR_UNKNOWN_USER and the local user’s message', async () => {
    const { linker } = setup({ rejectNonProvisionedUsers: true })
    for (const profile of [
      { email: 'new@example.com' },
      { email: 'new@example.com', userUID: 'oid-new' },
      {},
    ]) {
      const error = await refused(linker.link(profile, acme), 'ERR_UNKNOWN_USER', profile)
      expect(error.message).toBe(new SamlLinkError('ERR_USER_NOT_PROVISIONED').message)
    }
  })

  it('treats findUser answering null as nobody', async () => {
    const { store } = setup()
    const linker = createSamlLinker({ userStore: store, findUser: () => null })
    expect(await linker.link({ email: 'alice@example.com' }, acme)).toEqual({
      kind: 'unknown',
      mayUpdateFromAssertion: true,
    })
  })

  it('refuses a missing profile with 401 ERR_NO_PROFILE', async () => {
    const { linker } = setup()
    for (const profile of [undefined, null, 'alice', 1, ['oid-alice']]) {
      await refused(linker.link(profile as unknown as SamlProfile, acme), 'ERR_NO_PROFILE')
    }
  })
})

describe('hidden users', () => {
  it('refuses the uid of a hidden user with 403 ERR_USER_DEACTIVATED, whatever findUser answers (no JIT way back)', async () => {
    for (const rejectNonProvisionedUsers of [false, true]) {
      const { store, linker, carol } = setup({ rejectNonProvisionedUsers })
      // findUser (by email) finds nobody: without the linker's own look-up this was `unknown`, and a JIT host
      // created a fresh account for a person the IdP had deprovisioned.
      await refused(linker.link({ userUID: 'oid-erin' }, acme), 'ERR_USER_DEACTIVATED')
      await refused(
        linker.link({ userUID: 'oid-erin', email: 'new@example.com' }, acme),
        'ERR_USER_DEACTIVATED',
      )
      // Nor may the host's lookup steer it elsewhere: a local user, or findUser answering null.
      const viaLocal = createSamlLinker({
        userStore: store,
        findUser: () => carol,
        rejectNonProvisionedUsers,
      })
      await refused(viaLocal.link({ userUID: 'oid-erin' }, acme), 'ERR_USER_DEACTIVATED')
      const viaNull = createSamlLinker({ userStore: store, findUser: () => null, rejectNonProvisionedUsers })
      await refused(viaNull.link({ userUID: 'oid-erin' }, acme), 'ERR_USER_DEACTIVATED')
    }
  })

  it('a user SCIM created again with the hidden user’s uid signs in as the new user', async () => {
    const { store, linker, erin } = setup()
    const again = provision(store, TENANT, {
      userName: 'erin',
      externalId: 'oid-erin',
      email: 'erin@example.com',
    })
    expect(again.id).not.toBe(erin.id)
    const link = await linker.link({ userUID: 'oid-erin' }, acme)
    expect(link.kind === 'provisioned' && link.user.id).toBe(again.id)
  })

  it('compares the hidden user’s uid case-sensitively and only in its tenant', async () => {
    const { linker } = setup()
    expect((await linker.link({ userUID: 'OID-ERIN' }, acme)).kind).toBe('unknown')
    expect((await linker.link({ userUID: 'oid-erin' }, { tenant: OTHER_TENANT })).kind).toBe('unknown')
  })

  it('refuses a user SCIM deleted but the host keeps (hidden), whatever the assertion says: no JIT way back', async () => {
    const { store, erin } = setup()
    const hiddenLocal = store.addLocalUser(TENANT, { userName: 'gone', active: false, hidden: true })
    for (const hidden of [erin, hiddenLocal]) {
      const findUser = () => store.get(hidden.id, contextFor(TENANT))
      expect(findUser()?.hidden).toBe(true)
      const off = createSamlLinker({ userStore: store, findUser })
      await refused(off.link({}, acme), 'ERR_USER_DEACTIVATED')
      await refused(off.link({ userUID: 'oid-x' }, acme), 'ERR_USER_DEACTIVATED')
      const on = createSamlLinker({ userStore: store, findUser, rejectNonProvisionedUsers: true })
      await refused(on.link({}, acme), 'ERR_USER_DEACTIVATED')
    }
  })

  it('refuses a local user bound to another external uid (never rebound, as adoption refuses)', async () => {
    const { store } = setup()
    const bound = store.addLocalUser(TENANT, { userName: 'grace', externalId: 'oid-grace', active: true })
    const findUser = () => store.get(bound.id, contextFor(TENANT))
    const linker = createSamlLinker({ userStore: store, findUser })
    await refused(linker.link({ userUID: 'oid-other' }, acme), 'ERR_MISMATCHED_IDENTITY')
    expect(await linker.link({ userUID: 'oid-grace' }, acme)).toMatchObject({
      kind: 'local',
      externalUid: 'oid-grace',
    })
    expect(await linker.link({}, acme)).toMatchObject({ kind: 'local' })
  })

  it('a store with a looser list still never links a hidden, local or differently-cased user', async () => {
    const { store, alice, erin } = setup()
    const localWithUid = store.addLocalUser(TENANT, {
      userName: 'frank',
      externalId: 'oid-frank',
      active: true,
    })
    const upper = provision(store, TENANT, { userName: 'upper', externalId: 'OID-ALICE' })
    const everyone = [erin, localWithUid, upper, alice]
    // This store ignores the uid and answers every user, hidden and local ones included.
    const loose = storeWith(store, () => everyone)
    const linker = createSamlLinker({ userStore: loose, findUser: () => undefined })
    const linked = await linker.link({ userUID: 'oid-alice' }, acme)
    expect(linked.kind === 'provisioned' && linked.user.id).toBe(alice.id)
    for (const userUID of ['oid-frank', 'Oid-Alice']) {
      expect((await linker.link({ userUID }, acme)).kind).toBe('unknown')
    }
    await refused(linker.link({ userUID: 'oid-erin' }, acme), 'ERR_USER_DEACTIVATED')
  })

  it('reads a store answering null as nobody, and refuses a store answering something else than a list', async () => {
    const { store } = setup()
    const none = createSamlLinker({
      userStore: storeWith(store, () => null as unknown as StoredUser[]),
      findUser: () => undefined,
    })
    expect((await none.link({ userUID: 'oid-alice' }, acme)).kind).toBe('unknown')
    for (const answer of [{}, 'alice', 1]) {
      const odd = createSamlLinker({
        userStore: storeWith(store, () => answer as unknown as StoredUser[]),
        findUser: () => undefined,
      })
      await expect(odd.link({ userUID: 'oid-alice' }, acme)).rejects.toThrow(/findAllByExternalId/)
    }
  })

  it('refuses rather than guesses when the store answers two users with one externalId', async () => {
    const { store, alice } = setup()
    const twin = { ...alice, id: 'twin' }
    const broken = storeWith(store, () => [alice, twin])
    const linker = createSamlLinker({ userStore: broken, findUser: () => undefined })
    await refused(linker.link({ userUID: 'oid-alice' }, acme), 'ERR_MISMATCHED_IDENTITY')
  })
})

describe('tenancy', () => {
  it('never links a uid provisioned in another tenant', async () => {
    const { linker } = setup()
    expect(
      await linker.link({ userUID: 'oid-alice', email: 'alice@example.com' }, { tenant: OTHER_TENANT }),
    ).toEqual({ kind: 'unknown', externalUid: 'oid-alice', mayUpdateFromAssertion: true })
    const strict = setup({ rejectNonProvisionedUsers: true })
    await refused(strict.linker.link({ userUID: 'oid-alice' }, { tenant: OTHER_TENANT }), 'ERR_UNKNOWN_USER')
  })

  it('links each tenant’s own user for the same uid', async () => {
    const { store, linker, alice } = setup()
    const other = provision(store, OTHER_TENANT, {
      userName: 'alice',
      externalId: 'oid-alice',
      email: 'alice@example.com',
    })
    const here = await linker.link({ userUID: 'oid-alice' }, acme)
    const there = await linker.link({ userUID: 'oid-alice' }, { tenant: OTHER_TENANT })
    expect(here.kind === 'provisioned' && here.user.id).toBe(alice.id)
    expect(there.kind === 'provisioned' && there.user.id).toBe(other.id)
    expect(other.id).not.toBe(alice.id)
  })

  it('passes findUser the profile and a context scoped to the login’s tenant', async () => {
    const { linker, findUser } = setup()
    const profile = { email: 'new@example.com' }
    await linker.link(profile, { tenant: OTHER_TENANT, requestId: 'login-42' })
    expect(findUser).toHaveBeenCalledTimes(1)
    const [seenProfile, context] = findUser.mock.calls[0]!
    expect(seenProfile).toBe(profile)
    expect(context).toEqual({
      tenant: OTHER_TENANT,
      principal: expect.objectContaining({ tenant: OTHER_TENANT }),
      requestId: 'login-42',
    })
    await linker.link(profile, acme)
    const generated = findUser.mock.calls[1]![1]
    expect(generated.tenant).toBe(TENANT)
    expect(generated.principal.tenant).toBe(TENANT)
    expect(typeof generated.requestId).toBe('string')
    expect(generated.requestId).not.toBe('')
  })

  it('scopes the store lookup to the tenant', async () => {
    const { store } = setup()
    const lookup = jest.spyOn(store, 'findAllByExternalId')
    const linker = createSamlLinker({ userStore: store, findUser: () => undefined })
    await linker.link({ userUID: 'oid-alice' }, { tenant: OTHER_TENANT })
    expect(lookup).toHaveBeenCalledTimes(1)
    expect(lookup.mock.calls[0]![0]).toBe('oid-alice')
    expect(lookup.mock.calls[0]![1].tenant).toBe(OTHER_TENANT)
  })
})

describe('settings provider', () => {
  it('decides rejectNonProvisionedUsers per tenant, called with the tenant and a principal of it', async () => {
    const settings = jest.fn((tenant: string) => ({ rejectNonProvisionedUsers: tenant === TENANT }))
    const { store } = setup()
    const linker = createSamlLinker({
      userStore: store,
      findUser: (profile, context) => store.findByEmail(context.tenant, String(profile.email ?? '')),
      settings,
    })
    await refused(linker.link({ email: 'new@example.com' }, acme), 'ERR_UNKNOWN_USER')
    await refused(linker.link({ email: 'carol@example.com' }, acme), 'ERR_USER_NOT_PROVISIONED')
    expect(await linker.link({ email: 'new@example.com' }, { tenant: OTHER_TENANT })).toEqual({
      kind: 'unknown',
      mayUpdateFromAssertion: true,
    })
    expect(settings).toHaveBeenCalledWith(TENANT, expect.objectContaining({ tenant: TENANT }))
    expect(settings).toHaveBeenCalledWith(OTHER_TENANT, expect.objectContaining({ tenant: OTHER_TENANT }))
  })

  it('overrides the static switch in both directions', async () => {
    const { store } = setup()
    const findUser = () => undefined
    const allow = createSamlLinker({
      userStore: store,
      findUser,
      rejectNonProvisionedUsers: true,
      settings: async () => ({ rejectNonProvisionedUsers: false }),
    })
    expect((await allow.link({}, acme)).kind).toBe('unknown')
    const deny = createSamlLinker({
      userStore: store,
      findUser,
      rejectNonProvisionedUsers: false,
      settings: async () => ({ rejectNonProvisionedUsers: true }),
    })
    await refused(deny.link({}, acme), 'ERR_UNKNOWN_USER')
  })

  it('answering without rejectNonProvisionedUsers keeps the static switch, as the router does', async () => {
    const { store } = setup()
    const findUser = () => undefined
    const keepStatic = createSamlLinker({
      userStore: store,
      findUser,
      rejectNonProvisionedUsers: true,
      settings: () => ({ userSyncEnabled: true }),
    })
    await refused(keepStatic.link({}, acme), 'ERR_UNKNOWN_USER')
    const defaultOff = createSamlLinker({ userStore: store, findUser, settings: () => ({}) })
    expect((await defaultOff.link({}, acme)).kind).toBe('unknown')
  })

  it.each<[string, SamlLinkerOptions['settings']]>([
    [
      'throws',
      () => {
        throw new Error('settings db down')
      },
    ],
    ['rejects', () => Promise.reject(new Error('settings db down'))],
    ['answers a string', () => ({ rejectNonProvisionedUsers: 'false' as unknown as boolean })],
    ['answers a number', () => ({ rejectNonProvisionedUsers: 0 as unknown as boolean })],
    ['answers null for the switch', () => ({ rejectNonProvisionedUsers: null as unknown as boolean })],
    ['answers null', () => null as unknown as object],
    ['answers nothing', () => undefined as unknown as object],
  ])('fails closed with 503 ERR_SETTINGS_UNAVAILABLE when the provider %s', async (_, settings) => {
    const { store } = setup()
    const linker = createSamlLinker({
      userStore: store,
      findUser: (profile, context) => store.findByEmail(context.tenant, String(profile.email ?? '')),
      settings,
    })
    const error = await refused(linker.link({ email: 'new@example.com' }, acme), 'ERR_SETTINGS_UNAVAILABLE')
    expect(error.expose).toBe(false)
    expect(error.message).not.toContain('settings db down')
    await refused(linker.link({ email: 'carol@example.com' }, acme), 'ERR_SETTINGS_UNAVAILABLE')
  })
})

describe('the linker never writes', () => {
  it('SAML attributes never overwrite SCIM-owned fields: no store write, versions unchanged', async () => {
    const { store, alice, bob, carol, dave, erin } = setup()
    const users = [alice, bob, carol, dave, erin]
    const snapshot = () => users.map((user) => store.get(user.id, contextFor(TENANT)))
    const before = snapshot()
    const update = jest.spyOn(store, 'update')
    const create = jest.spyOn(store, 'create')
    const remove = jest.spyOn(store, 'delete')
    const addLocal = jest.spyOn(store, 'addLocalUser')
    for (const rejectNonProvisionedUsers of [false, true]) {
      const linker = createSamlLinker({
        userStore: store,
        findUser: (profile, context) => store.findByEmail(context.tenant, String(profile.email ?? '')),
        rejectNonProvisionedUsers,
      })
      // The assertion claims other SCIM-owned values for alice: none of them reach the store.
      const link = await linker.link(
        {
          userUID: 'oid-alice',
          email: 'attacker@example.com',
          userName: 'root',
          displayName: 'Someone Else',
          active: false,
        },
        acme,
      )
      expect(link.kind).toBe('provisioned')
      expect(link.mayUpdateFromAssertion).toBe(false)
      expect(link.kind === 'provisioned' && link.user).toEqual(alice)
      const profiles: SamlProfile[] = [
        { userUID: 'oid-bob' },
        { email: 'alice@example.com' },
        { email: 'alice@example.com', userUID: 'other' },
        { email: 'carol@example.com', userUID: 'oid-carol', displayName: 'Renamed' },
        { email: 'dave@example.com', active: true },
        { userUID: 'oid-erin' },
        { email: 'new@example.com', userUID: 'oid-new' },
      ]
      for (const profile of profiles) await linker.link(profile, acme).catch(() => undefined)
    }
    expect(update).not.toHaveBeenCalled()
    expect(create).not.toHaveBeenCalled()
    expect(remove).not.toHaveBeenCalled()
    expect(addLocal).not.toHaveBeenCalled()
    const after = snapshot()
    expect(after).toEqual(before)
    expect(after.map((user) => user?.version)).toEqual(users.map((user) => user.version))
    expect(store.size(TENANT)).toBe(users.length)
    expect(store.findByExternalId(TENANT, 'oid-carol')).toBeUndefined()
  })

  it('a local link hands the host the stored user, not the assertion’s values', async () => {
    const { linker, carol } = setup()
    const link = await linker.link({ email: 'carol@example.com', displayName: 'Renamed', userUID: 'u' }, acme)
    expect(link.kind === 'local' && link.user).toEqual(carol)
  })
})

describe('store and host errors', () => {
  it('propagates the store’s lookup error unchanged', async () => {
    const { store } = setup()
    const failure = new Error('database unavailable')
    jest.spyOn(store, 'findAllByExternalId').mockImplementation(() => {
      throw failure
    })
    const linker = createSamlLinker({ userStore: store, findUser: () => undefined })
    await expect(linker.link({ userUID: 'oid-alice' }, acme)).rejects.toBe(failure)
  })

  it('propagates an asynchronous store rejection unchanged', async () => {
    const { store } = setup()
    const failure = new Error('timeout')
    const failing = storeWith(store, () => Promise.reject(failure))
    const linker = createSamlLinker({ userStore: failing, findUser: () => undefined })
    const caught = await linker.link({ userUID: 'oid-alice' }, acme).catch((error: unknown) => error)
    expect(caught).toBe(failure)
    expect(isSamlLinkError(caught)).toBe(false)
  })

  it('propagates findUser’s errors unchanged', async () => {
    const { store } = setup()
    const failure = new Error('host lookup failed')
    const sync = createSamlLinker({
      userStore: store,
      findUser: () => {
        throw failure
      },
    })
    await expect(sync.link({ email: 'alice@example.com' }, acme)).rejects.toBe(failure)
    const async = createSamlLinker({ userStore: store, findUser: () => Promise.reject(failure) })
    await expect(async.link({ email: 'alice@example.com' }, acme)).rejects.toBe(failure)
  })
})

describe('options', () => {
  const store = new MemoryUserStore()
  const findUser = () => undefined

  it.each<[string, unknown, RegExp]>([
    ['no options', undefined, /options object/],
    ['null', null, /options object/],
    ['no userStore', { findUser }, /userStore/],
    ['a userStore that is not an object', { userStore: 'users', findUser }, /userStore/],
    ['a userStore without findAllByExternalId()', { userStore: {}, findUser }, /findAllByExternalId/],
    ['no findUser', { userStore: store }, /findUser/],
    ['a findUser that is not a function', { userStore: store, findUser: 'email' }, /findUser/],
    [
      'a string rejectNonProvisionedUsers',
      { userStore: store, findUser, rejectNonProvisionedUsers: 'true' },
      /rejectNonProvisionedUsers/,
    ],
    [
      'a null rejectNonProvisionedUsers',
      { userStore: store, findUser, rejectNonProvisionedUsers: null },
      /rejectNonProvisionedUsers/,
    ],
    [
      'object settings',
      { userStore: store, findUser, settings: { rejectNonProvisionedUsers: true } },
      /settings/,
    ],
    ['null settings', { userStore: store, findUser, settings: null }, /settings/],
    [
      'an empty externalUidAttribute',
      { userStore: store, findUser, externalUidAttribute: '' },
      /externalUid/,
    ],
    [
      'a filter JSONPath',
      { userStore: store, findUser, externalUidAttribute: { jsonPath: '$.a[?(@.b)]' } },
      /filter or script/,
    ],
  ])('throws a TypeError for %s', (_, options, message) => {
    expect(() => createSamlLinker(options as SamlLinkerOptions)).toThrow(TypeError)
    expect(() => createSamlLinker(options as SamlLinkerOptions)).toThrow(message)
  })

  it('link() without a tenant is a TypeError', async () => {
    const linker = createSamlLinker({ userStore: store, findUser })
    for (const target of [undefined, null, {}, { tenant: '' }, { tenant: 1 }, 'acme']) {
      await expect(linker.link({ userUID: 'x' }, target as unknown as { tenant: string })).rejects.toThrow(
        TypeError,
      )
    }
  })
})

describe('a store without findAllByExternalId', () => {
  it('is refused at construction with a TypeError naming the method: the linker fails closed', () => {
    const store = new MemoryUserStore()
    const withoutLookup: UserStore = {
      create: (user, context) => store.create(user, context),
      get: (id, context) => store.get(id, context),
      list: (query, context) => store.list(query, context),
      update: (id, fields, version, context) => store.update(id, fields, version, context),
      delete: (id, context) => store.delete(id, context),
    }
    const build = () =>
      createSamlLinker({
        userStore: withoutLookup as SamlLinkerOptions['userStore'],
        findUser: () => undefined,
      })
    expect(build).toThrow(TypeError)
    expect(build).toThrow(/findAllByExternalId/)
    const notAFunction = { ...withoutLookup, findAllByExternalId: true }
    expect(() =>
      createSamlLinker({
        userStore: notAFunction as unknown as SamlLinkerOptions['userStore'],
        findUser: () => undefined,
      }),
    ).toThrow(/findAllByExternalId/)
  })
})
