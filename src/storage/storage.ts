import type { Kysely } from 'kysely'
import type {
  AttemptRecord,
  DeliveryRecord,
  DeliveryStatus,
  EndpointRecord,
  InboundMessageRecord,
  InboundStatus,
  MessageRecord,
} from '../core/types.js'
import type { PortalSessionStore } from './portal-sessions.js'
import type { DeliveryIdFilter, EndpointStatsRecord, PurgeBatchResult, RelayStatsRecord, TimeWindow } from './operations.js'
import type {
  StorageTransaction,
  OutgoingMessage,
  StoredMessage,
  StorageWakeups,
  DueDelivery,
  Page,
  EndpointFilter,
  EndpointPatch,
  DeliveryFilter,
  AttemptFilter,
  ClaimOptions,
  ClaimedDelivery,
  DeliverySettlement,
  EndpointHealthUpdate,
  InboundFilter,
  InboundInsertResult,
  InboundSettlement,
} from './storage-types.js'
export type {
  StorageTransaction,
  OutgoingMessage,
  StoredMessage,
  StorageWakeups,
  DueDelivery,
  Page,
  PageOptions,
  EndpointFilter,
  EndpointPatch,
  DeliveryFilter,
  AttemptFilter,
  ClaimOptions,
  ClaimedDelivery,
  DeliverySettlement,
  EndpointHealthUpdate,
  InboundFilter,
  InboundInsertResult,
  InboundSettlement,
} from './storage-types.js'

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

  /** Tenant portal links and sessions, shared by every process on the database (see `portal-sessions.ts`). */
  readonly portalSessions: PortalSessionStore

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
