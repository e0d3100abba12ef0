import type { HookrelayErrorCode } from './error-codes.js'

export { ERROR_CODES, isErrorCode, statusOfCode, type HookrelayErrorCode } from './error-codes.js'

/**
 * The names of an error's class and its ancestors, under a global symbol, so that `instanceof`
 * recognises a hookrelay error thrown by another copy of the package (ESM and CJS loaded side by
 * side, two versions in one tree), as undici does for its errors.
 */
const BRANDS = Symbol.for('hookrelay.error.brands')

function brandsOf(target: Function): string[] {
  const names: string[] = []
  for (let c: unknown = target; typeof c === 'function' && c !== Error; c = Object.getPrototypeOf(c)) names.push(c.name)
  return names
}

/**
 * Every error hookrelay throws on purpose is a `HookrelayError` with a stable `code` from one
 * catalogue (`ERROR_CODES`) that callers can switch on. Messages say what to do, never contain a
 * secret. `instanceof` works across two loaded copies of hookrelay.
 *
 * @example
 * try { await relay.send(event) } catch (error) {
 *   if (error instanceof HookrelayError && error.code === 'STORAGE_UNAVAILABLE') return retryLater()
 *   throw error
 * }
 */
export class HookrelayError extends Error {
  readonly code: HookrelayErrorCode
  declare readonly [BRANDS]: readonly string[]

  constructor(code: HookrelayErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = new.target.name
    this.code = code
    Object.defineProperty(this, BRANDS, { value: brandsOf(new.target), enumerable: false })
  }

  /** `error instanceof SomeHookrelayError`, also for an error from another copy of the package. */
  static override [Symbol.hasInstance](value: unknown): boolean {
    if (typeof value !== 'object' || value === null) return false
    if (Function.prototype[Symbol.hasInstance].call(this, value)) return true
    const brands: unknown = Reflect.get(value, BRANDS)
    return Array.isArray(brands) && brands.includes(this.name)
  }
}

/** Bad options, a bad event, a bad endpoint: the caller has to change its input. */
export class ValidationError extends HookrelayError {
  /** Where the problem is, e.g. `['url']` or `['events', 3, 'type']`. */
  readonly issues: readonly { path: readonly PropertyKey[]; message: string }[]

  constructor(
    message: string,
    issues: readonly { path: readonly PropertyKey[]; message: string }[] = [],
    code: HookrelayErrorCode = 'VALIDATION_ERROR',
  ) {
    super(code, message)
    this.issues = issues
  }
}

/** The thing asked for does not exist (endpoint, message, delivery). */
export class NotFoundError extends HookrelayError {
  constructor(what: string, id: string) {
    super('NOT_FOUND', `${what} ${JSON.stringify(id)} does not exist.`)
  }
}

/** An optional peer dependency (a database driver, ioredis) is not installed. */
export class MissingDependencyError extends HookrelayError {
  constructor(pkg: string, purpose: string, options?: { cause?: unknown }) {
    super(
      'MISSING_DEPENDENCY',
      `${purpose} needs the "${pkg}" package, which is not installed. Run: npm install ${pkg}`,
      options,
    )
  }
}

/** The endpoint URL resolves to an address the SSRF guard refuses. */
export class UnsafeUrlError extends HookrelayError {
  constructor(message: string) {
    super('UNSAFE_URL', message)
  }
}

/** The relay was used in a state that does not allow it (e.g. send after stop). */
export class RelayStateError extends HookrelayError {
  constructor(message: string) {
    super('RELAY_STATE', message)
  }
}

/**
 * The database could not be reached or dropped the connection mid-operation (a restart, a
 * failover, `pg_terminate_backend`). The operation may or may not have been applied: retry it,
 * with the same idempotency key for a `send()`. `cause` holds the driver's error.
 */
export class StorageUnavailableError extends HookrelayError {
  /** Always true: a later attempt can succeed once the database is back. */
  readonly retryable = true

  constructor(message: string, options?: { cause?: unknown }) {
    super('STORAGE_UNAVAILABLE', message, options)
  }
}

/**
 * hookrelay's tables are missing from the database it was given: `migrate()` (or `start()`, which
 * migrates unless told not to) has not run there, or the storage points at another database,
 * schema or table prefix than the one migrated. `cause` holds the driver's error.
 */
export class NotMigratedError extends HookrelayError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('NOT_MIGRATED', message, options)
  }
}

/** Why `send(event, { transaction })` refused the transaction it was given. */
export type OutboxTransactionErrorCode =
  /** The handle is one hookrelay knows, but no transaction is open on it (never begun, or already over). */
  | 'NOT_IN_TRANSACTION'
  /** The handle is on another kind of database than the relay's storage (a `pg` client for SQLite, say). */
  | 'WRONG_DATABASE'
  /** Not a handle hookrelay can write on (a pool, an async SQLite driver, something else). */
  | 'UNSUPPORTED_TRANSACTION'

/**
 * `send(event, { transaction })` was given something it cannot write the message in. Nothing was
 * written. The message says what to pass instead; `code` says which case it is.
 */
export class OutboxTransactionError extends ValidationError {
  declare readonly code: OutboxTransactionErrorCode

  constructor(code: OutboxTransactionErrorCode, message: string) {
    super(message, [{ path: ['transaction'], message: code.toLowerCase().replaceAll('_', ' ') }], code)
  }
}

/**
 * An event's `data` does not match the schema its type has in the event catalog (`defineEvents`).
 * `issues` hold the schema's own messages, with paths from the event (`['data', 'total']`).
 */
export class PayloadInvalidError extends ValidationError {
  /** The event type whose schema refused the payload. */
  readonly type: string

  constructor(type: string, message: string, issues: readonly { path: readonly PropertyKey[]; message: string }[]) {
    super(message, issues, 'PAYLOAD_INVALID')
    this.type = type
  }
}

/**
 * An event type (of a sent event, an endpoint's `eventTypes`, a retry schedule) that the event
 * catalog does not define. `suggestion` is the closest type it does define, if any is close.
 */
export class UnknownEventTypeError extends ValidationError {
  readonly type: string
  readonly suggestion: string | null

  constructor(
    type: string,
    suggestion: string | null,
    message: string,
    issues: readonly { path: readonly PropertyKey[]; message: string }[],
  ) {
    super(message, issues, 'UNKNOWN_EVENT_TYPE')
    this.type = type
    this.suggestion = suggestion
  }
}
