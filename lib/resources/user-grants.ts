// A user's roles and entitlements on writes: read as the dialect allows, checked against the host's catalogues (unknown values, protected grants), and handed to the store as values.
import type { StoredUser, UserFields } from '../../types/stores'
import { encodedAppRole } from '../dialect'
import { scimError } from '../errors'
import type { RequestGrants } from '../gateway'
import { isStorableText } from '../ids'
import { isObject, jsonEqual } from '../json'
import { isGrantValue } from '../representation/grants'
import { type ScimResource, withUserFields } from '../representation/resources'
import { isSelfService, type ScimRequest } from './request'

/** The two grant attributes of a User (RFC 7643 §4.1.2) and the catalogue each is checked against. */
type GrantAttribute = 'roles' | 'entitlements'

const KINDS: readonly { readonly attribute: GrantAttribute; readonly kind: string }[] = [
  { attribute: 'roles', kind: 'role' },
  { attribute: 'entitlements', kind: 'entitlement' },
]

function catalogueOf(request: ScimRequest, attribute: GrantAttribute): RequestGrants | undefined {
  return attribute === 'roles' ? request.stores.roles : request.stores.entitlements
}

/** The values of a router without catalogues: nothing to check, nothing to store. */
const NO_GRANTS: Pick<UserFields, GrantAttribute> = Object.freeze({})

/** A resource's grants as a write will store them: the resource to store, and the values per attribute the router checks. */
export interface GrantedResource {
  readonly resource: ScimResource
  /** The values of each checked attribute, once each, in order: what the store receives. */
  readonly values: Pick<UserFields, GrantAttribute>
  /** Where each value was given, for error details. */
  readonly places?: Readonly<Partial<Record<GrantAttribute, readonly number[]>>>
}

/** One element with Entra's JSON-encoded role read (`encodedAppRole`): its `value`, and its `displayName` as `display`. */
function decoded(element: Record<string, unknown>, request: ScimRequest): Record<string, unknown> {
  const encoded = encodedAppRole(element.value, request.config.dialect)
  if (!encoded) return element
  const read: Record<string, unknown> = { ...element, value: encoded.value }
  if (encoded.display !== undefined && read.display === undefined) read.display = encoded.display
  return read
}

/** What one grant attribute holds, read for storing and checking. */
interface ReadElements {
  readonly elements: unknown[]
  /** The values, once each, in order. */
  readonly values: string[]
  /** Where each value was given (its element's index in the attribute as written): for error details. */
  readonly places: number[]
}

/** Elements without a value that a user already holds (stored before the router had a catalogue). */
function valuelessElements(user: StoredUser | undefined, attribute: GrantAttribute): ReadonlySet<string> {
  const elements = user?.document?.[attribute]
  if (!Array.isArray(elements)) return EMPTY
  const out = new Set<string>()
  for (const element of elements)
    if (!isObject(element) || typeof element.value !== 'string') out.add(JSON.stringify(element))
  return out
}

const EMPTY: ReadonlySet<string> = new Set()

/**
 * The elements of one grant attribute as the router stores them: Entra's JSON-encoded values read, and
 * a value given twice kept once (Entra re-sends every role it adds), the first element winning. An
 * element without a string `value` names no grant: 400, unless the user already holds that very
 * element (stored before the router had a catalogue), so an unrelated write (a deactivation) is never
 * blocked by it. Text inside an encoded value meets the same rule as any text the validator reads.
 */
function readElements(
  request: ScimRequest,
  attribute: GrantAttribute,
  given: unknown,
  tolerated: ReadonlySet<string>,
): ReadElements {
  const read: ReadElements = { elements: [], values: [], places: [] }
  if (given === undefined || given === null) return read
  const seen = new Set<string>()
  for (const [index, element] of (Array.isArray(given) ? given : [given]).entries()) {
    if (!isObject(element)) throw scimError(400, 'invalidValue', `${attribute}[${index}] must be an object`)
    const grant = decoded(element, request)
    const { value, display } = grant
    if (typeof value !== 'string' || value === '') {
      if (tolerated.size > 0 && tolerated.has(JSON.stringify(element))) {
        read.elements.push(element)
        continue
      }
      const kind = attribute === 'roles' ? 'role' : 'entitlement'
      throw scimError(400, 'invalidValue', `${attribute}[${index}] needs a value naming a ${kind}`)
    }
    // An encoded value is text the validator never saw: no store could keep U+0000 or a lone surrogate.
    if (
      grant !== element &&
      (!isStorableText(value) || (typeof display === 'string' && !isStorableText(display)))
    )
      throw scimError(400, 'invalidValue', `${attribute}[${index}] holds a character no store can keep`)
    if (seen.has(value)) continue
    seen.add(value)
    read.elements.push(grant)
    read.values.push(value)
    read.places.push(index)
  }
  return read
}

/**
 * The resource with its `roles` and `entitlements` read for storing, for each attribute whose catalogue
 * the router has; an attribute without one stays as sent (it grants nothing). Synchronous: the
 * catalogue is asked by `checkGrantChanges`, once the change is known.
 */
export function readGrants(
  request: ScimRequest,
  resource: ScimResource,
  before?: StoredUser,
): GrantedResource {
  const { roleStore, entitlementStore } = request.config
  if (roleStore === undefined && entitlementStore === undefined) return { resource, values: NO_GRANTS }
  let out = resource
  const values: { -readonly [K in GrantAttribute]?: string[] } = {}
  const places: { -readonly [K in GrantAttribute]?: number[] } = {}
  for (const { attribute } of KINDS) {
    if (!catalogueOf(request, attribute)) continue
    const read = readElements(request, attribute, resource[attribute], valuelessElements(before, attribute))
    values[attribute] = read.values
    places[attribute] = read.places
    const changed = !jsonEqual(read.elements, resource[attribute] ?? [])
    if (changed) {
      if (out === resource) out = { ...resource }
      if (read.elements.length > 0) out[attribute] = read.elements
      else delete out[attribute]
    }
  }
  return { resource: out, values, places }
}

