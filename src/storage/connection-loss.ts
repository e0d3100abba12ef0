import { StorageUnavailableError } from '../core/errors.js'

// SQLSTATE classes and codes that mean the connection, not the statement, failed: connection
// exceptions (08…), operator intervention (57P01 admin shutdown, 57P02 crash shutdown, 57P03
// cannot connect now) and too many connections (53300).
const CONNECTION_SQLSTATE = /^(08|57P0[123]$|53300$)/
// What pg and Node say when the socket itself is gone.
const CONNECTION_MESSAGE = /Connection terminated|not queryable|ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|socket hang up|Client was closed/i

/** True when `error` says the database connection was lost or refused, not that a statement was wrong. */
export function isConnectionLoss(error: unknown): boolean {
  if (!(error instanceof Error)) return false
  const code = (error as { code?: unknown }).code
  if (typeof code === 'string' && CONNECTION_SQLSTATE.test(code)) return true
  return CONNECTION_MESSAGE.test(error.message)
}

/** Rethrows a lost connection as a typed, retryable {@link StorageUnavailableError}; anything else as is. */
export function rethrowConnectionLoss(error: unknown, operation: string): never {
  if (isConnectionLoss(error)) {
    throw new StorageUnavailableError(
      `${operation} failed because the database connection was lost (${(error as Error).message}); ` +
        'it may or may not have been applied: retry it (a send with the same idempotency key is safe to repeat).',
      { cause: error },
    )
  }
  throw error
}
