import { z } from 'zod'
import { HookrelayError, ValidationError } from '../core/errors.js'
import { EVENT_TYPE_PATTERN, matchesChannels, matchesEventType } from '../core/event-type.js'
import type { MessageCreatedEvent } from '../core/events.js'
import { newId } from '../core/ids.js'
import type { DeliveryRecord, EndpointRecord, MessageRecord } from '../core/types.js'
import { parseOrThrow } from '../core/validation.js'
import type { Storage, StorageTransaction } from '../storage/storage.js'

/** An event to send. */
export interface SendEvent<TData = unknown> {
  /** The event type, e.g. `'order.created'`: dot-separated letters, digits, `_` and `-`. */
  type: string
  /** The payload's `data`; anything JSON-serialisable. */
  data: TData
  /** Deliver only to endpoints of this tenant. @default endpoints without a tenant */
  tenant?: string | null
  /** Deliver only to endpoints subscribed to one of these channels (or to no channel). */
  channels?: string[]
  /**
   * Makes `send()` idempotent within the tenant: a second send with the same key writes nothing
   * and returns the first message with `duplicate: true`.
   */
  idempotencyKey?: string
  /** Deliver to exactly these endpoints (of the tenant), ignoring their event-type and channel filters. */
  endpointIds?: string[]
}

/** The second argument of `relay.send()` and `relay.sendMany()`. */
export interface SendOptions {
  /**
   * A Kysely transaction of yours on the same database: the message and its deliveries are written
   * in it and commit or roll back with it (a transactional outbox). Nothing is sent before it commits.
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
  storage: Storage
  now: () => number
  maxPayloadBytes: number
  /** Called with what was committed, when `send()` ran its own transaction. */
  onCommitted: (created: MessageCreatedEvent[]) => void
}

interface Prepared {
  event: z.infer<typeof sendEventSchema>
  message: MessageRecord
  scope: string | null
}

/** `relay.send()` and `relay.sendMany()`: validate, fan out, write message and deliveries in one transaction. */
export class Sender {
  readonly #deps: SenderDeps

  constructor(deps: SenderDeps) {
    this.#deps = deps
  }

  async send(event: SendEvent, options: SendOptions = {}): Promise<SendResult> {
    const [result] = await this.sendMany([event], options)
    return result!
  }

  async sendMany(events: readonly SendEvent[], options: SendOptions = {}): Promise<SendResult[]> {
    if (!Array.isArray(events)) throw new ValidationError('sendMany() takes an array of events.')
    const prepared = events.map((event, index) => this.#prepare(event, events.length > 1 ? `event [${index}]` : 'event'))
    const created: MessageCreatedEvent[] = []
    const results = await this.#deps.storage.transaction(
      async (tx) => {
        const out = await this.#write(tx, prepared, created)
        // Announced inside the transaction so it is heard on commit only, also for outbox sends.
        if (created.some((c) => c.deliveryIds.length > 0)) await tx.announceWork()
        return out
      },
      { external: options.transaction },
    )
    // Inside the caller's transaction we cannot know when (or whether) it commits, so no event then.
    if (options.transaction === undefined && created.length > 0) this.#deps.onCommitted(created)
    return results
  }

