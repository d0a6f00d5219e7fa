// Reads the external uid from a validated SAML profile: a named attribute or a script-free JSONPath.

import { JSONPath } from 'jsonpath-plus'
import type { ExternalUidSource, SamlProfile } from '../../types/saml'
import { configError } from '../errors'
import { isObject } from '../json'
import { SamlLinkError } from './errors'

/** Grafana's default name of the assertion attribute holding the external uid. */
export const DEFAULT_EXTERNAL_UID_ATTRIBUTE = 'userUID'

/** The claim Microsoft Entra ID sends the user's object id in: the `externalId` Entra provisions. */
export const ENTRA_OBJECT_ID_CLAIM = 'http://schemas.microsoft.com/identity/claims/objectidentifier'

/** Reads the uid's raw values from a profile. */
export type ExternalUidReader = (profile: SamlProfile) => unknown[]

function fail(message: string): never {
  throw configError('ERR_INVALID_OPTION', `${message}`)
}

/** The attribute's own value, never an inherited one (`constructor`, `__proto__` are not attributes). */
function ownValue(holder: unknown, name: string): unknown {
  return isObject(holder) && Object.hasOwn(holder, name) ? holder[name] : undefined
}

/**
 * Builds the reader once. A name is read from the profile and from its `attributes` object (node-saml
 * puts attributes on both; samlify's extract has them under `attributes`). A JSONPath runs with
 * jsonpath-plus's script evaluation off; expressions that would need it are refused here, not at login.
 */
export function createExternalUidReader(source: ExternalUidSource | undefined): ExternalUidReader {
  const chosen = source ?? DEFAULT_EXTERNAL_UID_ATTRIBUTE
  if (typeof chosen === 'string') {
    if (chosen === '') fail('externalUidAttribute must not be empty')
    // Both places are read: an empty value in one cannot hide the other, and two different values
    // are refused by externalUidOf rather than one silently winning.
    return (profile) => [ownValue(profile, chosen), ownValue(ownValue(profile, 'attributes'), chosen)]
  }
  if (!isObject(chosen) || typeof chosen.jsonPath !== 'string') {
    fail('externalUidAttribute must be an attribute name or { jsonPath }')
  }
  const path = chosen.jsonPath
  let steps: string[]
  try {
    steps = JSONPath.toPathArray(path)
  } catch {
    fail('externalUidAttribute.jsonPath is not a valid JSONPath')
  }
  if (steps[0] !== '$' || steps.length < 2) fail("externalUidAttribute.jsonPath must start with '$.'")
  // Filter `?()` and script `()` expressions evaluate code: never for a value an IdP controls.
  if (steps.some((step) => /^\s*[?(]/.test(step))) {
    fail('externalUidAttribute.jsonPath may not use filter or script expressions')
  }
  return (profile) => {
    const found = JSONPath({ path, json: profile as object, eval: false, wrap: true }) as unknown[]
    return Array.isArray(found) ? found : []
  }
}

/**
 * The uid from the raw values: undefined when there is none (absent, null, empty strings), the one
 * string when all values agree, `ERR_INVALID_EXTERNAL_UID` for several different values or any value
 * that is not a string. Never coerced, never trimmed: the uid is compared as the IdP sent it (CVE-2025-41115).
 */
export function externalUidOf(values: readonly unknown[]): string | undefined {
  const uids = new Set<string>()
  for (const value of values.flat(2)) {
    if (value === undefined || value === null || value === '') continue
    if (typeof value !== 'string') throw new SamlLinkError('ERR_INVALID_EXTERNAL_UID')
    // No stored externalId holds U+0000 (SCIM writes refuse it; PostgreSQL cannot store it): such a
    // uid names nobody, and must not reach a store, which would answer with an error (22021).
    if (value.includes('\u0000')) throw new SamlLinkError('ERR_INVALID_EXTERNAL_UID')
    uids.add(value)
  }
  if (uids.size > 1) throw new SamlLinkError('ERR_INVALID_EXTERNAL_UID')
  return uids.values().next().value
}
