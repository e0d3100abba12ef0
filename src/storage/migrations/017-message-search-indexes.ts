import type { Kysely } from 'kysely'
import type { Migration, MigrationContext } from './migration.js'

/**
 * `messages (type, id)` and `messages (tenant, id)`: a search of deliveries by event type or tenant
 * walks one of them newest first and reads each message's deliveries by `message_id`
 * (`kysely/delivery-log/deliveries-by-message.ts`), so it reads about a page of rows whether the
 * type is sent once in a million messages or every time.
 *
 * Migration 013 had left them out: the search then joined messages to deliveries in one
 * statement, and SQLite's planner always started from such an index and sorted every matching
 * delivery (4.3 s for a common type at 1,000,000 messages). The search no longer gives the planner
 * that choice. Messages are written once and never updated, so each index costs one entry per
 * message sent, not one per delivery attempt.
 */
export const messageSearchIndexes: Migration = {
  name: '017-message-search-indexes',
  async up(db: Kysely<any>, { prefix, dialect }: MigrationContext): Promise<void> {
    if (dialect.keyTextType !== 'text') {
      // MySQL cannot index unbounded text: both become text of `send()`'s own limit (256
      // characters; 1 KiB in utf8mb4, within InnoDB's 3 KiB key). The table is rebuilt once.
      await db.schema.alterTable('messages').modifyColumn('type', 'varchar(256)', (c) => c.notNull()).execute()
      await db.schema.alterTable('messages').modifyColumn('tenant', 'varchar(256)').execute()
    }
    await db.schema.createIndex(`${prefix}messages_type_idx`).on('messages').columns(['type', 'id']).execute()
    await db.schema.createIndex(`${prefix}messages_tenant_idx`).on('messages').columns(['tenant', 'id']).execute()
  },
}
