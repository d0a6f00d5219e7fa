// /ServiceProviderConfig, /ResourceTypes and /Schemas (RFC 7644 §4), generated from the schemas and options in force.
import type { ResourceTypeDefinition, SchemaDefinition } from '../../types/schema'
import { scimError } from '../errors'
import {
  DISCOVERY_SCHEMAS,
  RESOURCE_TYPE_SCHEMA,
  SCHEMA_SCHEMA,
  SERVICE_PROVIDER_CONFIG_SCHEMA as SPC_SCHEMA,
} from '../schema/discovery-schemas'
import { listResponse } from './lists'
import type { ScimRequest } from './request'
import { jsonResponse, type ScimResponse } from './response'

/** The resource types this router serves: Group only with a TeamStore, Role and Entitlement only with their catalogues. */
function servedTypes(request: ScimRequest): ResourceTypeDefinition[] {
  const { config } = request
  const served: Readonly<Record<string, boolean>> = {
    Group: config.teamStore !== undefined,
    Role: config.roleStore !== undefined,
    Entitlement: config.entitlementStore !== undefined,
  }
  return config.registry.resourceTypes().filter((type) => served[type.id] ?? true)
}

/**
 * draft-ietf-scim-roles-entitlements-01 §5: what the server supports of roles and entitlements. Users
 * may hold several of each, with `primary` and `type` as RFC 7643 §4.1.2 has them.
 */
function rolesAndEntitlements(request: ScimRequest): Record<string, unknown> {
  const { config } = request
  const support = (supported: boolean, multiple: string) =>
    supported ? { supported, [multiple]: true, primarySupported: true, typeSupported: true } : { supported }
  return {
    roles: support(config.roleStore !== undefined, 'multipleRolesSupported'),
    entitlements: support(config.entitlementStore !== undefined, 'multipleEntitlementsSupported'),
  }
}

/**
 * The schemas of the served resource types, then those of the discovery resources (RFC 7643 §7 defines
 * all of them; conformance tools look for both kinds). The discovery schemas live outside the registry:
 * they describe /ServiceProviderConfig, /ResourceTypes and /Schemas, not resources a filter or a PATCH
 * could name.
 */
function servedSchemas(request: ScimRequest): SchemaDefinition[] {
  const urns = new Set<string>()
  for (const type of servedTypes(request)) {
    urns.add(type.schema.toLowerCase())
    for (const extension of type.schemaExtensions) urns.add(extension.schema.toLowerCase())
  }
  const resourceSchemas = request.config.registry
    .schemas()
    .filter((schema) => urns.has(schema.id.toLowerCase()))
  return [...resourceSchemas, ...DISCOVERY_SCHEMAS]
}

/** RFC 7644 §4: discovery endpoints take no filter; a provider SHOULD answer 403. */
function refuseFilter(request: ScimRequest): void {
  for (const key of request.query.keys()) {
    if (key.toLowerCase() === 'filter')
      throw scimError(403, undefined, 'Discovery endpoints do not support filtering')
  }
}

/**
 * RFC 9865 §4: index paging always; cursor paging when `cursorPaging` is on and the stores of every
 * served type page by position (`listAfter`). Requests that name neither page by index.
 */
function pagination(request: ScimRequest): Record<string, unknown> {
  const config = request.config
  const teams = request.stores.teams
  // Every served type must page by cursor for the server to say it does.
  const cursor =
    config.cursors !== undefined &&
    request.stores.users.pagesAfter &&
    (teams === undefined || teams.pagesAfter)
  return {
    cursor,
    index: true,
    defaultPaginationMethod: 'index',
    defaultPageSize: config.defaultCount,
    maxPageSize: config.maxResults,
    ...(cursor ? { cursorTimeout: config.cursors!.timeout } : {}),
  }
}

/** GET /ServiceProviderConfig. RFC 7643 §5; every value reflects an option in force. */
export function serviceProviderConfig(request: ScimRequest): ScimResponse {
  const config = request.config
  const body = {
    schemas: [SPC_SCHEMA],
    ...(config.documentationUri ? { documentationUri: config.documentationUri } : {}),
    patch: { supported: true },
    bulk: config.bulk
      ? { supported: true, ...config.bulk }
      : { supported: false, maxOperations: 0, maxPayloadSize: 0 },
    filter: { supported: true, maxResults: config.maxResults },
    changePassword: { supported: true },
    pagination: pagination(request),
    sort: { supported: true },
    etag: { supported: true },
    RolesAndEntitlements: rolesAndEntitlements(request),
    authenticationSchemes: config.authenticationSchemes,
    meta: { resourceType: 'ServiceProviderConfig', location: `${request.baseUrl}/ServiceProviderConfig` },
  }
  return jsonResponse(200, body)
}

function resourceTypeBody(request: ScimRequest, type: ResourceTypeDefinition): Record<string, unknown> {
  return {
    schemas: [RESOURCE_TYPE_SCHEMA],
    id: type.id,
    name: type.name,
    endpoint: type.endpoint,
    description: type.description,
    schema: type.schema,
    schemaExtensions: type.schemaExtensions,
    meta: { resourceType: 'ResourceType', location: `${request.baseUrl}/ResourceTypes/${type.id}` },
  }
}

/** GET /ResourceTypes and /ResourceTypes/:id. RFC 7644 §4. */
export function resourceTypes(request: ScimRequest): ScimResponse {
  const id = request.id
  refuseFilter(request)
  const types = servedTypes(request)
  if (id === undefined) {
    const resources = types.map((type) => resourceTypeBody(request, type))
    return jsonResponse(200, listResponse(resources.length, 1, resources))
  }
  const type = types.find((t) => t.id.toLowerCase() === id.toLowerCase())
  if (!type) throw scimError(404, undefined, 'Resource type not found')
  return jsonResponse(200, resourceTypeBody(request, type))
}

function schemaBody(request: ScimRequest, schema: SchemaDefinition): Record<string, unknown> {
  return {
    schemas: [SCHEMA_SCHEMA],
    id: schema.id,
    name: schema.name,
    description: schema.description,
    attributes: schema.attributes,
    meta: { resourceType: 'Schema', location: `${request.baseUrl}/Schemas/${schema.id}` },
  }
}

/** GET /Schemas and /Schemas/:urn. RFC 7644 §4, RFC 7643 §7. */
export function schemas(request: ScimRequest): ScimResponse {
  const id = request.id
  refuseFilter(request)
  const served = servedSchemas(request)
  if (id === undefined) {
    const resources = served.map((schema) => schemaBody(request, schema))
    return jsonResponse(200, listResponse(resources.length, 1, resources))
  }
  const schema = served.find((s) => s.id.toLowerCase() === id.toLowerCase())
  if (!schema) throw scimError(404, undefined, 'Schema not found')
  return jsonResponse(200, schemaBody(request, schema))
}
