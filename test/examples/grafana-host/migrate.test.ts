// The host's migrations: applied once on PGlite and on the server, skipped on a second run, and applied once when replicas start together.
import { afterAll, describe, expect, it } from '@jest/globals'
import { migrate, migrationFiles, statementsOf } from '../../../examples/grafana-host/migrate'
import { HOST_ENGINES, type HostDatabase, openHostServer, serverUrl } from '../../helpers/host-db'

describe.each(HOST_ENGINES)('migrations on $name', ({ open }) => {
  let host: HostDatabase
  afterAll(async () => host?.close())

  it('creates every table, and a second run applies nothing', async () => {
    host = await open()
    const tables = await host.db.query<{ table_name: string }>(
      'select table_name from information_schema.tables where table_schema = current_schema() order by table_name',
    )
    expect(tables.rows.map((row) => row.table_name)).toEqual(
      expect.arrayContaining([
        'audit_log',
        'schema_migrations',
        'sessions',
        'team_members',
        'teams',
        'user_names',
        'users',
      ]),
    )
    expect(await migrate(host.db)).toEqual([])
    const applied = await host.db.query('select name from schema_migrations')
    expect(applied.rows.map((row) => row.name)).toEqual(migrationFiles().map((file) => file.name))
  })
})

const describeServer = serverUrl ? describe : describe.skip
describeServer('migrations when replicas start together', () => {
  it('applies each migration once while three runs race on one schema', async () => {
    const host = await openHostServer(serverUrl ?? '')
    try {
      const tables = await host.db.query<{ table_name: string }>(
        'select table_name from information_schema.tables where table_schema = current_schema()',
      )
      await host.db.exec(`drop table ${tables.rows.map((row) => `"${row.table_name}"`).join(', ')} cascade`)
      const runs = await Promise.all([migrate(host.db), migrate(host.db), migrate(host.db)])
      expect(runs.flat().sort()).toEqual(migrationFiles().map((file) => file.name))
    } finally {
      await host.close()
    }
  })
})

describe('statementsOf', () => {
  it('splits at line-ending semicolons and drops comments', () => {
    expect(
      statementsOf('create table a (x int); -- note\n-- only a comment\ncreate index b on a (x);\n'),
    ).toEqual(['create table a (x int)', 'create index b on a (x)'])
  })
})
