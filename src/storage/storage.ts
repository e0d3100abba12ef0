import type { Kysely } from 'kysely'
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
import type { DeliveryIdFilter, EndpointStatsRecord, PurgeBatchResult, RelayStatsRecord, TimeWindow } from './operations.js'

/**
 * The Storage port: everything hookrelay persists goes through this interface.
 * There is one implementation (Kysely, see `kysely-storage.ts`); Postgres and SQLite
 * differ only in the small `StorageDialect` behind it (claim locking, migration lock).
 */
export interface Storage {
  /** Which database this is; for diagnostics and capability checks. */
  readonly dialect: 'sqlite' | 'postgres'

  /**
   * The Kysely this storage runs on, as the application sees it (without hookrelay's table prefix
   * or schema), for outbox transactions:
   * `storage.db.transaction().execute((tx) => relay.send(event, { transaction: tx }))`.
   * On SQLite it is the one connection to the file: open transactions on it, not on a second
   * connection. Never destroy it; `close()` does.
   */
  readonly db: Kysely<any>

  /**
   * Commit announcements: a hint that lets idle workers start at once. Postgres: LISTEN/NOTIFY,
   * heard by every process. SQLite: outbox sends of this process, once the caller's transaction
   * has ended (other processes on the file poll).
   */
  readonly wakeups?: StorageWakeups

  /** Creates or upgrades the tables. Idempotent; safe when several processes call it at once. */
  migrate(): Promise<void>
  /** Closes what this storage opened itself (never a pool or database handed in by the user). */
  close(): Promise<void>

  /**
   * Runs `fn` in one database transaction. With `external` (a Kysely `Transaction` of the
   * caller's) the work joins that transaction instead, and commits or rolls back with it.
   */
  transaction<T>(fn: (tx: StorageTransaction) => Promise<T>, options?: { external?: unknown }): Promise<T>
  /**
   * `StorageTransaction.storeMessages` as one transaction of its own, committed when it resolves.
   * On Postgres that is the one statement alone (atomic by itself: no BEGIN and COMMIT round trips).
   */
  storeMessages(messages: readonly OutgoingMessage[]): Promise<StoredMessage[]>

  // ---- endpoints -------------------------------------------------------------------------
  /** Stores a new endpoint (its secrets included). */
  insertEndpoint(endpoint: EndpointRecord): Promise<void>
  /** The endpoint, or `undefined` if it does not exist. */
  getEndpoint(id: string): Promise<EndpointRecord | undefined>
  /** Endpoints matching `filter`, newest first, a page at a time. */
  listEndpoints(filter: EndpointFilter): Promise<Page<EndpointRecord>>
  /** Applies `patch` and returns the updated endpoint, or `undefined` if it does not exist. */
  updateEndpoint(id: string, patch: EndpointPatch): Promise<EndpointRecord | undefined>
  /**
   * Deletes the endpoint (a mark: it leaves lists and routing, `getEndpoint` no longer finds it) and
   * discards its unfinished deliveries (`pending`, `delivering`: reason `endpoint_deleted`) and its
   * dead letters. Its deliveries and attempts stay until retention purges them. Returns false if it
   * did not exist or was deleted already.
   */
  deleteEndpoint(id: string, at?: Date): Promise<boolean>
  /** Records an endpoint's circuit as a worker changed it: open until `openUntil`, or closed (`null`). */
  setEndpointCircuit(id: string, openUntil: Date | null): Promise<void>
  /** The circuit as the workers left it; `undefined` if the endpoint does not exist. */
  getEndpointCircuit(id: string): Promise<{ openUntil: Date | null } | undefined>
  /**
   * A random identity of this set of tables (database, schema and table prefix), stored when they
   * were migrated: the same for every process on them, different for any other relay. Rejects with
   * `NOT_MIGRATED` before `migrate()`.
   */
  databaseId(): Promise<string>