  #prepare(input: SendEvent, what: string): Prepared {
    const event = parseOrThrow(sendEventSchema, input, what)
    const now = this.#deps.now()
    const id = newId('msg', now)
    const createdAt = new Date(now)
    let payload: string
    try {
      payload = JSON.stringify({ type: event.type, timestamp: createdAt.toISOString(), data: event.data })
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
      event,
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
    }
  }

  /**
   * Writes a batch in a handful of statements whatever its size: messages without an idempotency
   * key in one multi-row insert, keyed ones one by one (each must see the others' commits), the
   * endpoints of each tenant read once, and every delivery in one multi-row insert.
   */
  async #write(tx: StorageTransaction, items: readonly Prepared[], created: MessageCreatedEvent[]): Promise<SendResult[]> {
    const results: SendResult[] = new Array(items.length)
    const fresh: Prepared[] = []
    const byScope = new Map<string, number>()
    for (const [index, item] of items.entries()) {
      if (item.scope === null) {
        fresh.push(item)
        continue
      }
      const earlier = byScope.get(item.scope)
      if (earlier !== undefined) continue // the same key twice in one batch: filled in below
      byScope.set(item.scope, index)
      const inserted = await tx.insertMessage(item.message, item.scope)
      if (inserted.inserted) fresh.push(item)
      else results[index] = { messageId: inserted.existing.id, deliveryIds: inserted.deliveryIds, duplicate: true }
    }
    await tx.insertNewMessages(fresh.filter((i) => i.scope === null).map((i) => i.message))

    const tenants = new Map<string | null, Promise<EndpointRecord[]>>()
    const routable = (tenant: string | null) => {
      let endpoints = tenants.get(tenant)
      if (!endpoints) tenants.set(tenant, (endpoints = tx.listRoutableEndpoints(tenant)))
      return endpoints
    }
    const deliveries: DeliveryRecord[] = []
    const sentAt = new Map<Prepared, number>(items.map((item, index) => [item, index]))
    for (const item of fresh) {
      const { message } = item
      const endpoints = await this.#route(tx, item.event, message, routable)
      const mine = endpoints.map((endpoint) => newDelivery(message, endpoint.id))
      deliveries.push(...mine)
      created.push({
        messageId: message.id,
        type: message.type,
        tenant: message.tenant,
        deliveryIds: mine.map((d) => d.id),
        endpointIds: mine.map((d) => d.endpointId),
      })
      results[sentAt.get(item)!] = { messageId: message.id, deliveryIds: mine.map((d) => d.id), duplicate: false }
    }
    if (deliveries.length > 0) await tx.insertDeliveries(deliveries)

    // A key repeated inside the batch returns what its first occurrence got, as a duplicate.
    for (const [index, item] of items.entries()) {
      if (results[index] || item.scope === null) continue
      const first = results[byScope.get(item.scope)!]!
      results[index] = { messageId: first.messageId, deliveryIds: first.deliveryIds, duplicate: true }
    }
    return results
  }

  async #route(
    tx: StorageTransaction,
    event: Prepared['event'],
    message: MessageRecord,
    routable: (tenant: string | null) => Promise<EndpointRecord[]>,
  ): Promise<EndpointRecord[]> {
    if (event.endpointIds) {
      const wanted = [...new Set(event.endpointIds)]
      const found = (await tx.getEndpoints(wanted)).filter((e) => e.tenant === message.tenant)
      const missing = wanted.filter((id) => !found.some((e) => e.id === id))
      if (missing.length > 0) {
        throw new ValidationError(
          `Invalid event: endpointIds ${missing.join(', ')} do not exist${message.tenant ? ` for tenant ${JSON.stringify(message.tenant)}` : ' without a tenant'}.`,
          [{ path: ['endpointIds'], message: 'unknown endpoint' }],
        )
      }
      // Explicit targets get a delivery even while disabled: it dead-letters visibly and can be replayed.
      return found
    }
    const candidates = await routable(message.tenant)
    return candidates.filter(
      (e) => matchesEventType(message.type, e.eventTypes) && matchesChannels(e.channels, message.channels),
    )
  }
}

function newDelivery(message: MessageRecord, endpointId: string): DeliveryRecord {
  return {
    id: newId('dlv', message.createdAt.getTime()),
    messageId: message.id,
    endpointId,
    status: 'pending',
    attempts: 0,
    nextAttemptAt: message.createdAt,
    leaseOwner: null,
    lastStatusCode: null,
    lastError: null,
    deadReason: null,
    nextTrigger: 'scheduled',
    createdAt: message.createdAt,
    updatedAt: message.createdAt,
    completedAt: null,
  }
}
