import { z } from 'zod'
import type { EventCatalog } from '../catalog/define-events.js'
import { validateEventData } from '../catalog/validate-payload.js'
import { HookrelayError, ValidationError } from '../core/errors.js'
import { EVENT_TYPE_PATTERN } from '../core/event-type.js'
import type { MessageCreatedEvent } from '../core/events.js'
import { newMessageId } from '../core/ids.js'
import type { MessageRecord } from '../core/types.js'
import { parseOrThrow } from '../core/validation.js'
import type { OutgoingMessage, Outbox, StoredMessage } from '../storage/storage.js'
import { throwActionable } from '../storage/storage-errors.js'
import type { Telemetry } from '../telemetry/telemetry.js'
import { SendBatcher } from './send-batcher.js'

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

const sendEventSchema = z.strictObject({
  type: z.string().max(256).regex(EVENT_TYPE_PATTERN, "must look like 'order.created' (letters, digits, _ and -, dot-separated)"),
  data: z.unknown().refine((v) => v !== undefined, 'is required (use null or {} for no data)'),
  tenant: z.string().min(1).max(256).nullable().optional(),
  channels: z.array(z.string().regex(/^[A-Za-z0-9_.:-]{1,128}$/)).max(64).optional(),
  idempotencyKey: z.string().min(1).max(256).optional(),
  endpointIds: z.array(z.string().min(1)).max(1000).optional(),
})

export interface SenderDeps {
  storage: Outbox
  now: () => number
  maxPayloadBytes: number
  /** The event catalog: every sent event's type must be in it and its data match the type's schema. */
  catalog?: EventCatalog | undefined
  /** Spans around sends, when OpenTelemetry is on. */
  telemetry?: Telemetry | null | undefined
  /** Called with what was committed, when `send()` ran its own transaction. */
  onCommitted: (created: MessageCreatedEvent[]) => void
}

interface Prepared {
  message: MessageRecord
  scope: string | null
  endpointIds: string[] | null
}

/** A `sendMany()` larger than this is a batch already: it gets its own transaction instead of joining others. */
const COALESCE_UP_TO = 64
const SEND_OPTIONS = new Set(['transaction'])
const EVENT_FIELDS = new Set(['type', 'data', 'tenant', 'channels', 'idempotencyKey', 'endpointIds'])

/**
 * Refuses options `send()` does not know, above all an event field given as an option
 * (`send(event, { idempotencyKey })`), which would otherwise be ignored without a word.
 */
