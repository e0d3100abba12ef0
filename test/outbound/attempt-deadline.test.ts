import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { createRelay, storagePolling, type QueueDriver, type Relay } from '../../src/index.js'
import { startReceiver, type TestReceiver } from '../support/receiver.js'
import { resolveRelayOptions } from '../../src/relay-options.js'
import { eventually } from '../support/eventually.js'
import { describeEachStorage, sqliteTarget } from '../support/storages.js'

/**
 * A receiver that answers the first request for each webhook-id with headers and then a body that
 * trickles one byte every 100 ms (for up to `dripForMs`), and every later request at once.
 * It records, per webhook-id, how many requests it got and whether two were ever open together.
 */
async function startDripReceiver(dripForMs: number) {
  const seen = new Map<string, number>()
  const open = new Map<string, number>()
  const overlaps: string[] = []
  const timers = new Set<NodeJS.Timeout>()
  const server = http.createServer((req, res) => {
    req.resume()
    req.on('end', () => {
      const id = String(req.headers['webhook-id'])
      const count = (seen.get(id) ?? 0) + 1
      seen.set(id, count)
      if ((open.get(id) ?? 0) > 0) overlaps.push(id)
      open.set(id, (open.get(id) ?? 0) + 1)
      res.on('close', () => open.set(id, open.get(id)! - 1))
      if (count > 1) return void res.writeHead(200, { 'content-type': 'text/plain' }).end('ok')
      res.writeHead(200, { 'content-type': 'text/plain' })
      const started = Date.now()
      const drip = setInterval(() => {
        if (res.destroyed) return void clearInterval(drip)
        if (Date.now() - started > dripForMs) {
          clearInterval(drip)
          return void res.end('.')
        }
        res.write('.')
      }, 100)
      timers.add(drip)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}/hook`,
    seen,
    overlaps,
    async close() {
      for (const t of timers) clearInterval(t)
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}

describeEachStorage(
  'attempt deadline',
  (ctx) => {
    let relay: Relay | undefined
    let receiver: Awaited<ReturnType<typeof startDripReceiver>> | undefined
    afterEach(async () => {
      await relay?.stop()
      await receiver?.close()
      relay = receiver = undefined
    })

    it('cuts a slow-drip response at delivery.timeout, records a timeout, and delivers each message once', { timeout: 60_000 }, async () => {
      // The drip lasts far longer than the lease: an attempt that outlived its lease would be
      // claimed again and sent a second time while the first is still open.
      receiver = await startDripReceiver(15_000)
      relay = createRelay({
        storage: await ctx.env().freshStorage(),
        network: { allowPrivate: true },
        delivery: { timeout: '500ms', lease: '3s', pollInterval: '50ms' },
        retry: { schedule: ['50ms', '50ms'], jitter: 0 },
      })
      const succeeded: string[] = []
      relay.on('delivery.succeeded', (e) => void succeeded.push(e.deliveryId))
      await relay.start()
      await relay.endpoints.create({ url: receiver.url })
      const sent = await relay.sendMany(Array.from({ length: 5 }, (_, n) => ({ type: 'order.created', data: { n } })))
      const deliveryIds = sent.map((s) => s.deliveryIds[0]!)

      await eventually(() => expect(succeeded.sort()).toEqual([...deliveryIds].sort()), 30_000)
      expect(receiver.overlaps).toEqual([])
      expect(Object.fromEntries(receiver.seen)).toEqual(Object.fromEntries(sent.map((s) => [s.messageId, 2])))
      for (const id of deliveryIds) {
        const attempts = (await relay.attempts.list({ deliveryId: id })).data.sort((a, b) => a.number - b.number)
        expect(attempts.map((a) => [a.number, a.statusCode, a.outcome])).toEqual([
          [1, null, 'failed'],
          [2, 200, 'succeeded'],
        ])
        expect(attempts[0]!.error).toMatch(/^TIMEOUT: no complete response within 500 ms/)
      }
    })

    it('hands back, without an attempt, a claimed delivery whose remaining lease could not hold a whole attempt', { timeout: 60_000 }, async () => {
      // The first claim gets a lease far shorter than an attempt may take (as if the delivery had
      // waited for its turn): started anyway, the attempt would outlive it and be claimed again.
      const inner = storagePolling()
      let shortened = false
      const queue: QueueDriver = {
        name: 'short-first-lease',
        coordination: inner.coordination,
        start: (context) => inner.start(context),
        notify: (work) => inner.notify(work),
        rescheduled: (work) => inner.rescheduled(work),
        stop: () => inner.stop(),
        claim: async (options) => {
          const claimed = await inner.claim(shortened ? options : { ...options, leaseMs: 200 })
          if (claimed.length > 0) shortened = true
          return claimed
        },
      }
      const slow: TestReceiver = await startReceiver(() => ({ status: 200, delayMs: 1_500 }))
      try {
        relay = createRelay({
          storage: await ctx.env().freshStorage(),
          queue,
          network: { allowPrivate: true },
          delivery: { timeout: '5s', lease: '10s', pollInterval: '50ms' },
        })
        const succeeded: string[] = []
        relay.on('delivery.succeeded', (e) => void succeeded.push(e.deliveryId))
        await relay.start()
        await relay.endpoints.create({ url: slow.url })
        const sent = await relay.send({ type: 'order.created', data: {} })
        await eventually(() => expect(succeeded).toEqual(sent.deliveryIds), 30_000)
        expect(slow.requests).toHaveLength(1)
        expect((await relay.deliveries.get(sent.deliveryIds[0]!)).attempts).toBe(1)
      } finally {
        await slow.close()
      }
    })
  },
  [sqliteTarget],
)

describe('delivery.lease', () => {
  it('must outlast delivery.timeout by the explicit margin', () => {
    expect(() => resolveRelayOptions({ delivery: { timeout: '1s', lease: '1200ms' } })).toThrow(/at least 500 ms/)
    expect(resolveRelayOptions({ delivery: { timeout: '1s', lease: '1500ms' } }).delivery.leaseMs).toBe(1500)
    expect(resolveRelayOptions({ delivery: { timeout: '1s' } }).delivery.leaseMs).toBe(31_000)
  })
})
