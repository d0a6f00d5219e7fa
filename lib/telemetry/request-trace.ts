// One request's span and measurements: the RequestTrace that telemetry hands out when it is on.

import { performance } from 'node:perf_hooks'
import { errorClass } from '../log'
import type { OtelApi, OtelContext, OtelSpan, OtelTracer } from './api'
import type { RequestTrace } from './contract'
import type { Instruments } from './instruments'
import { ATTR, RETRY_EVENT, requestSpanName, storeSpanName, UNKNOWN_OPERATION } from './names'

// HTTP's method registry as OpenTelemetry's semantic conventions know it; anything else is `_OTHER`, so a
// client cannot choose what lands in a span name or an attribute.
const KNOWN_METHODS: ReadonlySet<string> = new Set([
  'CONNECT',
  'DELETE',
  'GET',
  'HEAD',
  'OPTIONS',
  'PATCH',
  'POST',
  'PUT',
  'QUERY',
  'TRACE',
])

// An error class name is code, not data; anything that does not look like an identifier is `_OTHER`.
/** What a `scimType` looks like (RFC 7644 §3.12 keywords are camelCase words). */
const SCIM_TYPE = /^[A-Za-z]{1,32}$/

/** Runs a call into the host's tracer or meter: a throw there costs the trace, never the request. */
function quietly(run: () => void): void {
  try {
    run()
  } catch {
    // Telemetry is best effort by design.
  }
}

/** The trace of one request on a live tracer and meter. */
export class ActiveRequestTrace implements RequestTrace {
  private readonly span: OtelSpan
  /** The context active when the request started: the parent of the request span. */
  private readonly parent: OtelContext
  /** `parent` with the request span set: the parent of store spans. Built on the first store call. */
  private context: OtelContext | undefined
  private operation = UNKNOWN_OPERATION
  private ended = false

  /** Starts the request span as a child of the active context. */
  constructor(
    private readonly api: OtelApi,
    private readonly tracer: OtelTracer,
    private readonly instruments: Instruments,
    method: string,
    route: string,
  ) {
    const knownMethod = KNOWN_METHODS.has(method) ? method : '_OTHER'
    this.parent = api.context.active()
    // INTERNAL: the host's HTTP instrumentation owns the SERVER span, this one nests under it.
    this.span = tracer.startSpan(
      requestSpanName(knownMethod),
      {
        kind: api.SpanKind.INTERNAL,
        attributes:
          route === '' ? { [ATTR.method]: knownMethod } : { [ATTR.method]: knownMethod, [ATTR.route]: route },
      },
      this.parent,
    )
  }

  /**
   * True when no SDK made the span and the instruments are no-ops: nothing would be recorded or carried.
   * A span sampled out by an SDK is kept: its context tells the host's own spans and outgoing calls that
   * the trace is not sampled. The span is ended when this answers true.
   */
  recordsNothing(): boolean {
    if (!this.instruments.noop || this.span.isRecording?.() !== false) return false
    if (!/^0*$/.test(this.span.spanContext?.().traceId ?? 'x')) return false
    this.ended = true
    quietly(() => this.span.end())
    return true
  }

  setOperation(operation: string): void {
    if (this.ended) return
    this.operation = operation
    quietly(() => {
      this.span.updateName(requestSpanName(operation))
      this.span.setAttribute(ATTR.operation, operation)
    })
  }

  setTenant(tenant: string): void {
    if (!this.ended) quietly(() => this.span.setAttribute(ATTR.tenant, tenant))
  }

  async storeCall<T>(name: string, call: () => T | PromiseLike<T>): Promise<T> {
    const { api } = this
    let span: OtelSpan
    let active: OtelContext
    try {
      // The parent is passed explicitly: store spans nest under the request span with no context manager.
      this.context ??= api.trace.setSpan(this.parent, this.span)
      span = this.tracer.startSpan(
        storeSpanName(name),
        { kind: api.SpanKind.INTERNAL, attributes: { [ATTR.storeCall]: name } },
        this.context,
      )
      active = api.trace.setSpan(this.context, span)
    } catch {
      // A tracer that throws costs the trace, never the store call.
      return call()
    }
    const started = performance.now()
    let outcome = 'ok'
    let called = false
    const run = () => {
      called = true
      return call()
    }
    try {
      // Made active too, so that the host's own spans (its database driver's) nest under the store span
      // when a context manager is registered; without one, `with` just runs the call.
      return await api.context.with(active, run)
    } catch (error) {
      if (!called) return call()
      outcome = 'error'
      // No message and no recordException: the error may quote the request (a userName, a filter value).
      quietly(() => {
        span.setStatus({ code: api.SpanStatusCode.ERROR })
        span.setAttribute(ATTR.errorType, errorType(error))
      })
      throw error
    } finally {
      quietly(() => {
        this.instruments.storeDuration.record(performance.now() - started, {
          [ATTR.storeCall]: name,
          [ATTR.outcome]: outcome,
        })
        span.end()
      })
    }
  }

  retried(resourceType: string): void {
    quietly(() => {
      this.instruments.retries.add(1, { [ATTR.resourceType]: resourceType })
      if (!this.ended) this.span.addEvent(RETRY_EVENT, { [ATTR.resourceType]: resourceType })
    })
  }

  end(status: number, scimType?: string): void {
    if (this.ended) return
    this.ended = true
    const { span } = this
    quietly(() => {
      span.setAttribute(ATTR.status, status)
      // A host's error may carry any scimType: only a keyword is recorded.
      if (scimType !== undefined && SCIM_TYPE.test(scimType)) span.setAttribute(ATTR.scimType, scimType)
      // A 4xx is the client's mistake, not a failure of the server (OpenTelemetry's HTTP conventions).
      if (status >= 500) {
        span.setStatus({ code: this.api.SpanStatusCode.ERROR })
        span.setAttribute(ATTR.errorType, String(status))
      }
    })
    quietly(() =>
      this.instruments.requests.add(1, { [ATTR.operation]: this.operation, [ATTR.status]: status }),
    )
    quietly(() => span.end())
  }
}

/** The error's class name (`PreconditionFailedError`, `TypeError`), or `_OTHER`; never its message. */
export function errorType(error: unknown): string {
  return errorClass(error)
}
