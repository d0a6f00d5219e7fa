// Shared builders for PATCH tests: requests, sample resources, and a one-call apply.
import { type ApplyPatchOptions, applyPatch } from '../../lib/patch/apply'
import { createSchemaRegistry } from '../../lib/schema/registry'
import type { PatchOperation, PatchResult } from '../../types/patch'
import type { AttributeDefinitionInput } from '../../types/schema'

export const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp'
export const CORE_USER = 'urn:ietf:params:scim:schemas:core:2.0:User'
export const CORE_GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group'
export const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User'

/** A PatchOp message of these operations. */
export const request = (...Operations: PatchOperation[]) => ({ schemas: [PATCH_OP], Operations })

/** A provisioned user, as a store would hold it. */
export function sampleUser(): Record<string, unknown> {
  return {
    schemas: [CORE_USER],
    id: '2819c223-7f76-453a-919d-413861904646',
    externalId: 'a1b2c3',
    userName: 'bjensen@example.com',
    displayName: 'Babs Jensen',
    active: true,
    name: { givenName: 'Barbara', familyName: 'Jensen' },
    emails: [
      { value: 'bjensen@example.com', type: 'work', primary: true },
      { value: 'babs@jensen.org', type: 'home' },
    ],
  }
}

/** A group with members u1 and u2. */
export function sampleGroup(): Record<string, unknown> {
  return {
    schemas: [CORE_GROUP],
    id: 'e9e30dba-f08f-4109-8486-d5c6a331660a',
    displayName: 'Tour Guides',
    members: [{ value: 'u1', display: 'Ann' }, { value: 'u2' }],
  }
}

/** Applies operations to a resource of the given type. */
export function patch(
  resource: Record<string, unknown>,
  operations: PatchOperation[],
  options: Partial<ApplyPatchOptions> = {},
): PatchResult {
  const resourceType =
    options.resourceType ?? ((resource.schemas as string[]).includes(CORE_GROUP) ? 'Group' : 'User')
  return applyPatch(resource, request(...operations), { resourceType, ...options })
}

/** URN of the host extension the extension tests register on User. */
export const ACME_USER = 'urn:acme:params:scim:schemas:extension:2.0:User'

/** A registry with a host extension on User holding these attributes. */
export function userExtensionRegistry(attributes: readonly AttributeDefinitionInput[]) {
  return createSchemaRegistry({
    extensions: [{ resourceType: 'User', schema: { id: ACME_USER, attributes } }],
  })
}
