import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { wakeupChannel } from '../../src/storage/dialect/postgres/postgres-wakeups.js'
import { postgresStorage } from '../../src/storage/dialect/postgres/postgres-storage.js'
import { eventually } from '../support/eventually.js'
import { postgresTarget, type StorageEnvironment } from '../support/storages.js'
import { POSTGRES_URL } from '../support/urls.js'
import { aMessage, anEndpoint, aDelivery } from '../contract/fixtures.js'
import type { KyselyStorage } from '../../src/storage/kysely/kysely-storage.js'

/** Commits a transaction that announces work, as send() does. */
async function announce(storage: KyselyStorage, rollback = false): Promise<void> {
  await storage
    .transaction(async (tx) => {
      await tx.announceWork()
      if (rollback) throw new Error('roll back')
    })
    .catch(() => undefined)
}

describe.skipIf(!inject('postgresAvailable'))('Postgres wake-ups (LISTEN/NOTIFY)', () => {
  let env: StorageEnvironment
  let admin: pg.Pool

  beforeAll(async () => {
    env = await postgresTarget.open()
    admin = new pg.Pool({ connectionString: POSTGRES_URL, max: 2 })
  })
  afterAll(async () => {
    await admin?.end()
    await env?.teardown()
  })

  it('names one channel per schema and table prefix, well within 63 characters', () => {
    const long = 'x'.repeat(63)
    expect(wakeupChannel(long, 'y'.repeat(30)).length).toBeLessThanOrEqual(63)
    expect(wakeupChannel('public', 'hookrelay_')).toBe(wakeupChannel('public', 'hookrelay_'))
    expect(wakeupChannel('public', 'a_')).not.toBe(wakeupChannel('public', 'b_'))
    expect(wakeupChannel('a', 'b_c')).not.toBe(wakeupChannel('a_b', 'c'))
  })

  it('wakes listeners on commit only, and only those of the same tables', async () => {
    const tablePrefix = `wk_${randomBytes(3).toString('hex')}_`
    const listener = env.createStorage({ tablePrefix })
    const other = env.createStorage({ tablePrefix: `${tablePrefix}other_` })
    const sender = env.createStorage({ tablePrefix })
    await listener.migrate()
    await other.migrate()
    let woken = 0
    let otherWoken = 0
    const stop = await listener.wakeups!.listen(() => woken++)
    const stopOther = await other.wakeups!.listen(() => otherWoken++)
    try {
      await announce(sender, true)
      await new Promise((r) => setTimeout(r, 200))
      expect(woken).toBe(0)
      await announce(sender)
      await eventually(() => expect(woken).toBe(1))
      // A real send, in the caller's transaction, announces on commit too.
      const endpoint = anEndpoint()
      await sender.insertEndpoint(endpoint)
      const message = aMessage()
      await env.inSchema(sender.db).transaction().execute(async (tx) => {
        await sender.transaction(async (stx) => {
          await stx.insertMessage(message, null)
          await stx.insertDeliveries([aDelivery(message, endpoint)])
          await stx.announceWork()
        }, { external: tx })
        await new Promise((r) => setTimeout(r, 100))
        expect(woken).toBe(1) // not before the commit
      })
      await eventually(() => expect(woken).toBe(2))
      expect(otherWoken).toBe(0)
    } finally {
      await stop()
      await stopOther()
    }
  })

  it('re-establishes a LISTEN connection that was cut, reports it, and looks once for what it missed', async () => {
    const tablePrefix = `wk_${randomBytes(3).toString('hex')}_`
    const listener = env.createStorage({ tablePrefix })
    await listener.migrate()
    const channel = wakeupChannel(env.location, tablePrefix)
    let woken = 0
    const errors: Error[] = []
    const stop = await listener.wakeups!.listen(
      () => woken++,
      (error) => errors.push(error),
    )
    try {
      const killed = await admin.query(
        `select pg_terminate_backend(pid) from pg_stat_activity where query = $1`,
        [`LISTEN "${channel}"`],
      )
      expect(killed.rowCount).toBe(1)
      await eventually(() => expect(errors.length).toBeGreaterThan(0), 5_000)
      await eventually(() => expect(woken).toBe(1), 10_000) // the catch-up wake after reconnecting
      await announce(env.createStorage({ tablePrefix }))
      await eventually(() => expect(woken).toBe(2), 5_000)
    } finally {
      await stop()
    }
    // Stopped: the connection is gone.
    await eventually(async () => {
      const left = await admin.query(`select count(*)::int as n from pg_stat_activity where query = $1`, [`LISTEN "${channel}"`])
      expect(left.rows[0].n).toBe(0)
    })
  })

  it('listens on a client of the pool it was given, and gives it back on stop', async () => {
    const pool = new pg.Pool({ connectionString: POSTGRES_URL, max: 3 })
    const tablePrefix = `wk_${randomBytes(3).toString('hex')}_`
    const storage = postgresStorage({ pool, schema: env.location, tablePrefix })
    try {
      await storage.migrate()
      let woken = 0
      const stop = await storage.wakeups!.listen(() => woken++)
      expect(pool.totalCount - pool.idleCount).toBe(1)
      await announce(storage)
      await eventually(() => expect(woken).toBe(1))
      await stop()
      expect(pool.totalCount - pool.idleCount).toBe(0)
    } finally {
      await storage.close()
      await pool.end()
    }
  })
})
