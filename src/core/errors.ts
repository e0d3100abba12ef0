/**
 * Every error hookrelay throws on purpose is a `HookrelayError` with a stable `code`
 * that callers can switch on. Messages say what to do, never contain a secret.
 */
export class HookrelayError extends Error {
  readonly code: string

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = new.target.name
    this.code = code
  }
}

/** Bad options, a bad event, a bad endpoint: the caller has to change its input. */
export class ValidationError extends HookrelayError {
  /** Where the problem is, e.g. `['url']` or `['events', 3, 'type']`. */
  readonly issues: readonly { path: readonly PropertyKey[]; message: string }[]

  constructor(
    message: string,
    issues: readonly { path: readonly PropertyKey[]; message: string }[] = [],
    code = 'VALIDATION_ERROR',
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
