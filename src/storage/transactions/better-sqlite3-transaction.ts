import type { SqliteDatabase } from 'kysely'
import { OutboxTransactionError } from '../../core/errors.js'
import { withStatementCache, type CachingSqliteDatabase } from '../dialect/sqlite/statement-cache.js'
import { kyselyOn } from './connection-kysely.js'
import { capitalised, hasFunction, type OutboxConnection, type RecognisedHandle, type Rows } from './outbox-connection.js'

/** What hookrelay needs of a `better-sqlite3` `Database`: `prepare`, and whether a transaction is open. */
export interface BetterSqlite3Like extends SqliteDatabase {
  readonly inTransaction: boolean
}

/** A better-sqlite3 `Database`: `prepare`, `transaction`, and a boolean `inTransaction`. */
export function isBetterSqlite3(value: unknown): value is BetterSqlite3Like {
  return (
    hasFunction(value, 'prepare') &&
    hasFunction(value, 'transaction') &&
    hasFunction(value, 'close') &&
    typeof Reflect.get(value, 'inTransaction') === 'boolean'
  )
}

/** Prepared statements per caller connection, kept as long as the connection lives. */
const caches = new WeakMap<BetterSqlite3Like, CachingSqliteDatabase>()

const HOW =
  "either `db.exec('BEGIN')`, `await relay.send(event, { transaction: db })`, then `db.exec('COMMIT')`; " +
  'or call `relay.send(event, { transaction: db })` inside `db.transaction(fn)` (see "The outbox" in docs/sending.md)'

/**
 * The database as hookrelay writes on it: synchronously, so that inside `db.transaction(fn)` the
 * writes are made before `send()` returns, while `fn` still runs. Each statement first checks the
 * transaction is still open (a later statement after the caller committed would commit alone).
 */
export function betterSqlite3Connection(database: BetterSqlite3Like, name: string): OutboxConnection {
  let cached = caches.get(database)
  if (!cached) caches.set(database, (cached = withStatementCache(database, { maxStatements: 50 })))
  const statements = cached
  const runSync = (text: string, params: readonly unknown[]): Rows => {
    if (!database.inTransaction) {
      throw new OutboxTransactionError('NOT_IN_TRANSACTION', `${capitalised(name)} has no open transaction (any more): ${HOW}.`)
    }
    const statement = statements.prepare(text)
    if (statement.reader) return statement.all(params) as Rows
    statement.run(params)
    return []
  }
  return {
    runSync,
    execute: async (text, params) => runSync(text, params),
    transactionState: database,
  }
}

/** `value` as a caller's better-sqlite3 `Database`, if it is one; `name` is how errors call it. */
export function recogniseBetterSqlite3(value: unknown, name = 'the better-sqlite3 Database'): RecognisedHandle | undefined {
  if (!isBetterSqlite3(value)) return undefined
  return {
    name,
    database: 'sqlite',
    open() {
      if (!value.inTransaction) {
        throw new OutboxTransactionError('NOT_IN_TRANSACTION', `${capitalised(name)} has no open transaction: ${HOW}.`)
      }
      const connection = betterSqlite3Connection(value, name)
      return { db: kyselyOn(connection, 'sqlite'), connection }
    },
  }
}
