// Cursor paging (RFC 9865) through a real Express app: complete iteration without repeats under changes, signed cursors bound to their query, count and timeout, and discovery.
import { jest } from '@jest/globals'
import {
  buildScimApp,
  client,
  createGroup,
  createUser,
  EXPRESS_VERSIONS,
  expectScimErrorResponse,
  type ScimApp,
  type ScimClient,
  SEARCH_SCHEMA,
} from '../helpers/scim-app'

const SECRET = 'a-shared-secret-of-at-least-32-bytes!'

interface CursorPage {
  totalResults?: number
  itemsPerPage: number
  startIndex?: number
  nextCursor?: string
  Resources: { id: string; userName?: string; displayName?: string }[]
}

/** Every page of a cursor-paged list from its first, following nextCursor. */
async function allPages(api: ScimClient, path: string, between?: (page: number) => Promise<void>) {
  const pages: CursorPage[] = []
  let cursor = ''
  for (let guard = 0; guard < 1000; guard++) {
    const separator = path.includes('?') ? '&' : '?'
    const res = await api.get(`${path}${separator}cursor=${encodeURIComponent(cursor)}`)
    expect(res.status).toBe(200)
    pages.push(res.body as CursorPage)
    if (res.body.nextCursor === undefined) return pages
    cursor = res.body.nextCursor
    await between?.(pages.length)
  }
  throw new Error('no last page')
}

