import { afterEach, expect, it } from 'vitest'
import { OPERATIONAL_ENDPOINT_ID, OPERATIONAL_TENANT } from '../../src/core/operational.js'
import { createRelay, type EndpointFailingEvent, type Relay } from '../../src/index.js'
import { verify } from '../../src/signing/index.js'
import type { KyselyStorage } from '../../src/storage/kysely/kysely-storage.js'
import { startReceiver, type TestReceiver } from '../support/receiver.js'
import { describeEachStorage, relayTargets } from '../support/storages.js'

const HOUR = 3_600_000
const T0 = Date.parse('2030-01-01T00:00:00.000Z')
const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'

describeEachStorage('owner notifications: endpoint.failing, endpoint.recovered, the operational webhook', (ctx) => {
  const relays: Relay[] = []
  let receiver: TestReceiver | undefined
  afterEach(async () => {
    for (const r of relays.splice(0)) await r.stop()
    await receiver?.close()
    receiver = undefined
  })

  let clock = T0
  function relayOn(storage: KyselyStorage, more: Parameters<typeof createRelay>[0] = {}): Relay {
    const relay = createRelay({
      storage,
      network: { allowPrivate: true },
      now: () => clock,
      endpointHealth: { disableAfter: '10h', checkInterval: '1h' },
      ...more,
    })
    relays.push(relay)
    return relay
  }

  function record(relay: Relay) {
    const seen: string[] = []
    relay.on('endpoint.failing', (e: EndpointFailingEvent) => seen.push(`failing ${e.percent} ${e.endpointId}`))
    relay.on('endpoint.disabled', (e) => seen.push(`disabled ${e.endpointId}`))
    relay.on('endpoint.recovered', (e) => seen.push(`recovered ${e.endpointId}`))
    return seen
  }

  it('announces each crossed share of the threshold once per episode, the highest when several were crossed, then disables', async () => {
    clock = T0
    const storage = await ctx.env().freshStorage()
    const relay = relayOn(storage)
    await relay.start({ workers: false })
    const seen = record(relay)
    const ep = await relay.endpoints.create({ url: 'https://a.example.com/h' })
    await storage.updateEndpoint(ep.id, { updatedAt: new Date(), failingSince: new Date(T0) })

    const sweepAt = async (hours: number) => {
      clock = T0 + hours * HOUR
      await relay.endpoints.sweepHealth()
    }
    await sweepAt(4.9)
    expect(seen).toEqual([])
    await sweepAt(5)
    await sweepAt(6)
    expect(seen).toEqual([`failing 50 ${ep.id}`])
    await sweepAt(9.5) // 70 % passed between two sweeps: the highest crossed, 90, is announced
    await sweepAt(9.6)
    expect(seen).toEqual([`failing 50 ${ep.id}`, `failing 90 ${ep.id}`])
    await sweepAt(10)
    expect(seen.slice(2)).toEqual([`failing 100 ${ep.id}`, `disabled ${ep.id}`])
    await sweepAt(11)
    expect(seen).toHaveLength(4)
  })

  it('emits endpoint.recovered once when an announced episode ends, and announces a new episode afresh', async () => {
    clock = T0
    const storage = await ctx.env().freshStorage()
    const relay = relayOn(storage, { endpointHealth: { disableAfter: '10h', notifyAt: [30, 60] } })
    await relay.start({ workers: false })
    const seen = record(relay)
    const ep = await relay.endpoints.create({ url: 'https://a.example.com/h' })
    const quiet = await relay.endpoints.create({ url: 'https://b.example.com/h' })
    await storage.updateEndpoint(ep.id, { updatedAt: new Date(), failingSince: new Date(T0) })
    await storage.updateEndpoint(quiet.id, { updatedAt: new Date(), failingSince: new Date(T0 + 2 * HOUR) }) // fails, recovers before 30 %

    clock = T0 + 4 * HOUR
    await relay.endpoints.sweepHealth()
    expect(seen).toEqual([`failing 30 ${ep.id}`])
    // A success clears failing_since (as the dispatcher's settle does).
    await storage.updateEndpoint(ep.id, { updatedAt: new Date(), failingSince: null })
    await storage.updateEndpoint(quiet.id, { updatedAt: new Date(), failingSince: null })
    await relay.endpoints.sweepHealth()
    await relay.endpoints.sweepHealth()
    expect(seen).toEqual([`failing 30 ${ep.id}`, `recovered ${ep.id}`])

    await storage.updateEndpoint(ep.id, { updatedAt: new Date(), failingSince: new Date(T0 + 5 * HOUR) })
    clock = T0 + 8 * HOUR
    await relay.endpoints.sweepHealth()
    expect(seen.slice(2)).toEqual([`failing 30 ${ep.id}`])
  })

  it('announces once with several processes sweeping the same database', async () => {
    clock = T0
    const storage = await ctx.env().freshStorage()
    const first = relayOn(storage)
    const second = relayOn(ctx.env().createStorage({ tablePrefix: storage.tableName('endpoints').replace(/endpoints$/, '') }))
    await first.start({ workers: false })
    await second.start({ workers: false })
    const seen = [...[first, second].map(record)]
    const ep = await first.endpoints.create({ url: 'https://a.example.com/h' })
    expect((await second.endpoints.get(ep.id)).id).toBe(ep.id) // the same tables
    await storage.updateEndpoint(ep.id, { updatedAt: new Date(), failingSince: new Date(T0) })
    clock = T0 + 7 * HOUR
    await Promise.all([first.endpoints.sweepHealth(), second.endpoints.sweepHealth(), first.endpoints.sweepHealth()])
    expect(seen.flat()).toEqual([`failing 70 ${ep.id}`])
  })

  it('sends endpoint.disabled and endpoint.failing to the operational webhook, signed, through a hidden system endpoint', async () => {
    clock = Date.now()
    receiver = await startReceiver()
    const storage = await ctx.env().freshStorage()
    const relay = relayOn(storage, { operationalWebhook: { url: `${receiver.url}/ops`, secret: SECRET }, now: Date.now })
    await relay.start()
    const ep = await relay.endpoints.create({ url: 'https://a.example.com/h' })
    await relay.endpoints.disable(ep.id, 'maintenance')
    await storage.updateEndpoint(ep.id, { updatedAt: new Date(), disabledAt: null, disabledReason: null })
    await storage.updateEndpoint(ep.id, { updatedAt: new Date(), failingSince: new Date(Date.now() - 6 * HOUR) })
    await relay.endpoints.sweepHealth()

    const [disabled, failing] = await receiver.waitFor(2, 20_000)
    for (const request of [disabled!, failing!]) {
      verify({ scheme: 'standard', secret: SECRET, payload: request.body, headers: request.headers as Record<string, string> })
    }
    const bodies = [disabled!, failing!].map((r) => JSON.parse(r.body) as { type: string; data: Record<string, unknown> }).sort((a, b) => a.type.localeCompare(b.type))
    expect(bodies.map((b) => b.type)).toEqual(['endpoint.disabled', 'endpoint.failing'])
    expect(bodies[0]!.data).toEqual({ endpointId: ep.id, reason: 'maintenance' })
    expect(bodies[1]!.data).toMatchObject({ endpointId: ep.id, percent: 50, tenant: null })

    // Hidden from lists unless asked for; never routed a user message.
    expect((await relay.endpoints.list()).data.map((e) => e.id)).toEqual([ep.id])
    expect((await relay.endpoints.list({ tenant: OPERATIONAL_TENANT })).data.map((e) => e.id)).toEqual([OPERATIONAL_ENDPOINT_ID])
    expect((await relay.send({ type: 'endpoint.failing', data: {}, tenant: OPERATIONAL_TENANT })).deliveryIds).toEqual([])
  })
}, relayTargets)
