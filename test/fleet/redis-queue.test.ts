import { randomBytes } from 'node:crypto'
import { Redis } from 'ioredis'
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest'
import { createRelay, redisQueue, ValidationError, type Relay, type RelayErrorEvent } from '../../src/index.js'
import type { KyselyStorage } from '../../src/storage/kysely/kysely-storage.js'
import type { Storage } from '../../src/storage/storage.js'
import { eventually } from '../support/eventually.js'
import { startReceiver, type TestReceiver } from '../support/receiver.js'
import { postgresTarget, type StorageEnvironment } from '../support/storages.js'
import { REDIS_URL } from '../support/urls.js'
import { startPrivateRedis, type PrivateRedis } from './support/private-redis.js'
import { deleteKeys } from './support/redis-keys.js'

const available = inject('postgresAvailable') && inject('redisAvailable')

/** Counts how workers claimed: from Redis-handed ids, or straight from the database. */
function countingClaims(storage: KyselyStorage) {
  const counts = { byIds: 0, byIdsClaimed: 0, byIdsEmpty: 0, fromDatabase: 0, fromDatabaseClaimed: 0, emptyStatements: 0 }
  const wrapped = new Proxy(storage, {
    get(target, property) {
      if (property === 'claimDeliveriesByIds') {
        return async (...args: Parameters<Storage['claimDeliveriesByIds']>) => {
          counts.byIds++
          const claimed = await target.claimDeliveriesByIds(...args)
          counts.byIdsClaimed += claimed.length
          if (claimed.length === 0) {
            counts.byIdsEmpty++
            counts.emptyStatements++
          }
          return claimed
        }
      }
      if (property === 'claimDeliveries') {
        return async (...args: Parameters<Storage['claimDeliveries']>) => {
          counts.fromDatabase++
          const claimed = await target.claimDeliveries(...args)
          counts.fromDatabaseClaimed += claimed.length
          if (claimed.length === 0) counts.emptyStatements++
          return claimed
        }
      }
      const value = Reflect.get(target, property, target) as unknown
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value
    },
  })
  return { storage: wrapped as Storage, counts }
}

/** Every key of this file starts with this, so afterAll can remove them from the shared Redis. */
const FILE_PREFIX = `hr_test_${randomBytes(4).toString('hex')}_`
const prefix = () => `${FILE_PREFIX}${randomBytes(3).toString('hex')}:`