describe.each(EXPRESS_VERSIONS)('cursor paging on %s', (_name, makeExpress) => {
  let scim: ScimApp
  let api: ScimClient

  beforeEach(() => {
    scim = buildScimApp({ express: makeExpress, router: { cursorPaging: { secret: SECRET } } })
    api = client(scim)
  })

  const seed = async (count: number) => {
    const ids: string[] = []
    for (let i = 0; i < count; i++)
      ids.push(await createUser(api, `user${String(i).padStart(2, '0')}@example.com`))
    return ids
  }

  it('pages through every user once, nextCursor on every page but the last, no startIndex', async () => {
    const ids = await seed(7)
    const pages = await allPages(api, '/Users?count=3')
    expect(pages.map((page) => page.itemsPerPage)).toEqual([3, 3, 1])
    expect(pages.flatMap((page) => page.Resources.map((user) => user.id))).toEqual(ids)
    for (const page of pages) {
      expect(page.totalResults).toBe(7)
      expect(page.startIndex).toBeUndefined()
    }
    // The cursor holds only URL-safe characters (RFC 9865 §2: unreserved).
    expect(pages[0]!.nextCursor).toMatch(/^[A-Za-z0-9._~-]+$/)
  })

  it('pages a sorted, filtered list in its order, descending too', async () => {
    await seed(6)
    const pages = await allPages(
      api,
      `/Users?count=2&sortBy=userName&sortOrder=descending&filter=${encodeURIComponent('userName sw "user0"')}`,
    )
    expect(pages.flatMap((page) => page.Resources.map((user) => user.userName))).toEqual([
      'user05@example.com',
      'user04@example.com',
      'user03@example.com',
      'user02@example.com',
      'user01@example.com',
      'user00@example.com',
    ])
  })

  it('stays complete and free of repeats while users are created and deleted between pages', async () => {
    const ids = await seed(10)
    const deleted = new Set<string>()
    const created: string[] = []
    const pages = await allPages(api, '/Users?count=3', async (page) => {
      // Delete one user already read and one not read yet; create one.
      const gone = [ids[page * 3 - 1]!, ids[ids.length - page]!]
      for (const id of gone) {
        if (deleted.has(id)) continue
        expect((await api.delete(`/Users/${id}`)).status).toBe(204)
        deleted.add(id)
      }
      created.push(await createUser(api, `new${page}@example.com`))
    })
    const seen = pages.flatMap((page) => page.Resources.map((user) => user.id))
    expect(new Set(seen).size).toBe(seen.length)
    // Every user that existed from the first page to the last was read.
    const survivors = ids.filter((id) => !deleted.has(id))
    for (const id of survivors) expect(seen).toContain(id)
  })

  it('takes the cursor from a POST /Users/.search body, "" for the first page', async () => {
    const ids = await seed(3)
    const first = await api.post('/Users/.search', { schemas: [SEARCH_SCHEMA], cursor: '', count: 2 })
    expect(first.status).toBe(200)
    const second = await api.post('/Users/.search', {
      schemas: [SEARCH_SCHEMA],
      cursor: first.body.nextCursor,
      count: 2,
    })
    expect(
      [...first.body.Resources, ...second.body.Resources].map((user: { id: string }) => user.id),
    ).toEqual(ids)
    expect(second.body.nextCursor).toBeUndefined()
  })

  it('pages groups by cursor', async () => {
    const groups = [await createGroup(api, 'A'), await createGroup(api, 'B'), await createGroup(api, 'C')]
    const pages = await allPages(api, '/Groups?count=2&excludedAttributes=members')
    expect(pages.flatMap((page) => page.Resources.map((group) => group.id))).toEqual(groups)
  })

  it('answers count=0 with the total only, and no nextCursor', async () => {
    await seed(2)
    const res = await api.get('/Users?cursor&count=0')
    expect(res.body).toMatchObject({ totalResults: 2, itemsPerPage: 0, Resources: [] })
    expect(res.body.nextCursor).toBeUndefined()
  })

  it('starts the next page after what the response carried when the byte budget cut it', async () => {
    scim = buildScimApp({ express: makeExpress, router: { cursorPaging: true, maxResponseBytes: 600 } })
    api = client(scim)
    const ids = await seed(5)
    const pages = await allPages(api, '/Users?count=5')
    expect(pages.length).toBeGreaterThan(1)
    expect(pages.flatMap((page) => page.Resources.map((user) => user.id))).toEqual(ids)
  })

  it('refuses a cursor of another query, a changed count, a forged or foreign cursor: invalidCursor / invalidCount', async () => {
    await seed(4)
    const next = (await api.get('/Users?cursor&count=2')).body.nextCursor as string
    const filtered = await api.get(
      `/Users?count=2&filter=${encodeURIComponent('userName pr')}&cursor=${next}`,
    )
    expectScimErrorResponse(filtered, 400, 'invalidCursor')
    expectScimErrorResponse(await api.get(`/Users?count=3&cursor=${next}`), 400, 'invalidCount')
    expectScimErrorResponse(await api.get(`/Groups?count=2&cursor=${next}`), 400, 'invalidCursor')
    const [body, mac] = next.split('.')
    const forged = Buffer.from(
      JSON.stringify({ ...JSON.parse(Buffer.from(body!, 'base64url').toString()), p: '[0]' }),
    ).toString('base64url')
    for (const bad of [`${forged}.${mac}`, 'nonsense', `${next}x`, 'x'.repeat(3000)]) {
      const res = await api.get(`/Users?count=2&cursor=${encodeURIComponent(bad)}`)
      expectScimErrorResponse(res, 400, 'invalidCursor')
      expect(res.body.detail).not.toContain(bad.slice(0, 20))
    }
    // Another router with another key (another replica without the shared secret) refuses it too.
    const other = client(buildScimApp({ express: makeExpress, router: { cursorPaging: true } }))
    expectScimErrorResponse(await other.get(`/Users?count=2&cursor=${next}`), 400, 'invalidCursor')
    // One with the same secret takes it: replicas share cursors.
    const replica = client(scim)
    expect((await replica.get(`/Users?count=2&cursor=${next}`)).status).toBe(200)
  })

  it('refuses a cursor past its timeout with expiredCursor', async () => {
    scim = buildScimApp({ express: makeExpress, router: { cursorPaging: { secret: SECRET, timeout: 60 } } })
    api = client(scim)
    await seed(3)
    const next = (await api.get('/Users?cursor&count=1')).body.nextCursor as string
    const now = Date.now()
    const clock = jest.spyOn(Date, 'now').mockReturnValue(now + 61_000)
    try {
      expectScimErrorResponse(await api.get(`/Users?count=1&cursor=${next}`), 400, 'expiredCursor')
    } finally {
      clock.mockRestore()
    }
    expect((await api.get(`/Users?count=1&cursor=${next}`)).status).toBe(200)
  })

  it('refuses startIndex with cursor, and a cursor at /.search', async () => {
    expectScimErrorResponse(await api.get('/Users?cursor&startIndex=2'), 400, 'invalidCursor')
    const search = await api.post('/.search', { schemas: [SEARCH_SCHEMA], cursor: '' })
    expectScimErrorResponse(search, 400, 'invalidCursor')
  })

  it('advertises pagination in /ServiceProviderConfig', async () => {
    const spc = await api.get('/ServiceProviderConfig')
    expect(spc.body.pagination).toEqual({
      cursor: true,
      index: true,
      defaultPaginationMethod: 'index',
      defaultPageSize: 100,
      maxPageSize: 1000,
      cursorTimeout: 3600,
    })
  })
})

describe('cursor paging off', () => {
  it('is the default: cursor is 400 invalidCursor, index paging as before, discovery says so', async () => {
    const api = client(buildScimApp())
    await createUser(api, 'a@example.com')
    expectScimErrorResponse(await api.get('/Users?cursor'), 400, 'invalidCursor')
    expect((await api.get('/Users?startIndex=1')).body.startIndex).toBe(1)
    const spc = await api.get('/ServiceProviderConfig')
    expect(spc.body.pagination).toMatchObject({ cursor: false, index: true })
    expect(spc.body.pagination.cursorTimeout).toBeUndefined()
  })

  it('is off for a store without listAfter even when the option is on', async () => {
    const scim = buildScimApp({
      router: { cursorPaging: true },
      wrapUserStore: (store) => ({
        create: (user, context) => store.create(user, context),
        get: (id, context) => store.get(id, context),
        list: (query, context) => store.list(query, context),
        update: (id, fields, version, context) => store.update(id, fields, version, context),
        delete: (id, context) => store.delete(id, context),
      }),
    })
    const api = client(scim)
    expectScimErrorResponse(await api.get('/Users?cursor'), 400, 'invalidCursor')
    expect((await api.get('/ServiceProviderConfig')).body.pagination.cursor).toBe(false)
  })
})