/** The fields with the grant values a write stores (none without a catalogue: the store keeps what the user holds). */
export function withGrants(fields: UserFields, granted: GrantedResource): UserFields {
  return granted.values === NO_GRANTS ? fields : withUserFields(fields, granted.values)
}

/**
 * The values a user holds: what the store models, else the `value`s of the document's elements, read
 * as a write reads them (an Entra-encoded role stored before the router had a catalogue is that role).
 */
function heldValues(request: ScimRequest, user: StoredUser | undefined, attribute: GrantAttribute): string[] {
  if (!user) return []
  const modelled = user[attribute]
  if (modelled !== undefined) return [...modelled]
  const elements = user.document?.[attribute]
  if (!Array.isArray(elements)) return []
  return elements.flatMap((e) => {
    const value = isObject(e) ? decoded(e, request).value : undefined
    return typeof value === 'string' ? [value] : []
  })
}

/**
 * Checks what a write does to a user's grants against the catalogues, with one `find` per catalogue
 * for the values it adds or removes (none when it changes nothing), and answers what the write stores.
 * A value it adds that the catalogue does not hold is 400 `invalidValue`; adding a protected grant is
 * 400 `mutability`. A protected grant the user holds is the host's: a write that leaves it out keeps it
 * (an IdP's full PUT or `replace` of `roles` knows nothing of it). Values the user keeps are not asked
 * about: a grant the host retired stays until the IdP or the host removes it.
 */
export function checkGrantChanges(
  request: ScimRequest,
  before: StoredUser | undefined,
  granted: GrantedResource,
): Promise<GrantedResource> | undefined {
  // Most routers have no catalogue: no promise at all on their writes.
  return granted.values === NO_GRANTS ? undefined : checkChanges(request, before, granted)
}

async function checkChanges(
  request: ScimRequest,
  before: StoredUser | undefined,
  granted: GrantedResource,
): Promise<GrantedResource> {
  let checked = granted
  for (const { attribute, kind } of KINDS) {
    const after = granted.values[attribute]
    const catalogue = catalogueOf(request, attribute)
    if (after === undefined || !catalogue) continue
    const held = heldValues(request, before, attribute)
    const heldSet = new Set(held)
    const afterSet = new Set(after)
    const added = after.filter((value) => !heldSet.has(value))
    const removed = held.filter((value) => !afterSet.has(value))
    if (added.length === 0 && removed.length === 0) continue
    // A user's own token (/Me) may edit the user's profile, never what the user is allowed to do.
    if (isSelfService(request.context.principal))
      throw scimError(403, undefined, `A user cannot change their own ${attribute}`)
    const unknown = (value: string) => {
      // The value is the client's: the detail names its place, never the text (it may be anything).
      const place = granted.places?.[attribute]?.[after.indexOf(value)] ?? after.indexOf(value)
      return scimError(
        400,
        'invalidValue',
        `${attribute}[${place}] names no ${kind} of this service provider`,
      )
    }
    // A value no catalogue could hold never reaches the store (where a SQL catalogue could fail on it).
    const askable = added.filter(isGrantValue)
    if (askable.length < added.length) throw unknown(added.find((value) => !isGrantValue(value))!)
    const known = await catalogue.find([...askable, ...removed.filter(isGrantValue)])
    for (const value of added) {
      const grant = known.get(value)
      if (!grant) throw unknown(value)
      if (grant.protected === true) {
        throw scimError(
          400,
          'mutability',
          `The ${kind} ${JSON.stringify(grant.value)} is protected: it cannot be granted through SCIM`,
        )
      }
    }
    const kept = removed.filter((value) => known.get(value)?.protected === true)
    if (kept.length > 0) checked = keeping(request, checked, attribute, kept, before)
  }
  return checked
}

/** The write with protected grants the user holds put back: their stored elements, after the rest. */
function keeping(
  request: ScimRequest,
  granted: GrantedResource,
  attribute: GrantAttribute,
  kept: readonly string[],
  before: StoredUser | undefined,
): GrantedResource {
  const stored = before?.document?.[attribute]
  const elements = Array.isArray(granted.resource[attribute])
    ? [...(granted.resource[attribute] as unknown[])]
    : []
  // RFC 7643 §2.4: one primary at most. The write's own primary wins over a kept one.
  let primary = elements.some((e) => isObject(e) && e.primary === true)
  for (const value of kept) {
    const element = Array.isArray(stored)
      ? stored.find((e) => isObject(e) && decoded(e, request).value === value)
      : undefined
    let read = isObject(element) ? decoded(element, request) : { value }
    if (read.primary === true) {
      if (primary) {
        const { primary: _, ...rest } = read
        read = rest
      }
      primary = true
    }
    elements.push(read)
  }
  return {
    resource: { ...granted.resource, [attribute]: elements },
    values: { ...granted.values, [attribute]: [...(granted.values[attribute] ?? []), ...kept] },
    ...(granted.places ? { places: granted.places } : {}),
  }
}

/**
 * The attributes of `changed` that still differ once the grants are read for storing: Entra re-sends
 * every role it adds, so a PATCH that adds what the user holds changes nothing and writes nothing.
 */
export function stillChanged(
  before: ScimResource,
  after: ScimResource,
  changed: readonly string[],
): readonly string[] {
  return changed.filter(
    (attribute) =>
      !(
        (attribute === 'roles' || attribute === 'entitlements') &&
        jsonEqual(before[attribute], after[attribute])
      ),
  )
}
