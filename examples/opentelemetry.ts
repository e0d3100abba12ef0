/**
 * OpenTelemetry: hookrelay's spans and metrics exported to the console. A send() span, a span per
 * delivery attempt continuing its trace (the receiver gets a W3C `traceparent` header), and the
 * delivery metrics, printed by the SDK's console exporters.
 *
 *   npx tsx examples/opentelemetry.ts
 *
 * In your app, register the SDK you already use (NodeSDK with an OTLP exporter, say) and pass
 * `openTelemetry: true`; `@opentelemetry/api` is an optional peer dependency of hookrelay.
 */
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { ConsoleMetricExporter, MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics'
import { BasicTracerProvider, ConsoleSpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base'
// In your app: import { createRelay, sqliteStorage } from 'hookrelay'
import { createRelay, sqliteStorage } from '../src/index.js'

const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(new ConsoleSpanExporter())] })
const reader = new PeriodicExportingMetricReader({ exporter: new ConsoleMetricExporter(), exportIntervalMillis: 60_000 })
const meterProvider = new MeterProvider({ readers: [reader] })

// A receiver that prints the traceparent it got.
const delivered = new Promise<void>((resolve) => {
  const server = http.createServer((req, res) => {
    console.log(`receiver: traceparent ${req.headers.traceparent}`)
    res.end()
    server.close()
    resolve()
  })
  server.listen(0, '127.0.0.1', () => void start((server.address() as AddressInfo).port))
})

const relay = createRelay({
  storage: sqliteStorage({ filename: ':memory:' }),
  network: { allowPrivate: true }, // the receiver is on 127.0.0.1
  openTelemetry: { tracerProvider, meterProvider },
})

async function start(port: number): Promise<void> {
  await relay.start()
  await relay.endpoints.create({ url: `http://127.0.0.1:${port}/webhooks` })
  await relay.send({ type: 'order.created', data: { id: 'ord_1', amount: 4200 } })
}

await delivered
await new Promise((resolve) => setTimeout(resolve, 200)) // the attempt's outcome is settled and measured
await reader.forceFlush()
await relay.stop()
await tracerProvider.shutdown()
await meterProvider.shutdown()
