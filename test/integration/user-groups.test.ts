// The `groups` of users (RFC 7643 §4.1.2, readOnly) through a real Express app: read with one TeamStore call per response, never per user, and not at all when excluded.
import { type MemoryTeamStore, MemoryUserStore } from '../../lib'
import type { TeamStore } from '../../types/stores'
import {
  buildScimApp,
  client,
  createGroup,
  createUser,
  EXPRESS_VERSIONS,
  expectScimErrorResponse,
  patchBody,
  type ScimApp,
  type ScimClient,
  teamStoreOver,
  userBody,
} from '../helpers/scim-app'

/** A TeamStore over the memory one whose `listTeamsOfUsers` calls are recorded (the user ids of each). */
function countingTeams(calls: string[][]): (store: MemoryTeamStore) => TeamStore {
  return (store) =>
    teamStoreOver(store, {
      listTeamsOfUsers: (ids, limit, context) => {
        calls.push([...ids])
        return store.listTeamsOfUsers(ids, limit, context)
      },
    })
}

describe.each(EXPRESS_VERSIONS)('groups on users on %s', (_name, makeExpress) => {
  let scim: ScimApp
  let api: ScimClient
  let calls: string[][]

  beforeEach(() => {
    calls = []
    scim = buildScimApp({ express: makeExpress, wrapTeamStore: countingTeams(calls) })
    api = client(scim)
  })

  it('GET /Users/:id carries the teams the user belongs to, as direct memberships with their URL', async () => {
    const alice = await createUser(api, 'alice@example.com')
    const platform = await createGroup(api, 'Platform', [alice])
    const ops = await createGroup(api, 'Ops', [alice])
    calls.length = 0
    const res = await api.get(`/Users/${alice}`)
    expect(res.status).toBe(200)
    expect(res.body.groups).toEqual([
      {
        value: platform,
        $ref: expect.stringMatching(new RegExp(`/scim/Groups/${platform}$`)),
        display: 'Platform',
        type: 'direct',
      },
      {
        value: ops,
        $ref: expect.stringMatching(new RegExp(`/scim/Groups/${ops}$`)),
        display: 'Ops',
        type: 'direct',
      },
    ])
    expect(calls).toEqual([[alice]])
    // The group's URL answers the group.
    expect((await api.get(`/Groups/${platform}`)).body.displayName).toBe('Platform')
  })

  it('follows membership changes and renames live, and leaves groups out for a user in no team', async () => {
    const bob = await createUser(api, 'bob@example.com')
    expect((await api.get(`/Users/${bob}`)).body.groups).toBeUndefined()
    const team = await createGroup(api, 'Before')
    await api.patch(`/Groups/${team}`, patchBody({ op: 'add', path: 'members', value: [{ value: bob }] }))
    await api.patch(`/Groups/${team}`, patchBody({ op: 'replace', path: 'displayName', value: 'After' }))
    expect((await api.get(`/Users/${bob}`)).body.groups).toEqual([
      expect.objectContaining({ value: team, display: 'After' }),
    ])
    await api.patch(`/Groups/${team}`, patchBody({ op: 'remove', path: `members[value eq "${bob}"]` }))
    expect((await api.get(`/Users/${bob}`)).body.groups).toBeUndefined()
  })

  it('reads the groups of a whole list page in one call', async () => {
    const ids: string[] = []
    for (let i = 0; i < 5; i++) ids.push(await createUser(api, `u${i}@example.com`))
    await createGroup(api, 'Evens', [ids[0]!, ids[2]!, ids[4]!])
    calls.length = 0
    const res = await api.get('/Users?count=10')
    expect(calls).toEqual([ids])
    const groupsOf = Object.fromEntries(
      res.body.Resources.map((user: { id: string; groups?: { display: string }[] }) => [
        user.id,
        user.groups?.map((group) => group.display),
      ]),
    )
    expect(groupsOf).toEqual({
      [ids[0]!]: ['Evens'],
      [ids[1]!]: undefined,
      [ids[2]!]: ['Evens'],
      [ids[3]!]: undefined,
      [ids[4]!]: ['Evens'],
    })
    calls.length = 0
    await api.post('/Users/.search', { schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'] })
    expect(calls).toHaveLength(1)
  })

  it('never reads teams when the client leaves groups out', async () => {
    const carol = await createUser(api, 'carol@example.com')
    await createGroup(api, 'Platform', [carol])
    calls.length = 0
    const excluded = await api.get(`/Users/${carol}?excludedAttributes=groups`)
    expect(excluded.body.groups).toBeUndefined()
    const narrowed = await api.get('/Users?attributes=userName')
    expect(narrowed.body.Resources[0].groups).toBeUndefined()
    expect(calls).toEqual([])
    const asked = await api.get(`/Users/${carol}?attributes=groups.display`)
    expect(asked.body.groups).toEqual([{ display: 'Platform' }])
  })

  it('answers a PUT and a PATCH with the groups, and a new user without asking', async () => {
    calls.length = 0
    const dave = await createUser(api, 'dave@example.com')
    expect(calls).toEqual([])
    const team = await createGroup(api, 'Team', [dave])
    const patched = await api.patch(
      `/Users/${dave}`,
      patchBody({ op: 'replace', path: 'displayName', value: 'Dave' }),
    )
    expect(patched.body.groups).toEqual([expect.objectContaining({ value: team })])
    const replaced = await api.put(`/Users/${dave}`, userBody('dave@example.com'))
    expect(replaced.body.groups).toEqual([expect.objectContaining({ value: team })])
  })

  it('filters users by their groups: value, display, presence, combined with other terms', async () => {
    const [ann, ben, cat] = [
      await createUser(api, 'ann@example.com'),
      await createUser(api, 'ben@example.com'),
      await createUser(api, 'cat@example.com'),
    ]
    const ops = await createGroup(api, 'Ops', [ann, ben])
    await createGroup(api, 'Dev', [ben])
    const names = async (filter: string) => {
      const res = await api.get(`/Users?filter=${encodeURIComponent(filter)}`)
      expect(res.status).toBe(200)
      return res.body.Resources?.map((user: { userName: string }) => user.userName) ?? []
    }
    expect(await names(`groups.value eq "${ops}"`)).toEqual(['ann@example.com', 'ben@example.com'])
    expect(await names('groups[display eq "dev"]')).toEqual(['ben@example.com'])
    expect(await names(`groups.value eq "${ops}" and userName sw "a"`)).toEqual(['ann@example.com'])
    expect(await names('not (groups pr)')).toEqual(['cat@example.com'])
    expect(await names('groups.value eq "no-such-team"')).toEqual([])
    expect(cat).toBeDefined()
  })

  it('refuses groups in a write: readOnly, owned by the Group resource', async () => {
    const erin = await createUser(api, 'erin@example.com')
    const res = await api.patch(
      `/Users/${erin}`,
      patchBody({ op: 'add', path: 'groups', value: [{ value: 'someone-elses-team' }] }),
    )
    expectScimErrorResponse(res, 400, 'mutability')
  })
})

describe('groups on users without listTeamsOfUsers', () => {
  it('refuses a groups filter with 400 invalidFilter when the user store does not know the teams', async () => {
    const scim = buildScimApp({ router: { userStore: new MemoryUserStore() } })
    const res = await client(scim).get(`/Users?filter=${encodeURIComponent('groups.value eq "x"')}`)
    expectScimErrorResponse(res, 400, 'invalidFilter')
  })

  it('leaves groups out: no per-user calls instead', async () => {
    const scim = buildScimApp({
      wrapTeamStore: (store) => teamStoreOver(store),
    })
    const api = client(scim)
    const frank = await createUser(api, 'frank@example.com')
    await createGroup(api, 'Team', [frank])
    expect((await api.get(`/Users/${frank}`)).body.groups).toBeUndefined()
  })

  it('fails a store that answers nonsense with a bare 500', async () => {
    const scim = buildScimApp({
      wrapTeamStore: (store) =>
        teamStoreOver(store, { listTeamsOfUsers: () => new Map([['x', 'not a list']]) as never }),
    })
    const api = client(scim)
    const id = await createUser(api, 'gina@example.com')
    const broken = buildScimApp({
      wrapTeamStore: (store) =>
        teamStoreOver(store, {
          listTeamsOfUsers: (ids) => new Map(ids.map((userId) => [userId, [{ id: 42 }]])) as never,
        }),
    })
    const brokenApi = client(broken)
    const other = await createUser(brokenApi, 'hank@example.com')
    // An id the store was not asked about is ignored; a malformed answer for one it was is a 500.
    expect((await api.get(`/Users/${id}`)).status).toBe(200)
    expectScimErrorResponse(await brokenApi.get(`/Users/${other}`), 500)
  })
})
