// Grafana's roles as the host declares them in code (the catalogue SCIM serves at /Roles and /Entitlements and checks every user write against), and a user's effective access: their own roles, their teams' roles, and the basic role those make.
import { type Grant, MemoryGrantStore } from '../../lib'
import type { Queryable } from './db'

/** Grafana's basic roles, lowest first: each allows what the one before it does, and more. */
export const BASIC_ROLES = ['Viewer', 'Editor', 'Admin'] as const

/** One of Grafana's basic roles. */
export type BasicRole = (typeof BASIC_ROLES)[number]

/** A user's basic role in the organisation: a basic role, or `None` (Grafana's "No basic role"). */
export type OrgRole = BasicRole | 'None'

/** Grafana's server administrator: the host's own (the local admin, or a user its operators made one), never granted over SCIM and kept through SCIM's writes. */
export const SERVER_ADMIN_ROLE = 'GrafanaAdmin'

/** The custom role the reports page asks for. */
export const REPORTS_READER_ROLE = 'custom:reports.reader'

/** Viewer first: the IdP replay sequences grant the first roles /Roles lists, which must be grantable. */
const BASIC_GRANTS: readonly Grant[] = [
  {
    value: 'Viewer',
    displayName: 'Viewer',
    type: 'basic',
    description: 'Views dashboards, playlists and alerts of the organisation.',
  },
  {
    value: 'Editor',
    displayName: 'Editor',
    type: 'basic',
    description: 'Everything a Viewer does, and creates, edits and deletes dashboards.',
  },
  {
    value: 'Admin',
    displayName: 'Admin',
    type: 'basic',
    description: 'Everything an Editor does, and manages the users and teams of the organisation.',
  },
]

const SERVER_ADMIN_GRANT: Grant = {
  value: SERVER_ADMIN_ROLE,
  displayName: 'Server administrator',
  type: 'server',
  description: 'Administers the whole server (SCIM tokens, sessions, audit). Held by the local admin only.',
  // An IdP that could grant it would own the server: SCIM never grants it, and keeps it where held.
  protected: true,
}

/** The custom roles a host has when it declares none: one, which the reports page asks for. */
export const DEFAULT_CUSTOM_ROLES: readonly Grant[] = [
  {
    value: REPORTS_READER_ROLE,
    displayName: 'Reports reader',
    type: 'custom',
    description: 'Opens the reports page.',
  },
]

/** The entitlements the host grants: licences, served at /Entitlements. None is protected (Okta grants the first). */
export const ENTITLEMENTS: readonly Grant[] = [
  {
    value: 'licence:enterprise',
    displayName: 'Enterprise licence',
    type: 'License',
    description: 'A seat of the enterprise licence.',
  },
]

/** The host's catalogues, as the router and the pages use them. */
export interface Catalogue {
  /** Every role, in the order /Roles lists them: basic, custom, then the server administrator. */
  readonly roles: readonly Grant[]
  readonly entitlements: readonly Grant[]
  readonly roleStore: MemoryGrantStore
  readonly entitlementStore: MemoryGrantStore
}

/**
 * The catalogue with these custom roles (each of type `custom`; one without a type gets it). Throws a
 * TypeError on a malformed role or one whose value is a role Grafana already has: start-up fails fast.
 */
export function createCatalogue(customRoles: readonly Grant[] = DEFAULT_CUSTOM_ROLES): Catalogue {
  if (!Array.isArray(customRoles)) throw new TypeError('customRoles must be an array of roles')
  const custom = customRoles.map((role: Grant, index) => {
    if (typeof role !== 'object' || role === null) throw new TypeError(`customRoles[${index}] must be a role`)
    if (role.type !== undefined && role.type !== 'custom')
      throw new TypeError(`customRoles[${index}] must be of type 'custom'`)
    return { ...role, type: 'custom' }
  })
  const roles = [...BASIC_GRANTS, ...custom, SERVER_ADMIN_GRANT]
  return {
    roles,
    entitlements: ENTITLEMENTS,
    // MemoryGrantStore checks each grant and refuses two with one value (a custom `Admin`, say).
    roleStore: new MemoryGrantStore(roles),
    entitlementStore: new MemoryGrantStore(ENTITLEMENTS, { kind: 'Entitlement' }),
  }
}

/** The setting of Grafana's `auto_assign_org_role`, checked: a user without a basic role gets this one. */
export function checkOrgRole(value: unknown): OrgRole {
  if (value === 'None' || BASIC_ROLES.includes(value as BasicRole)) return value as OrgRole
  throw new TypeError("autoAssignOrgRole must be 'Viewer', 'Editor', 'Admin' or 'None'")
}

/** Where a user's role or entitlement comes from. */
export type GrantSource =
  | { readonly kind: 'idp' }
  | { readonly kind: 'host' }
  | { readonly kind: 'team'; readonly team: string }
  | { readonly kind: 'default' }
  | { readonly kind: 'local admin' }

/** A role or entitlement a user holds, and everywhere it comes from. */
export interface HeldGrant {
  readonly value: string
  /** Its entry in the catalogue; undefined when the host no longer offers it (it then allows nothing). */
  readonly grant: Grant | undefined
  readonly sources: readonly GrantSource[]
}

