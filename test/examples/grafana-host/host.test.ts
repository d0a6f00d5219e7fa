// The grafana-host app end to end on PGlite and the server: the Entra/Okta/RFC check suites against its /scim, SAML sign-in through the development IdP, live revocation, refused responses, admin pages with CSRF, token rotation.
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import request from 'supertest'
import { createGrafanaHost, type GrafanaHost } from '../../../examples/grafana-host/app'
import { cursorSecret } from '../../../examples/grafana-host/bootstrap'
import { hashPassword } from '../../../examples/grafana-host/web-auth'
import { builtInSuites, runCheck } from '../../../lib/check'
import { cookieOf } from '../../helpers/cookies'
import { HOST_ENGINES, type HostDatabase, openHostPglite } from '../../helpers/host-db'

const BASE = 'http://host.test'
const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User'
const PATCH_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:PatchOp'

/** The SAMLResponse of the development IdP's auto-submitting page. */
const samlResponseOf = (html: string) => /name="SAMLResponse" value="([^"]+)"/.exec(html)?.[1] ?? ''

const expectNoInternals = (response: request.Response) => {
  expect(response.text).not.toMatch(/at \w+ \(|node_modules|Error:/)
}

describe.each(HOST_ENGINES)('grafana-host on $name', ({ open }) => {
  let database: HostDatabase
  let host: GrafanaHost
  let token: string
  let server: Server
  const scim = () => request(host.app)

  beforeAll(async () => {
    database = await open()
    host = createGrafanaHost({ db: database.db, baseUrl: BASE, devIdp: true })
    token = (await host.tokens.create(host.tenant, 'Test IdP')).token
    await host.users.addLocalUser(host.tenant, {
      userName: 'admin',
      passwordHash: await hashPassword('admin-secret'),
    })
    server = host.app.listen(0, '127.0.0.1')
    await new Promise<void>((resolve) => server.once('listening', () => resolve()))
  })
  afterAll(async () => {
    await new Promise<void>((resolve) => server?.close(() => resolve()))
    await database?.close()
  })

  /** A second host over the same database whose queries are counted (its `queries`, reset at will). */
  const countingHost = () => {
    const counted = { queries: 0, host: undefined as unknown as GrafanaHost }
    counted.host = createGrafanaHost({
      db: {
        ...database.db,
        kind: database.db.kind,
        query: (text, values) => {
          counted.queries += 1
          return database.db.query(text, values)
        },
        transaction: (work) => database.db.transaction(work),
      },
      baseUrl: BASE,
      devIdp: false,
    })
    return counted
  }

  const provision = async (userName: string, externalId: string) => {
    const response = await scim()
      .post('/scim/Users')
      .set('Authorization', `Bearer ${token}`)
      .set('Content-Type', 'application/scim+json')
      .send({ schemas: [USER_SCHEMA], userName, externalId, displayName: `${userName} (IdP)`, active: true })
    expect(response.status).toBe(201)
    return response.body as { id: string }
  }
  const deactivate = (id: string) =>
    scim()
      .patch(`/scim/Users/${id}`)
      .set('Authorization', `Bearer ${token}`)
      .set('Content-Type', 'application/scim+json')
      .send({ schemas: [PATCH_SCHEMA], Operations: [{ op: 'replace', path: 'active', value: false }] })
  const devIdpResponse = async (userName: string) =>
    samlResponseOf((await scim().post('/dev-idp').type('form').send({ userName })).text)
  const signIn = async (userName: string) => {
    const acs = await scim()
      .post('/saml/acs')
      .type('form')
      .send({ SAMLResponse: await devIdpResponse(userName) })
    expect(acs.status).toBe(303)
    return cookieOf(acs)
  }
  const adminCookie = async () =>
    cookieOf(await scim().post('/login').type('form').send({ login: 'admin', password: 'admin-secret' }))
  const csrfOf = async (cookie: string) =>
    /name="_csrf" value="([^"]+)"/.exec(
      (await scim().get('/admin/tokens').set('Cookie', cookie)).text,
    )?.[1] ?? ''

  it('passes the Entra ID, Okta and RFC check suites on /scim and leaves nothing behind', async () => {
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    const report = await runCheck({ baseUrl: `${origin}/scim`, token })
    const failed = report.suites.flatMap((suite) =>
      suite.steps
        .filter((step) => step.outcome === 'failed')
        .map((step) => `${suite.name} › ${step.name}: ${step.failure?.problems.join('; ')}`),
    )
    expect(failed).toEqual([])
    expect(report.passed).toBe(builtInSuites().reduce((sum, suite) => sum + suite.sequence.steps.length, 0))
    expect(report.cleanup.filter((item) => !item.deleted)).toEqual([])
  }, 120_000)

  it('signs a provisioned user in through the development IdP, shows their teams, and ends the session when SCIM deactivates them', async () => {
    const alice = await provision('alice', 'oid-alice')
    const team = await scim()
      .post('/scim/Groups')
      .set('Authorization', `Bearer ${token}`)
      .set('Content-Type', 'application/scim+json')
      .send({
        schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
        displayName: 'Platform',
        members: [{ value: alice.id }],
      })
    expect(team.status).toBe(201)
    expect((await scim().get('/')).headers.location).toBe('/login')
    const cookie = await signIn('alice')
    const home = await scim().get('/').set('Cookie', cookie)
    expect(home.status).toBe(200)
    expect(home.text).toContain('Welcome, alice (IdP)')
    expect(home.text).toContain('<li>Platform</li>')
    expect(home.text).toContain('data-testid="dev-idp-banner"')
    expect((await deactivate(alice.id)).status).toBe(200)
    const after = await scim().get('/').set('Cookie', cookie)
    expect(after.status).toBe(303)
    expect(after.headers.location).toBe('/login')
    // A fresh, valid assertion for the deactivated user is refused too.
    const again = await scim()
      .post('/saml/acs')
      .type('form')
      .send({ SAMLResponse: await devIdpResponse('alice') })
    // The linker refuses a disabled user as Grafana does: 403.
    expect(again.status).toBe(403)
    expectNoInternals(again)
  })

  it('refuses a replayed, tampered, unsigned or missing SAML response, with no details', async () => {
    await provision('bob', 'oid-bob')
    const saml = await devIdpResponse('bob')
    expect((await scim().post('/saml/acs').type('form').send({ SAMLResponse: saml })).status).toBe(303)
    const replay = await scim().post('/saml/acs').type('form').send({ SAMLResponse: saml })
    expect(replay.status).toBe(401)
    expect(replay.text).toContain('already used')
    const xml = Buffer.from(await devIdpResponse('bob'), 'base64').toString('utf8')
    const tampered = Buffer.from(xml.replace('oid-bob', 'oid-alice'), 'utf8').toString('base64')
    const unsigned = Buffer.from(
      xml.replace(/<(?:ds:)?Signature[\s\S]*<\/(?:ds:)?Signature>/, ''),
      'utf8',
    ).toString('base64')
    for (const body of [
      { SAMLResponse: tampered },
      { SAMLResponse: unsigned },
      { SAMLResponse: 'not base64 xml' },
    ]) {
      const refused = await scim().post('/saml/acs').type('form').send(body)
      expect(refused.status).toBe(401)
      expect(refused.headers['set-cookie']).toBeUndefined()
      expectNoInternals(refused)
    }
    expect((await scim().post('/saml/acs').type('form').send({})).status).toBe(400)
    expect((await scim().post('/dev-idp').type('form').send({ userName: 'nobody' })).status).toBe(404)
  })

  it('serves admin pages to the local admin only, with HTTP-only SameSite cookies', async () => {
    await provision('carol', 'oid-carol')
    const carol = await signIn('carol')
    expect((await scim().get('/admin/users').set('Cookie', carol)).status).toBe(403)
    expect((await scim().get('/admin/users')).headers.location).toBe('/login')
    const wrong = await scim().post('/login').type('form').send({ login: 'admin', password: 'nope' })
    expect(wrong.status).toBe(401)
    // A provisioned user cannot use the password form, whatever they send.
    expect((await scim().post('/login').type('form').send({ login: 'carol', password: '' })).status).toBe(401)
    const login = await scim().post('/login').type('form').send({ login: 'admin', password: 'admin-secret' })
    expect(login.status).toBe(303)
    expect(String(login.headers['set-cookie'])).toMatch(/HttpOnly/)
    expect(String(login.headers['set-cookie'])).toMatch(/SameSite=Lax/)
    const admin = cookieOf(login)
    for (const page of ['users', 'teams', 'sessions', 'audit', 'tokens', 'sync']) {
      const response = await scim().get(`/admin/${page}`).set('Cookie', admin)
      expect({ page, status: response.status }).toEqual({ page, status: 200 })
    }
    const users = await scim().get('/admin/users').set('Cookie', admin)
    expect(users.text).toContain('carol')
    const audit = await scim().get('/admin/audit').set('Cookie', admin)
    expect(audit.text).toContain('user.created')
  })

  it('creates and rotates SCIM tokens on the page (CSRF-protected): the old token stops working at once', async () => {
    const admin = await adminCookie()
    expect(
      (await scim().post('/admin/tokens').set('Cookie', admin).type('form').send({ name: 'Okta' })).status,
    ).toBe(403)
    const csrf = await csrfOf(admin)
    const created = await scim()
      .post('/admin/tokens')
      .set('Cookie', admin)
      .type('form')
      .send({ name: 'Okta', _csrf: csrf })
    const okta = /data-testid="new-token">([^<]+)</.exec(created.text)?.[1] ?? ''
    expect(okta).toMatch(/^scim_/)
    const list = (bearer: string) => scim().get('/scim/Users').set('Authorization', `Bearer ${bearer}`)
    expect((await list(okta)).status).toBe(200)
    const id = /\/admin\/tokens\/([0-9a-f-]{36})\/rotate[\s\S]*?<\/tr>/.exec(
      (await scim().get('/admin/tokens').set('Cookie', admin)).text.split('Okta')[1] ?? '',
    )?.[1]
    const rotated = await scim()
      .post(`/admin/tokens/${id}/rotate`)
      .set('Cookie', admin)
      .type('form')
      .send({ _csrf: csrf })
    const next = /data-testid="new-token">([^<]+)</.exec(rotated.text)?.[1] ?? ''
    expect(next).toMatch(/^scim_/)
    expect((await list(okta)).status).toBe(401)
    expect((await list(next)).status).toBe(200)
    // The page shows a prefix, never a whole token.
    expect((await scim().get('/admin/tokens').set('Cookie', admin)).text).not.toContain(next)
  })

  it('lists a page of groups with their members in the same number of queries for 2 groups as for 6', async () => {
    const members = [await provision('m1', 'oid-m1'), await provision('m2', 'oid-m2')]
    const counted = countingHost()
    const queriesFor = async (prefix: string, groups: number) => {
      for (let i = 0; i < groups; i++) {
        const created = await scim()
          .post('/scim/Groups')
          .set('Authorization', `Bearer ${token}`)
          .set('Content-Type', 'application/scim+json')
          .send({
            schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
            displayName: `${prefix} ${i}`,
            members: members.map((m) => ({ value: m.id })),
          })
        expect(created.status).toBe(201)
      }
      counted.queries = 0
      const listed = await request(counted.host.app)
        .get(`/scim/Groups?filter=${encodeURIComponent(`displayName sw "${prefix} "`)}`)
        .set('Authorization', `Bearer ${token}`)
      expect(listed.body.totalResults).toBe(groups)
      expect(listed.body.Resources.every((group: { members: unknown[] }) => group.members.length === 2)).toBe(
        true,
      )
      return counted.queries
    }
    // The page with its total, and one query for every group's members (the token check is remembered
    // after the first request).
    await request(counted.host.app).get('/scim/ServiceProviderConfig').set('Authorization', `Bearer ${token}`)
    expect(await queriesFor('Few', 2)).toBe(2)
    expect(await queriesFor('Many', 6)).toBe(2)
  })

  it("shows users' groups with one query per page of users, and filters users by groups.value in SQL", async () => {
    const users = []
    for (let i = 0; i < 6; i++) users.push(await provision(`g${i}`, `oid-g${i}`))
    const team = await scim()
      .post('/scim/Groups')
      .set('Authorization', `Bearer ${token}`)
      .set('Content-Type', 'application/scim+json')
      .send({
        schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
        displayName: 'Grouped',
        members: users.slice(0, 4).map((u) => ({ value: u.id })),
      })
    expect(team.status).toBe(201)
    const counted = countingHost()
    const get = (path: string) => request(counted.host.app).get(path).set('Authorization', `Bearer ${token}`)
    await get('/scim/ServiceProviderConfig')
    const queriesFor = async (count: number) => {
      counted.queries = 0
      const page = await get(`/scim/Users?filter=${encodeURIComponent('userName sw "g"')}&count=${count}`)
      expect(page.body.Resources).toHaveLength(count)
      return counted.queries
    }
    // The page with its total, and one query for the groups of all its users.
    expect(await queriesFor(2)).toBe(2)
    expect(await queriesFor(6)).toBe(2)
    const one = await get(`/scim/Users/${users[0]!.id}`)
    expect(one.body.groups).toEqual([
      {
        value: team.body.id,
        $ref: expect.stringMatching(new RegExp(`/scim/Groups/${team.body.id}$`)),
        display: 'Grouped',
        type: 'direct',
      },
    ])
    const filtered = await get(
      `/scim/Users?filter=${encodeURIComponent(`groups.value eq "${team.body.id}"`)}`,
    )
    expect(filtered.body.Resources.map((u: { id: string }) => u.id).sort()).toEqual(
      users
        .slice(0, 4)
        .map((u) => u.id)
        .sort(),
    )
    const byName = await get(
      `/scim/Users?filter=${encodeURIComponent('groups[display eq "grouped"] and userName eq "g5"')}`,
    )
    expect(byName.body.totalResults).toBe(0)
    const excluded = await get(`/scim/Users/${users[0]!.id}?excludedAttributes=groups`)
    expect(excluded.body.groups).toBeUndefined()
  })

  it('pages /scim/Users by cursor, and a cursor one replica issued is good at another (the key is in the database)', async () => {
    const made = [
      await provision('cur1', 'oid-cur1'),
      await provision('cur2', 'oid-cur2'),
      await provision('cur3', 'oid-cur3'),
    ]
    const secret = await cursorSecret(database.db)
    expect(await cursorSecret(database.db)).toEqual(secret)
    const replica = () =>
      createGrafanaHost({ db: database.db, baseUrl: BASE, devIdp: false, cursorSecret: secret })
    const [one, two] = [replica(), replica()]
    const path = `/scim/Users?count=2&filter=${encodeURIComponent('userName sw "cur"')}`
    const first = await request(one.app).get(`${path}&cursor`).set('Authorization', `Bearer ${token}`)
    expect(first.status).toBe(200)
    expect(first.body.startIndex).toBeUndefined()
    const second = await request(two.app)
      .get(`${path}&cursor=${first.body.nextCursor}`)
      .set('Authorization', `Bearer ${token}`)
    expect(second.status).toBe(200)
    expect(second.body.nextCursor).toBeUndefined()
    expect([...first.body.Resources, ...second.body.Resources].map((u: { id: string }) => u.id)).toEqual(
      made.map((u) => u.id),
    )
    const spc = await request(one.app)
      .get('/scim/ServiceProviderConfig')
      .set('Authorization', `Bearer ${token}`)
    expect(spc.body.pagination).toMatchObject({ cursor: true, index: true })
  })

  it('answers bad forms with their 4xx (too large, too many fields, another charset, a CSRF token of other bytes), never 500', async () => {
    expect(
      (
        await scim()
          .post('/login')
          .type('form')
          .send(`password=${'a'.repeat(20_000)}`)
      ).status,
    ).toBe(413)
    const fields = Array.from({ length: 30 }, (_, i) => `f${i}=x`).join('&')
    expect((await scim().post('/login').type('form').send(fields)).status).toBe(413)
    const koi8 = await scim()
      .post('/login')
      .set('Content-Type', 'application/x-www-form-urlencoded; charset=koi8-r')
      .send('login=a')
    expect(koi8.status).toBe(415)
    expect(
      (
        await scim()
          .post('/saml/acs')
          .type('form')
          .send(`SAMLResponse=${'a'.repeat(600_000)}`)
      ).status,
    ).toBe(413)
    const admin = await adminCookie()
    const csrf = await csrfOf(admin)
    const other = await scim()
      .post('/logout')
      .set('Cookie', admin)
      .type('form')
      .send({ _csrf: `é${csrf.slice(1)}` })
    expect(other.status).toBe(403)
    for (const response of [koi8, other]) expectNoInternals(response)
  })

  it('refuses a string the database cannot hold (an unpaired surrogate) with 400, on POST and PATCH', async () => {
    const post = await scim()
      .post('/scim/Users')
      .set('Authorization', `Bearer ${token}`)
      .set('Content-Type', 'application/scim+json')
      .send(`{"schemas":["${USER_SCHEMA}"],"userName":"surrogate","displayName":"x\\ud800"}`)
    expect(post.status).toBe(400)
    expect(post.body.scimType).toBe('invalidValue')
    const user = await provision('surrogate2', 'oid-surrogate2')
    const patch = await scim()
      .patch(`/scim/Users/${user.id}`)
      .set('Authorization', `Bearer ${token}`)
      .set('Content-Type', 'application/scim+json')
      .send(
        `{"schemas":["${PATCH_SCHEMA}"],"Operations":[{"op":"replace","path":"title","value":"\\udc00"}]}`,
      )
    expect(patch.status).toBe(400)
  })

  it('ends a session from the admin page, and signs out with the form only', async () => {
    await provision('dave', 'oid-dave')
    const dave = await signIn('dave')
    const admin = await adminCookie()
    const csrf = await csrfOf(admin)
    const page = await scim().get('/admin/sessions').set('Cookie', admin)
    // Newest first: the admin's own session is first, so it is ended last.
    const ids = [...page.text.matchAll(/\/admin\/sessions\/([0-9a-f]{64})\/end/g)].map((m) => m[1]).reverse()
    expect(ids.length).toBeGreaterThanOrEqual(2)
    for (const id of ids)
      await scim().post(`/admin/sessions/${id}/end`).set('Cookie', admin).type('form').send({ _csrf: csrf })
    expect((await scim().get('/').set('Cookie', dave)).headers.location).toBe('/login')
    expect((await scim().get('/').set('Cookie', admin)).headers.location).toBe('/login')
  })
})

