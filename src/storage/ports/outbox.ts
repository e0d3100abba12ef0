import type { StorageTransaction, OutgoingMessage, StoredMessage } from '../storage-types.js'

/**
 * Where `send()` writes: messages with their deliveries, alone or inside a caller's transaction.
 * One of the narrow ports `Storage` is made of (see `../storage.ts`).
 */
export interface Outbox {
  /**
   * Runs `fn` in one database transaction. With `external` (the caller's open transaction: a
   * Kysely, Drizzle or Knex transaction, a `pg` client inside BEGIN, a better-sqlite3 database in
   * a transaction; see `../transactions/open-outbox.ts`) the work joins that transaction instead,
   * and commits or rolls back with it.
   */
  transaction<T>(fn: (tx: StorageTransaction) => Promise<T>, options?: { external?: unknown }): Promise<T>

  /**
   * `StorageTransaction.storeMessages` as one transaction of its own, committed when it resolves.
   * On Postgres that is the one statement alone (atomic by itself: no BEGIN and COMMIT round trips).
   */
  storeMessages(messages: readonly OutgoingMessage[]): Promise<StoredMessage[]>
}
