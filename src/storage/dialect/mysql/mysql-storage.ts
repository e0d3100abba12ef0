import { CompiledQuery, Kysely, type MysqlPool } from 'kysely'
import { z } from 'zod'
import { KyselyStorage } from '../../kysely/kysely-storage.js'
import { loadOptionalPeer } from '../../load-peer.js'
import { parseOptions } from '../../options.js'
import { mysqlDialect } from './mysql-dialect.js'
import { MysqlMigratingDialect } from './mysql-kysely.js'
import { MysqlStoreMessages } from './mysql-store-messages.js'
import { oneConnectionSource } from '../connection-options.js'

/**
 * What hookrelay needs of a mysql2 pool you hand in: a callback pool (`mysql2.createPool()`), the
 * shape Kysely's `MysqlDialect` asks for, so `mysql2` stays an optional dependency. A promise pool
 * (`mysql2/promise`) is accepted too: its callback pool (`.pool`) is used.
 */
export interface MysqlPoolLike extends MysqlPool {}

/** Options of {@link mysqlStorage}: exactly one of `connectionString` (or `uri`) and `pool`. */
export interface MysqlStorageOptions {
  /**
   * A MySQL or MariaDB URL; hookrelay creates (and `close()` ends) its own mysql2 pool, whose
   * sessions use READ COMMITTED (fewer gap locks between claims and sends). Exactly one of
   * `connectionString`, `uri` and `pool`.
   * @example mysqlStorage({ connectionString: 'mysql://app:secret@127.0.0.1:3306/app' })
   */
  connectionString?: string
  /**
   * Another name for `connectionString` (mysql2 calls it `uri`).
   * @example mysqlStorage({ uri: process.env.MYSQL_URL })
   */
  uri?: string
  /**
   * Your own mysql2 pool (`mysql2.createPool(…)`, or a `mysql2/promise` pool). `close()` does not
   * end it. Its sessions keep their isolation level; hookrelay reads what must be current with
   * locking reads, so REPEATABLE READ (the default) works, with more gap locking.
   * @example mysqlStorage({ pool: mysql.createPool({ uri, connectionLimit: 10 }) })
   */
  pool?: MysqlPoolLike | { pool: MysqlPoolLike }
  /**
   * Prepended to every table and index name: letters, digits and `_`, at most 26 characters
   * (MySQL's names stop at 64, and the longest index name adds 38).
   * @default 'hookrelay_'
   * @example mysqlStorage({ uri, tablePrefix: 'webhooks_' })
   */
  tablePrefix?: string
  /**
   * Size of the pool hookrelay creates; only with `connectionString` or `uri`.
   * @default 10
   * @example mysqlStorage({ uri, max: 20 })
   */
  max?: number
}

const isCallbackPool = (value: unknown): value is MysqlPoolLike =>
  typeof value === 'object' &&
  value !== null &&
  typeof (value as { getConnection?: unknown }).getConnection === 'function' &&
  typeof (value as { end?: unknown }).end === 'function'

const optionsSchema = z
  .object({
    connectionString: z.string().min(1, 'must not be empty').optional(),
    uri: z.string().min(1, 'must not be empty').optional(),
    pool: z
      .custom<MysqlPoolLike | { pool: MysqlPoolLike }>(
        (value) => isCallbackPool(value) || (typeof value === 'object' && value !== null && isCallbackPool((value as { pool?: unknown }).pool)),
        'must be a mysql2 pool (mysql2.createPool(), with getConnection() and end())',
      )
      .optional(),
    tablePrefix: z
      .string()
      .max(26, 'must be at most 26 characters')
      .regex(/^[A-Za-z_][A-Za-z0-9_]*$|^$/, 'tablePrefix must contain only letters, digits and _ and not start with a digit')
      .optional(),
    max: z.number().int('must be an integer').positive('must be at least 1').optional(),
  })
  .strict()
  .superRefine(oneConnectionSource(['connectionString', 'uri', 'pool'] as const, ['connectionString', 'uri']))


interface Mysql2Module {
  createPool(config: { uri: string; connectionLimit: number }): MysqlPoolLike & {
    on(event: 'error', listener: (error: Error) => void): unknown
  }
}

/**
 * hookrelay on MySQL 8.0.1+ or MariaDB 10.6+: for one process or many. Workers claim with
 * `FOR UPDATE SKIP LOCKED`, so any number of processes can share the tables; there are no
 * wake-ups, so workers poll (or use the Redis queue driver). Call `migrate()` before use.
 *
 * @example
 * const storage = mysqlStorage({ connectionString: 'mysql://root@127.0.0.1:3306/app' })
 * await storage.migrate()
 */
export function mysqlStorage(options: MysqlStorageOptions): KyselyStorage {
  const parsed = parseOptions(optionsSchema, options ?? {}, 'mysqlStorage() options')
  const tablePrefix = parsed.tablePrefix ?? 'hookrelay_'
  const messageStore = (tables: ConstructorParameters<typeof MysqlStoreMessages>[0]) => new MysqlStoreMessages(tables)
  if (parsed.pool) {
    const pool = isCallbackPool(parsed.pool) ? parsed.pool : parsed.pool.pool
    // Destroying this Kysely would end the caller's pool: close() leaves it alone.
    const db = new Kysely<any>({ dialect: new MysqlMigratingDialect({ pool }) })
    return new KyselyStorage({ db, dialect: mysqlDialect, tablePrefix, messageStore, onClose: async () => undefined })
  }
  const mysql = loadOptionalPeer<Mysql2Module>('mysql2', 'mysqlStorage()')
  const pool = mysql.createPool({ uri: (parsed.connectionString ?? parsed.uri)!, connectionLimit: parsed.max ?? 10 })
  // An idle connection that drops emits 'error' on the pool; without a listener that would end
  // the process. The next query simply gets a fresh connection.
  pool.on('error', () => undefined)
  const db = new Kysely<any>({
    dialect: new MysqlMigratingDialect({
      pool,
      onCreateConnection: async (connection) => {
        await connection.executeQuery(CompiledQuery.raw('set session transaction isolation level read committed'))
      },
    }),
  })
  return new KyselyStorage({ db, dialect: mysqlDialect, tablePrefix, messageStore, onClose: () => db.destroy() })
}
