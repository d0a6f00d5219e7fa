// Several replicas of the reference host as real processes over one PostgreSQL server: concurrent SCIM writes spread over replicas, a deactivation racing a SAML login, a replica killed mid-burst, the database cut off and a statement past its timeout.
import { spawn } from 'node:child_process'
import { createServer } from 'node:http'
import { resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { Pool } from 'pg'
import { type Cluster, startCluster } from '../../../examples/grafana-host/cluster'
import { migrationFiles } from '../../../examples/grafana-host/migrate'
import { freePort, freePorts } from '../../helpers/free-port'
import { serverUrl } from '../../helpers/host-db'
import { consistencyProblems, type ScimClient, scimClient, withRetries } from '../../helpers/scim-http-client'
import { createScratchDatabase, type ScratchDatabase } from '../../helpers/scratch-database'
import { startTcpProxy, type TcpProxy } from '../../helpers/tcp-proxy'

const describeServer = serverUrl ? describe : describe.skip
if (!serverUrl) {
  console.warn(
    'EXPRESS_SCIM_TEST_PG_URL is not set: skipping the multi-replica tests (they need a PostgreSQL server)',
  )
}

const TOKEN = 'cluster-test-token-0123456789abcdefghijklmnop'
const STARTUP_MS = 120_000

/** Starts a cluster on free ports over `databaseUrl`, its output kept for the failure message. */
async function cluster(databaseUrl: string, replicas: number, env: Record<string, string> = {}) {
  const ports = await Promise.all(Array.from({ length: replicas + 1 }, () => freePort()))
  const lines: string[] = []
  const started = await startCluster({
    databaseUrl,
    replicas,
    port: ports[0]!,
    replicaPorts: ports.slice(1),
    env: { SCIM_TOKEN: TOKEN, ADMIN_PASSWORD: 'cluster-admin-password', NODE_ENV: 'test', ...env },
    restartDelayMs: 200,
    log: (line) => lines.push(line),
  })
  return { cluster: started, lines }
}

/** `count` users named `prefix-i`, created through the proxy; their ids in order. */
async function createUsers(client: ScimClient, prefix: string, count: number): Promise<string[]> {
  const ids: string[] = []
  for (let i = 0; i < count; i += 10) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(10, count - i) }, (_, j) =>
        client.send('POST', '/Users', {
          schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
          userName: `${prefix}-${i + j}`,
          externalId: `${prefix}-ext-${i + j}`,
          active: true,
        }),
      ),
    )
    for (const created of batch) {
      expect(created.status).toBe(201)
      ids.push(created.body.id as string)
    }
  }
  return ids
}

const patchOf = (...operations: object[]) => ({
  schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
  Operations: operations,
})

async function createTeam(client: ScimClient, name: string, members: readonly string[] = []) {
  const created = await client.send('POST', '/Groups', {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
    displayName: name,
    members: members.map((value) => ({ value })),
  })
  expect(created.status).toBe(201)
  return created.body.id as string
}