function checkSendOptions(options: unknown): void {
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

/** Messages per `storeMessages` call: bounds one statement's size; a larger batch takes several in one transaction. */
const MESSAGES_PER_STATEMENT = 500

/**
 * `relay.send()` and `relay.sendMany()`: validate, then write each message and its fan-out in one
 * transaction. Sends made outside a caller's transaction in the same I/O turn share one
 * transaction (see `SendBatcher`); inside a caller's transaction they join it (the outbox).
 */
export class Sender {
  readonly #deps: SenderDeps
  readonly #batcher: SendBatcher<Prepared, SendResult>

  constructor(deps: SenderDeps) {
    this.#deps = deps
    this.#batcher = new SendBatcher((items) => this.#commit(items))
  }

  async send(event: SendEvent, options: SendOptions = {}): Promise<SendResult> {
    const [result] = await this.sendMany([event], options)
    return result!
  }

  sendMany(events: readonly SendEvent[], options: SendOptions = {}): Promise<SendResult[]> {
    return this.#sendMany(events, options, false).catch((error: unknown) => throwActionable(error, 'send()'))
  }

  /**
   * Sends a test message (`endpoints.sendTest`): its body carries `"test": true`, and its data is
   * not checked against the catalog here (the caller did, or it is the `webhook.test` ping).
   */
  sendTest(event: SendEvent): Promise<SendResult> {
    return this.#sendMany([event], {}, true)
      .then(([result]) => result!)
      .catch((error: unknown) => throwActionable(error, 'sendTest()'))
  }

  async #sendMany(input: readonly SendEvent[], options: SendOptions, test: boolean): Promise<SendResult[]> {
    checkSendOptions(options)
    if (!Array.isArray(input)) throw new ValidationError('sendMany() takes an array of events.')
    const what = (index: number) => (input.length > 1 ? `event [${index}]` : 'event')
    const { catalog } = this.#deps
    // Without a catalog (or for a test) no await is added: sends of one I/O turn still share a commit.
    const events = catalog && !test ? await this.#validate(catalog, input, what) : input
    const prepared = events.map((event, index) => this.#prepare(event, what(index), test))
    if (prepared.length === 0) return []
    const telemetry = this.#deps.telemetry
    if (!telemetry) return this.#write(prepared, options)
    return telemetry.send(prepared.length, (traceparent) => {
      for (const item of prepared) item.message.traceContext = traceparent
      return this.#write(prepared, options)
    })
  }

  #write(prepared: Prepared[], options: SendOptions): Promise<SendResult[]> {
    if (options.transaction !== undefined) {
      // Inside the caller's transaction we cannot know when (or whether) it commits, so no event then.
      return this.#deps.storage.transaction((tx) => this.#store((m) => tx.storeMessages(m), prepared, []), {
        external: options.transaction,
      })
    }
    if (prepared.length > COALESCE_UP_TO) return this.#commit(prepared)
    return this.#batcher.add(prepared)
  }

  /** Each event's data as its catalog schema gives it back (defaults and transforms applied). */
  async #validate(catalog: EventCatalog, events: readonly SendEvent[], what: (index: number) => string): Promise<SendEvent[]> {
    return Promise.all(
      events.map(async (event, index) => {
        // The shape (type, data present…) is checked first, so a missing type is not called unknown.
        const checked = parseOrThrow(sendEventSchema, event, what(index))
        return { ...event, data: await validateEventData(catalog, checked.type, checked.data, what(index)) }
      }),
    )
  }

  /** Resolves once every send accepted so far is written (or failed). */
  drain(): Promise<void> {
    return this.#batcher.drain()
  }

  /** Writes `items` in a transaction of ours, then announces what was committed. */
  async #commit(items: Prepared[]): Promise<SendResult[]> {
    const created: MessageCreatedEvent[] = []
    const { storage } = this.#deps
    // One storeMessages call is its own transaction (on Postgres a single statement, no BEGIN/COMMIT).
    const results =
      items.length <= MESSAGES_PER_STATEMENT
        ? await this.#store((m) => storage.storeMessages(m), items, created)
        : await storage.transaction((tx) => this.#store((m) => tx.storeMessages(m), items, created))
    if (created.length > 0) this.#deps.onCommitted(created)
    return results
  }

  #prepare(input: SendEvent, what: string, test: boolean): Prepared {
    const event = parseOrThrow(sendEventSchema, input, what)
    const now = this.#deps.now()
    const id = newMessageId(now)
    const createdAt = new Date(now)
    let payload: string
    try {
      const envelope = { type: event.type, timestamp: createdAt.toISOString(), data: event.data }
      payload = JSON.stringify(test ? { ...envelope, test: true } : envelope)
    } catch (error) {
      throw new ValidationError(`Invalid ${what}: data is not JSON-serialisable (${(error as Error).message}).`, [
        { path: ['data'], message: 'not JSON-serialisable' },
      ])
    }
    const size = Buffer.byteLength(payload)
    if (size > this.#deps.maxPayloadBytes) {
      throw new HookrelayError(
        'PAYLOAD_TOO_LARGE',
        `Invalid ${what}: the payload is ${size} bytes, over the limit of ${this.#deps.maxPayloadBytes} bytes. ` +
          'Send a smaller event (for example an id the receiver can fetch), or raise limits.maxPayloadBytes.',
      )
    }
    const tenant = event.tenant ?? null
    return {
      message: {
        id,
        tenant,
        type: event.type,
        payload,
        channels: event.channels ?? [],
        idempotencyKey: event.idempotencyKey ?? null,
        createdAt,
      },
      scope: event.idempotencyKey ? JSON.stringify([tenant, event.idempotencyKey]) : null,
      endpointIds: event.endpointIds ? [...new Set(event.endpointIds)] : null,
    }
  }

  /**
   * Writes a batch through `storeMessages`: an idempotency key repeated inside the batch is
   * written once and its later occurrences return the first, as duplicates. What was written is
   * pushed to `created`.
   */
  async #store(
    storeMessages: (messages: OutgoingMessage[]) => Promise<StoredMessage[]>,
    items: readonly Prepared[],
    created: MessageCreatedEvent[],
  ): Promise<SendResult[]> {
    const writes: Prepared[] = []
    const firstOf = new Map<string, number>() // scope -> index in writes
    const slot: number[] = items.map((item) => {
      if (item.scope !== null) {
        const first = firstOf.get(item.scope)
        if (first !== undefined) return first
        firstOf.set(item.scope, writes.length)
      }
      writes.push(item)
      return writes.length - 1
    })
    const stored: StoredMessage[] = []
    for (let i = 0; i < writes.length; i += MESSAGES_PER_STATEMENT) {
      const chunk = writes.slice(i, i + MESSAGES_PER_STATEMENT)
      stored.push(
        ...(await storeMessages(chunk.map((w) => ({ message: w.message, idempotencyScope: w.scope, endpointIds: w.endpointIds })))),
      )
    }
    const written: SendResult[] = stored.map((outcome, i) => {
      if (outcome.duplicate) return { messageId: outcome.messageId, deliveryIds: [...outcome.deliveryIds], duplicate: true }
      const { message } = writes[i]!
      const deliveryIds = outcome.deliveries.map((d) => d.id)
      created.push({
        messageId: message.id,
        type: message.type,
        tenant: message.tenant,
        deliveryIds,
        endpointIds: outcome.deliveries.map((d) => d.endpointId),
      })
      return { messageId: message.id, deliveryIds, duplicate: false }
    })
    const seen = new Set<number>()
    return slot.map((index) => {
      const result = written[index]!
      if (seen.has(index)) return { ...result, deliveryIds: [...result.deliveryIds], duplicate: true }
      seen.add(index)
      return result
    })
  }
}
