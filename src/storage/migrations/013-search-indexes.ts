import type { Kysely } from 'kysely'
import type { Migration, MigrationContext } from './migration.js'

/**
 * The dashboard's message search by endpoint (newest first, keyset on the id) walks
 * `deliveries (endpoint_id, id)` in id order and stops after a page: the (endpoint_id, status)
 * index of 001 made it read every delivery of the endpoint and sort them (162 ms at 100,000
 * deliveries, growing with the table).
 *
 * Not added, measured: `messages (type, id)` and `messages (tenant, id)`. SQLite's planner then
 * always starts from the messages index (with or without ANALYZE) and sorts, so a rare type gets
 * fast but a common type or tenant reads and sorts every matching delivery (4.3 s and 3.6 s at
 * 1,000,000 messages, against about a page's work without them). See docs/dashboard.md.
 */
export const searchIndexes: Migration = {
  name: '013-search-indexes',
  async up(db: Kysely<any>, { prefix }: MigrationContext): Promise<void> {
    await db.schema.createIndex(`${prefix}deliveries_endpoint_id_idx`).on('deliveries').columns(['endpoint_id', 'id']).execute()
  },
}
