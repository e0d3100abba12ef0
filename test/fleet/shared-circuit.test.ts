import { randomBytes } from 'node:crypto'
import { afterEach, describe, expect, inject, it } from 'vitest'
import { createRelay, redisQueue, type Relay } from '../../src/index.js'
import { eventually } from '../support/eventually.js'
import { startReceiver, type TestReceiver } from '../support/receiver.js'
import { postgresTarget, type StorageEnvironment } from '../support/storages.js'
import { REDIS_URL } from '../support/urls.js'
import { deleteKeys } from './support/redis-keys.js'

const available = inject('postgresAvailable') && inject('redisAvailable')

describe.skipIf(!available)('circuit breakers shared through Redis', () => {
  let env: StorageEnvironment | undefined
  let receiver: TestReceiver | undefined
  let relays: Relay[] = []
  const keyPrefix = `hookrelay-test:${randomBytes(4).toString('hex')}:`

  afterEach(async () => {
    for (const r of relays) await r.stop()
    relays = []
    await receiver?.close()
    await env?.teardown()
    await deleteKeys(REDIS_URL, keyPrefix)
  })

  /** A worker of the fleet: its own storage connection and its own Redis driver instance. */
  async function worker(tablePrefix: string): Promise<Relay> {
    const relay = createRelay({
      storage: env!.createStorage({ tablePrefix }),
      queue: redisQueue({ redis: REDIS_URL, keyPrefix }),
      network: { allowPrivate: true },
      delivery: { pollInterval: '50ms' },
      retry: { schedule: Array(30).fill('50ms'), jitter: 0 },
    })
    relays.push(relay)
    return relay
  }

  it('holds a circuit one worker opened in another that starts later: deferrals, then one probe', { timeout: 40_000 }, async () => {
    env = await postgresTarget.open()
    const tablePrefix = `sc_${randomBytes(3).toString('hex')}_`
    receiver = await startReceiver(() => ({ status: 500 }))

    const first = await worker(tablePrefix)
    await first.start()
    const endpoint = await first.endpoints.create({
      url: receiver.url,
      circuitBreaker: { volumeThreshold: 3, errorThresholdPercentage: 50, resetTimeout: '2s' },
    })
    let opened = false
    let openedAt = 0
    first.on('circuit.opened', () => {
      opened = true
      openedAt ||= Date.now()
    })
    await first.sendMany(Array.from({ length: 10 }, (_, i) => ({ type: 'order.created', data: { i } })))
    await eventually(() => expect(opened).toBe(true))
    // A process without workers (web, admin) reports the fleet's circuit, not a closed one of its own.
    const observer = createRelay({
      storage: env!.createStorage({ tablePrefix }),
      queue: redisQueue({ redis: REDIS_URL, keyPrefix }),
      now: () => openedAt,
    })
    relays.push(observer)
    await observer.start({ workers: false, migrate: false })
    await eventually(async () => expect((await observer.endpoints.stats(endpoint.id)).circuit).toBe('open'))
    await new Promise((resolve) => setTimeout(resolve, 150)) // attempts in flight when it opened land

    // The first worker goes away; a second one, which never attempted this endpoint, takes over.
    await first.stop()
    relays = relays.filter((r) => r !== first)
    const before = receiver.requests.length
    const second = await worker(tablePrefix)
    const deferred: string[] = []
    second.on('delivery.deferred', (e) => deferred.push(e.reason))
    await second.start({ migrate: false })

    // When the fleet's circuit half-opens, the newcomer sends exactly one probe, not its backlog.
    await eventually(() => expect(receiver!.requests.length - before).toBe(1), 10_000)
    await new Promise((resolve) => setTimeout(resolve, 1_000))
    expect(receiver.requests.length - before).toBe(1)
    expect(deferred.length).toBeGreaterThan(0)
    expect(new Set(deferred)).toEqual(new Set(['circuit_open']))
    // The probe failed: open again, for everyone.
    expect((await second.endpoints.stats(endpoint.id)).circuit).toBe('open')
  })
})
