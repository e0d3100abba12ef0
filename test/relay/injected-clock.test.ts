import { randomBytes } from 'node:crypto'
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Redis } from 'ioredis'
import { afterEach, describe, expect, inject, it } from 'vitest'
import { createRelay, redisQueue, sqliteStorage, type Relay } from '../../src/index.js'
import { LocalCoordination } from '../../src/queue/local-coordination.js'
import { eventually } from '../support/eventually.js'
import { startReceiver, type TestReceiver } from '../support/receiver.js'
import { REDIS_URL } from '../support/urls.js'
import { deleteKeys } from '../fleet/support/redis-keys.js'

// Years away from the wall clock: anything still reading Date.now() is off by years, not by noise.
const FAR = Date.parse('2030-01-01T00:00:00Z')

describe('one injected clock: relay time far from the wall clock', () => {
  const relays: Relay[] = []
  const receivers: TestReceiver[] = []
  const cleanups: (() => Promise<void>)[] = []

  afterEach(async () => {
    await Promise.all(relays.splice(0).map((r) => r.stop()))
    await Promise.all(receivers.splice(0).map((r) => r.close()))
    await Promise.all(cleanups.splice(0).map((c) => c()))
  })

  async function relayAt(clock: () => number, extra: Partial<Parameters<typeof createRelay>[0]> = {}): Promise<Relay> {
    const dir = await mkdtemp(join(tmpdir(), 'hookrelay-clock-'))
    const relay = createRelay({
      storage: sqliteStorage({ filename: join(dir, 'clock.db') }),
      now: clock,
      network: { allowPrivate: true },
      delivery: { pollInterval: '50ms', timeout: '5s' },
      retry: { schedule: ['1s'], jitter: 0 },
      ...extra,
    })
    relays.push(relay)
    return relay
  }

  it('stamps updated_at with the relay clock', async () => {
    let clock = FAR
    const relay = await relayAt(() => clock)
    await relay.migrate()
    const endpoint = await relay.endpoints.create({ url: 'https://example.com/hooks' })
    clock = FAR + 5_000
    await relay.endpoints.update(endpoint.id, { description: 'later' })
    const stored = await relay.storage.getEndpoint(endpoint.id)
    expect(stored?.createdAt.getTime()).toBe(FAR)
    expect(stored?.updatedAt.getTime()).toBe(FAR + 5_000)
  })

  it('reads a Retry-After HTTP date against the relay clock', { timeout: 30_000 }, async () => {
    const retryAt = new Date(FAR + 120_000).toUTCString()
    const rx = await startReceiver(() => ({ status: 503, headers: { 'retry-after': retryAt } }))
    receivers.push(rx)
    const relay = await relayAt(() => FAR)
    const failed: Date[] = []
    relay.on('delivery.failed', (e) => failed.push(e.nextAttemptAt))
    await relay.start()
    await relay.endpoints.create({ url: rx.url })
    await relay.send({ type: 'order.created', data: {} })
    await eventually(() => expect(failed).toHaveLength(1), 20_000)
    // With the wall clock the date would be years away (capped by maxRetryAfter), not two minutes.
    expect(failed[0]!.getTime()).toBe(FAR + 120_000)
  })

  it('holds the half-open probe lock for its TTL in relay time', async () => {
    const coordination = new LocalCoordination()
    expect(await coordination.tryAcquireProbe('ep_1', 1_000, FAR)).toBe(true)
    expect(await coordination.tryAcquireProbe('ep_1', 1_000, FAR + 999)).toBe(false)
    expect(await coordination.tryAcquireProbe('ep_1', 1_000, FAR + 1_000)).toBe(true)
  })

  it.runIf(inject('redisAvailable'))('keeps an open circuit in Redis for its reset time in relay time, plus the grace', { timeout: 30_000 }, async () => {
    const keyPrefix = `hr_clock_${randomBytes(4).toString('hex')}:`
    cleanups.push(() => deleteKeys(REDIS_URL, keyPrefix))
    const rx = await startReceiver(() => ({ status: 500 }))
    receivers.push(rx)
    const relay = await relayAt(() => FAR, { queue: redisQueue({ redis: REDIS_URL, keyPrefix }) })
    const opened: string[] = []
    relay.on('circuit.opened', (e) => opened.push(e.endpointId))
    await relay.start()
    const endpoint = await relay.endpoints.create({
      url: rx.url,
      circuitBreaker: { volumeThreshold: 3, errorThresholdPercentage: 50, resetTimeout: '1m' },
    })
    await relay.sendMany(Array.from({ length: 4 }, (_, n) => ({ type: 'order.created', data: { n } })))
    await eventually(() => expect(opened).toContain(endpoint.id), 20_000)

    const redis = new Redis(REDIS_URL)
    cleanups.push(async () => void redis.disconnect())
    let ttl = -2
    await eventually(async () => {
      const [, keys] = await redis.scan('0', 'MATCH', `${keyPrefix}*circuit:${endpoint.id}`, 'COUNT', 1000)
      expect(keys).toHaveLength(1)
      ttl = await redis.pttl(keys[0]!)
      expect(ttl).toBeGreaterThan(0)
    })
    // One minute to half-open plus the ten-minute grace; on the wall clock it would be years.
    expect(ttl).toBeLessThanOrEqual(60_000 + 10 * 60_000)
    expect(ttl).toBeGreaterThan(10 * 60_000)
  })
})
