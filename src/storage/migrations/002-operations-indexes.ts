import type { Kysely } from 'kysely'
import type { Migration, MigrationContext } from './migration.js'

/**
 * Indexes for operators' queries, so none of them scans a whole table: per-endpoint and global
 * statistics over a time window (attempts by start time), and retention (ended deliveries by
 * completion time, messages by creation time, handled inbound messages by processing time).
 */
export const operationsIndexes: Migration = {
  name: '002-operations-indexes',
  async up(db: Kysely<any>, { prefix }: MigrationContext): Promise<void> {
    await db.schema
      .createIndex(`${prefix}attempts_endpoint_started_idx`)
      .on('attempts')
      .columns(['endpoint_id', 'started_at'])
      .execute()
    await db.schema.createIndex(`${prefix}attempts_started_idx`).on('attempts').columns(['started_at']).execute()
    await db.schema
      .createIndex(`${prefix}deliveries_completed_idx`)
      .on('deliveries')
      // completed_at first: purge and dead-letter time filters are ranges on it, and with status
      // first SQLite would pick this index for the claim's status IN (…) and sort every due row.
      .columns(['completed_at', 'status'])
      .execute()
    await db.schema.createIndex(`${prefix}messages_created_idx`).on('messages').columns(['created_at']).execute()
    await db.schema
      .createIndex(`${prefix}inbound_messages_processed_idx`)
      .on('inbound_messages')
      .columns(['processed_at', 'status']) // processed_at first, for the same reason as above
      .execute()
  },
}
