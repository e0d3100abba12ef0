import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { sql } from 'drizzle-orm'
import { drizzle as drizzleSqlite } from 'drizzle-orm/better-sqlite3'
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres'
import knex, { type Knex } from 'knex'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createRelay, sqliteStorage, type Relay, type SendResult } from '../../../src/index.js'
import { startReceiver, type TestReceiver } from '../../support/receiver.js'
import { outboxChecks } from './outbox-checks.js'

class Rollback extends Error {}

describe('the outbox with the transaction the app already has [sqlite]', () => {
  let dir: string
  let filename: string
  /** The app's connection, which it gave hookrelay too (`sqliteStorage({ database })`). */
  let db: Database.Database
  let relay: Relay
  let receiver: TestReceiver
  let checks: ReturnType<typeof outboxChecks>
  const event = (id: string) => ({ type: 'order.created', data: { id } })
  const insertOrder = (id: string) => db.prepare('insert into orders (id) values (?)').run(id)

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'hookrelay-outbox-'))
    filename = join(dir, 'app.db')
    db = new Database(filename)
    db.pragma('journal_mode = WAL')
    db.exec('create table orders (id text primary key)')
    receiver = await startReceiver()
    relay = createRelay({
      storage: sqliteStorage({ database: db }),
      network: { allowPrivate: true },
      delivery: { pollInterval: '200ms' },
    })
    await relay.start()
    await relay.endpoints.create({ url: receiver.url })
    checks = outboxChecks(relay, receiver, (id) => db.prepare('select 1 from orders where id = ?').get(id) !== undefined)
  })

  afterAll(async () => {
    await relay?.stop()
    await receiver?.close()
    db?.close()
    await rm(dir, { recursive: true, force: true })
  })

  describe('a better-sqlite3 Database inside a transaction', () => {
    it('BEGIN … await send() … COMMIT: commits the message with the app\'s writes, and it is delivered', async () => {
      db.exec('BEGIN')
      insertOrder('manual-commit')
      const sent = await relay.send(event('manual-commit'), { transaction: db })
      db.exec('COMMIT')
      await checks.delivered(sent.messageId, 'manual-commit')
    })

    it('BEGIN … await send() … ROLLBACK: no message, no delivery', async () => {
      db.exec('BEGIN')
      insertOrder('manual-rollback')
      const sent = await relay.send(event('manual-rollback'), { transaction: db })
      db.exec('ROLLBACK')
      await checks.neverSent(sent.messageId, 'manual-rollback')
    })

    it('db.transaction(fn) with send() not awaited: written before send() returns, committed with fn', async () => {
      let pending: Promise<SendResult> | undefined
      const count = () => (db.prepare('select count(*) as n from hookrelay_messages').get() as { n: number }).n
      db.transaction(() => {
        insertOrder('fn-commit')
        const before = count()
        pending = relay.send(event('fn-commit'), { transaction: db })
        expect(count()).toBe(before + 1) // written already, in this transaction
      })()
      const sent = await pending!
      await checks.delivered(sent.messageId, 'fn-commit')
    })

    it('db.transaction(fn) that throws: rolled back with fn', async () => {
      let pending: Promise<SendResult> | undefined
      expect(() =>
        db.transaction(() => {
          insertOrder('fn-rollback')
          pending = relay.send(event('fn-rollback'), { transaction: db })
          throw new Rollback('no')
        })(),
      ).toThrow(Rollback)
      const sent = await pending!
      await checks.neverSent(sent.messageId, 'fn-rollback')
    })

    it('wakes the workers once the app\'s transaction has ended', async () => {
      const wakes: boolean[] = [] // for each wake: was the transaction still open?
      const stop = await relay.storage.wakeups!.listen(() => wakes.push(db.inTransaction))
      db.exec('BEGIN')
      const sent = await relay.send(event('wake'), { transaction: db })
      await new Promise((resolve) => setImmediate(resolve))
      expect(wakes).toEqual([])
      db.exec('COMMIT')
      await checks.delivered(sent.messageId)
      expect(wakes.length).toBeGreaterThan(0)
      expect(wakes.every((open) => !open)).toBe(true)
      await stop()
    })

    it('keeps the app\'s transaction usable when a send in it is refused', async () => {
      db.exec('BEGIN')
      insertOrder('survives')
      await expect(relay.send({ ...event('x'), endpointIds: ['ep_missing'] }, { transaction: db })).rejects.toThrow(/ep_missing/)
      const sent = await relay.send(event('survives'), { transaction: db })
      db.exec('COMMIT')
      await checks.delivered(sent.messageId, 'survives')
    })

    it('works on a second connection to the same file', async () => {
      const other = new Database(filename)
      try {
        other.exec('BEGIN IMMEDIATE')
        other.prepare('insert into orders (id) values (?)').run('second-connection')
        const sent = await relay.send(event('second-connection'), { transaction: other })
        other.exec('COMMIT')
        await checks.delivered(sent.messageId, 'second-connection')
      } finally {
        other.close()
      }
    })

    it('refuses a Database with no open transaction, and one on another file', async () => {
      await expect(relay.send(event('idle'), { transaction: db })).rejects.toMatchObject({
        name: 'OutboxTransactionError',
        code: 'NOT_IN_TRANSACTION',
        message: expect.stringContaining("db.exec('BEGIN')"),
      })
      const elsewhere = new Database(join(dir, 'other.db'))
      try {
        elsewhere.exec('BEGIN')
        await expect(relay.send(event('elsewhere'), { transaction: elsewhere })).rejects.toMatchObject({
          code: 'WRONG_DATABASE',
          message: expect.stringContaining('other.db'),
        })
        elsewhere.exec('ROLLBACK')
      } finally {
        elsewhere.close()
      }
    })
  })

  describe('a Drizzle transaction (better-sqlite3)', () => {
    it('commits with the app\'s writes and is delivered; rolls back with them', async () => {
      const orm = drizzleSqlite(db)
      let pending: Promise<SendResult> | undefined
      orm.transaction((tx) => {
        tx.run(sql`insert into orders (id) values (${'drizzle-commit'})`)
        pending = relay.send(event('drizzle-commit'), { transaction: tx })
      })
      await checks.delivered((await pending!).messageId, 'drizzle-commit')

      expect(() =>
        orm.transaction((tx) => {
          tx.run(sql`insert into orders (id) values (${'drizzle-rollback'})`)
          pending = relay.send(event('drizzle-rollback'), { transaction: tx })
          tx.rollback()
        }),
      ).toThrow(/Rollback/)
      await checks.neverSent((await pending!).messageId, 'drizzle-rollback')
    })

    it('refuses the Drizzle database itself: it is not a transaction', async () => {
      await expect(relay.send(event('drizzle-db'), { transaction: drizzleSqlite(db) })).rejects.toMatchObject({
        code: 'NOT_IN_TRANSACTION',
        message: expect.stringContaining('db.transaction((tx)'),
      })
    })
  })

  describe('a Knex transaction (better-sqlite3)', () => {
    let k: Knex
    beforeAll(() => {
      k = knex({ client: 'better-sqlite3', connection: { filename }, useNullAsDefault: true })
    })
    afterAll(async () => {
      await k?.destroy()
    })

    it('commits with the app\'s writes and is delivered; rolls back with them', async () => {
      const sent = await k.transaction(async (trx) => {
        await trx('orders').insert({ id: 'knex-commit' })
        return relay.send(event('knex-commit'), { transaction: trx })
      })
      await checks.delivered(sent.messageId, 'knex-commit')

      let messageId = ''
      await expect(
        k.transaction(async (trx) => {
          await trx('orders').insert({ id: 'knex-rollback' })
          messageId = (await relay.send(event('knex-rollback'), { transaction: trx })).messageId
          throw new Rollback('no')
        }),
      ).rejects.toBeInstanceOf(Rollback)
      await checks.neverSent(messageId, 'knex-rollback')
    })

    it('refuses the Knex instance itself: it is not a transaction', async () => {
      await expect(relay.send(event('knex-instance'), { transaction: k })).rejects.toMatchObject({ code: 'NOT_IN_TRANSACTION' })
    })
  })

  describe('handles of the other database', () => {
    it('refuses Postgres handles with WRONG_DATABASE, saying what to pass', async () => {
      const wrong = {
        code: 'WRONG_DATABASE',
        message: expect.stringMatching(/on Postgres, but this relay stores its messages in SQLite: pass .*better-sqlite3 Database/),
      }
      const pool = new pg.Pool({ connectionString: 'postgres://nobody@127.0.0.1:1/none' }) // never connects
      const k = knex({ client: 'pg', connection: 'postgres://nobody@127.0.0.1:1/none' })
      try {
        await expect(relay.send(event('x'), { transaction: new pg.Client() })).rejects.toMatchObject(wrong)
        await expect(relay.send(event('x'), { transaction: pool })).rejects.toMatchObject(wrong)
        await expect(relay.send(event('x'), { transaction: drizzlePg(pool) })).rejects.toMatchObject(wrong)
        await expect(relay.send(event('x'), { transaction: k })).rejects.toMatchObject(wrong)
      } finally {
        await pool.end()
        await k.destroy()
      }
    })
  })
})
