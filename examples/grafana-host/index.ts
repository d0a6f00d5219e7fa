// `npm start`: the Grafana-like host on an embedded PGlite database (or DATABASE_URL's PostgreSQL), SCIM at /scim, pages at /.
// PORT (default 3000), SCIM_TOKEN (the bootstrap IdP token), ADMIN_PASSWORD, DATABASE_URL, DATA_DIR (default ./.data/grafana-host),
// PUBLIC_URL (default http://localhost:PORT), DEV_IDP=1 (the development IdP on a non-loopback PUBLIC_URL);
// a real IdP with SAML_IDP_ISSUER, SAML_IDP_CERT (PEM) and SAML_IDP_SSO_URL.
import { randomBytes } from 'node:crypto'
import { mkdirSync } from 'node:fs'
import { resolve } from 'node:path'
import { ADMIN_LOGIN, createGrafanaHost } from './app'
import { openDatabase } from './db'
import { migrate } from './migrate'
import { hashPassword, verifyPassword } from './web-auth'

async function main(): Promise<void> {
  const port = Number(process.env.PORT ?? 3000)
  const baseUrl = process.env.PUBLIC_URL ?? `http://localhost:${port}`
  const dataDir = resolve(process.env.DATA_DIR ?? '.data/grafana-host')
  if (!process.env.DATABASE_URL) mkdirSync(dataDir, { recursive: true })
  const db = await openDatabase({ url: process.env.DATABASE_URL, dataDir })
  const applied = await migrate(db)
  // The development IdP signs anyone in: only on a machine's own address unless DEV_IDP=1 says so,
  // never under NODE_ENV=production (a deployment that forgot NODE_ENV still fails closed).
  const loopback = /^https?:\/\/(localhost|127\.0\.0\.1|\[::1\])(:\d+)?(\/|$)/.test(baseUrl)
  const devIdp = process.env.NODE_ENV !== 'production' && (loopback || process.env.DEV_IDP === '1')
  const idp =
    process.env.SAML_IDP_ISSUER && process.env.SAML_IDP_CERT
      ? {
          issuer: process.env.SAML_IDP_ISSUER,
          cert: process.env.SAML_IDP_CERT,
          ssoUrl: process.env.SAML_IDP_SSO_URL,
        }
      : undefined
  const host = createGrafanaHost({ db, baseUrl, devIdp: devIdp && !idp, ...(idp ? { idp } : {}) })
  const lines = [
    `Grafana-like host on ${db.kind === 'pglite' ? `PGlite in ${dataDir}` : 'PostgreSQL (DATABASE_URL)'}${applied.length > 0 ? `, migrations applied: ${applied.join(', ')}` : ''}`,
    `Pages:  ${baseUrl}/`,
    `SCIM:   ${baseUrl}/scim`,
  ]

  // The local admin: the password from ADMIN_PASSWORD, else generated once and printed once.
  const admin = await host.users.findForLogin(host.tenant, ADMIN_LOGIN)
  if (process.env.ADMIN_PASSWORD) {
    if (!admin)
      await host.users.addLocalUser(host.tenant, {
        userName: ADMIN_LOGIN,
        passwordHash: await hashPassword(process.env.ADMIN_PASSWORD),
      })
    else if (!(await verifyPassword(process.env.ADMIN_PASSWORD, admin.passwordHash))) {
      // A new password ends every session signed in with the old one.
      await db.query('update users set password_hash = $1 where id = $2', [
        await hashPassword(process.env.ADMIN_PASSWORD),
        admin.user.id,
      ])
      await host.sessions.endAll(host.tenant, admin.user.id, 'password changed')
    }
  } else if (!admin) {
    const password = randomBytes(12).toString('base64url')
    await host.users.addLocalUser(host.tenant, {
      userName: ADMIN_LOGIN,
      passwordHash: await hashPassword(password),
    })
    lines.push(
      `Admin:  ${ADMIN_LOGIN} / ${password}   (generated now, shown once; set ADMIN_PASSWORD to choose it)`,
    )
  }

  // The bootstrap IdP token: SCIM_TOKEN when set (registered once), else one generated while none exists.
  const bootstrap = process.env.SCIM_TOKEN
  if (bootstrap) {
    if (!/^[A-Za-z0-9\-._~+/]{32,1024}=*$/.test(bootstrap)) {
      throw new Error(
        'SCIM_TOKEN must be at least 32 characters of A-Z a-z 0-9 - . _ ~ + / (a bearer token, RFC 6750)',
      )
    }
    const state = await host.tokens.stateOf(bootstrap)
    if (state === 'unknown') await host.tokens.create(host.tenant, 'Bootstrap (SCIM_TOKEN)', bootstrap)
    lines.push(
      state === 'revoked'
        ? 'Token:  SCIM_TOKEN was revoked on the admin page and stays revoked: unset it, use the tokens made there'
        : 'Token:  SCIM_TOKEN',
    )
  } else if ((await host.tokens.list(host.tenant)).length === 0) {
    const { token } = await host.tokens.create(host.tenant, 'Bootstrap')
    lines.push(`Token:  ${token}   (shown once; rotate it on ${baseUrl}/admin/tokens)`)
  } else {
    lines.push(`Token:  SCIM tokens on record; manage them on ${baseUrl}/admin/tokens`)
  }
  if (host.devIdp) lines.push(`Development IdP: ${baseUrl}/dev-idp (off under NODE_ENV=production)`)

  const server = host.app.listen(port, () => console.log(lines.join('\n')))
  const stop = () => server.close(() => void db.close().then(() => process.exit(0)))
  process.on('SIGINT', stop)
  process.on('SIGTERM', stop)
}

main().catch((error: unknown) => {
  console.error('grafana-host failed to start: %s', error instanceof Error ? error.message : String(error))
  process.exit(1)
})
