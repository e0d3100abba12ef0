/**
 * Campaign blast: thousands of events fanned out to several endpoints, with throughput and
 * latency. Every endpoint verifies every signature and records when each webhook arrived; the
 * latency is from the `sendMany()` call that wrote the event to its arrival at the endpoint, so it
 * includes the time spent queued behind the rest of the blast.
 */
import { generateSecret } from '../../signing/index.js'
import { endpointServer, type EndpointServer } from '../receivers.js'
import { demoRelay } from '../relays.js'
import type { Scenario } from '../scenario.js'
import { check, checkEqual, percentile, waitFor } from '../util.js'
import { c, ms, num } from '../view.js'

/**
 * How the blast is written: `sendMany()` transactions of `chunk` events, `senders` at a time.
 * SQLite: one sender, small transactions, yielding to the event loop between them (as sends from
 * request handlers naturally do) — better-sqlite3 is synchronous, so a loop of large back-to-back
 * transactions would hold the workers' HTTP I/O until it ends. Postgres: the pool takes several
 * transactions at once.
 */
function sending(kind: string): { chunk: number; senders: number } {
  return kind === 'sqlite' ? { chunk: 50, senders: 1 } : { chunk: 100, senders: 4 }
}

export const campaignBlast: Scenario = {
  key: 'campaign',
  title: 'Campaign blast: thousands of events across many endpoints',
  lead: ({ events, endpoints }) =>
    `${num(events)} campaign.delivered events, each fanned out to ${endpoints} subscriber endpoints ` +
    `(${num(events * endpoints)} deliveries), written with sendMany() while the workers deliver. ` +
    'Every endpoint verifies every signature. Throughput and latency (sendMany() call -> arrival) at the end.',

  async run({ backend, view, cleanup, settings }) {
    const { events, endpoints: endpointCount } = settings
    const total = events * endpointCount
    const { chunk, senders } = sending(backend.kind)

    const relay = demoRelay(backend, 'blast')
    await relay.start()
    cleanup.add(() => relay.stop())

    const servers: EndpointServer[] = []
    for (let i = 1; i <= endpointCount; i++) {
      const secret = generateSecret()
      const server = await endpointServer(`subscriber-${i}`, secret, cleanup)
      await relay.endpoints.create({ url: server.url, secret, eventTypes: ['campaign.*'], description: server.name })
      servers.push(server)
    }
    view.note(
      `${endpointCount} endpoints on 127.0.0.1 subscribed to campaign.*; delivery.concurrency 64 (default); ` +
        `sendMany() of ${chunk} events, ${senders} at a time`,
    )
    view.line()

    const sentAt = new Map<string, number>()
    let succeeded = 0
    let failed = 0
    let dead = 0
    let started = 0
    const progress = view.progress([
      { key: 'sent', label: 'sent (sendMany)', total: events },
      { key: 'delivered', label: 'delivered', total },
    ])
    // Deliveries per second over the last second or so (a rolling window of samples).
    const samples: Array<[number, number]> = []
    const rate = () => {
      const now = Date.now()
      if (samples.length === 0 || now - samples.at(-1)![0] >= 100) samples.push([now, succeeded])
      while (samples.length > 2 && now - samples[0]![0] > 1_000) samples.shift()
      const [t0, n0] = samples[0]!
      return now - t0 >= 200 ? c.dim(`${num(((succeeded - n0) * 1000) / (now - t0))}/s now`) : ''
    }
    const durations: number[] = []
    relay.on('delivery.succeeded', (e) => {
      succeeded++
      durations.push(e.durationMs)
      progress.update('delivered', succeeded, rate())
    })
    relay.on('delivery.failed', () => void failed++)
    relay.on('delivery.dead', () => void dead++)

    try {
      started = Date.now()
      let next = 0
      let written = 0
      const sender = async () => {
        while (next < events) {
          const offset = next
          next += chunk
          const batch = Array.from({ length: Math.min(chunk, events - offset) }, (_, i) => ({
            type: 'campaign.delivered',
            data: { campaignId: 'cmp_spring_sale', recipient: `user${offset + i}@example.com`, variant: (offset + i) % 2 === 0 ? 'A' : 'B' },
          }))
          const at = Date.now()
          const results = await relay.sendMany(batch)
          for (const result of results) sentAt.set(result.messageId, at)
          written += batch.length
          progress.update('sent', written)
          await new Promise((resolve) => setImmediate(resolve))
        }
      }
      await Promise.all(Array.from({ length: senders }, sender))
      const sendMs = Date.now() - started
      await waitFor(`${num(total)} deliveries to succeed`, () => succeeded + dead >= total, 50_000, 50)
      progress.update('delivered', succeeded, rate())
      progress.stop()

      const lastArrival = Math.max(...servers.flatMap((s) => s.arrivals.map((a) => a.at)))
      const wallMs = lastArrival - started
      const latencies: number[] = []
      const perEndpoint = servers.map((server) => {
        const own = server.arrivals.map((a) => a.at - (sentAt.get(a.webhookId) ?? Number.NaN)).sort((a, b) => a - b)
        latencies.push(...own)
        return { server, own, unique: new Set(server.arrivals.map((a) => a.webhookId)).size }
      })
      latencies.sort((a, b) => a - b)
      durations.sort((a, b) => a - b)
      const stats = await relay.stats()

      view.line()
      view.table(
        ['endpoint', 'received', 'distinct ids', 'bad signatures', 'p50', 'p99', 'max'],
        perEndpoint.map(({ server, own, unique }) => [
          server.name,
          num(server.arrivals.length),
          num(unique),
          server.badSignatures,
          ms(percentile(own, 50)),
          ms(percentile(own, 99)),
          ms(own.at(-1) ?? Number.NaN),
        ]),
        ['left', 'right', 'right', 'right', 'right', 'right', 'right'],
      )
      view.table(
        ['', 'figure'],
        [
          ['deliveries', `${num(total)} (${num(events)} events x ${endpointCount} endpoints)`],
          ['sendMany() rate', `${num(events / (sendMs / 1000))} events/s (${ms(sendMs)} for all)`],
          ['delivery throughput', `${c.bold(num(total / (wallMs / 1000)))} deliveries/s (first send to last arrival: ${ms(wallMs)})`],
          [
            'latency, send -> receipt',
            `p50 ${c.bold(ms(percentile(latencies, 50)))}   p95 ${ms(percentile(latencies, 95))}   p99 ${c.bold(ms(percentile(latencies, 99)))}   max ${ms(latencies.at(-1)!)}`,
          ],
          ['  of which: one HTTP attempt', `p50 ${ms(percentile(durations, 50))}   p99 ${ms(percentile(durations, 99))} (the rest is waiting behind the blast)`],
          ['failed attempts (retried)', String(failed)],
        ],
      )

      checkEqual(succeeded, total, 'delivery.succeeded events')
      checkEqual(dead, 0, 'dead letters')
      checkEqual(stats.deliveries.succeeded, total, 'deliveries with status succeeded (relay.stats)')
      checkEqual(stats.deliveries.pending + stats.deliveries.delivering + stats.deliveries.dead, 0, 'deliveries not succeeded (relay.stats)')
      for (const { server, unique } of perEndpoint) {
        checkEqual(server.badSignatures, 0, `requests with a bad signature at ${server.name}`)
        checkEqual(unique, events, `distinct webhooks received by ${server.name}`)
        checkEqual(server.arrivals.length, events, `requests received by ${server.name}`)
      }
      check(latencies.every(Number.isFinite), 'every arrival matches a sent message')
      view.pass(`all ${num(total)} deliveries succeeded; each endpoint got each event exactly once, every signature valid`)
      return (
        `${num(total)} deliveries, ${num(total / (wallMs / 1000))}/s, ` +
        `p50 ${ms(percentile(latencies, 50))}, p99 ${ms(percentile(latencies, 99))} (send -> receipt)`
      )
    } finally {
      progress.stop()
    }
  },
}
