// What `npm start` makes once per database: the local admin, the bootstrap SCIM token and the development IdP's key, each safe when replicas start at the same moment (the database decides who makes it).
import { randomBytes } from 'node:crypto'
import { isScimError } from '../../lib/errors'
import { ADMIN_LOGIN, type GrafanaHost } from './app'
import type { Database } from './db'
import { type DevIdpKeyPair, newDevIdpKeyPair } from './saml'
import { hashPassword, verifyPassword } from './web-auth'

/** A write another replica made first (a unique key already taken): 409 from `withSqlErrors`. */
const takenMeanwhile = (error: unknown) => isScimError(error) && error.status === 409

/**
 * The local admin: with the password from `password` (a new one ends every session signed in with the
 * old), else generated once and returned to print once. Returns the start-up lines to print.
 */
export async function ensureAdmin(
  host: GrafanaHost,
  db: Database,
  password?: string,
  raced = false,
): Promise<string[]> {
  const admin = await host.users.findForLogin(host.tenant, ADMIN_LOGIN)
  if (password !== undefined) {
    if (!admin) {
      try {
        await host.users.addLocalUser(host.tenant, {
          userName: ADMIN_LOGIN,
          passwordHash: await hashPassword(password),
        })
        return []
      } catch (error) {
        // Another replica made the admin at this moment: check its password as for one made earlier
        // (once: a second conflict is a name some other user holds, not a race).
        if (!takenMeanwhile(error) || raced) throw error
        return ensureAdmin(host, db, password, true)
      }
    }
    if (!(await verifyPassword(password, admin.passwordHash))) {
      await db.query('update users set password_hash = $1 where id = $2', [
        await hashPassword(password),
        admin.user.id,
      ])
      await host.sessions.endAll(host.tenant, admin.user.id, 'password changed')
    }
    return []
  }
  if (admin) return []
  const generated = randomBytes(12).toString('base64url')
  try {
    await host.users.addLocalUser(host.tenant, {
      userName: ADMIN_LOGIN,
      passwordHash: await hashPassword(generated),
    })
  } catch (error) {
    if (!takenMeanwhile(error)) throw error
    return [
      `Admin:  ${ADMIN_LOGIN}, made by a replica that started at the same moment (its output shows the password)`,
    ]
  }
  return [
    `Admin:  ${ADMIN_LOGIN} / ${generated}   (generated now, shown once; set ADMIN_PASSWORD to choose it)`,
  ]
}

/**
 * The bootstrap IdP token: `token` (SCIM_TOKEN) registered once, else one generated while the tenant
 * has no live token. Returns the start-up lines to print.
 */
export async function ensureBootstrapToken(
  host: GrafanaHost,
  baseUrl: string,
  token?: string,
): Promise<string[]> {
  if (token !== undefined) {
    if (!/^[A-Za-z0-9\-._~+/]{32,1024}=*$/.test(token)) {
      throw new Error(
        'SCIM_TOKEN must be at least 32 characters of A-Z a-z 0-9 - . _ ~ + / (a bearer token, RFC 6750)',
      )
    }
    const state = await host.tokens.stateOf(token)
    if (state === 'unknown') {
      try {
        await host.tokens.create(host.tenant, 'Bootstrap (SCIM_TOKEN)', token)
      } catch (error) {
        // Another replica registered the same token at this moment.
        if (!takenMeanwhile(error)) throw error
      }
    }
    return [
      state === 'revoked'
        ? 'Token:  SCIM_TOKEN was revoked on the admin page and stays revoked: unset it, use the tokens made there'
        : 'Token:  SCIM_TOKEN',
    ]
  }
  if ((await host.tokens.list(host.tenant)).length > 0) {
    return [`Token:  SCIM tokens on record; manage them on ${baseUrl}/admin/tokens`]
  }
  const made = await host.tokens.createBootstrap(host.tenant, 'Bootstrap')
  return made
    ? [`Token:  ${made.token}   (shown once; rotate it on ${baseUrl}/admin/tokens)`]
    : ['Token:  made by a replica that started at the same moment (its output shows it)']
}

/**
 * The development IdP's signing key, the same for every replica over this database: read, or made and
 * stored by the first start (the one-row table's key decides which of two simultaneous starts wins).
 */
export async function devIdpKeyPair(db: Database): Promise<DevIdpKeyPair> {
  const read = async () =>
    (
      await db.query<{ private_key: string; public_key: string }>(
        'select private_key, public_key from dev_idp_keys where id = 1',
      )
    ).rows[0]
  let row = await read()
  if (row === undefined) {
    const made = newDevIdpKeyPair()
    await db.query(
      'insert into dev_idp_keys (id, private_key, public_key) values (1, $1, $2) on conflict (id) do nothing',
      [made.privateKey, made.publicKey],
    )
    row = await read()
  }
  if (row === undefined) throw new Error('the development IdP key could not be stored')
  return { privateKey: row.private_key, publicKey: row.public_key }
}

/**
 * The key that signs SCIM list cursors, the same for every replica over this database: read, or made
 * and stored by the first start (the one-row table's key decides which of two simultaneous starts wins).
 */
export async function cursorSecret(db: Database): Promise<Uint8Array> {
  const read = async () =>
    (await db.query<{ secret: string }>('select secret from scim_cursor_secret where id = 1')).rows[0]
  let row = await read()
  if (row === undefined) {
    await db.query('insert into scim_cursor_secret (id, secret) values (1, $1) on conflict (id) do nothing', [
      randomBytes(32).toString('hex'),
    ])
    row = await read()
  }
  if (row === undefined) throw new Error('the cursor secret could not be stored')
  return new Uint8Array(Buffer.from(row.secret, 'hex'))
}
