import type { Kysely } from 'kysely'
import type { StorageDialect } from '../../dialect/dialect.js'
import type { MessageStore } from '../../sql/message-store.js'
import type { StorageTransaction } from '../../storage.js'
import { openOutboxTransaction } from '../../transactions/open-outbox.js'
import type { Db } from '../kysely-storage-helpers.js'
import { runTransaction } from '../run-transaction.js'
import { KyselyStorageTransaction } from './kysely-storage-transaction.js'

/** What `send()`'s transaction needs of the storage it writes to. */
export interface StorageTransactionContext {
  db: Db
  dialect: StorageDialect
  /** Puts a caller's Kysely (or one on the caller's connection) on hookrelay's tables. */
  scope: (db: Kysely<any>) => Db
  announce: ((tx: Kysely<any>) => Promise<void>) | undefined
  messageStore: MessageStore
}

/**
 * Runs `fn` in the caller's transaction (`external`: the outbox, any handle `openOutboxTransaction`
 * recognises) or in one of hookrelay's own.
 */
export async function runStorageTransaction<T>(
  ctx: StorageTransactionContext,
  fn: (tx: StorageTransaction) => Promise<T>,
  external: unknown,
): Promise<T> {
  const { dialect, announce, messageStore } = ctx
  if (external !== undefined && external !== null) {
    // Synchronous for every handle but Knex's: a synchronous SQLite transaction function sees the writes before send() returns.
    const opened = openOutboxTransaction(external, dialect.name)
    const target = opened instanceof Promise ? await opened : opened
    const outbox = target.connection === undefined ? {} : { connection: target.connection }
    return fn(new KyselyStorageTransaction(ctx.scope(target.db), dialect, announce, messageStore, outbox))
  }
  // Not retried on a deadlock: `fn` is the sender's, and may have done more than write.
  return runTransaction(ctx.db, (tx) => fn(new KyselyStorageTransaction(tx, dialect, announce, messageStore, undefined)), {
    retryDeadlocks: false,
  })
}
