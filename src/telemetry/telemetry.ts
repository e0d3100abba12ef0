import type * as Otel from '@opentelemetry/api'

type Api = typeof Otel

/** What the relay reads for the backlog gauges, at each metric collection. */
export type BacklogReader = () => Promise<{ pending: number; lagMs: number }>

const CIRCUIT_VALUE: Record<string, number> = { 'circuit.closed': 0, 'circuit.half_open': 1, 'circuit.opened': 2 }

/**
 * hookrelay's spans and metrics once `@opentelemetry/api` is loaded (see `loadTelemetry`). The
 * relay holds `null` instead when OpenTelemetry is off, so the hot path pays one null check.
 *
 * Spans: `hookrelay.send` (PRODUCER) around each `send()`/`sendMany()`, its context stored with
 * each message as a W3C `traceparent`; `hookrelay.deliver` (CLIENT) per HTTP attempt, child of and
 * linked to the send span, whose context goes out as the `traceparent` header; `hookrelay.handle`
 * (CONSUMER) around a received webhook's handlers, continuing the sender's `traceparent`.
 * Metrics are fed by the relay's own events (see `observe`) and two observable gauges.
 */
export class Telemetry {
  readonly #api: Api
  readonly #tracer: Otel.Tracer
  readonly #attempts: Otel.Counter
  readonly #latency: Otel.Histogram
  readonly #inbound: Otel.Counter
  readonly #circuits = new Map<string, number>()

