// The requests a load run sends, shaped as Entra ID sends them during a sync (its lookups, bodies and PATCH forms).
import type { LoadRequestKind } from '../../types/load'

const USER = 'urn:ietf:params:scim:schemas:core:2.0:User'
const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group'
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp'

/** One request of a load run, relative to the base URL, with the statuses that count as success. */
export interface LoadRequest {
  readonly kind: LoadRequestKind
  readonly method: 'GET' | 'POST' | 'PATCH' | 'DELETE'
  readonly path: string
  readonly body?: unknown
  readonly ok: readonly number[]
}

/** The names of user `i` in run `run`: unique, so a run never touches data it did not create. */
export function userName(run: string, i: number): string {
  return `load.${run}.${i}@example.test`
}

export function groupName(run: string, g: number): string {
  return `load-${run}-group-${g}`
}

const filterPath = (resource: string, filter: string, extra = '') =>
  `/${resource}?${extra}filter=${encodeURIComponent(filter)}`

/** Entra's lookup before a create: `userName eq "…"`, expecting an empty list. */
export function userLookup(run: string, i: number): LoadRequest {
  return {
    kind: 'user lookup',
    method: 'GET',
    path: filterPath('Users', `userName eq "${userName(run, i)}"`),
    ok: [200],
  }
}

export function userCreate(run: string, i: number): LoadRequest {
  const name = userName(run, i)
  return {
    kind: 'user create',
    method: 'POST',
    path: '/Users',
    body: {
      schemas: [USER],
      externalId: `load-${run}-${i}`,
      userName: name,
      active: true,
      displayName: `Load User ${i}`,
      name: { givenName: 'Load', familyName: `User ${i}` },
      emails: [{ primary: true, type: 'work', value: name }],
    },
    ok: [201],
  }
}

/** Entra's group lookup: `displayName eq "…"` without members. */
export function groupLookup(run: string, g: number): LoadRequest {
  return {
    kind: 'group lookup',
    method: 'GET',
    path: filterPath('Groups', `displayName eq "${groupName(run, g)}"`, 'excludedAttributes=members&'),
    ok: [200],
  }
}

export function groupCreate(run: string, g: number): LoadRequest {
  return {
    kind: 'group create',
    method: 'POST',
    path: '/Groups',
    body: {
      schemas: [GROUP],
      externalId: `load-${run}-group-${g}`,
      displayName: groupName(run, g),
      members: [],
    },
    ok: [201],
  }
}

/** One batch of members, added as Entra does: one `Add` operation on `members` with a list of values. */
export function memberAdd(groupId: string, userIds: readonly string[]): LoadRequest {
  return {
    kind: 'member add',
    method: 'PATCH',
    path: `/Groups/${encodeURIComponent(groupId)}`,
    body: {
      schemas: [PATCH_OP],
      Operations: [{ op: 'Add', path: 'members', value: userIds.map((value) => ({ value })) }],
    },
    ok: [200, 204],
  }
}

/** An attribute change in the incremental cycle, in Entra's capitalised, path-per-attribute form. */
export function userUpdate(userId: string, i: number): LoadRequest {
  return {
    kind: 'user update',
    method: 'PATCH',
    path: `/Users/${encodeURIComponent(userId)}`,
    body: {
      schemas: [PATCH_OP],
      Operations: [
        { op: 'Replace', path: 'displayName', value: `Load User ${i} (updated)` },
        { op: 'Replace', path: 'name.familyName', value: `User ${i} updated` },
      ],
    },
    ok: [200, 204],
  }
}

/** Entra's soft delete: `active` replaced with the string "False". */
export function userDeactivate(userId: string): LoadRequest {
  return {
    kind: 'user deactivate',
    method: 'PATCH',
    path: `/Users/${encodeURIComponent(userId)}`,
    body: { schemas: [PATCH_OP], Operations: [{ op: 'Replace', path: 'active', value: 'False' }] },
    ok: [200, 204],
  }
}

export function remove(path: string): LoadRequest {
  return { kind: 'delete', method: 'DELETE', path, ok: [204, 200, 404] }
}
