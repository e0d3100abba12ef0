import { resolve } from 'node:path'
import { Kysely, type SqliteDatabase } from 'kysely'
import { ImmediateSqliteDialect } from './immediate-transactions.js'
import { withStatementCache } from './statement-cache.js'
import { z } from 'zod'
import { isDuration, toMilliseconds, type Duration } from '../../../core/duration.js'
import { KyselyStorage } from '../../kysely/kysely-storage.js'
import { loadOptionalPeer } from '../../load-peer.js'
import { parseOptions } from '../../options.js'
import { sqliteDialect } from './sqlite-dialect.js'
import { startBackgroundCheckpoints, type BackgroundCheckpoints } from './sqlite-checkpointer.js'
import { SqliteCommitWakeups } from './sqlite-commit-wakeups.js'
import { SqliteStoreMessages } from './sqlite-store-messages.js'

/**
 * What hookrelay needs of a `better-sqlite3` `Database` you hand in (the same shape Kysely's
 * `SqliteDialect` asks for), so `better-sqlite3` stays an optional dependency.
 */
export interface BetterSqlite3DatabaseLike extends SqliteDatabase {}

/** Options of {@link sqliteStorage}. Every field is optional. */
export interface SqliteStorageOptions {
  /**
   * The database file, created if missing; `':memory:'` for a private in-memory database (gone
   * when the process exits). Not allowed together with `database`.
   * @default './hookrelay.db'
   * @example sqliteStorage({ filename: './data/webhooks.db' })
   */
  filename?: string | undefined
  /**
   * Your own `better-sqlite3` `Database`, to keep hookrelay's tables next to yours. hookrelay
   * turns `foreign_keys` on and leaves `journal_mode` alone; it sets `synchronous` and
   * `busy_timeout` only when you pass those options. `close()` does not close it.
   * @example sqliteStorage({ database: new Database('./app.db') })
   */
  database?: BetterSqlite3DatabaseLike | undefined
  /**
   * Prepended to every table and index name: letters, digits and `_`.
   * @default 'hookrelay_'
   * @example sqliteStorage({ tablePrefix: 'webhooks_' }) // tables webhooks_endpoints, webhooks_deliveries, …
   */
  tablePrefix?: string | undefined
  /**
   * SQLite's `synchronous` setting (the file runs in WAL mode). `'normal'` fsyncs at checkpoints
   * only: a committed transaction survives a crash of the process, but the last transactions
   * before a power loss or OS crash can be lost. `'full'` fsyncs every commit: nothing committed
   * is lost, at the cost of slower writes.
   * @default 'normal'
   * @example sqliteStorage({ synchronous: 'full' })
   */
  synchronous?: 'normal' | 'full' | undefined
  /**
   * How long a write waits for another process's write lock before failing with SQLITE_BUSY.
   * @default '5s'
   * @example sqliteStorage({ busyTimeout: '10s' })
   */
  busyTimeout?: Duration | undefined
  /**
   * Where WAL checkpoints run. SQLite copies the write-ahead log back into the database file every
   * 1000 pages or so, and fsyncs; with `'auto'` that happens inside whichever commit crosses the
   * mark, on the event loop (milliseconds to tens of milliseconds on a slow disk: the p99 of
   * intake). `'background'` turns that off and checkpoints from a worker thread with its own
   * connection every second (`PASSIVE`, which never blocks a commit, then a short `RESTART` when
   * the log is past 64 MiB, so it cannot grow for ever). Durability is the same: a commit is in
   * the WAL either way, and the checkpoint fsyncs as before. If the worker cannot start or fails, hookrelay falls back to
   * `'auto'` with a process warning. Applies to a database file in WAL mode; `':memory:'` is
   * always `'auto'`.
   * @default 'background' for a file hookrelay opens; 'auto' for a `database` you hand in
   * @example sqliteStorage({ database: new Database('./app.db'), checkpoint: 'background' })
   */
  checkpoint?: 'background' | 'auto' | undefined
}

const optionsSchema = z
  .object({
    filename: z.string().min(1, 'must be a file path or ":memory:"').optional(),
    database: z
      .custom<BetterSqlite3DatabaseLike>(
        (value) =>
          typeof value === 'object' &&
          value !== null &&
          typeof (value as { prepare?: unknown }).prepare === 'function' &&
          typeof (value as { close?: unknown }).close === 'function',
        'must be a better-sqlite3 Database (an object with prepare() and close())',
      )
      .optional(),
    tablePrefix: z
      .string()
      .max(30, 'must be at most 30 characters')
      .regex(/^(|[A-Za-z_][A-Za-z0-9_]*)$/, 'must contain only letters, digits and _ and not start with a digit')
      .optional(),
    synchronous: z.enum(['normal', 'full']).optional(),
    busyTimeout: z
      .custom<Duration>(isDuration, "must be milliseconds or a string like '500ms', '5s', '30m'")
      .optional(),
    checkpoint: z.enum(['background', 'auto']).optional(),
  })
  .strict()
  .refine((o) => !(o.filename !== undefined && o.database !== undefined), {
    message: 'pass either filename or database, not both',
    path: ['database'],
  })

