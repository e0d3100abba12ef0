import type {
  AttemptRecord,
  DeadReason,
  DeliveryRecord,
  DeliveryStatus,
  EndpointRecord,
  InboundMessageRecord,
  InboundStatus,
  MessageRecord,
} from '../core/types.js'

/** The record, filter and settlement types of the Storage port (see `storage.ts`). */
/** The writes `send()` needs, inside one transaction. */
export interface StorageTransaction {
  /** Enabled endpoints of `tenant` (`null`: endpoints without a tenant), for fan-out. */
  listRoutableEndpoints(tenant: string | null): Promise<EndpointRecord[]>
  /** Endpoints by id, enabled or not (for explicit `endpointIds`). */
  getEndpoints(ids: readonly string[]): Promise<EndpointRecord[]>
  /**
   * Inserts the message unless another message already has the same `idempotencyScope`; in that
   * case nothing is written and the existing message is returned with its delivery ids.
   */
  insertMessage(
    message: MessageRecord,
    idempotencyScope: string | null,
  ): Promise<{ inserted: true } | { inserted: false; existing: MessageRecord; deliveryIds: string[] }>
  /** Stores a message's deliveries, in the same transaction as the message. */
  /** Inserts messages that have no idempotency key, in as few statements as possible. */
  insertNewMessages(messages: readonly MessageRecord[]): Promise<void>
  insertDeliveries(deliveries: readonly DeliveryRecord[]): Promise<void>
  /**
   * Announces new work when this transaction commits (Postgres: `pg_notify` inside it, which is
   * delivered on commit and dropped on rollback). A no-op where the storage has no wake-ups.
   */
  announceWork(): Promise<void>
  /**
   * Everything `send()` writes for a batch of messages, in as few statements as the database
   * allows (Postgres: one, fan-out included): each message unless another with its idempotency
   * scope is stored already (then it is a duplicate and nothing of it is written), and one
   * `pending` delivery, due at the message's creation, per endpoint it goes to — its
   * `endpointIds` (of its tenant, enabled or not), or else the enabled endpoints of its tenant
   * whose event types and channels match it. The n-th delivery of a message (endpoints in id
   * order) is `deliveryIdOf(message.id, n)`, so the message id must come from `newMessageId`.
   * Announces the work when something was written (see `announceWork`).
   *
   * Scopes must be unique within the call. Results are in input order. Rejects with a
   * `ValidationError`, before writing anything, when `endpointIds` names an endpoint that does
   * not exist for the message's tenant.
   */
  storeMessages(messages: readonly OutgoingMessage[]): Promise<StoredMessage[]>
}

/** A message for `StorageTransaction.storeMessages`, ready to be written. */
export interface OutgoingMessage {
  readonly message: MessageRecord
  /** Unique per stored message (e.g. tenant and idempotency key); `null` never conflicts. */
  readonly idempotencyScope: string | null
  /** Explicit targets (distinct ids), instead of routing by tenant, event type and channels. */
  readonly endpointIds: readonly string[] | null
}

/** What `storeMessages` did with one message. */
export type StoredMessage =
  | { readonly duplicate: false; readonly deliveries: readonly { readonly id: string; readonly endpointId: string }[] }
  /** Its idempotency scope was stored already: the first message's id and its delivery ids. */
  | { readonly duplicate: true; readonly messageId: string; readonly deliveryIds: readonly string[] }

/** Cross-process wake-ups of a storage (see `Storage.wakeups`). */
export interface StorageWakeups {
  /**
   * Calls `onWake` whenever a transaction that announced work commits, in any process. Returns the
   * stop function. Rejects if it cannot listen at first; a connection lost later is re-established
   * in the background (then `onWake` is called once, for what was missed) and each failure to do
   * so is passed to `onError`.
   */
  listen(onWake: () => void, onError?: (error: Error) => void): Promise<() => Promise<void>>
}

/** A delivery due at `dueAt` (the same shape as the queue's `DueWork`). */
export interface DueDelivery {
  deliveryId: string
  dueAt: Date
}

