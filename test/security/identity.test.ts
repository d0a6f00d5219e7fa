// Identity safety already guaranteed by the router: externalId stays an opaque string (CVE-2025-41115), and debug output never carries secrets.
import { captureDebugOutput } from '../helpers/debug-capture'
import {
  buildScimApp,
  client,
  createGroup,
  createUser,
  expectScimErrorResponse,
  groupBody,
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

/** Invisible or look-alike spellings of one name, each a POST /Users body's userName that must be refused. */
const BAD_USER_NAMES: readonly [string, string][] = [
  ['the empty string', ''],
  ['only spaces', '   '],
  ['only a tab', '\t'],
  ['NFD (e + combining acute)', 'jose\u0301'],
  ['a zero-width space', 'jo\u200bse'],
  ['a zero-width joiner', 'jo\u200dse'],
  ['a zero-width non-joiner', 'jo\u200cse'],
  ['a soft hyphen', 'jo\u00adse'],
  ['a byte order mark', '\ufeffjose'],
  ['a right-to-left override', 'jose\u202e'],
  ['a Hangul filler', 'jose\u3164'],
  ['fullwidth letters', '\uff52\uff4f\uff4f\uff54'],
  ['mathematical bold letters', '\u{1d42b}\u{1d428}\u{1d428}\u{1d42d}'],
  ['a trailing space', 'root '],
  ['a leading tab', '\troot'],
  ['a space inside', 'ro ot'],
  ['a no-break space inside', 'ro\u00a0ot'],
  ['a CR LF inside', 'ro\r\not'],
  ['a line feed', 'root\n'],
  ['a DEL', 'ro\u007fot'],
  ['a line separator', 'ro\u2028ot'],
]

/** The invisible characters a refusal's detail must never quote back raw. */
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Default_Ignorable_Code_Point}\u00a0]/u

describe('identifier policy: userName (RFC 8265 UsernameCasePreserved)', () => {
  it.each(BAD_USER_NAMES)(
    'POST refuses %s with 400 invalidValue naming userName, quoting nothing invisible',
    async (_, userName) => {
      const scim = buildScimApp()
      const api = client(scim)
      const res = await api.post('/Users', userBody(userName))
      expectScimErrorResponse(res, 400, 'invalidValue')
      expect(res.body.detail).toContain('userName')
      expect(res.body.detail).not.toMatch(INVISIBLE)
      expect(scim.userStore.size(scim.tenant)).toBe(0)
    },
  )

  it('accepts NFC, non-ASCII letters, e-mail shaped logins, and keeps ß and ss apart (PRECIS never maps ß)', async () => {
    const api = client(buildScimApp())
    for (const userName of [
      'jos\u00e9',
      'J\u00fcrgen.M\u00fcller@example.de',
      'ODYSSEUS-\u039f\u0394\u039f\u03a3',
      '\u0130lker',
      "o'brien",
      '\u5c71\u7530',
    ]) {
      expect((await api.post('/Users', userBody(userName))).status).toBe(201)
    }
    expect((await api.post('/Users', userBody('stra\u00dfe'))).status).toBe(201)
    expect((await api.post('/Users', userBody('strasse'))).status).toBe(201)
  })

  it('NFC and NFD spellings never make two users: the NFD one is refused, not silently normalised', async () => {
    const scim = buildScimApp()
    const api = client(scim)
    const id = await createUser(api, 'jos\u00e9')
    const res = await api.post('/Users', userBody('jose\u0301'))
    expectScimErrorResponse(res, 400, 'invalidValue')
    expect(res.body.detail).toMatch(/NFC/)
    expect((await api.get(`/Users/${id}`).expect(200)).body.userName).toBe('jos\u00e9')
    expect(scim.userStore.size(scim.tenant)).toBe(1)
  })

  it('final sigma and other case variants of one name are one user (foldCase)', async () => {
    const api = client(buildScimApp())
    await createUser(api, '\u03bf\u03b4\u03bf\u03c3')
    expectScimErrorResponse(await api.post('/Users', userBody('\u039f\u0394\u039f\u03a3')), 409, 'uniqueness')
    expectScimErrorResponse(await api.post('/Users', userBody('\u03bf\u03b4\u03bf\u03c2')), 409, 'uniqueness')
  })

  it('PUT and PATCH that set a bad userName are 400 and write nothing', async () => {
    const scim = buildScimApp()
    const api = client(scim)
    const id = await createUser(api, 'alice')
    const version = (await api.get(`/Users/${id}`).expect(200)).body.meta.version
    for (const userName of ['alice ', 'al\u200bice', '\uff41lice', '']) {
      const put = await api.put(`/Users/${id}`, userBody(userName))
      expectScimErrorResponse(put, 400, 'invalidValue')
      expect(put.body.detail).toContain('userName')
      const patch = await api.patch(
        `/Users/${id}`,
        patchBody({ op: 'replace', path: 'userName', value: userName }),
      )
      expectScimErrorResponse(patch, 400, 'invalidValue')
      expect(patch.body.detail).toContain('userName')
      const pathless = await api.patch(`/Users/${id}`, patchBody({ op: 'replace', value: { userName } }))
      expectScimErrorResponse(pathless, 400, 'invalidValue')
    }
    const after = (await api.get(`/Users/${id}`).expect(200)).body
    expect(after.userName).toBe('alice')
    expect(after.meta.version).toBe(version)
  })

  it('a user whose stored name predates the policy can still be changed, deactivated and deleted', async () => {
    const scim = buildScimApp({ router: { userDeletion: 'disable' } })
    const api = client(scim)
    const context = {
      tenant: scim.tenant,
      principal: { tenant: scim.tenant, id: 'legacy' },
      requestId: 'legacy',
    }
    const legacy = scim.userStore.create(
      { provisioned: true, userName: 'legacy ', active: true, document: { userName: 'legacy ' } },
      context,
    )
    // Changes that leave the name as it is are not about the name.
    await api
      .patch(`/Users/${legacy.id}`, patchBody({ op: 'replace', path: 'displayName', value: 'Legacy' }))
      .expect(200)
    await api.put(`/Users/${legacy.id}`, userBody('legacy ', { displayName: 'Legacy 2' })).expect(200)
    const disabled = await api.patch(
      `/Users/${legacy.id}`,
      patchBody({ op: 'replace', value: { active: false } }),
    )
    expect(disabled.status).toBe(200)
    expect(disabled.body.active).toBe(false)
    await api.put(`/Users/${legacy.id}`, userBody('legacy ', { active: false })).expect(200)
    // Renaming it is held to the policy: to a bad name no, to a good one yes.
    expectScimErrorResponse(
      await api.patch(
        `/Users/${legacy.id}`,
        patchBody({ op: 'replace', path: 'userName', value: 'legacy  ' }),
      ),
      400,
      'invalidValue',
    )
    await api.delete(`/Users/${legacy.id}`).expect(204)
    expect(scim.userStore.get(legacy.id, context)).toMatchObject({ hidden: true, active: false })
    const second = scim.userStore.create(
      { provisioned: true, userName: 'legacy\u200b', active: true, document: {} },
      context,
    )
    await api.delete(`/Users/${second.id}`).expect(204)
  })
})

