// `npm start`: the Grafana-like host on an embedded PGlite database (or DATABASE_URL's PostgreSQL), SCIM at /scim, pages at /.
// PORT (default 3000), SCIM_TOKEN (the bootstrap IdP token), ADMIN_PASSWORD, DATABASE_URL, DATA_DIR (default ./.data/grafana-host),
// DATABASE_ISOLATION (read-committed or serializable), DATABASE_STATEMENT_TIMEOUT_MS (default 10000),
// PUBLIC_URL (default http://localhost:PORT), HOST (the address to listen on; loopback while the development IdP is on,
// else all), DEV_IDP=1 (the development IdP on a non-loopback PUBLIC_URL or HOST);
// a real IdP with SAML_IDP_ISSUER, SAML_IDP_CERT (PEM) and SAML_IDP_SSO_URL; SCIM_RATE_LIMIT (SCIM requests a minute
// per tenant) and REDIS_URL (the SCIM limit's and the sign-in throttle's counts in Redis, shared by every replica;
// without it, per process); AUTO_ASSIGN_ORG_ROLE (Viewer, Editor, Admin or None: the basic role of a user holding none).
import { mkdirSync } from 'node:fs'
import { resolve } from 'node:path'
import { createGrafanaHost } from './app'
import { cursorSecret, devIdpKeyPair, ensureAdmin, ensureBootstrapToken } from './bootstrap'
import { type ConnectionSettings, openDatabase } from './db'
import { migrate } from './migrate'
import type { OrgRole } from './roles'
import { redisRateLimitStore, scimRateLimitFromEnv } from './scim-rate-limit'

/** DATABASE_ISOLATION and DATABASE_STATEMENT_TIMEOUT_MS, checked: a typo stops the start-up. */
function connectionSettingsFromEnv(): ConnectionSettings {
  const isolation = process.env.DATABASE_ISOLATION ?? 'read-committed'
  if (isolation !== 'read-committed' && isolation !== 'serializable') {
    throw new Error('DATABASE_ISOLATION must be read-committed or serializable')
  }
  const timeout = process.env.DATABASE_STATEMENT_TIMEOUT_MS
  if (timeout !== undefined && !/^\d{1,9}$/.test(timeout)) {
    throw new Error('DATABASE_STATEMENT_TIMEOUT_MS must be a whole number of milliseconds')
  }
  return {
    isolation: isolation === 'serializable' ? 'serializable' : 'read committed',
    ...(timeout === undefined ? {} : { statementTimeoutMs: Number(timeout) }),
  }
}

