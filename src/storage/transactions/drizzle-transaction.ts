import { OutboxTransactionError } from '../../core/errors.js'
import { kyselyOn } from './connection-kysely.js'
import { hasFunction, type OutboxConnection, type RecognisedHandle, type Rows } from './outbox-connection.js'
import { failedTransaction, isFailedTransactionError } from './pg-client-transaction.js'

/** Drizzle marks its classes with this static property; a transaction's chain holds e.g. `PgTransaction`, `PgDatabase`. */
const ENTITY_KIND = Symbol.for('drizzle:entityKind')

/** Drizzle's kinds along `value`'s prototype chain (`['NodePgTransaction', 'PgTransaction', 'PgDatabase']`); none if not Drizzle's. */
function drizzleKinds(value: unknown): string[] {
  const kinds: string[] = []
  if (typeof value !== 'object' || value === null) return kinds
  for (let proto: unknown = Object.getPrototypeOf(value); typeof proto === 'object' && proto !== null; proto = Object.getPrototypeOf(proto)) {
    const owner: unknown = Reflect.get(proto, 'constructor')
    const kind: unknown = typeof owner === 'function' ? Reflect.get(owner, ENTITY_KIND) : undefined
    if (typeof kind === 'string' && !kinds.includes(kind)) kinds.push(kind)
  }
  return kinds
}

/**
 * A raw statement in the shape Drizzle's `execute`/`all`/`run` take (an `SQLWrapper` whose SQL
 * renders to `{ sql, params }`), so hookrelay's statements run through the transaction's public
 * raw-SQL methods, on its connection, without importing drizzle-orm.
 */
function rawStatement(text: string, params: readonly unknown[]) {
  const query = { sql: text, params: [...params] }
  const sql = { toQuery: () => query }
  return { getSQL: () => sql }
}

type RawStatement = ReturnType<typeof rawStatement>

/** A Drizzle Postgres transaction's raw-SQL method: `tx.execute(sql)`. */
interface DrizzlePgLike {
  execute(query: RawStatement): PromiseLike<unknown>
}

/** A Drizzle SQLite transaction's raw-SQL methods: `tx.all(sql)` and `tx.run(sql)` (synchronous on better-sqlite3). */
interface DrizzleSqliteLike {
  all(query: RawStatement): unknown
  run(query: RawStatement): unknown
}

function isDrizzlePg(value: unknown): value is DrizzlePgLike {
  return hasFunction(value, 'execute')
}

function isDrizzleSqlite(value: unknown): value is DrizzleSqliteLike {
  return hasFunction(value, 'all') && hasFunction(value, 'run')
}

/** Drizzle wraps driver errors (`DrizzleQueryError`, `DrizzleError`) with the statement's parameters in the message: keep the driver's. */
function unwrap(error: unknown): unknown {
  if (error instanceof Error && error.cause instanceof Error && (error.name === 'DrizzleError' || 'params' in error)) return error.cause
  return error
}

function isThenable(value: unknown): boolean {
  return hasFunction(value, 'then')
}

/** A statement's rows in Drizzle's result: node-postgres' `{ rows }`, or an array (postgres.js). */
function rowsOf(result: unknown): Rows {
  if (Array.isArray(result)) return result as Rows
  const rows: unknown = typeof result === 'object' && result !== null ? Reflect.get(result, 'rows') : undefined
  return Array.isArray(rows) ? (rows as Rows) : []
}

/** A statement that returns rows (hookrelay's own SQL: a select, or a write with RETURNING). */
const READS = /^\s*select\b|\breturning\b/i

function pgConnection(tx: DrizzlePgLike): OutboxConnection {
  return {
    async execute(text, params) {
      try {
        return rowsOf(await tx.execute(rawStatement(text, params)))
      } catch (error) {
        const cause = unwrap(error)
        throw isFailedTransactionError(cause) ? failedTransaction('the Drizzle transaction') : cause
      }
    },
  }
}

function sqliteConnection(tx: DrizzleSqliteLike): OutboxConnection {
  const runSync = (text: string, params: readonly unknown[]): Rows => {
    const reads = READS.test(text)
    let result: unknown
    try {
      result = reads ? tx.all(rawStatement(text, params)) : tx.run(rawStatement(text, params))
    } catch (error) {
      throw unwrap(error)
    }
    if (isThenable(result)) {
      // An async driver's result is lazy: nothing ran.
      throw new OutboxTransactionError(
        'UNSUPPORTED_TRANSACTION',
        'This Drizzle transaction is on an asynchronous SQLite driver (libsql, D1, …); hookrelay\'s SQLite storage writes through ' +
          'better-sqlite3: pass a Drizzle transaction over better-sqlite3 (drizzle-orm/better-sqlite3), on the same database file.',
      )
    }
    return reads && Array.isArray(result) ? (result as Rows) : []
  }
  return { runSync, execute: async (text, params) => runSync(text, params) }
}

const NOT_A_TRANSACTION = {
  postgres: 'pass the `tx` of `await db.transaction(async (tx) => { … })`',
  sqlite:
    'pass the `tx` of `db.transaction((tx) => { … })` (better-sqlite3 transactions are synchronous: call send() in it without await, see "The outbox" in docs/sending.md)',
} as const

/** `value` as a caller's Drizzle transaction, if it is a Drizzle database or transaction. */
export function recogniseDrizzle(value: unknown): RecognisedHandle | undefined {
  const kinds = drizzleKinds(value)
  const database = kinds.includes('PgDatabase') ? 'postgres' : kinds.includes('BaseSQLiteDatabase') ? 'sqlite' : kinds.includes('MySqlDatabase') ? 'mysql' : undefined
  if (database === undefined) return undefined
  const inTransaction = kinds.some((kind) => kind === 'PgTransaction' || kind === 'SQLiteTransaction' || kind === 'MySqlTransaction')
  return {
    name: 'a Drizzle transaction',
    database,
    open() {
      if (database === 'mysql') {
        throw new OutboxTransactionError('UNSUPPORTED_TRANSACTION', 'A Drizzle transaction on MySQL is not supported: pass a Kysely transaction.')
      }
      if (!inTransaction) {
        throw new OutboxTransactionError('NOT_IN_TRANSACTION', `This is a Drizzle database, not a transaction: ${NOT_A_TRANSACTION[database]}.`)
      }
      if (database === 'postgres' && isDrizzlePg(value)) {
        const connection = pgConnection(value)
        return { db: kyselyOn(connection, 'postgres'), connection }
      }
      if (database === 'sqlite' && isDrizzleSqlite(value)) {
        const connection = sqliteConnection(value)
        return { db: kyselyOn(connection, 'sqlite'), connection }
      }
      throw new OutboxTransactionError('UNSUPPORTED_TRANSACTION', 'This Drizzle transaction has no raw-SQL methods (execute, or all and run) hookrelay can write through.')
    },
  }
}
