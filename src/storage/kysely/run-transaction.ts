import type { Kysely, Transaction } from 'kysely'

/**
 * `db.transaction().execute(fn)`, except that when `fn` fails and the ROLLBACK fails too, the
 * error thrown is `fn`'s, not the rollback's. SQLite rolls a transaction back by itself on some
 * errors (a full disk: `SQLITE_FULL`), and Kysely's ROLLBACK then fails with `cannot rollback - no
 * transaction is active`, which used to replace the error that says what went wrong. The rollback's
 * error is kept on the original as `rollbackError`.
 *
 * A transaction the database chose as a deadlock victim runs again, up to 4 times in all, unless
 * `retryDeadlocks` is `false`.
 */
export async function runTransaction<DB, T>(
  db: Kysely<DB>,
  fn: (tx: Transaction<DB>) => Promise<T>,
  options: { retryDeadlocks?: boolean } = {},
): Promise<T> {
  // A deadlock victim's transaction was rolled back whole, so running `fn` again is safe when `fn`
  // only talks to the database (every caller in storage/ but the outbox, whose `fn` is the
  // caller's). InnoDB picks victims among ordinary concurrent claims, settles and deletes.
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await runOnce(db, fn)
    } catch (error) {
      if (options.retryDeadlocks === false || attempt >= DEADLOCK_ATTEMPTS || !isDeadlock(error)) throw error
      await new Promise((resolve) => setTimeout(resolve, attempt * (5 + Math.random() * 20)))
    }
  }
}

/** Tries a transaction chosen as a deadlock victim gets, in all. */
const DEADLOCK_ATTEMPTS = 4

/** A deadlock victim, as MySQL/MariaDB (errno 1213) or Postgres (SQLSTATE 40P01) report it. */
export function isDeadlock(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false
  const { errno, code } = error as { errno?: unknown; code?: unknown }
  return errno === 1213 || code === 'ER_LOCK_DEADLOCK' || code === '40P01'
}

async function runOnce<DB, T>(db: Kysely<DB>, fn: (tx: Transaction<DB>) => Promise<T>): Promise<T> {
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
