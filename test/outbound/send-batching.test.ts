import Database from 'better-sqlite3'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createRelay, sqliteStorage, ValidationError, type Relay, type Storage } from '../../src/index.js'
import { withStatementCache } from '../../src/storage/dialect/sqlite/statement-cache.js'
import { startReceiver, type TestReceiver } from '../support/receiver.js'
import { describeEachStorage, relayTargets } from '../support/storages.js'

/** The storage, counting the transactions `send()` commits on its own (its `storeMessages` calls). */
function countingStores(storage: Storage): { storage: Storage; calls: number[] } {
  const calls: number[] = []
  const counted = new Proxy(storage, {
    get(target, key) {
      const value = Reflect.get(target, key, target) as unknown
      if (key === 'storeMessages') {
        return (messages: unknown[]) => {
          calls.push(messages.length)
          return target.storeMessages(messages as never)
        }
      }
      return typeof value === 'function' ? value.bind(target) : value
    },
  })
  return { storage: counted, calls }
}

describeEachStorage('send() from concurrent callers', (ctx) => {
  let relay: Relay | undefined
  afterEach(async () => {
    await relay?.stop()
    relay = undefined
  })

  async function producer(): Promise<{ relay: Relay; calls: number[] }> {
    const { storage, calls } = countingStores(await ctx.env().freshStorage())
    relay = createRelay({ storage, network: { allowPrivate: true } })
    await relay.start({ workers: false })
    return { relay, calls }
  }

  it('writes the sends made in the same turn in one transaction, each caller getting its own result', async () => {
    const { relay: r, calls } = await producer()
    const endpoint = await r.endpoints.create({ url: 'https://a.example.com/h' })
    const results = await Promise.all(Array.from({ length: 32 }, (_, i) => r.send({ type: 'order.created', data: { i } })))
    expect(calls).toEqual([32])
    expect(new Set(results.map((x) => x.messageId)).size).toBe(32)
    for (const [i, result] of results.entries()) {
      const message = await r.messages.get(result.messageId)
      expect(message.data).toEqual({ i })
      expect(message.deliveries.map((d) => [d.id, d.endpointId])).toEqual([[result.deliveryIds[0], endpoint.id]])
    }
  })

  it('keeps a small sendMany() all-or-nothing inside a shared transaction', async () => {
    const { relay: r, calls } = await producer()
    await r.endpoints.create({ url: 'https://a.example.com/h' })
    const [many, one] = await Promise.all([
      r.sendMany([{ type: 'a.b', data: 1 }, { type: 'a.b', data: 2 }]),
      r.send({ type: 'a.b', data: 3 }),
    ])
    expect(calls).toEqual([3])
    expect(many.map((x) => x.deliveryIds.length)).toEqual([1, 1])
    expect(one.deliveryIds).toHaveLength(1)
  })

  it('fails only the bad send of a batch: its neighbours are written one by one', async () => {
    const { relay: r, calls } = await producer()
    await r.endpoints.create({ url: 'https://a.example.com/h' })
    const outcomes = await Promise.allSettled([
      r.send({ type: 'a.b', data: 'before' }),
      r.send({ type: 'a.b', data: 'bad', endpointIds: ['ep_missing'] }),
      r.sendMany([{ type: 'a.b', data: 'after 1' }, { type: 'a.b', data: 'after 2' }]),
    ])
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled'])
    const refused = (outcomes[1] as PromiseRejectedResult).reason
    expect(refused).toBeInstanceOf(ValidationError)
    expect((refused as Error).message).toMatch(/ep_missing/)
    expect(calls).toEqual([4, 1, 1, 2]) // the batch, then each group on its own
    const stored = await r.deliveries.list({})
    expect(stored.data).toHaveLength(3)
  })

  it('rejects every caller of a batch that cannot be written, with the storage error', async () => {
    const { relay: r } = await producer()
    await r.endpoints.create({ url: 'https://a.example.com/h' })
    await r.storage.close()
    const outcomes = await Promise.allSettled(Array.from({ length: 3 }, (_, i) => r.send({ type: 'a.b', data: i })))
    expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected', 'rejected'])
    for (const o of outcomes) expect((o as PromiseRejectedResult).reason).toBeInstanceOf(Error)
  })

  it('returns one message for an idempotency key sent by concurrent callers of one batch', async () => {
    const { relay: r, calls } = await producer()
    await r.endpoints.create({ url: 'https://a.example.com/h' })
    const results = await Promise.all(
      Array.from({ length: 5 }, (_, i) => r.send({ type: 'a.b', data: i, idempotencyKey: 'same' })),
    )
    expect(calls).toEqual([1]) // the repeats are answered from the first, not written
    expect(new Set(results.map((x) => x.messageId)).size).toBe(1)
    expect(results.map((x) => x.duplicate)).toEqual([false, true, true, true, true])
    expect(new Set(results.map((x) => x.deliveryIds.join()))).toEqual(new Set([results[0]!.deliveryIds.join()]))
  })

  it('names deliveries in send order across messages and endpoints (FIFO relies on it)', async () => {
    const { relay: r } = await producer()
    await r.endpoints.create({ url: 'https://a.example.com/h' })
    await r.endpoints.create({ url: 'https://b.example.com/h' })
    const sent: string[] = []
    for (let i = 0; i < 5; i++) {
      const batch = await Promise.all([r.send({ type: 'a.b', data: i }), r.sendMany([{ type: 'a.b', data: i }])])
      sent.push(...batch[0].deliveryIds, ...batch[1][0]!.deliveryIds)
    }
    expect(sent).toHaveLength(20)
    expect([...sent].sort()).toEqual(sent)
  })
}, relayTargets)

