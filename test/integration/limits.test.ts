// Bounded cost over HTTP: values per attribute, bytes per stored resource and per list page, and `active` that only an explicit true turns on.
import { describe, expect, it } from '@jest/globals'
import {
  buildScimApp,
  client,
  LIST_SCHEMA,
  PATCH_SCHEMA,
  SEARCH_SCHEMA,
  teamStoreOver,
  USER_SCHEMA,
} from '../helpers/scim-app'

const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group'

const emails = (count: number, prefix = 'e') =>
  Array.from({ length: count }, (_, i) => ({ value: `${prefix}${i}@example.com`, type: 'work' }))

const user = (userName: string, extra: Record<string, unknown> = {}) => ({
  schemas: [USER_SCHEMA],
  userName,
  externalId: `ext-${userName}`,
  active: true,
  ...extra,
})

const patch = (...Operations: unknown[]) => ({ schemas: [PATCH_SCHEMA], Operations })

function expectError(
  response: { status: number; body: Record<string, unknown> },
  status: number,
  scimType?: string,
) {
  expect(response.status).toBe(status)
  expect(response.body.status).toBe(String(status))
  if (scimType !== undefined) expect(response.body.scimType).toBe(scimType)
}

describe('values per multi-valued attribute (maxValuesPerAttribute)', () => {
  it('refuses a POST over the limit with 400 invalidValue naming the attribute, and stores nothing', async () => {
    const scim = buildScimApp({ router: { maxValuesPerAttribute: 10 } })
    const http = client(scim)
    const response = await http.post('/Users', user('carol', { emails: emails(11) }))
    expectError(response, 400, 'invalidValue')
    expect(response.body.detail).toContain("'emails'")
    expect((await http.get('/Users')).body.totalResults).toBe(0)
    expect((await http.post('/Users', user('carol', { emails: emails(10) }))).status).toBe(201)
  })

  it('refuses a PUT and a PATCH that would pass it, leaving the user as it was', async () => {
    const scim = buildScimApp({ router: { maxValuesPerAttribute: 10 } })
    const http = client(scim)
    const created = await http.post('/Users', user('dave', { emails: emails(9) }))
    const id = created.body.id as string
    const version = created.body.meta.version
    const put = await http.put(`/Users/${id}`, user('dave', { emails: emails(11) }))
    expectError(put, 400, 'invalidValue')
    const added = await http.patch(
      `/Users/${id}`,
      patch({ op: 'add', path: 'emails', value: emails(2, 'new') }),
    )
    expectError(added, 400, 'invalidValue')
    expect(added.body.detail).toContain("'emails'")
    const extension = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User'
    const roles = Array.from({ length: 11 }, (_, i) => ({ value: `r${i}` }))
    expectError(await http.patch(`/Users/${id}`, patch({ op: 'add', path: 'roles', value: roles })), 400)
    const after = await http.get(`/Users/${id}`)
    expect(after.body.meta.version).toBe(version)
    expect(after.body.emails).toHaveLength(9)
    expect(after.body[extension]).toBeUndefined()
  })

  it('does not count group members, which are not stored in the document', async () => {
    const scim = buildScimApp({ router: { maxValuesPerAttribute: 2 } })
    const http = client(scim)
    const ids: string[] = []
    for (let i = 0; i < 5; i++) ids.push((await http.post('/Users', user(`m${i}`))).body.id)
    const group = await http.post('/Groups', {
      schemas: [GROUP_SCHEMA],
      displayName: 'All',
      members: ids.map((value) => ({ value })),
    })
    expect(group.status).toBe(201)
  })
})

