// The route table as data, and SCIM operations called directly with a hand-built request and no HTTP, as /Bulk will call them.
import { jest } from '@jest/globals'
import { isScimError, type ScimError } from '../../lib/errors'
import { bodyText, type ScimResponse } from '../../lib/resources/response'
import { type Route, RouteTable } from '../../lib/resources/routes'
import { newTeam, newUser, OPERATION_BASE_URL, operationHarness } from '../helpers/operation-request'
import {
  contextFor,
  GROUP_SCHEMA,
  LIST_SCHEMA,
  PATCH_SCHEMA,
  USER_SCHEMA,
  WEAK_ETAG,
} from '../helpers/scim-app'

/** A route's methods as `METHOD operation` (with `+body` when the adapter reads a body first). */
function describeRoute(route: Route | undefined): string[] | undefined {
  if (!route) return undefined
  return Object.entries(route.methods).map(
    ([method, entry]) => `${method} ${entry.operation}${entry.body ? ' +body' : ''}`,
  )
}

/** Every route a table serves, as `label -> methods`, read through `match` on one path per route. */
function inventory(table: RouteTable): Record<string, string[] | undefined> {
  const paths = [
    ['Users'],
    ['Users', '.search'],
    ['Users', 'x'],
    ['Groups'],
    ['Groups', '.search'],
    ['Groups', 'x'],
    ['.search'],
    ['ServiceProviderConfig'],
    ['ResourceTypes'],
    ['ResourceTypes', 'x'],
    ['Schemas'],
    ['Schemas', 'x'],
    ['Me'],
    ['Me', 'x'],
    ['Bulk'],
  ]
  const routes: Record<string, string[] | undefined> = {}
  for (const path of paths) {
    const match = table.match(path)
    if (match) routes[match.route.label] = describeRoute(match.route)
  }
  return routes
}

const UNIMPLEMENTED = (name: string) => [
  `GET ${name}`,
  `POST ${name}`,
  `PUT ${name}`,
  `PATCH ${name}`,
  `DELETE ${name}`,
]

const USER_ROUTES = {
  '/Users': ['GET users.list', 'POST users.create +body'],
  '/Users/.search': ['POST users.search +body'],
  '/Users/:id': [
    'GET users.get',
    'PUT users.replace +body',
    'PATCH users.patch +body',
    'DELETE users.delete',
  ],
}

const SHARED_ROUTES = {
  '/.search': ['POST search +body'],
  '/ServiceProviderConfig': ['GET discovery.serviceProviderConfig'],
  '/ResourceTypes': ['GET discovery.resourceTypes'],
  '/Schemas': ['GET discovery.schemas'],
  '/Me': UNIMPLEMENTED('me'),
  '/Bulk': UNIMPLEMENTED('bulk'),
}

