// Two host processes over one PostgreSQL (EXPRESS_SCIM_TEST_PG_URL): concurrent member PATCHes all succeed, If-Match holds across processes; SqlTeamStore passes the TeamStore contract.
import { type ChildProcess, spawn } from 'node:child_process'
import { randomBytes, randomUUID } from 'node:crypto'
import path from 'node:path'
import { createInterface } from 'node:readline'
import { Pool } from 'pg'
import { createTestContext, describeTeamStoreContract } from '../../lib/testing'
import type { HostReady } from '../helpers/pg-scim-host'
import { GROUP_SCHEMA, PATCH_SCHEMA } from '../helpers/scim-app'
import { createTeamTables, SqlTeamStore } from '../helpers/sql-team-store'

const serverUrl = process.env.EXPRESS_SCIM_TEST_PG_URL
const describeServer = serverUrl ? describe : describe.skip
if (!serverUrl) {
  console.warn(
    'EXPRESS_SCIM_TEST_PG_URL is not set: skipping the two-process PostgreSQL concurrency tests and the SqlTeamStore contract',
  )
}

const ROOT = path.resolve(__dirname, '../..')
const HOST_SCRIPT = path.join(ROOT, 'test/helpers/pg-scim-host.ts')
const TOKEN = 'pg-host-token'
const TENANT = 'acme'

/** A schema of its own for this file, so that test files running in parallel never meet. */
const SCHEMA = `express_scim_conc_${randomBytes(6).toString('hex')}`

let pool: Pool | undefined
let ready: Promise<Pool> | undefined

/** The pool, with the schema and tables created on first use. */
function database(): Promise<Pool> {
  ready ??= (async () => {
    pool = new Pool({ connectionString: serverUrl, max: 5 })
    await pool.query(`create schema ${SCHEMA}`)
    await createTeamTables(pool, SCHEMA)
    return pool
  })()
  return ready
}

afterAll(async () => {
  if (!pool) return
  try {
    await pool.query(`drop schema if exists ${SCHEMA} cascade`)
  } finally {
    await pool.end()
  }
})

/** A running host process and its base URL. */
interface Host {
  readonly child: ChildProcess
  readonly url: string
}

/** Starts one host process (tsx) over the schema and waits for the port it prints. */
function startHost(): Promise<Host> {
  const child = spawn(process.execPath, ['--import', 'tsx', HOST_SCRIPT], {
    cwd: ROOT,
    env: {
      ...process.env,
      EXPRESS_SCIM_TEST_PG_URL: serverUrl,
      SCIM_HOST_SCHEMA: SCHEMA,
      SCIM_HOST_TOKEN: TOKEN,
      SCIM_HOST_TENANT: TENANT,
    },
    stdio: ['pipe', 'pipe', 'pipe'],
  })
  let stderr = ''
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString()
  })
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`host did not start: ${stderr}`)), 30_000)
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`host exited with ${code}: ${stderr}`))
    })
    createInterface({ input: child.stdout! }).once('line', (line) => {
      clearTimeout(timer)
      const { port } = JSON.parse(line) as HostReady
      resolve({ child, url: `http://127.0.0.1:${port}/scim` })
    })
  })
}

/** Ends a host this file started: closing its stdin makes it exit; then a SIGTERM to its own pid. */
async function stopHost(host: Host): Promise<void> {
  if (host.child.exitCode !== null) return
  const exited = new Promise<void>((resolve) => host.child.once('exit', () => resolve()))
  host.child.stdin?.end()
  const timer = setTimeout(() => host.child.kill('SIGTERM'), 3_000)
  await exited
  clearTimeout(timer)
}

/** A PATCH of one group through one host. */
function patchGroup(host: Host, group: string, operations: unknown[], ifMatch?: string) {
  return fetch(`${host.url}/Groups/${group}`, {
    method: 'PATCH',
    headers: {
      Authorization: `Bearer ${TOKEN}`,
      'Content-Type': 'application/scim+json',
      ...(ifMatch ? { 'If-Match': ifMatch } : {}),
    },
    body: JSON.stringify({ schemas: [PATCH_SCHEMA], Operations: operations }),
  })
}

