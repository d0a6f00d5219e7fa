// scimErrorFromSql/withSqlErrors on real failures: a unique violation from PGlite and the server named by constraint, a statement timeout and a refused connection as 503 with Retry-After, a SQL bug left alone.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { Client, Pool } from 'pg'
import { isScimError, responseHeadersOf, scimErrorBody } from '../../lib/errors'
import { isDatabaseUnavailable, scimErrorFromSql, withSqlErrors } from '../../lib/sql'
import { type Engine, openPglite, openServer } from '../helpers/sql-fixture'

const serverUrl = process.env.EXPRESS_SCIM_TEST_PG_URL
const describeServer = serverUrl ? describe : describe.skip
if (!serverUrl) {
  console.warn(
    'EXPRESS_SCIM_TEST_PG_URL is not set: skipping the SQL error tests against a PostgreSQL server',
  )
}

const CONSTRAINTS = {
  uniqueConstraints: { users_login_folded_key: 'userName', users_external_uid_key: 'externalId' },
}

function uniqueTests(open: () => Engine | Promise<Engine>) {
  let db: Engine
  beforeAll(async () => {
    db = await open()
    await db.query(
      'create table users (id serial primary key, login_folded text not null constraint users_login_folded_key unique, external_uid text, email text)',
    )
    await db.query('create unique index users_external_uid_key on users (external_uid)')
    await db.query('create unique index users_email_idx on users (email)')
    await db.query(
      "insert into users (login_folded, external_uid, email) values ('alice', 'ext-a', 'a@example.com')",
    )
  })
  afterAll(async () => db?.close())

  const insert = (login: string, external: string, email: string) =>
    withSqlErrors(
      () =>
        db.query('insert into users (login_folded, external_uid, email) values ($1, $2, $3)', [
          login,
          external,
          email,
        ]),
      CONSTRAINTS,
    ).catch((error: unknown) => error)

  it('turns a unique violation into 409 uniqueness naming the attribute its constraint or unique index protects', async () => {
    const byLogin = await insert('alice', 'ext-b', 'b@example.com')
    expect(isScimError(byLogin) && [byLogin.status, byLogin.scimType, byLogin.message]).toEqual([
      409,
      'uniqueness',
      'userName is already in use',
    ])
    const byExternal = await insert('bob', 'ext-a', 'b@example.com')
    expect((byExternal as Error).message).toBe('externalId is already in use')
  })

  it('answers 409 without naming an unmapped constraint or the duplicate value', async () => {
    const error = await insert('carol', 'ext-c', 'a@example.com')
    expect(isScimError(error) && error.status).toBe(409)
    const body = JSON.stringify(scimErrorBody(error))
    expect(body).not.toContain('users_email_idx')
    expect(body).not.toContain('a@example.com')
  })

  it('leaves a bug in the SQL as it is (the router answers 500 and logs its class only)', async () => {
    const error = await withSqlErrors(() => db.query('select no_such_column from users')).catch(
      (e: unknown) => e,
    )
    expect(isScimError(error)).toBe(false)
    expect(scimErrorFromSql(error)).toBeUndefined()
  })
}

describe('unique violations from PGlite', () => {
  uniqueTests(openPglite)
})

describeServer(
  'unique violations and unavailability on the PostgreSQL server at EXPRESS_SCIM_TEST_PG_URL',
  () => {
    uniqueTests(() => openServer(serverUrl ?? ''))

    it('turns a statement timeout into 503 with Retry-After', async () => {
      const client = new Client({ connectionString: serverUrl, statement_timeout: 50 })
      await client.connect()
      try {
        const error = await withSqlErrors(() => client.query('select pg_sleep(2)'), {
          retryAfterSeconds: 7,
        }).catch((e: unknown) => e)
        expect(isScimError(error) && error.status).toBe(503)
        expect(responseHeadersOf(error)).toEqual({ 'Retry-After': '7' })
      } finally {
        await client.end()
      }
    })

    it('turns an exhausted pool (connection timeout) into 503', async () => {
      const pool = new Pool({ connectionString: serverUrl, max: 1, connectionTimeoutMillis: 100 })
      const held = await pool.connect()
      try {
        const error = await withSqlErrors(() => pool.query('select 1')).catch((e: unknown) => e)
        expect(isScimError(error) && error.status).toBe(503)
      } finally {
        held.release()
        await pool.end()
      }
    })
  },
)

describe('unavailable databases', () => {
  it('turns a refused connection into 503 with the default Retry-After of 5 seconds', async () => {
    // Port 1 on loopback: nothing listens there.
    const client = new Client({ host: '127.0.0.1', port: 1, connectionTimeoutMillis: 2_000 })
    const error = await withSqlErrors(() => client.connect()).catch((e: unknown) => e)
    expect(isScimError(error) && error.status).toBe(503)
    expect(responseHeadersOf(error)).toEqual({ 'Retry-After': '5' })
  })

  it('knows the SQLSTATEs and socket codes of a database that cannot answer now, and no others', () => {
    for (const code of ['08006', '08001', '53300', '57P01', '57014', '40001', '40P01', 'ECONNRESET']) {
      expect(isDatabaseUnavailable(Object.assign(new Error('x'), { code }))).toBe(true)
    }
    for (const code of ['23505', '42703', '22P02', undefined]) {
      expect(isDatabaseUnavailable(Object.assign(new Error('x'), { code }))).toBe(false)
    }
    expect(isDatabaseUnavailable(new Error('Connection terminated unexpectedly'))).toBe(true)
    expect(isDatabaseUnavailable('08006')).toBe(false)
  })

  it('refuses bad options with a TypeError before running anything', async () => {
    let ran = false
    const run = async () => {
      ran = true
    }
    await expect(withSqlErrors(run, { retryAfterSeconds: -1 })).rejects.toThrow(TypeError)
    await expect(withSqlErrors(run, { uniqueConstraints: { a: '' } })).rejects.toThrow(TypeError)
    expect(ran).toBe(false)
  })
})
