import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createRelay, redisQueue, type Relay, type RelayErrorEvent } from '../../src/index.js'
import { startPrivateRedis, type PrivateRedis } from '../fleet/support/private-redis.js'
import { eventually } from '../support/eventually.js'
import { startReceiver, type TestReceiver } from '../support/receiver.js'
import { postgresTarget, type StorageEnvironment } from '../support/storages.js'
import { readLedger, reconcile } from './support/ledger.js'
import { canRun, reportFigures } from './support/services.js'

const scenario = 'Redis stop, FLUSHALL and restart [private redis-server]'
const TOTAL = 400
const LANES = 4

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

describe.skipIf(!canRun(scenario, { postgres: true, tools: ['redis-server'] }))(scenario, () => {
  let env: StorageEnvironment
  let redis: PrivateRedis
  let receiver: TestReceiver
  const relays: Relay[] = []

  beforeAll(async () => {
    env = await postgresTarget.open()
    redis = await startPrivateRedis()
    receiver = await startReceiver()
  })
  afterAll(async () => {
    for (const relay of relays) await relay.stop()
    await redis?.close()
    await receiver?.close()
    await env?.teardown()
  })

  it('keeps sending and delivering through a Redis stop, a FLUSHALL and a restart: nothing lost', { timeout: 120_000 }, async () => {
    const tablePrefix = `redis_${randomBytes(3).toString('hex')}_`
    const keyPrefix = `hr_chaos_${randomBytes(3).toString('hex')}:`
    const errors: RelayErrorEvent[] = []
    // Two workers of one fleet: the database is the source of truth, Redis only hands out work.
    for (let i = 0; i < 2; i++) {
      const relay = createRelay({
        storage: env.createStorage({ tablePrefix }),
        queue: redisQueue({ redis: redis.url, keyPrefix, commandTimeout: '300ms' }),
        network: { allowPrivate: true },
        delivery: { pollInterval: '200ms', concurrency: 16, timeout: '2s', lease: '4s' },
        retry: { schedule: ['50ms', '50ms', '50ms'], jitter: 0 },
      })
      relay.on('error', (event) => errors.push(event))
      relays.push(relay)
      if (i === 0) await relay.migrate()
      await relay.start({ migrate: false })
    }
    const [producer] = relays as [Relay, Relay]
    await producer.endpoints.create({ url: receiver.url })

    const messageIds = new Set<string>()
    const sendErrors: string[] = []
    const lanes = Promise.all(
      Array.from({ length: LANES }, async (_, lane) => {
        for (let i = lane; i < TOTAL; i += LANES) {
          try {
            messageIds.add((await producer.send({ type: 'order.created', data: { i } })).messageId)
          } catch (error) {
            sendErrors.push(error instanceof Error ? error.message : String(error))
          }
        }
      }),
    )
    const progress = async (count: number) => {
      while (messageIds.size + sendErrors.length < count) await sleep(10)
    }
    // Faults are placed by progress (messages sent), never by time.
    await progress(TOTAL / 5)
    await redis.stop()
    await progress((2 * TOTAL) / 5)
    await redis.start()
    await progress((3 * TOTAL) / 5)
    await redis.flushAll()
    await progress((4 * TOTAL) / 5)
    await redis.stop()
    await redis.start()
    await lanes

    await eventually(async () => {
      expect((await producer.deliveries.list({ status: ['pending', 'delivering'], limit: 1 })).data).toEqual([])
    }, 60_000, 200)
    const ledger = await readLedger(producer)
    const result = reconcile(messageIds, ledger, receiver.requests.map((r) => r.headers['webhook-id'] as string | undefined))
    const redisErrors = errors.filter((e) => e.context.startsWith('queue.redis'))
    reportFigures(scenario, {
      ...result,
      lost: result.lost.length,
      notTerminal: result.notTerminal.length,
      failedSends: sendErrors.length,
      redisErrorEvents: redisErrors.length,
      errorContexts: [...new Set(errors.map((e) => e.context))],
      sampleRedisError: redisErrors[0]?.error.message,
    })
    // Redis is coordination, never on the send path: no send fails while it is away.
    expect(sendErrors).toEqual([])
    expect(result.sent).toBe(TOTAL)
    expect(result.lost).toEqual([])
    expect(result.notTerminal).toEqual([])
    expect(ledger.deliveries.filter((d) => d.status !== 'succeeded')).toEqual([])
    expect(result.succeededWithout2xx).toEqual([])
    expect(result.overLogged).toEqual([])
    // Claims are decided by the database, so losing Redis never sends a delivery twice.
    expect(result.duplicates).toBe(0)
    // The outage was reported, with a message that names the problem.
    expect(redisErrors.length).toBeGreaterThan(0)
    for (const event of redisErrors) expect(event.error.message).not.toBe('')
  })
})
