/**
 * Prometheus metrics from the relay's events with prom-client: counters and a latency histogram
 * fed by `delivery.*`, `inbound.*` and `circuit.*` events, plus gauges read from `relay.stats()`
 * at scrape time (backlog and lag), exposed on GET /metrics.
 *
 *   npx tsx examples/prometheus-metrics.ts      then: curl localhost:9464/metrics
 *
 * It sends a few webhooks to a local receiver so the counters move, and serves /metrics until
 * Ctrl-C. With SMOKE=1 it prints the hookrelay metrics once and exits.
 *
 * Labels stay low-cardinality: event type, outcome, reason. Not endpoint ids or tenants, which
 * grow with your customers (count those in your database: `relay.deliveries.list()`).
 */
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { fileURLToPath } from 'node:url'
import { Counter, Gauge, Histogram, Registry } from 'prom-client'
// In your app: import { createRelay, sqliteStorage, type Relay } from 'hookrelay'
import { createRelay, sqliteStorage, type Relay } from '../src/index.js'

/** Registers hookrelay's metrics on `registry`, fed by `relay`'s events. */
export function instrument(relay: Relay, registry: Registry): void {
  const deliveries = new Counter({
    name: 'hookrelay_delivery_attempts_total',
    help: 'Delivery attempts by outcome (succeeded, failed) and event type.',
    labelNames: ['outcome', 'type'] as const,
    registers: [registry],
  })
  const duration = new Histogram({
    name: 'hookrelay_delivery_duration_seconds',
    help: 'Time from connect to the answer of each delivery attempt.',
    labelNames: ['outcome'] as const,
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 15],
    registers: [registry],
  })
  const deferred = new Counter({
    name: 'hookrelay_deliveries_deferred_total',
    help: 'Deliveries put off without an attempt (circuit_open, rate_limited, concurrency_limited, ordering).',
    labelNames: ['reason'] as const,
    registers: [registry],
  })
  const dead = new Counter({
    name: 'hookrelay_deliveries_dead_total',
    help: 'Deliveries moved to the dead-letter queue, by reason.',
    labelNames: ['reason', 'type'] as const,
    registers: [registry],
  })
  const circuits = new Counter({
    name: 'hookrelay_circuit_transitions_total',
    help: 'Endpoint circuit breaker transitions, by new state.',
    labelNames: ['state'] as const,
    registers: [registry],
  })
  const inbound = new Counter({
    name: 'hookrelay_inbound_total',
    help: 'Received webhooks by receiver (source) and outcome.',
    labelNames: ['source', 'outcome'] as const,
    registers: [registry],
  })
  const errors = new Counter({
    name: 'hookrelay_errors_total',
    help: 'Errors hookrelay recovered from (database blips, throwing listeners), by context.',
    labelNames: ['context'] as const,
    registers: [registry],
  })

  relay.on('delivery.succeeded', (e) => {
    deliveries.inc({ outcome: 'succeeded', type: e.type })
    duration.observe({ outcome: 'succeeded' }, e.durationMs / 1000)
  })
  relay.on('delivery.failed', (e) => {
    deliveries.inc({ outcome: 'failed', type: e.type })
    duration.observe({ outcome: 'failed' }, e.durationMs / 1000)
  })
  relay.on('delivery.deferred', (e) => deferred.inc({ reason: e.reason }))
  relay.on('delivery.dead', (e) => dead.inc({ reason: e.reason, type: e.type }))
  relay.on('circuit.opened', () => circuits.inc({ state: 'open' }))
  relay.on('circuit.half_open', () => circuits.inc({ state: 'half_open' }))
  relay.on('circuit.closed', () => circuits.inc({ state: 'closed' }))
  for (const outcome of ['accepted', 'duplicate', 'rejected', 'processed', 'failed', 'dead'] as const) {
    relay.on(`inbound.${outcome}`, (e: { source: string }) => inbound.inc({ source: e.source, outcome }))
  }
  relay.on('error', (e) => errors.inc({ context: e.context }))

  // Read from the database at scrape time: what is waiting, and for how long.
  const lag = new Gauge({
    name: 'hookrelay_delivery_lag_seconds',
    help: 'How long the longest-waiting due delivery has waited (0 when nothing is overdue).',
    registers: [registry],
  })
  new Gauge({
    name: 'hookrelay_deliveries',
    help: 'Deliveries of the last hour by status.',
    labelNames: ['status'] as const,
    registers: [registry],
    async collect() {
      const stats = await relay.stats({ window: '1h' })
      for (const [status, count] of Object.entries(stats.deliveries)) this.set({ status }, count)
      lag.set(stats.lagMs / 1000)
    },
  })
}

export interface RunningExample {
  metricsUrl: string
  relay: Relay
  /** Sends `count` order.created webhooks to the demo receiver. */
  sendSome(count: number): Promise<void>
  close(): Promise<void>
}

export async function main({ filename = './hookrelay.db', port = Number(process.env.PORT ?? 9464) }: { filename?: string; port?: number } = {}): Promise<RunningExample> {
  const relay = createRelay({
    storage: sqliteStorage({ filename }),
    network: { allowPrivate: true }, // the demo receiver is on 127.0.0.1; leave this off in production
  })
  const registry = new Registry()
  instrument(relay, registry)
  await relay.start()

  const metrics = http.createServer(async (req, res) => {
    if (req.url !== '/metrics') return void res.writeHead(404).end()
    res.writeHead(200, { 'content-type': registry.contentType }).end(await registry.metrics())
  })
  await new Promise<void>((resolve) => metrics.listen(port, '127.0.0.1', resolve))

  // A demo receiver to deliver to, answering in a few milliseconds.
  const receiver = http.createServer((req, res) => {
    req.resume().on('end', () => setTimeout(() => res.writeHead(204).end(), Math.random() * 20))
  })
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve))
  const endpoint = await relay.endpoints.create({ url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/webhooks` })

  return {
    metricsUrl: `http://127.0.0.1:${(metrics.address() as AddressInfo).port}/metrics`,
    relay,
    async sendSome(count) {
      await relay.sendMany(Array.from({ length: count }, (_, i) => ({ type: 'order.created', data: { n: i } })))
    },
    async close() {
      await relay.endpoints.delete(endpoint.id)
      await new Promise<void>((resolve) => metrics.close(() => resolve()))
      await relay.stop()
      await new Promise<void>((resolve) => receiver.close(() => resolve()))
    },
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const example = await main()
  let delivered = 0
  const done = new Promise<void>((resolve) => example.relay.on('delivery.succeeded', () => ++delivered === 20 && resolve()))
  await example.sendSome(20)
  await done
  console.log(`metrics on ${example.metricsUrl}\n`)
  const text = await (await fetch(example.metricsUrl)).text()
  console.log(text.split('\n').filter((line) => line.startsWith('hookrelay_') && !line.includes('_bucket')).join('\n'))
  if (process.env.SMOKE) await example.close()
  else process.once('SIGINT', () => void example.close())
}