describe('identifier policy: group displayName (RFC 8265 OpaqueString)', () => {
  it.each<[string, string]>([
    ['the empty string', ''],
    ['only spaces', '  '],
    ['a trailing space', 'Sales '],
    ['a leading tab', '\tSales'],
    ['a line feed inside', 'Sa\nles'],
    ['a zero-width space', 'Sa\u200bles'],
    ['NFD', 'Ve\u0301ritas'],
    ['a no-break space (OpaqueString maps it to U+0020)', 'Sales\u00a0Team'],
  ])('POST refuses %s with 400 invalidValue naming displayName', async (_, displayName) => {
    const scim = buildScimApp()
    const res = await client(scim).post('/Groups', groupBody(displayName))
    expectScimErrorResponse(res, 400, 'invalidValue')
    expect(res.body.detail).toContain('displayName')
    expect(res.body.detail).not.toMatch(INVISIBLE)
  })

  it('accepts spaces inside, symbols and fullwidth forms (OpaqueString keeps them)', async () => {
    const api = client(buildScimApp())
    for (const name of [
      'Sales Team EMEA',
      'R&D / Ops (2024)',
      '\uff52\uff4f\uff4f\uff54 team',
      'V\u00e9ritas',
    ]) {
      expect((await api.post('/Groups', groupBody(name))).status).toBe(201)
    }
  })

  it('PUT and PATCH renames are held to it; member changes of a legacy-named group are not', async () => {
    const scim = buildScimApp()
    const api = client(scim)
    const userId = await createUser(api, 'alice')
    const id = await createGroup(api, 'Sales')
    expectScimErrorResponse(await api.put(`/Groups/${id}`, groupBody('Sales ')), 400, 'invalidValue')
    expectScimErrorResponse(
      await api.patch(
        `/Groups/${id}`,
        patchBody({ op: 'replace', path: 'displayName', value: 'Sa\u200bles' }),
      ),
      400,
      'invalidValue',
    )
    expect((await api.get(`/Groups/${id}`).expect(200)).body.displayName).toBe('Sales')
    const context = {
      tenant: scim.tenant,
      principal: { tenant: scim.tenant, id: 'legacy' },
      requestId: 'legacy',
    }
    const legacy = scim.teamStore.create(
      { provisioned: true, displayName: 'Legacy ', document: {} },
      [],
      context,
    )
    await api
      .patch(`/Groups/${legacy.id}`, patchBody({ op: 'add', path: 'members', value: [{ value: userId }] }))
      .expect(204)
    await api.put(`/Groups/${legacy.id}`, groupBody('Legacy ', [userId])).expect(200)
    await api.delete(`/Groups/${legacy.id}`).expect(204)
  })
})

describe('login and email are one namespace', () => {
  it('a userName may not be another user’s email, nor an email another user’s userName: 409 uniqueness', async () => {
    const scim = buildScimApp()
    const api = client(scim)
    await createUser(api, 'carol@x.example')
    expectScimErrorResponse(
      await api.post(
        '/Users',
        userBody('mallory', { emails: [{ value: 'CAROL@x.example', primary: true }] }),
      ),
      409,
      'uniqueness',
    )
    await createUser(api, 'dave', { emails: [{ value: 'dave@x.example', primary: true }] })
    expectScimErrorResponse(await api.post('/Users', userBody('Dave@X.example')), 409, 'uniqueness')
    const eve = await createUser(api, 'eve')
    expectScimErrorResponse(
      await api.patch(
        `/Users/${eve}`,
        patchBody({ op: 'replace', path: 'userName', value: 'DAVE@x.example' }),
      ),
      409,
      'uniqueness',
    )
    expectScimErrorResponse(
      await api.patch(
        `/Users/${eve}`,
        patchBody({ op: 'add', path: 'emails', value: [{ value: 'Carol@x.example', primary: true }] }),
      ),
      409,
      'uniqueness',
    )
    // A user's own login may be its own email.
    await createUser(api, 'frank@x.example', { emails: [{ value: 'FRANK@x.example', primary: true }] })
    expect(scim.userStore.size(scim.tenant)).toBe(4)
  })
})