describe('grafana-host password sign-in', () => {
  it('stops answering password guesses after 10 failures from one address for 15 minutes (429)', async () => {
    const database = await openHostPglite()
    try {
      const host = createGrafanaHost({ db: database.db, baseUrl: BASE, devIdp: false })
      await host.users.addLocalUser(host.tenant, {
        userName: 'admin',
        passwordHash: await hashPassword('right'),
      })
      const statuses: number[] = []
      for (let i = 0; i < 11; i++)
        statuses.push(
          (
            await request(host.app)
              .post('/login')
              .type('form')
              .send({ login: 'admin', password: `wrong${i}` })
          ).status,
        )
      expect(statuses).toEqual([...Array(10).fill(401), 429])
      expect(
        (await request(host.app).post('/login').type('form').send({ login: 'admin', password: 'right' }))
          .status,
      ).toBe(429)
    } finally {
      await database.close()
    }
  })
})

describe('grafana-host with its database down', () => {
  it('answers SCIM with 503 and Retry-After, and the pages without a session, never a 500', async () => {
    const down = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' })
    const db = {
      kind: 'postgres' as const,
      query: () => Promise.reject(down),
      exec: () => Promise.reject(down),
      transaction: () => Promise.reject(down),
      close: () => Promise.resolve(),
    }
    const host = createGrafanaHost({ db, baseUrl: BASE, devIdp: true })
    const scimResponse = await request(host.app).get('/scim/Users').set('Authorization', 'Bearer scim_x')
    expect(scimResponse.status).toBe(503)
    expect(scimResponse.headers['retry-after']).toBe('5')
    expect(scimResponse.body.status).toBe('503')
    const page = await request(host.app)
      .get('/')
      .set('Cookie', 'grafana_host_session=' + 'a'.repeat(43))
    expect(page.status).toBe(303)
    // The cookie is kept: the next request, once the database answers, finds the session again.
    expect(page.headers['set-cookie']).toBeUndefined()
    const login = await request(host.app).post('/login').type('form').send({ login: 'admin', password: 'x' })
    expect(login.status).toBe(503)
    expect(login.headers['retry-after']).toBe('5')
    expectNoInternals(login)
  })
})