/** Called (then forgotten) when the workers' next claim finds nothing. */
const onEmptyClaim: (() => void)[] = []

/** The storage, telling `onEmptyClaim` when a claim found nothing. */
function watchingClaims(storage: Storage): Storage {
  return new Proxy(storage, {
    get(target, key) {
      const value = Reflect.get(target, key, target) as unknown
      if (key === 'claimDeliveries') {
        return async (options: Parameters<Storage['claimDeliveries']>[0]) => {
          const claimed = await target.claimDeliveries(options)
          if (claimed.length === 0) onEmptyClaim.splice(0).forEach((resolve) => resolve())
          return claimed
        }
      }
      return typeof value === 'function' ? value.bind(target) : value
    },
  })
}

describe('SQLite outbox sends wake the workers of this process on commit', () => {
  let dir: string
  let receiver: TestReceiver
  let relay: Relay
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'hookrelay-outbox-'))
    receiver = await startReceiver()
    // Polling once an hour: a delivery can only come from a wake-up.
    relay = createRelay({
      storage: watchingClaims(sqliteStorage({ filename: join(dir, 'outbox.db') })),
      network: { allowPrivate: true },
      delivery: { pollInterval: '1h' },
    })
    await relay.start()
    await relay.endpoints.create({ url: receiver.url })
    // After the first delivery the workers go idle: a claim that found fewer than it asked for
    // makes the loop sleep until woken (or for an hour). An empty claim may or may not follow the
    // settlement, so wait for one or a moment, whichever comes first; either way nothing is due.
    const delivered = new Promise<void>((resolve) => relay.once('delivery.succeeded', () => resolve()))
    await relay.send({ type: 'order.created', data: { plain: true } })
    await delivered
    await Promise.race([new Promise<void>((resolve) => onEmptyClaim.push(resolve)), new Promise((resolve) => setTimeout(resolve, 500))])
  })
  afterAll(async () => {
    await relay?.stop()
    await receiver?.close()
    await rm(dir, { recursive: true, force: true })
  })

  it('delivers an outbox send once the caller commits, and never one rolled back', async () => {
    const db = relay.storage.db
    let rolledBack = ''
    await db
      .transaction()
      .execute(async (tx) => {
        rolledBack = (await relay.send({ type: 'order.created', data: { outbox: 'rolled back' } }, { transaction: tx })).messageId
        throw new Error('roll back')
      })
      .catch(() => undefined)
    const committed = await db.transaction().execute(async (tx) => {
      const sent = await relay.send({ type: 'order.created', data: { outbox: 'committed' } }, { transaction: tx })
      // The caller's transaction goes on after send() resolved: the wake must wait for its commit.
      for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve))
      return sent
    })
    const requests = await receiver.waitFor(2)
    expect(requests[1]!.headers['webhook-id']).toBe(committed.messageId)
    expect(JSON.parse(requests[1]!.body).data).toEqual({ outbox: 'committed' })
    await expect(relay.messages.get(rolledBack)).rejects.toMatchObject({ code: 'NOT_FOUND' })
    expect((await relay.deliveries.list({})).data).toHaveLength(2)
  })
})

