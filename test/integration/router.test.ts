// What the router promises over HTTP, on Express 5 and 4: Users and Groups CRUD, lists, media types, versioning, auth and discovery.
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import request from 'supertest'
import {
  buildScimApp,
  client,
  createGroup,
  createUser,
  ENTERPRISE_SCHEMA,
  EXPRESS_VERSIONS,
  expectScimErrorResponse,
  GROUP_SCHEMA,
  groupBody,
  LIST_SCHEMA,
  patchBody,
  type ScimApp,
  type ScimClient,
  SEARCH_SCHEMA,
  TOKEN,
  USER_SCHEMA,
  userBody,
  WEAK_ETAG,
} from '../helpers/scim-app'

describe.each(EXPRESS_VERSIONS)('SCIM router on %s', (_label, makeExpress) => {
  let scim: ScimApp
  let api: ScimClient

  beforeEach(() => {
    scim = buildScimApp({ express: makeExpress })
    api = client(scim)
  })

  describe('Users: create and read', () => {
    it('POST /Users answers 201 with Location, a weak ETag and application/scim+json', async () => {
      const res = await api.post(
        '/Users',
        userBody('alice@example.com', {
          externalId: 'ext-alice',
          name: { givenName: 'Alice', familyName: 'Smith' },
          emails: [{ value: 'alice@example.com', type: 'work', primary: true }],
        }),
      )
      expect(res.status).toBe(201)
      expect(res.headers['content-type']).toMatch(/^application\/scim\+json/)
      expect(res.headers.etag).toMatch(WEAK_ETAG)
      const id = res.body.id as string
      expect(typeof id).toBe('string')
      expect(res.headers.location).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:\\d+/scim/Users/${id}$`))
      expect(res.body).toMatchObject({
        schemas: [USER_SCHEMA],
        userName: 'alice@example.com',
        externalId: 'ext-alice',
        active: true,
        name: { givenName: 'Alice', familyName: 'Smith' },
        meta: { resourceType: 'User', version: res.headers.etag, location: res.headers.location },
      })
    })

    it('GET /Users/:id returns the user with the same ETag', async () => {
      const created = await api.post('/Users', userBody('bob@example.com', { displayName: 'Bob' }))
      const res = await api.get(`/Users/${created.body.id}`)
      expect(res.status).toBe(200)
      expect(res.headers['content-type']).toMatch(/^application\/scim\+json/)
      expect(res.headers.etag).toBe(created.headers.etag)
      expect(res.body).toMatchObject({ id: created.body.id, userName: 'bob@example.com', displayName: 'Bob' })
    })

    it('ignores unknown attributes in POST: they appear neither in the response nor later', async () => {
      const res = await api.post('/Users', userBody('carol', { favouriteColour: 'blue', nickName: 'C' }))
      expect(res.status).toBe(201)
      expect(res.body.favouriteColour).toBeUndefined()
      expect(res.body.nickName).toBe('C')
      const read = await api.get(`/Users/${res.body.id}`)
      expect(read.body.favouriteColour).toBeUndefined()
      expect(JSON.stringify(read.body)).not.toContain('blue')
    })

    it('never returns the password, on create or read', async () => {
      const res = await api.post('/Users', userBody('dave', { password: 'S3cret!pass' }))
      expect(res.status).toBe(201)
      expect(JSON.stringify(res.body)).not.toContain('S3cret')
      const read = await api.get(`/Users/${res.body.id}?attributes=password,userName`)
      expect(read.status).toBe(200)
      expect(read.body.password).toBeUndefined()
      expect(read.body.userName).toBe('dave')
      expect(scim.userStore.verifyPassword(scim.tenant, res.body.id, 'S3cret!pass')).toBe(true)
    })

    it('answers 404 in SCIM form for an unknown id', async () => {
      const res = await api.get('/Users/00000000-0000-0000-0000-000000000000')
      expectScimErrorResponse(res, 404)
    })

    it('rejects a second userName differing only in case: 409 uniqueness', async () => {
      await createUser(api, 'Erin@Example.com')
      const res = await api.post('/Users', userBody('erin@example.COM'))
      expectScimErrorResponse(res, 409, 'uniqueness')
      expect(scim.userStore.size(scim.tenant)).toBe(1)
    })

    it('rejects a duplicate externalId in the tenant: 409 uniqueness', async () => {
      await createUser(api, 'frank', { externalId: 'ext-1' })
      const res = await api.post('/Users', userBody('frank2', { externalId: 'ext-1' }))
      expectScimErrorResponse(res, 409, 'uniqueness')
    })

    it.each<[string, Record<string, unknown>, string]>([
      ['no userName', { schemas: [USER_SCHEMA], active: true }, 'invalidValue'],
      ['a userName of the wrong type', { schemas: [USER_SCHEMA], userName: 42 }, 'invalidValue'],
      [
        'active that is not a boolean',
        { schemas: [USER_SCHEMA], userName: 'x', active: 'maybe' },
        'invalidValue',
      ],
      ['schemas without the User schema', { schemas: [GROUP_SCHEMA], userName: 'x' }, 'invalidSyntax'],
    ])('POST with %s is 400 %s and creates nothing', async (_name, body, scimType) => {
      const res = await api.post('/Users', body)
      expectScimErrorResponse(res, 400, scimType)
      expect(scim.userStore.size(scim.tenant)).toBe(0)
    })

    it('ignores read-only attributes in POST (id, meta, groups)', async () => {
      const res = await api.post(
        '/Users',
        userBody('ro-user', {
          id: 'chosen-by-client',
          meta: { created: '2000-01-01T00:00:00Z' },
          groups: [{ value: 'g-1' }],
        }),
      )
      expect(res.status).toBe(201)
      expect(res.body.id).not.toBe('chosen-by-client')
      expect(res.body.meta.created).not.toBe('2000-01-01T00:00:00.000Z')
      expect(res.body.groups ?? []).toEqual([])
    })

    it('keeps externalId unique per tenant only: another tenant may use it', async () => {
      const two = buildScimApp({
        express: makeExpress,
        router: {
          authenticate: (req) => {
            const header = req.headers.authorization
            if (header === 'Bearer token-a') return { tenant: 'a', id: 'idp-a' }
            if (header === 'Bearer token-b') return { tenant: 'b', id: 'idp-b' }
            return undefined
          },
        },
      })
      const a = client(two, 'token-a')
      const b = client(two, 'token-b')
      expect((await a.post('/Users', userBody('gina', { externalId: 'shared' }))).status).toBe(201)
      expect((await b.post('/Users', userBody('gina', { externalId: 'shared' }))).status).toBe(201)
      expectScimErrorResponse(await a.post('/Users', userBody('gina2', { externalId: 'shared' })), 409)
    })
  })

  describe('Users: lists', () => {
    const names = ['carol', 'alice', 'dave', 'bob', 'erin']

    async function seed(target: ScimClient = api): Promise<void> {
      for (const name of names) await createUser(target, `${name}@example.com`)
    }

    it('reads a bare or empty query string (a trailing ?, ??) as no parameters', async () => {
      await seed()
      const id = await createUser(api, 'frank@example.com')
      for (const suffix of ['?', '??', '?&']) {
        const list = await api.get(`/Users${suffix}`)
        expect(list.status).toBe(200)
        expect(list.body).toMatchObject({ totalResults: 6, startIndex: 1, itemsPerPage: 6 })
        const one = await api.get(`/Users/${id}${suffix}`)
        expect(one.status).toBe(200)
        expect(one.body.id).toBe(id)
      }
    })

    it('defaults: startIndex 1, every user, a ListResponse', async () => {
      await seed()
      const res = await api.get('/Users')
      expect(res.status).toBe(200)
      expect(res.headers['content-type']).toMatch(/^application\/scim\+json/)
      expect(res.body).toMatchObject({
        schemas: [LIST_SCHEMA],
        totalResults: 5,
        startIndex: 1,
        itemsPerPage: 5,
      })
      expect(res.body.Resources).toHaveLength(5)
    })

    it('pages with startIndex and count (1-based)', async () => {
      await seed()
      const res = await api.get('/Users?startIndex=2&count=2')
      expect(res.body).toMatchObject({ totalResults: 5, startIndex: 2, itemsPerPage: 2 })
      expect(res.body.Resources.map((u: { userName: string }) => u.userName)).toEqual([
        'alice@example.com',
        'dave@example.com',
      ])
    })

    it('uses defaultCount when no count is given', async () => {
      const small = buildScimApp({ express: makeExpress, router: { defaultCount: 2 } })
      const smallApi = client(small)
      await seed(smallApi)
      const res = await smallApi.get('/Users')
      expect(res.body).toMatchObject({ totalResults: 5, itemsPerPage: 2 })
      expect(res.body.Resources).toHaveLength(2)
    })

    it('count=0 answers only totalResults, with empty Resources', async () => {
      await seed()
      const res = await api.get('/Users?count=0')
      expect(res.status).toBe(200)
      expect(res.body.totalResults).toBe(5)
      expect(res.body.itemsPerPage).toBe(0)
      expect(res.body.Resources ?? []).toEqual([])
    })

    it('a startIndex past the end answers an empty page with the right totalResults', async () => {
      await seed()
      const res = await api.get('/Users?startIndex=50')
      expect(res.status).toBe(200)
      expect(res.body.totalResults).toBe(5)
      expect(res.body.startIndex).toBe(50)
      expect(res.body.Resources ?? []).toEqual([])
    })

    it('caps count at maxResults', async () => {
      const capped = buildScimApp({ express: makeExpress, router: { maxResults: 3, defaultCount: 2 } })
      const cappedApi = client(capped)
      await seed(cappedApi)
      const res = await cappedApi.get('/Users?count=1000')
      expect(res.status).toBe(200)
      expect(res.body.totalResults).toBe(5)
      expect(res.body.Resources).toHaveLength(3)
      expect(res.body.itemsPerPage).toBe(3)
    })

    it('sorts by sortBy, ascending and descending', async () => {
      await seed()
      const sorted = [...names].sort().map((n) => `${n}@example.com`)
      const up = await api.get('/Users?sortBy=userName')
      expect(up.body.Resources.map((u: { userName: string }) => u.userName)).toEqual(sorted)
      const down = await api.get('/Users?sortBy=userName&sortOrder=descending')
      expect(down.body.Resources.map((u: { userName: string }) => u.userName)).toEqual([...sorted].reverse())
    })

    it('attributes= returns the named attributes plus id and schemas', async () => {
      await createUser(api, 'alice@example.com', {
        displayName: 'Alice',
        emails: [{ value: 'alice@example.com', type: 'work' }],
      })
      const res = await api.get('/Users?attributes=userName')
      const [user] = res.body.Resources
      expect(user.userName).toBe('alice@example.com')
      expect(user.id).toEqual(expect.any(String))
      expect(user.schemas).toEqual([USER_SCHEMA])
      expect(user.displayName).toBeUndefined()
      expect(user.emails).toBeUndefined()
      expect(user.active).toBeUndefined()
    })

    it('excludedAttributes= drops attributes but never id and schemas', async () => {
      await createUser(api, 'alice@example.com', { displayName: 'Alice' })
      const res = await api.get('/Users?excludedAttributes=displayName,id,schemas')
      const [user] = res.body.Resources
      expect(user.displayName).toBeUndefined()
      expect(user.userName).toBe('alice@example.com')
      expect(user.id).toEqual(expect.any(String))
      expect(user.schemas).toEqual([USER_SCHEMA])
    })

    it('never returns password even when attributes= names it', async () => {
      await createUser(api, 'alice@example.com', { password: 'hunter2hunter2' })
      const res = await api.get('/Users?attributes=password')
      expect(res.status).toBe(200)
      expect(res.body.Resources[0].password).toBeUndefined()
      expect(res.text).not.toContain('hunter2')
    })

    it('filters userName eq case-insensitively', async () => {
      await seed()
      const res = await api.get(`/Users?filter=${encodeURIComponent('userName eq "ALICE@Example.COM"')}`)
      expect(res.status).toBe(200)
      expect(res.body.totalResults).toBe(1)
      expect(res.body.Resources[0].userName).toBe('alice@example.com')
    })

    it('a filter on password is 400 invalidFilter', async () => {
      await createUser(api, 'alice@example.com', { password: 'hunter2hunter2' })
      const res = await api.get(`/Users?filter=${encodeURIComponent('password eq "hunter2hunter2"')}`)
      expectScimErrorResponse(res, 400, 'invalidFilter')
    })

    it.each(['userName eq', 'userName eq "unterminated', '(userName eq "a"', 'noSuchAttribute eq "x"'])(
      'a bad filter (%s) is 400 invalidFilter',
      async (filter) => {
        const res = await api.get(`/Users?filter=${encodeURIComponent(filter)}`)
        expectScimErrorResponse(res, 400, 'invalidFilter')
      },
    )

    it('reads startIndex below 1 as 1 and a negative count as 0 (RFC 7644 §3.4.2.4)', async () => {
      await seed()
      const zero = await api.get('/Users?startIndex=0&count=2')
      expect(zero.body).toMatchObject({ startIndex: 1, totalResults: 5, itemsPerPage: 2 })
      expect(zero.body.Resources[0].userName).toBe('carol@example.com')
      const negative = await api.get('/Users?startIndex=-4&count=-1')
      expect(negative.status).toBe(200)
      expect(negative.body).toMatchObject({ startIndex: 1, totalResults: 5, itemsPerPage: 0 })
      expect(negative.body.Resources ?? []).toEqual([])
    })

    it('pages a filtered, sorted list', async () => {
      await seed()
      const filter = encodeURIComponent('userName ne "erin@example.com"')
      const res = await api.get(`/Users?filter=${filter}&sortBy=userName&startIndex=2&count=2`)
      expect(res.body).toMatchObject({ totalResults: 4, startIndex: 2, itemsPerPage: 2 })
      expect(res.body.Resources.map((u: { userName: string }) => u.userName)).toEqual([
        'bob@example.com',
        'carol@example.com',
      ])
    })

    it('attributes= with a sub-attribute returns just that sub-attribute', async () => {
      await createUser(api, 'alice@example.com', { name: { givenName: 'Alice', familyName: 'Smith' } })
      const res = await api.get('/Users?attributes=name.givenName')
      const [user] = res.body.Resources
      expect(user.name).toEqual({ givenName: 'Alice' })
      expect(user.userName).toBeUndefined()
      expect(user.id).toEqual(expect.any(String))
    })

    it.each<[string, string, string[]]>([
      ['active eq false', 'active eq false', ['bob']],
      ['a sub-attribute', 'name.givenName sw "Al"', ['alice']],
      ['a value path', 'emails[type eq "home" and value co "@home."]', ['bob']],
      ['pr', 'title pr', ['alice']],
      ['or and not', 'userName eq "alice" or not (title pr)', ['alice', 'bob']],
      ['externalId, case-exact', 'externalId eq "EXT-A"', []],
      ['externalId', 'externalId eq "ext-a"', ['alice']],
    ])('filters with %s', async (_name, filter, expected) => {
      await createUser(api, 'alice', {
        externalId: 'ext-a',
        title: 'Lead',
        name: { givenName: 'Alice' },
        emails: [{ value: 'alice@work.example', type: 'work' }],
      })
      await createUser(api, 'bob', {
        active: false,
        name: { givenName: 'Bob' },
        emails: [{ value: 'bob@home.example', type: 'home' }],
      })
      const res = await api.get(`/Users?filter=${encodeURIComponent(filter)}`)
      expect(res.status).toBe(200)
      expect(res.body.totalResults).toBe(expected.length)
      expect((res.body.Resources ?? []).map((u: { userName: string }) => u.userName).sort()).toEqual(expected)
    })

    it('POST /Users/.search reads the list parameters from the body', async () => {
      await seed()
      const res = await api.post('/Users/.search', {
        schemas: [SEARCH_SCHEMA],
        filter: 'userName sw "d"',
        attributes: ['userName'],
        startIndex: 1,
        count: 10,
      })
      expect(res.status).toBe(200)
      expect(res.body).toMatchObject({ schemas: [LIST_SCHEMA], totalResults: 1 })
      expect(res.body.Resources[0]).toEqual({
        schemas: [USER_SCHEMA],
        id: expect.any(String),
        userName: 'dave@example.com',
      })
    })

    it('POST /.search lists users then groups, paging across both', async () => {
      await createUser(api, 'u1')
      await createUser(api, 'u2')
      await createGroup(api, 'g1')
      await createGroup(api, 'g2')
      const types = (res: request.Response) =>
        res.body.Resources.map((r: { meta: { resourceType: string } }) => r.meta.resourceType)
      const all = await api.post('/.search', { schemas: [SEARCH_SCHEMA] })
      expect(all.status).toBe(200)
      expect(all.body.totalResults).toBe(4)
      expect(types(all)).toEqual(['User', 'User', 'Group', 'Group'])

      const first = await api.post('/.search', { schemas: [SEARCH_SCHEMA], startIndex: 1, count: 3 })
      expect(first.body).toMatchObject({ totalResults: 4, startIndex: 1, itemsPerPage: 3 })
      expect(types(first)).toEqual(['User', 'User', 'Group'])
      expect(first.body.Resources[2].displayName).toBe('g1')

      const second = await api.post('/.search', { schemas: [SEARCH_SCHEMA], startIndex: 4, count: 3 })
      expect(second.body).toMatchObject({ totalResults: 4, startIndex: 4, itemsPerPage: 1 })
      expect(second.body.Resources.map((r: { displayName: string }) => r.displayName)).toEqual(['g2'])

      const middle = await api.post('/.search', { schemas: [SEARCH_SCHEMA], startIndex: 2, count: 2 })
      expect(types(middle)).toEqual(['User', 'Group'])
      expect(middle.body.Resources[0].userName).toBe('u2')
      expect(middle.body.Resources[1].displayName).toBe('g1')
    })
    it('POST /.search with a filter only one type understands answers from that type only', async () => {
      const alice = await createUser(api, 'alice')
      const team = await createGroup(api, 'Team', [alice])
      const users = await api.post('/.search', { schemas: [SEARCH_SCHEMA], filter: 'userName eq "alice"' })
      expect(users.status).toBe(200)
      expect(users.body.totalResults).toBe(1)
      expect(users.body.Resources[0].id).toBe(alice)
      const groups = await api.post('/.search', {
        schemas: [SEARCH_SCHEMA],
        filter: `members[value eq "${alice}"]`,
      })
      expect(groups.status).toBe(200)
      expect(groups.body.totalResults).toBe(1)
      expect(groups.body.Resources[0].id).toBe(team)
    })

    it('POST /.search with a sortBy only users have still answers: groups sort as having no value (RFC 7644 §3.4.2.3)', async () => {
      await createUser(api, 'zed')
      await createUser(api, 'amy')
      await createGroup(api, 'Team')
      const res = await api.post('/.search', { schemas: [SEARCH_SCHEMA], sortBy: 'userName' })
      expect({ status: res.status, body: res.body }).toMatchObject({ status: 200 })
      expect(res.body.totalResults).toBe(3)
      const userNames = res.body.Resources.filter(
        (r: { meta: { resourceType: string } }) => r.meta.resourceType === 'User',
      ).map((r: { userName: string }) => r.userName)
      expect(userNames).toEqual(['amy', 'zed'])
    })

    it('POST /.search caps count at maxResults across both types', async () => {
      const capped = buildScimApp({ express: makeExpress, router: { maxResults: 3, defaultCount: 3 } })
      const cappedApi = client(capped)
      for (const name of ['u1', 'u2']) await createUser(cappedApi, name)
      for (const name of ['g1', 'g2']) await createGroup(cappedApi, name)
      const res = await cappedApi.post('/.search', { schemas: [SEARCH_SCHEMA], count: 100 })
      expect(res.body.totalResults).toBe(4)
      expect(res.body.Resources).toHaveLength(3)
    })
  })

  describe('Users: replace, patch, delete', () => {
    it('PUT replaces the user; id and meta in the body are ignored', async () => {
      const created = await api.post(
        '/Users',
        userBody('henry', { displayName: 'Henry', nickName: 'Hank', title: 'Engineer' }),
      )
      const id = created.body.id as string
      const res = await api.put(`/Users/${id}`, {
        ...userBody('henry', { displayName: 'Henry VIII' }),
        id: 'some-other-id',
        meta: { version: 'W/"forged"', created: '2000-01-01T00:00:00Z', resourceType: 'Group' },
      })
      expect(res.status).toBe(200)
      expect(res.body.id).toBe(id)
      expect(res.body.displayName).toBe('Henry VIII')
      expect(res.body.nickName).toBeUndefined()
      expect(res.body.title).toBeUndefined()
      expect(res.body.meta.resourceType).toBe('User')
      expect(res.body.meta.version).not.toBe('W/"forged"')
      expect(res.body.meta.created).toBe(created.body.meta.created)
      expect((await api.get('/Users/some-other-id')).status).toBe(404)
      const read = await api.get(`/Users/${id}`)
      expect(read.body.displayName).toBe('Henry VIII')
      expect(read.body.nickName).toBeUndefined()
    })

    it('PUT onto a userName another user has is 409 uniqueness and changes nothing', async () => {
      await createUser(api, 'taken')
      const id = await createUser(api, 'mine')
      expectScimErrorResponse(await api.put(`/Users/${id}`, userBody('TAKEN')), 409, 'uniqueness')
      expect((await api.get(`/Users/${id}`)).body.userName).toBe('mine')
    })

    it('applies attributes= to the response of POST, PUT and PATCH', async () => {
      const created = await api.post('/Users?attributes=userName', userBody('projected', { title: 'T' }))
      expect(created.status).toBe(201)
      expect(created.body).toEqual({ schemas: [USER_SCHEMA], id: created.body.id, userName: 'projected' })
      const id = created.body.id as string
      const put = await api.put(
        `/Users/${id}?excludedAttributes=title`,
        userBody('projected', { title: 'U' }),
      )
      expect(put.body.title).toBeUndefined()
      expect(put.body.userName).toBe('projected')
      const patch = await api.patch(
        `/Users/${id}?attributes=title`,
        patchBody({ op: 'replace', path: 'title', value: 'V' }),
      )
      expect(patch.body).toEqual({ schemas: [USER_SCHEMA], id, title: 'V' })
    })

    it('PUT of an unknown id is 404', async () => {
      expectScimErrorResponse(await api.put('/Users/nope', userBody('x')), 404)
    })

    it('PATCH with an Entra path-less replace of active "False" deactivates and answers 200 with the user', async () => {
      const id = await createUser(api, 'ivy')
      const res = await api.patch(`/Users/${id}`, patchBody({ op: 'Replace', value: { active: 'False' } }))
      expect(res.status).toBe(200)
      expect(res.headers.etag).toMatch(WEAK_ETAG)
      expect(res.body).toMatchObject({ id, userName: 'ivy', active: false })
      expect((await api.get(`/Users/${id}`)).body.active).toBe(false)
    })

    it('PATCH with a path replaces one attribute and keeps the others', async () => {
      const id = await createUser(api, 'jack', { displayName: 'Jack', title: 'Dev' })
      const res = await api.patch(
        `/Users/${id}`,
        patchBody({ op: 'replace', path: 'name.givenName', value: 'Jack' }),
      )
      expect(res.status).toBe(200)
      expect(res.body).toMatchObject({ displayName: 'Jack', title: 'Dev', name: { givenName: 'Jack' } })
    })

    it('PATCH of an enterprise extension attribute round-trips', async () => {
      const id = await createUser(api, 'kate')
      const res = await api.patch(
        `/Users/${id}`,
        patchBody({ op: 'add', path: `${ENTERPRISE_SCHEMA}:department`, value: 'Finance' }),
      )
      expect(res.status).toBe(200)
      expect(res.body[ENTERPRISE_SCHEMA]).toEqual({ department: 'Finance' })
      expect(res.body.schemas).toContain(ENTERPRISE_SCHEMA)
    })

    it('PATCH of an unknown id is 404', async () => {
      const res = await api.patch('/Users/nope', patchBody({ op: 'replace', path: 'active', value: false }))
      expectScimErrorResponse(res, 404)
    })

    it('DELETE answers 204 with no body, then GET is 404', async () => {
      const id = await createUser(api, 'liam')
      const res = await api.delete(`/Users/${id}`)
      expect(res.status).toBe(204)
      expect(res.text ?? '').toBe('')
      expectScimErrorResponse(await api.get(`/Users/${id}`), 404)
      expectScimErrorResponse(await api.delete(`/Users/${id}`), 404)
    })
  })

  describe('media types and bodies', () => {
    it("keeps the headers a host set before the router, and puts its own over the host's where both name one", async () => {
      const hosted = buildScimApp({
        express: makeExpress,
        setup: (app) =>
          app.use((_req, res, next) => {
            res.setHeader('Cache-Control', 'no-store')
            res.setHeader('Content-Type', 'text/html')
            res.setHeader('ETag', '"host"')
            next()
          }),
      })
      const created = await client(hosted).post('/Users', userBody('host-headers'))
      expect(created.status).toBe(201)
      const read = await client(hosted).get(`/Users/${created.body.id}`)
      for (const res of [created, read]) {
        expect(res.headers['cache-control']).toBe('no-store')
        expect(res.headers['content-type']).toBe('application/scim+json; charset=utf-8')
        expect(res.headers.etag).toBe(created.body.meta.version)
        expect(res.headers['content-length']).toBe(String(Buffer.byteLength(res.text)))
      }
      const deleted = await client(hosted).delete(`/Users/${created.body.id}`)
      expect(deleted.status).toBe(204)
      expect(deleted.headers['cache-control']).toBe('no-store')
    })

    it('accepts application/json', async () => {
      const res = await request(scim.app)
        .post('/scim/Users')
        .set('Authorization', `Bearer ${TOKEN}`)
        .set('Content-Type', 'application/json')
        .send(JSON.stringify(userBody('json-user')))
      expect(res.status).toBe(201)
      expect(res.headers['content-type']).toMatch(/^application\/scim\+json/)
    })

    it('refuses a text/plain body: 415, nothing created', async () => {
      const res = await request(scim.app)
        .post('/scim/Users')
        .set('Authorization', `Bearer ${TOKEN}`)
        .set('Content-Type', 'text/plain')
        .send(JSON.stringify(userBody('text-user')))
      expectScimErrorResponse(res, 415)
      expect(scim.userStore.size(scim.tenant)).toBe(0)
    })

    it.each([
      ['a charset other than UTF-8', { 'Content-Type': 'application/scim+json; charset=iso-8859-1' }],
      ['a compressed body', { 'Content-Type': 'application/scim+json', 'Content-Encoding': 'gzip' }],
      ['no Content-Type', {}],
    ])('refuses %s: 415', async (_name, headers) => {
      let test = request(scim.app).post('/scim/Users').set('Authorization', `Bearer ${TOKEN}`)
      for (const [name, value] of Object.entries(headers)) test = test.set(name, value)
      const res = await test.send(Buffer.from(JSON.stringify(userBody('odd-user'))))
      expectScimErrorResponse(res, 415)
      expect(scim.userStore.size(scim.tenant)).toBe(0)
    })

    it('refuses invalid JSON: 400 invalidSyntax', async () => {
      const res = await request(scim.app)
        .post('/scim/Users')
        .set('Authorization', `Bearer ${TOKEN}`)
        .set('Content-Type', 'application/scim+json')
        .send('{"userName": "broken"')
      expectScimErrorResponse(res, 400, 'invalidSyntax')
      expect(res.body.detail).not.toContain('broken')
    })

    it('refuses a JSON array body: 400 invalidSyntax', async () => {
      const res = await api.post('/Users', [userBody('array-user')])
      expectScimErrorResponse(res, 400, 'invalidSyntax')
      expect(scim.userStore.size(scim.tenant)).toBe(0)
    })

    it('refuses a body larger than bodyLimit: 413, nothing created', async () => {
      const small = buildScimApp({ express: makeExpress, router: { bodyLimit: 512 } })
      const res = await client(small).post('/Users', userBody('big-user', { displayName: 'x'.repeat(2000) }))
      expectScimErrorResponse(res, 413)
      expect(small.userStore.size(small.tenant)).toBe(0)
      // A body under the limit still works.
      expect((await client(small).post('/Users', userBody('small-user'))).status).toBe(201)
    })

    it('refuses an oversized chunked body (no Content-Length): 413', async () => {
      const small = buildScimApp({ express: makeExpress, router: { bodyLimit: 512 } })
      const server = small.app.listen(0, '127.0.0.1')
      try {
        await new Promise<void>((resolve) => server.once('listening', () => resolve()))
        const { port } = server.address() as AddressInfo
        const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
          const req = http.request(
            {
              host: '127.0.0.1',
              port,
              method: 'POST',
              path: '/scim/Users',
              headers: {
                Authorization: `Bearer ${TOKEN}`,
                'Content-Type': 'application/scim+json',
                'Transfer-Encoding': 'chunked',
              },
            },
            (res) => {
              let body = ''
              res.setEncoding('utf8')
              res.on('data', (chunk: string) => {
                body += chunk
              })
              res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
            },
          )
          req.on('error', reject)
          req.write(
            '{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"chunky","nickName":"',
          )
          req.write('x'.repeat(4096))
          req.end('"}')
        })
        expect(answer.status).toBe(413)
        expect(JSON.parse(answer.body)).toMatchObject({ status: '413' })
        expect(small.userStore.size(small.tenant)).toBe(0)
      } finally {
        server.closeAllConnections()
        server.close()
      }
    })

    it.each([
      ['application/json', 'application/json'],
      ['application/scim+json', 'application/scim+json'],
    ])('uses a body the host already parsed with express.json() (%s)', async (_name, contentType) => {
      const parsed = buildScimApp({
        express: makeExpress,
        setup: (app) => app.use(makeExpress.json({ type: ['application/json', 'application/scim+json'] })),
      })
      // A guard against a hang (a router waiting for a body already read), not a timing assertion.
      const res = await request(parsed.app)
        .post('/scim/Users')
        .timeout(5000)
        .set('Authorization', `Bearer ${TOKEN}`)
        .set('Content-Type', contentType)
        .send(JSON.stringify(userBody('pre-parsed')))
      expect(res.status).toBe(201)
      expect(res.body.userName).toBe('pre-parsed')
    })

    it('DELETE needs no Content-Type', async () => {
      const id = await createUser(api, 'no-body')
      const res = await request(scim.app).delete(`/scim/Users/${id}`).set('Authorization', `Bearer ${TOKEN}`)
      expect(res.status).toBe(204)
    })
  })

  describe('versioning (ETag, If-Match, If-None-Match)', () => {
    it('a stale If-Match on PUT, PATCH and DELETE is 412 and changes nothing', async () => {
      const created = await api.post('/Users', userBody('mia', { displayName: 'Mia' }))
      const id = created.body.id as string
      const stale = created.headers.etag as string
      const touched = await api.patch(
        `/Users/${id}`,
        patchBody({ op: 'replace', path: 'title', value: 'Lead' }),
      )
      expect(touched.status).toBe(200)
      const current = touched.headers.etag as string
      expect(current).not.toBe(stale)

      const put = await api
        .put(`/Users/${id}`, userBody('mia', { displayName: 'Put' }))
        .set('If-Match', stale)
      expectScimErrorResponse(put, 412)
      const patch = await api
        .patch(`/Users/${id}`, patchBody({ op: 'replace', path: 'displayName', value: 'Patched' }))
        .set('If-Match', stale)
      expectScimErrorResponse(patch, 412)
      const del = await api.delete(`/Users/${id}`).set('If-Match', stale)
      expectScimErrorResponse(del, 412)

      const read = await api.get(`/Users/${id}`)
      expect(read.status).toBe(200)
      expect(read.headers.etag).toBe(current)
      expect(read.body).toMatchObject({ displayName: 'Mia', title: 'Lead', active: true })
    })

    it('a matching If-Match lets PUT, PATCH and DELETE through', async () => {
      const created = await api.post('/Users', userBody('noah'))
      const id = created.body.id as string
      const put = await api
        .put(`/Users/${id}`, userBody('noah', { displayName: 'Noah' }))
        .set('If-Match', created.headers.etag as string)
      expect(put.status).toBe(200)
      const patch = await api
        .patch(`/Users/${id}`, patchBody({ op: 'replace', path: 'displayName', value: 'N' }))
        .set('If-Match', put.headers.etag as string)
      expect(patch.status).toBe(200)
      const del = await api.delete(`/Users/${id}`).set('If-Match', patch.headers.etag as string)
      expect(del.status).toBe(204)
    })

    it('If-None-Match with the current ETag on GET is 304; an older one is 200', async () => {
      const created = await api.post('/Users', userBody('olga'))
      const id = created.body.id as string
      const notModified = await api.get(`/Users/${id}`).set('If-None-Match', created.headers.etag as string)
      expect(notModified.status).toBe(304)
      expect(notModified.text ?? '').toBe('')
      await api.patch(`/Users/${id}`, patchBody({ op: 'replace', path: 'title', value: 'X' }))
      const modified = await api.get(`/Users/${id}`).set('If-None-Match', created.headers.etag as string)
      expect(modified.status).toBe(200)
      expect(modified.body.title).toBe('X')
    })

    it('the ETag changes after every write and equals meta.version', async () => {
      const created = await api.post('/Users', userBody('pete'))
      const id = created.body.id as string
      const tags = [created.headers.etag as string]
      const put = await api.put(`/Users/${id}`, userBody('pete', { displayName: 'Pete' }))
      tags.push(put.headers.etag as string)
      const patch = await api.patch(`/Users/${id}`, patchBody({ op: 'replace', path: 'title', value: 'T' }))
      tags.push(patch.headers.etag as string)
      expect(new Set(tags).size).toBe(3)
      for (const tag of tags) expect(tag).toMatch(WEAK_ETAG)
      const read = await api.get(`/Users/${id}`)
      expect(read.headers.etag).toBe(tags[2])
      expect(read.body.meta.version).toBe(tags[2])
    })

    it('a group write with a stale If-Match is 412 and changes nothing', async () => {
      const created = await api.post('/Groups', groupBody('Ops'))
      const id = created.body.id as string
      const stale = created.headers.etag as string
      expect(
        (await api.patch(`/Groups/${id}`, patchBody({ op: 'replace', path: 'displayName', value: 'Ops2' })))
          .status,
      ).toBe(204)
      const patch = await api
        .patch(`/Groups/${id}`, patchBody({ op: 'replace', path: 'displayName', value: 'Ops3' }))
        .set('If-Match', stale)
      expectScimErrorResponse(patch, 412)
      expectScimErrorResponse(await api.delete(`/Groups/${id}`).set('If-Match', stale), 412)
      const read = await api.get(`/Groups/${id}`)
      expect(read.body.displayName).toBe('Ops2')
      const matching = await api
        .patch(`/Groups/${id}`, patchBody({ op: 'replace', path: 'displayName', value: 'Ops4' }))
        .set('If-Match', read.headers.etag as string)
      expect(matching.status).toBe(204)
      expect(
        (await api.delete(`/Groups/${id}`).set('If-Match', matching.headers.etag as string)).status,
      ).toBe(204)
    })
  })

  describe('Groups', () => {
    let alice: string
    let bob: string

    beforeEach(async () => {
      alice = await createUser(api, 'alice')
      bob = await createUser(api, 'bob')
    })

    const memberIds = (res: request.Response): string[] =>
      ((res.body.members ?? []) as { value: string }[]).map((m) => m.value).sort()

    it('POST with members answers 201 with them, Location and ETag', async () => {
      const res = await api.post('/Groups', groupBody('Engineering', [alice, bob]))
      expect(res.status).toBe(201)
      expect(res.headers.etag).toMatch(WEAK_ETAG)
      expect(res.headers.location).toMatch(new RegExp(`/scim/Groups/${res.body.id}$`))
      expect(res.body).toMatchObject({ schemas: [GROUP_SCHEMA], displayName: 'Engineering' })
      expect(memberIds(res)).toEqual([alice, bob].sort())
      const read = await api.get(`/Groups/${res.body.id}`)
      expect(read.status).toBe(200)
      expect(memberIds(read)).toEqual([alice, bob].sort())
    })

    it('GET with excludedAttributes=members never reads the member list', async () => {
      const id = await createGroup(api, 'Big', [alice, bob])
      const spy = jest.spyOn(scim.teamStore, 'listMembers')
      try {
        const res = await api.get(`/Groups/${id}?excludedAttributes=members`)
        expect(res.status).toBe(200)
        expect(res.body.members).toBeUndefined()
        expect(res.body.displayName).toBe('Big')
        const list = await api.get('/Groups?excludedAttributes=members')
        expect(list.status).toBe(200)
        expect(list.body.Resources[0].members).toBeUndefined()
        expect(spy).not.toHaveBeenCalled()
        // The spy does see reads when members are returned.
        await api.get(`/Groups/${id}`)
        expect(spy).toHaveBeenCalled()
      } finally {
        spy.mockRestore()
      }
    })

    it('PATCH add member answers 204 with an ETag; GET shows the member', async () => {
      const id = await createGroup(api, 'Team', [alice])
      const res = await api.patch(
        `/Groups/${id}`,
        patchBody({ op: 'add', path: 'members', value: [{ value: bob }] }),
      )
      expect(res.status).toBe(204)
      expect(res.headers.etag).toMatch(WEAK_ETAG)
      const read = await api.get(`/Groups/${id}`)
      expect(read.headers.etag).toBe(res.headers.etag)
      expect(memberIds(read)).toEqual([alice, bob].sort())
    })

    it('PATCH with a member id that is not a user is 400 and applies nothing, not even a rename in the same request', async () => {
      const created = await api.post('/Groups', groupBody('Stable', [alice]))
      const id = created.body.id as string
      const res = await api.patch(
        `/Groups/${id}`,
        patchBody(
          { op: 'replace', path: 'displayName', value: 'Renamed' },
          { op: 'add', path: 'members', value: [{ value: bob }, { value: 'not-a-user' }] },
        ),
      )
      expectScimErrorResponse(res, 400, 'invalidValue')
      const read = await api.get(`/Groups/${id}`)
      expect(read.body.displayName).toBe('Stable')
      expect(memberIds(read)).toEqual([alice])
      expect(read.headers.etag).toBe(created.headers.etag)
      expect(scim.events.filter((e) => e.type === 'group.renamed')).toEqual([])
    })

    it('a user of another tenant cannot be a member: 400', async () => {
      const two = buildScimApp({
        express: makeExpress,
        router: {
          authenticate: (req) => {
            const header = req.headers.authorization
            if (header === 'Bearer token-a') return { tenant: 'a', id: 'idp-a' }
            if (header === 'Bearer token-b') return { tenant: 'b', id: 'idp-b' }
            return undefined
          },
        },
      })
      const a = client(two, 'token-a')
      const b = client(two, 'token-b')
      const outsider = await createUser(b, 'outsider')
      const group = await createGroup(a, 'A-team')
      const res = await a.patch(
        `/Groups/${group}`,
        patchBody({ op: 'add', path: 'members', value: [{ value: outsider }] }),
      )
      expectScimErrorResponse(res, 400)
      expect(two.teamStore.memberCount('a', group)).toBe(0)
      expectScimErrorResponse(await a.post('/Groups', groupBody('With outsider', [outsider])), 400)
    })

    it('PATCH remove member (value filter) answers 204 and removes it', async () => {
      const id = await createGroup(api, 'Shrink', [alice, bob])
      const res = await api.patch(
        `/Groups/${id}`,
        patchBody({ op: 'remove', path: `members[value eq "${alice}"]` }),
      )
      expect(res.status).toBe(204)
      expect(memberIds(await api.get(`/Groups/${id}`))).toEqual([bob])
      expect(scim.teamStore.teamsOfUser(scim.tenant, alice)).toEqual([])
    })

    it('PUT replaces the member list', async () => {
      const carol = await createUser(api, 'carol')
      const id = await createGroup(api, 'Swap', [alice, bob])
      const res = await api.put(`/Groups/${id}`, groupBody('Swap', [bob, carol]))
      expect(res.status).toBe(200)
      expect(memberIds(res)).toEqual([bob, carol].sort())
      expect(memberIds(await api.get(`/Groups/${id}`))).toEqual([bob, carol].sort())
      expect(scim.teamStore.teamsOfUser(scim.tenant, alice)).toEqual([])
    })

    it('DELETE answers 204, then GET is 404 and memberships are gone', async () => {
      const id = await createGroup(api, 'Doomed', [alice])
      const res = await api.delete(`/Groups/${id}`)
      expect(res.status).toBe(204)
      expectScimErrorResponse(await api.get(`/Groups/${id}`), 404)
      expect(scim.teamStore.teamsOfUser(scim.tenant, alice)).toEqual([])
    })

    it('a displayName collision (case-insensitive) is 409 uniqueness, on POST and on rename', async () => {
      await createGroup(api, 'Admins')
      expectScimErrorResponse(await api.post('/Groups', groupBody('ADMINS')), 409, 'uniqueness')
      const other = await createGroup(api, 'Others')
      const res = await api.patch(
        `/Groups/${other}`,
        patchBody({ op: 'replace', path: 'displayName', value: 'admins' }),
      )
      expectScimErrorResponse(res, 409, 'uniqueness')
      expect((await api.get(`/Groups/${other}`)).body.displayName).toBe('Others')
    })

    it('a nested group member (type Group) is 400', async () => {
      const inner = await createGroup(api, 'Inner')
      const outer = await createGroup(api, 'Outer')
      const res = await api.patch(
        `/Groups/${outer}`,
        patchBody({ op: 'add', path: 'members', value: [{ value: inner, type: 'Group' }] }),
      )
      expectScimErrorResponse(res, 400)
      expect(scim.teamStore.memberCount(scim.tenant, outer)).toBe(0)
      const post = await api.post('/Groups', {
        schemas: [GROUP_SCHEMA],
        displayName: 'Nested',
        members: [{ value: inner, type: 'Group' }],
      })
      expectScimErrorResponse(post, 400)
    })

    it('GET with attributes=displayName never reads the member list either', async () => {
      const id = await createGroup(api, 'Named', [alice])
      const spy = jest.spyOn(scim.teamStore, 'listMembers')
      try {
        const res = await api.get(`/Groups/${id}?attributes=displayName`)
        expect(res.status).toBe(200)
        expect(res.body).toEqual({ schemas: [GROUP_SCHEMA], id, displayName: 'Named' })
        expect(spy).not.toHaveBeenCalled()
      } finally {
        spy.mockRestore()
      }
    })

    it('PATCH with attributes= answers 200 with the projected group', async () => {
      const id = await createGroup(api, 'Proj', [alice])
      const res = await api.patch(
        `/Groups/${id}?attributes=displayName,members`,
        patchBody({ op: 'add', path: 'members', value: [{ value: bob }] }),
      )
      expect(res.status).toBe(200)
      expect(res.headers.etag).toMatch(WEAK_ETAG)
      expect(res.body.displayName).toBe('Proj')
      expect(memberIds(res)).toEqual([alice, bob].sort())
    })

    it('If-None-Match with the current ETag on GET /Groups/:id is 304', async () => {
      const created = await api.post('/Groups', groupBody('Cached'))
      const res = await api
        .get(`/Groups/${created.body.id}`)
        .set('If-None-Match', created.headers.etag as string)
      expect(res.status).toBe(304)
    })

    it('a PUT that renames onto a taken name is 409 and leaves the members alone', async () => {
      await createGroup(api, 'Taken')
      const id = await createGroup(api, 'Mine', [alice])
      expectScimErrorResponse(await api.put(`/Groups/${id}`, groupBody('TAKEN', [bob])), 409, 'uniqueness')
      const read = await api.get(`/Groups/${id}`)
      expect(read.body.displayName).toBe('Mine')
      expect(memberIds(read)).toEqual([alice])
    })

    it('a PATCH that renames onto a taken name and adds a member is 409 and adds nobody', async () => {
      await createGroup(api, 'Taken')
      const id = await createGroup(api, 'Mine')
      const res = await api.patch(
        `/Groups/${id}`,
        patchBody(
          { op: 'replace', path: 'displayName', value: 'taken' },
          { op: 'add', path: 'members', value: [{ value: alice }] },
        ),
      )
      expectScimErrorResponse(res, 409, 'uniqueness')
      expect(scim.teamStore.memberCount(scim.tenant, id)).toBe(0)
    })

    it('Entra-style PATCH remove with a value array removes those members', async () => {
      const id = await createGroup(api, 'Entra', [alice, bob])
      const res = await api.patch(
        `/Groups/${id}`,
        patchBody({ op: 'Remove', path: 'members', value: [{ value: alice }] }),
      )
      expect(res.status).toBe(204)
      expect(memberIds(await api.get(`/Groups/${id}`))).toEqual([bob])
    })

    it('filters groups by displayName and by member', async () => {
      const eng = await createGroup(api, 'Engineering', [alice])
      await createGroup(api, 'Sales', [bob])
      const byName = await api.get(`/Groups?filter=${encodeURIComponent('displayName eq "engineering"')}`)
      expect(byName.body.totalResults).toBe(1)
      expect(byName.body.Resources[0].id).toBe(eng)
      const byMember = await api.get(`/Groups?filter=${encodeURIComponent(`members[value eq "${alice}"]`)}`)
      expect(byMember.body.Resources.map((g: { id: string }) => g.id)).toEqual([eng])
    })
  })

  describe('authentication', () => {
    it('no Authorization header: 401 with WWW-Authenticate: Bearer', async () => {
      const res = await request(scim.app).get('/scim/Users')
      expectScimErrorResponse(res, 401)
      expect(res.headers['www-authenticate']).toMatch(/^Bearer\b/)
    })

    it('accepts the scheme in lower case', async () => {
      const res = await request(scim.app).get('/scim/Users').set('Authorization', `bearer ${TOKEN}`)
      expect(res.status).toBe(200)
    })

    it.each([
      ['a wrong token', 'Bearer wrong-token'],
      ['Basic credentials', `Basic ${Buffer.from(`user:${TOKEN}`).toString('base64')}`],
      ['the token as Basic', `Basic ${TOKEN}`],
      ['an empty bearer', 'Bearer '],
    ])('%s: 401', async (_name, header) => {
      const res = await request(scim.app).get('/scim/Users').set('Authorization', header)
      expectScimErrorResponse(res, 401)
      expect(res.headers['www-authenticate']).toMatch(/^Bearer\b/)
    })

    it('a token in the query string is never read: 401', async () => {
      for (const name of ['access_token', 'token', 'bearer']) {
        const res = await request(scim.app).get(`/scim/Users?${name}=${TOKEN}`)
        expectScimErrorResponse(res, 401)
      }
    })

    it('an unauthenticated write changes nothing', async () => {
      const res = await request(scim.app)
        .post('/scim/Users')
        .set('Content-Type', 'application/scim+json')
        .send(JSON.stringify(userBody('sneaky')))
      expectScimErrorResponse(res, 401)
      expect(scim.userStore.size(scim.tenant)).toBe(0)
    })

    it('an authenticate() that throws is 500 with no detail', async () => {
      const broken = buildScimApp({
        express: makeExpress,
        router: {
          authenticate: () => {
            throw new Error('database password is hunter2')
          },
        },
      })
      const res = await client(broken).get('/Users')
      expectScimErrorResponse(res, 500)
      expect(res.text).not.toContain('hunter2')
    })

    it('an authenticate() that rejects is 500 with no detail', async () => {
      const broken = buildScimApp({
        express: makeExpress,
        router: { authenticate: () => Promise.reject(new Error('secret-reason')) },
      })
      const res = await client(broken).get('/Users')
      expectScimErrorResponse(res, 500)
      expect(res.text).not.toContain('secret-reason')
    })
  })

  describe('discovery and routing', () => {
    it('GET /ServiceProviderConfig reflects the options', async () => {
      const configured = buildScimApp({
        express: makeExpress,
        router: {
          maxResults: 250,
          defaultCount: 50,
          bodyLimit: '2mb',
          bulk: { maxOperations: 50, maxPayloadSize: '3mb' },
          documentationUri: 'https://docs.example.com/scim',
        },
      })
      const res = await client(configured).get('/ServiceProviderConfig')
      expect(res.status).toBe(200)
      expect(res.headers['content-type']).toMatch(/^application\/scim\+json/)
      expect(res.body).toMatchObject({
        schemas: ['urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig'],
        documentationUri: 'https://docs.example.com/scim',
        patch: { supported: true },
        bulk: { supported: true, maxOperations: 50, maxPayloadSize: 3 * 1024 * 1024 },
        filter: { supported: true, maxResults: 250 },
        sort: { supported: true },
        etag: { supported: true },
      })
      expect(res.body.authenticationSchemes[0]).toMatchObject({ type: 'oauthbearertoken' })
    })

    it('GET /ResourceTypes lists User and Group; /ResourceTypes/User answers one', async () => {
      const res = await api.get('/ResourceTypes')
      expect(res.status).toBe(200)
      expect(res.body.Resources.map((t: { id: string }) => t.id).sort()).toEqual(['Group', 'User'])
      const user = await api.get('/ResourceTypes/User')
      expect(user.status).toBe(200)
      expect(user.body).toMatchObject({
        id: 'User',
        endpoint: '/Users',
        schema: USER_SCHEMA,
        schemaExtensions: [expect.objectContaining({ schema: ENTERPRISE_SCHEMA })],
      })
      expectScimErrorResponse(await api.get('/ResourceTypes/Nope'), 404)
    })

    it('without a TeamStore: only User is served, /Groups is 404', async () => {
      const usersOnly = buildScimApp({ express: makeExpress, withoutTeams: true })
      const usersApi = client(usersOnly)
      const types = await usersApi.get('/ResourceTypes')
      expect(types.body.Resources.map((t: { id: string }) => t.id)).toEqual(['User'])
      expectScimErrorResponse(await usersApi.get('/ResourceTypes/Group'), 404)
      expectScimErrorResponse(await usersApi.get('/Groups'), 404)
      expectScimErrorResponse(await usersApi.post('/Groups', groupBody('x')), 404)
      const schemas = await usersApi.get('/Schemas')
      expect(schemas.body.Resources.map((s: { id: string }) => s.id)).not.toContain(GROUP_SCHEMA)
    })

    it('GET /Schemas lists the User, Enterprise User and Group schemas; /Schemas/<urn> answers one', async () => {
      const res = await api.get('/Schemas')
      expect(res.status).toBe(200)
      const ids = res.body.Resources.map((s: { id: string }) => s.id)
      expect(ids).toEqual(expect.arrayContaining([USER_SCHEMA, ENTERPRISE_SCHEMA, GROUP_SCHEMA]))
      const one = await api.get(`/Schemas/${encodeURIComponent(USER_SCHEMA)}`)
      expect(one.status).toBe(200)
      expect(one.body.id).toBe(USER_SCHEMA)
      expect(one.body.attributes.map((a: { name: string }) => a.name)).toContain('userName')
      const raw = await api.get(`/Schemas/${GROUP_SCHEMA}`)
      expect(raw.status).toBe(200)
      expect(raw.body.id).toBe(GROUP_SCHEMA)
      expectScimErrorResponse(await api.get('/Schemas/urn:nope'), 404)
    })

    describe('the discovery schemas (RFC 7643 §7, §8.7.2)', () => {
      const SPC = 'urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig'
      const RESOURCE_TYPE = 'urn:ietf:params:scim:schemas:core:2.0:ResourceType'
      const SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Schema'
      const names = (attributes: { name: string }[]) => attributes.map((a) => a.name)

      it('/Schemas lists ServiceProviderConfig, ResourceType and Schema after the resource schemas', async () => {
        const res = await api.get('/Schemas')
        expect(res.status).toBe(200)
        const ids = res.body.Resources.map((s: { id: string }) => s.id)
        expect(ids).toEqual([USER_SCHEMA, ENTERPRISE_SCHEMA, GROUP_SCHEMA, SPC, RESOURCE_TYPE, SCHEMA])
        expect(res.body.totalResults).toBe(6)
        // Without a TeamStore the Group schema goes, the discovery schemas stay.
        const usersOnly = client(buildScimApp({ express: makeExpress, withoutTeams: true }))
        const fewer = (await usersOnly.get('/Schemas')).body.Resources.map((s: { id: string }) => s.id)
        expect(fewer).toEqual([USER_SCHEMA, ENTERPRISE_SCHEMA, SPC, RESOURCE_TYPE, SCHEMA])
      })

      it('/Schemas/<urn> answers each, with the attributes of RFC 7643 §8.7.2', async () => {
        const spc = await api.get(`/Schemas/${SPC}`)
        expect(spc.status).toBe(200)
        expect(spc.body).toMatchObject({
          schemas: [SCHEMA],
          id: SPC,
          name: 'Service Provider Configuration',
          meta: {
            resourceType: 'Schema',
            location: expect.stringMatching(new RegExp(`/scim/Schemas/${SPC}$`)),
          },
        })
        expect(names(spc.body.attributes)).toEqual([
          'documentationUri',
          'patch',
          'bulk',
          'filter',
          'changePassword',
          'pagination',
          'sort',
          'etag',
          'RolesAndEntitlements',
          'authenticationSchemes',
        ])
        // RFC 9865 §4.
        const pagination = spc.body.attributes.find((a: { name: string }) => a.name === 'pagination')
        expect(pagination).toMatchObject({ type: 'complex', required: false, mutability: 'readOnly' })
        expect(names(pagination.subAttributes)).toEqual([
          'cursor',
          'index',
          'defaultPaginationMethod',
          'defaultPageSize',
          'maxPageSize',
          'cursorTimeout',
        ])
        const bulk = spc.body.attributes.find((a: { name: string }) => a.name === 'bulk')
        expect(bulk).toMatchObject({
          type: 'complex',
          multiValued: false,
          required: true,
          mutability: 'readOnly',
        })
        expect(names(bulk.subAttributes)).toEqual(['supported', 'maxOperations', 'maxPayloadSize'])
        expect(bulk.subAttributes[1]).toMatchObject({
          type: 'integer',
          required: true,
          mutability: 'readOnly',
        })
        const schemes = spc.body.attributes.find((a: { name: string }) => a.name === 'authenticationSchemes')
        expect(schemes).toMatchObject({ type: 'complex', multiValued: true, required: true })
        expect(names(schemes.subAttributes)).toEqual([
          'type',
          'name',
          'description',
          'specUri',
          'documentationUri',
          'primary',
        ])

        const resourceType = await api.get(`/Schemas/${encodeURIComponent(RESOURCE_TYPE)}`)
        expect(resourceType.status).toBe(200)
        expect(resourceType.body).toMatchObject({ id: RESOURCE_TYPE, name: 'ResourceType' })
        expect(names(resourceType.body.attributes)).toEqual([
          'id',
          'name',
          'description',
          'endpoint',
          'schema',
          'schemaExtensions',
        ])
        const schemaAttribute = resourceType.body.attributes[4]
        expect(schemaAttribute).toMatchObject({ type: 'reference', referenceTypes: ['uri'], caseExact: true })
        const extensions = resourceType.body.attributes[5]
        expect(extensions).toMatchObject({ type: 'complex', multiValued: true })
        expect(names(extensions.subAttributes)).toEqual(['schema', 'required'])

        const schema = await api.get(`/Schemas/${SCHEMA.toLowerCase()}`)
        expect(schema.status).toBe(200)
        expect(schema.body).toMatchObject({ id: SCHEMA, name: 'Schema' })
        expect(names(schema.body.attributes)).toEqual(['id', 'name', 'description', 'attributes'])
        const characteristics = [
          'name',
          'type',
          'multiValued',
          'description',
          'required',
          'canonicalValues',
          'caseExact',
          'mutability',
          'returned',
          'uniqueness',
          'referenceTypes',
        ]
        const attributes = schema.body.attributes[3]
        expect(attributes).toMatchObject({ type: 'complex', multiValued: true, required: true })
        expect(names(attributes.subAttributes)).toEqual([...characteristics, 'subAttributes'])
        expect(names(attributes.subAttributes[11].subAttributes)).toEqual(characteristics)
      })

      it('describes what the discovery endpoints answer: every attribute they send is declared', async () => {
        const declared = async (urn: string) =>
          new Set(names((await api.get(`/Schemas/${urn}`)).body.attributes))
        const spcNames = await declared(SPC)
        for (const key of Object.keys((await api.get('/ServiceProviderConfig')).body)) {
          if (key !== 'schemas' && key !== 'meta') expect(spcNames).toContain(key)
        }
        const typeNames = await declared(RESOURCE_TYPE)
        for (const key of Object.keys((await api.get('/ResourceTypes/User')).body)) {
          if (key !== 'schemas' && key !== 'meta') expect(typeNames).toContain(key)
        }
        const schemaNames = await declared(SCHEMA)
        for (const key of Object.keys((await api.get(`/Schemas/${USER_SCHEMA}`)).body)) {
          if (key !== 'schemas' && key !== 'meta') expect(schemaNames).toContain(key)
        }
      })

      it('they are no resource types: not in /ResourceTypes, and filters and PATCH still refuse their URNs', async () => {
        const types = await api.get('/ResourceTypes')
        expect(types.body.Resources.map((t: { id: string }) => t.id)).toEqual(['User', 'Group'])
        expectScimErrorResponse(await api.get('/ResourceTypes/ServiceProviderConfig'), 404)
        expectScimErrorResponse(await api.get('/ResourceTypes/Schema'), 404)

        const filter = encodeURIComponent(`${SPC}:patch.supported eq true`)
        expectScimErrorResponse(await api.get(`/Users?filter=${filter}`), 400, 'invalidFilter')
        const byId = encodeURIComponent(`${SCHEMA}:id eq "x"`)
        expectScimErrorResponse(await api.get(`/Groups?filter=${byId}`), 400, 'invalidFilter')

        const id = await createUser(api, 'not-a-schema')
        const patched = await api.patch(
          `/Users/${id}`,
          patchBody({ op: 'replace', path: `${RESOURCE_TYPE}:name`, value: 'x' }),
        )
        expectScimErrorResponse(patched, 400)
        const read = await api.get(`/Users/${id}`)
        expect(read.body[RESOURCE_TYPE]).toBeUndefined()
      })
    })

    it('a filter on a discovery endpoint is 403', async () => {
      const filter = encodeURIComponent('id eq "User"')
      expectScimErrorResponse(await api.get(`/Schemas?filter=${filter}`), 403)
      expectScimErrorResponse(await api.get(`/ResourceTypes?filter=${filter}`), 403)
    })

    it('POST /ServiceProviderConfig with a non-JSON body is 405 with Allow (routed before the body is read)', async () => {
      const res = await request(scim.app)
        .post('/scim/ServiceProviderConfig')
        .set('Authorization', `Bearer ${TOKEN}`)
        .set('Content-Type', 'text/plain')
        .send('not json at all')
      expectScimErrorResponse(res, 405)
      expect(res.headers.allow).toBe('GET')
    })

    it('a method a resource endpoint does not have is 405 with Allow', async () => {
      const res = await api.put('/Users', userBody('x'))
      expectScimErrorResponse(res, 405)
      expect(res.headers.allow?.split(/,\s*/).sort()).toEqual(['GET', 'POST'])
    })

    it('/Me (without resolveMe) is 501; an unknown endpoint is a SCIM 404', async () => {
      expectScimErrorResponse(await api.get('/Me'), 501)
      expectScimErrorResponse(await api.get('/Nope'), 404)
      expectScimErrorResponse(await api.get('/Users/a/b'), 404)
    })

    it('serves everything under /v2 too, with /v2 in meta.location', async () => {
      const v2 = client(scim, TOKEN, '/scim/v2')
      const created = await v2.post('/Users', userBody('versioned'))
      expect(created.status).toBe(201)
      expect(created.headers.location).toMatch(/\/scim\/v2\/Users\//)
      const res = await v2.get(`/Users/${created.body.id}`)
      expect(res.status).toBe(200)
      expect(res.body.meta.location).toMatch(new RegExp(`/scim/v2/Users/${created.body.id}$`))
      expect((await v2.get('/ServiceProviderConfig')).status).toBe(200)
      const plain = await api.get(`/Users/${created.body.id}`)
      expect(plain.body.meta.location).not.toContain('/v2/')
    })

    it('meta.location and Location use the baseUrl option when given', async () => {
      const based = buildScimApp({
        express: makeExpress,
        router: { baseUrl: 'https://grafana.example.com/api/scim/' },
      })
      const res = await client(based).post('/Users', userBody('based'))
      expect(res.status).toBe(201)
      const expected = `https://grafana.example.com/api/scim/Users/${res.body.id}`
      expect(res.headers.location).toBe(expected)
      expect(res.body.meta.location).toBe(expected)
    })

    it("honours X-Forwarded-Proto and X-Forwarded-Host under app.set('trust proxy', true)", async () => {
      const proxied = buildScimApp({ express: makeExpress, setup: (app) => app.set('trust proxy', true) })
      const res = await client(proxied)
        .post('/Users', userBody('proxied'))
        .set('X-Forwarded-Proto', 'https')
        .set('X-Forwarded-Host', 'scim.example.com')
      expect(res.status).toBe(201)
      expect(res.body.meta.location).toBe(`https://scim.example.com/scim/Users/${res.body.id}`)
      expect(res.headers.location).toBe(res.body.meta.location)
    })

    it.each([
      ['a URL', 'https://evil.example/x?'],
      ['javascript:', 'javascript:'],
      ['javascript', 'javascript'],
      ['another scheme', 'ftp'],
      ['a scheme with a path', 'https/x'],
      ['an empty value', ''],
      ['an empty first value', ', https'],
      ['two words', 'https evil'],
    ])(
      'under trust proxy, ignores an X-Forwarded-Proto that is %s: the socket decides',
      async (_name, proto) => {
        const proxied = buildScimApp({ express: makeExpress, setup: (app) => app.set('trust proxy', true) })
        const res = await client(proxied).post('/Users', userBody('proxied')).set('X-Forwarded-Proto', proto)
        expect(res.status).toBe(201)
        const socketLocation = new RegExp(`^http://127\\.0\\.0\\.1:\\d+/scim/Users/${res.body.id}$`)
        expect(res.body.meta.location).toMatch(socketLocation)
        expect(res.headers.location).toBe(res.body.meta.location)
        const read = await client(proxied).get(`/Users/${res.body.id}`).set('X-Forwarded-Proto', proto)
        expect(read.body.meta.location).toMatch(socketLocation)
      },
    )

    it.each([
      ['HTTPS', 'https'],
      ['https, http', 'https'],
      [' Https ', 'https'],
      ['http', 'http'],
    ])('under trust proxy, reads X-Forwarded-Proto %j as %s', async (proto, expected) => {
      const proxied = buildScimApp({ express: makeExpress, setup: (app) => app.set('trust proxy', true) })
      const res = await client(proxied)
        .post('/Users', userBody('proxied'))
        .set('X-Forwarded-Proto', proto)
        .set('X-Forwarded-Host', 'scim.example.com')
      expect(res.status).toBe(201)
      expect(res.body.meta.location).toBe(`${expected}://scim.example.com/scim/Users/${res.body.id}`)
      expect(res.headers.location).toBe(res.body.meta.location)
    })

    it('ignores X-Forwarded-* headers without trust proxy', async () => {
      const res = await api
        .post('/Users', userBody('unproxied'))
        .set('X-Forwarded-Proto', 'https')
        .set('X-Forwarded-Host', 'evil.example.com')
      expect(res.status).toBe(201)
      expect(res.body.meta.location).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/scim\/Users\//)
    })

    it('mounts under any path', async () => {
      const mounted = buildScimApp({ express: makeExpress, mountPath: '/api/scim/v2' })
      const res = await client(mounted).post('/Users', userBody('mounted'))
      expect(res.status).toBe(201)
      expect(res.headers.location).toMatch(/\/api\/scim\/v2\/Users\//)
    })
  })
})
