// Converts between SCIM resources and what stores keep: named host fields plus the round-trip document.
import type { MemberReference } from '../../types/patch'
import type {
  NewTeam,
  NewUser,
  ScimDocument,
  StoredTeam,
  StoredUser,
  TeamFields,
  TeamMember,
  UserFields,
} from '../../types/stores'
import { isObject } from '../json'
import { GROUP_SCHEMA, USER_SCHEMA } from '../schema/core'
import { heldGrantElements } from './grants'
import { isoTimeOf } from './iso-time'

/** A SCIM resource as JSON. */
export type ScimResource = Record<string, unknown>

/** An id that `encodeURIComponent` would return unchanged (it also keeps `!*'()`, which this need not). */
const UNRESERVED = /^[A-Za-z0-9\-._~]*$/

/** The absolute URL of a resource (RFC 7644 §3.1 `Location`, RFC 7643 §3.1 `meta.location`). */
export function locationOf(
  baseUrl: string,
  endpoint: 'Users' | 'Groups' | 'Roles' | 'Entitlements',
  id: string,
): string {
  // Ids are mostly UUIDs: only unreserved characters (RFC 3986 §2.3), which encoding leaves as they are.
  return `${baseUrl}/${endpoint}/${UNRESERVED.test(id) ? id : encodeURIComponent(id)}`
}

/** The weak entity tag of a version. RFC 7644 §3.14: versions are weak, opaque strings. */
export function etagOf(version: string): string {
  return `W/"${tagValue(version)}"`
}