describeServer('three replicas over one PostgreSQL', () => {
  let scratch: ScratchDatabase
  let running: Cluster
  let lines: string[]
  let client: ScimClient
  let db: Pool
  let users: string[]

  beforeAll(async () => {
    scratch = await createScratchDatabase(serverUrl ?? '')
    ;({ cluster: running, lines } = await cluster(scratch.url, 3))
    client = scimClient(running.url, TOKEN)
    db = new Pool({ connectionString: scratch.url, max: 2 })
    users = await createUsers(client, 'member', 100)
  }, STARTUP_MS)
  afterAll(async () => {
    await running?.stop()
    await db?.end()
    await scratch?.drop()
  }, STARTUP_MS)

  const membersOf = async (teamId: string) =>
    (
      await db.query<{ user_id: string }>('select user_id::text from team_members where team_id = $1', [
        teamId,
      ])
    ).rows
      .map((row) => row.user_id)
      .sort()

  it('keeps all of 100 concurrent member additions spread over the replicas', async () => {
    const team = await createTeam(client, 'Additions')
    const answers = await Promise.all(
      users.map((user) =>
        client.send(
          'PATCH',
          `/Groups/${team}`,
          patchOf({ op: 'add', path: 'members', value: [{ value: user }] }),
        ),
      ),
    )
    expect(answers.map((answer) => answer.status).filter((status) => status >= 300)).toEqual([])
    expect(await membersOf(team)).toEqual([...users].sort())
  }, 60_000)

  it('answers 50 concurrent PATCHes adding and removing members with no 503, ending as run one by one', async () => {
    const team = await createTeam(client, 'Swaps', users.slice(0, 50))
    // PATCH i swaps user i for user 50 + i: the sequential result is users 50..99, in any order.
    const answers = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        client.send(
          'PATCH',
          `/Groups/${team}`,
          patchOf(
            { op: 'remove', path: `members[value eq "${users[i]}"]` },
            { op: 'add', path: 'members', value: [{ value: users[50 + i] }] },
          ),
        ),
      ),
    )
    expect(answers.map((answer) => answer.status).filter((status) => status >= 300)).toEqual([])
    expect(await membersOf(team)).toEqual(users.slice(50).sort())
    const version = await db.query<{ version: string }>('select version::text from teams where id = $1', [
      team,
    ])
    expect(Number(version.rows[0]?.version)).toBe(51)
  }, 60_000)

  it('creates one of 20 concurrent POSTs of one userName in case variants', async () => {
    const variants = Array.from({ length: 20 }, (_, i) =>
      [...'race.condition'].map((c, j) => ((i >> (j % 5)) & 1 ? c.toUpperCase() : c)).join(''),
    )
    const answers = await Promise.all(
      variants.map((userName) =>
        client.send('POST', '/Users', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName }),
      ),
    )
    const statuses = answers.map((answer) => answer.status).sort()
    expect(statuses).toEqual([201, ...Array(19).fill(409)])
    expect(answers.filter((a) => a.status === 409).every((a) => a.body.scimType === 'uniqueness')).toBe(true)
  }, 60_000)

  it('loses no update when a PUT and a PATCH of one user race on two replicas', async () => {
    const targets = users.slice(0, 10)
    await Promise.all(
      targets.map(async (id, i) => {
        const before = await client.send('GET', `/Users/${id}`)
        const [put, patch] = await Promise.all([
          client.send('PUT', `/Users/${id}`, {
            ...before.body,
            name: { givenName: `Put${i}` },
            title: 'from PUT',
          }),
          client.send('PATCH', `/Users/${id}`, patchOf({ op: 'replace', path: 'title', value: `Patch${i}` })),
        ])
        expect([put.status, patch.status]).toEqual([200, 200])
        const after = await client.send('GET', `/Users/${id}`)
        // Either order is a serial one: the PUT's name survives both, the title is the last writer's.
        expect(after.body.name).toMatchObject({ givenName: `Put${i}` })
        expect([`Patch${i}`, 'from PUT']).toContain(after.body.title)
        const version = (etag: unknown) => Number(String(etag).replace(/\D/g, ''))
        expect(version(after.headers.etag)).toBe(version(before.headers.etag) + 2)
      }),
    )
  }, 60_000)

  it('kills the session of a SAML login that raced the user’s deactivation on another replica', async () => {
    const [a, b, c] = running.replicas.map((replica) => scimClient(replica.url, TOKEN))
    for (let i = 0; i < 6; i += 1) {
      const id = users[90 + i]!
      const userName = `member-${90 + i}`
      const login = (async () => {
        const form = await b!.form('/dev-idp', { userName })
        const samlResponse = /name="SAMLResponse" value="([^"]+)"/.exec(form.text)?.[1]
        expect(samlResponse).toBeDefined()
        return c!.form('/saml/acs', { SAMLResponse: samlResponse ?? '' })
      })()
      const deactivation = a!.send(
        'PATCH',
        `/Users/${id}`,
        patchOf({ op: 'replace', path: 'active', value: false }),
      )
      const [acs, deactivated] = await Promise.all([login, deactivation])
      expect(deactivated.status).toBe(200)
      const cookie = acs.headers['set-cookie']
      if (cookie !== undefined) {
        // The login won the race: its session must be dead on its first request, on any replica.
        for (const replica of [a!, b!, c!]) {
          const home = await replica.page('/', cookie)
          expect(home.status).toBe(303)
          expect(home.headers.location).toBe('/login')
        }
      } else {
        expect(acs.status).toBe(403)
      }
    }
    expect(await consistencyProblems(db)).toEqual([])
  }, 60_000)

  it('keeps serving when a replica is killed mid-burst; every retried request completes and nothing is half written', async () => {
    const team = await createTeam(client, 'Killed')
    const fresh = await createUsers(client, 'burst', 60)
    const victim = running.replicas[1]!
    const oldPid = victim.process?.pid
    let done = 0
    const failures: number[] = []
    const burst = Promise.all(
      fresh.map(async (user, i) => {
        // Spread over time so that the kill lands in the middle.
        await new Promise((resolve) => setTimeout(resolve, i * 15))
        const answer = await withRetries(
          () =>
            client.send(
              'PATCH',
              `/Groups/${team}`,
              patchOf({ op: 'add', path: 'members', value: [{ value: user }] }),
            ),
          (status) => failures.push(status),
        )
        done += 1
        return answer.status
      }),
    )
    while (done < 15) await new Promise((resolve) => setTimeout(resolve, 5))
    victim.process?.kill('SIGKILL')
    const statuses = await burst
    expect(statuses.filter((status) => status >= 300)).toEqual([])
    expect(await membersOf(team)).toEqual([...fresh].sort())
    // One version per member added: a retry of a change that was applied changes nothing.
    const version = await db.query<{ version: string }>('select version::text from teams where id = $1', [
      team,
    ])
    expect(Number(version.rows[0]?.version)).toBe(1 + fresh.length)
    expect(await consistencyProblems(db)).toEqual([])
    // The runner started it again; it serves.
    await victim.ready()
    expect(victim.process?.pid).not.toBe(oldPid)
    const direct = scimClient(victim.url, TOKEN)
    expect((await withRetries(() => direct.send('GET', `/Groups/${team}`))).status).toBe(200)
    expect(lines.some((line) => line.includes('replica 2 exited (SIGKILL)'))).toBe(true)
  }, 90_000)
})

