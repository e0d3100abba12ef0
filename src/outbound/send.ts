import type { EventCatalog } from '../catalog/define-events.js'
import { validateEventData } from '../catalog/validate-payload.js'
import { HookrelayError, ValidationError } from '../core/errors.js'
import type { MessageCreatedEvent } from '../core/events.js'
import { newMessageId } from '../core/ids.js'
import type { MessageRecord } from '../core/types.js'
import { parseOrThrow } from '../core/validation.js'
import type { OutgoingMessage, Outbox, StoredMessage } from '../storage/storage.js'
import { throwActionable } from '../storage/storage-errors.js'
import type { Telemetry } from '../telemetry/telemetry.js'
import { SendBatcher } from './send-batcher.js'
import { checkSendOptions, sendEventSchema, type SendEvent, type SendOptions, type SendResult } from './send-input.js'

export type { SendEvent, SendOptions, SendResult } from './send-input.js'

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
