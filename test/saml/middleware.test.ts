// linker.middleware() in a real Express app after a stub SAML callback: linked logins, refusals with their status and code, and Express's default error handling.
import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals'
import express, { type NextFunction, type Request, type Response } from 'express'
import request from 'supertest'
import { MemoryUserStore, type RequestContext, type StoredUser } from '../../lib'
import {
  createSamlLinker,
  type SamlLinker,
  type SamlLinkerOptions,
  type SamlLinkMiddlewareOptions,
  type SamlProfile,
} from '../../lib/saml'

const TENANT = 'acme'

const contextFor = (tenant: string): RequestContext => ({
  tenant,
  principal: { tenant, id: 'test' },
  requestId: 'test',
})

function provision(
  store: MemoryUserStore,
  tenant: string,
  fields: { userName: string; externalId: string; email: string; active?: boolean },
): StoredUser {
  return store.create(
    { ...fields, active: fields.active ?? true, document: {}, provisioned: true },
    contextFor(tenant),
  )
}

function setup(options: Partial<SamlLinkerOptions> = {}) {
  const store = new MemoryUserStore()
  const alice = provision(store, TENANT, {
    userName: 'alice',
    externalId: 'oid-alice',
    email: 'alice@example.com',
  })
  const bob = provision(store, TENANT, {
    userName: 'bob',
    externalId: 'oid-bob',
    email: 'bob@example.com',
    active: false,
  })
  const carol = store.addLocalUser(TENANT, { userName: 'carol', email: 'carol@example.com', active: true })
  const findUser = jest.fn((profile: SamlProfile, context: RequestContext) =>
    store.findByEmail(context.tenant, String(profile.email ?? '')),
  )
  const linker = createSamlLinker({ userStore: store, findUser, ...options })
  return { store, linker, findUser, alice, bob, carol }
}

interface LoginApp {
  readonly app: express.Express
  /** How many requests reached the route's handler (a refused login never does). */
  readonly handled: () => number
}

/**
 * The host's login route: a stub SAML callback that puts the body's `profile` on `req.user` (as a
 * passport strategy would after validating the response), the linker's middleware, then a handler
 * that answers the link. The error handler renders `{ code, message }` unless `defaultErrors`.
 */
function loginApp(
  linker: SamlLinker,
  middlewareOptions?: SamlLinkMiddlewareOptions,
  defaultErrors = false,
): LoginApp {
  let handled = 0
  const app = express()
  app.use(express.json())
  const samlCallback = (req: Request, _res: Response, next: NextFunction) => {
    if (req.body && req.body.profile !== undefined)
      (req as Request & { user?: unknown }).user = req.body.profile
    next()
  }
  app.post(
    '/login/saml',
    samlCallback,
    linker.middleware(middlewareOptions),
    (_req: Request, res: Response) => {
      handled += 1
      res.json(res.locals.samlLink)
    },
  )
  if (!defaultErrors) {
    app.use(
      (
        error: { status?: number; code?: string; message?: string },
        _req: Request,
        res: Response,
        _next: NextFunction,
      ) => {
        res.status(error.status ?? 500).json({ code: error.code, message: error.message })
      },
    )
  }
  return { app, handled: () => handled }
}

const login = (app: express.Express, profile?: unknown) =>
  request(app)
    .post('/login/saml')
    .send(profile === undefined ? {} : { profile })

describe('linked logins', () => {
  it('answers the provisioned link of the uid’s user', async () => {
    const { linker, alice } = setup()
    const { app, handled } = loginApp(linker, { tenant: TENANT })
    const res = await login(app, { userUID: 'oid-alice', email: 'carol@example.com' })
    expect(res.status).toBe(200)
    expect(res.body).toMatchObject({
      kind: 'provisioned',
      externalUid: 'oid-alice',
      mayUpdateFromAssertion: false,
      user: { id: alice.id, userName: 'alice', email: 'alice@example.com', active: true, provisioned: true },
    })
    expect(handled()).toBe(1)
  })

  it('answers local and unknown links while rejectNonProvisionedUsers is off', async () => {
    const { linker, carol } = setup()
    const { app } = loginApp(linker, { tenant: TENANT })
    const local = await login(app, { email: 'carol@example.com' })
    expect(local.status).toBe(200)
    expect(local.body).toMatchObject({ kind: 'local', mayUpdateFromAssertion: true, user: { id: carol.id } })
    const unknown = await login(app, { email: 'new@example.com', userUID: 'oid-new' })
    expect(unknown.status).toBe(200)
    expect(unknown.body).toEqual({ kind: 'unknown', externalUid: 'oid-new', mayUpdateFromAssertion: true })
  })
})

