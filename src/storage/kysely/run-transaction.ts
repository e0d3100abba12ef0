import type { Kysely, Transaction } from 'kysely'

/**
 * `db.transaction().execute(fn)`, except that when `fn` fails and the ROLLBACK fails too, the
 * error thrown is `fn`'s, not the rollback's. SQLite rolls a transaction back by itself on some
 * errors (a full disk: `SQLITE_FULL`), and Kysely's ROLLBACK then fails with `cannot rollback - no
 * transaction is active`, which used to replace the error that says what went wrong. The rollback's
 * error is kept on the original as `rollbackError`.
 */
export async function runTransaction<DB, T>(db: Kysely<DB>, fn: (tx: Transaction<DB>) => Promise<T>): Promise<T> {
  let failure: { error: unknown } | undefined
  try {
    return await db.transaction().execute(async (tx) => {
      try {
        return await fn(tx)
      } catch (error) {
        failure = { error }
        throw error
      }
    })
  } catch (error) {
    if (failure === undefined || error === failure.error) throw error
    const original = failure.error
    if (typeof original === 'object' && original !== null && Object.isExtensible(original)) {
      Object.defineProperty(original, 'rollbackError', { value: error, enumerable: false, configurable: true })
    }
    throw original
  }
}