  // ---- delivering ------------------------------------------------------------------------
  /**
   * Claims up to `limit` due deliveries for `owner`: status `pending` with `next_attempt_at <= now`,
   * or `delivering` whose lease expired (a worker died). Claimed rows become `delivering` with
   * `lease_owner = owner` and `next_attempt_at = now + leaseMs` (the lease expiry), oldest due first.
   */
  claimDeliveries(options: ClaimOptions): Promise<ClaimedDelivery[]>
  /**
   * Like `claimDeliveries`, but only among `ids` (a queue driver such as Redis handed them out):
   * claims those still claimable (`pending` and due, or `delivering` with an expired lease) and
   * silently skips the rest, which another worker took or which are no longer due.
   */
  claimDeliveriesByIds(ids: readonly string[], options: ClaimOptions): Promise<ClaimedDelivery[]>
  /**
   * Due work, oldest first, for a queue driver to re-enqueue: `pending` deliveries due by
   * `now + horizonMs` (default 0) and `delivering` ones whose lease expired by `now`. Reads only.
   */
  listDueDeliveries(options: { now: Date; limit: number; horizonMs?: number }): Promise<DueDelivery[]>
  /**
   * Writes the outcome of many claims in one transaction: attempts, delivery state, endpoint
   * health. A settlement only changes a delivery still leased to its `owner` (a worker whose lease
   * expired must not overwrite the worker that took over), but its attempt is always recorded.
   */
  settle(settlements: readonly DeliverySettlement[], endpointUpdates?: readonly EndpointHealthUpdate[]): Promise<void>
  /**
   * For FIFO endpoints: the oldest delivery to `endpointId` sent before `deliveryId` that is not
   * finished yet (`pending` or `delivering`), which `deliveryId` must wait for; `undefined` if none.
   */
  findBlockingDelivery(
    endpointId: string,
    deliveryId: string,
  ): Promise<{ id: string; status: DeliveryStatus; nextAttemptAt: Date | null } | undefined>

  // ---- reading and operating ---------------------------------------------------------------
  /** The message, or `undefined` if it does not exist. */
  getMessage(id: string): Promise<MessageRecord | undefined>
  /** The delivery, or `undefined` if it does not exist. */
  getDelivery(id: string): Promise<DeliveryRecord | undefined>
  /** Deliveries matching `filter`, newest first, a page at a time. */
  listDeliveries(filter: DeliveryFilter): Promise<Page<DeliveryRecord>>
  /** Attempts matching `filter`, newest first, a page at a time. */
  listAttempts(filter: AttemptFilter): Promise<Page<AttemptRecord>>
  /**
   * Puts deliveries in `fromStatuses` back to `pending`, due at `at`. Returns the ids that changed,
   * so replaying the same dead letter twice queues it once.
   */
  requeueDeliveries(ids: readonly string[], fromStatuses: readonly DeliveryStatus[], at: Date): Promise<string[]>
  /** Marks deliveries in `fromStatuses` as `discarded`; returns the ids that changed. */
  discardDeliveries(ids: readonly string[], fromStatuses: readonly DeliveryStatus[], at: Date): Promise<string[]>

  // ---- inbound -----------------------------------------------------------------------------
  /**
   * Stores a received webhook unless one with the same (source, webhookId) exists; then nothing is
   * written and the existing one is returned. This unique key is the inbound idempotency guard.
   */
  insertInboundMessage(
    message: InboundMessageRecord,
  ): Promise<{ inserted: true } | { inserted: false; existing: InboundMessageRecord }>
  /**
   * `insertInboundMessage` for many webhooks with one commit (the receiver's intake batches
   * requests that arrive together). Results are in input order. Of several messages with the same
   * (source, webhookId) in one batch the first is inserted and the later ones get it as `existing`;
   * one whose key is already stored gets the stored message. Rejects as a whole if the write fails.
   */
  insertInboundMessages(messages: readonly InboundMessageRecord[]): Promise<InboundInsertResult[]>
  /** Like `claimDeliveries`, for inbound messages `pending` and due, or `processing` with an expired lease. */
  claimInboundMessages(
    options: ClaimOptions & { sources?: readonly string[]; ids?: readonly string[] },
  ): Promise<InboundMessageRecord[]>
  /** Writes processing outcomes; like `settle`, guarded by the lease owner. */
  settleInbound(settlements: readonly InboundSettlement[]): Promise<void>
  /** The received webhook, raw payload included, or `undefined` if it does not exist. */
  getInboundMessage(id: string): Promise<InboundMessageRecord | undefined>
  /** Received webhooks matching `filter`, newest first, a page at a time. */
  listInboundMessages(filter: InboundFilter): Promise<Page<InboundMessageRecord>>
  /** Makes received webhooks in `fromStatuses` `pending` and due at `at`; returns the ids that changed. */
  requeueInboundMessages(ids: readonly string[], fromStatuses: readonly InboundStatus[], at: Date): Promise<string[]>
  /** Marks received webhooks in `fromStatuses` as `discarded`; returns the ids that changed. */
  discardInboundMessages(ids: readonly string[], fromStatuses: readonly InboundStatus[], at: Date): Promise<string[]>