  constructor(api: Api, tracerProvider: Otel.TracerProvider, meterProvider: Otel.MeterProvider, version: string, backlog: BacklogReader) {
    this.#api = api
    this.#tracer = tracerProvider.getTracer('hookrelay', version)
    const meter = meterProvider.getMeter('hookrelay', version)
    this.#attempts = meter.createCounter('hookrelay.delivery.attempts', { description: 'HTTP delivery attempts, by outcome' })
    this.#latency = meter.createHistogram('hookrelay.delivery.attempt.duration', { description: 'Duration of HTTP delivery attempts', unit: 'ms' })
    this.#inbound = meter.createCounter('hookrelay.inbound.requests', { description: 'Received webhooks, by result (accepted, duplicate, rejected)' })
    const pending = meter.createObservableGauge('hookrelay.delivery.backlog', { description: 'Deliveries pending or in flight' })
    const oldest = meter.createObservableGauge('hookrelay.delivery.oldest_pending_age', { description: 'How long the longest-waiting due delivery has waited', unit: 'ms' })
    meter.addBatchObservableCallback(async (result) => {
      const read = await backlog()
      result.observe(pending, read.pending)
      result.observe(oldest, read.lagMs)
    }, [pending, oldest])
    const circuit = meter.createObservableGauge('hookrelay.circuit.state', { description: 'Circuit state per endpoint seen by this process: 0 closed, 1 half-open, 2 open' })
    circuit.addCallback((result) => {
      for (const [endpointId, value] of this.#circuits) result.observe(value, { 'hookrelay.endpoint.id': endpointId })
    })
  }

  /** Runs a send inside a `hookrelay.send` span; `traceparent` is what each of its messages stores. */
  async send<T>(count: number, run: (traceparent: string) => Promise<T>): Promise<T> {
    return this.#tracer.startActiveSpan('hookrelay.send', { kind: this.#api.SpanKind.PRODUCER, attributes: { 'messaging.batch.message_count': count } }, (span) => this.#within(span, () => run(traceparentOf(span.spanContext()))))
  }

  /** Starts a `hookrelay.deliver` span for one attempt; returns its `traceparent` header and how to end it. */
  attempt(attributes: { messageId: string; deliveryId: string; endpointId: string; attempt: number; url: string }, stored: string | null | undefined) {
    const { parent, context } = this.#continuing(stored)
    const span = this.#tracer.startSpan(
      'hookrelay.deliver',
      {
        kind: this.#api.SpanKind.CLIENT,
        ...(parent ? { links: [{ context: parent }] } : {}),
        attributes: {
          'messaging.message.id': attributes.messageId,
          'hookrelay.delivery.id': attributes.deliveryId,
          'hookrelay.endpoint.id': attributes.endpointId,
          'hookrelay.attempt': attributes.attempt,
          'url.full': attributes.url,
        },
      },
      context,
    )
    return {
      traceparent: traceparentOf(span.spanContext()),
      end: (statusCode: number | null, error: string | null) => {
        if (statusCode !== null) span.setAttribute('http.response.status_code', statusCode)
        if (error !== null || statusCode === null || statusCode >= 300) span.setStatus({ code: this.#api.SpanStatusCode.ERROR, ...(error ? { message: error } : {}) })
        span.end()
      },
    }
  }

  /** Runs a received webhook's handlers in a `hookrelay.handle` span continuing the sender's `traceparent`. */
  handle<T>(attributes: { source: string; id: string; type: string }, traceparent: string | undefined, run: () => Promise<T>): Promise<T> {
    const { context } = this.#continuing(traceparent)
    return this.#tracer.startActiveSpan(
      'hookrelay.handle',
      { kind: this.#api.SpanKind.CONSUMER, attributes: { 'hookrelay.receiver': attributes.source, 'hookrelay.inbound.id': attributes.id, 'hookrelay.event.type': attributes.type } },
      context,
      (span) => this.#within(span, run),
    )
  }

  /** Runs `run` in `span`: a failure is recorded on it and rethrown, and the span always ends. */
  async #within<T>(span: Otel.Span, run: () => Promise<T>): Promise<T> {
    try {
      return await run()
    } catch (error) {
      span.recordException(error as Error)
      span.setStatus({ code: this.#api.SpanStatusCode.ERROR })
      throw error
    } finally {
      span.end()
    }
  }

  /** The context continuing a W3C `traceparent` (stored with a message, or a sender's header); the root without one. */
  #continuing(traceparent: string | null | undefined): { parent: Otel.SpanContext | undefined; context: Otel.Context } {
    const parent = traceparent ? parseTraceparent(traceparent) : undefined
    return { parent, context: parent ? this.#api.trace.setSpanContext(this.#api.ROOT_CONTEXT, parent) : this.#api.ROOT_CONTEXT }
  }

  /** Metrics from the relay's events: attempts and their latency, inbound results, circuit states. */
  observe(name: string, payload: unknown): void {
    const event = payload as { durationMs?: number; endpointId?: string; attempt?: number } | undefined
    switch (name) {
      case 'delivery.succeeded':
      case 'delivery.failed':
      case 'delivery.dead': {
        // A dead letter without an attempt (endpoint disabled or deleted) made no request.
        if (name === 'delivery.dead' && event?.attempt === 0) return
        const outcome = name.slice('delivery.'.length)
        this.#attempts.add(1, { outcome })
        if (event?.durationMs !== undefined) this.#latency.record(event.durationMs, { outcome })
        return
      }
      case 'inbound.accepted':
      case 'inbound.duplicate':
      case 'inbound.rejected':
        this.#inbound.add(1, { result: name.slice('inbound.'.length) })
        return
      case 'circuit.opened':
      case 'circuit.half_open':
      case 'circuit.closed':
        if (event?.endpointId) this.#circuits.set(event.endpointId, CIRCUIT_VALUE[name]!)
        return
    }
  }
}

function traceparentOf(context: Otel.SpanContext): string {
  return `00-${context.traceId}-${context.spanId}-${(context.traceFlags & 1).toString(16).padStart(2, '0')}`
}

/** A W3C `traceparent` (version 00) as a remote span context, or undefined when malformed. */
export function parseTraceparent(value: string): Otel.SpanContext | undefined {
  const match = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/.exec(value.trim())
  if (!match || match[1] === 'ff' || /^0+$/.test(match[2]!) || /^0+$/.test(match[3]!)) return undefined
  return { traceId: match[2]!, spanId: match[3]!, traceFlags: Number.parseInt(match[4]!, 16), isRemote: true }
}
