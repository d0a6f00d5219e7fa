// isUserActive() and the race it closes: a login linked just before SCIM deactivates the user gets a session that dies on first use.
import { describe, expect, it, jest } from '@jest/globals'
import express, { type NextFunction, type Request, type Response } from 'express'
import request from 'supertest'
import {
  type MemorySessionRevoker,
  MemoryUserStore,
  type RequestContext,
  type StoredUser,
  type UserStore,
} from '../../lib'
import { createSamlLinker, isUserActive } from '../../lib/saml'
import { buildScimApp, client, createUser, patchBody, TENANT } from '../helpers/scim-app'

const contextFor = (tenant: string): RequestContext => ({
  tenant,
  principal: { tenant, id: 'test' },
  requestId: 'test',
})

function provision(
  store: MemoryUserStore,
  tenant: string,
  userName: string,
  fields: { active?: boolean; hidden?: boolean } = {},
): StoredUser {
  return store.create(
    {
      userName,
      externalId: `oid-${userName}`,
      active: fields.active ?? true,
      ...(fields.hidden ? { hidden: true } : {}),
      document: {},
      provisioned: true,
    },
    contextFor(tenant),
  )
}

describe('isUserActive', () => {
  const store = new MemoryUserStore()
  const alice = provision(store, TENANT, 'alice')
  const bob = provision(store, TENANT, 'bob', { active: false })
  const erin = provision(store, TENANT, 'erin', { active: true, hidden: true })
  const carol = store.addLocalUser(TENANT, { userName: 'carol', active: true })
  const dave = store.addLocalUser(TENANT, { userName: 'dave', active: false })

  it('is true for an active user, provisioned or local', async () => {
    expect(await isUserActive(store, TENANT, alice.id)).toBe(true)
    expect(await isUserActive(store, TENANT, carol.id)).toBe(true)
  })

  it('is false for a deactivated user', async () => {
    expect(await isUserActive(store, TENANT, bob.id)).toBe(false)
    expect(await isUserActive(store, TENANT, dave.id)).toBe(false)
  })

  it('is false for a hidden user, even one stored as active', async () => {
    expect(store.get(erin.id, contextFor(TENANT))).toMatchObject({ active: true, hidden: true })
    expect(await isUserActive(store, TENANT, erin.id)).toBe(false)
  })

  it('is false for an unknown id and for another tenant’s user', async () => {
    expect(await isUserActive(store, TENANT, 'no-such-user')).toBe(false)
    expect(await isUserActive(store, 'globex', alice.id)).toBe(false)
    expect(await isUserActive(store, TENANT, 'oid-alice')).toBe(false)
    expect(await isUserActive(store, TENANT, 'alice')).toBe(false)
  })

  it('is false for empty or non-string ids and tenants, without asking the store', async () => {
    const get = jest.fn((id: string, context: RequestContext) => store.get(id, context))
    const spy: Pick<UserStore, 'get'> = { get }
    expect(await isUserActive(spy, TENANT, '')).toBe(false)
    expect(await isUserActive(spy, '', alice.id)).toBe(false)
    expect(await isUserActive(spy, undefined as unknown as string, alice.id)).toBe(false)
    expect(await isUserActive(spy, TENANT, undefined as unknown as string)).toBe(false)
    expect(await isUserActive(spy, TENANT, 1 as unknown as string)).toBe(false)
    expect(get).not.toHaveBeenCalled()
  })

  it('asks the store for the user in the tenant', async () => {
    const get = jest.fn((id: string, context: RequestContext) => store.get(id, context))
    expect(await isUserActive({ get }, TENANT, alice.id)).toBe(true)
    expect(get).toHaveBeenCalledTimes(1)
    expect(get.mock.calls[0]![0]).toBe(alice.id)
    expect(get.mock.calls[0]![1]).toMatchObject({ tenant: TENANT, principal: { tenant: TENANT } })
  })

  it('only a boolean true is active', async () => {
    const answer = (user: unknown): Pick<UserStore, 'get'> => ({ get: () => user as StoredUser })
    expect(await isUserActive(answer(null), TENANT, 'x')).toBe(false)
    expect(await isUserActive(answer({ ...alice, active: 'true' }), TENANT, 'x')).toBe(false)
    expect(await isUserActive(answer({ ...alice, active: 1 }), TENANT, 'x')).toBe(false)
    expect(await isUserActive(answer({ ...alice }), TENANT, 'x')).toBe(true)
  })

  it('propagates store errors unchanged', async () => {
    const failure = new Error('database unavailable')
    const throwing: Pick<UserStore, 'get'> = {
      get: () => {
        throw failure
      },
    }
    await expect(isUserActive(throwing, TENANT, alice.id)).rejects.toBe(failure)
    const rejecting: Pick<UserStore, 'get'> = { get: () => Promise.reject(failure) }
    await expect(isUserActive(rejecting, TENANT, alice.id)).rejects.toBe(failure)
  })
})

