// /Roles and /Entitlements (draft-ietf-scim-roles-entitlements; Okta's entitlement discovery): the host's catalogue, read-only, filtered, sorted and paged.
import type { AttributePath, Filter } from '../../types/filter'
import { scimError } from '../errors'
import type { RequestGrants } from '../gateway'
import { grantResource } from '../representation/grants'
import { locationOf } from '../representation/resources'
import type { GrantKind } from '../schema/grants'
import {
  type ListParameters,
  listParametersFromQuery,
  listParametersFromSearch,
  projectionFromQuery,
} from './list-query'
import { listQuery, listResponseText, ResponseBudget } from './lists'
import { projectionFor, readBody, type ScimRequest } from './request'
import { jsonResponse, type ScimResponse } from './response'

const ENDPOINTS: Readonly<Record<GrantKind, 'Roles' | 'Entitlements'>> = {
  Role: 'Roles',
  Entitlement: 'Entitlements',
}

/** The path without its schema when that is the type's core schema: the same attribute (RFC 7644 §3.10). */
function unqualifiedPath(path: AttributePath, core: string): AttributePath {
  if (path.schema === undefined || path.schema.toLowerCase() !== core) return path
  const { schema: _, ...rest } = path
  return rest
}

/**
 * The filter with paths qualified by the type's core URN written unqualified, as RFC 7644 §3.10 reads
 * them: a catalogue answers `urn:okta:scim:schemas:core:1.0:Role:displayName` whichever URNs it was
 * built with. The depth is bounded by the parser's `maxDepth`.
 */
function unqualified(filter: Filter, core: string): Filter {
  switch (filter.kind) {
    case 'and':
    case 'or':
      return { ...filter, filters: filter.filters.map((f) => unqualified(f, core)) }
    case 'not':
      return { ...filter, filter: unqualified(filter.filter, core) }
    default:
      // A comparison, `pr`, or a value path (whose inner paths are relative to the element).
      return { ...filter, path: unqualifiedPath(filter.path, core) }
  }
}

function notFound(kind: GrantKind): Error {
  return scimError(404, undefined, `${kind} not found`)
}

function storeOf(request: ScimRequest, kind: GrantKind): RequestGrants {
  // The router serves the endpoint only with the store; this guards the type.
  const store = kind === 'Role' ? request.stores.roles : request.stores.entitlements
  if (!store) throw notFound(kind)
  return store
}

/** The URN the type's resources carry (`grantSchemas`: the draft's or Okta's). */
function schemaOf(request: ScimRequest, kind: GrantKind): string {
  return request.config.registry.getResourceType(kind)!.schema
}

/** GET /Roles/:id or /Entitlements/:id: the grant whose value is the id. */
export async function getGrant(request: ScimRequest, kind: GrantKind, id: string): Promise<ScimResponse> {
  const view = projectionFor(request, kind, projectionFromQuery(request.query))
  const grant = await storeOf(request, kind).get(id)
  if (!grant) throw notFound(kind)
  const resource = grantResource(
    grant,
    kind,
    schemaOf(request, kind),
    locationOf(request.baseUrl, ENDPOINTS[kind], grant.value),
  )
  return jsonResponse(200, view.apply(resource))
}

/**
 * GET /Roles, /Entitlements and their POST /.search (RFC 7644 §3.4.2, §3.4.3): index paging only (the
 * catalogue is small and changes rarely), within the response byte budget.
 */
export async function listGrants(
  request: ScimRequest,
  kind: GrantKind,
  parameters: ListParameters = listParametersFromQuery(request.query),
): Promise<ScimResponse> {
  if (parameters.cursor !== undefined)
    throw scimError(400, 'invalidCursor', `${ENDPOINTS[kind]} are paged by startIndex, not by cursor`)
  const view = projectionFor(request, kind, parameters)
  const checked = listQuery(request.config, kind, parameters)
  const schema = schemaOf(request, kind)
  const core = schema.toLowerCase()
  const query = {
    ...checked,
    ...(checked.filter ? { filter: unqualified(checked.filter, core) } : {}),
    ...(checked.sortBy ? { sortBy: unqualifiedPath(checked.sortBy, core) } : {}),
  }
  const page = await storeOf(request, kind).list(query)
  const budget = new ResponseBudget(request.config.maxResponseBytes)
  const resources: string[] = []
  for (const grant of page.resources) {
    const json = budget.take(
      view.apply(
        grantResource(grant, kind, schema, locationOf(request.baseUrl, ENDPOINTS[kind], grant.value)),
      ),
    )
    if (json === undefined) break
    resources.push(json)
  }
  return jsonResponse(200, listResponseText(page.totalResults, parameters.startIndex, resources))
}

/** POST /Roles/.search or /Entitlements/.search. */
export function searchGrants(request: ScimRequest, kind: GrantKind): Promise<ScimResponse> {
  return listGrants(request, kind, listParametersFromSearch(readBody(request)))
}
