import { randomBytes } from 'node:crypto'
import Database from 'better-sqlite3'
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres'
import { drizzle as drizzleSqlite } from 'drizzle-orm/better-sqlite3'
import { sql } from 'drizzle-orm'
import knex, { type Knex } from 'knex'
import { Kysely, PostgresDialect } from 'kysely'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createRelay, OutboxTransactionError, postgresStorage, type Relay } from '../../../src/index.js'
import { startReceiver, type TestReceiver } from '../../support/receiver.js'
import { isAvailable, postgresTarget } from '../../support/storages.js'
import { POSTGRES_URL } from '../../support/urls.js'
import { outboxChecks } from './outbox-checks.js'

class Rollback extends Error {}

describe.skipIf(!isAvailable(postgresTarget))('the outbox with the transaction the app already has [postgres]', () => {
  const schema = `outbox_${randomBytes(5).toString('hex')}`
  const orders = `"${schema}".orders`
  let pool: pg.Pool
  let relay: Relay
  let receiver: TestReceiver
  let checks: ReturnType<typeof outboxChecks>
  const event = (id: string) => ({ type: 'order.created', data: { id } })
  /** Back to the pool, never inside a transaction (a failed assertion must not poison the next test's client). */
  const release = async (client: pg.PoolClient) => {
    if (client.getTransactionStatus() !== 'I') await client.query('ROLLBACK').catch(() => undefined)
    client.release()
  }

  beforeAll(async () => {
    pool = new pg.Pool({ connectionString: POSTGRES_URL, max: 6 })
    receiver = await startReceiver()
    relay = createRelay({
      storage: postgresStorage({ connectionString: POSTGRES_URL, schema, max: 4 }),
      network: { allowPrivate: true },
      delivery: { pollInterval: '200ms' },
    })
    await relay.start()
    await pool.query(`create table ${orders} (id text primary key)`)
    await relay.endpoints.create({ url: receiver.url })
    checks = outboxChecks(relay, receiver, async (id) => (await pool.query(`select 1 from ${orders} where id = $1`, [id])).rowCount === 1)
  })

  afterAll(async () => {
    await relay?.stop()
    await receiver?.close()
    await pool?.query(`drop schema if exists "${schema}" cascade`)
    await pool?.end()
  })

  describe('a pg client on which the app ran BEGIN', () => {
    it('commits the message with the app\'s writes, and it is delivered', async () => {
      const client = await pool.connect()
      try {
        await client.query('BEGIN')
        await client.query(`insert into ${orders} (id) values ($1)`, ['pg-commit'])
        const sent = await relay.send(event('pg-commit'), { transaction: client })
        await client.query('COMMIT')
        await checks.delivered(sent.messageId, 'pg-commit')
      } finally {
        await release(client)
      }
    })

    it('rolls the message back with the app\'s writes: no message, no delivery', async () => {
      const client = await pool.connect()
      let messageId = ''
      try {
        await client.query('BEGIN')
        await client.query(`insert into ${orders} (id) values ($1)`, ['pg-rollback'])
        messageId = (await relay.send(event('pg-rollback'), { transaction: client })).messageId
        await client.query('ROLLBACK')
      } finally {
        await release(client)
      }
      await checks.neverSent(messageId, 'pg-rollback')
    })

    it('works on a pg.Client of its own as on a pool client', async () => {
      const client = new pg.Client({ connectionString: POSTGRES_URL })
      await client.connect()
      try {
        await client.query('BEGIN')
        await client.query(`insert into ${orders} (id) values ($1)`, ['pg-client'])
        const sent = await relay.send(event('pg-client'), { transaction: client })
        await client.query('COMMIT')
        await checks.delivered(sent.messageId, 'pg-client')
      } finally {
        await client.end()
      }
    })

    it('wakes the workers when the app commits, not before', async () => {
      const wakes: boolean[] = [] // for each wake: was the message committed by then?
      let messageId = ''
      const stop = await relay.storage.wakeups!.listen(() => {
        void pool.query(`select 1 from "${schema}".hookrelay_messages where id = $1`, [messageId]).then((r) => wakes.push(r.rowCount === 1))
      })
      const client = await pool.connect()
      try {
        await client.query('BEGIN')
        messageId = (await relay.send(event('pg-wake'), { transaction: client })).messageId
        await client.query('select pg_sleep(0.05)') // the transaction stays open a while
        expect(wakes).toEqual([])
        await client.query('COMMIT')
      } finally {
        await release(client)
      }
      await checks.delivered(messageId)
      await checks.eventually(() => expect(wakes.length).toBeGreaterThan(0))
      expect(wakes.every(Boolean)).toBe(true)
      await stop()
    })

    it('refuses a client with no open transaction, a failed transaction and a pool, writing nothing', async () => {
      const client = await pool.connect()
      try {
        await expect(relay.send(event('pg-idle'), { transaction: client })).rejects.toMatchObject({
          name: 'OutboxTransactionError',
          code: 'NOT_IN_TRANSACTION',
          message: expect.stringContaining("client.query('BEGIN')"),
        })
        await client.query('BEGIN')
        await expect(client.query('select 1/0')).rejects.toThrow()
        // Right after the error, or once the client has seen the server's status: the same answer.
        // Each send made only when its turn comes: a rejection nobody awaits yet is an unhandled one.
        const sends = [
          () => relay.send(event('pg-failed'), { transaction: client }),
          () => client.query('select 1').catch(() => undefined).then(() => relay.send(event('pg-failed'), { transaction: client })),
        ]
        for (const send of sends) {
          const failed = send()
          await expect(failed).rejects.toBeInstanceOf(OutboxTransactionError)
          await expect(failed).rejects.toThrow(/has failed.*ROLLBACK/)
        }
      } finally {
        await release(client)
      }
      await expect(relay.send(event('pg-pool'), { transaction: pool })).rejects.toMatchObject({
        code: 'NOT_IN_TRANSACTION',
        message: expect.stringContaining('pool.connect()'),
      })
    })

    it('keeps the app\'s transaction usable when a send in it is refused', async () => {
      const client = await pool.connect()
      try {
        await client.query('BEGIN')
        await client.query(`insert into ${orders} (id) values ($1)`, ['pg-survives'])
        await expect(relay.send({ ...event('x'), endpointIds: ['ep_missing'] }, { transaction: client })).rejects.toThrow(/ep_missing/)
        const sent = await relay.send(event('pg-survives'), { transaction: client })
        await client.query('COMMIT')
        await checks.delivered(sent.messageId, 'pg-survives')
      } finally {
        await release(client)
      }
    })
  })

  describe('a Drizzle transaction (node-postgres)', () => {
    it('commits with the app\'s writes and is delivered; rolls back with them', async () => {
      const db = drizzlePg(pool)
      const sent = await db.transaction(async (tx) => {
        await tx.execute(sql`insert into ${sql.raw(orders)} (id) values (${'drizzle-commit'})`)
        return relay.send(event('drizzle-commit'), { transaction: tx })
      })
      await checks.delivered(sent.messageId, 'drizzle-commit')

      let messageId = ''
      await expect(
        db.transaction(async (tx) => {
          await tx.execute(sql`insert into ${sql.raw(orders)} (id) values (${'drizzle-rollback'})`)
          messageId = (await relay.send(event('drizzle-rollback'), { transaction: tx })).messageId
          tx.rollback()
        }),
      ).rejects.toThrow(/Rollback/)
      await checks.neverSent(messageId, 'drizzle-rollback')
    })

    it('refuses the Drizzle database itself: it is not a transaction', async () => {
      await expect(relay.send(event('drizzle-db'), { transaction: drizzlePg(pool) })).rejects.toMatchObject({
        code: 'NOT_IN_TRANSACTION',
        message: expect.stringContaining('db.transaction(async (tx)'),
      })
    })
  })

  describe('a Knex transaction (pg)', () => {
    let k: Knex
    beforeAll(() => {
      k = knex({ client: 'pg', connection: POSTGRES_URL, pool: { min: 0, max: 2 } })
    })
    afterAll(async () => {
      await k?.destroy()
    })

    it('commits with the app\'s writes and is delivered; rolls back with them', async () => {
      const sent = await k.transaction(async (trx) => {
        await trx.raw(`insert into ${orders} (id) values (?)`, ['knex-commit'])
        return relay.send(event('knex-commit'), { transaction: trx })
      })
      await checks.delivered(sent.messageId, 'knex-commit')

      let messageId = ''
      await expect(
        k.transaction(async (trx) => {
          await trx.raw(`insert into ${orders} (id) values (?)`, ['knex-rollback'])
          messageId = (await relay.send(event('knex-rollback'), { transaction: trx })).messageId
          throw new Rollback('no')
        }),
      ).rejects.toBeInstanceOf(Rollback)
      await checks.neverSent(messageId, 'knex-rollback')
    })

    it('refuses the Knex instance itself, and a transaction that is over', async () => {
      await expect(relay.send(event('knex-instance'), { transaction: k })).rejects.toMatchObject({
        code: 'NOT_IN_TRANSACTION',
        message: expect.stringContaining('knex.transaction(async (trx)'),
      })
      const trx = await k.transaction()
      await trx.commit()
      await expect(relay.send(event('knex-over'), { transaction: trx })).rejects.toMatchObject({ code: 'NOT_IN_TRANSACTION' })
    })
  })

  describe('a Kysely transaction', () => {
    it('commits and rolls back with it; a Kysely that is not a transaction is refused', async () => {
      const db = new Kysely<any>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: POSTGRES_URL, max: 2 }) }) })
      try {
        const sent = await db.transaction().execute(async (tx) => {
          await tx.withSchema(schema).insertInto('orders').values({ id: 'kysely-commit' }).execute()
          return relay.send(event('kysely-commit'), { transaction: tx })
        })
        await checks.delivered(sent.messageId, 'kysely-commit')

        let messageId = ''
        await expect(
          db.transaction().execute(async (tx) => {
            await tx.withSchema(schema).insertInto('orders').values({ id: 'kysely-rollback' }).execute()
            messageId = (await relay.send(event('kysely-rollback'), { transaction: tx })).messageId
            throw new Rollback('no')
          }),
        ).rejects.toBeInstanceOf(Rollback)
        await checks.neverSent(messageId, 'kysely-rollback')

        await expect(relay.send(event('kysely-db'), { transaction: db })).rejects.toMatchObject({ code: 'NOT_IN_TRANSACTION' })
      } finally {
        await db.destroy()
      }
    })
  })

  describe('handles of the other database, and things that are no transaction', () => {
    it('refuses SQLite handles with WRONG_DATABASE, saying what to pass', async () => {
      const sqlite = new Database(':memory:')
      const k = knex({ client: 'better-sqlite3', connection: { filename: ':memory:' }, useNullAsDefault: true })
      try {
        sqlite.exec('BEGIN')
        const wrong = { code: 'WRONG_DATABASE', message: expect.stringMatching(/on SQLite, but this relay stores its messages in Postgres: pass .*pg client/) }
        await expect(relay.send(event('x'), { transaction: sqlite })).rejects.toMatchObject(wrong)
        sqlite.exec('ROLLBACK')
        let refused: unknown
        drizzleSqlite(sqlite).transaction((tx) => {
          refused = relay.send(event('x'), { transaction: tx })
        })
        await expect(refused).rejects.toMatchObject(wrong)
        await k.transaction(async (trx) => {
          await expect(relay.send(event('x'), { transaction: trx })).rejects.toMatchObject(wrong)
        })
      } finally {
        sqlite.close()
        await k.destroy()
      }
    })

    it('refuses anything else with UNSUPPORTED_TRANSACTION, never naming internals', async () => {
      for (const handle of ['tx', 42, { query: () => undefined }, () => undefined]) {
        const refused = relay.send(event('x'), { transaction: handle })
        await expect(refused).rejects.toMatchObject({ code: 'UNSUPPORTED_TRANSACTION', message: expect.stringContaining('pg client') })
        await expect(refused).rejects.not.toThrow(/external/)
      }
    })
  })
})