/**
 * The host: a session id in `X-Session-Id`, its owner from the MemorySessionRevoker, and `isUserActive`
 * on every request. A session whose user is no longer active is ended and answered 401.
 */
function hostApp(userStore: MemoryUserStore, sessions: MemorySessionRevoker) {
  const app = express()
  const sessionCheck = async (req: Request, res: Response, next: NextFunction) => {
    const sessionId = req.get('X-Session-Id') ?? ''
    const owner = sessions.sessionOwner(sessionId)
    if (!owner) {
      res.status(401).json({ error: 'no session' })
      return
    }
    const active = await isUserActive(userStore, owner.tenant, owner.userId).catch(() => false)
    if (!active) {
      sessions.endSession(sessionId)
      res.status(401).json({ error: 'session ended' })
      return
    }
    res.locals.userId = owner.userId
    next()
  }
  app.get('/me', sessionCheck, (_req: Request, res: Response) => {
    res.json({ userId: res.locals.userId })
  })
  return app
}

describe('a login in flight while SCIM deactivates the user', () => {
  const email = (value: string) => ({ emails: [{ value, type: 'work', primary: true }] })

  async function world(routerOptions: Parameters<typeof buildScimApp>[0] = {}) {
    const scim = buildScimApp(routerOptions)
    const api = client(scim)
    const aliceId = await createUser(api, 'alice', { externalId: 'oid-alice', ...email('alice@example.com') })
    const carolId = await createUser(api, 'carol', { externalId: 'oid-carol', ...email('carol@example.com') })
    const linker = createSamlLinker({
      userStore: scim.userStore,
      findUser: (profile, context) => scim.userStore.findByEmail(context.tenant, String(profile.email ?? '')),
    })
    const host = hostApp(scim.userStore, scim.sessions)
    const me = (sessionId: string) => request(host).get('/me').set('X-Session-Id', sessionId)
    return { scim, api, aliceId, carolId, linker, me }
  }

  it('the session created after the revocation dies on first use; an active user’s session passes', async () => {
    const { scim, api, aliceId, carolId, linker, me } = await world()

    // 1. The login passes the linker while alice is still active.
    const link = await linker.link({ userUID: 'oid-alice', email: 'alice@example.com' }, { tenant: TENANT })
    expect(link.kind).toBe('provisioned')
    expect(link.kind === 'provisioned' && link.user.id).toBe(aliceId)
    expect(link.kind === 'provisioned' && link.user.active).toBe(true)

    // 2. SCIM deactivates alice: the router revokes her sessions, and there are none yet.
    await api
      .patch(`/Users/${aliceId}`, patchBody({ op: 'replace', path: 'active', value: false }))
      .expect(200)
    expect(scim.sessions.revocationCount(TENANT, aliceId)).toBe(1)
    expect(scim.sessions.lastRevocation(TENANT, aliceId)).toMatchObject({
      reason: 'deactivated',
      sessionsEnded: 0,
    })

    // 3. The host finishes the login that already passed: the revocation could not see this session.
    const late = scim.sessions.createSession(TENANT, aliceId)
    expect(scim.sessions.isSessionActive(late)).toBe(true)
    expect(scim.sessions.sessionsOf(TENANT, aliceId)).toEqual([late])

    // 4. Its first use is refused and ends it.
    const first = await me(late)
    expect(first.status).toBe(401)
    expect(first.body).toEqual({ error: 'session ended' })
    expect(scim.sessions.isSessionActive(late)).toBe(false)
    expect(scim.sessions.sessionsOf(TENANT, aliceId)).toEqual([])
    expect((await me(late)).status).toBe(401)

    // An active user's session passes, and keeps passing.
    const carolSession = scim.sessions.createSession(TENANT, carolId)
    for (let i = 0; i < 2; i += 1) {
      const res = await me(carolSession)
      expect(res.status).toBe(200)
      expect(res.body).toEqual({ userId: carolId })
    }
    expect(scim.sessions.isSessionActive(carolSession)).toBe(true)

    // A new login of alice is refused by the linker itself.
    await expect(linker.link({ userUID: 'oid-alice' }, { tenant: TENANT })).rejects.toMatchObject({
      code: 'ERR_USER_DEACTIVATED',
      status: 403,
    })
  })

  it('a session created before the deactivation is revoked by SCIM itself', async () => {
    const { scim, api, aliceId, me } = await world()
    const early = scim.sessions.createSession(TENANT, aliceId)
    expect((await me(early)).status).toBe(200)
    await api
      .patch(`/Users/${aliceId}`, patchBody({ op: 'replace', path: 'active', value: false }))
      .expect(200)
    expect(scim.sessions.lastRevocation(TENANT, aliceId)).toMatchObject({ sessionsEnded: 1 })
    expect(scim.sessions.isSessionActive(early)).toBe(false)
    expect((await me(early)).body).toEqual({ error: 'no session' })
  })

  it.each(['delete', 'disable'] as const)(
    'a session created after a SCIM DELETE (userDeletion %s) dies on first use',
    async (userDeletion) => {
      const { scim, api, aliceId, linker, me } = await world({ router: { userDeletion } })
      const link = await linker.link({ userUID: 'oid-alice' }, { tenant: TENANT })
      expect(link.kind).toBe('provisioned')
      await api.delete(`/Users/${aliceId}`).expect(204)
      const late = scim.sessions.createSession(TENANT, aliceId)
      expect((await me(late)).status).toBe(401)
      expect(scim.sessions.isSessionActive(late)).toBe(false)
    },
  )
})

