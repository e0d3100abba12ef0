import Database from 'better-sqlite3'
import { Kysely, SqliteDialect, sql } from 'kysely'
import { afterEach, beforeEach, expect, it } from 'vitest'
import { isDeadlock, runTransaction } from '../../src/storage/kysely/run-transaction.js'

let db: Kysely<{ t: { n: number } }>

beforeEach(async () => {
  db = new Kysely({ dialect: new SqliteDialect({ database: new Database(':memory:') }) })
  await sql`create table t (n integer)`.execute(db)
})
afterEach(() => db.destroy())

/** The error mysql2 throws for a deadlock victim (InnoDB rolled its transaction back). */
const deadlock = () => Object.assign(new Error('Deadlock found when trying to get lock; try restarting transaction'), { errno: 1213, code: 'ER_LOCK_DEADLOCK' })

it('runs a deadlock victim again, its first try rolled back', async () => {
  let tries = 0
  const result = await runTransaction(db, async (tx) => {
    tries += 1
    await tx.insertInto('t').values({ n: tries }).execute()
    if (tries < 3) throw deadlock()
    return 'done'
  })
  expect(result).toBe('done')
  expect(tries).toBe(3)
  expect(await db.selectFrom('t').select('n').execute()).toEqual([{ n: 3 }])
})

it('gives up after four tries, and never retries other errors or when told not to', async () => {
  let tries = 0
  await expect(runTransaction(db, async () => { tries += 1; throw deadlock() })).rejects.toThrow(/Deadlock/)
  expect(tries).toBe(4)
  tries = 0
  await expect(runTransaction(db, async () => { tries += 1; throw new Error('constraint') })).rejects.toThrow('constraint')
  expect(tries).toBe(1)
  tries = 0
  await expect(runTransaction(db, async () => { tries += 1; throw deadlock() }, { retryDeadlocks: false })).rejects.toThrow(/Deadlock/)
  expect(tries).toBe(1)
})

it('knows a deadlock by MySQL errno 1213 or Postgres SQLSTATE 40P01, and nothing else', () => {
  expect(isDeadlock(deadlock())).toBe(true)
  expect(isDeadlock(Object.assign(new Error('deadlock detected'), { code: '40P01' }))).toBe(true)
  expect(isDeadlock(Object.assign(new Error('serialization'), { code: '40001' }))).toBe(false)
  expect(isDeadlock(new Error('Deadlock'))).toBe(false)
  expect(isDeadlock(null)).toBe(false)
})
