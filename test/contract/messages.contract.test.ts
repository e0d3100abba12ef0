import { setTimeout as sleep } from 'node:timers/promises'
import { CamelCasePlugin, Kysely, PostgresDialect, sql } from 'kysely'
import pg from 'pg'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { ValidationError } from '../../src/core/errors.js'
import type { MessageRecord } from '../../src/core/types.js'
import type { KyselyStorage } from '../../src/storage/kysely/kysely-storage.js'
import { describeEachStorage, postgresTarget } from '../support/storages.js'
import { POSTGRES_URL } from '../support/urls.js'
import { aDelivery, aMessage, anEndpoint } from './fixtures.js'

class Rollback extends Error {}

/** What `send()` does inside a transaction: the message, then its deliveries unless it existed. */
async function sendLike(storage: KyselyStorage, message: MessageRecord, scope: string | null, external?: unknown) {
  return storage.transaction(
    async (tx) => {
      const endpoints = await tx.listRoutableEndpoints(message.tenant)
      const result = await tx.insertMessage(message, scope)
      if (result.inserted) await tx.insertDeliveries(endpoints.map((e) => aDelivery(message, e)))
      return result
    },
    external === undefined ? undefined : { external },
  )
}

describeEachStorage('storage: messages and transactions', ({ env, storage, target }) => {
  it('stores a message byte for byte', async () => {
    const message = aMessage({ payload: '{"b":1,  "a":"é\\u2028"}', channels: ['eu', 'vip'], tenant: 'acme' })
    const result = await storage().transaction((tx) => tx.insertMessage(message, null))
    expect(result).toEqual({ inserted: true })
    expect(await storage().getMessage(message.id)).toEqual(message)
  })

  it('makes a repeated insert with the same idempotency scope a no-op that returns the first message', async () => {
    const s = await env().freshStorage()
    const endpoint = anEndpoint({ tenant: 'idem' })
    await s.insertEndpoint(endpoint)
    const first = aMessage({ tenant: 'idem', idempotencyKey: 'order-42' })
    expect(await sendLike(s, first, 'idem:order-42')).toEqual({ inserted: true })
    const [delivery] = (await s.listDeliveries({ messageId: first.id })).data

    const second = aMessage({ tenant: 'idem', idempotencyKey: 'order-42', payload: '{"other":true}' })
    const repeated = await sendLike(s, second, 'idem:order-42')
    expect(repeated).toEqual({ inserted: false, existing: first, deliveryIds: [delivery!.id] })
    expect(await s.getMessage(second.id)).toBeUndefined()
    expect((await s.listDeliveries({})).data).toHaveLength(1)
  })

  it('never deduplicates messages without an idempotency scope', async () => {
    const a = aMessage()
    const b = aMessage()
    expect(await storage().transaction((tx) => tx.insertMessage(a, null))).toEqual({ inserted: true })
    expect(await storage().transaction((tx) => tx.insertMessage(b, null))).toEqual({ inserted: true })
  })

  it('inserts exactly one message when 10 transactions race with the same idempotency scope', async () => {
    const s = await env().freshStorage()
    const endpoint = anEndpoint()
    await s.insertEndpoint(endpoint)
    const messages = Array.from({ length: 10 }, () => aMessage({ idempotencyKey: 'race' }))
    const results = await Promise.all(
      messages.map((message) =>
        s.transaction(async (tx) => {
          const result = await tx.insertMessage(message, 'race-scope')
          if (result.inserted) {
            await tx.insertDeliveries([aDelivery(message, endpoint)])
            await sleep(50) // hold the transaction open while the others wait on the unique key
          }
          return { message, result }
        }),
      ),
    )
    const winners = results.filter((r) => r.result.inserted)
    expect(winners).toHaveLength(1)
    const winner = winners[0]!.message
    const deliveries = (await s.listDeliveries({ messageId: winner.id })).data
    expect(deliveries).toHaveLength(1)
    for (const { result } of results) {
      if (result.inserted) continue
      expect(result.existing.id).toBe(winner.id)
      expect(result.deliveryIds).toEqual([deliveries[0]!.id])
    }
  })

  it('rolls back everything written in a transaction whose function throws', async () => {
    const endpoint = anEndpoint()
    await storage().insertEndpoint(endpoint)
    const message = aMessage()
    await expect(
      storage().transaction(async (tx) => {
        await tx.insertMessage(message, null)
        await tx.insertDeliveries([aDelivery(message, endpoint)])
        throw new Rollback('no')
      }),
    ).rejects.toBeInstanceOf(Rollback)
    expect(await storage().getMessage(message.id)).toBeUndefined()
    expect((await storage().listDeliveries({ messageId: message.id })).data).toHaveLength(0)
  })

  it('joins the caller\'s transaction on storage.db: rolled back, nothing is persisted', async () => {
    const message = aMessage()
    await expect(
      storage()
        .db.transaction()
        .execute(async (tx) => {
          await sendLike(storage(), message, 'outbox-rollback', tx)
          throw new Rollback('caller changed its mind')
        }),
    ).rejects.toBeInstanceOf(Rollback)
    expect(await storage().getMessage(message.id)).toBeUndefined()
  })

  it('joins the caller\'s transaction on storage.db: committed with the caller\'s own writes', async () => {
    const db = env().inSchema(storage().db)
    await db.schema
      .createTable('app_orders')
      .ifNotExists()
      .addColumn('id', target.dialect === 'mysql' ? 'varchar(191)' : 'text', (c) => c.primaryKey())
      .execute()
    const endpoint = anEndpoint()
    await storage().insertEndpoint(endpoint)
    const message = aMessage()

    await storage()
      .db.transaction()
      .execute(async (tx) => {
        await env().inSchema(tx).insertInto('app_orders').values({ id: 'ord_committed' }).execute()
        await sendLike(storage(), message, null, tx)
      })
    expect(await storage().getMessage(message.id)).toEqual(message)
    expect((await storage().listDeliveries({ messageId: message.id })).data.length).toBeGreaterThan(0)
    expect(await db.selectFrom('app_orders').selectAll().where('id', '=', 'ord_committed').execute()).toHaveLength(1)

    const lost = aMessage()
    await expect(
      storage()
        .db.transaction()
        .execute(async (tx) => {
          await env().inSchema(tx).insertInto('app_orders').values({ id: 'ord_rolled_back' }).execute()
          await sendLike(storage(), lost, null, tx)
          throw new Rollback('no')
        }),
    ).rejects.toBeInstanceOf(Rollback)
    expect(await storage().getMessage(lost.id)).toBeUndefined()
    expect(await db.selectFrom('app_orders').selectAll().where('id', '=', 'ord_rolled_back').execute()).toHaveLength(0)
  })

  it('refuses an external transaction that is not a Kysely executor', async () => {
    await expect(storage().transaction(async () => 1, { external: { query: () => {} } })).rejects.toBeInstanceOf(
      ValidationError,
    )
    await expect(storage().transaction(async () => 1, { external: 'tx' })).rejects.toThrow(/Kysely/)
  })

  it('runs its own transaction when external is undefined', async () => {
    expect(await storage().transaction(async () => 'ok', { external: undefined })).toBe('ok')
  })
})

