import { afterEach, expect, it } from 'vitest'
import { createRelay, permanent, type Relay, type RelayOptions } from '../../src/index.js'
import type { KyselyStorage } from '../../src/storage/kysely/kysely-storage.js'
import { eventually } from '../support/eventually.js'
import { startReceiver, type TestReceiver } from '../support/receiver.js'
import { describeEachStorage, relayTargets } from '../support/storages.js'
import { standardRequest, STANDARD_SECRET } from '../inbound/support/webhooks.js'

const HOUR = 3_600_000
const DAY = 24 * HOUR

describeEachStorage('operating the relay', (ctx) => {
  const relays: Relay[] = []
  const receivers: TestReceiver[] = []
  /** The relay's clock runs at real speed, `offset` ms ahead. */
  let offset = 0
  const clock = () => Date.now() + offset

  afterEach(async () => {
    await Promise.all(relays.splice(0).map((r) => r.stop()))
    await Promise.all(receivers.splice(0).map((r) => r.close()))
    offset = 0
  })

  async function setup(options: Partial<RelayOptions> & { workers?: boolean } = {}): Promise<{ relay: Relay; storage: KyselyStorage }> {
    const { workers, ...rest } = options
    const storage = await ctx.env().freshStorage()
    const relay = createRelay({
      storage,
      network: { allowPrivate: true },
      delivery: { pollInterval: '50ms', timeout: '2s' },
      retry: { schedule: ['50ms', '50ms'], jitter: 0 },
      now: clock,
      ...rest,
    })
    relays.push(relay)
    await relay.start({ workers: workers ?? true })
    return { relay, storage }
  }

  async function receiver(status: number): Promise<TestReceiver> {
    const r = await startReceiver(() => ({ status }))
    receivers.push(r)
    return r
  }

  /** hookrelay's own table, read and written directly to set up or check the state of many rows. */
  function table(storage: KyselyStorage, name: 'deliveries' | 'attempts' | 'messages' | 'endpoints') {
    return { db: ctx.env().inSchema(storage.db), name: storage.tableName(name) }
  }

  it('replays a dead letter once the endpoint is back; replaying twice queues once', async () => {
    const rx = await receiver(500)
    const { relay } = await setup()
    const ep = await relay.endpoints.create({ url: rx.url })
    const sent = await relay.send({ type: 'order.created', data: { n: 1 } })
    const id = sent.deliveryIds[0]!
    await eventually(async () => expect((await relay.deliveries.get(id)).status).toBe('dead'))
    expect((await relay.dlq.list({ endpointId: ep.id })).data.map((d) => d.id)).toEqual([id])
    expect((await relay.dlq.list({ endpointId: 'ep_other' })).data).toEqual([])
    expect((await relay.dlq.list({ eventType: 'order.created' })).data).toHaveLength(1)
    expect((await relay.dlq.list({ eventType: 'order.updated' })).data).toHaveLength(0)

    rx.behave(() => ({ status: 200 }))
    expect(await relay.dlq.replayMany({ endpointId: ep.id })).toEqual({ matched: 1, changed: 1 })
    expect(await relay.dlq.replayMany({ endpointId: ep.id })).toEqual({ matched: 0, changed: 0 })
    await eventually(async () => expect((await relay.deliveries.get(id)).status).toBe('succeeded'))
    expect(rx.requests).toHaveLength(4)
    const attempts = (await relay.attempts.list({ deliveryId: id })).data
    expect(attempts.map((a) => a.trigger).sort()).toEqual(['manual', 'scheduled', 'scheduled', 'scheduled'])
    const message = await relay.messages.get(sent.messageId)
    expect(message.deliveries.map((d) => d.status)).toEqual(['succeeded'])
  })

  it('discards dead letters one by one and by filter; a discarded one is not replayed', async () => {
    const rx = await receiver(500)
    const { relay } = await setup()
    await relay.endpoints.create({ url: rx.url })
    const sent = await relay.sendMany([1, 2, 3].map((n) => ({ type: n === 3 ? 'order.updated' : 'order.created', data: { n } })))
    await eventually(async () => expect((await relay.dlq.list()).data).toHaveLength(3))
    expect(await relay.dlq.discard(sent[0]!.deliveryIds[0]!)).toEqual({ discarded: true })
    expect(await relay.dlq.discard(sent[0]!.deliveryIds[0]!)).toEqual({ discarded: false })
    expect(await relay.dlq.discardMany({ eventType: 'order.updated' })).toEqual({ matched: 1, changed: 1 })
    expect(await relay.dlq.replayMany()).toEqual({ matched: 1, changed: 1 })
    expect((await relay.deliveries.get(sent[0]!.deliveryIds[0]!)).status).toBe('discarded')
    await expect(relay.dlq.replay('dlv_missing')).rejects.toMatchObject({ code: 'NOT_FOUND' })
  })

  it('bulk-replays 10,000 dead letters in batches, idempotently, reporting progress', async () => {
    const rx = await receiver(200)
    const { relay, storage } = await setup({ workers: false })
    const ep = await relay.endpoints.create({ url: rx.url })
    for (let i = 0; i < 10; i++) {
      await relay.sendMany(Array.from({ length: 1000 }, (_, n) => ({ type: 'order.created', data: { n: i * 1000 + n } })))
    }
    const deliveries = table(storage, 'deliveries')
    await deliveries.db
      .updateTable(deliveries.name)
      .set({ status: 'dead', dead_reason: 'exhausted', attempts: 8, completed_at: clock(), next_attempt_at: null })
      .execute()

    const progress: number[] = []
    const started = performance.now()
    const result = await relay.dlq.replayMany({ endpointId: ep.id }, { onProgress: (p) => progress.push(p.changed) })
    const elapsed = performance.now() - started
    console.info(`[${ctx.target.name}] bulk replay of 10,000 dead letters: ${elapsed.toFixed(0)} ms`)

    expect(result).toEqual({ matched: 10_000, changed: 10_000 })
    expect(progress).toHaveLength(20)
    expect(progress.at(-1)).toBe(10_000)
    const counts = await deliveries.db
      .selectFrom(deliveries.name)
      .select(['status', 'next_trigger', (eb) => eb.fn.countAll().as('n')])
      .groupBy(['status', 'next_trigger'])
      .execute()
    expect(counts.map((c) => [c.status, c.next_trigger, Number(c.n)])).toEqual([['pending', 'manual', 10_000]])
    expect(await relay.dlq.replayMany({ endpointId: ep.id })).toEqual({ matched: 0, changed: 0 })
    expect(elapsed).toBeLessThan(15_000)
  }, 120_000)

  it('recovers what an endpoint dead-lettered since a time, and delivers it', async () => {
    const rx = await receiver(200)
    const { relay, storage } = await setup()
    const ep = await relay.endpoints.create({ url: rx.url })
    await relay.endpoints.disable(ep.id, 'maintenance')
    const sent = await relay.sendMany([1, 2, 3].map((n) => ({ type: 'order.created', data: { n }, endpointIds: [ep.id] })))
    // While disabled, what comes due is dead-lettered without a request.
    await eventually(async () => expect((await relay.dlq.list()).data).toHaveLength(3))
    expect(rx.requests).toHaveLength(0)
    // The first died three hours ago, the others an hour ago.
    const deliveries = table(storage, 'deliveries')
    const ids = sent.map((s) => s.deliveryIds[0]!)
    await deliveries.db.updateTable(deliveries.name).set({ completed_at: clock() - 3 * HOUR }).where('id', '=', ids[0]!).execute()
    await deliveries.db.updateTable(deliveries.name).set({ completed_at: clock() - HOUR }).where('id', 'in', ids.slice(1)).execute()

    await expect(relay.endpoints.recover(ep.id, { since: '2h' })).rejects.toMatchObject({ code: 'ENDPOINT_DISABLED' })
    await relay.endpoints.enable(ep.id)
    expect(await relay.endpoints.recover(ep.id, { since: '2h' })).toEqual({ matched: 2, changed: 2 })
    expect(await relay.endpoints.recover(ep.id, { since: new Date(clock() - 2 * HOUR) })).toEqual({ matched: 0, changed: 0 })
    await rx.waitFor(2)
    await eventually(async () => {
      expect((await relay.deliveries.get(ids[1]!)).status).toBe('succeeded')
      expect((await relay.deliveries.get(ids[2]!)).status).toBe('succeeded')
    })
    expect((await relay.deliveries.get(ids[0]!)).status).toBe('dead')
    await expect(relay.endpoints.recover('ep_missing', { since: '1h' })).rejects.toMatchObject({ code: 'NOT_FOUND' })
  })

  it('disables an endpoint failing without a success for 5 days, with a reason and an event; a success resets the clock', async () => {
    const failing = await receiver(500)
    const flaky = await receiver(500)
    const { relay } = await setup({ retry: { schedule: ['10h'], jitter: 0 } })
    const disabled: { endpointId: string; reason: string }[] = []
    relay.on('endpoint.disabled', (e) => disabled.push(e))
    const down = await relay.endpoints.create({ url: failing.url })
    const back = await relay.endpoints.create({ url: flaky.url })
    await relay.send({ type: 'order.created', data: {} })
    await eventually(async () => {
      expect((await relay.endpoints.get(down.id)).failingSince).not.toBeNull()
      expect((await relay.endpoints.get(back.id)).failingSince).not.toBeNull()
    })

    offset = 4 * DAY
    expect(await relay.endpoints.sweepHealth()).toEqual({ disabled: [] })
    // The flaky endpoint succeeds once: its clock starts again.
    flaky.behave(() => ({ status: 200 }))
    await relay.send({ type: 'order.created', data: {}, endpointIds: [back.id] })
    await eventually(async () => expect((await relay.endpoints.get(back.id)).failingSince).toBeNull())

    offset = 5 * DAY + 1000
    expect(await relay.endpoints.sweepHealth()).toEqual({ disabled: [down.id] })
    const endpoint = await relay.endpoints.get(down.id)
    expect(endpoint.disabled).toBe(true)
    expect(endpoint.disabledReason).toMatch(/without a successful delivery for more than 5d/)
    expect(disabled).toEqual([{ endpointId: down.id, reason: endpoint.disabledReason }])
    expect((await relay.endpoints.get(back.id)).disabled).toBe(false)
    expect(await relay.endpoints.sweepHealth()).toEqual({ disabled: [] })
  })

  it('sweeps endpoint health on the workers at endpointHealth.checkInterval', async () => {
    const failing = await receiver(500)
    const { relay } = await setup({ retry: { schedule: ['10h'], jitter: 0 }, endpointHealth: { disableAfter: '1h', checkInterval: '50ms' } })
    const ep = await relay.endpoints.create({ url: failing.url })
    await relay.send({ type: 'order.created', data: {} })
    await eventually(async () => expect((await relay.endpoints.get(ep.id)).failingSince).not.toBeNull())
    expect((await relay.endpoints.get(ep.id)).disabled).toBe(false)
    offset = 2 * HOUR
    await eventually(async () => expect((await relay.endpoints.get(ep.id)).disabledReason).toMatch(/more than 1h/))
  })

  it('reports endpoint and relay statistics: counts, success rate, latency, circuit, last failure', async () => {
    const rx = await startReceiver((_req, i) => (i % 2 === 0 ? { status: 200, delayMs: 20 } : { status: 503, body: 'busy' }))
    receivers.push(rx)
    const { relay } = await setup({ retry: { schedule: ['10h'], jitter: 0 } })
    const ep = await relay.endpoints.create({ url: rx.url })
    await relay.sendMany([1, 2, 3, 4].map((n) => ({ type: 'order.created', data: { n } })))
    await rx.waitFor(4)
    await eventually(async () => expect((await relay.endpoints.stats(ep.id)).attempts.total).toBe(4))

    const stats = await relay.endpoints.stats(ep.id, { window: '1h' })
    expect(stats).toMatchObject({
      endpointId: ep.id,
      deliveries: { pending: 2, delivering: 0, succeeded: 2, dead: 0, discarded: 0 },
      attempts: { total: 4, succeeded: 2, failed: 2, successRate: 0.5 },
      circuit: 'closed',
      disabled: false,
      lastFailure: { statusCode: 503 },
    })
    expect(stats.attempts.latency.p50Ms).toBeGreaterThanOrEqual(0)
    expect(stats.attempts.latency.p95Ms).toBeGreaterThanOrEqual(20)

    const global = await relay.stats()
    expect(global).toMatchObject({
      deliveries: { pending: 2, succeeded: 2 },
      messages: 4,
      attempts: { total: 4, successRate: 0.5 },
      endpoints: { total: 1, disabled: 0 },
      lagMs: 0,
    })
    offset = 2 * HOUR
    expect((await relay.endpoints.stats(ep.id, { window: '1h' })).attempts).toMatchObject({ total: 0, successRate: null, latency: { p50Ms: null } })
    await expect(relay.endpoints.stats('ep_missing')).rejects.toMatchObject({ code: 'NOT_FOUND' })
  })

  it('purges what ended before olderThan in batches, never pending work or its message', async () => {
    const ok = await receiver(200)
    const down = await receiver(500)
    const { relay, storage } = await setup()
    await relay.endpoints.create({ url: ok.url })
    await relay.endpoints.create({ url: down.url, retry: { schedule: ['10h'] } })
    const old = await relay.sendMany([1, 2, 3].map((n) => ({ type: 'order.created', data: { n } })))
    const lonely = await relay.send({ type: 'order.created', data: {}, endpointIds: [] })
    await eventually(async () => expect((await relay.deliveries.list({ status: 'succeeded' })).data).toHaveLength(3))
    await eventually(async () => expect((await relay.attempts.list()).data).toHaveLength(6))

    offset = 2 * HOUR
    const recent = await relay.send({ type: 'order.created', data: { n: 4 } })
    await eventually(async () => expect((await relay.deliveries.list({ status: 'succeeded' })).data).toHaveLength(4))

    const progress: number[] = []
    const result = await relay.purge({ olderThan: '1h', batchSize: 2, onProgress: (p) => progress.push(p.deliveries) })
    // The 3 old successes and their attempts go; their messages stay: each still has a pending
    // delivery. The old message that had no delivery at all goes.
    expect(result).toEqual({ deliveries: 3, attempts: 3, messages: 1, inbound: 0, portalSessions: 0 })
    expect(progress.slice(0, 2)).toEqual([2, 3])
    for (const sent of old) {
      const message = await relay.messages.get(sent.messageId)
      expect(message.deliveries.map((d) => d.status)).toEqual(['pending'])
    }
    await expect(relay.messages.get(lonely.messageId)).rejects.toMatchObject({ code: 'NOT_FOUND' })
    expect((await relay.messages.get(recent.messageId)).deliveries).toHaveLength(2)
    const attempts = table(storage, 'attempts')
    const left = await attempts.db.selectFrom(attempts.name).select('delivery_id').execute()
    expect(left).toHaveLength(5) // 3 failed attempts of pending deliveries + 2 of the recent message
    expect(await relay.purge({ olderThan: '1h' })).toEqual({ deliveries: 0, attempts: 0, messages: 0, inbound: 0, portalSessions: 0 })
  })

  it('purges on a schedule with the retention option', async () => {
    const ok = await receiver(200)
    const { relay } = await setup({ retention: { olderThan: '1h', interval: '50ms' } })
    await relay.endpoints.create({ url: ok.url })
    const sent = await relay.send({ type: 'order.created', data: {} })
    await eventually(async () => expect((await relay.deliveries.get(sent.deliveryIds[0]!)).status).toBe('succeeded'))
    offset = 2 * HOUR
    await eventually(async () => await expect(relay.messages.get(sent.messageId)).rejects.toMatchObject({ code: 'NOT_FOUND' }))
  })

  it('replays inbound dead letters in bulk, once, and purges handled inbound messages', async () => {
    const { relay } = await setup()
    let fixed = false
    const hooks = relay.receiver({ name: 'shop', secret: STANDARD_SECRET, retry: { schedule: [], jitter: 0 } }).on('order.created', () => {
      if (!fixed) throw permanent(new Error('not yet'))
    })
    for (let i = 0; i < 3; i++) {
      const request = standardRequest({ data: { i } })
      expect((await hooks.handle({ method: 'POST', headers: request.headers, body: request.body })).status).toBe(200)
    }
    await eventually(async () => expect((await relay.inbound.list({ status: 'dead' })).data).toHaveLength(3))
    fixed = true
    expect(await relay.inbound.replayMany({ source: 'shop' }, { batchSize: 2 })).toEqual({ matched: 3, changed: 3 })
    expect(await relay.inbound.replayMany({ source: 'shop' })).toEqual({ matched: 0, changed: 0 })
    await eventually(async () => expect((await relay.inbound.list({ status: 'processed' })).data).toHaveLength(3))

    offset = 2 * HOUR
    expect(await relay.purge({ olderThan: '1h' })).toMatchObject({ inbound: 3 })
    expect((await relay.inbound.list()).data).toHaveLength(0)
  })
}, relayTargets)
