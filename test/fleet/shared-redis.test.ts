import { randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { createRelay, redisQueue, sqliteStorage, type Relay } from '../../src/index.js'
import type { Storage } from '../../src/storage/storage.js'
import { startReceiver, type TestReceiver } from '../support/receiver.js'
import { postgresTarget, type StorageEnvironment } from '../support/storages.js'
import { REDIS_URL } from '../support/urls.js'
import { deleteKeys } from './support/redis-keys.js'

const available = inject('postgresAvailable') && inject('redisAvailable')

describe.skipIf(!available)('two relays on different databases sharing one Redis and one key prefix', () => {
  // The same prefix for both, as two apps left at the default would have.
  const keyPrefix = `hr_shared_${randomBytes(4).toString('hex')}:`
  let dir: string
  let pg: StorageEnvironment
  const receivers: TestReceiver[] = []
  const relays: Relay[] = []

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'hookrelay-shared-redis-'))
    pg = await postgresTarget.open()
  })
  afterAll(async () => {
    for (const relay of relays) await relay.stop()
    for (const receiver of receivers) await receiver.close()
    await pg?.teardown()
    await rm(dir, { recursive: true, force: true })
    await deleteKeys(REDIS_URL, keyPrefix)
  })

  async function relayOn(storage: Storage) {
    const relay = createRelay({
      storage,
      // Redis is the only way work reaches the workers here: no storage wake-ups, rare polls and
      // reconciliations, so an id taken by the other relay would stay lost for the whole test.
      queue: redisQueue({ redis: REDIS_URL, keyPrefix, listenToStorage: false, reconcileInterval: '1h' }),
      network: { allowPrivate: true },
      delivery: { pollInterval: '30s' },
    })
    relays.push(relay)
    await relay.start()
    const receiver = await startReceiver()
    receivers.push(receiver)
    await relay.endpoints.create({ url: receiver.url })
    return { relay, receiver }
  }

  it('each delivers all of its own messages, and their keys live apart', { timeout: 60_000 }, async () => {
    const a = await relayOn(sqliteStorage({ filename: join(dir, 'a.db') }))
    const b = await relayOn(pg.createStorage())
    const sent = { a: [] as string[], b: [] as string[] }
    for (let round = 0; round < 4; round++) {
      const batch = await Promise.all([
        ...Array.from({ length: 5 }, (_, i) => a.relay.send({ type: 'order.created', data: { from: 'a', i } })),
        ...Array.from({ length: 5 }, (_, i) => b.relay.send({ type: 'order.created', data: { from: 'b', i } })),
      ])
      sent.a.push(...batch.slice(0, 5).map((r) => r.messageId))
      sent.b.push(...batch.slice(5).map((r) => r.messageId))
    }
    await Promise.all([a.receiver.waitFor(20, 30_000), b.receiver.waitFor(20, 30_000)])
    expect(new Set(a.receiver.requests.map((r) => r.headers['webhook-id']))).toEqual(new Set(sent.a))
    expect(new Set(b.receiver.requests.map((r) => r.headers['webhook-id']))).toEqual(new Set(sent.b))

    // Keys carry each database's identity after the prefix.
    const ids = [await a.relay.storage.databaseId(), await b.relay.storage.databaseId()]
    expect(ids[0]).not.toBe(ids[1])
    const peek = new Redis(REDIS_URL)
    try {
      const keys = await peek.keys(`${keyPrefix}*`)
      expect(keys.length).toBeGreaterThan(0)
      for (const key of keys) expect(ids.some((id) => key.startsWith(`${keyPrefix}${id}:`))).toBe(true)
    } finally {
      peek.disconnect()
    }
  })
})
