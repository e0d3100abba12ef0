import { sql } from 'kysely'
import { expect, it } from 'vitest'
import { migrations } from '../../src/storage/migrations/index.js'
import { describeEachStorage, mysqlTarget } from '../support/storages.js'

/**
 * MySQL commits every DDL statement on its own: a process killed mid-migration leaves some of a
 * migration's tables, columns, indexes and rows behind, unrecorded. The next `migrate()` must run
 * that migration again over what is there, and finish it.
 */
describeEachStorage(
  'MySQL migrations after a crash',
  ({ env }) => {
    it('runs an interrupted migration again over the steps it had made, and finishes it', async () => {
      const storage = await env().freshStorage()
      const db = storage.db
      const table = (name: Parameters<typeof storage.tableName>[0]) => sql.id(storage.tableName(name))
      const idBefore = await storage.databaseId()
      // As if the process died while running every migration: all their steps made, none recorded,
      // and the last steps of 001 (the inbound claim index) not made yet.
      await sql`delete from ${table('migrations')}`.execute(db)
      await sql`drop index ${sql.id(`${storage.tableName('inbound_messages')}_claim_idx`)} on ${table('inbound_messages')}`.execute(db)

      const again = env().createStorage({ tablePrefix: prefixOf(storage) })
      await again.migrate()
      const applied = await sql<{ name: string }>`select name from ${table('migrations')} order by name`.execute(db)
      expect(applied.rows.map((r) => r.name)).toEqual(migrations.map((m) => m.name))
      expect(await env().listIndexes()).toContain(`${storage.tableName('inbound_messages')}_claim_idx`)
      // The identity written by the first run stays (its row already existed).
      expect(await again.databaseId()).toBe(idBefore)
      await again.migrate() // and a finished migration is not run again
    })

    it('runs again a migration interrupted between two index drops (018)', async () => {
      const storage = await env().freshStorage()
      const db = storage.db
      const deliveries = storage.tableName('deliveries')
      await sql`delete from ${sql.id(storage.tableName('migrations'))} where name = '018-endpoint-deliveries-index'`.execute(db)
      // 018 had made its index and dropped the first old one, then the process died.
      await sql`create index ${sql.id(`${deliveries}_endpoint_id_idx`)} on ${sql.id(deliveries)} (endpoint_id, id)`.execute(db)
      const again = env().createStorage({ tablePrefix: prefixOf(storage) })
      await again.migrate()
      const indexes = await env().listIndexes()
      expect(indexes).toContain(`${deliveries}_endpoint_history_idx`)
      expect(indexes).not.toContain(`${deliveries}_endpoint_id_idx`)
      expect(indexes).not.toContain(`${deliveries}_endpoint_idx`)
    })

    it('still fails on an error that is not "already exists"', async () => {
      const storage = await env().freshStorage()
      await sql`delete from ${sql.id(storage.tableName('migrations'))} where name = '005-endpoint-circuit-state'`.execute(storage.db)
      // The column exists, so re-adding it is "already exists"; a missing table is a real error.
      await sql`rename table ${sql.id(storage.tableName('endpoints'))} to ${sql.id(storage.tableName('endpoints') + '_x')}`.execute(storage.db)
      const again = env().createStorage({ tablePrefix: prefixOf(storage) })
      await expect(again.migrate()).rejects.toThrow(/doesn't exist/)
    })
  },
  [mysqlTarget],
)

/** The table prefix a storage was made with. */
function prefixOf(storage: { tableName(table: 'migrations'): string }): string {
  return storage.tableName('migrations').slice(0, -'migrations'.length)
}
