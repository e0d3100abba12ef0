import { afterEach, expect, it } from 'vitest'
import { createRelay, type Relay, type RelayOptions } from '../../src/index.js'
import { eventually } from '../support/eventually.js'
import { startHoldingReceiver, type HoldingReceiver } from '../support/holding-receiver.js'
import { startReceiver, type TestReceiver } from '../support/receiver.js'
import { describeEachStorage, relayTargets } from '../support/storages.js'

describeEachStorage('circuit breaker', (ctx) => {
  let relay: Relay | undefined
  let receiver: TestReceiver | undefined
  let holding: HoldingReceiver | undefined

  async function setup(options: Partial<RelayOptions>): Promise<Relay> {
    relay = createRelay({ storage: await ctx.env().freshStorage(), network: { allowPrivate: true }, ...options })
    await relay.start()
    return relay
  }

  afterEach(async () => {
    holding?.answerAll(500)
    await relay?.stop()
    await receiver?.close()
    await holding?.close()
    relay = undefined
    receiver = undefined
    holding = undefined
  })

  it('trips within volumeThreshold + concurrency requests, deferring what it claimed but had not sent', { timeout: 30_000 }, async () => {
    const concurrency = 8
    const volumeThreshold = 5
    const total = 60
    let tripped = false
    let answered = 0
    // Failures come back one at a time while every slot is busy: each answer frees a slot that the
    // relay fills before the next answer, the way a failing endpoint answers under load.
    holding = await startHoldingReceiver((rx) => {
      if (tripped) rx.answerAll(500)
      while (rx.open > 0 && rx.open >= Math.min(concurrency, total - answered)) {
        rx.answerOldest(500)
        answered++
      }
    })
    const r = await setup({
      delivery: { concurrency, batchSize: 2, pollInterval: '50ms', timeout: '20s' },
      retry: { schedule: ['1h'], jitter: 0 },
    })
    const ep = await r.endpoints.create({
      url: holding.url,
      circuitBreaker: { volumeThreshold, errorThresholdPercentage: 50, window: '1m', resetTimeout: '1h' },
    })
    const rx = holding
    r.on('circuit.opened', () => {
      tripped = true
      rx.answerAll(500)
    })
    const accounted = new Set<string>()
    r.on('delivery.failed', (e) => accounted.add(e.deliveryId))
    r.on('delivery.deferred', (e) => {
      if (e.reason === 'circuit_open') accounted.add(e.deliveryId)
    })
    await r.sendMany(Array.from({ length: total }, (_, i) => ({ type: 'order.created', data: { i } })))

    await eventually(() => expect(accounted.size).toBe(total), 20_000)
    expect(tripped).toBe(true)
    expect(rx.received).toBeLessThanOrEqual(volumeThreshold + concurrency)
    // Deferred deliveries used no attempt: the attempts recorded are the requests the receiver got.
    const attempts = (await r.attempts.list({ endpointId: ep.id, limit: 1000 })).data
    expect(attempts).toHaveLength(rx.received)
  })

  it('does the same work for a failed attempt whatever its window holds (no latencies sorted)', { timeout: 60_000 }, async () => {
    receiver = await startReceiver((q) => ({ status: (JSON.parse(q.body) as { data: { fail: boolean } }).data.fail ? 500 : 200 }))
    const r = await setup({ delivery: { pollInterval: '50ms' }, retry: { schedule: ['1h'], jitter: 0 } })
    // A window that never opens: every outcome stays in it.
    await r.endpoints.create({
      url: receiver.url,
      circuitBreaker: { volumeThreshold: 100_000, errorThresholdPercentage: 100, window: '1h' },
    })
    let succeeded = 0
    let failed = 0
    r.on('delivery.succeeded', () => succeeded++)
    r.on('delivery.failed', () => failed++)
    const failures = 10

    /** Fills the window with `successes` answers, then counts the elements sorted while `failures` attempts fail. */
    async function sortedDuringFailures(successes: number): Promise<number> {
      const target = succeeded + successes
      await r.sendMany(Array.from({ length: successes }, (_, i) => ({ type: 'order.created', data: { i, fail: false } })))
      await eventually(() => expect(succeeded).toBe(target), 20_000)
      const sort = Array.prototype.sort
      let sorted = 0
      Array.prototype.sort = function (this: unknown[], compare?: (a: unknown, b: unknown) => number) {
        sorted += this.length
        return sort.call(this, compare)
      } as typeof sort
      try {
        const failedTarget = failed + failures
        await r.sendMany(Array.from({ length: failures }, (_, i) => ({ type: 'order.created', data: { i, fail: true } })))
        await eventually(() => expect(failed).toBe(failedTarget), 20_000)
      } finally {
        Array.prototype.sort = sort
      }
      return sorted
    }

    const small = await sortedDuringFailures(20)
    const large = await sortedDuringFailures(400)
    // opossum sorted every latency of the window on each failure: 10 failures × 400+ latencies.
    expect(large).toBeLessThan(small + 10 * failures)
  })
}, relayTargets)
