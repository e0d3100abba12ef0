import { Kysely, SqliteDialect, type SqliteDatabase } from 'kysely'
import { withStatementCache } from './statement-cache.js'
import { z } from 'zod'
import { isDuration, toMilliseconds, type Duration } from '../core/duration.js'
import { KyselyStorage } from './kysely-storage.js'
import { loadOptionalPeer } from './load-peer.js'
import { parseOptions } from './options.js'
import { sqliteDialect } from './sqlite-dialect.js'

/**
 * What hookrelay needs of a `better-sqlite3` `Database` you hand in (the same shape Kysely's
 * `SqliteDialect` asks for), so `better-sqlite3` stays an optional dependency.
 */
export interface BetterSqlite3DatabaseLike extends SqliteDatabase {}

export interface SqliteStorageOptions {
  /**
   * The database file, created if missing; `':memory:'` for a private in-memory database (gone
   * when the process exits). Not allowed together with `database`.
   * @default './hookrelay.db'
   * @example sqliteStorage({ filename: './data/webhooks.db' })
   */
  filename?: string
  /**
   * Your own `better-sqlite3` `Database`, to keep hookrelay's tables next to yours. hookrelay
   * turns `foreign_keys` on and leaves `journal_mode` alone; it sets `synchronous` and
   * `busy_timeout` only when you pass those options. `close()` does not close it.
   * @example sqliteStorage({ database: new Database('./app.db') })
   */
  database?: BetterSqlite3DatabaseLike
  /**
   * Prepended to every table and index name: letters, digits and `_`.
   * @default 'hookrelay_'
   * @example sqliteStorage({ tablePrefix: 'webhooks_' }) // tables webhooks_endpoints, webhooks_deliveries, …
   */
  tablePrefix?: string
  /**
   * SQLite's `synchronous` setting (the file runs in WAL mode). `'normal'` fsyncs at checkpoints
   * only: a committed transaction survives a crash of the process, but the last transactions
   * before a power loss or OS crash can be lost. `'full'` fsyncs every commit: nothing committed
   * is lost, at the cost of slower writes.
   * @default 'normal'
   * @example sqliteStorage({ synchronous: 'full' })
   */
  synchronous?: 'normal' | 'full'
  /**
   * How long a write waits for another process's write lock before failing with SQLITE_BUSY.
   * @default '5s'
   * @example sqliteStorage({ busyTimeout: '10s' })
   */
  busyTimeout?: Duration
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
  }

  const db = new Kysely<any>({ dialect: new SqliteDialect({ database: withStatementCache(database) }) })
  return new KyselyStorage({
    db,
    dialect: sqliteDialect,
    tablePrefix: parsed.tablePrefix ?? 'hookrelay_',
    // Destroying the Kysely closes the database, so only do it for a database we opened.
    onClose: owned ? () => db.destroy() : async () => undefined,
  })
}

function pragma(database: BetterSqlite3DatabaseLike, statement: string): void {
  database.prepare(`PRAGMA ${statement}`).run([])
}

