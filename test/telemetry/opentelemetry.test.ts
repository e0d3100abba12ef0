import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base'
import { AggregationTemporality, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics'
import { afterEach, describe, expect, it } from 'vitest'
import { createRelay, sqliteStorage, type Relay } from '../../src/index.js'
import { generateSecret, sign } from '../../src/signing/index.js'
import { startReceiver, type TestReceiver } from '../support/receiver.js'
import { eventually } from '../support/eventually.js'

describe('OpenTelemetry', () => {
  let relay: Relay | undefined
  let receiver: TestReceiver | undefined
  afterEach(async () => {
    await relay?.stop()
    await receiver?.close()
    relay = undefined
    receiver = undefined
  })

  function providers() {
    const spans = new InMemorySpanExporter()
    const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] })
    const metrics = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE)
    const reader = new PeriodicExportingMetricReader({ exporter: metrics, exportIntervalMillis: 3_600_000 })
    const meterProvider = new MeterProvider({ readers: [reader] })
    const collect = async () => {
      await reader.forceFlush()
      const points = new Map<string, { attributes: Record<string, unknown>; value: unknown }[]>()
      for (const resource of metrics.getMetrics()) {
        for (const scope of resource.scopeMetrics) {
          for (const metric of scope.metrics) {
            points.set(metric.descriptor.name, metric.dataPoints.map((p) => ({ attributes: p.attributes, value: p.value })))
          }
        }
      }
      return points
    }
    return { spans, tracerProvider, meterProvider, collect }
  }

  it('traces send() to each attempt, sends a traceparent, and counts attempts by outcome with their latency', async () => {
    const otel = providers()
    receiver = await startReceiver()
    relay = createRelay({
      storage: sqliteStorage({ filename: ':memory:' }),
      network: { allowPrivate: true },
      openTelemetry: { tracerProvider: otel.tracerProvider, meterProvider: otel.meterProvider },
    })
    await relay.start()
    await relay.endpoints.create({ url: `${receiver.url}/hook` })
    const { messageId } = await relay.send({ type: 'order.created', data: { id: 1 } })
    const [request] = await receiver.waitFor(1, 20_000)

    await eventually(() => expect(otel.spans.getFinishedSpans().map((s) => s.name).sort()).toEqual(['hookrelay.deliver', 'hookrelay.send']))
    const send = otel.spans.getFinishedSpans().find((s) => s.name === 'hookrelay.send')!
    const deliver = otel.spans.getFinishedSpans().find((s) => s.name === 'hookrelay.deliver')!
    expect(deliver.spanContext().traceId).toBe(send.spanContext().traceId)
    expect(deliver.parentSpanContext?.spanId).toBe(send.spanContext().spanId)
    expect(deliver.links.map((l) => l.context.spanId)).toEqual([send.spanContext().spanId])
    expect(deliver.attributes).toMatchObject({ 'messaging.message.id': messageId, 'http.response.status_code': 200, 'hookrelay.attempt': 1 })
    expect(request!.headers.traceparent).toBe(`00-${deliver.spanContext().traceId}-${deliver.spanContext().spanId}-01`)

    await eventually(async () => {
      const points = await otel.collect()
      expect(points.get('hookrelay.delivery.attempts')).toEqual([{ attributes: { outcome: 'succeeded' }, value: 1 }])
      expect((points.get('hookrelay.delivery.attempt.duration')![0]!.value as { count: number }).count).toBe(1)
      expect(points.get('hookrelay.delivery.backlog')).toEqual([{ attributes: {}, value: 0 }])
      expect(points.has('hookrelay.delivery.oldest_pending_age')).toBe(true)
    })
  })

  it("continues a sender's traceparent into the handler span, and counts inbound results", async () => {
    const otel = providers()
    relay = createRelay({
      storage: sqliteStorage({ filename: ':memory:' }),
      openTelemetry: { tracerProvider: otel.tracerProvider, meterProvider: otel.meterProvider },
    })
    const secret = generateSecret()
    const receiverOf = relay.receiver({ name: 'partner', scheme: 'standard', secret })
    const handled: string[] = []
    receiverOf.on('*', async (event) => {
      handled.push(event.type)
    })
    await relay.start()
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736'
    const payload = JSON.stringify({ type: 'invoice.paid', data: {} })
    const headers = { ...sign({ scheme: 'standard', secret, id: 'msg_1', payload }), traceparent: `00-${traceId}-00f067aa0ba902b7-01`, 'content-type': 'application/json' }
    expect((await receiverOf.handle({ body: payload, headers })).status).toBe(200)
    expect((await receiverOf.handle({ body: payload, headers })).status).toBe(200) // a duplicate
    expect((await receiverOf.handle({ body: payload, headers: { 'content-type': 'application/json' } })).status).toBeGreaterThanOrEqual(400)

    await eventually(() => expect(otel.spans.getFinishedSpans().map((s) => s.name)).toContain('hookrelay.handle'))
    const handle = otel.spans.getFinishedSpans().find((s) => s.name === 'hookrelay.handle')!
    expect(handle.spanContext().traceId).toBe(traceId)
    expect(handle.parentSpanContext?.spanId).toBe('00f067aa0ba902b7')
    expect(handled).toEqual(['invoice.paid'])
    const results = (await otel.collect()).get('hookrelay.inbound.requests')!.map((p) => [p.attributes.result, p.value]).sort()
    expect(results).toEqual([['accepted', 1], ['duplicate', 1], ['rejected', 1]])
  })

  it('sends no traceparent and loads nothing when off', async () => {
    receiver = await startReceiver()
    relay = createRelay({ storage: sqliteStorage({ filename: ':memory:' }), network: { allowPrivate: true } })
    await relay.start()
    await relay.endpoints.create({ url: `${receiver.url}/hook` })
    await relay.send({ type: 'order.created', data: {} })
    const [request] = await receiver.waitFor(1, 20_000)
    expect(request!.headers.traceparent).toBeUndefined()
  })
})