/** A version as it appears between the quotes of an entity tag (quotes and backslashes cannot). */
export function tagValue(version: string): string {
  // Versions rarely hold either character: then no regular expression runs on every response.
  return version.includes('"') || version.includes('\\') ? version.replace(/["\\]/g, '') : version
}

function isoTime(value: Date | string): string {
  if (value instanceof Date) return isoTimeOf(value.getTime())
  const parsed = new Date(value).getTime()
  return Number.isNaN(parsed) ? String(value) : isoTimeOf(parsed)
}

/** True when two stored times are the same instant (stores may hand out a new Date for each). */
function sameTime(a: Date | string, b: Date | string): boolean {
  return a instanceof Date && b instanceof Date ? a.getTime() === b.getTime() : a === b
}

/**
 * The top level of a stored document, for a response: a new object whose values are the stored ones,
 * not copies. Everything downstream builds new values rather than editing these (the projection picks
 * into new objects, PATCH copies an attribute before its first edit), so a page of large resources
 * costs no deep copies, and a store may hand out frozen documents.
 */
function documentView(document: ScimDocument | undefined, serverOwned: ServerOwned): ScimResource {
  // Built key by key rather than spread and pruned: a `delete` would turn the object into a slow
  // dictionary for everything after it (the projection, the serialisation).
  const out: ScimResource = {}
  if (!isObject(document)) return out
  for (const key of Object.keys(document)) {
    // An own `__proto__` key (JSON.parse makes one) must never become a prototype write.
    if (key !== '__proto__' && !serverOwned.has(key)) out[key] = (document as ScimResource)[key]
  }
  return out
}

/** Attributes the server owns or never returns, matched in any case (RFC 7643 §2.1). */
export class ServerOwned {
  readonly #names: ReadonlySet<string>
  readonly #lengths: ReadonlySet<number>

  constructor(names: readonly string[]) {
    this.#names = new Set(names)
    this.#lengths = new Set(names.map((name) => name.length))
  }

  /** True for `key` in any case; lower-cases only keys of a server-owned name's length. */
  has(key: string): boolean {
    return this.#lengths.has(key.length) && this.#names.has(key.toLowerCase())
  }
}

const USER_SCHEMA_LOWER = USER_SCHEMA.toLowerCase()
const GROUP_SCHEMA_LOWER = GROUP_SCHEMA.toLowerCase()

/**
 * A stored `schemas` list that names `schema` (in any case) as it is, else with `schema` first. The
 * list as stored usually holds the URN exactly: that is checked first, so no string is lower-cased.
 */
function withSchema(stored: unknown, schema: string, lower: string): unknown[] {
  const schemas: unknown[] = Array.isArray(stored) ? stored : []
  if (schemas.includes(schema)) return schemas
  const named = schemas.some((s) => typeof s === 'string' && s.toLowerCase() === lower)
  return named ? schemas : [schema, ...schemas]
}

const USER_SERVER_OWNED = new ServerOwned(['id', 'meta', 'password', 'groups'])
const TEAM_SERVER_OWNED = new ServerOwned(['id', 'meta', 'members'])
const COMMON_SERVER_OWNED = new ServerOwned(['id', 'meta'])

/** What a resource type's stored document leaves out: the server's attributes, and a user's password and groups or a group's members. */
export function serverOwnedOf(resourceType: string): ServerOwned {
  return resourceType === 'User'
    ? USER_SERVER_OWNED
    : resourceType === 'Group'
      ? TEAM_SERVER_OWNED
      : COMMON_SERVER_OWNED
}

/**
 * The email `UserFields.email` names: the `primary` element of `emails`, else the `work` one, else the
 * first with a string value.
 */
export function primaryEmail(resource: ScimResource): string | undefined {
  const emails = resource.emails
  if (!Array.isArray(emails)) return undefined
  // One pass, no copies: the first primary wins at once; else the first work one, else the first.
  let work: string | undefined
  let first: string | undefined
  for (const e of emails) {
    if (!isObject(e) || typeof e.value !== 'string') continue
    if (e.primary === true) return e.value
    first ??= e.value
    if (work === undefined && typeof e.type === 'string' && e.type.toLowerCase() === 'work') work = e.value
  }
  return work ?? first
}

/**
 * True when SCIM may see the user: provisioned (created or adopted through SCIM) and not hidden. Users
 * the host created itself stay out of SCIM's reach until adopted, so an IdP cannot take over an admin.
 */
export function isVisibleToScim(user: StoredUser): boolean {
  return user.provisioned === true && user.hidden !== true
}

/** Sets `roles` or `entitlements` to what the user holds; none held, the attribute is left out (RFC 7643 §2.5: unassigned). */
function showHeld(resource: ScimResource, name: 'roles' | 'entitlements', held: readonly string[]): void {
  if (held.length > 0) resource[name] = heldGrantElements(resource[name], held)
  // Rare (the host took every grant away itself): the slower delete is worth its simplicity here.
  else if (name in resource) delete resource[name]
}

/** A resource's `meta` (RFC 7643 §3.1), `location` when known: built whole, without a spread. */
function metaOf(
  resourceType: 'User' | 'Group',
  created: string,
  lastModified: string,
  version: string,
  location: string | undefined,
): Record<string, string> {
  return location === undefined
    ? { resourceType, created, lastModified, version }
    : { resourceType, created, lastModified, version, location }
}

/**
 * A stored user as a SCIM resource, with `meta.location` when given (the router gives it; stores do
 * not know their URL). The named fields win over the document, so a host that changes a login or
 * disables a user locally is seen by the IdP as it is.
 */
export function userResource(user: StoredUser, location?: string): ScimResource {
  const resource = documentView(user.document, USER_SERVER_OWNED)
  resource.schemas = withSchema(resource.schemas, USER_SCHEMA, USER_SCHEMA_LOWER)
  resource.id = user.id
  if (user.externalId !== undefined) resource.externalId = user.externalId
  resource.userName = user.userName
  if (user.displayName !== undefined) resource.displayName = user.displayName
  if (user.email !== undefined && primaryEmail(resource) !== user.email) {
    resource.emails = [{ value: user.email, type: 'work', primary: true }]
  }
  resource.active = user.active
  // A store that models grants says which the user holds: a role the host granted or revoked itself shows as it is.
  if (user.roles !== undefined) showHeld(resource, 'roles', user.roles)
  if (user.entitlements !== undefined) showHeld(resource, 'entitlements', user.entitlements)
  const created = isoTime(user.created)
  // A user never modified since its creation has one time: format it once.
  const lastModified = sameTime(user.lastModified, user.created) ? created : isoTime(user.lastModified)
  resource.meta = metaOf('User', created, lastModified, etagOf(user.version), location)
  return resource
}

/** A stored team as a SCIM Group, with its members when they were read and `meta.location` when given. */
export function groupResource(
  team: StoredTeam,
  members?: readonly TeamMember[],
  location?: string,
): ScimResource {
  const resource = documentView(team.document, TEAM_SERVER_OWNED)
  resource.schemas = withSchema(resource.schemas, GROUP_SCHEMA, GROUP_SCHEMA_LOWER)
  resource.id = team.id
  if (team.externalId !== undefined) resource.externalId = team.externalId
  resource.displayName = team.displayName
  if (members) {
    resource.members = members.map((m) =>
      m.display === undefined
        ? { value: m.value, type: 'User' }
        : { value: m.value, display: m.display, type: 'User' },
    )
  }
  resource.meta = metaOf(
    'Group',
    isoTime(team.created),
    isoTime(team.lastModified),
    etagOf(team.version),
    location,
  )
  return resource
}

/**
 * The fields a store receives for a user resource the router has validated. The document is a new
 * top-level object whose values are the resource's own, not deep copies: the router builds a fresh
 * resource per request and never edits it after the write, and a store reads the document (or copies
 * it, as the memory stores do) rather than changing it (`ScimDocument` is read-only).
 */
export function userFieldsOf(resource: ScimResource, password?: string): UserFields {
  const document = documentView(resource, USER_SERVER_OWNED)
  const fields: {
    -readonly [K in keyof UserFields]: UserFields[K]
  } = {
    userName: String(resource.userName),
    active: resource.active !== false,
    document,
  }
  if (typeof resource.externalId === 'string') fields.externalId = resource.externalId
  if (typeof resource.displayName === 'string') fields.displayName = resource.displayName
  const email = primaryEmail(resource)
  if (email !== undefined) fields.email = email
  if (password !== undefined) fields.password = password
  return fields
}

/** What a write may set over a user's fields: the provisioning mark, `active`, the grants it stores. */
export type UserFieldChanges = Pick<UserFields, 'active' | 'provisioned' | 'roles' | 'entitlements'>

/** The change that makes fields a new or adopted user's: `withUserFields(fields, PROVISIONED)`. */
export const PROVISIONED: { readonly provisioned: true } = Object.freeze({ provisioned: true })

/**
 * `fields` with `changes` over them, as a new object built key by key in one order (a key absent from
 * both stays absent). Not a spread: under HTTP load V8 gave `{ ...fields, provisioned: true }` a hidden
 * class of its own on every request, so every read of the copy in the store missed its inline cache
 * and looked the property up in the runtime (eight lookups per POST in the memory store).
 */
export function withUserFields<C extends Partial<UserFieldChanges>>(
  fields: UserFields,
  changes: C,
): UserFields & C {
  const out: { -readonly [K in keyof UserFields]: UserFields[K] } = {
    userName: fields.userName,
    active: changes.active ?? fields.active,
    document: fields.document,
  }
  const provisioned = changes.provisioned ?? fields.provisioned
  if (provisioned !== undefined) out.provisioned = provisioned
  if (fields.externalId !== undefined) out.externalId = fields.externalId
  if (fields.displayName !== undefined) out.displayName = fields.displayName
  if (fields.email !== undefined) out.email = fields.email
  if (fields.password !== undefined) out.password = fields.password
  if (fields.hidden !== undefined) out.hidden = fields.hidden
  const roles = changes.roles ?? fields.roles
  if (roles !== undefined) out.roles = roles
  const entitlements = changes.entitlements ?? fields.entitlements
  if (entitlements !== undefined) out.entitlements = entitlements
  return out as UserFields & C
}

/** The fields a store receives for a group resource (members travel separately; the document as in `userFieldsOf`). */
export function teamFieldsOf(resource: ScimResource): TeamFields {
  return teamFields(resource, false)
}

/** The fields of a user the router creates or adopts: `fields` with the provisioning mark (see `withUserFields`). */
export function newUserOf(fields: UserFields): NewUser {
  return withUserFields(fields, PROVISIONED)
}

/** The fields of a group the router creates: `teamFieldsOf` with the provisioning mark, set as the object is built (see `withUserFields`). */
export function newTeamOf(resource: ScimResource): NewTeam {
  return teamFields(resource, true) as NewTeam
}

/** A team's fields, key by key in one order, with the provisioning mark when `provisioned`. */
function teamFields(resource: ScimResource, provisioned: boolean): TeamFields {
  const fields: { -readonly [K in keyof NewTeam]?: NewTeam[K] } = {
    displayName: String(resource.displayName),
    document: documentView(resource, TEAM_SERVER_OWNED),
  }
  if (typeof resource.externalId === 'string') fields.externalId = resource.externalId
  if (provisioned) fields.provisioned = true
  return fields as TeamFields
}

/** Member references of a validated `members` value. */
export function memberReferencesOf(resource: ScimResource): MemberReference[] {
  const members = resource.members
  if (!Array.isArray(members)) return []
  const out: MemberReference[] = []
  const seen = new Set<string>()
  for (const m of members) {
    if (!isObject(m) || typeof m.value !== 'string' || seen.has(m.value)) continue
    seen.add(m.value)
    const ref: { value: string; type?: string; display?: string } = { value: m.value }
    if (typeof m.type === 'string') ref.type = m.type
    if (typeof m.display === 'string') ref.display = m.display
    out.push(ref)
  }
  return out
}
