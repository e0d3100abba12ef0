import { CompiledQuery, SqliteDialect, SqliteDriver, type DatabaseConnection, type Driver, type Kysely, type SqliteDatabase, type SqliteDialectConfig } from 'kysely'

/**
 * Runs `work` synchronously on `database` in one `BEGIN IMMEDIATE` transaction, while Kysely's
 * connection is held (so no other transaction of this process interleaves): the hot path's
 * settle and `send()`'s store, which skip Kysely's round of promises per statement. `database`
 * must be the connection `kysely` runs on.
 */
export function immediateTransaction<T>(kysely: Kysely<any>, database: SqliteDatabase, work: () => T): Promise<T> {
  return kysely.connection().execute(async () => {
    database.prepare('begin immediate').run([])
    try {
      const result = work()
      database.prepare('commit').run([])
      return result
    } catch (error) {
      // A failed COMMIT (SQLITE_BUSY, a full disk) may leave the transaction open, or not.
      if (Reflect.get(database, 'inTransaction') !== false) {
        try {
          database.prepare('rollback').run([])
        } catch {
          // Nothing to roll back: keep the original error.
        }
      }
      throw error
    }
  })
}

/**
 * Kysely's SQLite dialect, with transactions that start `BEGIN IMMEDIATE` instead of `BEGIN`.
 *
 * hookrelay's transactions all write. In a deferred transaction a first read takes a snapshot, and
 * SQLite refuses to turn it into a write while another connection holds the write lock (another
 * process, the CLI, the checkpoint worker's RESTART) at once, with `SQLITE_BUSY` and without
 * waiting `busy_timeout`: the busy handler only runs for a transaction that holds no snapshot yet.
 * An immediate transaction takes the write lock first, waiting for it. Outbox transactions opened
 * on `storage.db` are immediate too, as they write (`send()`).
 */
export class ImmediateSqliteDialect extends SqliteDialect {
  readonly #config: SqliteDialectConfig

  constructor(config: SqliteDialectConfig) {
    super(config)
    this.#config = config
  }

  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.#config)
  }
}

class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'))
  }
}
