// Public contract of the router's `telemetry` option: which OpenTelemetry providers receive its spans and metrics.

/**
 * Router option `telemetry`: where express-scim sends its OpenTelemetry spans and metrics. Needs the
 * optional peer dependency `@opentelemetry/api`; without it the router records nothing, at no cost.
 * Leave the option out to use the globally registered providers, or pass `telemetry: false` to record
 * nothing even when a global SDK is registered. The provider types are `unknown` so that hosts without
 * `@opentelemetry/api` need no OpenTelemetry types; a value that is not a provider is a `TypeError`.
 */
export interface TelemetryOptions {
  /**
   * A `TracerProvider` from `@opentelemetry/api` (an SDK's provider, for instance). Default: the global
   * one, `trace.getTracerProvider()`, looked up on every request so that an SDK registered after the
   * router was built is still used.
   */
  readonly tracerProvider?: unknown
  /**
   * A `MeterProvider` from `@opentelemetry/api`. Default: the global one, `metrics.getMeterProvider()`,
   * looked up on every request so that an SDK registered after the router was built is still used.
   */
  readonly meterProvider?: unknown
}
