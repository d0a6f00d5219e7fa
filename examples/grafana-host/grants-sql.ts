// The SQL of users' roles and entitlements (`user_grants`) and of teams' roles (`team_roles`): what every read of a user selects, what a create or an update writes, the filters SCIM pushes down, and an admin's team grants.
import type { SqlMultiValuedMapping } from '../../types/sql'
import type { UserFields } from '../../types/stores'
import type { Queryable } from './db'

/** A user's grants as the store reads and writes them: each attribute's values, in the IdP's order. */
export interface HeldGrants {
  readonly roles: readonly string[]
  readonly entitlements: readonly string[]
}

/** The two SCIM attributes and the `kind` of their rows. */
const KINDS = [
  { attribute: 'roles', kind: 'role' },
  { attribute: 'entitlements', kind: 'entitlement' },
] as const

/**
 * Select-list items giving a user's roles and entitlements (columns `roles` and `entitlements`) for the
 * row aliased `u`: part of every read's statement, so reading grants costs no round trip. The primary
 * key (user_id, kind, value) finds them.
 */
export const GRANT_COLUMNS = KINDS.map(
  ({ attribute, kind }) =>
    `array(select g.value from user_grants g where g.user_id = u.id and g.kind = '${kind}' order by g.position) as ${attribute}`,
).join(', ')

/** The grants of a row read with `GRANT_COLUMNS` (none for a row read without them). */
export function grantsOfRow(row: { readonly roles?: unknown; readonly entitlements?: unknown }): HeldGrants {
  const values = (column: unknown): string[] =>
    Array.isArray(column) ? column.filter((value): value is string => typeof value === 'string') : []
  return { roles: values(row.roles), entitlements: values(row.entitlements) }
}

/**
 * The filter mappings of `roles` and `entitlements`: `roles.value eq "Editor"` and `roles[value eq
 * "Editor"]` become an EXISTS on user_grants, through `user_grants_value` (tenant, kind, value).
 * `display`, `type` and `primary` stay in the SCIM document and cannot be filtered on (400).
 */
export const GRANT_FILTERS: Readonly<Record<'roles' | 'entitlements', SqlMultiValuedMapping>> = {
  roles: grantFilter('role', 'ur'),
  entitlements: grantFilter('entitlement', 'ue'),
}

function grantFilter(kind: 'role' | 'entitlement', alias: string): SqlMultiValuedMapping {
  return {
    from: `user_grants ${alias}`,
    where: `${alias}.user_id = u.id and ${alias}.tenant = u.tenant and ${alias}.kind = '${kind}'`,
    // roles.value is case-exact in the router's User schema, as the catalogue compares it: plain equality.
    subAttributes: { value: `${alias}.value` },
  }
}

/** The grants a new user starts with: what the write gives (the router always gives both with its catalogues). */
export function grantsOfNewUser(fields: UserFields): HeldGrants {
  return { roles: fields.roles ?? [], entitlements: fields.entitlements ?? [] }
}

/** The rows of `grants` as the three arrays `unnest()` takes: kinds, values, positions. */
function grantArrays(grants: HeldGrants, kinds: readonly ('role' | 'entitlement')[]) {
  const rows = KINDS.filter(({ kind }) => kinds.includes(kind)).flatMap(({ attribute, kind }) =>
    grants[attribute].map((value, index) => ({ kind, value, position: index + 1 })),
  )
  return [rows.map((row) => row.kind), rows.map((row) => row.value), rows.map((row) => row.position)]
}

/**
 * A data-modifying CTE for the store's INSERT statement (named `grants`, after its `created` CTE): the
 * new user's grants, in the tenant of parameter `$tenant`, from the three parameters starting at `$first`.
 * One statement still writes the whole user.
 */
export function insertGrantsCte(tenant: number, first: number): string {
  const [kinds, values, positions] = [first, first + 1, first + 2]
  return `grants as (
        insert into user_grants (tenant, user_id, kind, value, position)
        select $${tenant}, created.id, g.kind, g.value, g.position
          from created, unnest($${kinds}::text[], $${values}::text[], $${positions}::int[])
            as g(kind, value, position))`
}

/** The parameters of `insertGrantsCte`, in its order. */
export function insertGrantsValues(grants: HeldGrants): unknown[] {
  return grantArrays(grants, ['role', 'entitlement'])
}

const sameValues = (a: readonly string[], b: readonly string[]) =>
  a.length === b.length && a.every((value, index) => value === b[index])

/**
 * Writes an update's grants in its transaction, after the compare-and-swap on the user's row (whose
 * lock keeps two writers of one user's grants in turn). An attribute given as an array replaces the
 * user's set (`[]` empties it); one left undefined is kept: the router's own writes that are not about
 * grants (the disable before a DELETE) leave them as they are. Nothing is written when nothing
 * changed, which is most writes (an IdP re-sends the roles with every PUT). Returns what the user holds.
 */
export async function replaceGrants(
  tx: Queryable,
  tenant: string,
  userId: string,
  fields: UserFields,
  held: HeldGrants,
): Promise<HeldGrants> {
  const next: HeldGrants = {
    roles: fields.roles ?? held.roles,
    entitlements: fields.entitlements ?? held.entitlements,
  }
  const changed = KINDS.filter(({ attribute }) => !sameValues(next[attribute], held[attribute])).map(
    ({ kind }) => kind,
  )
  if (changed.length === 0) return next
  await tx.query('delete from user_grants where user_id = $1 and kind = any($2::text[])', [userId, changed])
  const [kinds, values, positions] = grantArrays(next, changed)
  if (values!.length > 0) {
    await tx.query(
      `insert into user_grants (tenant, user_id, kind, value, position)
       select $1, $2, g.kind, g.value, g.position
         from unnest($3::text[], $4::text[], $5::int[]) as g(kind, value, position)`,
      [tenant, userId, kinds, values, positions],
    )
  }
  return next
}

/**
 * Grants a role to every member of a team (an admin's form): one statement, which finds the team in the
 * tenant and writes nothing when it holds the role already. False when the tenant has no such team.
 */
export async function grantTeamRole(
  db: Queryable,
  tenant: string,
  teamId: string,
  role: string,
  grantedBy: string,
): Promise<boolean> {
  try {
    const granted = await db.query(
      `with team as (select t.id from teams t where t.tenant = $1 and t.id = $2),
            added as (insert into team_roles (tenant, team_id, role, granted_by)
                      select $1, team.id, $3, $4 from team on conflict (team_id, role) do nothing)
       select 1 from team`,
      [tenant, teamId, role, grantedBy],
    )
    return granted.rows.length > 0
  } catch (error) {
    // The IdP deleted the team between the lookup and the insert: there is no such team any more.
    if ((error as { code?: unknown }).code === '23503') return false
    throw error
  }
}

/** Takes a role back from a team; false when the team did not hold it. */
export async function revokeTeamRole(
  db: Queryable,
  tenant: string,
  teamId: string,
  role: string,
): Promise<boolean> {
  const revoked = await db.query(
    'delete from team_roles where tenant = $1 and team_id = $2 and role = $3 returning role',
    [tenant, teamId, role],
  )
  return revoked.rows.length > 0
}