describeServer('a replica whose port another process holds', () => {
  let scratch: ScratchDatabase
  beforeAll(async () => {
    scratch = await createScratchDatabase(serverUrl ?? '')
  })
  afterAll(async () => scratch?.drop())

  it(
    'is never counted up, and the stranger gets no request',
    async () => {
      const [proxyPort, held] = (await freePorts(2)) as [number, number]
      let requests = 0
      const stranger = createServer((_request, response) => {
        requests += 1
        response.end('stranger')
      })
      await new Promise<void>((done) => stranger.listen(held, '127.0.0.1', () => done()))
      const lines: string[] = []
      try {
        await expect(
          startCluster({
            databaseUrl: scratch.url,
            replicas: 1,
            port: proxyPort,
            replicaPorts: [held],
            env: { SCIM_TOKEN: TOKEN, NODE_ENV: 'test' },
            restart: false,
            log: (line) => lines.push(line),
          }),
        ).rejects.toThrow('replica 1 exited before it listened')
        expect(lines.join('\n')).toContain('EADDRINUSE')
        expect(requests).toBe(0)
      } finally {
        stranger.close()
      }
    },
    STARTUP_MS,
  )
})

describeServer('two replicas whose database connection is cut', () => {
  let scratch: ScratchDatabase
  let proxy: TcpProxy
  let running: Cluster
  let client: ScimClient
  let db: Pool

  beforeAll(async () => {
    scratch = await createScratchDatabase(serverUrl ?? '')
    const target = new URL(scratch.url)
    proxy = await startTcpProxy(Number(target.port || 5432), target.hostname)
    const viaProxy = new URL(scratch.url)
    viaProxy.hostname = '127.0.0.1'
    viaProxy.port = String(proxy.port)
    ;({ cluster: running } = await cluster(viaProxy.toString(), 2, { DATABASE_STATEMENT_TIMEOUT_MS: '1000' }))
    client = scimClient(running.url, TOKEN)
    db = new Pool({ connectionString: scratch.url, max: 2 })
  }, STARTUP_MS)
  afterAll(async () => {
    await running?.stop()
    await proxy?.close()
    await db?.end()
    await scratch?.drop()
  }, STARTUP_MS)

  it('answers 503 with Retry-After while the database is unreachable, and recovers by itself with nothing lost', async () => {
    const pids = running.replicas.map((replica) => replica.process?.pid)
    const before = await createUsers(client, 'before-cut', 5)
    proxy.cut()
    const during = await Promise.all(
      Array.from({ length: 6 }, (_, i) => client.send('GET', `/Users/${before[i % before.length]}`)),
    )
    for (const answer of during) {
      expect(answer.status).toBe(503)
      expect(answer.headers['retry-after']).toMatch(/^\d+$/)
      expect(answer.body.schemas).toEqual(['urn:ietf:params:scim:api:messages:2.0:Error'])
    }
    await new Promise((resolve) => setTimeout(resolve, 2_000))
    proxy.restore()
    const after = await withRetries(() => client.send('GET', `/Users/${before[0]}`), undefined, 20)
    expect(after.status).toBe(200)
    const more = await createUsers(client, 'after-cut', 5)
    const stored = await db.query('select id::text from users where id = any($1::uuid[])', [
      [...before, ...more],
    ])
    expect(stored.rows).toHaveLength(10)
    // No replica died of the dropped connections (pg's pool 'error' event is handled).
    expect(running.replicas.map((replica) => replica.process?.pid)).toEqual(pids)
  }, 60_000)

  it('answers 503 for a statement past its timeout and rolls its transaction back', async () => {
    const [user] = await createUsers(client, 'timeout', 1)
    const team = await createTeam(client, 'Locked')
    // Hold the team's row: the PATCH's transaction waits on it past the replicas' 1 s statement timeout.
    const holder = await db.connect()
    try {
      await holder.query('begin')
      await holder.query('select 1 from teams where id = $1 for update', [team])
      const blocked = await client.send(
        'PATCH',
        `/Groups/${team}`,
        patchOf({ op: 'add', path: 'members', value: [{ value: user }] }),
      )
      expect(blocked.status).toBe(503)
      expect(blocked.headers['retry-after']).toMatch(/^\d+$/)
    } finally {
      await holder.query('rollback')
      holder.release()
    }
    const members = await db.query('select 1 from team_members where team_id = $1', [team])
    expect(members.rows).toHaveLength(0)
    const retried = await client.send(
      'PATCH',
      `/Groups/${team}`,
      patchOf({ op: 'add', path: 'members', value: [{ value: user }] }),
    )
    expect(retried.status).toBeLessThan(300)
  }, 60_000)
})

