// A real browser (Playwright driving Debian's Chromium) through the reference host: provision over SCIM, sign in through the development IdP, see the dashboard, deactivate over SCIM, reload onto the login page; a Viewer sees their role and is refused a new dashboard; a screenshot of each page checked.
import { existsSync, mkdirSync } from 'node:fs'
import type { Server } from 'node:http'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { type Browser, chromium } from 'playwright-core'
import { createGrafanaHost, type GrafanaHost } from '../../../examples/grafana-host/app'
import { freePort } from '../../helpers/free-port'
import { type HostDatabase, openHostPglite } from '../../helpers/host-db'

/** Debian's Chromium (`apt-get install chromium`; `.ci/run` installs it), or the one CHROMIUM_PATH names. */
const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
const describeBrowser = existsSync(executablePath) ? describe : describe.skip
if (!existsSync(executablePath)) {
  console.warn(
    `No Chromium at ${executablePath}: skipping the browser test (install Debian's chromium, or set CHROMIUM_PATH)`,
  )
}

/** Where the screenshots go (ignored by git). */
const SHOTS = resolve(__dirname, '../../../.tmp/browser')

const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User'
const PATCH_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:PatchOp'

describeBrowser('the reference host in a real browser', () => {
  let database: HostDatabase
  let host: GrafanaHost
  let server: Server
  let browser: Browser
  let origin: string
  let token: string

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true })
    const port = await freePort()
    origin = `http://127.0.0.1:${port}`
    database = await openHostPglite()
    host = createGrafanaHost({ db: database.db, baseUrl: origin, devIdp: true })
    token = (await host.tokens.create(host.tenant, 'Browser test IdP')).token
    server = host.app.listen(port, '127.0.0.1')
    await new Promise<void>((done) => server.once('listening', () => done()))
    // As root (CI containers) Chromium needs --no-sandbox.
    browser = await chromium.launch({ executablePath, args: ['--no-sandbox'] })
  }, 60_000)

  afterAll(async () => {
    await browser?.close()
    await new Promise<void>((done) => (server ? server.close(() => done()) : done()))
    await database?.close()
  })

  const scim = (method: string, path: string, body: unknown) =>
    fetch(`${origin}/scim${path}`, {
      method,
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/scim+json' },
      body: JSON.stringify(body),
    })

  it('provision, sign in through the development IdP, see the dashboard, deactivate, land on the login page', async () => {
    const created = await scim('POST', '/Users', {
      schemas: [USER_SCHEMA],
      userName: 'grace@example.com',
      externalId: 'oid-grace',
      displayName: 'Grace Hopper',
      active: true,
    })
    expect(created.status).toBe(201)
    const grace = (await created.json()) as { id: string }
    const group = await scim('POST', '/Groups', {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
      displayName: 'Compilers',
      members: [{ value: grace.id }],
    })
    expect(group.status).toBe(201)

    const page = await browser.newPage()
    await page.goto(`${origin}/`)
    expect(new URL(page.url()).pathname).toBe('/login')
    await page.screenshot({ path: join(SHOTS, '1-login.png'), fullPage: true })

    await page.getByTestId('dev-idp-link').click()
    expect(new URL(page.url()).pathname).toBe('/dev-idp')
    await expect(page.getByTestId('dev-idp-banner').isVisible()).resolves.toBe(true)
    await page.screenshot({ path: join(SHOTS, '2-dev-idp.png'), fullPage: true })
    await page.fill('input[name="userName"]', 'grace@example.com')
    // The IdP's page posts the signed response to the ACS by itself; the ACS redirects home.
    await Promise.all([page.waitForURL(`${origin}/`), page.click('button')])
    await expect(page.getByTestId('welcome').textContent()).resolves.toBe('Welcome, Grace Hopper')
    await expect(page.getByTestId('teams').textContent()).resolves.toContain('Compilers')
    await page.screenshot({ path: join(SHOTS, '3-dashboard.png'), fullPage: true })

    const deactivated = await scim('PATCH', `/Users/${grace.id}`, {
      schemas: [PATCH_SCHEMA],
      Operations: [{ op: 'replace', path: 'active', value: false }],
    })
    expect(deactivated.status).toBe(200)
    await page.reload()
    expect(new URL(page.url()).pathname).toBe('/login')
    await page.screenshot({ path: join(SHOTS, '4-after-deactivation.png'), fullPage: true })
    const cookies = await page.context().cookies()
    expect(cookies.find((cookie) => cookie.name === 'grafana_host_session')).toBeUndefined()
  }, 60_000)

  it('shows a Viewer the role their IdP granted, links only the pages it opens, and refuses a new dashboard (403)', async () => {
    const created = await scim('POST', '/Users', {
      schemas: [USER_SCHEMA],
      userName: 'ada@example.com',
      externalId: 'oid-ada',
      displayName: 'Ada Lovelace',
      active: true,
      roles: [{ value: 'Viewer', display: 'Viewer', primary: true }],
    })
    expect(created.status).toBe(201)

    const page = await browser.newPage()
    await page.goto(`${origin}/dev-idp`)
    await page.fill('input[name="userName"]', 'ada@example.com')
    await Promise.all([page.waitForURL(`${origin}/`), page.click('button')])
    await expect(page.getByTestId('basic-role').textContent()).resolves.toMatch(
      /^Basic role: Viewer from the IdP/,
    )
    await expect(page.getByTestId('roles').textContent()).resolves.toContain('Viewer')
    // The navigation offers dashboards, not what a Viewer cannot open.
    await expect(page.locator('header a[href="/dashboards"]').count()).resolves.toBe(1)
    await expect(page.locator('header a[href="/dashboards/new"]').count()).resolves.toBe(0)
    await expect(page.locator('header a[href="/admin/users"]').count()).resolves.toBe(0)
    await page.screenshot({ path: join(SHOTS, '5-viewer-home.png'), fullPage: true })

    const dashboards = await page.goto(`${origin}/dashboards`)
    expect(dashboards?.status()).toBe(200)
    const refused = await page.goto(`${origin}/dashboards/new`)
    expect(refused?.status()).toBe(403)
    await expect(page.getByTestId('forbidden').textContent()).resolves.toContain(
      'needs the Editor basic role or higher',
    )
    await page.screenshot({ path: join(SHOTS, '6-viewer-forbidden.png'), fullPage: true })
  }, 60_000)
})
