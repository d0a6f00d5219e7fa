// Example: a host with SCIM provisioning on memory stores. `npm run start:memory` runs it: SCIM at http://localhost:3000/scim.
// PORT sets the port (default 3000); SCIM_TOKEN sets the bearer token (when unset, one is generated and printed).
import { randomBytes } from 'node:crypto'
import express from 'express'
import {
  createScimRouter,
  MemorySessionRevoker,
  MemoryTeamStore,
  MemoryUserStore,
  type ScimEvent,
  staticTokens,
} from '../../lib'

/** The pieces of the example host, exported so a test can drive them. */
export interface BasicHost {
  readonly app: express.Express
  readonly userStore: MemoryUserStore
  readonly teamStore: MemoryTeamStore
  readonly sessions: MemorySessionRevoker
  readonly events: ScimEvent[]
}

/** Builds the host: an Express app with SCIM mounted at /scim, accepting `token` for the tenant `default`. */
export function createHost(token: string): BasicHost {
  const teamStore = new MemoryTeamStore()
  // Linked so that filters on a user's groups (`groups.value eq "…"`) read the teams.
  const userStore = new MemoryUserStore({ teamStore })
  const sessions = new MemorySessionRevoker()
  const events: ScimEvent[] = []
  const app = express()
  // Behind a TLS-terminating proxy, this makes meta.location use https and the public host.
  app.set('trust proxy', 'loopback')
  app.use(
    '/scim',
    createScimRouter({
      userStore,
      teamStore,
      sessionRevoker: sessions,
      authenticate: staticTokens([{ token, tenant: 'default', id: 'idp' }]),
      userSyncEnabled: true,
      groupSyncEnabled: true,
      onEvent: (event) => {
        events.push(event)
      },
    }),
  )
  // The host's own pages go on as usual; this one shows what SCIM has provisioned.
  app.get('/', (_request, response) => {
    const context = { tenant: 'default', principal: { tenant: 'default' }, requestId: 'home' }
    const users = userStore.list({ sortOrder: 'ascending', startIndex: 1, count: 1000 }, context)
    response.json({
      scim: '/scim',
      users: users.resources.map((u) => ({ id: u.id, userName: u.userName, active: u.active })),
      recentEvents: events.slice(-20).map((e) => `${e.time} ${e.type} ${e.resourceId}`),
    })
  })
  return { app, userStore, teamStore, sessions, events }
}

const token = process.env.SCIM_TOKEN ?? randomBytes(24).toString('base64url')

/** The example app, for tests and for hosts that want to mount it. */
export const app = createHost(token).app

if (require.main === module) {
  const port = Number(process.env.PORT ?? 3000)
  app.listen(port, () => {
    console.log(`SCIM endpoint: http://localhost:${port}/scim`)
    if (process.env.SCIM_TOKEN === undefined) {
      // Printed only because it was generated here; a token from the environment is never echoed.
      console.log(`Bearer token (generated; set SCIM_TOKEN to choose one): ${token}`)
    }
    console.log(
      `Try: curl -H "Authorization: Bearer <token>" http://localhost:${port}/scim/ServiceProviderConfig`,
    )
  })
}