describeServer('two plain `npm start` processes starting at the same moment over one database', () => {
  let scratch: ScratchDatabase
  beforeAll(async () => {
    scratch = await createScratchDatabase(serverUrl ?? '')
  })
  afterAll(async () => scratch?.drop())

  /** Starts `index.ts` on `port` as `npm start` does; resolves with its output once it listens. */
  const start = (port: number, publicUrl: string) => {
    // Behind one load balancer, both have its URL: SAML's ACS is the same at either.
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      PORT: String(port),
      DATABASE_URL: scratch.url,
      PUBLIC_URL: publicUrl,
    }
    for (const name of ['SCIM_TOKEN', 'ADMIN_PASSWORD', 'NODE_ENV', 'DATABASE_ISOLATION']) delete env[name]
    const child = spawn(process.execPath, ['--import', 'tsx', 'examples/grafana-host/index.ts'], {
      cwd: resolve(__dirname, '../../..'),
      env,
    })
    return new Promise<{ output: string; stop: () => Promise<void> }>((done, fail) => {
      let output = ''
      const stop = async () => {
        if (child.exitCode !== null) return
        const exited = new Promise((resolveExit) => child.once('exit', resolveExit))
        child.kill('SIGTERM')
        await exited
      }
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString()
        if (output.includes('Development IdP:') && output.endsWith('\n')) done({ output, stop })
      })
      child.stderr.on('data', (chunk: Buffer) => {
        output += chunk.toString()
      })
      child.on('exit', (code) => fail(new Error(`the host exited with ${code}: ${output}`)))
    })
  }

  it(
    'applies each migration once, makes one admin and one bootstrap token, and shares the development IdP',
    async () => {
      const ports = await freePorts(2)
      const [first, second] = await Promise.all(
        ports.map((port) => start(port, `http://localhost:${ports[0]}`)),
      )
      try {
        const outputs = [first!.output, second!.output]
        const db = new Pool({ connectionString: scratch.url, max: 1 })
        try {
          const count = async (sql: string) => (await db.query<{ n: number }>(sql)).rows[0]?.n
          expect(await count('select count(*)::int as n from schema_migrations')).toBe(
            migrationFiles().length,
          )
          expect(await count("select count(*)::int as n from users where login = 'admin'")).toBe(1)
          expect(await count('select count(*)::int as n from scim_tokens where revoked_at is null')).toBe(1)
          expect(await count('select count(*)::int as n from dev_idp_keys')).toBe(1)
          // One cursor key for both: a cursor one of them issued is good at the other.
          expect(await count('select count(*)::int as n from scim_cursor_secret')).toBe(1)
        } finally {
          await db.end()
        }
        // Exactly one printed the password and the token; the other says who did.
        expect(outputs.filter((output) => /Admin: {2}admin \/ \S+/.test(output))).toHaveLength(1)
        expect(outputs.filter((output) => /Token: {2}scim_\S+/.test(output))).toHaveLength(1)
        const token = /Token: {2}(scim_\S+)/.exec(outputs.join('\n'))?.[1] ?? ''
        const [one, two] = ports.map((port) => scimClient(`http://127.0.0.1:${port}`, token))
        const created = await one!.send('POST', '/Users', {
          schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
          userName: 'both@example.com',
          externalId: 'oid-both',
          active: true,
        })
        expect(created.status).toBe(201)
        expect((await two!.send('GET', `/Users/${created.body.id}`)).status).toBe(200)
        // A response signed by one's development IdP signs in at the other.
        const form = await one!.form('/dev-idp', { userName: 'both@example.com' })
        const samlResponse = /name="SAMLResponse" value="([^"]+)"/.exec(form.text)?.[1] ?? ''
        const acs = await two!.form('/saml/acs', { SAMLResponse: samlResponse })
        expect(acs.status).toBe(303)
        expect(acs.headers['set-cookie']).toBeDefined()
      } finally {
        await Promise.all([first?.stop(), second?.stop()])
      }
    },
    STARTUP_MS,
  )
})
