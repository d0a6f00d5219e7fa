// The host's pages: the signed-in user's home (with their roles) and the admin pages (users and their roles, teams with their members and roles, sessions, the SCIM audit log, SCIM tokens, sync status), server-rendered with Mustache.
import { randomBytes } from 'node:crypto'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import express, { type Request, type Response, type Router } from 'express'
import Mustache from 'mustache'
import { accessOf, accessView, navOf, requirePage } from './access'
import type { Database } from './db'
import { GRANT_COLUMNS, grantsOfRow } from './grants-sql'
import { type AccessSettings, effectiveAccess, type GrantRow } from './roles'
import type { SqlSessionStore } from './session-store'
import type { SyncStatus } from './sync-status'
import type { ScimTokens } from './tokens'
import { requireCsrf, requireSession, sessionOf } from './web-auth'

/** The templates in ./views, by name. */
function loadTemplates(): Record<string, string> {
  const dir = join(__dirname, 'views')
  const templates: Record<string, string> = {}
  for (const file of readdirSync(dir)) {
    if (file.endsWith('.mustache'))
      templates[file.slice(0, -'.mustache'.length)] = readFileSync(join(dir, file), 'utf8')
  }
  return templates
}

/** Renders pages into the layout, with the session and the development-IdP banner. */
export type Render = (
  request: Request,
  response: Response,
  view: string,
  data?: object,
  status?: number,
) => void

export function createRenderer(devIdp: boolean): Render {
  const templates = loadTemplates()
  return (request, response, view, data = {}, status = 200) => {
    const template = templates[view]
    if (template === undefined) throw new Error(`no view ${view}`)
    // Only the dev IdP's auto-submit needs a script: allowed by a nonce made for this page.
    const nonce = randomBytes(16).toString('base64')
    response
      .status(status)
      .set({
        'Content-Security-Policy': `default-src 'none'; style-src 'unsafe-inline'; script-src 'nonce-${nonce}'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'`,
        'Cache-Control': 'no-store',
        'X-Content-Type-Options': 'nosniff',
        'Referrer-Policy': 'same-origin',
      })
      .type('html')
      .send(
        Mustache.render(
          templates.layout!,
          { title: view, ...data, nonce, devIdp, session: sessionOf(request), nav: navOf(request) },
          { content: template },
        ),
      )
  }
}

const time = (value: unknown) =>
  (value instanceof Date ? value : new Date(String(value))).toISOString().replace('T', ' ').slice(0, 19)

/** What the pages need. */
export interface PageDeps {
  readonly db: Database
  readonly sessions: SqlSessionStore
  readonly tokens: ScimTokens
  readonly sync: SyncStatus
  readonly render: Render
  /** The catalogue and `autoAssignOrgRole`, for the users page's roles. */
  readonly access: AccessSettings
  /** The local admin's login: the users page shows it as the server administrator. */
  readonly adminLogin: string
}