/**
 * hookrelay on SQLite through `better-sqlite3`: the embedded default, for one process.
 * Opens (or creates) the file in WAL mode with `foreign_keys` on; call `migrate()` before use.
 *
 * @example
 * const storage = sqliteStorage({ filename: './hookrelay.db' })
 * await storage.migrate()
 */
export function sqliteStorage(options: SqliteStorageOptions = {}): KyselyStorage {
  const parsed = parseOptions(optionsSchema, options, 'sqliteStorage() options')
  const busyTimeoutMs =
    parsed.busyTimeout === undefined ? undefined : toMilliseconds(parsed.busyTimeout, 'sqliteStorage() busyTimeout')

  let database: BetterSqlite3DatabaseLike
  let owned: boolean
  if (parsed.database) {
    database = parsed.database
    owned = false
    if (busyTimeoutMs !== undefined) pragma(database, `busy_timeout = ${Math.round(busyTimeoutMs)}`)
    if (parsed.synchronous) pragma(database, `synchronous = ${parsed.synchronous.toUpperCase()}`)
    pragma(database, 'foreign_keys = ON')
  } else {
    const BetterSqlite3 = loadOptionalPeer<new (filename: string) => BetterSqlite3DatabaseLike>(
      'better-sqlite3',
      'sqliteStorage()',
    )
    database = new BetterSqlite3(parsed.filename ?? './hookrelay.db')
    owned = true
    pragma(database, `busy_timeout = ${Math.round(busyTimeoutMs ?? 5_000)}`)
    pragma(database, 'journal_mode = WAL')
    pragma(database, `synchronous = ${(parsed.synchronous ?? 'normal').toUpperCase()}`)
    pragma(database, 'foreign_keys = ON')
    // The log is started over after each checkpoint; this truncates the file then, so a burst of
    // writes does not leave a WAL of hundreds of MB on disk for good.
    pragma(database, `journal_size_limit = ${64 * 1024 * 1024}`)
  }

  const checkpoints = (parsed.checkpoint ?? (owned ? 'background' : 'auto')) === 'background' ? backgroundCheckpoints(database) : undefined
  const cached = withStatementCache(database)
  const db = new Kysely<any>({ dialect: new ImmediateSqliteDialect({ database: cached }) })
  // Outbox sends wake this process's workers when the caller's transaction ends.
  const wakeups = new SqliteCommitWakeups(database as { inTransaction?: unknown })
  return new KyselyStorage({
    db,
    dialect: sqliteDialect,
    tablePrefix: parsed.tablePrefix ?? 'hookrelay_',
    wakeups,
    messageStore: (tables) => new SqliteStoreMessages(tables, cached, (connection) => wakeups.afterOutboxWrite(connection)),
    sqliteConnection: cached,
    // The checkpoint worker closes first, so the main connection's close checkpoints and removes
    // the WAL. Destroying the Kysely closes the database, so only do it for a database we opened.
    onClose: async () => {
      await checkpoints?.close()
      if (owned) await db.destroy()
    },
  })
}

/** Background checkpoints for a database file in WAL mode; `undefined` (automatic ones) otherwise. */
function backgroundCheckpoints(database: BetterSqlite3DatabaseLike): BackgroundCheckpoints | undefined {
  const name = (database as { name?: unknown }).name
  if (typeof name !== 'string' || name === '' || name === ':memory:' || name.startsWith('file:')) return undefined
  const mode = database.prepare('PRAGMA journal_mode').all([])[0] as { journal_mode?: string | undefined } | undefined
  if (mode?.journal_mode?.toLowerCase() !== 'wal') return undefined
  const synchronous = (database.prepare('PRAGMA synchronous').all([])[0] as { synchronous?: number | undefined } | undefined)?.synchronous
  return startBackgroundCheckpoints(database, {
    filename: resolve(name),
    intervalMs: 1_000,
    maxWalBytes: 64 * 1024 * 1024,
    // 1 = NORMAL, 2 = FULL, 3 = EXTRA: the worker's checkpoints sync at least as the main connection asks.
    synchronous: synchronous !== undefined && synchronous >= 2 ? 'FULL' : 'NORMAL',
  })
}

function pragma(database: BetterSqlite3DatabaseLike, statement: string): void {
  database.prepare(`PRAGMA ${statement}`).run([])
}