/** Inserts users of the tenant straight into the table the hosts' UserStore reads. */
async function addUsers(db: Pool, prefix: string, count: number): Promise<string[]> {
  const ids = Array.from({ length: count }, () => randomUUID())
  await db.query(
    `insert into ${SCHEMA}.users (tenant, id, user_name) select $1, id, $2 || n from unnest($3::text[]) with ordinality as u(id, n)`,
    [TENANT, prefix, ids],
  )
  return ids
}

async function membersOf(db: Pool, group: string): Promise<string[]> {
  const { rows } = await db.query<{ user_id: string }>(
    `select user_id from ${SCHEMA}.team_members where team_id = $1`,
    [group],
  )
  return rows.map((r) => r.user_id).sort()
}

describeServer('two host processes over one PostgreSQL', () => {
  let hosts: Host[] = []
  let db: Pool

  beforeAll(async () => {
    db = await database()
    hosts = await Promise.all([startHost(), startHost()])
  })

  afterAll(async () => {
    await Promise.all(hosts.map(stopHost))
  })

  async function createTeam(name: string, members: readonly string[]) {
    const store = new SqlTeamStore(db, SCHEMA)
    const context = createTestContext(TENANT)
    const document = { schemas: [GROUP_SCHEMA], displayName: name }
    return store.create(
      { provisioned: true, displayName: name, document },
      members.map((value) => ({ value })),
      context,
    )
  }

  it.each([20, 50])(
    '%i concurrent PATCHes removing one member and adding another, split across both processes: all 204, membership exact',
    async (count) => {
      const leaving = await addUsers(db, `leaving-${count}-`, count)
      const joining = await addUsers(db, `joining-${count}-`, count)
      const team = await createTeam(`Churn ${count}`, leaving)
      const responses = await Promise.all(
        leaving.map((gone, i) =>
          patchGroup(hosts[i % 2]!, team.id, [
            { op: 'remove', path: `members[value eq "${gone}"]` },
            { op: 'add', path: 'members', value: [{ value: joining[i] }] },
          ]),
        ),
      )
      const statuses = responses.map((r) => r.status)
      expect(statuses).toEqual(leaving.map(() => 204))
      expect(responses.every((r) => r.headers.get('retry-after') === null)).toBe(true)
      expect(await membersOf(db, team.id)).toEqual([...joining].sort())
      // Each delta made a version of its own, and the team's final version is past all of them.
      expect(new Set(responses.map((r) => r.headers.get('etag'))).size).toBe(count)
    },
  )

  it('concurrent adds and removes of single members from both processes all land', async () => {
    const start = await addUsers(db, 'start-', 25)
    const extra = await addUsers(db, 'extra-', 25)
    const team = await createTeam('Single kinds', start)
    const responses = await Promise.all([
      ...start.map((value, i) =>
        patchGroup(hosts[i % 2]!, team.id, [{ op: 'remove', path: 'members', value: [{ value }] }]),
      ),
      ...extra.map((value, i) =>
        patchGroup(hosts[(i + 1) % 2]!, team.id, [{ op: 'add', path: 'members', value: [{ value }] }]),
      ),
    ])
    expect(responses.map((r) => r.status)).toEqual(responses.map(() => 204))
    expect(await membersOf(db, team.id)).toEqual([...extra].sort())
  })

  it('If-Match holds across processes: of 10 member PATCHes naming one version, exactly one is written', async () => {
    const users = await addUsers(db, 'guarded-', 10)
    const team = await createTeam('Guarded', [])
    const tag = `W/"${team.version}"`
    const responses = await Promise.all(
      users.map((value, i) =>
        patchGroup(hosts[i % 2]!, team.id, [{ op: 'add', path: 'members', value: [{ value }] }], tag),
      ),
    )
    const statuses = responses.map((r) => r.status).sort()
    expect(statuses).toEqual([204, ...users.slice(1).map(() => 412)])
    const winner = users[responses.findIndex((r) => r.status === 204)]
    expect(await membersOf(db, team.id)).toEqual([winner])
  })
})

// The same store through the contract suite: every test gets tenants of its own, so no cleanup is needed.
if (serverUrl) {
  describeTeamStoreContract('SqlTeamStore on PostgreSQL', async ({ userCount }) => {
    const db = await database()
    const tenant = `contract-${randomBytes(6).toString('hex')}`
    return {
      store: new SqlTeamStore(db, SCHEMA),
      users: Array.from({ length: userCount }, () => randomUUID()),
      context: createTestContext(tenant),
      otherTenantContext: createTestContext(`${tenant}:other`),
    }
  })
}
