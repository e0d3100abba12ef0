import { OutboxTransactionError } from '../../core/errors.js'
import { recogniseBetterSqlite3 } from './better-sqlite3-transaction.js'
import { hasFunction, type HandleDatabase, type OutboxTarget, type RecognisedHandle } from './outbox-connection.js'
import { recognisePgClient } from './pg-client-transaction.js'

/** What hookrelay reads of a Knex instance or transaction (`knex`'s public `Knex` and `Knex.Client` types). */
interface KnexLike {
  readonly isTransaction?: boolean
  isCompleted?(): boolean
  readonly client: { readonly dialect?: unknown; readonly driverName?: unknown; acquireConnection(): unknown }
}

/** A Knex instance or transaction: a function with `raw`, `transaction`, and a client that hands out connections. */
function isKnex(value: unknown): value is KnexLike {
  return (
    typeof value === 'function' &&
    hasFunction(value, 'raw') &&
    hasFunction(value, 'transaction') &&
    hasFunction(Reflect.get(value, 'client'), 'acquireConnection')
  )
}

/** Knex's dialect names (`client.dialect`) as hookrelay's. */
function knexDatabase(dialect: unknown): HandleDatabase | undefined {
  if (dialect === 'postgresql' || dialect === 'postgres' || dialect === 'pg') return 'postgres'
  if (dialect === 'sqlite3' || dialect === 'better-sqlite3') return 'sqlite'
  if (dialect === 'mysql' || dialect === 'mysql2') return 'mysql'
  return undefined
}

/**
 * `value` as a caller's Knex transaction, if it is Knex at all. hookrelay writes on the
 * transaction's own connection (`trx.client.acquireConnection()`, which in a transaction is the
 * connection it runs on): a `pg` client or a better-sqlite3 database, handled as those are.
 */
export function recogniseKnex(value: unknown): RecognisedHandle | undefined {
  if (!isKnex(value)) return undefined
  return {
    name: 'a Knex transaction',
    database: knexDatabase(value.client.dialect),
    open() {
      if (value.isTransaction !== true) {
        throw new OutboxTransactionError(
          'NOT_IN_TRANSACTION',
          'This is a Knex instance, not a transaction: pass the `trx` of `await knex.transaction(async (trx) => { … })`.',
        )
      }
      if (value.isCompleted?.() === true) {
        throw new OutboxTransactionError('NOT_IN_TRANSACTION', 'This Knex transaction is over (committed or rolled back): send inside its callback.')
      }
      return connectionOf(value)
    },
  }
}

async function connectionOf(trx: KnexLike): Promise<OutboxTarget> {
  const connection: unknown = await trx.client.acquireConnection()
  const name = 'the connection of the Knex transaction'
  const handle = recognisePgClient(connection, name) ?? recogniseBetterSqlite3(connection, name)
  if (!handle) {
    throw new OutboxTransactionError(
      'UNSUPPORTED_TRANSACTION',
      `Knex over ${String(trx.client.driverName ?? trx.client.dialect)} is not supported: use Knex's pg client on Postgres, or its better-sqlite3 client on SQLite.`,
    )
  }
  return handle.open()
}
