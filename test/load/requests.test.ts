// The requests a load run sends: valid SCIM bodies (RFC 7643/7644) in the forms Entra ID uses during a sync.

import {
  groupCreate,
  groupLookup,
  groupName,
  type LoadRequest,
  memberAdd,
  remove,
  userCreate,
  userDeactivate,
  userLookup,
  userName,
  userUpdate,
} from '../../lib/load/requests'
import { PATCH_OP_SCHEMA } from '../../lib/patch'

const USER = 'urn:ietf:params:scim:schemas:core:2.0:User'
const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group'
const RUN = '4815162342'

/** The filter of a lookup path, decoded, and the other query parameters. */
function queryOf(request: LoadRequest) {
  const url = new URL(request.path, 'http://host')
  return {
    resource: url.pathname,
    filter: url.searchParams.get('filter'),
    params: [...url.searchParams.keys()],
  }
}

/** RFC 7644 §3.5.2: a PatchOp message; Entra capitalises the op names (`Add`, `Replace`), which the spec allows. */
function expectEntraPatch(request: LoadRequest) {
  expect(request.method).toBe('PATCH')
  // PATCH answers 200 with the resource or 204 without (RFC 7644 §3.5.2).
  expect(request.ok).toEqual([200, 204])
  const body = request.body as {
    schemas: unknown
    Operations: { op: string; path: unknown; value?: unknown }[]
  }
  expect(Object.keys(body).sort()).toEqual(['Operations', 'schemas'])
  expect(body.schemas).toEqual([PATCH_OP_SCHEMA])
  expect(body.Operations.length).toBeGreaterThan(0)
  for (const operation of body.Operations) {
    expect(['Add', 'Replace', 'Remove']).toContain(operation.op)
    expect(typeof operation.path).toBe('string')
  }
  // What is sent is JSON text: the body must survive it unchanged.
  expect(JSON.parse(JSON.stringify(body))).toEqual(body)
  return body
}

describe('names', () => {
  it('carry the run id, so a run only ever touches what it created', () => {
    expect(userName(RUN, 7)).toBe(`load.${RUN}.7@example.test`)
    expect(groupName(RUN, 2)).toBe(`load-${RUN}-group-2`)
    expect(userName(RUN, 1)).not.toBe(userName('1', 1))
    expect(userName(RUN, 1)).not.toBe(userName(RUN, 11))
  })
})

describe('lookups', () => {
  it('look a user up as Entra does before a create: GET /Users?filter=userName eq "…"', () => {
    const request = userLookup(RUN, 3)
    expect(request).toMatchObject({ kind: 'user lookup', method: 'GET', ok: [200] })
    expect(request.body).toBeUndefined()
    expect(queryOf(request)).toEqual({
      resource: '/Users',
      filter: `userName eq "${userName(RUN, 3)}"`,
      params: ['filter'],
    })
    // Percent-encoded: a raw space or quote in a request target is not valid HTTP.
    expect(request.path).not.toMatch(/[ "]/)
  })

  it('look a group up by displayName, without its members (RFC 7644 §3.4.2.5 excludedAttributes)', () => {
    const request = groupLookup(RUN, 1)
    expect(request).toMatchObject({ kind: 'group lookup', method: 'GET', ok: [200] })
    expect(queryOf(request)).toEqual({
      resource: '/Groups',
      filter: `displayName eq "${groupName(RUN, 1)}"`,
      params: ['excludedAttributes', 'filter'],
    })
    expect(new URL(request.path, 'http://host').searchParams.get('excludedAttributes')).toBe('members')
  })
})

describe('creates', () => {
  it('create an active user with the core User schema, a unique userName and a work email', () => {
    const request = userCreate(RUN, 5)
    expect(request).toMatchObject({ kind: 'user create', method: 'POST', path: '/Users', ok: [201] })
    expect(request.body).toEqual({
      schemas: [USER],
      externalId: `load-${RUN}-5`,
      userName: userName(RUN, 5),
      active: true,
      displayName: 'Load User 5',
      name: { givenName: 'Load', familyName: 'User 5' },
      emails: [{ primary: true, type: 'work', value: userName(RUN, 5) }],
    })
  })

  it('create a group with the core Group schema and no members yet (they come in batches)', () => {
    const request = groupCreate(RUN, 0)
    expect(request).toMatchObject({ kind: 'group create', method: 'POST', path: '/Groups', ok: [201] })
    expect(request.body).toEqual({
      schemas: [GROUP],
      externalId: `load-${RUN}-group-0`,
      displayName: groupName(RUN, 0),
      members: [],
    })
  })
})

describe('PATCH bodies', () => {
  it('add a batch of members as one Add on "members" with a list of values', () => {
    const request = memberAdd('g/1 2', ['u1', 'u2', 'u3'])
    expect(request.kind).toBe('member add')
    // An id is a path segment: encoded, so an id with a slash or space still names one resource.
    expect(request.path).toBe('/Groups/g%2F1%202')
    const body = expectEntraPatch(request)
    expect(body.Operations).toEqual([
      { op: 'Add', path: 'members', value: [{ value: 'u1' }, { value: 'u2' }, { value: 'u3' }] },
    ])
  })

  it('update a user with one Replace per attribute path, sub-attributes included', () => {
    const request = userUpdate('u-9', 9)
    expect(request).toMatchObject({ kind: 'user update', path: '/Users/u-9' })
    const body = expectEntraPatch(request)
    expect(body.Operations).toEqual([
      { op: 'Replace', path: 'displayName', value: 'Load User 9 (updated)' },
      { op: 'Replace', path: 'name.familyName', value: 'User 9 updated' },
    ])
  })

  it('deactivate a user as Entra does: Replace active with the string "False", not a boolean', () => {
    const request = userDeactivate('u 1')
    expect(request).toMatchObject({ kind: 'user deactivate', path: '/Users/u%201' })
    const body = expectEntraPatch(request)
    expect(body.Operations).toEqual([{ op: 'Replace', path: 'active', value: 'False' }])
    expect(typeof body.Operations[0]?.value).toBe('string')
  })
})

describe('deletes', () => {
  it('count 404 as done: the resource is gone either way', () => {
    const request = remove('/Users/abc')
    expect(request).toEqual({ kind: 'delete', method: 'DELETE', path: '/Users/abc', ok: [204, 200, 404] })
  })
})