describe('the route table as data', () => {
  it('serves users, groups, the searches, discovery, and refuses /Me and /Bulk, with a TeamStore', () => {
    expect(inventory(new RouteTable({ groups: true }))).toEqual({
      ...USER_ROUTES,
      '/Groups': ['GET groups.list', 'POST groups.create +body'],
      '/Groups/.search': ['POST groups.search +body'],
      '/Groups/:id': [
        'GET groups.get',
        'PUT groups.replace +body',
        'PATCH groups.patch +body',
        'DELETE groups.delete',
      ],
      ...SHARED_ROUTES,
    })
  })

  it('has no /Groups route at all without a TeamStore', () => {
    const table = new RouteTable({ groups: false })
    expect(inventory(table)).toEqual({ ...USER_ROUTES, ...SHARED_ROUTES })
    expect(table.match(['Groups'])).toBeUndefined()
    expect(table.match(['Groups', 'abc'])).toBeUndefined()
    expect(table.match(['Groups', '.search'])).toBeUndefined()
  })

  it('tells /.search below an endpoint from an id, and carries the id of an item route', () => {
    const table = new RouteTable({ groups: true })
    expect(table.match(['Users', '.search'])).toMatchObject({
      route: { label: '/Users/.search' },
      id: undefined,
    })
    expect(table.match(['Users', 'abc'])).toMatchObject({ route: { label: '/Users/:id' }, id: 'abc' })
    expect(table.match(['Groups', '.search'])).toMatchObject({ route: { label: '/Groups/.search' } })
    // Only the exact segment is the search: anything else is an id.
    expect(table.match(['Users', '.Search'])).toMatchObject({ route: { label: '/Users/:id' }, id: '.Search' })
    expect(table.match(['Users', 'search'])).toMatchObject({ route: { label: '/Users/:id' }, id: 'search' })
    expect(table.match(['Users'])).toMatchObject({ route: { label: '/Users' }, id: undefined })
    expect(table.match(['Schemas', USER_SCHEMA])).toMatchObject({
      route: { label: '/Schemas' },
      id: USER_SCHEMA,
    })
  })

  it('matches endpoint names case-insensitively, and keeps the id as sent', () => {
    const table = new RouteTable({ groups: true })
    for (const name of ['users', 'USERS', 'uSeRs']) {
      expect(table.match([name, 'AbC'])).toMatchObject({ route: { label: '/Users/:id' }, id: 'AbC' })
    }
    expect(table.match(['groups'])?.route.label).toBe('/Groups')
    expect(table.match(['serviceproviderconfig'])?.route.label).toBe('/ServiceProviderConfig')
    expect(table.match(['RESOURCETYPES', 'User'])?.route.label).toBe('/ResourceTypes')
    expect(table.match(['bulk'])?.route.label).toBe('/Bulk')
    expect(table.match(['.SEARCH'])?.route.label).toBe('/.search')
  })

  it.each<[string, string[]]>([
    ['the root', []],
    ['an unknown endpoint', ['Nope']],
    ['an unknown endpoint below a known prefix', ['UsersX']],
    ['a path too deep', ['Users', 'abc', 'extra']],
    ['an id below /.search', ['.search', 'abc']],
    ['an id below /ServiceProviderConfig', ['ServiceProviderConfig', 'x']],
    ['an id below /Bulk', ['Bulk', 'x']],
    ['a /v2 segment (the adapter strips it first)', ['v2', 'Users']],
  ])('answers undefined for %s', (_, segments) => {
    expect(new RouteTable({ groups: true }).match(segments)).toBeUndefined()
  })

  it('answers /Me (without resolveMe) and /Bulk (when off) with 501 for every method', async () => {
    const table = new RouteTable({ groups: true })
    const harness = operationHarness()
    for (const path of [['Me'], ['Me', 'abc'], ['Bulk']]) {
      const match = table.match(path)!
      for (const [method, entry] of Object.entries(match.route.methods)) {
        const request = harness.request({ method, route: match.route.label, id: match.id })
        const thrown = await rejection(async () => entry.run(request))
        expect(thrown).toMatchObject({ status: 501 })
      }
    }
  })

  it('serves POST /Bulk, reading its body up to bulk.maxPayloadSize, when bulk is on', () => {
    const table = new RouteTable({ groups: true, bulk: { maxOperations: 10, maxPayloadSize: 4096 } })
    expect(inventory(table)['/Bulk']).toEqual(['POST bulk +body'])
    expect(table.match(['Bulk'])!.route.methods.POST!.bodyLimit).toBe(4096)
    // Only the collection: an id below /Bulk names nothing.
    expect(table.match(['Bulk', 'x'])).toBeUndefined()
  })

  it('builds a table per router: two tables share no route objects', () => {
    const one = new RouteTable({ groups: true }).match(['Users'])!.route
    const two = new RouteTable({ groups: true }).match(['Users'])!.route
    expect(one).not.toBe(two)
    expect(describeRoute(one)).toEqual(describeRoute(two))
  })
})

/** What a call throws (resolving means the test fails). */
async function rejection(call: () => Promise<unknown>): Promise<ScimError> {
  let thrown: unknown
  try {
    await call()
  } catch (error) {
    thrown = error
  }
  if (thrown === undefined) throw new Error('expected the operation to throw')
  if (!isScimError(thrown)) throw thrown
  return thrown
}

function json(response: ScimResponse): Record<string, unknown> {
  return JSON.parse(bodyText(response)!) as Record<string, unknown>
}

