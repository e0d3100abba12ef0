import { existsSync } from 'node:fs'
import { ValidationError } from '../core/errors.js'
import { mysqlStorage } from '../storage/dialect/mysql/mysql-storage.js'
import { postgresStorage } from '../storage/dialect/postgres/postgres-storage.js'
import { sqliteStorage } from '../storage/dialect/sqlite/sqlite-storage.js'
import type { Storage } from '../storage/storage.js'

/** How the CLI reaches the database. */
export interface ConnectOptions {
  /** `postgres://…` / `postgresql://…`, `mysql://…` (MySQL or MariaDB), or a SQLite file (`./hookrelay.db`, `sqlite:./hookrelay.db`, `file:./hookrelay.db`). */
  databaseUrl?: string
  tablePrefix?: string
  /** Postgres only. */
  schema?: string
  /**
   * Refuse a SQLite file that does not exist (every command but `migrate`): opening it would
   * create an empty database and fail later with a confusing "no such table".
   */
  mustExist?: boolean
}

/** Opens the storage a `--database-url` (or `HOOKRELAY_DATABASE_URL`) names. */
export function connect(options: ConnectOptions): Storage {
  const url = options.databaseUrl?.trim()
  if (!url) {
    throw new ValidationError(
      'No database given: pass --database-url postgres://user@host/db (or a SQLite file such as ./hookrelay.db), ' +
        'or set HOOKRELAY_DATABASE_URL.',
      [{ path: ['databaseUrl'], message: 'required' }],
    )
  }
  const prefix = options.tablePrefix === undefined ? {} : { tablePrefix: options.tablePrefix }
  if (/^postgres(ql)?:\/\//i.test(url)) {
    return postgresStorage({ connectionString: url, ...prefix, ...(options.schema === undefined ? {} : { schema: options.schema }) })
  }
  if (/^(mysql|mariadb):\/\//i.test(url)) {
    if (options.schema !== undefined) {
      throw new ValidationError('--schema only applies to Postgres (on MySQL the database in the URL is the schema).', [
        { path: ['schema'], message: 'Postgres only' },
      ])
    }
    return mysqlStorage({ connectionString: url.replace(/^mariadb:/i, 'mysql:'), ...prefix })
  }
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(url)?.[1]
  if (scheme !== undefined && !/^(sqlite|file)$/i.test(scheme)) {
    throw new ValidationError(
      `The CLI cannot open a ${scheme}:// database: use postgres://user@host/db, mysql://user@host/db, or a SQLite file such as ./hookrelay.db.`,
      [{ path: ['databaseUrl'], message: `unsupported scheme ${scheme}` }],
    )
  }
  if (options.schema !== undefined) {
    throw new ValidationError('--schema only applies to Postgres.', [{ path: ['schema'], message: 'Postgres only' }])
  }
  const filename = url.replace(/^sqlite:(\/\/)?/i, '').replace(/^file:(\/\/)?/i, '')
  if (options.mustExist && filename !== ':memory:' && !existsSync(filename)) {
    throw new ValidationError(
      `No SQLite database at ${filename}: check the path (it is relative to ${process.cwd()}), or create the tables there with \`hookrelay migrate\`.`,
      [{ path: ['databaseUrl'], message: 'file not found' }],
    )
  }
  return sqliteStorage({ filename, ...prefix })
}
