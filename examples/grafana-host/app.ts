// The Grafana-like host: SCIM at /scim over the SQL stores (roles and entitlements from the host's catalogue), SAML sign-in linked by externalId (with a development IdP for demos), database sessions that SCIM revokes, and the pages roles open.
import express, { type NextFunction, type Request, type Response } from 'express'
import { rateLimit, type Store } from 'express-rate-limit'
import { createScimRouter, type Grant, type ScimEvent } from '../../lib'
import { createSamlLinker, isSamlLinkError } from '../../lib/saml'
import { isDatabaseUnavailable } from '../../lib/sql'
import { accessMiddleware } from './access'
import type { Database } from './db'
import { createRenderer, pageRoutes } from './pages'
import { rolePageRoutes } from './role-pages'
import { type Catalogue, checkOrgRole, createCatalogue, type OrgRole } from './roles'
import {
  assertionIdentity,
  createDevIdp,
  type DevIdp,
  type DevIdpKeyPair,
  EXTERNAL_UID_ATTRIBUTE,
  firstUse,
  sentTo,
  serviceProvider,
} from './saml'
import { scimRateLimit } from './scim-rate-limit'
import { SESSION_LIFETIME_MS, SqlSessionStore } from './session-store'
import { SyncStatus } from './sync-status'
import { SqlTeamStore } from './team-store'
import { ScimTokens } from './tokens'
import { SqlUserStore } from './user-store'
import {
  clearSessionCookie,
  requireCsrf,
  sessionMiddleware,
  sessionOf,
  setSessionCookie,
  verifyPassword,
} from './web-auth'

/** The login of the local admin: not provisioned, signs in with a password, as Grafana's admin does. */
export const ADMIN_LOGIN = 'admin'

/** How the host is set up. */
export interface HostOptions {
  readonly db: Database
  /** The public URL of the host, e.g. `http://localhost:3000`: SAML's ACS and audience are built from it. */
  readonly baseUrl: string
  /** The one organisation this host serves. Default `default`. */
  readonly tenant?: string
  /** Serve the development IdP at /dev-idp (never under NODE_ENV=production). */
  readonly devIdp: boolean
  /** A real IdP: its issuer, signing certificate (PEM) and, for SP-initiated sign-in, its SSO URL. */
  readonly idp?: { readonly issuer: string; readonly cert: string; readonly ssoUrl?: string }
  /** The development IdP's signing key (replicas share the one in the database); one is made when omitted. */
  readonly devIdpKey?: DevIdpKeyPair
  /**
   * Limit each tenant's SCIM requests: `limit` per `windowMs`, then 429 with Retry-After (see
   * `scim-rate-limit.ts`). `store` holds the counts: give a Redis one when replicas share the tenants.
   * Default: no limit.
   */
  readonly scimRateLimit?: { readonly limit: number; readonly windowMs: number; readonly store?: Store }
  /**
   * Where the sign-in throttle counts failed passwords (10 per 15 minutes per address). Default: in this
   * process, so N replicas allow N times as many; give a Redis store to count them once. A store that
   * fails refuses the sign-in (500): a guess is never let through uncounted.
   */
  readonly loginRateLimitStore?: Store
  /**
   * The key that signs SCIM list cursors (RFC 9865 cursor paging): replicas share the one in the
   * database. Default: a random one of this process.
   */
  readonly cursorSecret?: Uint8Array
  /**
   * The host's custom roles (Grafana's RBAC roles), each of type `custom`, served at /scim/Roles after
   * the basic ones. Default: one, `custom:reports.reader`, which the reports page asks for.
   */
  readonly customRoles?: readonly Grant[]
  /**
   * The basic role of a user who holds none, directly or through a team: Grafana's
   * `auto_assign_org_role`. Default `Viewer`, as Grafana; `None` opens no dashboards.
   */
  readonly autoAssignOrgRole?: OrgRole
  /**
   * The URNs of the Role and Entitlement types (the router's `grantSchemas`). Default `okta`: Okta
   * Identity Governance is the IdP that discovers them, and only under its own URNs; `ietf` serves the
   * draft's.
   */
  readonly grantSchemas?: 'ietf' | 'okta'
}

