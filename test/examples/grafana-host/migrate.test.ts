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
  it('005 gives users provisioned before it the roles and entitlements their documents hold, once each, in order', async () => {
    const id = '0d2b9f5e-6c1e-4c55-9d0b-2f1c8f4b7a11'
    const document = {
      roles: [
        { value: 'Editor' },
        { value: 'Viewer', primary: true },
        { value: 'Editor' },
        { value: 3 },
        { display: 'x' },
      ],
      entitlements: [{ value: 'licence:enterprise' }],
    }
    await host.db.query(
      `insert into users (tenant, id, login, login_folded, provisioned, document)
       values ('before-005', $1, 'old', 'old', true, $2::jsonb)`,
      [id, JSON.stringify(document)],
    )
    await host.db.query(
      `insert into users (tenant, id, login, login_folded, document) values ('before-005', gen_random_uuid(), 'plain', 'plain', '{"roles": "not a list"}')`,
    )
    // The backfill is the migration's last statement: run it again as if the users predated it.
    const file = migrationFiles().find((f) => f.name.startsWith('005'))!
    const backfill = statementsOf(file.sql).at(-1)!
    expect(backfill).toMatch(/^insert into user_grants/)
    await host.db.query(backfill)
    const rows = await host.db.query<{ kind: string; value: string }>(
      `select kind, value from user_grants where user_id = $1 order by kind, position`,
      [id],
    )
    expect(rows.rows.map((row) => `${row.kind}:${row.value}`)).toEqual([
      'entitlement:licence:enterprise',
      'role:Editor',
      'role:Viewer',
    ])
  })
})

describe('a replica that lost the race to create the migrations table', () => {
  const CREATE = 'create table if not exists schema_migrations'
  /** The host's database, but creating the migrations table fails with `code` (as for a replica that lost the race). */
  const losing = (db: HostDatabase['db'], code: string): HostDatabase['db'] =>
    Object.assign(Object.create(db) as HostDatabase['db'], {
      query: (text: string, values?: readonly unknown[]) =>
        text.startsWith(CREATE)
          ? Promise.reject(Object.assign(new Error('already exists'), { code }))
          : db.query(text, values),
    })

  it.each([
    ['the table', '42P07'],
    ['its row type (`type "schema_migrations" already exists`)', '42710'],
    ['a catalog row', '23505'],
  ])('goes on when another made %s first', async (_, code) => {
    const host = await HOST_ENGINES[0]!.open()
    try {
      expect(await migrate(losing(host.db, code))).toEqual([])
    } finally {
      await host.close()
    }
  })

  it('fails on any other error', async () => {
    const host = await HOST_ENGINES[0]!.open()
    try {
      await expect(migrate(losing(host.db, '42501'))).rejects.toThrow('already exists')
    } finally {
      await host.close()
    }
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