describe('limits never block deprovisioning or shrinking', () => {
  /** A user stored with 50 emails and a 6 KB title, then a router with lower limits over the same store. */
  async function oversized() {
    const before = buildScimApp()
    const created = await client(before).post(
      '/Users',
      user('gina', { emails: emails(50), title: 't'.repeat(6000) }),
    )
    expect(created.status).toBe(201)
    const scim = buildScimApp({
      router: { userStore: before.userStore, maxValuesPerAttribute: 10, maxResourceBytes: '4kb' },
    })
    return { http: client(scim), id: created.body.id as string }
  }

  it('deactivates a user stored over the limits (PATCH and PUT)', async () => {
    const { http, id } = await oversized()
    const off = await http.patch(`/Users/${id}`, patch({ op: 'replace', path: 'active', value: false }))
    // Before: 400, and the person stayed active.
    expect(off.status).toBe(200)
    expect(off.body.active).toBe(false)
    const current = (await http.get(`/Users/${id}`)).body
    const put = await http.put(`/Users/${id}`, { ...current, title: 'Engineer' })
    expect(put.status).toBe(200)
    // A PUT that adds an attribute to a resource over the byte limit enlarges it: refused.
    expectError(await http.put(`/Users/${id}`, { ...current, displayName: 'Gina' }), 413)
  })

  it('lets a write shrink an oversized attribute, but not grow it', async () => {
    const { http, id } = await oversized()
    const removed = await http.patch(
      `/Users/${id}`,
      patch({ op: 'remove', path: 'emails[value eq "e0@example.com"]' }),
    )
    expect(removed.status).toBe(200)
    expect(removed.body.emails).toHaveLength(49)
    const grown = await http.patch(
      `/Users/${id}`,
      patch({ op: 'add', path: 'emails', value: emails(1, 'new') }),
    )
    expectError(grown, 400, 'invalidValue')
    const longer = await http.patch(
      `/Users/${id}`,
      patch({ op: 'replace', path: 'title', value: 't'.repeat(7000) }),
    )
    expectError(longer, 413)
  })

  it('names an extension attribute as a PATCH path does', async () => {
    const scim = buildScimApp({
      router: {
        maxValuesPerAttribute: 2,
        extensions: [
          {
            resourceType: 'User',
            schema: {
              id: 'urn:example:params:scim:schemas:extension:acme:2.0:User',
              name: 'Acme',
              attributes: [{ name: 'tags', type: 'string', multiValued: true }],
            },
          },
        ],
      },
    })
    const urn = 'urn:example:params:scim:schemas:extension:acme:2.0:User'
    const response = await client(scim).post('/Users', {
      ...user('hana'),
      schemas: [USER_SCHEMA, urn],
      [urn]: { tags: ['a', 'b', 'c'] },
    })
    expectError(response, 400, 'invalidValue')
    expect(response.body.detail).toContain(`'${urn}:tags'`)
  })
})

describe('bytes per stored resource (maxResourceBytes)', () => {
  it('answers 413 for a POST, PUT or PATCH that would store more, and writes nothing', async () => {
    const scim = buildScimApp({ router: { maxResourceBytes: '4kb' } })
    const http = client(scim)
    const big = 'x'.repeat(5000)
    const post = await http.post('/Users', user('erin', { displayName: big }))
    expectError(post, 413)
    expect(post.body.detail).not.toContain(big)
    const created = await http.post('/Users', user('erin', { displayName: 'Erin' }))
    expect(created.status).toBe(201)
    const id = created.body.id as string
    expectError(await http.put(`/Users/${id}`, user('erin', { displayName: big })), 413)
    expectError(await http.patch(`/Users/${id}`, patch({ op: 'replace', path: 'title', value: big })), 413)
    const stored = await http.get(`/Users/${id}`)
    expect(stored.body.displayName).toBe('Erin')
    expect(stored.body.title).toBeUndefined()
    expect(stored.body.meta.version).toBe(created.body.meta.version)
  })

  it('fails fast on a bad limit', () => {
    expect(() => buildScimApp({ router: { maxResourceBytes: 'lots' } })).toThrow(TypeError)
    expect(() => buildScimApp({ router: { maxValuesPerAttribute: 0 } })).toThrow(TypeError)
    expect(() => buildScimApp({ router: { maxResponseBytes: -1 } })).toThrow(TypeError)
    expect(() => buildScimApp({ router: { maxValueFilterTests: 1.5 } })).toThrow(TypeError)
  })
})