describeEachStorage(
  'storage: the caller\'s own Kysely on the same Postgres',
  ({ env, storage }) => {
    // The application's Kysely, with its own plugins, on its own pool: hookrelay must not inherit
    // the CamelCasePlugin nor need its schema.
    let appDb: Kysely<any>
    beforeAll(() => {
      const pool = new pg.Pool({ connectionString: POSTGRES_URL, max: 2 })
      appDb = new Kysely<any>({ dialect: new PostgresDialect({ pool }), plugins: [new CamelCasePlugin()] })
    })
    afterAll(() => appDb.destroy())

    it('commits the message with the caller\'s transaction', async () => {
      const message = aMessage()
      await appDb.transaction().execute((tx) => sendLike(storage(), message, 'app-commit', tx))
      expect(await storage().getMessage(message.id)).toEqual(message)
    })

    it('rolls the message back with the caller\'s transaction', async () => {
      const message = aMessage()
      await expect(
        appDb.transaction().execute(async (tx) => {
          await sendLike(storage(), message, 'app-rollback', tx)
          const inside = await sql<{ n: string }>`select count(*) as n from ${sql.table(`${env().location}.hookrelay_messages`)} where id = ${message.id}`.execute(tx)
          expect(Number(inside.rows[0]!.n)).toBe(1)
          throw new Rollback('no')
        }),
      ).rejects.toBeInstanceOf(Rollback)
      expect(await storage().getMessage(message.id)).toBeUndefined()
    })
  },
  [postgresTarget],
)
