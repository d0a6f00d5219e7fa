// `npm start` as a process: the host on PGlite in a data folder prints its URL, token and admin password, serves SCIM, and keeps its data across a restart.
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, afterEach, describe, expect, it } from '@jest/globals'

const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User'

function freePort(): Promise<number> {
  return new Promise((done) => {
    const server = createServer()
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => done(typeof address === 'object' && address ? address.port : 3000))
    })
  })
}

describe('examples/grafana-host as `npm start` runs it', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'grafana-host-'))
  let child: ChildProcess | undefined
  afterEach(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((done) => child!.once('exit', done))
      child.kill('SIGTERM')
      await exited
    }
  })
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }))

  /** Starts the host and resolves with everything it printed once it is ready. */
  const start = async (port: number, extra: NodeJS.ProcessEnv = {}) => {
    const env: NodeJS.ProcessEnv = { ...process.env, PORT: String(port), DATA_DIR: dataDir, ...extra }
    for (const name of ['DATABASE_URL', 'SCIM_TOKEN', 'ADMIN_PASSWORD', 'NODE_ENV'])
      if (!(name in extra)) delete env[name]
    child = spawn(process.execPath, ['--import', 'tsx', 'examples/grafana-host/index.ts'], {
      cwd: resolve(__dirname, '../../..'),
      env,
    })
    return new Promise<string>((done, fail) => {
      let text = ''
      child!.stdout!.on('data', (chunk: Buffer) => {
        text += chunk.toString()
        if (text.includes('Token:') && text.endsWith('\n')) done(text)
      })
      child!.stderr!.on('data', (chunk: Buffer) => {
        text += chunk.toString()
      })
      child!.on('exit', (code) => fail(new Error(`the host exited with ${code}: ${text}`)))
    })
  }

  it('prints URL, token and admin password on first start; serves SCIM; keeps users and prints no new password after a restart', async () => {
    const port = await freePort()
    const first = await start(port)
    expect(first).toContain(`Pages:  http://localhost:${port}/`)
    expect(first).toContain(`SCIM:   http://localhost:${port}/scim`)
    expect(first).toMatch(/Admin: {2}admin \/ \S+/)
    expect(first).toContain('/dev-idp')
    const token = /Token: {2}(scim_\S+)/.exec(first)?.[1] ?? ''
    const created = await fetch(`http://127.0.0.1:${port}/scim/Users`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/scim+json' },
      body: JSON.stringify({
        schemas: [USER_SCHEMA],
        userName: 'kept@example.com',
        externalId: 'oid-kept',
        active: true,
      }),
    })
    expect(created.status).toBe(201)
    const home = await fetch(`http://127.0.0.1:${port}/`, { redirect: 'manual' })
    expect(home.status).toBe(303)
    expect(home.headers.get('location')).toBe('/login')

    const exited = new Promise((done) => child!.once('exit', done))
    child!.kill('SIGTERM')
    await exited
    const second = await start(port)
    expect(second).not.toContain('Admin:')
    expect(second).not.toContain('migrations applied')
    const found = await fetch(
      `http://127.0.0.1:${port}/scim/Users?filter=${encodeURIComponent('userName eq "kept@example.com"')}`,
      {
        headers: { Authorization: `Bearer ${token}` },
      },
    )
    expect(((await found.json()) as { totalResults: number }).totalResults).toBe(1)
  }, 90_000)

  it('refuses to serve the development IdP under NODE_ENV=production', async () => {
    const port = await freePort()
    const output = await start(port, {
      NODE_ENV: 'production',
      SCIM_TOKEN: 'scim_test_token_for_production_mode',
    })
    expect(output).not.toContain('/dev-idp')
    const devIdp = await fetch(`http://127.0.0.1:${port}/dev-idp`)
    expect(devIdp.status).toBe(404)
  }, 90_000)
})
