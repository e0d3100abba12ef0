import type { Kysely } from 'kysely'
import type { Migration, MigrationContext } from './migration.js'
import { dropIndex } from './drop-index.js'
import { partialIndex } from './partial-index.js'

/**
 * The retention indexes of 002, `deliveries (completed_at, status)` and `inbound_messages
 * (processed_at, status)`, held an entry for every row, though only finished rows have a time
 * there and every reader asks for a range of it (purge, dead letters by failure time). Each
 * insert and each claim of an unfinished row then paid for an entry nobody reads: on Postgres an
 * index entry costs about 5 µs of server CPU per row written. Rebuilt partial (`… is not null`),
 * they get one entry per row, when it finishes; a range on the column implies the predicate, so
 * the same queries use them (the query plan specs assert it).
 *
 * Only where indexes can be partial (SQLite, Postgres); on MySQL nothing changes. The rebuild
 * reads the table once: on a large database, expect this migration to take a while.
 */
export const finishedPartialIndexes: Migration = {
  name: '016-finished-partial-indexes',
  async up(db: Kysely<any>, context: MigrationContext): Promise<void> {
    if (!context.dialect.capabilities.partialIndexes) return
    const rebuilt = [
      { table: 'deliveries', index: 'deliveries_completed_idx', column: 'completed_at' },
      { table: 'inbound_messages', index: 'inbound_messages_processed_idx', column: 'processed_at' },
    ] as const
    for (const { table, index, column } of rebuilt) {
      await dropIndex(db, `${context.prefix}${index}`, table, context)
      await db.schema
        .createIndex(`${context.prefix}${index}`)
        .on(table)
        .columns([column, 'status'])
        .$call((builder) => partialIndex(builder, `${column} is not null`, context))
        .execute()
    }
  },
}