describe('bytes per list response (maxResponseBytes)', () => {
  it('fills a page up to the budget, says so in itemsPerPage, and pages on from there without loss', async () => {
    const scim = buildScimApp({ router: { maxResponseBytes: '20kb' } })
    const http = client(scim)
    const padding = 'p'.repeat(3000)
    for (let i = 0; i < 12; i++) {
      expect(
        (await http.post('/Users', user(`u${String(i).padStart(2, '0')}`, { title: padding }))).status,
      ).toBe(201)
    }
    const seen: string[] = []
    let startIndex = 1
    for (let guard = 0; guard < 20 && seen.length < 12; guard++) {
      const page = await http.get(`/Users?startIndex=${startIndex}&count=100&sortBy=userName`)
      expect(page.status).toBe(200)
      expect(page.body.schemas).toEqual([LIST_SCHEMA])
      expect(page.body.totalResults).toBe(12)
      expect(page.body.itemsPerPage).toBe(page.body.Resources.length)
      expect(page.body.itemsPerPage).toBeGreaterThan(0)
      expect(page.body.itemsPerPage).toBeLessThan(12)
      expect(Buffer.byteLength(JSON.stringify(page.body.Resources))).toBeLessThanOrEqual(20 * 1024)
      seen.push(...page.body.Resources.map((r: { userName: string }) => r.userName))
      startIndex += page.body.itemsPerPage
    }
    expect(seen).toEqual(Array.from({ length: 12 }, (_, i) => `u${String(i).padStart(2, '0')}`))
  })

  it('always returns at least one resource, even one larger than the budget', async () => {
    const scim = buildScimApp({ router: { maxResponseBytes: 100 } })
    const http = client(scim)
    await http.post('/Users', user('solo'))
    await http.post('/Users', user('second'))
    const page = await http.get('/Users')
    expect(page.body.itemsPerPage).toBe(1)
    expect(page.body.Resources).toHaveLength(1)
    expect(page.body.totalResults).toBe(2)
  })

  it("reads a group's members only while their count fits the budget", async () => {
    let memberReads = 0
    const scim = buildScimApp({
      router: { maxResponseBytes: '50kb' },
      wrapTeamStore: (store) =>
        teamStoreOver(store, {
          listMembers: (id, page, context) => {
            memberReads++
            return store.listMembers(id, page, context)
          },
        }),
    })
    const http = client(scim)
    const ids: string[] = []
    for (let i = 0; i < 1500; i++)
      ids.push(
        (
          await scim.userStore.create(
            { userName: `m${i}`, active: true, provisioned: true, document: {} },
            { tenant: scim.tenant, principal: { tenant: scim.tenant }, requestId: 't' },
          )
        ).id,
      )
    for (let g = 0; g < 5; g++) {
      expect(
        (
          await http.post('/Groups', {
            schemas: [GROUP_SCHEMA],
            displayName: `G${g}`,
            members: ids.map((value) => ({ value })),
          })
        ).status,
      ).toBe(201)
    }
    memberReads = 0
    const page = await http.get('/Groups')
    expect(page.status).toBe(200)
    expect(page.body.totalResults).toBe(5)
    // The first group always; the second's 1,500 members cannot fit what is left: the page ends.
    expect(page.body.itemsPerPage).toBe(1)
    expect(page.body.Resources[0].members).toHaveLength(1500)
    // Before: every group's member list read, 5 reads, a page far over the budget.
    expect(memberReads).toBe(2)
    const lean = await http.get('/Groups?excludedAttributes=members')
    expect(lean.body.itemsPerPage).toBe(5)
  })

  it("reads a page of groups' first members in one batch, no more than the budget could hold, and the rest of an admitted group after it", async () => {
    const calls: string[] = []
    const batches: { ids: number; count: number }[] = []
    const scim = buildScimApp({
      router: { maxResponseBytes: '50kb' },
      wrapTeamStore: (store) =>
        teamStoreOver(store, {
          listMembers: (id, page, context) => {
            calls.push(`listMembers from ${page.startIndex}`)
            return store.listMembers(id, page, context)
          },
          listMembersOfTeams: (ids, page, context) => {
            calls.push('listMembersOfTeams')
            batches.push({ ids: ids.length, count: page.count })
            return store.listMembersOfTeams(ids, page, context)
          },
        }),
    })
    const http = client(scim)
    const context = { tenant: scim.tenant, principal: { tenant: scim.tenant }, requestId: 't' }
    const ids: string[] = []
    for (let i = 0; i < 1500; i++)
      ids.push(
        (
          await scim.userStore.create(
            { userName: `b${i}`, active: true, provisioned: true, document: {} },
            context,
          )
        ).id,
      )
    for (let g = 0; g < 5; g++) {
      const members = (g === 0 ? ids : ids.slice(0, 3)).map((value) => ({ value }))
      expect(
        (await http.post('/Groups', { schemas: [GROUP_SCHEMA], displayName: `B${g}`, members })).status,
      ).toBe(201)
    }
    calls.length = 0
    const page = await http.get('/Groups?sortBy=displayName')
    expect(page.status).toBe(200)
    // One batch for the five groups, 50 KiB / 50 bytes / 5 groups = 204 members each at most; then the
    // rest of the large first group from member 205 on.
    expect(calls).toEqual(['listMembersOfTeams', 'listMembers from 205'])
    expect(batches).toEqual([{ ids: 5, count: 204 }])
    expect(page.body.Resources[0].members.map((m: { value: string }) => m.value)).toEqual(ids)
    // The first group always fits; its 1,500 members fill the budget, so the page ends there.
    expect(page.body.itemsPerPage).toBe(1)
    calls.length = 0
    const rest = await http.get('/Groups?sortBy=displayName&startIndex=2')
    expect(rest.body.Resources.map((g: { members: unknown[] }) => g.members.length)).toEqual([3, 3, 3, 3])
    expect(calls).toEqual(['listMembersOfTeams'])
  })

  it('bounds /.search across users and groups with one budget', async () => {
    const scim = buildScimApp({ router: { maxResponseBytes: '8kb' } })
    const http = client(scim)
    const padding = 'p'.repeat(3000)
    for (let i = 0; i < 4; i++) await http.post('/Users', user(`s${i}`, { title: padding }))
    await http.post('/Groups', { schemas: [GROUP_SCHEMA], displayName: 'G' })
    const page = await http.post('/.search', { schemas: [SEARCH_SCHEMA], count: 100 })
    expect(page.status).toBe(200)
    expect(page.body.totalResults).toBe(5)
    expect(page.body.itemsPerPage).toBe(page.body.Resources.length)
    expect(page.body.itemsPerPage).toBeLessThan(5)
  })
})

