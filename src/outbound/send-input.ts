import { z } from 'zod'
import { ValidationError } from '../core/errors.js'
import { EVENT_TYPE_PATTERN } from '../core/event-type.js'

/** An event to send. */
export interface SendEvent<TData = unknown> {
  /** The event type, e.g. `'order.created'`: dot-separated letters, digits, `_` and `-`. */
  type: string
  /** The payload's `data`; anything JSON-serialisable. */
  data: TData
  /** Deliver only to endpoints of this tenant. @default endpoints without a tenant */
  tenant?: string | null | undefined
  /** Deliver only to endpoints subscribed to one of these channels (or to no channel). */
  channels?: string[] | undefined
  /**
   * Makes `send()` idempotent within the tenant: a second send with the same key writes nothing
   * and returns the first message with `duplicate: true`.
   */
  idempotencyKey?: string | undefined
  /** Deliver to exactly these endpoints (of the tenant), ignoring their event-type and channel filters. */
  endpointIds?: string[] | undefined
}

/** The second argument of `relay.send()` and `relay.sendMany()`. */
export interface SendOptions {
  /**
   * Your own open transaction on the relay's database: the message and its deliveries are written
   * in it and commit or roll back with it (a transactional outbox). Nothing is sent before it
   * commits, nothing at all if it rolls back. Accepted, on the matching storage:
   * - a Kysely transaction (`tx` of `db.transaction().execute(async (tx) => …)`);
   * - Postgres: a `pg` `Client` or pool client on which you ran `BEGIN`; a Drizzle
   *   (node-postgres) or Knex (pg) transaction;
   * - SQLite: a better-sqlite3 `Database` inside a transaction (manual `BEGIN` … `COMMIT`, or
   *   `db.transaction(fn)` with `send()` not awaited); a Drizzle or Knex transaction over
   *   better-sqlite3, on the relay's database file.
   * Anything else, a handle with no open transaction, or one on the other database, is refused
   * with an `OutboxTransactionError` (`NOT_IN_TRANSACTION`, `WRONG_DATABASE`,
   * `UNSUPPORTED_TRANSACTION`) before anything is written. See "The outbox" in docs/sending.md.
   * @default none: send() commits in a transaction of its own
   * @example
   * const client = await pool.connect()
   * await client.query('BEGIN')
   * await client.query('insert into orders (id) values ($1)', [order.id])
   * await relay.send({ type: 'order.created', data: order }, { transaction: client })
   * await client.query('COMMIT')
   */
  transaction?: unknown
}

/** What `relay.send()` resolves to once the message and its deliveries are committed. */
export interface SendResult {
  /** The message id, which receivers see as `webhook-id`. */
  messageId: string
  deliveryIds: string[]
  /** True when the idempotency key was seen before; nothing new was written. */
  duplicate: boolean
}

/** What `send()` accepts as an event (unknown fields refused). */
export const sendEventSchema = z.strictObject({
  type: z.string().max(256).regex(EVENT_TYPE_PATTERN, "must look like 'order.created' (letters, digits, _ and -, dot-separated)"),
  data: z.unknown().refine((v) => v !== undefined, 'is required (use null or {} for no data)'),
  tenant: z.string().min(1).max(256).nullable().optional(),
  channels: z.array(z.string().regex(/^[A-Za-z0-9_.:-]{1,128}$/)).max(64).optional(),
  idempotencyKey: z.string().min(1).max(256).optional(),
  endpointIds: z.array(z.string().min(1)).max(1000).optional(),
})

const SEND_OPTIONS = new Set(['transaction'])
const EVENT_FIELDS = new Set(['type', 'data', 'tenant', 'channels', 'idempotencyKey', 'endpointIds'])

/**
 * Refuses options `send()` does not know, above all an event field given as an option
 * (`send(event, { idempotencyKey })`), which would otherwise be ignored without a word.
 */
export function checkSendOptions(options: unknown): void {
  if (options === undefined) return
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new ValidationError('The second argument of send() must be an options object such as { transaction }.')
  }
  const unknown = Object.keys(options).filter((key) => !SEND_OPTIONS.has(key))
  if (unknown.length === 0) return
  const misplaced = unknown.filter((key) => EVENT_FIELDS.has(key))
  const hint =
    misplaced.length > 0
      ? ` ${misplaced.join(' and ')} ${misplaced.length > 1 ? 'belong' : 'belongs'} in the event: send({ type, data, ${misplaced.join(', ')} }).`
      : ' The only send() option is transaction.'
  throw new ValidationError(
    `Unknown send() option${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}.${hint}`,
    unknown.map((key) => ({ path: ['options', key], message: EVENT_FIELDS.has(key) ? 'belongs in the event' : 'unknown option' })),
  )
}