describe('refusals reach the error handler with their status and code', () => {
  it.each<[string, Partial<SamlLinkerOptions>, unknown, number, string]>([
    ['a deactivated user', {}, { userUID: 'oid-bob', email: 'bob@example.com' }, 403, 'ERR_USER_DEACTIVATED'],
    ['a provisioned user without uid', {}, { email: 'alice@example.com' }, 401, 'ERR_EMPTY_EXTERNAL_UID'],
    [
      'a uid that is not the provisioned user’s',
      {},
      { userUID: 'oid-evil', email: 'alice@example.com' },
      401,
      'ERR_MISMATCHED_IDENTITY',
    ],
    ['two uids', {}, { userUID: ['oid-alice', 'oid-bob'] }, 401, 'ERR_INVALID_EXTERNAL_UID'],
    ['a numeric uid', {}, { userUID: 1 }, 401, 'ERR_INVALID_EXTERNAL_UID'],
    [
      'a local user under reject',
      { rejectNonProvisionedUsers: true },
      { email: 'carol@example.com' },
      403,
      'ERR_USER_NOT_PROVISIONED',
    ],
    [
      'nobody under reject',
      { rejectNonProvisionedUsers: true },
      { email: 'new@example.com' },
      403,
      'ERR_UNKNOWN_USER',
    ],
    [
      'a failing settings provider',
      {
        settings: () => {
          throw new Error('down')
        },
      },
      { email: 'new@example.com' },
      503,
      'ERR_SETTINGS_UNAVAILABLE',
    ],
  ])('%s', async (_, options, profile, status, code) => {
    const { linker } = setup(options)
    const { app, handled } = loginApp(linker, { tenant: TENANT })
    const res = await login(app, profile)
    expect(res.status).toBe(status)
    expect(res.body.code).toBe(code)
    expect(typeof res.body.message).toBe('string')
    expect(res.text).not.toMatch(/example\.com|oid-/)
    expect(handled()).toBe(0)
  })

  it('refuses a request without a profile with 401 ERR_NO_PROFILE, before any lookup', async () => {
    const { linker, findUser } = setup()
    const { app, handled } = loginApp(linker, { tenant: TENANT })
    for (const profile of [undefined, null, 'alice@example.com', ['oid-alice']]) {
      const res = await login(app, profile)
      expect(res.status).toBe(401)
      expect(res.body).toEqual({ code: 'ERR_NO_PROFILE', message: 'No SAML profile' })
    }
    expect(findUser).not.toHaveBeenCalled()
    expect(handled()).toBe(0)
  })
})