describe('the next SAML login of a user SCIM deleted with userDeletion: disable', () => {
  it('is refused with 403 "User is deactivated", not handed to JIT sign-up as unknown', async () => {
    const scim = buildScimApp({ router: { userDeletion: 'disable' } })
    const api = client(scim)
    const aliceId = await createUser(api, 'alice', {
      externalId: 'oid-alice',
      emails: [{ value: 'alice@example.com', type: 'work', primary: true }],
    })
    // A JIT host looks the person up by email, as most do: after the DELETE it finds nobody.
    const linker = createSamlLinker({
      userStore: scim.userStore,
      findUser: (profile, context) => scim.userStore.findByEmail(context.tenant, String(profile.email ?? '')),
    })
    await api.delete(`/Users/${aliceId}`).expect(204)
    expect(scim.userStore.findByEmail(TENANT, 'alice@example.com')).toBeUndefined()
    for (const profile of [{ userUID: 'oid-alice' }, { userUID: 'oid-alice', email: 'alice@example.com' }]) {
      await expect(linker.link(profile, { tenant: TENANT })).rejects.toMatchObject({
        code: 'ERR_USER_DEACTIVATED',
        status: 403,
        message: 'User is deactivated',
      })
    }
    // The IdP provisioning the person again makes them a new, linkable user.
    const againId = await createUser(api, 'alice', { externalId: 'oid-alice' })
    const link = await linker.link({ userUID: 'oid-alice' }, { tenant: TENANT })
    expect(link.kind === 'provisioned' && link.user.id).toBe(againId)
  })
})
