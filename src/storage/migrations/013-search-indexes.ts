import type { Kysely } from 'kysely'
import type { Migration, MigrationContext } from './migration.js'

/**
 * Indexes for the dashboard's message search (newest first, keyset on the id), so that a search
 * reads about one page of rows however many messages are stored:
 * - by endpoint: `deliveries (endpoint_id, id)` walks one endpoint's deliveries in id order (the
 *   (endpoint_id, status) index of 001 made it read all of them and sort);
 * - by event type and by tenant (the portal always filters by tenant): `messages (type, id)` and
 *   `messages (tenant, id)` find a rare type's or a small tenant's messages directly instead of
 *   walking every delivery to find a few.
 */
export const searchIndexes: Migration = {
  name: '013-search-indexes',
  async up(db: Kysely<any>, { prefix }: MigrationContext): Promise<void> {
    await db.schema.createIndex(`${prefix}deliveries_endpoint_id_idx`).on('deliveries').columns(['endpoint_id', 'id']).execute()
    await db.schema.createIndex(`${prefix}messages_type_id_idx`).on('messages').columns(['type', 'id']).execute()
    await db.schema.createIndex(`${prefix}messages_tenant_id_idx`).on('messages').columns(['tenant', 'id']).execute()
  },
}
