/**
 * Every `code` a hookrelay error can carry, in one place, with the HTTP status the admin API and
 * the dashboard answer it with and what a person should do about it. `HookrelayError.code` is typed
 * by this catalogue, so a code that is not here does not compile; docs/errors.md is written from it.
 */
export const ERROR_CODES = {
  // Input: the caller has to change what it passes.
  VALIDATION_ERROR: { status: 400, action: 'Fix the input named by the error\'s issues.' },
  INVALID_JSON: { status: 400, action: 'Send a JSON body.' },
  PAYLOAD_TOO_LARGE: { status: 413, action: 'Send less (an id the receiver can fetch), or raise the limit.' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, action: 'Send application/json.' },
  UNSAFE_URL: { status: 400, action: 'Use a public URL, or allow private addresses explicitly (allowPrivateNetworks).' },
  TOO_MANY_DELIVERIES: { status: 400, action: 'Fan a message out to fewer endpoints.' },
  PAYLOAD_INVALID: { status: 400, action: "Send data that matches the event type's schema in the catalog (see the issues)." },
  UNKNOWN_EVENT_TYPE: { status: 400, action: 'Use an event type the catalog defines (the message names the closest).' },

  // The outbox: the caller's transaction handed to send().
  NOT_IN_TRANSACTION: { status: 400, action: 'Pass a handle inside an open transaction (after BEGIN), or roll back a failed one.' },
  WRONG_DATABASE: { status: 400, action: 'Pass a transaction on the database (and file) the relay stores in.' },
  UNSUPPORTED_TRANSACTION: { status: 400, action: 'Pass a Kysely, Drizzle or Knex transaction, a pg client or a better-sqlite3 database.' },

  // Lookups and state.
  NOT_FOUND: { status: 404, action: 'Check the id; deleted and purged records are gone.' },
  ENDPOINT_DISABLED: { status: 409, action: 'Enable the endpoint first.' },
  DELIVERY_IN_PROGRESS: { status: 409, action: 'Wait for the delivery to end, or replay it once dead.' },
  RELAY_STATE: { status: 409, action: 'Call it in the state the message names (e.g. before stop()).' },

  // The environment: the database, a peer dependency.
  MISSING_DEPENDENCY: { status: 500, action: 'npm install the package named in the message.' },
  STORAGE_UNAVAILABLE: { status: 503, action: 'Retry once the database is back (same idempotency key).' },
  NOT_MIGRATED: { status: 503, action: 'Run relay.migrate() or `hookrelay migrate` against this database.' },
  STORAGE_CONFLICT: { status: 409, action: 'Retry: another writer changed the same row at the same time.' },
  STORAGE_INCONSISTENT: { status: 500, action: 'A row refers to one that is missing; report it with the ids.' },

  // Inbound handlers.
  PERMANENT_ERROR: { status: 500, action: 'Thrown by a handler: the webhook is dead-lettered at once.' },

  // Signature verification (`verify()`, receivers): the sender's request, or the receiver's secret.
  MISSING_HEADER: { status: 400, action: 'The sender must send the scheme\'s headers.' },
  INVALID_HEADER: { status: 400, action: 'The sender sent a malformed header.' },
  INVALID_TIMESTAMP: { status: 400, action: 'The timestamp must be whole unix seconds.' },
  TIMESTAMP_TOO_OLD: { status: 401, action: 'A replay, or a clock behind by more than the tolerance.' },
  TIMESTAMP_TOO_NEW: { status: 401, action: 'A clock ahead by more than the tolerance.' },
  NO_MATCHING_SIGNATURE: { status: 401, action: 'Wrong secret, or the body was changed before verification.' },
  INVALID_SECRET: { status: 500, action: 'Configure a valid secret for the scheme.' },
  INVALID_PAYLOAD: { status: 500, action: 'Pass the raw body (string or bytes), not parsed JSON.' },
  INVALID_OPTIONS: { status: 500, action: 'Fix the option named in the message.' },

  // HTTP surfaces (admin API, dashboard).
  UNAUTHORIZED: { status: 401, action: 'Authenticate as your authorize() hook expects.' },
  FORBIDDEN: { status: 403, action: 'Your authorize() hook refused this request.' },
  ROUTE_NOT_FOUND: { status: 404, action: 'Check the path against the admin API reference.' },
  METHOD_NOT_ALLOWED: { status: 405, action: 'Use a method named in the Allow header.' },
  INTERNAL: { status: 500, action: 'A bug or an outage: see the server logs.' },
} as const satisfies Record<string, { status: number; action: string }>

/** A stable error code: switch on it. See {@link ERROR_CODES} for what each means. */
export type HookrelayErrorCode = keyof typeof ERROR_CODES

/** True when `value` is one of hookrelay's error codes. */
export function isErrorCode(value: unknown): value is HookrelayErrorCode {
  return typeof value === 'string' && Object.hasOwn(ERROR_CODES, value)
}

/** The HTTP status an HTTP surface answers an error code with. */
export function statusOfCode(code: HookrelayErrorCode): number {
  return ERROR_CODES[code].status
}
