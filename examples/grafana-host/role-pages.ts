// The pages roles open (dashboards for Viewers, a new dashboard for Editors, reports for a custom role) and the admin's forms that grant a role to every member of a team.
import express, { type Request, type Response, type Router } from 'express'
import { requirePage } from './access'
import type { Queryable } from './db'
import { grantTeamRole, revokeTeamRole } from './grants-sql'
import type { Render } from './pages'
import type { Catalogue } from './roles'
import { requireCsrf, sessionOf } from './web-auth'

/** What the role pages need. */
export interface RolePageDeps {
  readonly db: Queryable
  readonly catalogue: Catalogue
  readonly render: Render
}

/** A few dashboards to show: the host keeps none of its own, the page is about who may see it. */
const DASHBOARDS = [
  { title: 'Service overview', folder: 'General' },
  { title: 'SCIM provisioning', folder: 'Identity' },
  { title: 'Node exporter', folder: 'Infrastructure' },
]

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

export function rolePageRoutes({ db, catalogue, render }: RolePageDeps): Router {
  const router = express.Router()
  const form = express.urlencoded({ extended: false, limit: '16kb', parameterLimit: 20 })

  router.get('/dashboards', requirePage('dashboards', render), (request, response) =>
    render(request, response, 'dashboards', { title: 'Dashboards', dashboards: DASHBOARDS }),
  )
  router.get('/dashboards/new', requirePage('newDashboard', render), (request, response) =>
    render(request, response, 'dashboard-new', { title: 'New dashboard' }),
  )
  router.get('/reports', requirePage('reports', render), (request, response) =>
    render(request, response, 'reports', { title: 'Reports' }),
  )

  const refuse = (request: Request, response: Response, status: number, message: string) =>
    render(request, response, 'error', { title: 'Not changed', heading: 'Not changed', message }, status)

  /**
   * The team and role a form names, or a refusal already sent: the team must be a uuid, the role one of
   * the catalogue's (a retired one may still be revoked) and never a protected one, which only the
   * host's own operators manage, as SCIM may not.
   */
  const readForm = (request: Request, response: Response, granting: boolean) => {
    const teamId = String(request.params.id)
    const role = (request.body as Record<string, unknown>).role
    const grant = catalogue.roles.find((entry) => entry.value === role)
    if (!UUID.test(teamId) || typeof role !== 'string' || role === '' || role.length > 512) {
      refuse(request, response, 400, 'Choose a team and a role')
      return undefined
    }
    if (granting && !grant) {
      refuse(request, response, 400, 'That role is not one this host offers')
      return undefined
    }
    if (grant?.protected === true) {
      refuse(request, response, 400, `${grant.displayName} is managed by the host's operators only`)
      return undefined
    }
    return { teamId, role }
  }

  const orgAdmin = requirePage('orgAdmin', render)
  router.post('/admin/teams/:id/roles', orgAdmin, form, requireCsrf, async (request, response) => {
    const read = readForm(request, response, true)
    if (!read) return
    const session = sessionOf(request)!
    if (!(await grantTeamRole(db, session.tenant, read.teamId, read.role, session.login)))
      return refuse(request, response, 404, 'There is no such team')
    response.redirect(303, '/admin/teams')
  })
  router.post('/admin/teams/:id/roles/revoke', orgAdmin, form, requireCsrf, async (request, response) => {
    const read = readForm(request, response, false)
    if (!read) return
    await revokeTeamRole(db, sessionOf(request)!.tenant, read.teamId, read.role)
    response.redirect(303, '/admin/teams')
  })

  return router
}
