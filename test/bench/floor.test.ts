// The benchmark's floor (bench/floor.ts) must give the router's answers, byte for byte but for ids, times and versions: a floor that answers less would make the router look slower than it is.
import express from 'express'
import request from 'supertest'
import { addFloorTeam, addFloorUser, createFloorState, floorHandler } from '../../bench/floor'
import {
  createScimRouter,
  MemorySessionRevoker,
  MemoryTeamStore,
  MemoryUserStore,
  staticTokens,
} from '../../lib'

const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User'
const TOKEN = 'floor-token'
const CONTEXT = { tenant: 'bench', principal: { tenant: 'bench' }, requestId: 'seed' }

const seedDocument = (i: number) => ({
  schemas: [USER_SCHEMA],
  userName: `user${i}@example.com`,
  externalId: `ext-${i}`,
  active: true,
})

/** Three users as the HTTP benchmark seeds them: user 1 in both groups, the others in the large one. */
async function routerApp(): Promise<{ app: express.Express; ids: string[] }> {
  const userStore = new MemoryUserStore()
  const teamStore = new MemoryTeamStore()
  const ids: string[] = []
  for (let i = 0; i < 3; i++) {
    const document = seedDocument(i)
    const user = await userStore.create(
      {
        userName: document.userName,
        externalId: document.externalId,
        active: true,
        document,
        provisioned: true,
      },
      CONTEXT,
    )
    ids.push(user.id)
  }
  const team = (displayName: string, members: readonly string[]) =>
    teamStore.create(
      { displayName, document: {}, provisioned: true },
      members.map((value) => ({ value })),
      CONTEXT,
    )
  await team('Small team', [ids[1]!])
  await team('Large team', ids)
  const app = express()
  app.use(
    '/scim',
    createScimRouter({
      userStore,
      teamStore,
      sessionRevoker: new MemorySessionRevoker(),
      authenticate: staticTokens([{ token: TOKEN, tenant: 'bench', id: 'bench' }]),
      userSyncEnabled: true,
      groupSyncEnabled: true,
    }),
  )
  return { app, ids }
}

function floorApp(): { app: express.Express; ids: string[] } {
  const state = createFloorState()
  const ids = [0, 1, 2].map((i) => addFloorUser(state, seedDocument(i)).id)
  addFloorTeam(state, 'Small team', [ids[1]!])
  addFloorTeam(state, 'Large team', ids)
  const app = express()
  app.use('/scim', floorHandler(state, TOKEN, '/scim'))
  return { app, ids }
}

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g
const TIME = /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z/g
const VERSION = /W\/(\\?)"\d+\\?"/g
const BASE = /http:\/\/127\.0\.0\.1:\d+/g

/**
 * An answer with what legitimately differs (the port, times, version numbers) replaced by names, and
 * each id by its order of first appearance: a group `value` that names another team than its `$ref`
 * still shows.
 */
function normalised(response: request.Response) {
  const ids = new Map<string, string>()
  const idName = (id: string) => {
    if (!ids.has(id)) ids.set(id, `<id${ids.size + 1}>`)
    return ids.get(id)!
  }
  const scrub = (text: string) =>
    text.replace(UUID, idName).replace(TIME, '<time>').replace(VERSION, 'W/$1"<n>$1"').replace(BASE, '<base>')
  return {
    status: response.status,
    body: scrub(response.text),
    contentType: response.headers['content-type'],
    etag: response.headers['etag'] === undefined ? undefined : scrub(response.headers['etag']),
    location: response.headers['location'] === undefined ? undefined : scrub(response.headers['location']),
  }
}

type Send = (app: express.Express, ids: readonly string[]) => request.Test

const CASES: ReadonlyArray<readonly [string, Send]> = [
  ['GET by id (two groups)', (app, ids) => request(app).get(`/scim/Users/${ids[1]}`)],
  ['GET by id (one group)', (app, ids) => request(app).get(`/scim/Users/${ids[2]}`)],
  [
    'userName eq',
    (app) => request(app).get(`/scim/Users?filter=${encodeURIComponent('userName eq "user1@example.com"')}`),
  ],
  [
    'externalId eq',
    (app) => request(app).get(`/scim/Users?filter=${encodeURIComponent('externalId eq "ext-2"')}`),
  ],
  [
    'no match',
    (app) => request(app).get(`/scim/Users?filter=${encodeURIComponent('externalId eq "nobody"')}`),
  ],
  [
    'POST',
    (app) =>
      request(app)
        .post('/scim/Users')
        .set('content-type', 'application/scim+json')
        .send({
          schemas: [USER_SCHEMA],
          externalId: 'new-1',
          userName: 'new-1@example.com',
          active: true,
          displayName: 'New User 1',
          name: { givenName: 'New', familyName: 'User 1' },
          emails: [{ value: 'new-1@example.com', type: 'work', primary: true }],
        }),
  ],
]

describe('the benchmark floor answers as the router does', () => {
  it.each(CASES)('%s', async (_name, send) => {
    const router = await routerApp()
    const floor = floorApp()
    const ours = normalised(await send(router.app, router.ids).set('authorization', `Bearer ${TOKEN}`))
    const theirs = normalised(await send(floor.app, floor.ids).set('authorization', `Bearer ${TOKEN}`))
    expect(ours.status).toBeLessThan(300)
    expect(theirs).toEqual(ours)
  })

  it('keeps a re-added member once, in the order the user joined', async () => {
    const floor = floorApp()
    const auth = `Bearer ${TOKEN}`
    const groups = async () =>
      (
        await request(floor.app).get(`/scim/Users/${floor.ids[1]}`).set('authorization', auth)
      ).body.groups.map((group: { value: string; display: string }) => [group.value, group.display])
    const before = await groups()
    const smallId = before[0][0]
    await request(floor.app)
      .patch(`/scim/Groups/${smallId}`)
      .set('authorization', auth)
      .send({
        schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
        Operations: [{ op: 'add', path: 'members', value: [{ value: floor.ids[1] }] }],
      })
      .expect(204)
    expect(await groups()).toEqual(before)
    expect(before.map((group: string[]) => group[1])).toEqual(['Small team', 'Large team'])
  })
})
