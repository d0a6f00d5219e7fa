// The grafana-host sessions on PGlite and the server: a token finds its session only while unrevoked, unexpired and its user active; SCIM revocation ends every session of the user, in its tenant only.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { SqlSessionStore } from '../../../examples/grafana-host/session-store'
import { SqlUserStore } from '../../../examples/grafana-host/user-store'
import { createTestContext } from '../../../lib/testing'
import type { StoredUser } from '../../../types/stores'
import { HOST_ENGINES, type HostDatabase } from '../../helpers/host-db'

describe.each(HOST_ENGINES)('grafana-host sessions on $name', ({ open }) => {
  let host: HostDatabase
  let users: SqlUserStore
  let sessions: SqlSessionStore
  let n = 0
  beforeAll(async () => {
    host = await open()
    users = new SqlUserStore(host.db)
    sessions = new SqlSessionStore(host.db, 'admin')
  })
  afterAll(async () => host?.close())

  const context = () => createTestContext(`s${++n}`)
  const provision = (ctx: ReturnType<typeof context>, userName: string): Promise<StoredUser> =>
    users.create({ userName, active: true, provisioned: true, document: { userName } }, ctx)

  it('finds a session by its token only, never by its stored id, and marks only the local admin as admin', async () => {
    const ctx = context()
    const alice = await provision(ctx, 'alice')
    const token = await sessions.start(ctx.tenant, alice.id)
    const session = await sessions.find(token)
    expect(session).toMatchObject({ userId: alice.id, login: 'alice', admin: false, tenant: ctx.tenant })
    expect(session?.id).not.toBe(token)
    expect(await sessions.find(session?.id ?? '')).toBeUndefined()
    // The same token with its last character changed (to one it cannot already be).
    expect(await sessions.find(`${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`)).toBeUndefined()
    const admin = await users.addLocalUser(ctx.tenant, { userName: 'admin' })
    expect((await sessions.find(await sessions.start(ctx.tenant, admin.id)))?.admin).toBe(true)
    // A provisioned user called admin is not the admin.
    const other = context()
    const impostor = await provision(other, 'admin')
    expect((await sessions.find(await sessions.start(other.tenant, impostor.id)))?.admin).toBe(false)
  })

  it('ends every session of a deactivated user at once, even before revocation runs', async () => {
    const ctx = context()
    const bob = await provision(ctx, 'bob')
    const tokens = [await sessions.start(ctx.tenant, bob.id), await sessions.start(ctx.tenant, bob.id)]
    await users.update(bob.id, { userName: 'bob', active: false, document: {} }, bob.version, ctx)
    for (const token of tokens) expect(await sessions.find(token)).toBeUndefined()
  })

  it('revokes every session of the user in its tenant, and nothing of another user or tenant', async () => {
    const ctx = context()
    const carol = await provision(ctx, 'carol')
    const dave = await provision(ctx, 'dave')
    const elsewhere = context()
    const carolThere = await provision(elsewhere, 'carol')
    const tokens = [await sessions.start(ctx.tenant, carol.id), await sessions.start(ctx.tenant, carol.id)]
    const daves = await sessions.start(ctx.tenant, dave.id)
    const theirs = await sessions.start(elsewhere.tenant, carolThere.id)
    expect((await sessions.active(ctx.tenant)).map((s) => s.login).sort()).toEqual(['carol', 'carol', 'dave'])
    await sessions.revokeUserSessions(carol.id, 'deactivated', ctx)
    await sessions.revokeUserSessions(carolThere.id, 'deactivated', ctx)
    for (const token of tokens) expect(await sessions.find(token)).toBeUndefined()
    expect(await sessions.find(daves)).toBeDefined()
    expect(await sessions.find(theirs)).toBeDefined()
    // Revoking again is harmless (the router revokes on every write that leaves a user inactive).
    await sessions.revokeUserSessions(carol.id, 'deactivated', ctx)
  })

  it('ends a session when it expires or is signed out', async () => {
    const ctx = context()
    const erin = await provision(ctx, 'erin')
    const past = new Date(Date.now() - 8 * 24 * 60 * 60 * 1000)
    expect(await sessions.find(await sessions.start(ctx.tenant, erin.id, past))).toBeUndefined()
    const token = await sessions.start(ctx.tenant, erin.id)
    const session = await sessions.find(token)
    await sessions.end(ctx.tenant, session?.id ?? '')
    expect(await sessions.find(token)).toBeUndefined()
  })

  it('ends a session 30 days after sign-in however often it is used', async () => {
    const ctx = context()
    const gina = await provision(ctx, 'gina')
    const day = 24 * 60 * 60 * 1000
    const start = Date.now() - 40 * day
    const token = await sessions.start(ctx.tenant, gina.id, new Date(start))
    for (const d of [6, 12, 18, 24, 29])
      expect(await sessions.find(token, new Date(start + d * day))).toBeDefined()
    expect(await sessions.find(token, new Date(start + 31 * day))).toBeUndefined()
  })

  it('ends every session of a user SCIM deletes', async () => {
    const ctx = context()
    const frank = await provision(ctx, 'frank')
    const token = await sessions.start(ctx.tenant, frank.id)
    await users.delete(frank.id, ctx)
    expect(await sessions.find(token)).toBeUndefined()
  })
})
