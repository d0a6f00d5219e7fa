// Who may open which page: each signed-in request's effective access (one query), the rule of every page that asks for a basic role, a custom role or an admin, and the links the navigation shows.
import type { NextFunction, Request, Response } from 'express'
import type { Queryable } from './db'
import type { Render } from './pages'
import {
  type Access,
  type AccessSettings,
  atLeast,
  type GrantSource,
  type HeldGrant,
  holdsRole,
  loadAccess,
  REPORTS_READER_ROLE,
} from './roles'
import { sessionOf } from './web-auth'

interface Rule {
  readonly allows: (access: Access) => boolean
  /** What the 403 page says the page needs. */
  readonly needs: string
}

/** The pages whose access depends on roles, and what each asks for. */
const RULES = {
  dashboards: { allows: (access) => atLeast(access, 'Viewer'), needs: 'the Viewer basic role or higher' },
  newDashboard: { allows: (access) => atLeast(access, 'Editor'), needs: 'the Editor basic role or higher' },
  reports: {
    allows: (access) => holdsRole(access, REPORTS_READER_ROLE),
    needs: `the role ${REPORTS_READER_ROLE}`,
  },
  // Grafana's organisation admins manage users and teams; the server administrator may too.
  orgAdmin: {
    allows: (access) => access.serverAdmin || access.basicRole === 'Admin',
    needs: 'the Admin basic role',
  },
  serverAdmin: {
    allows: (access) => access.serverAdmin,
    needs: 'the server administrator (the local admin)',
  },
} satisfies Record<string, Rule>

/** A page (or group of pages) with a rule. */
export type Page = keyof typeof RULES

const PAGES = Object.keys(RULES) as Page[]

/** The request's effective access, once `accessMiddleware` has run for a session. */
export function accessOf(request: Request): Access | undefined {
  return (request as Request & { access?: Access }).access
}

/**
 * Loads the effective access of the request's session, if any: one query per request, so a role the
 * IdP or an admin takes away stops opening pages at the next request, as a deactivation does. A query
 * that fails fails the request (503 or 500): no page is opened on a guess.
 */
export function accessMiddleware(db: Queryable, settings: AccessSettings) {
  return async (request: Request, _response: Response, next: NextFunction): Promise<void> => {
    const session = sessionOf(request)
    if (!session) return next()
    try {
      const access = await loadAccess(db, session.tenant, session.userId, settings, session.admin)
      ;(request as Request & { access?: Access }).access = access
      next()
    } catch (error) {
      next(error)
    }
  }
}

/** True when the request's session may open the page. */
export function mayOpen(request: Request, page: Page): boolean {
  const access = accessOf(request)
  return access !== undefined && RULES[page].allows(access)
}

/** The navigation links the session may follow, one flag per page (none without a session). */
export function navOf(request: Request): Record<Page, boolean> | undefined {
  if (!sessionOf(request)) return undefined
  return Object.fromEntries(PAGES.map((page) => [page, mayOpen(request, page)])) as Record<Page, boolean>
}

/** A page's guard: without a session, to the login page; without the access it needs, a 403 page saying what it needs. */
export function requirePage(page: Page, render: Render) {
  return (request: Request, response: Response, next: NextFunction): void => {
    if (!sessionOf(request)) {
      response.redirect(303, '/login')
      return
    }
    if (mayOpen(request, page)) {
      next()
      return
    }
    const access = accessOf(request)
    render(
      request,
      response,
      'forbidden',
      {
        title: 'Forbidden',
        needs: RULES[page].needs,
        basicRole: access?.basicRole ?? 'None',
      },
      403,
    )
  }
}

/** A source as the pages name it. */
export function sourceLabel(source: GrantSource): string {
  switch (source.kind) {
    case 'idp':
      return 'the IdP'
    case 'host':
      return 'the host operators'
    case 'team':
      return `team ${source.team}`
    case 'default':
      return 'the default role (autoAssignOrgRole)'
    case 'local admin':
      return 'the local admin account'
  }
}

const heldView = (held: HeldGrant) => ({
  value: held.value,
  name: held.grant?.displayName ?? held.value,
  type: held.grant?.type,
  description: held.grant?.description,
  // Still held, but the host no longer offers it: it allows nothing.
  retired: held.grant === undefined,
  from: held.sources.map(sourceLabel).join(', '),
})

/** A user's access as the views show it. */
export function accessView(access: Access) {
  return {
    basicRole: access.basicRole,
    basicFrom: access.basicSources.map(sourceLabel).join(', '),
    roles: access.roles.map(heldView),
    entitlements: access.entitlements.map(heldView),
  }
}
