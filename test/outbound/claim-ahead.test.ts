import { randomBytes } from 'node:crypto'
import { afterEach, expect, it } from 'vitest'
import { createRelay, type Relay } from '../../src/index.js'
import { eventually } from '../support/eventually.js'
import { startHoldingReceiver, type HoldingReceiver } from '../support/holding-receiver.js'
import { describeEachStorage, relayTargets } from '../support/storages.js'

describeEachStorage('claiming ahead', (ctx) => {
  let relay: Relay | undefined
  let receiver: HoldingReceiver | undefined

  afterEach(async () => {
    receiver?.answerAll(200)
    await relay?.stop()
    await receiver?.close()
    relay = undefined
    receiver = undefined
  })

  it('refills a slot as soon as a request is answered, so every slot stays busy against a slow receiver', { timeout: 30_000 }, async () => {
    const concurrency = 8
    const total = 40
    let answered = 0
    // The receiver answers one request only while `concurrency` are open at once (fewer at the end,
    // when fewer remain): it makes progress only if each answer is followed by a new request
    // before any other is answered. A loop that waits for half a batch of free slots stalls here.
    receiver = await startHoldingReceiver((rx) => {
      while (rx.open > 0 && rx.open >= Math.min(concurrency, total - answered)) {
        rx.answerOldest(200)
        answered++
      }
    })
    relay = createRelay({
      storage: await ctx.env().freshStorage(),
      network: { allowPrivate: true },
      delivery: { concurrency, batchSize: 8, pollInterval: '50ms', timeout: '20s' },
    })
    let succeeded = 0
    relay.on('delivery.succeeded', () => succeeded++)
    await relay.start()
    await relay.endpoints.create({ url: receiver.url })
    await relay.sendMany(Array.from({ length: total }, (_, i) => ({ type: 'order.created', data: { i } })))

    const rx = receiver
    await eventually(() => expect(succeeded, `stalled with ${rx.open} of ${concurrency} slots busy`).toBe(total), 20_000)
    expect(rx.received).toBe(total)
    expect(rx.maxOpen).toBe(concurrency)
  })

  it('hands back what it claimed ahead when it stops, without using an attempt', { timeout: 30_000 }, async () => {
    receiver = await startHoldingReceiver(() => undefined)
    const tablePrefix = `ca_${randomBytes(3).toString('hex')}_`
    const storage = ctx.env().createStorage({ tablePrefix })
    await storage.migrate()
    relay = createRelay({
      storage,
      network: { allowPrivate: true },
      delivery: { concurrency: 4, batchSize: 4, pollInterval: '50ms', timeout: '20s' },
      stopTimeout: '100ms',
    })
    await relay.start()
    await relay.endpoints.create({ url: receiver.url })
    const sent = await relay.sendMany(Array.from({ length: 12 }, (_, i) => ({ type: 'order.created', data: { i } })))
    const rx = receiver
    await eventually(() => expect(rx.open).toBe(4))
    await relay.stop()
    // Four were in flight (aborted at stop), four claimed ahead, four never claimed: all pending
    // again, none with an attempt used, and the receiver never saw more than the four.
    relay = createRelay({ storage: ctx.env().createStorage({ tablePrefix }), network: { allowPrivate: true } })
    await relay.start({ workers: false, migrate: false })
    const reader = relay
    const deliveries = await Promise.all(sent.flatMap((s) => s.deliveryIds).map((id) => reader.deliveries.get(id)))
    expect(deliveries.map((d) => [d.status, d.attempts])).toEqual(Array(12).fill(['pending', 0]))
    expect(rx.received).toBe(4)
  })
}, relayTargets)
