// A catalogue entry (a host's role or entitlement) as a SCIM Role or Entitlement resource, and the check of what a GrantStore answers.
import type { Grant } from '../../types/stores'
import { isStorableText, MAX_ID_LENGTH } from '../ids'
import { isObject } from '../json'
import type { GrantKind } from '../schema/grants'

/** A SCIM resource as JSON (as `ScimResource` in ./resources, which imports this module). */
type ScimResource = Record<string, unknown>

/** Longest `value` a grant may have: it is an id in a URL and a value in every user that holds it. */
export const MAX_GRANT_VALUE_LENGTH = MAX_ID_LENGTH

/** True when `value` could be a grant's value: 1 to 512 characters, no control characters, storable text. */
export function isGrantValue(value: string): boolean {
  return (
    value !== '' && value.length <= MAX_GRANT_VALUE_LENGTH && !/\p{Cc}/u.test(value) && isStorableText(value)
  )
}

/** Why `grant` is not a well-formed catalogue entry, or undefined when it is one. */
export function grantProblem(grant: unknown): string | undefined {
  if (!isObject(grant)) return 'a grant must be an object'
  const { value, displayName, type, description } = grant
  if (typeof value !== 'string' || value === '' || value.length > MAX_GRANT_VALUE_LENGTH)
    return `a grant's value must be a string of 1 to ${MAX_GRANT_VALUE_LENGTH} characters`
  // The value is a path segment of /Roles/{id} and a filter literal: no control characters.
  if (!isGrantValue(value)) return "a grant's value must hold no control characters"
  if (typeof displayName !== 'string' || displayName === '')
    return "a grant's displayName must be a non-empty string"
  if (type !== undefined && typeof type !== 'string') return "a grant's type must be a string"
  if (description !== undefined && typeof description !== 'string')
    return "a grant's description must be a string"
  if (grant.protected !== undefined && typeof grant.protected !== 'boolean')
    return "a grant's protected must be a boolean"
  return undefined
}

/**
 * A grant as SCIM serves it: `id` and `value` are the grant's value (Okta assigns by id, the draft and
 * Entra by value), `displayName` (Okta) and `display` (the draft) its name, and `supported` false for
 * a protected grant, which SCIM cannot assign (draft-ietf-scim-roles-entitlements-01 §3.1).
 */
export function grantResource(
  grant: Grant,
  kind: GrantKind,
  schema: string,
  location?: string,
): ScimResource {
  const resource: ScimResource = {
    schemas: [schema],
    id: grant.value,
    value: grant.value,
    displayName: grant.displayName,
    display: grant.displayName,
  }
  if (grant.type !== undefined) resource.type = grant.type
  if (grant.description !== undefined) resource.description = grant.description
  resource.supported = grant.protected !== true
  resource.meta = location === undefined ? { resourceType: kind } : { resourceType: kind, location }
  return resource
}

/**
 * The `roles` (or `entitlements`) a response shows for a store that models them: exactly `held`, in
 * its order, each as the document's element for that value when the document has one (its `display`,
 * `type` and `primary` as the IdP sent them), else as `{value}` (a grant the host made itself).
 */
export function heldGrantElements(document: unknown, held: readonly string[]): Record<string, unknown>[] {
  const sent = new Map<string, Record<string, unknown>>()
  if (Array.isArray(document)) {
    for (const element of document) {
      if (isObject(element) && typeof element.value === 'string' && !sent.has(element.value))
        sent.set(element.value, element)
    }
  }
  return held.map((value) => sent.get(value) ?? { value })
}