describe.skipIf(!available)('redisQueue() in one process, on Postgres', () => {
  let env: StorageEnvironment
  let receiver: TestReceiver
  let relays: Relay[] = []
  let clients: Redis[] = []
  let privateRedis: PrivateRedis | undefined

  beforeAll(async () => {
    env = await postgresTarget.open()
    receiver = await startReceiver()
  })
  afterEach(async () => {
    for (const relay of relays) await relay.stop()
    relays = []
    for (const client of clients) client.disconnect()
    clients = []
    await privateRedis?.close()
    privateRedis = undefined
  })
  afterAll(async () => {
    await receiver?.close()
    await env?.teardown()
    await deleteKeys(REDIS_URL, FILE_PREFIX)
  })

  async function relayWith(storage: Storage, queue: ReturnType<typeof redisQueue>, delivery = {}) {
    const relay = createRelay({ storage, queue, network: { allowPrivate: true }, delivery: { pollInterval: '30s', ...delivery } })
    const errors: RelayErrorEvent[] = []
    relay.on('error', (event) => errors.push(event))
    relays.push(relay)
    return { relay, errors }
  }

  it('delivers sends through delivery ids handed out by Redis', async () => {
    const tablePrefix = `rq_${randomBytes(3).toString('hex')}_`
    const { storage, counts } = countingClaims(env.createStorage({ tablePrefix }))
    const keyPrefix = prefix()
    // listenToStorage off: only Redis can wake the worker (poll interval 30 s).
    const { relay } = await relayWith(storage, redisQueue({ redis: REDIS_URL, keyPrefix, listenToStorage: false }))
    await relay.start()
    await relay.endpoints.create({ url: receiver.url })
    const before = receiver.requests.length
    const sent = await Promise.all(Array.from({ length: 20 }, (_, i) => relay.send({ type: 'order.created', data: { i } })))
    await receiver.waitFor(before + 20, 5_000)
    await eventually(async () => {
      for (const s of sent) expect((await relay.deliveries.get(s.deliveryIds[0]!)).status).toBe('succeeded')
    })
    expect(counts.byIdsClaimed).toBe(20)
    expect(counts.fromDatabaseClaimed).toBe(0)
  })

  it('claims once per wake while Redis hands out work, even with a backlog larger than one reconciliation', { timeout: 60_000 }, async () => {
    const tablePrefix = `rq_${randomBytes(3).toString('hex')}_`
    const keyPrefix = prefix()
    const queueOptions = { redis: REDIS_URL, keyPrefix, reconcileBatchSize: 50, reconcileInterval: '300ms' as const }
    // The backlog (600) is larger than one reconciliation reads (50): Redis is never known to hold
    // everything, which used to send every claim that Redis did not fill to the database as well.
    const producer = createRelay({ storage: env.createStorage({ tablePrefix }), queue: redisQueue(queueOptions), network: { allowPrivate: true } })
    await producer.start({ workers: false })
    const endpoint = await producer.endpoints.create({ url: `${receiver.url}?backlog` })
    const total = 600
    for (let i = 0; i < total; i += 200) {
      await producer.sendMany(Array.from({ length: 200 }, (_, j) => ({ type: 'order.created', data: { i: i + j } })))
    }
    await producer.stop()

    const { storage, counts } = countingClaims(env.createStorage({ tablePrefix }))
    const { relay } = await relayWith(storage, redisQueue(queueOptions), { concurrency: 16, batchSize: 10 })
    let delivered = 0
    relay.on('delivery.succeeded', () => delivered++)
    await relay.start({ migrate: false })
    await eventually(() => expect(delivered).toBe(total), 50_000, 100)
    // Every claim by id handed out work: none came back empty because its rows had been taken by
    // another claim (a database claim beside Redis's, or ids a reconciliation put back). The
    // database was asked only at the tail, when Redis ran dry before a reconciliation completed
    // (once per wake-up then, a few at most), never beside a claim by id.
    expect(counts.byIdsClaimed + counts.fromDatabaseClaimed).toBe(total)
    expect(counts.byIdsEmpty).toBe(0)
    expect(counts.fromDatabase).toBeLessThanOrEqual(3)
  })

  it('never quits the client it was given, only its own duplicates', async () => {
    const client = new Redis(REDIS_URL)
    clients.push(client)
    const { relay } = await relayWith(env.createStorage({ tablePrefix: `rq_${randomBytes(3).toString('hex')}_` }), redisQueue({ redis: client, keyPrefix: prefix() }))
    await relay.start()
    await relay.stop()
    expect(client.status).toBe('ready')
    expect(await client.ping()).toBe('PONG')
  })

  it('wakes workers for an outbox send committed in the caller’s transaction, and not for one rolled back', async () => {
    const tablePrefix = `rq_${randomBytes(3).toString('hex')}_`
    const keyPrefix = prefix()
    const { relay: worker } = await relayWith(env.createStorage({ tablePrefix }), redisQueue({ redis: REDIS_URL, keyPrefix }))
    await worker.start()
    const producer = createRelay({ storage: env.createStorage({ tablePrefix }), queue: redisQueue({ redis: REDIS_URL, keyPrefix }), network: { allowPrivate: true } })
    relays.push(producer)
    await producer.start({ workers: false, migrate: false })
    const endpoint = await producer.endpoints.create({ url: `${receiver.url}?outbox` })
    const db = env.inSchema(producer.storage.db)
    await db
      .transaction()
      .execute(async (tx) => {
        await producer.send({ type: 'order.created', data: { rolledBack: true } }, { transaction: tx })
        throw new Error('roll back')
      })
      .catch(() => undefined)
    const started = Date.now()
    await db.transaction().execute((tx) => producer.send({ type: 'order.created', data: { committed: true } }, { transaction: tx }))
    await eventually(() => expect(receiver.requests.filter((r) => r.path.endsWith('?outbox'))).toHaveLength(1), 5_000)
    expect(Date.now() - started).toBeLessThan(2_000)
    await new Promise((r) => setTimeout(r, 300))
    const outbox = receiver.requests.filter((r) => r.path.endsWith('?outbox'))
    expect(outbox).toHaveLength(1)
    expect(JSON.parse(outbox[0]!.body).data).toEqual({ committed: true })
    expect((await worker.deliveries.list({ endpointId: endpoint.id })).data).toHaveLength(1)
  })

  it('keeps delivering from the database while Redis is down, and never blocks send()', async () => {
    privateRedis = await startPrivateRedis()
    const tablePrefix = `rq_${randomBytes(3).toString('hex')}_`
    const { storage, counts } = countingClaims(env.createStorage({ tablePrefix }))
    const { relay, errors } = await relayWith(storage, redisQueue({ redis: privateRedis.url, keyPrefix: prefix(), commandTimeout: '300ms' }), {
      pollInterval: '200ms',
    })
    await relay.start()
    await relay.endpoints.create({ url: `${receiver.url}?down` })
    await relay.send({ type: 'order.created', data: { phase: 'up' } })
    await eventually(() => expect(receiver.requests.filter((r) => r.path.endsWith('?down'))).toHaveLength(1), 5_000)

    await privateRedis.stop()
    const started = performance.now()
    for (let i = 0; i < 10; i++) await relay.send({ type: 'order.created', data: { phase: 'down', i } })
    expect(performance.now() - started).toBeLessThan(1_000)
    await eventually(() => expect(receiver.requests.filter((r) => r.path.endsWith('?down'))).toHaveLength(11), 10_000)
    expect(counts.fromDatabaseClaimed).toBeGreaterThanOrEqual(10)
    // The outage is reported; the report may come after the database already delivered everything.
    await eventually(() => expect(errors.some((e) => e.context.startsWith('queue.redis'))).toBe(true), 5_000)

    await privateRedis.start()
    const byIdsBefore = counts.byIdsClaimed
    // Once Redis answers again, work goes through it.
    await eventually(async () => {
      await relay.send({ type: 'order.created', data: { phase: 'back' } })
      await new Promise((r) => setTimeout(r, 150))
      expect(counts.byIdsClaimed).toBeGreaterThan(byIdsBefore)
    }, 15_000, 200)
    const all = await relay.deliveries.list({ limit: 1000 })
    await eventually(async () => {
      const pending = (await relay.deliveries.list({ status: ['pending', 'delivering'], limit: 1000 })).data
      expect(pending).toHaveLength(0)
    }, 10_000)
    expect(all.data.length).toBeGreaterThanOrEqual(12)
  })

  it('starts while Redis is down, delivers from the database, and switches to Redis once it answers', async () => {
    privateRedis = await startPrivateRedis()
    await privateRedis.stop()
    const tablePrefix = `rq_${randomBytes(3).toString('hex')}_`
    const keyPrefix = prefix()
    const { storage, counts } = countingClaims(env.createStorage({ tablePrefix }))
    const queue = redisQueue({ redis: privateRedis.url, keyPrefix, commandTimeout: '200ms', listenToStorage: false })
    const { relay } = await relayWith(storage, queue, { pollInterval: '200ms' })
    await relay.start()
    await relay.endpoints.create({ url: `${receiver.url}?late` })
    const late = () => receiver.requests.filter((r) => r.path.endsWith('?late')).length
    await relay.send({ type: 'order.created', data: { phase: 'down' } })
    await eventually(() => expect(late()).toBe(1), 5_000)
    expect(counts.fromDatabaseClaimed).toBe(1)

    await privateRedis.start()
    // Wake-ups and circuit messages arrive once the subscriber connected.
    const other = redisQueue({ redis: privateRedis.url, keyPrefix, listenToStorage: false })
    await other.start({ storage, onWake: () => {}, emit: () => {}, now: Date.now })
    try {
      const heard: string[] = []
      queue.coordination.onCircuit((endpointId) => heard.push(endpointId))
      await eventually(() => {
        other.coordination.publishCircuit('ep_late', 'closed', null, Date.now())
        expect(heard).toContain('ep_late')
      }, 10_000, 200)
      const byIdsBefore = counts.byIdsClaimed
      await eventually(async () => {
        await relay.send({ type: 'order.created', data: { phase: 'up' } })
        await new Promise((r) => setTimeout(r, 150))
        expect(counts.byIdsClaimed).toBeGreaterThan(byIdsBefore)
      }, 10_000, 200)
    } finally {
      await other.stop()
    }
  })

  it('loses nothing when Redis is flushed with work in it', async () => {
    privateRedis = await startPrivateRedis()
    const tablePrefix = `rq_${randomBytes(3).toString('hex')}_`
    const keyPrefix = prefix()
    // A producer fills Redis while no worker runs; then Redis is flushed; then a worker starts.
    const producer = createRelay({
      storage: env.createStorage({ tablePrefix }),
      queue: redisQueue({ redis: privateRedis.url, keyPrefix }),
      network: { allowPrivate: true },
    })
    relays.push(producer)
    await producer.start({ workers: false })
    await producer.endpoints.create({ url: `${receiver.url}?flushed` })
    for (let i = 0; i < 30; i++) await producer.send({ type: 'order.created', data: { i } })
    const peek = new Redis(privateRedis.url)
    clients.push(peek)
    // Keys are namespaced by the database's identity after the prefix.
    const due = `${keyPrefix}${await producer.storage.databaseId()}:due`
    await eventually(async () => expect(await peek.zcard(due)).toBe(30))
    await privateRedis.flushAll()
    expect(await peek.zcard(due)).toBe(0)

    const { relay } = await relayWith(env.createStorage({ tablePrefix }), redisQueue({ redis: privateRedis.url, keyPrefix, listenToStorage: false }))
    await relay.start({ migrate: false })
    await eventually(() => expect(receiver.requests.filter((r) => r.path.endsWith('?flushed'))).toHaveLength(30), 10_000)
  })

  it('shares circuit state, the half-open probe and rate limits between driver instances', async () => {
    const keyPrefix = prefix()
    const drivers = [0, 1, 2].map(() => redisQueue({ redis: REDIS_URL, keyPrefix }))
    const storage = env.createStorage({ tablePrefix: `rq_${randomBytes(3).toString('hex')}_` })
    await storage.migrate()
    for (const driver of drivers) await driver.start({ storage, onWake: () => {}, emit: () => {}, now: Date.now })
    try {
      const seen: [number, string, string, number | null][] = []
      drivers.forEach((driver, i) => driver.coordination.onCircuit((endpointId, state, until) => seen.push([i, endpointId, state, until])))
      // Pub/sub delivers only to subscriptions already in place: wait until all three are.
      const channel = `${keyPrefix}${await storage.databaseId()}:circuit`
      const watcher = new Redis(REDIS_URL)
      try {
        await eventually(async () => {
          const [, count] = (await watcher.pubsub('NUMSUB', channel)) as [string, number]
          expect(Number(count)).toBe(3)
        })
      } finally {
        watcher.disconnect()
      }
      const until = Date.now() + 5_000
      drivers[0]!.coordination.publishCircuit('ep_1', 'open', until, Date.now())
      await eventually(() => expect(seen).toHaveLength(2))
      expect(seen.map((s) => s[0]).sort()).toEqual([1, 2])
      expect(seen[0]!.slice(1)).toEqual(['ep_1', 'open', until])
      // A process that starts later reads the stored open state.
      expect(await drivers[2]!.coordination.readCircuit('ep_1')).toEqual({ state: 'open', until })

      const probes = await Promise.all(drivers.map((d) => d.coordination.tryAcquireProbe('ep_1', 2_000, Date.now())))
      expect(probes.filter(Boolean)).toHaveLength(1)

      drivers[1]!.coordination.publishCircuit('ep_1', 'closed', null, Date.now())
      await eventually(() => expect(seen.filter((s) => s[2] === 'closed').map((s) => s[0]).sort()).toEqual([0, 2]))
      expect(await drivers[0]!.coordination.readCircuit('ep_1')).toBeNull()

      const now = Date.now()
      const takes = await Promise.all(
        Array.from({ length: 30 }, (_, i) => drivers[i % 3]!.coordination.takeRateLimit('ep_rl', { max: 10, perMs: 60_000 }, now)),
      )
      expect(takes.filter((t) => t.allowed)).toHaveLength(10)
      const refused = takes.find((t) => !t.allowed) as { allowed: false; retryAt: number }
      // A sliding window: the first admission leaves it just after a whole window.
      expect(refused.retryAt).toBe(now + 60_001)
    } finally {
      for (const driver of drivers) await driver.stop()
    }
  })
})

describe('redisQueue() options', () => {
  it('refuses bad options with a ValidationError naming each one', () => {
    expect(() => redisQueue({ redis: {} as never })).toThrow(/redis: must be an ioredis client/)
    expect(() => redisQueue({ redis: REDIS_URL, reconcileInterval: 'soon' })).toThrow(/reconcileInterval/)
    expect(() => redisQueue({ redis: REDIS_URL, reconcileBatchSize: 0 })).toThrow(/reconcileBatchSize/)
    expect(() => redisQueue({ redis: REDIS_URL, nope: true } as never)).toThrow(ValidationError)
  })

  it('opens no connection until used', () => {
    const queue = redisQueue({ redis: 'redis://127.0.0.1:1' })
    expect(queue.name).toBe('redis')
  })
})
