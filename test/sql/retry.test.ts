// retrySerializationFailures: a transaction rolled back for 40001/40P01 runs again and commits, anything else fails at once, the last failure is thrown when attempts run out; and a real write skew under SERIALIZABLE on the server resolved by it.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { Pool } from 'pg'
import { isSerializationFailure, retrySerializationFailures } from '../../lib/sql'

const serverUrl = process.env.EXPRESS_SCIM_TEST_PG_URL
const describeServer = serverUrl ? describe : describe.skip
if (!serverUrl) {
  console.warn('EXPRESS_SCIM_TEST_PG_URL is not set: skipping the SERIALIZABLE retry test against a server')
}

/** An error as pg throws it for a SQLSTATE. */
function sqlError(code: string): Error {
  return Object.assign(new Error(`sqlstate ${code}`), { code })
}

describe('retrySerializationFailures', () => {
  it('runs the transaction again after a serialization failure or a deadlock', async () => {
    const failures = [sqlError('40001'), sqlError('40P01')]
    let calls = 0
    const result = await retrySerializationFailures(async () => {
      calls += 1
      const failure = failures.shift()
      if (failure) throw failure
      return 'committed'
    })
    expect(result).toBe('committed')
    expect(calls).toBe(3)
  })

  it('throws any other failure at once', async () => {
    let calls = 0
    const unique = sqlError('23505')
    await expect(
      retrySerializationFailures(async () => {
        calls += 1
        throw unique
      }),
    ).rejects.toBe(unique)
    expect(calls).toBe(1)
  })

  it('throws the last serialization failure when the attempts run out', async () => {
    let calls = 0
    const errors: Error[] = []
    const outcome = retrySerializationFailures(
      async () => {
        calls += 1
        const error = sqlError('40001')
        errors.push(error)
        throw error
      },
      { attempts: 3, baseDelayMs: 1 },
    )
    await expect(outcome).rejects.toBeInstanceOf(Error)
    await outcome.catch((error: unknown) => expect(error).toBe(errors[2]))
    expect(calls).toBe(3)
  })

  it('refuses bad options before running anything', async () => {
    for (const options of [{ attempts: 0 }, { attempts: 1.5 }, { attempts: 101 }, { baseDelayMs: -1 }, 'x']) {
      let ran = false
      await expect(
        retrySerializationFailures(async () => {
          ran = true
        }, options as never),
      ).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' })
      expect(ran).toBe(false)
    }
  })

  it('recognises only 40001 and 40P01', () => {
    expect(isSerializationFailure(sqlError('40001'))).toBe(true)
    expect(isSerializationFailure(sqlError('40P01'))).toBe(true)
    expect(isSerializationFailure(sqlError('40000'))).toBe(false)
    expect(isSerializationFailure({ code: 40001 })).toBe(false)
    expect(isSerializationFailure(undefined)).toBe(false)
  })
})

describeServer('retrySerializationFailures on the PostgreSQL server at SERIALIZABLE', () => {
  let pool: Pool
  const table = `retry_skew_${process.pid}_${Date.now()}`
  beforeAll(async () => {
    pool = new Pool({ connectionString: serverUrl, max: 10 })
    await pool.query(`create table ${table} (id int primary key, on_call boolean not null)`)
  })
  afterAll(async () => {
    await pool.query(`drop table if exists ${table}`)
    await pool.end()
  })

  /**
   * Write skew: each of two doctors goes off call when the other is still on call. Run together at
   * SERIALIZABLE, one commit must fail (40001); run again, it sees the other's write and stays on call.
   */
  async function goOffCall(id: number, other: number, barrier: Promise<void>, arrive: () => void) {
    const client = await pool.connect()
    try {
      await client.query('begin isolation level serializable')
      const seen = await client.query(`select on_call from ${table} where id = $1`, [other])
      arrive()
      await barrier
      if (seen.rows[0]?.on_call) await client.query(`update ${table} set on_call = false where id = $1`, [id])
      await client.query('commit')
    } catch (error) {
      await client.query('rollback').catch(() => undefined)
      throw error
    } finally {
      client.release()
    }
  }

  async function race(retry: boolean): Promise<PromiseSettledResult<void>[]> {
    await pool.query(`delete from ${table}`)
    await pool.query(`insert into ${table} values (1, true), (2, true)`)
    let arrived = 0
    let release!: () => void
    const barrier = new Promise<void>((resolve) => {
      release = resolve
    })
    const arrive = () => {
      arrived += 1
      if (arrived === 2) release()
    }
    // A retried attempt does not wait at the barrier: the other transaction is over by then.
    const run = (id: number, other: number) => {
      let first = true
      const attempt = () => {
        const wait = first ? barrier : Promise.resolve()
        const mark = first ? arrive : () => undefined
        first = false
        return goOffCall(id, other, wait, mark)
      }
      return retry ? retrySerializationFailures(attempt) : attempt()
    }
    return Promise.allSettled([run(1, 2), run(2, 1)])
  }

  it('fails one of the two without retries (the anomaly is real)', async () => {
    const outcomes = await race(false)
    const failed = outcomes.filter((outcome) => outcome.status === 'rejected')
    expect(failed).toHaveLength(1)
    expect((failed[0] as PromiseRejectedResult).reason).toMatchObject({ code: '40001' })
  })

  it('commits both with retries, and one doctor stays on call', async () => {
    const outcomes = await race(true)
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['fulfilled', 'fulfilled'])
    const onCall = await pool.query(`select count(*)::int as n from ${table} where on_call`)
    expect(onCall.rows[0].n).toBe(1)
  })
})