/** The host and its parts, for `index.ts` and the tests. */
export interface GrafanaHost {
  readonly app: express.Express
  readonly users: SqlUserStore
  readonly teams: SqlTeamStore
  readonly sessions: SqlSessionStore
  readonly tokens: ScimTokens
  readonly devIdp: DevIdp | undefined
  readonly tenant: string
  /** The roles and entitlements the host grants. */
  readonly catalogue: Catalogue
}

/** Writes SCIM's audit events to the database; a failed write is logged, never fails the change (already made). */
function auditWriter(db: Database) {
  return (event: ScimEvent) => {
    db.query(
      'insert into audit_log (tenant, time, type, resource_id, actor, request_id, event) values ($1, $2, $3, $4, $5, $6, $7::jsonb)',
      [
        event.tenant,
        event.time,
        event.type,
        'resourceId' in event ? event.resourceId : null,
        event.actor ?? null,
        event.requestId,
        JSON.stringify(event),
      ],
    ).catch(() => console.error('audit log write failed for %s', event.type))
  }
}

export function createGrafanaHost(options: HostOptions): GrafanaHost {
  if (options.devIdp && process.env.NODE_ENV === 'production') {
    throw new TypeError('the development IdP is never served under NODE_ENV=production')
  }
  const { db } = options
  const tenant = options.tenant ?? 'default'
  // Checked here, so a typo in a host's roles stops the start-up rather than a sign-in.
  const catalogue = createCatalogue(options.customRoles)
  const access = { catalogue, autoAssignOrgRole: checkOrgRole(options.autoAssignOrgRole ?? 'Viewer') }
  const base = options.baseUrl.replace(/\/+$/, '')
  const users = new SqlUserStore(db)
  const teams = new SqlTeamStore(db)
  const sessions = new SqlSessionStore(db, ADMIN_LOGIN)
  const tokens = new ScimTokens(db)
  const sync = new SyncStatus()
  tokens.onAuthenticated = (tokenId, request) => sync.authenticated(tokenId, request)
  const spEntityId = `${base}/saml/metadata`
  const acsUrl = `${base}/saml/acs`
  const devIdp = options.devIdp
    ? createDevIdp({
        issuer: `${base}/dev-idp`,
        acsUrl,
        spEntityId,
        ...(options.devIdpKey ? { keyPair: options.devIdpKey } : {}),
      })
    : undefined
  const idp = options.idp ?? (devIdp ? { issuer: devIdp.issuer, cert: devIdp.publicKey } : undefined)
  const sp = idp
    ? serviceProvider({
        spEntityId,
        acsUrl,
        idpIssuer: idp.issuer,
        idpCert: idp.cert,
        ...(idp.ssoUrl ? { idpSsoUrl: idp.ssoUrl } : {}),
      })
    : undefined
  const linker = createSamlLinker({
    userStore: users,
    externalUidAttribute: EXTERNAL_UID_ATTRIBUTE,
    // Grafana's reject_non_provisioned_users: only the IdP's users sign in through it.
    rejectNonProvisionedUsers: true,
    findUser: async (profile, context) => {
      const login =
        typeof profile.login === 'string'
          ? profile.login
          : typeof profile.nameID === 'string'
            ? profile.nameID
            : undefined
      return login === undefined ? undefined : (await users.findForLogin(context.tenant, login))?.user
    },
  })
  const render = createRenderer(devIdp !== undefined)
  const form = express.urlencoded({ extended: false, limit: '16kb', parameterLimit: 20 })

  const app = express()
  app.disable('x-powered-by')
  app.set('trust proxy', 'loopback')
  app.use(
    '/scim',
    sync.middleware,
    // Counted by the tenant of the bearer token (cached by `tokens`); a token of no tenant is left to the router's 401.
    ...(options.scimRateLimit
      ? [
          scimRateLimit({
            ...options.scimRateLimit,
            tenantOf: async (request) => (await tokens.authenticate(request))?.tenant,
          }),
        ]
      : []),
    createScimRouter({
      userStore: users,
      teamStore: teams,
      // /Roles and /Entitlements from the catalogue; every write's roles are checked against it, and
      // GrafanaAdmin (protected) is never granted over SCIM, and kept through every SCIM write.
      roleStore: catalogue.roleStore,
      entitlementStore: catalogue.entitlementStore,
      grantSchemas: options.grantSchemas ?? 'okta',
      sessionRevoker: sessions,
      authenticate: tokens.authenticate,
      userSyncEnabled: true,
      groupSyncEnabled: true,
      // Keyset pages through the stores' listAfter; cursors signed with the key every replica shares.
      cursorPaging: options.cursorSecret ? { secret: options.cursorSecret } : true,
      onEvent: auditWriter(db),
    }),
  )
  app.use(sessionMiddleware(sessions, users))
  // After the session: what it may open, read once per request (the pages and the navigation use it).
  app.use(accessMiddleware(db, access))

  // Secure cookies whenever browsers reach the host over HTTPS, whatever the proxy in front says.
  const secureCookies = base.startsWith('https:')
  const signIn = async (request: Request, response: Response, userId: string) => {
    // A sign-in ends the session the browser had, if any: one browser, one session.
    const previous = sessionOf(request)
    if (previous) await sessions.end(previous.tenant, previous.id, 'signed in again')
    setSessionCookie(response, await sessions.start(tenant, userId), SESSION_LIFETIME_MS, secureCookies)
    response.redirect(303, '/')
  }
  const refuse = (request: Request, response: Response, status: number, message: string) =>
    render(
      request,
      response,
      'error',
      { title: 'Sign-in refused', heading: 'Sign-in refused', message },
      status,
    )

  app.get('/login', (request, response) => {
    if (sessionOf(request)) response.redirect(303, '/')
    else render(request, response, 'login', { title: 'Sign in', sso: Boolean(options.idp?.ssoUrl) })
  })
  // Password guesses: 10 per 15 minutes per address, counted on failures only (express-rate-limit).
  const loginLimit = rateLimit({
    windowMs: 15 * 60_000,
    limit: 10,
    ...(options.loginRateLimitStore ? { store: options.loginRateLimitStore } : {}),
    skipSuccessfulRequests: true,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    handler: (request, response) =>
      render(
        request,
        response,
        'login',
        { title: 'Sign in', error: 'Too many attempts: try again in 15 minutes' },
        429,
      ),
  })
  app.post('/login', loginLimit, form, async (request, response) => {
    const body = request.body as Record<string, unknown>
    const login = typeof body.login === 'string' ? body.login.slice(0, 256) : ''
    const password = typeof body.password === 'string' ? body.password : ''
    const found = login === '' ? undefined : await users.findForLogin(tenant, login)
    // Only local users with a password sign in here: provisioned users sign in through their IdP.
    const ok =
      found !== undefined &&
      !found.user.provisioned &&
      found.user.active &&
      (await verifyPassword(password, found.passwordHash))
    if (!ok) render(request, response, 'login', { title: 'Sign in', error: 'Wrong login or password' }, 401)
    else await signIn(request, response, found.user.id)
  })
  app.post('/logout', form, requireCsrf, async (request, response) => {
    const session = sessionOf(request)
    if (session) await sessions.end(session.tenant, session.id)
    clearSessionCookie(response)
    response.redirect(303, '/login')
  })

  app.get('/saml/login', async (request, response) => {
    if (!sp || !options.idp?.ssoUrl) response.redirect(303, '/login')
    else response.redirect(303, await sp.getAuthorizeUrlAsync('', request.hostname, {}))
  })
  app.post(
    '/saml/acs',
    express.urlencoded({ extended: false, limit: '512kb', parameterLimit: 10 }),
    async (request, response) => {
      const samlResponse = (request.body as Record<string, unknown>).SAMLResponse
      if (!sp || typeof samlResponse !== 'string')
        return refuse(request, response, 400, 'No SAML response was posted')
      let profile: Record<string, unknown>
      try {
        const validated = await sp.validatePostResponseAsync({ SAMLResponse: samlResponse })
        if (!validated.profile) throw new Error('no profile')
        profile = validated.profile as unknown as Record<string, unknown>
      } catch {
        // Unsigned, tampered, expired or for another audience: the reason stays in the server's hands.
        return refuse(request, response, 401, 'The identity provider’s response was not accepted')
      }
      const getAssertionXml = profile.getAssertionXml as (() => string) | undefined
      const assertionXml = getAssertionXml?.() ?? ''
      const assertion = assertionIdentity(assertionXml)
      if (!assertion || !sentTo(acsUrl, samlResponse, assertionXml)) {
        return refuse(request, response, 401, 'The identity provider’s response was not accepted')
      }
      if (!(await firstUse(db, assertion))) {
        return refuse(request, response, 401, 'This sign-in response was already used')
      }
      try {
        const link = await linker.link(profile, { tenant })
        if (link.kind !== 'provisioned')
          return refuse(request, response, 403, 'No account is provisioned for this identity')
        await signIn(request, response, link.user.id)
      } catch (error) {
        if (!isSamlLinkError(error)) throw error
        refuse(request, response, error.status, error.message)
      }
    },
  )

  if (devIdp) {
    app.get('/dev-idp', (request, response) =>
      render(request, response, 'dev-idp', { title: 'Development IdP' }),
    )
    app.post('/dev-idp', form, async (request, response) => {
      const userName = (request.body as Record<string, unknown>).userName
      const found = typeof userName === 'string' ? await users.findForLogin(tenant, userName) : undefined
      const user = found?.user
      if (!user?.provisioned || user.externalId === undefined) {
        return render(
          request,
          response,
          'dev-idp',
          { title: 'Development IdP', error: 'No user provisioned over SCIM has this userName' },
          404,
        )
      }
      render(request, response, 'dev-idp-post', {
        title: 'Signing in',
        acsUrl,
        samlResponse: devIdp.signedResponse({
          userUID: user.externalId,
          login: user.userName,
          ...(user.email ? { email: user.email } : {}),
        }),
      })
    })
  }

  app.use(pageRoutes({ db, sessions, tokens, sync, render, access, adminLogin: ADMIN_LOGIN }))
  app.use(rolePageRoutes({ db, catalogue, render }))
  app.use((request: Request, response: Response) =>
    render(
      request,
      response,
      'error',
      { title: 'Not found', heading: 'Not found', message: 'There is no such page' },
      404,
    ),
  )
  // Errors of the pages: a status, never a stack trace (a database that is down is 503).
  app.use((error: unknown, request: Request, response: Response, _next: NextFunction) => {
    // A body too large, of another charset or malformed (body-parser's 4xx) keeps its status.
    const given = (error as { status?: unknown }).status
    // A page's own query that met an unavailable database is a 503 too, as the stores' are.
    const status = isDatabaseUnavailable(error)
      ? 503
      : typeof given === 'number' && ((given >= 400 && given < 500) || given === 503)
        ? given
        : 500
    if (status < 500) {
      if (response.headersSent) return response.destroy()
      return render(
        request,
        response,
        'error',
        { title: 'Bad request', heading: 'Bad request', message: 'The request could not be read' },
        status,
      )
    }
    if (status === 500) console.error('page error: %s', error instanceof Error ? error.name : typeof error)
    if (response.headersSent) return response.destroy()
    if (status === 503) response.set('Retry-After', '5')
    render(
      request,
      response,
      'error',
      {
        title: 'Error',
        heading: status === 503 ? 'Unavailable' : 'Error',
        message: status === 503 ? 'The database is unavailable; try again shortly' : 'Something went wrong',
      },
      status,
    )
  })

  return { app, users, teams, sessions, tokens, devIdp, tenant, catalogue }
}
