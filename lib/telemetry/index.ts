// Telemetry's entry: createTelemetry() picks the providers and answers the Telemetry the router traces requests with.
import type { TelemetryOptions } from '../../types/telemetry'
import { type ApiLoader, loadOpenTelemetryApi, type OtelApi } from './api'
import type { RequestTrace, Telemetry } from './contract'
import { createInstruments, fromProvider } from './instruments'
import { SCOPE_NAME } from './names'
import { NO_TELEMETRY, NO_TRACE } from './noop'
import { readTelemetryOptions, requireApiFor, type TelemetryProviders } from './options'
import { ActiveRequestTrace } from './request-trace'

export type { TelemetryOptions } from '../../types/telemetry'
export type { RequestTrace, Telemetry } from './contract'
export { NO_TELEMETRY } from './noop'

/**
 * Builds the telemetry of one router. `false` turns telemetry off; undefined (or an object without
 * providers) uses the global providers when `@opentelemetry/api` is installed. Without the API the answer
 * is `NO_TELEMETRY`, which costs nothing per request. Each call creates its own tracer and instruments:
 * two routers never share state. Throws a TypeError for an option that is not a provider, or for
 * providers passed while the API cannot be loaded.
 * @param packageVersion the version of express-scim, recorded as the instrumentation scope's version.
 * @param loadApi internal, for tests: loads `@opentelemetry/api` (default: a guarded `require`).
 */
export function createTelemetry(
  options: TelemetryOptions | false | undefined,
  packageVersion: string,
  loadApi: ApiLoader = loadOpenTelemetryApi,
): Telemetry {
  const providers = readTelemetryOptions(options)
  if (providers === false) return NO_TELEMETRY
  const api = loadApi()
  if (api === undefined) {
    requireApiFor(providers)
    return NO_TELEMETRY
  }
  return liveTelemetry(api, providers, packageVersion)
}

function liveTelemetry(api: OtelApi, providers: TelemetryProviders, version: string): Telemetry {
  const tracer = fromProvider(
    providers.tracerProvider,
    () => api.trace.getTracerProvider(),
    (provider) => provider.getTracer(SCOPE_NAME, version),
  )
  const instruments = fromProvider(
    providers.meterProvider,
    () => api.metrics.getMeterProvider(),
    (provider) => createInstruments(provider.getMeter(SCOPE_NAME, version), api.createNoopMeter?.()),
  )
  const silent = providers.tracerProvider === undefined ? silentWithoutSdk(api) : undefined
  return Object.freeze({
    startRequest: (method: string, route: string): RequestTrace => {
      try {
        if (silent !== undefined && instruments().noop && silent()) return NO_TRACE
        const trace = new ActiveRequestTrace(api, tracer(), instruments(), method, route)
        // The API is installed but nothing listens (no SDK, or this trace sampled out, and no meter): the
        // request is served as with telemetry off, without a span, a context or a clock read per store call.
        return trace.recordsNothing() ? NO_TRACE : trace
      } catch {
        // A tracer or meter that throws costs this request its trace, never its answer.
        return NO_TRACE
      }
    },
  })
}

/**
 * For the global tracer provider: a check, cheap enough for every request, that no SDK has registered a
 * tracer (the global proxy still delegates to the API's own no-op provider) and no span is active (a host
 * may propagate a trace without an SDK). Then a request span would be a no-op that carries nothing, and
 * the request needs none: this spares building one and asking it (`recordsNothing`), which is what a
 * request costs otherwise. Undefined when the API cannot tell (no proxy class, or no `getSpan`): every
 * request then asks its span.
 */
function silentWithoutSdk(api: OtelApi): (() => boolean) | undefined {
  const { ProxyTracerProvider } = api
  if (ProxyTracerProvider === undefined || api.trace.getSpan === undefined) return undefined
  const noSdk = new ProxyTracerProvider().getDelegate?.()
  if (noSdk === undefined) return undefined
  return () =>
    api.trace.getTracerProvider().getDelegate?.() === noSdk &&
    api.trace.getSpan!(api.context.active()) === undefined
}
