// A host process for the multi-process tests: a SCIM router over SqlTeamStore on the PostgreSQL schema it is given; prints its port, exits when stdin closes.
//
// Run by the tests as `node --import tsx test/helpers/pg-scim-host.ts` with the environment:
// EXPRESS_SCIM_TEST_PG_URL, SCIM_HOST_SCHEMA, SCIM_HOST_TOKEN, SCIM_HOST_TENANT.
import type { AddressInfo } from 'node:net'
import express from 'express'
import { Pool } from 'pg'
import { createScimRouter, MemorySessionRevoker, staticTokens } from '../../lib'
import { SqlTeamStore, sqlUserLookup } from './sql-team-store'

/** One line on stdout that the parent reads: where this process listens. */
export interface HostReady {
  readonly port: number
  readonly pid: number
}

function required(name: string): string {
  const value = process.env[name]
  if (!value) throw new Error(`${name} is not set`)
  return value
}

async function main(): Promise<void> {
  const schema = required('SCIM_HOST_SCHEMA')
  const pool = new Pool({ connectionString: required('EXPRESS_SCIM_TEST_PG_URL'), max: 10 })
  const app = express()
  app.use(
    '/scim',
    createScimRouter({
      userStore: sqlUserLookup(pool, schema),
      teamStore: new SqlTeamStore(pool, schema),
      sessionRevoker: new MemorySessionRevoker(),
      authenticate: staticTokens([
        { token: required('SCIM_HOST_TOKEN'), tenant: required('SCIM_HOST_TENANT'), id: 'idp' },
      ]),
      userSyncEnabled: true,
      groupSyncEnabled: true,
    }),
  )
  const server = app.listen(0, '127.0.0.1', () => {
    const ready: HostReady = { port: (server.address() as AddressInfo).port, pid: process.pid }
    process.stdout.write(`${JSON.stringify(ready)}\n`)
  })
  // The parent closes stdin when it is done (or dies): never outlive it.
  const stop = () => {
    server.close()
    server.closeAllConnections()
    void pool.end().finally(() => process.exit(0))
  }
  process.stdin.on('end', stop)
  process.stdin.on('close', stop)
  process.stdin.resume()
}

main().catch((error: unknown) => {
  process.stderr.write(`pg-scim-host failed: ${String((error as Error)?.message ?? error)}\n`)
  process.exit(1)
})
