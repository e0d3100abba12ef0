import { afterEach, expect, it } from 'vitest'
import { createRelay, type Relay } from '../../src/index.js'
import { LocalCoordination } from '../../src/queue/local-coordination.js'
import { StoredCircuits } from '../../src/queue/stored-circuits.js'
import type { KyselyStorage } from '../../src/storage/kysely/kysely-storage.js'
import { eventually } from '../support/eventually.js'
import { startReceiver, type TestReceiver } from '../support/receiver.js'
import { describeEachStorage, relayTargets } from '../support/storages.js'

describeEachStorage('circuit state across processes (no Redis)', (ctx) => {
  const relays: Relay[] = []
  const receivers: TestReceiver[] = []

  afterEach(async () => {
    await Promise.all(relays.splice(0).map((r) => r.stop()))
    await Promise.all(receivers.splice(0).map((r) => r.close()))
  })

  /** Another connection to the same tables, as another process has. */
  function sameTables(storage: KyselyStorage): KyselyStorage {
    return ctx.env().createStorage({ tablePrefix: storage.tableName('meta').slice(0, -'meta'.length) })
  }

  function worker(storage: KyselyStorage): Relay {
    const relay = createRelay({
      storage,
      network: { allowPrivate: true },
      delivery: { pollInterval: '50ms', timeout: '2s' },
      retry: { schedule: ['1h'], jitter: 0 },
    })
    relays.push(relay)
    return relay
  }

  async function failingEndpoint(relay: Relay, resetTimeout: string) {
    const rx = await startReceiver(() => ({ status: 500 }))
    receivers.push(rx)
    const endpoint = await relay.endpoints.create({
      url: rx.url,
      circuitBreaker: { volumeThreshold: 3, errorThresholdPercentage: 50, resetTimeout },
    })
    let openedAt: number | null = null
    relay.on('circuit.opened', () => {
      openedAt ??= Date.now()
    })
    await relay.sendMany(Array.from({ length: 4 }, (_, n) => ({ type: 'order.created', data: { n } })))
    await eventually(() => expect(openedAt).not.toBeNull())
    return { rx, endpoint, openedAt: openedAt! }
  }

  it('reports in a process without workers the circuit the workers opened, half-open past its time, closed after the probe', { timeout: 30_000 }, async () => {
    const storage = await ctx.env().freshStorage()
    const workers = worker(storage)
    await workers.start()
    const { rx, endpoint, openedAt } = await failingEndpoint(workers, '1s')

    // A web or admin process: same database, no workers, its own clock.
    let clock = openedAt
    const observer = createRelay({ storage: sameTables(storage), now: () => clock })
    relays.push(observer)
    await eventually(async () => expect((await observer.endpoints.stats(endpoint.id)).circuit).toBe('open'))
    clock = openedAt + 60_000
    expect((await observer.endpoints.stats(endpoint.id)).circuit).toBe('half_open')

    // The receiver recovers; the next message is the probe, which closes the circuit for everyone.
    rx.behave(() => ({ status: 200 }))
    await workers.send({ type: 'order.created', data: { probe: true } })
    await eventually(async () => expect((await observer.endpoints.stats(endpoint.id)).circuit).toBe('closed'), 15_000)
  })

  it('holds the recorded open circuit in a worker that starts later: deferrals, no request', { timeout: 30_000 }, async () => {
    const storage = await ctx.env().freshStorage()
    const first = worker(storage)
    await first.start()
    const { rx, endpoint } = await failingEndpoint(first, '1h')
    await first.stop()
    const before = rx.requests.length

    const second = worker(sameTables(storage))
    const deferred: string[] = []
    second.on('delivery.deferred', (e) => deferred.push(e.reason))
    await second.start({ migrate: false })
    await second.send({ type: 'order.created', data: { after: 'restart' }, endpointIds: [endpoint.id] })
    await eventually(() => expect(deferred).toContain('circuit_open'))
    expect(rx.requests.length).toBe(before)
    expect((await second.endpoints.stats(endpoint.id)).circuit).toBe('open')
  })

  it('says unknown when the circuit cannot be read', async () => {
    const storage = await ctx.env().freshStorage()
    const errors: string[] = []
    const circuits = new StoredCircuits({ coordination: new LocalCoordination(), storage, report: (_e, context) => errors.push(context) })
    expect(await circuits.state('ep_any', Date.now())).toBe('closed')
    await storage.close()
    expect(await circuits.state('ep_any', Date.now())).toBe('unknown')
    expect(errors).toEqual(['circuit.read'])
  })
}, relayTargets)
