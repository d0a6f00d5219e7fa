// Checks the router's `telemetry` option: false, or the providers to use (the global ones when left out).
import type { ConfigErrorCode } from '../../types/errors'
import type { TelemetryOptions } from '../../types/telemetry'
import { closestName } from '../closest-name'
import { configError } from '../errors'
import type { OtelMeterProvider, OtelTracerProvider } from './api'

/** The providers the host passed; a missing one means "the global one". */
export interface TelemetryProviders {
  /** The host's tracer provider. */
  readonly tracerProvider?: OtelTracerProvider
  /** The host's meter provider. */
  readonly meterProvider?: OtelMeterProvider
}

const KNOWN_KEYS: readonly (keyof TelemetryOptions)[] = ['tracerProvider', 'meterProvider']

/** A configuration error, as the router's option checks throw them: a TypeError with a stable `code`. */
function fail(code: ConfigErrorCode, message: string): never {
  throw configError(code, message)
}

/**
 * Reads the `telemetry` option: `false` (off), or the providers the host passed. Throws a TypeError
 * (`code` ERR_UNKNOWN_OPTION or ERR_INVALID_OPTION) for anything else, naming the closest key.
 */
export function readTelemetryOptions(
  value: TelemetryOptions | false | undefined,
): TelemetryProviders | false {
  if (value === false) return false
  if (value === undefined) return {}
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    fail('ERR_INVALID_OPTION', 'telemetry must be false or an object { tracerProvider?, meterProvider? }')
  }
  for (const key of Object.keys(value)) {
    if ((KNOWN_KEYS as readonly string[]).includes(key)) continue
    const suggestion = closestName(key, KNOWN_KEYS)
    fail(
      'ERR_UNKNOWN_OPTION',
      `unknown option 'telemetry.${key}'${suggestion ? ` (did you mean '${suggestion}'?)` : ''}`,
    )
  }
  const { tracerProvider, meterProvider } = value
  if (tracerProvider !== undefined && !hasMethod(tracerProvider, 'getTracer')) {
    fail(
      'ERR_INVALID_OPTION',
      'telemetry.tracerProvider must be a TracerProvider (an object with getTracer())',
    )
  }
  if (meterProvider !== undefined && !hasMethod(meterProvider, 'getMeter')) {
    fail('ERR_INVALID_OPTION', 'telemetry.meterProvider must be a MeterProvider (an object with getMeter())')
  }
  return {
    ...(tracerProvider === undefined ? {} : { tracerProvider: tracerProvider as OtelTracerProvider }),
    ...(meterProvider === undefined ? {} : { meterProvider: meterProvider as OtelMeterProvider }),
  }
}

/** Throws when the host passed a provider but `@opentelemetry/api` cannot be loaded: nothing would record. */
export function requireApiFor(providers: TelemetryProviders): void {
  if (providers.tracerProvider === undefined && providers.meterProvider === undefined) return
  fail(
    'ERR_MISSING_DEPENDENCY',
    'telemetry providers were passed but @opentelemetry/api cannot be loaded: install it next to express-scim',
  )
}

function hasMethod(value: unknown, method: string): boolean {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    typeof (value as Record<string, unknown>)[method] === 'function'
  )
}