/** The dashboard and the admin pages. */
export function pageRoutes({ db, sessions, tokens, sync, render, access, adminLogin }: PageDeps): Router {
  const router = express.Router()
  const form = express.urlencoded({ extended: false, limit: '16kb', parameterLimit: 20 })
  const tenantOf = (request: Request) => sessionOf(request)!.tenant
  const csrf = (request: Request) => sessionOf(request)!.csrfToken

  router.get('/', requireSession, async (request, response) => {
    const session = sessionOf(request)!
    const user = await db.query<{
      login: string
      name: string | null
      email: string | null
      provisioned: boolean
    }>('select login, name, email, provisioned from users where tenant = $1 and id = $2', [
      session.tenant,
      session.userId,
    ])
    const teams = await db.query<{ name: string }>(
      'select t.name from team_members m join teams t on t.id = m.team_id where m.tenant = $1 and m.user_id = $2 order by t.name_folded limit 200',
      [session.tenant, session.userId],
    )
    const row = user.rows[0]
    render(request, response, 'dashboard', {
      title: 'Home',
      login: row?.login,
      name: row?.name ?? row?.login,
      email: row?.email,
      provisioned: row?.provisioned,
      teams: teams.rows,
      // Loaded by the access middleware for this request: what the pages allow is what this shows.
      access: accessView(accessOf(request)!),
    })
  })

  // An Admin of the organisation manages its users and teams, as in Grafana; the rest is the server administrator's.
  const orgAdmin = requirePage('orgAdmin', render)
  // Grafana's server administrator: the local admin, or a user the host's operators made one.
  const serverAdmin = requirePage('serverAdmin', render)

  router.get('/admin/users', orgAdmin, async (request, response) => {
    // One query: each user with their own grants and their teams' roles, whatever the number of users.
    const users = await db.query<{
      login: string
      provisioned: boolean
      roles: string[]
      entitlements: string[]
      team_roles: [string, string][] | null
    }>(
      `select u.login, u.email, u.name, u.provisioned, u.disabled, u.hidden, u.external_uid, ${GRANT_COLUMNS},
              (select json_agg(json_build_array(r.role, t.name)) from team_members m
                 join team_roles r on r.team_id = m.team_id join teams t on t.id = m.team_id
                where m.user_id = u.id) as team_roles
         from users u where u.tenant = $1 order by u.seq limit 1000`,
      [tenantOf(request)],
    )
    render(request, response, 'admin-users', {
      title: 'Users',
      count: users.rows.length,
      users: users.rows.map((user) => {
        const grants = grantsOfRow(user)
        const rows: GrantRow[] = [
          ...grants.roles.map((value) => ({ kind: 'role' as const, value, team: null })),
          ...grants.entitlements.map((value) => ({ kind: 'entitlement' as const, value, team: null })),
          ...(user.team_roles ?? []).map(([value, team]) => ({ kind: 'role' as const, value, team })),
        ]
        const localAdmin = !user.provisioned && user.login === adminLogin
        return { ...user, access: accessView(effectiveAccess(rows, access, localAdmin)) }
      }),
    })
  })

  router.get('/admin/teams', orgAdmin, async (request, response) => {
    // One query for the teams and one for the first members of all of them, not one per team. Each
    // team's count stops at 10,001 and its members at 21 (one more says "there are more"): a page of
    // 200 large teams costs what 200 small ones do.
    const teams = await db.query<{
      id: string
      name: string
      provisioned: boolean
      member_count: string
      roles: string[]
    }>(
      `select t.id, t.name, t.provisioned,
              (select count(*) from (select 1 from team_members m where m.team_id = t.id limit 10001) c) as member_count,
              array(select r.role from team_roles r where r.team_id = t.id order by r.created, r.role) as roles
         from teams t where t.tenant = $1 order by t.name_folded limit 200`,
      [tenantOf(request)],
    )
    const members = await db.query<{ team_id: string; login: string }>(
      `select t.id as team_id, first.login from unnest($1::uuid[]) as t(id)
         cross join lateral (select u.login from team_members m join users u on u.id = m.user_id
                              where m.team_id = t.id order by m.seq limit 21) first`,
      [teams.rows.map((team) => team.id)],
    )
    // What the grant form offers: the catalogue's roles but the protected ones (the server administrator).
    const grantable = access.catalogue.roles.filter((role) => role.protected !== true)
    render(request, response, 'admin-teams', {
      title: 'Teams',
      csrfToken: csrf(request),
      teams: teams.rows.map((team) => {
        const first = members.rows.filter((member) => member.team_id === team.id)
        const count = Number(team.member_count)
        const held = new Set(team.roles)
        return {
          ...team,
          member_count: count > 10_000 ? 'over 10,000' : count,
          members: first.slice(0, 20),
          more: first.length > 20,
          roles: team.roles.map((value) => ({
            value,
            name: access.catalogue.roles.find((role) => role.value === value)?.displayName ?? value,
          })),
          grantable: grantable.filter((role) => !held.has(role.value)),
        }
      }),
    })
  })

  router.get('/admin/sessions', serverAdmin, async (request, response) => {
    const active = await sessions.active(tenantOf(request))
    render(request, response, 'admin-sessions', {
      title: 'Sessions',
      csrfToken: csrf(request),
      sessions: active.map((s) => ({
        ...s,
        created: time(s.created),
        lastSeen: time(s.lastSeen),
        expires: time(s.expires),
      })),
    })
  })

  router.post('/admin/sessions/:id/end', serverAdmin, form, requireCsrf, async (request, response) => {
    await sessions.end(tenantOf(request), String(request.params.id), 'ended by an admin')
    response.redirect(303, '/admin/sessions')
  })

  router.get('/admin/audit', serverAdmin, async (request, response) => {
    const limit = 200
    const events = await db.query<{
      time: Date
      type: string
      resource_id: string
      actor: string
      request_id: string
    }>(
      'select time, type, resource_id, actor, request_id from audit_log where tenant = $1 order by id desc limit $2',
      [tenantOf(request), limit],
    )
    render(request, response, 'admin-audit', {
      title: 'SCIM audit log',
      limit,
      events: events.rows.map((event) => ({ ...event, time: time(event.time) })),
    })
  })

  const tokensPage = async (
    request: Request,
    response: Response,
    created?: { name: string; token: string },
  ) => {
    const list = await tokens.list(tenantOf(request))
    render(request, response, 'admin-tokens', {
      title: 'SCIM tokens',
      csrfToken: csrf(request),
      created,
      tokens: list.map((token) => ({ ...token, created: time(token.created) })),
    })
  }
  router.get('/admin/tokens', serverAdmin, (request, response) => tokensPage(request, response))
  router.post('/admin/tokens', serverAdmin, form, requireCsrf, async (request, response) => {
    const name =
      String((request.body as Record<string, unknown>).name ?? '')
        .trim()
        .slice(0, 100) || 'IdP'
    const { token } = await tokens.create(tenantOf(request), name)
    await tokensPage(request, response, { name, token })
  })
  router.post('/admin/tokens/:id/rotate', serverAdmin, form, requireCsrf, async (request, response) => {
    const rotated = /^[0-9a-f-]{36}$/.test(String(request.params.id))
      ? await tokens.rotate(tenantOf(request), String(request.params.id))
      : undefined
    if (!rotated) response.redirect(303, '/admin/tokens')
    else await tokensPage(request, response, { name: rotated.info.name, token: rotated.token })
  })
  router.post('/admin/tokens/:id/revoke', serverAdmin, form, requireCsrf, async (request, response) => {
    if (/^[0-9a-f-]{36}$/.test(String(request.params.id)))
      await tokens.revoke(tenantOf(request), String(request.params.id))
    response.redirect(303, '/admin/tokens')
  })

  router.get('/admin/sync', serverAdmin, async (request, response) => {
    const list = await tokens.list(tenantOf(request))
    render(request, response, 'admin-sync', {
      title: 'Sync status',
      idps: list.map((token) => {
        const status = sync.of(token.id)
        return {
          name: token.name,
          prefix: token.prefix,
          lastRequest: status ? time(status.lastRequest) : 'never',
          counts: Object.entries(status?.counts ?? {}).map(([operation, count]) => ({ operation, count })),
          errors: status?.errors ?? 0,
          lastError: status?.lastError ? { ...status.lastError, at: time(status.lastError.at) } : undefined,
        }
      }),
    })
  })

  return router
}
