// createScimRouter(): wiring only. Checks the options once, wraps the host's stores in the gateway, builds the route table and the telemetry, and hands each request to the HTTP adapter.
import type { ScimRouter, ScimRouterOptions } from '../types/router'
import { createStoreGateway } from './gateway'
import { handleHttp, RequestIds, type RouterParts } from './http/adapter'
import { parseOptions } from './options'
import { RouteTable } from './resources/routes'
import { createTelemetry } from './telemetry'
import { PACKAGE_VERSION } from './version'

/**
 * Creates the SCIM router a host mounts with `app.use('/scim', createScimRouter(options))`. Options are
 * checked here, once: a bad option throws a `TypeError`. The router answers every request under its
 * mount path (and under `/v2` below it) with SCIM responses and errors; it keeps no state outside
 * itself, so two routers in one process never see each other.
 */
export function createScimRouter(options: ScimRouterOptions): ScimRouter {
  const config = parseOptions(options)
  const parts: RouterParts = {
    config,
    routes: new RouteTable({
      groups: config.teamStore !== undefined,
      me: config.resolveMe !== undefined,
      roles: config.roleStore !== undefined,
      entitlements: config.entitlementStore !== undefined,
      bulk: config.bulk,
    }),
    gateway: createStoreGateway(config),
    telemetry: createTelemetry(config.telemetry, PACKAGE_VERSION),
    requestIds: new RequestIds(),
  }
  return function scimRouter(request, response): void {
    void handleHttp(parts, request, response)
  }
}
