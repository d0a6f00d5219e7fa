// Identity safety already guaranteed by the router: externalId stays an opaque string (CVE-2025-41115), and debug output never carries secrets.
import { captureDebugOutput } from '../helpers/debug-capture'
import {
  buildScimApp,
  client,
  createUser,
  expectScimErrorResponse,
  patchBody,
  userBody,
} from '../helpers/scim-app'

describe('externalId is an opaque client string (CVE-2025-41115 regression)', () => {
  it('numeric-looking externalIds and another user’s id create distinct users and change no one', async () => {
    const scim = buildScimApp()
    const api = client(scim)
    const adminId = await createUser(api, 'admin')
    const before = (await api.get(`/Users/${adminId}`).expect(200)).body
    const created: string[] = []
    for (const externalId of ['1', '0', 'u000000001', adminId, ` ${adminId}`, '01']) {
      const res = await api.post('/Users', userBody(`user-${created.length}`, { externalId }))
      expect(res.status).toBe(201)
      expect(res.body.id).not.toBe(adminId)
      expect(res.body.externalId).toBe(externalId)
      created.push(res.body.id)
    }
    expect(new Set(created).size).toBe(created.length)
    // The admin is untouched: same version, same attributes (the location's port is supertest's).
    const after = (await api.get(`/Users/${adminId}`).expect(200)).body
    const withoutLocation = (user: { meta: Record<string, unknown> }) => ({
      ...user,
      meta: { ...user.meta, location: undefined },
    })
    expect(withoutLocation(after)).toEqual(withoutLocation(before))
    expect(after.meta.version).toBe(before.meta.version)
    // An externalId never resolves as an id, and an id-shaped externalId finds only its owner.
    expectScimErrorResponse(await api.get('/Users/1'), 404)
    const byExternal = await api.get(`/Users?filter=${encodeURIComponent(`externalId eq "${adminId}"`)}`)
    expect(byExternal.body.Resources.map((u: { id: string }) => u.id)).toEqual([created[3]])
    // The same externalId again is a conflict, not an update of its owner.
    expectScimErrorResponse(
      await api.post('/Users', userBody('again', { externalId: '1' })),
      409,
      'uniqueness',
    )
  })

  it('externalId is compared case-sensitively and never coerced from a number', async () => {
    const api = client(buildScimApp())
    await createUser(api, 'a', { externalId: 'abc' })
    expect((await api.post('/Users', userBody('b', { externalId: 'ABC' }))).status).toBe(201)
    expectScimErrorResponse(await api.post('/Users', userBody('c', { externalId: 1 })), 400, 'invalidValue')
  })
})

describe('debug output', () => {
  const captured = captureDebugOutput()

  it('traces requests without tokens, filter values or passwords', async () => {
    const scim = buildScimApp({
      router: { onEvent: () => Promise.reject(new Error('hook failed with SECRET-IN-HOOK')) },
    })
    const api = client(scim)
    const id = await createUser(api, 'alice', { password: 'Pa55-SECRET-word' })
    await api.get(`/Users?filter=${encodeURIComponent('userName eq "FILTER-SECRET-VALUE"')}`).expect(200)
    await api.get(`/Users?filter=${encodeURIComponent('userName eq "BROKEN-SECRET')}`).expect(400)
    await api
      .patch(`/Users/${id}`, patchBody({ op: 'replace', path: 'password', value: 'N3w-SECRET-pass' }))
      .expect(200)
    await api.get('/Users').set('Authorization', 'Bearer WRONG-SECRET-TOKEN').expect(401)
    await api.get('/Users?access_token=QUERY-SECRET-TOKEN').set('Authorization', '').expect(401)

    const text = captured.join('\n')
    expect(text).toContain('express-scim:request')
    expect(text).toContain('/Users/:id')
    for (const secret of [
      'test-token',
      'WRONG-SECRET-TOKEN',
      'QUERY-SECRET-TOKEN',
      'FILTER-SECRET-VALUE',
      'BROKEN-SECRET',
      'Pa55-SECRET-word',
      'N3w-SECRET-pass',
      'SECRET-IN-HOOK',
    ]) {
      expect(text).not.toContain(secret)
    }
  })
})
