import { NotMigratedError, StorageUnavailableError } from '../core/errors.js'

// SQLSTATE classes and codes that mean the connection, not the statement, failed: connection
// exceptions (08…), operator intervention (57P01 admin shutdown, 57P02 crash shutdown, 57P03
// cannot connect now) and too many connections (53300).
const CONNECTION_SQLSTATE = /^(08|57P0[123]$|53300$)/
// What pg and Node say when the socket itself is gone.
const CONNECTION_MESSAGE = /Connection terminated|not queryable|ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|socket hang up|Client was closed/i
// A missing table: Postgres's undefined_table (42P01), SQLite's "no such table".
const MISSING_TABLE = /no such table|relation "[^"]*" does not exist/i

/** True when `error` says the database connection was lost or refused, not that a statement was wrong. */
export function isConnectionLoss(error: unknown): boolean {
  if (!(error instanceof Error)) return false
  const code = (error as { code?: unknown }).code
  if (typeof code === 'string' && CONNECTION_SQLSTATE.test(code)) return true
  return CONNECTION_MESSAGE.test(error.message)
}

/** True when `error` says one of the tables a statement used does not exist. */
export function isMissingTable(error: unknown): boolean {
  if (!(error instanceof Error)) return false
  return (error as { code?: unknown }).code === '42P01' || MISSING_TABLE.test(error.message)
}

/**
 * The storage error as a person can act on it: a lost connection as a retryable
 * {@link StorageUnavailableError}, a missing table as {@link NotMigratedError}; anything else as is.
 */
export function actionableStorageError(error: unknown, operation: string): unknown {
  if (isConnectionLoss(error)) {
    return new StorageUnavailableError(
      `${operation} failed because the database connection was lost (${(error as Error).message}); ` +
        'it may or may not have been applied: retry it (a send with the same idempotency key is safe to repeat).',
      { cause: error },
    )
  }
  if (isMissingTable(error)) {
    return new NotMigratedError(
      `${operation} failed: hookrelay's tables are not in this database (${(error as Error).message}). ` +
        'Run `await relay.migrate()` (or `relay.start()`, which migrates) or `npx hookrelay migrate` first, ' +
        'and check that the storage points at the database, schema and table prefix you migrated.',
      { cause: error },
    )
  }
  return error
}

/** Throws {@link actionableStorageError} of `error`. */
export function throwActionable(error: unknown, operation: string): never {
  throw actionableStorageError(error, operation)
}
