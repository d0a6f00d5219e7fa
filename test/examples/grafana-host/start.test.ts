// `npm start` as a process: the host on PGlite in a data folder prints its URL, token and admin password, serves SCIM, and keeps its data across a restart.
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer as createNetServer } from 'node:net'
import { networkInterfaces, tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, afterEach, describe, expect, it } from '@jest/globals'
import { freePort } from '../../helpers/free-port'

const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User'

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

  it('keeps starting after the bootstrap SCIM_TOKEN was revoked on the admin page, and says so', async () => {
    const port = await freePort()
    const bootstrap = 'bootstrap_token_0123456789_abcdefghij'
    await start(port, { SCIM_TOKEN: bootstrap, ADMIN_PASSWORD: 'admin-password-for-the-test' })
    const origin = `http://127.0.0.1:${port}`
    const login = await fetch(`${origin}/login`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'login=admin&password=admin-password-for-the-test',
    })
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0]!
    const page = await (await fetch(`${origin}/admin/tokens`, { headers: { Cookie: cookie } })).text()
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page)?.[1] ?? ''
    // The row of the bootstrap token (an earlier start of this data folder made another one).
    const row = page.split('<tr>').find((cells) => cells.includes('Bootstrap (SCIM_TOKEN)')) ?? ''
    const id = /\/admin\/tokens\/([0-9a-f-]{36})\/revoke/.exec(row)?.[1] ?? ''
    // A token the host chose shows 4 characters on the page, never more.
    expect(page).toContain('<code>boot…</code>')
    const revoked = await fetch(`${origin}/admin/tokens/${id}/revoke`, {
      method: 'POST',
      redirect: 'manual',
      headers: { Cookie: cookie, 'Content-Type': 'application/x-www-form-urlencoded' },
      body: `_csrf=${encodeURIComponent(csrf)}`,
    })
    expect(revoked.status).toBe(303)
    const exited = new Promise((done) => child!.once('exit', done))
    child!.kill('SIGTERM')
    await exited
    const again = await start(port, { SCIM_TOKEN: bootstrap, ADMIN_PASSWORD: 'admin-password-for-the-test' })
    expect(again).toContain('SCIM_TOKEN was revoked')
    const refused = await fetch(`${origin}/scim/Users`, { headers: { Authorization: `Bearer ${bootstrap}` } })
    expect(refused.status).toBe(401)
  }, 90_000)

  it('turns the development IdP off for a PUBLIC_URL that is not this machine (unless DEV_IDP=1), and refuses a weak SCIM_TOKEN', async () => {
    const port = await freePort()
    const output = await start(port, {
      PUBLIC_URL: 'https://grafana.example.com',
      SCIM_TOKEN: 'scim_token_for_a_public_url_0123456789',
    })
    expect(output).not.toContain('/dev-idp')
    expect((await fetch(`http://127.0.0.1:${port}/dev-idp`)).status).toBe(404)
    const exited = new Promise((done) => child!.once('exit', done))
    child!.kill('SIGTERM')
    await exited
    await expect(start(await freePort(), { SCIM_TOKEN: 'short' })).rejects.toThrow(
      /SCIM_TOKEN must be at least 32 characters/,
    )
  }, 90_000)

  it('listens on loopback only while the development IdP is on, and ends with code 1 when its port is taken', async () => {
    const port = await freePort()
    await start(port)
    expect((await fetch(`http://127.0.0.1:${port}/login`)).status).toBe(200)
    // The development IdP signs anyone in: from another address the port must not answer at all.
    const outside = Object.values(networkInterfaces())
      .flat()
      .find((address) => address && !address.internal && address.family === 'IPv4')?.address
    if (outside === undefined)
      console.warn('No non-loopback IPv4 address here: the outside check was skipped')
    else await expect(fetch(`http://${outside}:${port}/login`)).rejects.toThrow()
    const exited = new Promise((done) => child!.once('exit', done))
    child!.kill('SIGTERM')
    await exited
    const taken = createNetServer()
    await new Promise<void>((done) => taken.listen(port, '127.0.0.1', () => done()))
    try {
      await expect(start(port)).rejects.toThrow(
        /exited with 1: [\s\S]*could not listen on port \d+: EADDRINUSE/,
      )
    } finally {
      taken.close()
    }
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