describe('operations called directly, without HTTP', () => {
  it('POST /Users answers 201 with Location, ETag and the resource', async () => {
    const harness = operationHarness()
    const response = await harness.call('POST', '/Users', {
      body: { schemas: [USER_SCHEMA], userName: 'alice', displayName: 'Alice', active: true },
    })
    expect(response.status).toBe(201)
    const body = json(response)
    const id = body.id as string
    const stored = harness.userStore.get(id, contextFor())!
    expect(response.headers).toEqual({
      ETag: `W/"${stored.version}"`,
      Location: `${OPERATION_BASE_URL}/Users/${id}`,
    })
    expect(response.headers.ETag).toMatch(WEAK_ETAG)
    expect(body).toMatchObject({
      schemas: [USER_SCHEMA],
      id,
      userName: 'alice',
      displayName: 'Alice',
      active: true,
      meta: {
        resourceType: 'User',
        location: `${OPERATION_BASE_URL}/Users/${id}`,
        version: response.headers.ETag,
      },
    })
    expect(stored.provisioned).toBe(true)
  })

  it('GET /Users/:id answers 200 with the ETag; If-None-Match on it answers 304 without a body', async () => {
    const harness = operationHarness()
    const user = harness.userStore.create(newUser('bob'), contextFor())
    const response = await harness.call('GET', `/Users/${user.id}`)
    expect(response.status).toBe(200)
    expect(response.headers).toEqual({ ETag: `W/"${user.version}"` })
    expect(json(response)).toMatchObject({ id: user.id, userName: 'bob' })

    const notModified = await harness.call('GET', `/Users/${user.id}`, {
      headers: { ifNoneMatch: response.headers.ETag! },
    })
    expect(notModified.status).toBe(304)
    expect(notModified.body).toBeUndefined()
    expect(bodyText(notModified)).toBeUndefined()
    expect(notModified.headers).toEqual({ ETag: response.headers.ETag })

    const changed = await harness.call('GET', `/Users/${user.id}`, { headers: { ifNoneMatch: 'W/"other"' } })
    expect(changed.status).toBe(200)
  })

  it('GET /Users answers a ListResponse as JSON text, which bodyText hands over as it is', async () => {
    const harness = operationHarness()
    harness.userStore.create(newUser('carol'), contextFor())
    const response = await harness.call('GET', '/Users', { query: 'filter=userName eq "carol"' })
    expect(response.status).toBe(200)
    expect(json(response)).toMatchObject({
      schemas: [LIST_SCHEMA],
      totalResults: 1,
      Resources: [{ userName: 'carol' }],
    })
  })

  it('PATCH /Groups/:id answers 204 with the new ETag, and the members are written', async () => {
    const harness = operationHarness()
    const user = harness.userStore.create(newUser('dave'), contextFor())
    const team = harness.teamStore.create(newTeam('Ops'), [], contextFor())
    const response = await harness.call('PATCH', `/Groups/${team.id}`, {
      body: {
        schemas: [PATCH_SCHEMA],
        Operations: [{ op: 'add', path: 'members', value: [{ value: user.id }] }],
      },
    })
    expect(response.status).toBe(204)
    expect(response.body).toBeUndefined()
    const after = harness.teamStore.get(team.id, contextFor())!
    expect(response.headers).toEqual({ ETag: `W/"${after.version}"` })
    expect(harness.teamStore.teamsOfUser('acme', user.id)).toEqual([team.id])
  })

  it('POST /Groups answers 201 with its Location', async () => {
    const harness = operationHarness()
    const response = await harness.call('POST', '/Groups', {
      body: { schemas: [GROUP_SCHEMA], displayName: 'Platform' },
    })
    expect(response.status).toBe(201)
    const id = json(response).id as string
    expect(response.headers.Location).toBe(`${OPERATION_BASE_URL}/Groups/${id}`)
  })

  it.each<[string, string]>([
    ['U+0000', 'a\u0000b'],
    ['over 512 characters', 'x'.repeat(513)],
  ])('throws a SCIM 404 for an id with %s, before any store call', async (_, id) => {
    const harness = operationHarness()
    const get = jest.spyOn(harness.userStore, 'get')
    const teamGet = jest.spyOn(harness.teamStore, 'get')
    for (const [method, path] of [
      ['GET', `/Users/${id}`],
      ['DELETE', `/Users/${id}`],
      ['GET', `/Groups/${id}`],
    ] as const) {
      const thrown = await rejection(() => harness.call(method, path))
      expect(thrown).toMatchObject({ status: 404 })
    }
    expect(get).not.toHaveBeenCalled()
    expect(teamGet).not.toHaveBeenCalled()
  })

  it('throws a SCIM 404 for an id the store does not hold', async () => {
    const harness = operationHarness()
    const thrown = await rejection(() => harness.call('GET', '/Users/nobody'))
    expect(thrown).toMatchObject({ status: 404, message: 'User not found' })
  })

  it('throws a SCIM 403 when the sync switch for the resource is off, and writes nothing', async () => {
    const harness = operationHarness()
    const create = jest.spyOn(harness.userStore, 'create')
    const users = await rejection(() =>
      harness.call('POST', '/Users', {
        settings: { userSyncEnabled: false },
        body: { schemas: [USER_SCHEMA], userName: 'erin', active: true },
      }),
    )
    expect(users).toMatchObject({ status: 403 })
    expect(users.message).toMatch(/userSyncEnabled/)
    expect(create).not.toHaveBeenCalled()
    const groups = await rejection(() =>
      harness.call('POST', '/Groups', {
        settings: { groupSyncEnabled: false },
        body: { schemas: [GROUP_SCHEMA], displayName: 'Ops' },
      }),
    )
    expect(groups).toMatchObject({ status: 403 })
  })

  it('throws a SCIM 400 for a body-taking operation called without a body', async () => {
    const harness = operationHarness()
    const thrown = await rejection(() => harness.call('POST', '/Users'))
    expect(thrown).toMatchObject({ status: 400, scimType: 'invalidSyntax' })
  })

  it('answers discovery from the request alone', async () => {
    const harness = operationHarness({ withoutTeams: true })
    const config = await harness.call('GET', '/ServiceProviderConfig')
    expect(config.status).toBe(200)
    expect(json(config)).toMatchObject({
      meta: { location: `${OPERATION_BASE_URL}/ServiceProviderConfig` },
      bulk: { supported: true, maxOperations: 1000, maxPayloadSize: 1024 * 1024 },
    })
    const types = json(await harness.call('GET', '/ResourceTypes')) as { Resources: { id: string }[] }
    expect(types.Resources.map((type) => type.id)).toEqual(['User'])
  })

  it('runs POST /.search across users and groups', async () => {
    const harness = operationHarness()
    harness.userStore.create(newUser('frank'), contextFor())
    harness.teamStore.create(newTeam('Ops'), [], contextFor())
    const response = await harness.call('POST', '/.search', {
      body: { schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'] },
    })
    expect(json(response)).toMatchObject({ totalResults: 2 })
  })
})