describe('SQLite commit wake-ups', () => {
  it('wake the listeners after the caller commits an outbox send, not before', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hookrelay-wake-'))
    const storage = sqliteStorage({ filename: join(dir, 'wake.db') })
    const relay = createRelay({ storage, network: { allowPrivate: true } })
    try {
      await relay.start({ workers: false })
      await relay.endpoints.create({ url: 'https://a.example.com/h' })
      const order: string[] = []
      const stop = await storage.wakeups!.listen(() => order.push('woken'))
      await storage.db.transaction().execute(async (tx) => {
        await relay.send({ type: 'a.b', data: 1 }, { transaction: tx })
        order.push('sent')
        for (let i = 0; i < 10; i++) await new Promise((resolve) => setImmediate(resolve))
        order.push('committing')
      })
      order.push('committed')
      while (!order.includes('woken')) await new Promise((resolve) => setImmediate(resolve))
      expect(order).toEqual(['sent', 'committing', 'committed', 'woken'])
      await stop()
    } finally {
      await relay.stop()
      await rm(dir, { recursive: true, force: true })
    }
  })
})

describe('the SQLite statement cache stays bounded whatever the batch sizes', () => {
  it('prepares a few insert statements per table for sendMany() of 1 to 300 events', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hookrelay-cache-'))
    const database = new Database(join(dir, 'cache.db'))
    const prepared = new Set<string>()
    const prepare = database.prepare.bind(database)
    database.prepare = ((sql: string) => {
      prepared.add(sql)
      return prepare(sql)
    }) as typeof database.prepare
    const relay = createRelay({ storage: sqliteStorage({ database }), network: { allowPrivate: true } })
    try {
      await relay.start({ workers: false })
      await relay.endpoints.create({ url: 'https://a.example.com/h' })
      for (let size = 1; size <= 300; size += 7) {
        await relay.sendMany(Array.from({ length: size }, (_, i) => ({ type: 'a.b', data: i })))
      }
      const inserts = (table: string) => [...prepared].filter((sql) => sql.startsWith(`insert into "hookrelay_${table}"`))
      // Row counts are powers of two up to 256: at most 9 texts per table and kind, whatever the sizes sent.
      expect(inserts('messages').length).toBeLessThanOrEqual(9)
      expect(inserts('deliveries').length).toBeLessThanOrEqual(9)
      expect((await relay.deliveries.list({ limit: 1000 })).data.length).toBeGreaterThan(0)
    } finally {
      await relay.stop()
      database.close()
      await rm(dir, { recursive: true, force: true })
    }
  })

  it('evicts by statement count and by total SQL length', () => {
    const database = new Database(':memory:')
    const cached = withStatementCache(database, { maxStatements: 10, maxSqlLength: 4096 })
    for (let n = 1; n <= 50; n++) cached.prepare(`select ${Array.from({ length: n }, (_, i) => i).join(', ')}`)
    expect(cached.cached.statements).toBeLessThanOrEqual(10)
    expect(cached.cached.sqlLength).toBeLessThanOrEqual(4096)
    for (let n = 1; n <= 50; n++) cached.prepare(`select ${'1, '.repeat(300 + n)}1`)
    expect(cached.cached.sqlLength).toBeLessThanOrEqual(4096)
    const again = cached.prepare('select 1, 2')
    expect(cached.prepare('select 1, 2')).toBe(again)
    database.close()
  })
})