/** What a signed-in user may do. */
export interface Access {
  readonly basicRole: OrgRole
  /** Where the basic role comes from: the IdP, teams, the default, or the local admin account. */
  readonly basicSources: readonly GrantSource[]
  /** Every role held, in catalogue order (roles it no longer has last). */
  readonly roles: readonly HeldGrant[]
  readonly entitlements: readonly HeldGrant[]
  /** Grafana's server administrator: the local admin. */
  readonly serverAdmin: boolean
}

/** What effective access is computed with. */
export interface AccessSettings {
  readonly catalogue: Catalogue
  readonly autoAssignOrgRole: OrgRole
}

/** One grant a user holds: their own (`team` null, from the IdP), or a role one of their teams grants. */
export interface GrantRow {
  readonly kind: 'role' | 'entitlement'
  readonly value: string
  readonly team: string | null
}

/** The IdP first, then the teams by name. */
function bySource(a: GrantSource, b: GrantSource): number {
  const [x, y] = [a, b].map((source) => (source.kind === 'team' ? source.team.toLowerCase() : ''))
  return x! < y! ? -1 : x! > y! ? 1 : 0
}

/** The grants of `rows` of one kind, each once with all its sources, in catalogue order. */
function held(rows: readonly GrantRow[], kind: GrantRow['kind'], catalogue: readonly Grant[]): HeldGrant[] {
  const sources = new Map<string, GrantSource[]>()
  for (const row of rows) {
    if (row.kind !== kind) continue
    const list = sources.get(row.value) ?? []
    // A protected role held directly was granted by the host's operators: SCIM can never grant one.
    const own: GrantSource = catalogue.some((grant) => grant.value === row.value && grant.protected === true)
      ? { kind: 'host' }
      : { kind: 'idp' }
    list.push(row.team === null ? own : { kind: 'team', team: row.team })
    sources.set(row.value, list)
  }
  const rank = (value: string) => {
    const index = catalogue.findIndex((grant) => grant.value === value)
    return index === -1 ? catalogue.length : index
  }
  return [...sources.entries()]
    .sort(([a], [b]) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0))
    .map(([value, list]) => ({
      value,
      grant: catalogue.find((grant) => grant.value === value),
      sources: list.sort(bySource),
    }))
}

/**
 * A user's effective access from what they hold: their roles and entitlements (the IdP's) and their
 * teams' roles. The basic role is the highest of Viewer < Editor < Admin held either way, as Grafana
 * takes the highest of the roles an IdP maps; a user holding none gets `autoAssignOrgRole`. The local
 * admin is the server administrator, and an Admin of the organisation, whatever else it holds; so is a
 * user the host's operators made one (`GrafanaAdmin` in user_grants, which SCIM keeps).
 */
export function effectiveAccess(
  rows: readonly GrantRow[],
  settings: AccessSettings,
  localAdmin: boolean,
): Access {
  const roles = held(rows, 'role', settings.catalogue.roles)
  const entitlements = held(rows, 'entitlement', settings.catalogue.entitlements)
  if (localAdmin) {
    const admin: GrantSource[] = [{ kind: 'local admin' }]
    const others = roles.filter((role) => role.value !== SERVER_ADMIN_ROLE)
    const server = settings.catalogue.roles.find((grant) => grant.value === SERVER_ADMIN_ROLE)
    return {
      basicRole: 'Admin',
      basicSources: admin,
      roles: [...others, { value: SERVER_ADMIN_ROLE, grant: server, sources: admin }],
      entitlements,
      serverAdmin: true,
    }
  }
  let best: HeldGrant | undefined
  for (const role of roles) {
    const rank = BASIC_ROLES.indexOf(role.value as BasicRole)
    if (rank !== -1 && (best === undefined || rank > BASIC_ROLES.indexOf(best.value as BasicRole)))
      best = role
  }
  return {
    basicRole: best ? (best.value as BasicRole) : settings.autoAssignOrgRole,
    basicSources: best ? best.sources : [{ kind: 'default' }],
    roles,
    entitlements,
    // Granted by the host's operators (a row in user_grants): SCIM keeps it, and can never grant it.
    serverAdmin: roles.some((role) => role.value === SERVER_ADMIN_ROLE && role.grant !== undefined),
  }
}

/** True when the user's basic role is `minimum` or above (`None` is below every one). */
export function atLeast(access: Access, minimum: BasicRole): boolean {
  return BASIC_ROLES.indexOf(access.basicRole as BasicRole) >= BASIC_ROLES.indexOf(minimum)
}

/** True when the user holds this role and the host still offers it. */
export function holdsRole(access: Access, value: string): boolean {
  return access.roles.some((role) => role.value === value && role.grant !== undefined)
}

/**
 * A user's effective access in one query, whatever the number of their teams: their own grants and
 * every role of every team they are in (through team_members_user, then team_roles' primary key).
 */
export async function loadAccess(
  db: Queryable,
  tenant: string,
  userId: string,
  settings: AccessSettings,
  localAdmin: boolean,
): Promise<Access> {
  const found = await db.query<{ kind: 'role' | 'entitlement'; value: string; team: string | null }>(
    `select g.kind, g.value, null::text as team from user_grants g where g.tenant = $1 and g.user_id = $2
     union all
     select 'role', r.role, t.name from team_members m
       join team_roles r on r.team_id = m.team_id
       join teams t on t.id = m.team_id
      where m.tenant = $1 and m.user_id = $2`,
    [tenant, userId],
  )
  return effectiveAccess(found.rows, settings, localAdmin)
}
