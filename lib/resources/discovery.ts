// /ServiceProviderConfig, /ResourceTypes and /Schemas (RFC 7644 §4), generated from the schemas and options in force.
import type { ResourceTypeDefinition, SchemaDefinition } from '../../types/schema'
import { scimError } from '../errors'
import { sendJson } from '../http/respond'
import {
  DISCOVERY_SCHEMAS,
  RESOURCE_TYPE_SCHEMA,
  SCHEMA_SCHEMA,
  SERVICE_PROVIDER_CONFIG_SCHEMA as SPC_SCHEMA,
} from '../schema/discovery-schemas'
import type { Exchange } from './exchange'
import { listResponse } from './lists'

/** The resource types this router serves: Group only with a TeamStore. */
function servedTypes(exchange: Exchange): ResourceTypeDefinition[] {
  return exchange.config.registry
    .resourceTypes()
    .filter((type) => type.id !== 'Group' || exchange.config.teamStore !== undefined)
}

/**
 * The schemas of the served resource types, then those of the discovery resources (RFC 7643 §7 defines
 * all of them; conformance tools look for both kinds). The discovery schemas live outside the registry:
 * they describe /ServiceProviderConfig, /ResourceTypes and /Schemas, not resources a filter or a PATCH
 * could name.
 */
function servedSchemas(exchange: Exchange): SchemaDefinition[] {
  const urns = new Set<string>()
  for (const type of servedTypes(exchange)) {
    urns.add(type.schema.toLowerCase())
    for (const extension of type.schemaExtensions) urns.add(extension.schema.toLowerCase())
  }
  const resourceSchemas = exchange.config.registry
    .schemas()
    .filter((schema) => urns.has(schema.id.toLowerCase()))
  return [...resourceSchemas, ...DISCOVERY_SCHEMAS]
}

/** RFC 7644 §4: discovery endpoints take no filter; a provider SHOULD answer 403. */
function refuseFilter(exchange: Exchange): void {
  for (const key of exchange.query.keys()) {
    if (key.toLowerCase() === 'filter')
      throw scimError(403, undefined, 'Discovery endpoints do not support filtering')
  }
}

/** GET /ServiceProviderConfig. RFC 7643 §5; every value reflects an option in force. */
export function serviceProviderConfig(exchange: Exchange): void {
  const config = exchange.config
  const body = {
    schemas: [SPC_SCHEMA],
    ...(config.documentationUri ? { documentationUri: config.documentationUri } : {}),
    patch: { supported: true },
    bulk: { supported: false, maxOperations: 0, maxPayloadSize: config.bodyLimit },
    filter: { supported: true, maxResults: config.maxResults },
    changePassword: { supported: true },
    sort: { supported: true },
    etag: { supported: true },
    authenticationSchemes: config.authenticationSchemes,
    meta: { resourceType: 'ServiceProviderConfig', location: `${exchange.baseUrl}/ServiceProviderConfig` },
  }
  sendJson(exchange.response, 200, body)
}

function resourceTypeBody(exchange: Exchange, type: ResourceTypeDefinition): Record<string, unknown> {
  return {
    schemas: [RESOURCE_TYPE_SCHEMA],
    id: type.id,
    name: type.name,
    endpoint: type.endpoint,
    description: type.description,
    schema: type.schema,
    schemaExtensions: type.schemaExtensions,
    meta: { resourceType: 'ResourceType', location: `${exchange.baseUrl}/ResourceTypes/${type.id}` },
  }
}

/** GET /ResourceTypes and /ResourceTypes/:id. RFC 7644 §4. */
export function resourceTypes(exchange: Exchange, id?: string): void {
  refuseFilter(exchange)
  const types = servedTypes(exchange)
  if (id === undefined) {
    const resources = types.map((type) => resourceTypeBody(exchange, type))
    sendJson(exchange.response, 200, listResponse(resources.length, 1, resources))
    return
  }
  const type = types.find((t) => t.id.toLowerCase() === id.toLowerCase())
  if (!type) throw scimError(404, undefined, 'Resource type not found')
  sendJson(exchange.response, 200, resourceTypeBody(exchange, type))
}

function schemaBody(exchange: Exchange, schema: SchemaDefinition): Record<string, unknown> {
  return {
    schemas: [SCHEMA_SCHEMA],
    id: schema.id,
    name: schema.name,
    description: schema.description,
    attributes: schema.attributes,
    meta: { resourceType: 'Schema', location: `${exchange.baseUrl}/Schemas/${schema.id}` },
  }
}

/** GET /Schemas and /Schemas/:urn. RFC 7644 §4, RFC 7643 §7. */
export function schemas(exchange: Exchange, id?: string): void {
  refuseFilter(exchange)
  const served = servedSchemas(exchange)
  if (id === undefined) {
    const resources = served.map((schema) => schemaBody(exchange, schema))
    sendJson(exchange.response, 200, listResponse(resources.length, 1, resources))
    return
  }
  const schema = served.find((s) => s.id.toLowerCase() === id.toLowerCase())
  if (!schema) throw scimError(404, undefined, 'Schema not found')
  sendJson(exchange.response, 200, schemaBody(exchange, schema))
}
