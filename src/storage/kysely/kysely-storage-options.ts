import type { Kysely, SqliteDatabase } from 'kysely'
import type { StorageDialect } from '../dialect/dialect.js'
import type { Migration } from '../migrations/index.js'
import type { StorageWakeups } from '../storage.js'
import type { MessageStore, SendTables } from '../sql/message-store.js'

/** Where `KyselyStorage` keeps its tables and how it reaches them. */
export interface KyselyStorageOptions {
  /**
   * The Kysely to run on, as the application sees it: without hookrelay's table prefix or schema.
   * This is what `storage.db` returns, for outbox transactions.
   */
  readonly db: Kysely<any>
  /** The database-specific bits: claim locking and the migration lock. */
  readonly dialect: StorageDialect
  /** Prepended to every table and index name. Default `'hookrelay_'`. */
  readonly tablePrefix?: string
  /** Postgres schema of the tables; `undefined` uses the connection's default (SQLite: always). */
  readonly schema?: string
  /** Releases what the factory opened (a pool, a database file); called once by `close()`. */
  readonly onClose?: () => Promise<void>
  /** Migrations to apply; defaults to hookrelay's own. For tests of the migrator. */
  readonly migrations?: readonly Migration[]
  /**
   * Announces new work inside a `send()` transaction (Postgres: `pg_notify`, delivered on commit).
   * `tx` is the transaction, scoped to hookrelay's tables. Default: nothing (workers poll).
   */
  readonly announce?: (tx: Kysely<any>) => Promise<void>
  /** Wake-ups to expose as `storage.wakeups` (Postgres LISTEN, SQLite outbox commits). Default: none. */
  readonly wakeups?: StorageWakeups
  /** How `send()`'s writes are made on this database (`storeMessages`), given the real table names. */
  readonly messageStore: (tables: SendTables) => MessageStore
  /**
   * SQLite: the better-sqlite3 connection `db` runs on. When given, the claim and the settle run
   * on it synchronously while Kysely's connection is held, instead of a Kysely round per statement.
   */
  readonly sqliteConnection?: SqliteDatabase
}
