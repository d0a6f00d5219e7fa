// Profiling aid (not part of `npm run bench`): the express-scim bench server on a fixed port, for `node --cpu-prof`.
import { writeFileSync } from 'node:fs'
import { createServer } from 'node:http'
import { Session } from 'node:inspector'
import express from 'express'
import type * as Library from '../lib'
import { addFloorUser, createFloorState, floorHandler } from './floor'

const { library }: { library: typeof Library } = require('./library')

async function main(): Promise<void> {
  const userStore = new library.MemoryUserStore()
  const context = { tenant: 'bench', principal: { tenant: 'bench' }, requestId: 'seed' }
  let first = ''
  for (let i = 0; i < 20_000; i++) {
    const user = await userStore.create(
      {
        userName: `user${i}@example.com`,
        externalId: `ext-${i}`,
        active: true,
        document: {
          schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
          userName: `user${i}@example.com`,
          externalId: `ext-${i}`,
          active: true,
        },
        provisioned: true,
      },
      context,
    )
    if (i === 500) first = user.id
  }
  const app = express()
  if (process.env.FLOOR === '1') {
    // The Express floor with the same users, to compare profiles.
    const state = createFloorState()
    for (let i = 0; i < 20_000; i++) {
      const user = addFloorUser(state, {
        schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
        userName: `user${i}@example.com`,
        externalId: `ext-${i}`,
        active: true,
      })
      if (i === 500) first = user.id
    }
    app.use('/scim', floorHandler(state, 'bench-token', '/scim'))
  } else
    app.use(
      '/scim',
      library.createScimRouter({
        userStore,
        teamStore: new library.MemoryTeamStore(),
        sessionRevoker: new library.MemorySessionRevoker(),
        authenticate: library.staticTokens([{ token: 'bench-token', tenant: 'bench', id: 'bench' }]),
        userSyncEnabled: true,
        groupSyncEnabled: true,
      }),
    )
  // Profile only the serving, not the seeding: the profiler starts once the server listens.
  const session = new Session()
  session.connect()
  await new Promise<void>((resolve) =>
    session.post('Profiler.enable', () => session.post('Profiler.start', () => resolve())),
  )
  const server = createServer(app).listen(Number(process.env.PORT ?? 3555), '127.0.0.1', () => {
    console.log(`ready ${first}`)
  })
  process.on('SIGINT', () => {
    session.post('Profiler.stop', (error, result) => {
      if (!error)
        writeFileSync(process.env.PROFILE_FILE ?? 'serve.cpuprofile', JSON.stringify(result.profile))
      server.close(() => process.exit(0))
    })
  })
}

void main()