describe('active fails closed', () => {
  async function deactivated() {
    const scim = buildScimApp()
    const http = client(scim)
    const created = await http.post('/Users', user('frank'))
    const id = created.body.id as string
    const off = await http.patch(`/Users/${id}`, patch({ op: 'replace', path: 'active', value: false }))
    expect(off.body.active).toBe(false)
    return { scim, http, id }
  }

  it.each([
    ['remove active', { op: 'remove', path: 'active' }],
    ["Entra's Remove active", { op: 'Remove', path: 'active' }],
    ['replace active null', { op: 'replace', path: 'active', value: null }],
    ['path-less active null', { op: 'replace', value: { active: null } }],
    ['path-less add active null', { op: 'add', value: { active: null, displayName: 'F' } }],
  ])('%s keeps a deactivated user deactivated', async (_label, operation) => {
    const { http, id, scim } = await deactivated()
    const response = await http.patch(`/Users/${id}`, patch(operation))
    // Before: 200 with active true, the person back in.
    expect(response.status).toBe(200)
    expect(response.body.active).toBe(false)
    expect((await http.get(`/Users/${id}`)).body.active).toBe(false)
    expect(scim.events.some((e) => e.type === 'user.reactivated')).toBe(false)
  })

  it.each([
    ['true', true],
    ['Entra\'s "True"', 'True'],
  ])('only an explicit %s enables', async (_label, value) => {
    const { http, id } = await deactivated()
    const response = await http.patch(`/Users/${id}`, patch({ op: 'replace', path: 'active', value }))
    expect(response.body.active).toBe(true)
  })
})

describe('attribute lists', () => {
  it('refuses more than 256 names in attributes (each is parsed and resolved)', async () => {
    const http = client(buildScimApp())
    const names = Array.from({ length: 257 }, (_, i) => `name${i}`)
    const response = await http.post('/Users/.search', {
      schemas: [SEARCH_SCHEMA],
      attributes: names,
    })
    expectError(response, 400, 'invalidValue')
    const fine = await http.post('/Users/.search', {
      schemas: [SEARCH_SCHEMA],
      attributes: names.slice(0, 256),
    })
    expect(fine.status).toBe(200)
  })
})
