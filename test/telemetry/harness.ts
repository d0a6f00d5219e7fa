// Test providers for telemetry: an SDK tracer provider with an in-memory span exporter, a meter provider
// read on demand, and a synchronous context manager.
import { type Context, type ContextManager, ROOT_CONTEXT } from '@opentelemetry/api'
import {
  type DataPoint,
  type Histogram,
  MeterProvider,
  type MetricData,
  MetricReader,
} from '@opentelemetry/sdk-metrics'
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base'

/** A metric reader that collects when asked: no timer, no exporter. */
class OnDemandReader extends MetricReader {
  protected override async onShutdown(): Promise<void> {}
  protected override async onForceFlush(): Promise<void> {}
}

/** A tracer provider and a meter provider whose output the test reads. */
export interface TestProviders {
  readonly tracerProvider: BasicTracerProvider
  readonly meterProvider: MeterProvider
  /** Every ended span, in the order they ended. */
  spans(): ReadableSpan[]
  /** The ended span named `name`; fails when there is not exactly one. */
  span(name: string): ReadableSpan
  /** The metric named `name` as collected now, or undefined when nothing was recorded on it. */
  metric(name: string): Promise<MetricData | undefined>
  /** The instrumentation scopes that recorded metrics, as collected now. */
  scopes(): Promise<{ name: string; version?: string }[]>
}

/** Builds fresh providers; each call has its own exporter and reader. */
export function testProviders(): TestProviders {
  const exporter = new InMemorySpanExporter()
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] })
  const reader = new OnDemandReader()
  const meterProvider = new MeterProvider({ readers: [reader] })
  const collect = async () => {
    const { resourceMetrics, errors } = await reader.collect()
    if (errors.length > 0) throw errors[0]
    return resourceMetrics.scopeMetrics
  }
  return {
    tracerProvider,
    meterProvider,
    spans: () => exporter.getFinishedSpans(),
    span(name) {
      const found = exporter.getFinishedSpans().filter((s) => s.name === name)
      if (found.length !== 1) {
        const names = exporter.getFinishedSpans().map((s) => s.name)
        throw new Error(`expected one span '${name}', found ${found.length} among ${JSON.stringify(names)}`)
      }
      return found[0]!
    },
    async metric(name) {
      const metrics = (await collect()).flatMap((scope) => scope.metrics)
      return metrics.find((m) => m.descriptor.name === name)
    },
    async scopes() {
      return (await collect()).map(({ scope }) => ({ name: scope.name, version: scope.version }))
    },
  }
}

/** The value of the data point whose attributes are exactly `attributes`, or undefined. */
export function pointValue<T>(
  metric: MetricData | undefined,
  attributes: Record<string, unknown>,
): T | undefined {
  const points = (metric?.dataPoints ?? []) as DataPoint<T>[]
  const wanted = JSON.stringify(sortKeys(attributes))
  return points.find((p) => JSON.stringify(sortKeys(p.attributes)) === wanted)?.value
}

/** The attribute sets of every data point. */
export function pointAttributes(metric: MetricData | undefined): Record<string, unknown>[] {
  return ((metric?.dataPoints ?? []) as DataPoint<unknown>[]).map((p) => ({ ...p.attributes }))
}

/** Histogram values are objects; this is their type, for pointValue<HistogramValue>. */
export type HistogramValue = Histogram

function sortKeys(record: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => a.localeCompare(b)))
}

/**
 * A synchronous context manager: `with` makes a context active for the duration of a call (and of the
 * promise's synchronous start, which is all the tests need). Hosts use AsyncLocalStorage instead.
 */
export class SyncContextManager implements ContextManager {
  private current: Context = ROOT_CONTEXT
  active(): Context {
    return this.current
  }
  with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(
    context: Context,
    fn: F,
    thisArg?: ThisParameterType<F>,
    ...args: A
  ): ReturnType<F> {
    const previous = this.current
    this.current = context
    try {
      return fn.call(thisArg, ...args)
    } finally {
      this.current = previous
    }
  }
  bind<T>(_context: Context, target: T): T {
    return target
  }
  enable(): this {
    return this
  }
  disable(): this {
    this.current = ROOT_CONTEXT
    return this
  }
}

/** Everything a span says, as text: name, attributes, events and status. For "never recorded" checks. */
export function spanText(span: ReadableSpan): string {
  return JSON.stringify({
    name: span.name,
    attributes: span.attributes,
    events: span.events.map((e) => ({ name: e.name, attributes: e.attributes })),
    status: span.status,
    links: span.links.map((l) => l.attributes),
  })
}
