// The slice of @opentelemetry/api that telemetry uses, described structurally, and its guarded loader.
//
// The shapes are declared here instead of imported because `@opentelemetry/api` is an optional peer:
// the published declaration files must not name it, or a strict TypeScript host without it would fail
// to typecheck. test/telemetry/api.test.ts checks that the real module fits these shapes.
// Methods use method syntax on purpose: their parameters are then compared bivariantly, which lets the
// real, richer types (Context, Span) stand in for these smaller ones.

/** An attribute value as recorded here: never an array. */
export type OtelAttributeValue = string | number | boolean

/** Attributes of a span, an event or a measurement. */
export type OtelAttributes = Readonly<Record<string, OtelAttributeValue>>

/** The immutable context that carries the active span. */
export interface OtelContext {
  /** Reads a value by key. */
  getValue(key: symbol): unknown
  /** A copy with `key` set. */
  setValue(key: symbol, value: unknown): OtelContext
  /** A copy without `key`. */
  deleteValue(key: symbol): OtelContext
}

/** The span methods telemetry calls. */
export interface OtelSpan {
  /** Sets one attribute. */
  setAttribute(key: string, value: OtelAttributeValue): unknown
  /** Sets the status; telemetry never passes a message (it could hold client data). */
  setStatus(status: { code: number }): unknown
  /** Renames the span once the operation is known. */
  updateName(name: string): unknown
  /** Adds a timed event. */
  addEvent(name: string, attributes?: OtelAttributes): unknown
  /** Ends the span. */
  end(): void
  /** False for a span that records nothing (no SDK registered, or sampled out). Optional in fakes. */
  isRecording?(): boolean
  /** The span's identity; an all-zero trace id when no SDK made it (not merely sampled out). Optional in fakes. */
  spanContext?(): { readonly traceId: string }
}

/** Options of `Tracer.startSpan` that telemetry uses. */
export interface OtelSpanOptions {
  /** A `SpanKind` value. */
  readonly kind?: number
  /** Attributes known at start, so that samplers see them. */
  readonly attributes?: OtelAttributes
}

/** Starts spans. */
export interface OtelTracer {
  /** Starts a span, child of the span in `context`, if any. */
  startSpan(name: string, options?: OtelSpanOptions, context?: OtelContext): OtelSpan
}

/** Hands out tracers. */
export interface OtelTracerProvider {
  /** The tracer of an instrumentation scope. */
  getTracer(name: string, version?: string): OtelTracer
  /**
   * The provider a proxy hands its tracers to (`ProxyTracerProvider`): the SDK's once one registered,
   * else the API's own no-op provider. Absent on providers that are not proxies.
   */
  getDelegate?(): OtelTracerProvider
}

/** Options of the instrument factories that telemetry uses. */
export interface OtelInstrumentOptions {
  /** What the instrument measures. */
  readonly description?: string
  /** UCUM unit: `ms`, `{request}`... */
  readonly unit?: string
}

/** A monotonic counter. */
export interface OtelCounter {
  /** Adds to the counter. */
  add(value: number, attributes?: OtelAttributes): void
}

/** A histogram. */
export interface OtelHistogram {
  /** Records one measurement. */
  record(value: number, attributes?: OtelAttributes): void
}

/** Creates instruments. */
export interface OtelMeter {
  /** A monotonic counter. */
  createCounter(name: string, options?: OtelInstrumentOptions): OtelCounter
  /** A histogram. */
  createHistogram(name: string, options?: OtelInstrumentOptions): OtelHistogram
}

/** Hands out meters. */
export interface OtelMeterProvider {
  /** The meter of an instrumentation scope. */
  getMeter(name: string, version?: string): OtelMeter
}

/** The parts of the `@opentelemetry/api` module that telemetry uses. */
export interface OtelApi {
  /** The trace API. */
  readonly trace: {
    /** The global tracer provider (a proxy until an SDK registers). */
    getTracerProvider(): OtelTracerProvider
    /** A copy of `context` whose active span is `span`. */
    setSpan(context: OtelContext, span: OtelSpan): OtelContext
    /** The span active in `context`, if any. Optional in fakes. */
    getSpan?(context: OtelContext): OtelSpan | undefined
  }
  /** The context API. */
  readonly context: {
    /** The active context (the root context when no context manager is registered). */
    active(): OtelContext
    /** Runs `fn` with `context` active, when a context manager is registered; otherwise just runs it. */
    with<R>(context: OtelContext, fn: () => R): R
  }
  /** The metrics API. */
  readonly metrics: {
    /** The global meter provider (a no-op until an SDK registers). */
    getMeterProvider(): OtelMeterProvider
  }
  /** The proxy class of the global tracer provider; a new one delegates to the API's no-op provider. Optional in fakes. */
  readonly ProxyTracerProvider?: new () => OtelTracerProvider
  /** The API's own no-op meter, the one a no-op meter provider hands out. Optional in fakes. */
  createNoopMeter?(): OtelMeter
  /** Span kinds. */
  readonly SpanKind: { readonly INTERNAL: number }
  /** Span status codes. */
  readonly SpanStatusCode: { readonly ERROR: number }
}

/** The module name of the optional peer dependency. */
export const OTEL_API_MODULE = '@opentelemetry/api'

/** Loads the API module, or answers undefined when it cannot be loaded. */
export type ApiLoader = () => OtelApi | undefined

/**
 * Loads `@opentelemetry/api` with a guarded `require`, only when a router is built (never at import
 * time), so that hosts without the optional peer pay nothing. Only "not installed" is swallowed: a module
 * that is present but fails to load is a broken install, and hiding it would hide every span.
 */
export const loadOpenTelemetryApi: ApiLoader = () => {
  try {
    return require(OTEL_API_MODULE) as OtelApi
  } catch (error) {
    if (isModuleNotFound(error)) return undefined
    throw error
  }
}

// Node says MODULE_NOT_FOUND also for a file missing inside an installed package: only the package
// itself being absent counts.
function isModuleNotFound(error: unknown): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown }
  return (
    code === 'MODULE_NOT_FOUND' && typeof message === 'string' && message.includes(`'${OTEL_API_MODULE}'`)
  )
}