async function main(): Promise<void> {
  const port = Number(process.env.PORT ?? 3000)
  const baseUrl = process.env.PUBLIC_URL ?? `http://localhost:${port}`
  const dataDir = resolve(process.env.DATA_DIR ?? '.data/grafana-host')
  if (!process.env.DATABASE_URL) mkdirSync(dataDir, { recursive: true })
  const db = await openDatabase({
    url: process.env.DATABASE_URL,
    dataDir,
    settings: connectionSettingsFromEnv(),
  })
  const applied = await migrate(db)
  // The development IdP signs anyone in: only on a machine's own address unless DEV_IDP=1 says so,
  // never under NODE_ENV=production (a deployment that forgot NODE_ENV still fails closed).
  const loopback = /^https?:\/\/(localhost|127\.0\.0\.1|\[::1\])(:\d+)?(\/|$)/.test(baseUrl)
  const listenHost = process.env.HOST
  const loopbackBind = listenHost === undefined || /^(localhost|127\.0\.0\.1|::1)$/.test(listenHost)
  const devIdp =
    process.env.NODE_ENV !== 'production' && ((loopback && loopbackBind) || process.env.DEV_IDP === '1')
  const bindAddress = listenHost ?? (devIdp && process.env.DEV_IDP !== '1' ? '127.0.0.1' : undefined)
  const idp =
    process.env.SAML_IDP_ISSUER && process.env.SAML_IDP_CERT
      ? {
          issuer: process.env.SAML_IDP_ISSUER,
          cert: process.env.SAML_IDP_CERT,
          ssoUrl: process.env.SAML_IDP_SSO_URL,
        }
      : undefined
  // SCIM_RATE_LIMIT and REDIS_URL (docs/rate-limits.md): connects to Redis now, so a wrong URL stops the start-up.
  const limit = await scimRateLimitFromEnv(process.env)
  // With REDIS_URL the sign-in throttle counts there too, once for all replicas.
  const loginCounts = process.env.REDIS_URL
    ? await redisRateLimitStore(process.env.REDIS_URL, 'grafana-host-login:')
    : undefined
  const host = createGrafanaHost({
    db,
    baseUrl,
    devIdp: devIdp && !idp,
    // One signing key for every replica, kept in the database: a response signed by one is valid at all.
    ...(devIdp && !idp ? { devIdpKey: await devIdpKeyPair(db) } : {}),
    ...(idp ? { idp } : {}),
    ...(limit ? { scimRateLimit: limit.option } : {}),
    ...(loginCounts ? { loginRateLimitStore: loginCounts.store } : {}),
    cursorSecret: await cursorSecret(db),
    // Grafana's auto_assign_org_role; createGrafanaHost refuses anything but Viewer, Editor, Admin and None.
    ...(process.env.AUTO_ASSIGN_ORG_ROLE
      ? { autoAssignOrgRole: process.env.AUTO_ASSIGN_ORG_ROLE as OrgRole }
      : {}),
    // The router refuses anything but okta and ietf.
    ...(process.env.SCIM_GRANT_SCHEMAS
      ? { grantSchemas: process.env.SCIM_GRANT_SCHEMAS as 'ietf' | 'okta' }
      : {}),
  })
  const lines = [
    `Grafana-like host on ${db.kind === 'pglite' ? `PGlite in ${dataDir}` : 'PostgreSQL (DATABASE_URL)'}${applied.length > 0 ? `, migrations applied: ${applied.join(', ')}` : ''}`,
    `Pages:  ${baseUrl}/`,
    `SCIM:   ${baseUrl}/scim`,
    ...(limit ? [limit.line] : []),
    ...(loginCounts
      ? ['Sign-in: failed passwords counted in Redis (REDIS_URL), once for every replica']
      : []),
  ]

  // Made once per database; replicas starting at the same moment make one of each between them.
  lines.push(...(await ensureAdmin(host, db, process.env.ADMIN_PASSWORD || undefined)))
  lines.push(...(await ensureBootstrapToken(host, baseUrl, process.env.SCIM_TOKEN || undefined)))
  if (host.devIdp) lines.push(`Development IdP: ${baseUrl}/dev-idp (off under NODE_ENV=production)`)

  // Listens on HOST, or on loopback only while the development IdP is on (it signs anyone in).
  const listening = (error?: Error) => {
    if (error) {
      console.error(
        'grafana-host could not listen on port %d: %s',
        port,
        (error as { code?: string }).code ?? error.message,
      )
      process.exit(1)
    }
    console.log(lines.join('\n'))
    // Under `npm run cluster`: the runner counts this replica as up on this message, not on a TCP connect
    // that any process holding the port would answer.
    process.send?.({ listening: port })
  }
  const server =
    bindAddress === undefined
      ? host.app.listen(port, listening)
      : host.app.listen(port, bindAddress, listening)
  // Express 4 reports a listen error as an 'error' event, not through the callback.
  server.once('error', (error: Error & { code?: string }) => {
    console.error('grafana-host could not listen on port %d: %s', port, error.code ?? error.message)
    process.exit(1)
  })
  // Once: a replica of `npm run cluster` may get SIGTERM and then lose its runner (disconnect).
  let stopping = false
  const stop = () => {
    if (stopping) return
    stopping = true
    server.close(
      () => void Promise.all([db.close(), limit?.close(), loginCounts?.close()]).then(() => process.exit(0)),
    )
  }
  process.on('SIGINT', stop)
  process.on('SIGTERM', stop)
  // A replica of `npm run cluster` ends with the runner, even one killed without a chance to stop it.
  if (process.send) process.on('disconnect', stop)
}

main().catch((error: unknown) => {
  console.error('grafana-host failed to start: %s', error instanceof Error ? error.message : String(error))
  process.exit(1)
})
