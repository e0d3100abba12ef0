import { afterEach, expect, it } from 'vitest'
import type { Relay, RelayOptions } from '../../src/index.js'
import { createRelay } from '../../src/index.js'
import { eventually } from '../support/eventually.js'
import { startReceiver, type TestReceiver } from '../support/receiver.js'
import { describeEachStorage, relayTargets } from '../support/storages.js'

describeEachStorage('endpoint protection', (ctx) => {
  let relay: Relay | undefined
  let receiver: TestReceiver | undefined

  async function setup(options: Partial<RelayOptions> = {}): Promise<Relay> {
    relay = createRelay({
      storage: await ctx.env().freshStorage(),
      network: { allowPrivate: true },
      delivery: { pollInterval: '50ms', timeout: '2s' },
      retry: { schedule: Array(20).fill('30ms'), jitter: 0 },
      ...options,
    })
    await relay.start()
    return relay
  }

  afterEach(async () => {
    await relay?.stop()
    await receiver?.close()
    relay = undefined
  })

  it('opens the circuit, defers without using attempts, lets one probe through half-open, and drains once closed', { timeout: 20_000 }, async () => {
    let healthy = false
    receiver = await startReceiver(() => ({ status: healthy ? 200 : 500 }))
    const r = await setup()
    const ep = await r.endpoints.create({
      url: receiver.url,
      circuitBreaker: { volumeThreshold: 4, errorThresholdPercentage: 50, window: '10s', resetTimeout: '600ms' },
    })
    const events: string[] = []
    const times: number[] = []
    const record = (name: string) => () => {
      events.push(name)
      times.push(Date.now())
    }
    r.on('circuit.opened', record('opened'))
    r.on('circuit.half_open', record('half_open'))
    r.on('circuit.closed', record('closed'))
    let deferredForCircuit = 0
    r.on('delivery.deferred', (e) => {
      if (e.reason === 'circuit_open') deferredForCircuit++
    })

    const sent = await r.sendMany(Array.from({ length: 8 }, (_, i) => ({ type: 'order.created', data: { i } })))
    await eventually(() => expect(events).toContain('opened'))
    expect((await r.endpoints.stats(ep.id)).circuit).toBe('open')

    // Half-open lets exactly one probe through; it fails and the circuit opens again.
    await eventually(() => expect(events.filter((e) => e === 'opened').length).toBe(2), 5_000)
    expect(events.slice(0, 3)).toEqual(['opened', 'half_open', 'opened'])
    expect(deferredForCircuit).toBeGreaterThan(0)
    const [openedAt, halfOpenAt, reopenedAt] = times as [number, number, number]
    const started = async () => (await r.attempts.list({ endpointId: ep.id, limit: 1000 })).data.map((a) => a.startedAt.getTime())
    // Nothing started while the circuit was open (attempts already in flight when it opened land),
    // and exactly one attempt, the probe, while it was half-open.
    // (The probe's attempt is written just after its failure reopened the circuit.)
    await eventually(async () => expect((await started()).filter((t) => t >= halfOpenAt && t <= reopenedAt)).toHaveLength(1))
    expect((await started()).filter((t) => t > openedAt && t < halfOpenAt)).toEqual([])

    healthy = true
    await eventually(() => expect(events).toContain('closed'), 5_000)
    for (const id of sent.flatMap((s) => s.deliveryIds)) {
      await eventually(async () => expect((await r.deliveries.get(id)).status).toBe('succeeded'))
    }
    // Deferrals used no attempts: every attempt recorded is a real request the receiver got.
    const attempts = (await r.attempts.list({ endpointId: ep.id, limit: 1000 })).data
    expect(attempts).toHaveLength(receiver.requests.length)
  })

  it('holds a per-endpoint rate limit by deferring, not failing', { timeout: 20_000 }, async () => {
    // The relay's clock stands still between steps, so what the limit lets through at one instant
    // is counted exactly, whatever the machine's load (no spec on wall-clock gaps).
    let clock = Date.now()
    receiver = await startReceiver()
    const r = await setup({ now: () => clock })
    await r.endpoints.create({ url: receiver.url, rateLimit: { max: 5, per: '250ms' } })
    const deferred = new Set<string>()
    const deferredIntoThePast: Date[] = []
    r.on('delivery.deferred', (e) => {
      if (e.reason !== 'rate_limited') return
      deferred.add(e.deliveryId)
      if (e.until.getTime() <= clock) deferredIntoThePast.push(e.until)
    })
    const succeeded = new Set<string>()
    r.on('delivery.succeeded', (e) => succeeded.add(e.deliveryId))
    const sent = await r.sendMany(Array.from({ length: 20 }, (_, i) => ({ type: 'order.created', data: { i } })))
    const ids = sent.flatMap((s) => s.deliveryIds)

    // Each window lets exactly five through; the rest wait (deferred, not failed) for the next one.
    for (let window = 1; window <= 4; window++) {
      await eventually(() => expect(succeeded.size).toBe(5 * window))
      if (window < 4) await eventually(() => expect(ids.filter((id) => !succeeded.has(id)).every((id) => deferred.has(id))).toBe(true))
      expect(receiver.requests).toHaveLength(5 * window)
      clock += 300
    }
    expect(deferredIntoThePast, 'deferred to when the window has room').toEqual([])
    const delivered = await Promise.all(ids.map((id) => r.deliveries.get(id)))
    expect(delivered.every((d) => d.status === 'succeeded' && d.attempts === 1)).toBe(true)
  })

  it('never has more attempts in flight to an endpoint than its maxConcurrency', { timeout: 20_000 }, async () => {
    receiver = await startReceiver(() => ({ status: 200, delayMs: 60 }))
    const r = await setup()
    await r.endpoints.create({ url: receiver.url, maxConcurrency: 1 })
    const sent = await r.sendMany(Array.from({ length: 6 }, (_, i) => ({ type: 'order.created', data: { i } })))
    for (const id of sent.flatMap((s) => s.deliveryIds)) {
      await eventually(async () => expect((await r.deliveries.get(id)).status).toBe('succeeded'))
    }
    const arrivals = receiver.requests.map((q) => q.at).sort((a, b) => a - b)
    for (let i = 1; i < arrivals.length; i++) expect(arrivals[i]! - arrivals[i - 1]!).toBeGreaterThanOrEqual(55)
  })

  it('delivers a FIFO endpoint its messages in order while one fails and recovers', { timeout: 20_000 }, async () => {
    let failuresLeft = 3
    receiver = await startReceiver((q) => {
      const { data } = JSON.parse(q.body) as { data: { i: number } }
      if (data.i === 2 && failuresLeft > 0) {
        failuresLeft--
        return { status: 503 }
      }
      return { status: 200 }
    })
    const r = await setup()
    await r.endpoints.create({ url: receiver.url, ordering: 'fifo' })
    for (let i = 0; i < 6; i++) await r.send({ type: 'order.created', data: { i } })
    await receiver.waitFor(9, 10_000)
    const order = receiver.requests.map((q) => (JSON.parse(q.body) as { data: { i: number } }).data.i)
    expect(order).toEqual([0, 1, 2, 2, 2, 2, 3, 4, 5])
  })
}, relayTargets)
