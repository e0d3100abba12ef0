import { MysqlAdapter, PostgresAdapter, SqliteAdapter, type Kysely } from 'kysely'
import { OutboxTransactionError } from '../../core/errors.js'
import { isKyselyExecutor } from '../kysely/kysely-storage-helpers.js'
import type { HandleDatabase, RecognisedHandle } from './outbox-connection.js'

/** The database a Kysely is on, by its adapter; `undefined` for an adapter this copy of Kysely does not know. */
function kyselyDatabase(db: Kysely<any>): HandleDatabase | undefined {
  const { adapter } = db.getExecutor()
  if (adapter instanceof PostgresAdapter) return 'postgres'
  if (adapter instanceof SqliteAdapter) return 'sqlite'
  if (adapter instanceof MysqlAdapter) return 'mysql'
  return undefined
}

/** `value` as a caller's Kysely transaction, if it is a Kysely at all. */
export function recogniseKysely(value: unknown): RecognisedHandle | undefined {
  if (!isKyselyExecutor(value)) return undefined
  return {
    name: 'a Kysely transaction',
    database: kyselyDatabase(value),
    open() {
      if (value.isTransaction === false) {
        throw new OutboxTransactionError(
          'NOT_IN_TRANSACTION',
          'This Kysely is not a transaction, so its statements would commit one by one: pass the `tx` of ' +
            '`db.transaction().execute(async (tx) => …)`.',
        )
      }
      return { db: value }
    },
  }
}