  // ---- operators: bulk selection, statistics, endpoint health, retention (see operations.ts) --
  /** Ids of deliveries matching `filter`, newest first (`limit` default and max 1000), for bulk replay and recovery. */
  listDeliveryIds(filter: DeliveryIdFilter): Promise<Page<string>>
  /** Ids of inbound messages matching `filter`, newest first (`limit` default and max 1000). */
  listInboundMessageIds(filter: InboundFilter): Promise<Page<string>>
  /** One endpoint's deliveries by status, its attempts started within `window`, its last failure. */
  endpointStats(endpointId: string, window: TimeWindow): Promise<EndpointStatsRecord>
  /** Relay-wide counts, attempts and messages within `window`, and the oldest due delivery at `now`. */
  relayStats(window: TimeWindow, now: Date): Promise<RelayStatsRecord>
  /**
   * Disables the enabled endpoints whose `failingSince` is at or before `failingBefore`, with
   * `reason`; returns their ids. Endpoint health runs this periodically, never on the hot path.
   */
  disableFailingEndpoints(failingBefore: Date, reason: string, at: Date): Promise<string[]>
  /**
   * Retention, one short transaction per call, at most `limit` rows each: deliveries that ended
   * (succeeded, dead, discarded) before `olderThan` with their attempts; messages created before
   * `olderThan` without any delivery left; inbound messages processed or discarded before it.
   * Pending and in-flight work is never touched.
   */
  purgeDeliveries(olderThan: Date, limit: number): Promise<PurgeBatchResult>
  /** Deletes up to `limit` messages created before `olderThan` that have no deliveries left; returns how many. */
  purgeMessages(olderThan: Date, limit: number): Promise<number>
  /** Deletes up to `limit` processed or discarded received webhooks that ended before `olderThan`; returns how many. */
  purgeInboundMessages(olderThan: Date, limit: number): Promise<number>
}

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
  limit?: number
  /** An opaque cursor from a previous page's `nextCursor`. */
  cursor?: string | null
}

/** Filter of `relay.endpoints.list()`. */
export interface EndpointFilter extends PageOptions {
  tenant?: string | null
  disabled?: boolean
}

/** The fields of an endpoint record a storage update may change. */
export type EndpointPatch = Partial<Omit<EndpointRecord, 'id' | 'createdAt'>>

/** Filter of `relay.deliveries.list()`. */
export interface DeliveryFilter extends PageOptions {
  status?: DeliveryStatus | readonly DeliveryStatus[]
  endpointId?: string
  messageId?: string
  tenant?: string | null
  eventType?: string
  /** Created at or after. */
  since?: Date
  /** Created before. */
  until?: Date
}

/** Filter of `relay.attempts.list()`. */
export interface AttemptFilter extends PageOptions {
  deliveryId?: string
  messageId?: string
  endpointId?: string
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
  attempt?: AttemptRecord
  deadReason?: DeadReason | null
  at: Date
}

/** Endpoint side effects of a batch of attempts. */
export type EndpointHealthUpdate =
  | { endpointId: string; kind: 'success' }
  | { endpointId: string; kind: 'failure'; at: Date }
  | { endpointId: string; kind: 'disable'; reason: string; at: Date }

/** Filter of `relay.inbound.list()`. */
export interface InboundFilter extends PageOptions {
  source?: string
  status?: InboundStatus | readonly InboundStatus[]
  type?: string
  since?: Date
  until?: Date
}

/** What `insertInboundMessages` did with one message: stored it, or found it stored already. */
export type InboundInsertResult = { inserted: true } | { inserted: false; existing: InboundMessageRecord }

/** The new state of one claimed inbound message. */
export interface InboundSettlement {
  id: string
  owner: string
  status: Extract<InboundStatus, 'pending' | 'processed' | 'dead'>
  nextAttemptAt: Date | null
  /** True when the handlers ran (the attempt count goes up); false for a hand-back. */
  attempted: boolean
  lastError?: string | null
  deadReason?: string | null
  at: Date
}
