// The reference host's roles and entitlements on PGlite and the server: the catalogue at /scim/Roles, grants provisioned by POST, Okta's PUT and Entra's PATCH kept in user_grants, filters pushed down to SQL, unknown and protected roles refused, team role grants, and each page's rule over HTTP with a signed-in session.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import request from 'supertest'
import { createGrafanaHost, type GrafanaHost } from '../../../examples/grafana-host/app'
import type { Database } from '../../../examples/grafana-host/db'
import { hashPassword } from '../../../examples/grafana-host/web-auth'
import { createTestContext } from '../../../lib/testing'
import { cookieOf } from '../../helpers/cookies'
import { HOST_ENGINES, type HostDatabase } from '../../helpers/host-db'

const BASE = 'http://host.test'
const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User'
const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group'
const PATCH_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:PatchOp'

type Element = Record<string, unknown>

describe.each(HOST_ENGINES)('grafana-host roles on $name', ({ open }) => {
  let database: HostDatabase
  let host: GrafanaHost
  let token: string
  let runs = 0

  beforeAll(async () => {
    database = await open()
    host = createGrafanaHost({ db: database.db, baseUrl: BASE, devIdp: true })
    token = (await host.tokens.create(host.tenant, 'Test IdP')).token
    await host.users.addLocalUser(host.tenant, {
      userName: 'admin',
      passwordHash: await hashPassword('admin-secret'),
    })
  })
  afterAll(async () => database?.close())

  const send = (method: 'post' | 'put' | 'patch' | 'delete', path: string, body?: object) => {
    const call = request(host.app)
      [method](`/scim${path}`)
      .set('Authorization', `Bearer ${token}`)
      .set('Content-Type', 'application/scim+json')
    return body === undefined ? call : call.send(body)
  }
  const get = (path: string, app = host.app) =>
    request(app).get(`/scim${path}`).set('Authorization', `Bearer ${token}`)
  const patch = (id: string, ...operations: object[]) =>
    send('patch', `/Users/${id}`, { schemas: [PATCH_SCHEMA], Operations: operations })

  /** A user body with a fresh userName and externalId. */
  const userBody = (name: string, extra: Element = {}) => ({
    schemas: [USER_SCHEMA],
    userName: name,
    externalId: `oid-${name}`,
    displayName: `${name} (IdP)`,
    active: true,
    ...extra,
  })
  const provision = async (name: string, extra: Element = {}) => {
    const created = await send('post', '/Users', userBody(name, extra))
    expect(created.status).toBe(201)
    return created.body as { id: string; roles?: Element[]; entitlements?: Element[] }
  }
  const unique = (name: string) => `${name}${++runs}`

  /** The user's grants as the table holds them: `kind:value`, each kind in the IdP's order. */
  const grantRows = async (userId: string) =>
    (
      await database.db.query<{ kind: string; value: string }>(
        'select kind, value from user_grants where user_id = $1 order by kind desc, position',
        [userId],
      )
    ).rows.map((row) => `${row.kind}:${row.value}`)

  const signIn = async (userName: string) => {
    const page = await request(host.app).post('/dev-idp').type('form').send({ userName })
    const saml = /name="SAMLResponse" value="([^"]+)"/.exec(page.text)?.[1] ?? ''
    const acs = await request(host.app).post('/saml/acs').type('form').send({ SAMLResponse: saml })
    expect(acs.status).toBe(303)
    return cookieOf(acs)
  }
  const page = (path: string, cookie: string, app = host.app) => request(app).get(path).set('Cookie', cookie)
  const statusOf = async (path: string, cookie: string, app = host.app) =>
    (await page(path, cookie, app)).status
  const adminCookie = async () =>
    cookieOf(
      await request(host.app).post('/login').type('form').send({ login: 'admin', password: 'admin-secret' }),
    )
  const csrfOf = async (cookie: string) =>
    /name="_csrf" value="([^"]+)"/.exec((await page('/', cookie)).text)?.[1] ?? ''

  it('serves the catalogue: Viewer first, the server administrator unsupported, the licence at /Entitlements', async () => {
    const roles = await get('/Roles')
    expect(roles.status).toBe(200)
    expect(roles.body.Resources.map((role: { value: string }) => role.value)).toEqual([
      'Viewer',
      'Editor',
      'Admin',
      'custom:reports.reader',
      'GrafanaAdmin',
    ])
    const server = roles.body.Resources.find((role: { value: string }) => role.value === 'GrafanaAdmin')
    expect(server).toMatchObject({ displayName: 'Server administrator', type: 'server', supported: false })
    expect(roles.body.Resources[0]).toMatchObject({ type: 'basic', supported: true })
    const entitlements = await get('/Entitlements')
    expect(entitlements.body.Resources).toEqual([
      expect.objectContaining({ value: 'licence:enterprise', type: 'License', supported: true }),
    ])
  })

  it('keeps the roles and entitlements a POST grants in user_grants, and reads them back on every path', async () => {
    const name = unique('poster')
    const roles = [
      { value: 'Editor', display: 'Editor', type: 'basic', primary: true },
      { value: 'custom:reports.reader' },
    ]
    const created = await provision(name, { roles, entitlements: [{ value: 'licence:enterprise' }] })
    expect(created.roles).toEqual(roles)
    expect(created.entitlements).toEqual([{ value: 'licence:enterprise' }])
    expect(await grantRows(created.id)).toEqual([
      'role:Editor',
      'role:custom:reports.reader',
      'entitlement:licence:enterprise',
    ])
    expect((await get(`/Users/${created.id}`)).body.roles).toEqual(roles)
    const listed = await get(`/Users?filter=${encodeURIComponent(`userName eq "${name}"`)}`)
    expect(listed.body.Resources[0].roles).toEqual(roles)
    const byCursor = await get(
      `/Users?cursor&count=500&filter=${encodeURIComponent(`userName eq "${name}"`)}`,
    )
    expect(byCursor.body.Resources[0].entitlements).toEqual([{ value: 'licence:enterprise' }])
    // The SAML linker's lookup reads them too: the user signs in and holds them.
    const found = await host.users.findAllByExternalId(`oid-${name}`, createTestContext(host.tenant))
    expect(found.map((user) => user.roles)).toEqual([['Editor', 'custom:reports.reader']])
  })

  it("replaces the set on Okta's PUT and Entra's PATCH, and keeps it on writes that do not name roles", async () => {
    const name = unique('replacer')
    const user = await provision(name, { roles: [{ value: 'Editor' }] })
    // Okta: the whole user, its roles and entitlements included.
    const put = await send(
      'put',
      `/Users/${user.id}`,
      userBody(name, {
        roles: [{ value: 'Viewer', primary: true }],
        entitlements: [{ value: 'licence:enterprise' }],
      }),
    )
    expect(put.status).toBe(200)
    expect(await grantRows(user.id)).toEqual(['role:Viewer', 'entitlement:licence:enterprise'])
    // Entra's SingleAppRoleAssignment: the primary role replaced in place.
    const entra = await patch(user.id, {
      op: 'Replace',
      path: 'roles[primary eq "True"].value',
      value: 'Admin',
    })
    expect(entra.status).toBe(200)
    expect(entra.body.roles).toEqual([{ value: 'Admin', primary: true }])
    expect(await grantRows(user.id)).toEqual(['role:Admin', 'entitlement:licence:enterprise'])
    // A deactivation and a rename name no roles: the grants stay as they are.
    expect((await patch(user.id, { op: 'replace', path: 'active', value: 'False' })).status).toBe(200)
    expect((await patch(user.id, { op: 'replace', path: 'displayName', value: 'Renamed' })).status).toBe(200)
    expect(await grantRows(user.id)).toEqual(['role:Admin', 'entitlement:licence:enterprise'])
    // Removing them all empties the set.
    const removed = await patch(
      user.id,
      { op: 'remove', path: 'roles' },
      { op: 'remove', path: 'entitlements' },
    )
    expect(removed.status).toBe(200)
    expect(removed.body.roles).toBeUndefined()
    expect(await grantRows(user.id)).toEqual([])
  })

  it('filters users by roles.value and entitlements in SQL, case-exactly as the catalogue compares', async () => {
    const editor = await provision(unique('filtered'), { roles: [{ value: 'Editor' }] })
    const both = await provision(unique('filtered'), {
      roles: [{ value: 'Viewer' }, { value: 'Editor' }],
      entitlements: [{ value: 'licence:enterprise' }],
    })
    const viewer = await provision(unique('filtered'), { roles: [{ value: 'Viewer' }] })
    const texts: string[] = []
    const db: Database = {
      ...database.db,
      kind: database.db.kind,
      query: (text, values) => {
        texts.push(text)
        return database.db.query(text, values)
      },
      transaction: (work) => database.db.transaction(work),
    }
    const counted = createGrafanaHost({ db, baseUrl: BASE, devIdp: false })
    const ids = async (filter: string) => {
      texts.length = 0
      const listed = await get(`/Users?count=1000&filter=${encodeURIComponent(filter)}`, counted.app)
      expect(listed.status).toBe(200)
      return listed.body.Resources.map((u: { id: string }) => u.id)
    }
    const mine = (found: string[]) =>
      found.filter((id) => [editor.id, both.id, viewer.id].includes(id)).sort()
    expect(mine(await ids('roles.value eq "Editor" and userName sw "filtered"'))).toEqual(
      [editor.id, both.id].sort(),
    )
    // Pushed down: an EXISTS on user_grants in the page's one statement, not a scan in JavaScript.
    expect(texts.filter((text) => /FROM user_grants ur WHERE/.test(text))).toHaveLength(1)
    expect(mine(await ids('roles[value eq "Editor"] and userName sw "filtered"'))).toEqual(
      [editor.id, both.id].sort(),
    )
    // One rule for one name: `editor` is no role, so it names no holder either.
    expect(mine(await ids('roles[value eq "editor"] and userName sw "filtered"'))).toEqual([])
    expect(mine(await ids('entitlements.value eq "licence:enterprise"'))).toEqual([both.id])
    expect(mine(await ids('roles.value eq "Viewer" and not (roles.value eq "Editor")'))).toEqual([viewer.id])
    // display, type and primary stay in the document: not filterable.
    expect((await get(`/Users?filter=${encodeURIComponent('roles.display eq "Editor"')}`)).status).toBe(400)
  })

  it('refuses an unknown role (invalidValue) and granting the protected server administrator (mutability), and keeps one the operators granted', async () => {
    const name = unique('refused')
    const unknown = await send('post', '/Users', userBody(name, { roles: [{ value: 'Owner' }] }))
    expect(unknown.status).toBe(400)
    expect(unknown.body.scimType).toBe('invalidValue')
    const granted = await send('post', '/Users', userBody(name, { roles: [{ value: 'GrafanaAdmin' }] }))
    expect(granted.status).toBe(400)
    expect(granted.body.scimType).toBe('mutability')
    expect(
      (await get(`/Users?filter=${encodeURIComponent(`userName eq "${name}"`)}`)).body.totalResults,
    ).toBe(0)

    const user = await provision(name, { roles: [{ value: 'Viewer' }] })
    const added = await patch(user.id, { op: 'add', path: 'roles', value: [{ value: 'GrafanaAdmin' }] })
    expect(added.status).toBe(400)
    expect(added.body.scimType).toBe('mutability')
    expect(await grantRows(user.id)).toEqual(['role:Viewer'])

    // The host's operators grant it themselves; SCIM then cannot take it away.
    await database.db.query(
      `insert into user_grants (tenant, user_id, kind, value, position)
       values ($1, $2, 'role', 'GrafanaAdmin', 2)`,
      [host.tenant, user.id],
    )
    expect((await get(`/Users/${user.id}`)).body.roles).toEqual([
      { value: 'Viewer' },
      { value: 'GrafanaAdmin' },
    ])
    // Okta's PUT, which knows nothing of it, changes the rest and keeps it.
    const kept = await send('put', `/Users/${user.id}`, userBody(name, { roles: [{ value: 'Editor' }] }))
    expect(kept.status).toBe(200)
    expect(kept.body.roles).toEqual([{ value: 'Editor' }, { value: 'GrafanaAdmin' }])
    expect(await grantRows(user.id)).toEqual(['role:Editor', 'role:GrafanaAdmin'])
  })

  it('deletes a user with grants: its rows go with it, and the other users still read and filter', async () => {
    const gone = await provision(unique('deleted'), {
      roles: [{ value: 'Editor' }],
      entitlements: [{ value: 'licence:enterprise' }],
    })
    const stays = await provision(unique('stays'), { roles: [{ value: 'Editor' }] })
    expect((await send('delete', `/Users/${gone.id}`)).status).toBe(204)
    expect(await grantRows(gone.id)).toEqual([])
    expect((await get(`/Users/${gone.id}`)).status).toBe(404)
    const listed = await get(`/Users?count=1000&filter=${encodeURIComponent('roles.value eq "Editor"')}`)
    expect(listed.status).toBe(200)
    const ids = listed.body.Resources.map((u: { id: string }) => u.id)
    expect(ids).toContain(stays.id)
    expect(ids).not.toContain(gone.id)
    expect((await get(`/Users/${stays.id}`)).body.roles).toEqual([{ value: 'Editor' }])
  })

  it('opens each page by role over HTTP: dashboards for Viewers, a new dashboard for Editors, reports for the custom role, users and teams for Admins', async () => {
    const viewer = unique('viewer')
    await provision(viewer)
    const editor = unique('editor')
    await provision(editor, { roles: [{ value: 'Editor' }, { value: 'custom:reports.reader' }] })
    const orgAdmin = unique('orgadmin')
    await provision(orgAdmin, { roles: [{ value: 'Admin' }] })

    // No role from the IdP: Viewer by default (autoAssignOrgRole), as Grafana.
    const viewerCookie = await signIn(viewer)
    const home = await page('/', viewerCookie)
    expect(home.text).toMatch(
      /data-testid="basic-role">Basic role: <strong>Viewer<\/strong> <span class="muted">from the default role/,
    )
    expect(home.text).toContain('href="/dashboards"')
    expect(home.text).not.toContain('href="/dashboards/new"')
    expect(home.text).not.toContain('href="/admin/users"')
    expect(await statusOf('/dashboards', viewerCookie)).toBe(200)
    const refused = await page('/dashboards/new', viewerCookie)
    expect(refused.status).toBe(403)
    expect(refused.text).toContain('needs the Editor basic role or higher')
    expect(await statusOf('/reports', viewerCookie)).toBe(403)
    expect(await statusOf('/admin/users', viewerCookie)).toBe(403)

    const editorCookie = await signIn(editor)
    const editorHome = await page('/', editorCookie)
    expect(editorHome.text).toContain('Basic role: <strong>Editor</strong> <span class="muted">from the IdP')
    expect(editorHome.text).toContain('Reports reader')
    expect(editorHome.text).toContain('href="/reports"')
    for (const path of ['/dashboards', '/dashboards/new', '/reports'])
      expect({ path, status: await statusOf(path, editorCookie) }).toEqual({ path, status: 200 })
    expect(await statusOf('/admin/teams', editorCookie)).toBe(403)

    // An Admin of the organisation manages users and teams, never the server's tokens, sessions or audit.
    const orgAdminCookie = await signIn(orgAdmin)
    expect(await statusOf('/admin/users', orgAdminCookie)).toBe(200)
    expect(await statusOf('/admin/teams', orgAdminCookie)).toBe(200)
    for (const path of ['/admin/tokens', '/admin/sessions', '/admin/audit', '/admin/sync'])
      expect({ path, status: await statusOf(path, orgAdminCookie) }).toEqual({ path, status: 403 })
    expect(await statusOf('/reports', orgAdminCookie)).toBe(403)
    // The operators make the org admin a server administrator (a row SCIM keeps and cannot grant).
    const orgAdminUser = (await get(`/Users?filter=${encodeURIComponent(`userName eq "${orgAdmin}"`)}`)).body
      .Resources[0]
    await database.db.query(
      `insert into user_grants (tenant, user_id, kind, value, position) values ($1, $2, 'role', 'GrafanaAdmin', 9)`,
      [host.tenant, orgAdminUser.id],
    )
    expect(await statusOf('/admin/tokens', orgAdminCookie)).toBe(200)
    expect((await page('/', orgAdminCookie)).text).toContain('<td>the host operators</td>')
    await database.db.query(`delete from user_grants where user_id = $1 and value = 'GrafanaAdmin'`, [
      orgAdminUser.id,
    ])
    expect(await statusOf('/admin/tokens', orgAdminCookie)).toBe(403)
    const users = await page('/admin/users', orgAdminCookie)
    expect(users.text).toMatch(
      new RegExp(`${editor}[\\s\\S]*?<strong>Editor</strong>[\\s\\S]*?Reports reader`),
    )

    // With autoAssignOrgRole None, a user the IdP gives no role opens no dashboards (same database and session).
    const strict = createGrafanaHost({
      db: database.db,
      baseUrl: BASE,
      devIdp: false,
      autoAssignOrgRole: 'None',
    })
    expect(await statusOf('/dashboards', viewerCookie, strict.app)).toBe(403)
    expect(await statusOf('/dashboards', editorCookie, strict.app)).toBe(200)
    // The local admin is the server administrator and an Admin, without any grant.
    const local = await adminCookie()
    for (const path of ['/dashboards/new', '/admin/users', '/admin/tokens'])
      expect({ path, status: await statusOf(path, local) }).toEqual({ path, status: 200 })
    expect((await page('/', local)).text).toContain('Server administrator')
  })

  it("raises a member's basic role through a role granted to their team, and lowers it when revoked", async () => {
    const name = unique('member')
    const member = await provision(name, { roles: [{ value: 'Viewer' }] })
    const team = await send('post', '/Groups', {
      schemas: [GROUP_SCHEMA],
      displayName: unique('Editors team '),
      members: [{ value: member.id }],
    })
    expect(team.status).toBe(201)
    const teamId = team.body.id as string
    const cookie = await signIn(name)
    expect(await statusOf('/dashboards/new', cookie)).toBe(403)

    const admin = await adminCookie()
    const csrf = await csrfOf(admin)
    const grant = (role: string, _csrf = csrf) =>
      request(host.app)
        .post(`/admin/teams/${teamId}/roles`)
        .set('Cookie', admin)
        .type('form')
        .send({ role, _csrf })
    expect((await grant('Editor', 'wrong')).status).toBe(403)
    expect((await grant('GrafanaAdmin')).status).toBe(400)
    expect((await grant('Owner')).status).toBe(400)
    expect((await grant('Editor')).status).toBe(303)
    expect((await grant('Editor')).status).toBe(303)
    const rows = await database.db.query<{ role: string; granted_by: string }>(
      'select role, granted_by from team_roles where team_id = $1',
      [teamId],
    )
    expect(rows.rows).toEqual([{ role: 'Editor', granted_by: 'admin' }])
    const teamsPage = await page('/admin/teams', admin)
    expect(teamsPage.text).toContain(`/admin/teams/${teamId}/roles/revoke`)

    // The member holds Editor through the team at the next request, and the IdP's Viewer still.
    const home = await page('/', cookie)
    expect(home.text).toContain(
      `Basic role: <strong>Editor</strong> <span class="muted">from team ${team.body.displayName}`,
    )
    expect(home.text).toMatch(/Viewer<\/strong> <code>Viewer<\/code>[\s\S]*?<td>the IdP<\/td>/)
    expect(await statusOf('/dashboards/new', cookie)).toBe(200)
    // The users page shows both, with where each comes from.
    expect((await page('/admin/users', admin)).text).toContain(
      `Editor <span class="muted">(team ${team.body.displayName})</span>`,
    )
    // SCIM shows what the IdP granted, not what the host's teams add.
    expect((await get(`/Users/${member.id}`)).body.roles).toEqual([{ value: 'Viewer' }])

    const revoke = await request(host.app)
      .post(`/admin/teams/${teamId}/roles/revoke`)
      .set('Cookie', admin)
      .type('form')
      .send({ role: 'Editor', _csrf: csrf })
    expect(revoke.status).toBe(303)
    expect(await statusOf('/dashboards/new', cookie)).toBe(403)

    // Granted again, it ends with the membership: the IdP removing the member takes the role away.
    expect((await grant('Editor')).status).toBe(303)
    expect(await statusOf('/dashboards/new', cookie)).toBe(200)
    const removed = await send('patch', `/Groups/${teamId}`, {
      schemas: [PATCH_SCHEMA],
      Operations: [{ op: 'remove', path: `members[value eq "${member.id}"]` }],
    })
    expect([200, 204]).toContain(removed.status)
    expect(await statusOf('/dashboards/new', cookie)).toBe(403)
  })
})

describe('grafana-host role options', () => {
  it('serves the custom roles it is given, and refuses malformed ones and an unknown autoAssignOrgRole at creation', async () => {
    const db = {} as Database
    const host = (options: object) => () =>
      createGrafanaHost({ db, baseUrl: BASE, devIdp: false, ...options })
    expect(host({ autoAssignOrgRole: 'Owner' })).toThrow(TypeError)
    expect(host({ customRoles: [{ value: 'custom:x', displayName: 'X', type: 'basic' }] })).toThrow(TypeError)
    expect(host({ customRoles: [{ value: 'Admin', displayName: 'Another admin' }] })).toThrow(TypeError)
    const custom = host({ customRoles: [{ value: 'custom:alerts.writer', displayName: 'Alerts writer' }] })()
    expect(custom.catalogue.roles.map((role) => role.value)).toEqual([
      'Viewer',
      'Editor',
      'Admin',
      'custom:alerts.writer',
      'GrafanaAdmin',
    ])
    expect(custom.catalogue.roles[3]?.type).toBe('custom')
  })
})