describe('profile and tenant readers', () => {
  it('reads the profile and the tenant from the request', async () => {
    const { store, linker, alice } = setup()
    const globexAlice = provision(store, 'globex', {
      userName: 'alice',
      externalId: 'oid-alice',
      email: 'alice@example.com',
    })
    const { app } = loginApp(linker, {
      profile: (req) => (req as Request).body?.assertion,
      tenant: async (req) => String(req.headers['x-tenant']),
    })
    const send = (tenant: string, body: unknown) =>
      request(app)
        .post('/login/saml')
        .set('X-Tenant', tenant)
        .send(body as object)
    const acme = await send(TENANT, { assertion: { userUID: 'oid-alice' } })
    expect(acme.status).toBe(200)
    expect(acme.body.user.id).toBe(alice.id)
    const globex = await send('globex', { assertion: { userUID: 'oid-alice' } })
    expect(globex.status).toBe(200)
    expect(globex.body.user.id).toBe(globexAlice.id)
    const initech = await send('initech', { assertion: { userUID: 'oid-alice' } })
    expect(initech.body).toEqual({ kind: 'unknown', externalUid: 'oid-alice', mayUpdateFromAssertion: true })
    // req.user is not read when a profile reader is given.
    const noAssertion = await send(TENANT, { profile: { userUID: 'oid-alice' } })
    expect(noAssertion.status).toBe(401)
    expect(noAssertion.body.code).toBe('ERR_NO_PROFILE')
  })

  it('defaults to the tenant "default"', async () => {
    const { store, linker } = setup()
    const { app } = loginApp(linker)
    const inAcme = await login(app, { userUID: 'oid-alice' })
    expect(inAcme.body).toEqual({ kind: 'unknown', externalUid: 'oid-alice', mayUpdateFromAssertion: true })
    const dflt = provision(store, 'default', {
      userName: 'dee',
      externalId: 'oid-alice',
      email: 'dee@example.com',
    })
    const inDefault = await login(app, { userUID: 'oid-alice' })
    expect(inDefault.body.kind).toBe('provisioned')
    expect(inDefault.body.user.id).toBe(dflt.id)
  })

  it('passes a sane X-Request-Id to the lookups, and ignores an odd one', async () => {
    const { linker, findUser } = setup()
    const { app } = loginApp(linker, { tenant: TENANT })
    await request(app)
      .post('/login/saml')
      .set('X-Request-Id', 'login-123')
      .send({ profile: { email: 'x@y.z' } })
    expect(findUser.mock.calls[0]![1].requestId).toBe('login-123')
    await request(app)
      .post('/login/saml')
      .set('X-Request-Id', 'bad id; drop')
      .send({ profile: { email: 'x@y.z' } })
    const generated = findUser.mock.calls[1]![1].requestId
    expect(generated).not.toBe('bad id; drop')
    expect(generated).toMatch(/^[\w.:-]+$/)
  })

  it('passes a failing tenant reader’s error on: no link, 500', async () => {
    const { linker, findUser } = setup()
    for (const tenant of [
      () => {
        throw new Error('no tenant')
      },
      () => '',
    ]) {
      const { app, handled } = loginApp(linker, { tenant })
      const res = await login(app, { userUID: 'oid-alice' })
      expect(res.status).toBe(500)
      expect(handled()).toBe(0)
    }
    expect(findUser).not.toHaveBeenCalled()
  })
})

describe("Express's default error handler", () => {
  const originalEnv = process.env.NODE_ENV

  beforeEach(() => {
    // Express logs every error it handles outside NODE_ENV=test; keep the test output clean.
    jest.spyOn(console, 'error').mockImplementation(() => undefined)
  })

  afterEach(async () => {
    process.env.NODE_ENV = originalEnv
    // Express defers its log with setImmediate: let it run before the console is restored.
    await new Promise((resolve) => setImmediate(resolve))
    jest.restoreAllMocks()
  })

  it('answers 401 and 403 without a stack trace in production', async () => {
    // The stores are built before NODE_ENV changes, so they emit no production warning.
    const { linker } = setup()
    process.env.NODE_ENV = 'production'
    const { app } = loginApp(linker, { tenant: TENANT }, true)
    expect(app.get('env')).toBe('production')
    const noProfile = await login(app)
    expect(noProfile.status).toBe(401)
    expect(noProfile.text).toContain('Unauthorized')
    const deactivated = await login(app, { userUID: 'oid-bob' })
    expect(deactivated.status).toBe(403)
    expect(deactivated.text).toContain('Forbidden')
    for (const res of [noProfile, deactivated]) {
      expect(res.text).not.toContain('SamlLinkError')
      expect(res.text).not.toMatch(/\bat\s+\S+\s+\(|linker\.ts|node_modules/)
    }
  })

  it('outside production the same handler shows the stack (the control for the test above)', async () => {
    const { linker } = setup()
    process.env.NODE_ENV = 'development'
    const { app } = loginApp(linker, { tenant: TENANT }, true)
    const res = await login(app)
    expect(res.status).toBe(401)
    expect(res.text).toContain('SamlLinkError: No SAML profile')
  })
})

describe('middleware options', () => {
  it.each<[string, unknown]>([
    ['null', null],
    ['a string', 'acme'],
    ['an array', []],
    ['a non-function profile', { profile: 'user' }],
    ['an empty tenant', { tenant: '' }],
    ['a numeric tenant', { tenant: 1 }],
    ['an object tenant', { tenant: { id: 'acme' } }],
  ])('throws a TypeError for %s', (_, options) => {
    const { linker } = setup()
    expect(() => linker.middleware(options as SamlLinkMiddlewareOptions)).toThrow(TypeError)
  })

  it('accepts no options, a string tenant and functions', () => {
    const { linker } = setup()
    expect(typeof linker.middleware()).toBe('function')
    expect(typeof linker.middleware({ tenant: 'acme' })).toBe('function')
    expect(typeof linker.middleware({ tenant: () => 'acme', profile: () => ({}) })).toBe('function')
  })
})