/** One page of a list, newest first; follow `nextCursor` for the next one. */
export interface Page<T> {
  data: T[]
  /** Pass as `cursor` to get the next page; `null` on the last page. */
  nextCursor: string | null
}

/** Paging of every `list()`: `limit` and the `cursor` of the previous page. */
export interface PageOptions {
  /** Default 50, at most 1000. */
  limit?: number | undefined
  /** An opaque cursor from a previous page's `nextCursor`. */
  cursor?: string | null | undefined
}

/** Filter of `relay.endpoints.list()`. */
export interface EndpointFilter extends PageOptions {
  tenant?: string | null | undefined
  disabled?: boolean | undefined
}

/** The fields of an endpoint record a storage update may change. */
export type EndpointPatch = Partial<Omit<EndpointRecord, 'id' | 'createdAt' | 'updatedAt'>> & {
  /** The relay's time of the change (its `now` option), not the database's or the wall clock. */
  updatedAt: Date
}

/** What `insertEndpointOnce` did: stored the endpoint, or found one with its uid in its tenant. */
export type EndpointInsertResult = { inserted: true } | { inserted: false; existing: EndpointRecord }

/** Filter of `relay.deliveries.list()`. */
export interface DeliveryFilter extends PageOptions {
  status?: DeliveryStatus | readonly DeliveryStatus[] | undefined
  endpointId?: string | undefined
  messageId?: string | undefined
  tenant?: string | null | undefined
  eventType?: string | undefined
  /** Created at or after. */
  since?: Date | undefined
  /** Created before. */
  until?: Date | undefined
}

/** Filter of `relay.attempts.list()`. */
export interface AttemptFilter extends PageOptions {
  deliveryId?: string | undefined
  messageId?: string | undefined
  endpointId?: string | undefined
}

/** How a worker claims due deliveries: who it is, how many, for how long, as of when. */
export interface ClaimOptions {
  owner: string
  limit: number
  leaseMs: number
  now: Date
}

/** A claimed delivery with what is needed to attempt it. */
export interface ClaimedDelivery {
  delivery: DeliveryRecord
  message: MessageRecord
  /** `undefined` if the endpoint was deleted after the message was sent. */
  endpoint: EndpointRecord | undefined
}

/** The new state of one claimed delivery. */
export interface DeliverySettlement {
  deliveryId: string
  /** The lease owner that claimed it; the update is skipped if the lease passed to another. */
  owner: string
  status: Extract<DeliveryStatus, 'pending' | 'succeeded' | 'dead'>
  /** When to try next (`pending`), else `null`. */
  nextAttemptAt: Date | null
  /** The HTTP attempt made; absent for a deferral or a hand-back (the attempt count is unchanged). */
  attempt?: AttemptRecord | undefined
  deadReason?: DeadReason | null | undefined
  at: Date
}

/** Endpoint side effects of a batch of attempts. */
export type EndpointHealthUpdate =
  | { endpointId: string; kind: 'success' }
  | { endpointId: string; kind: 'failure'; at: Date }
  | { endpointId: string; kind: 'disable'; reason: string; at: Date }

/** Filter of `relay.inbound.list()`. */
export interface InboundFilter extends PageOptions {
  source?: string | undefined
  status?: InboundStatus | readonly InboundStatus[] | undefined
  type?: string | undefined
  since?: Date | undefined
  until?: Date | undefined
}

/** What `insertInboundMessages` did with one message: stored it, or found it stored already. */
export type InboundInsertResult = { inserted: true } | { inserted: false; existing: InboundMessageRecord }

/** The new state of one claimed inbound message. */
export interface InboundSettlement {
  id: string
  owner: string
  status: Extract<InboundStatus, 'pending' | 'processed' | 'unhandled' | 'dead'>
  nextAttemptAt: Date | null
  /** True when the handlers ran (the attempt count goes up); false for a hand-back. */
  attempted: boolean
  lastError?: string | null | undefined
  deadReason?: string | null | undefined
  at: Date
}
