import type { Kysely } from 'kysely'
import type { StorageDialect } from './dialect/dialect.js'
import type { StorageWakeups } from './storage-types.js'
import type { EndpointStore } from './ports/endpoint-store.js'
import type { Outbox } from './ports/outbox.js'
import type { DeliveryQueueStore } from './ports/delivery-queue.js'
import type { DeliveryLog } from './ports/delivery-log.js'
import type { InboundStore } from './ports/inbound-store.js'
import type { OperatorQueries } from './ports/operator-queries.js'
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
  EndpointInsertResult,
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

export type { EndpointStore, Outbox, DeliveryQueueStore, DeliveryLog, InboundStore, OperatorQueries }

/**
 * The Storage port: everything hookrelay persists goes through this interface. It is the sum of
 * the narrow ports in `ports/` (one per aggregate, each used by one group of callers) and the
 * lifecycle below. There is one implementation (Kysely, see `kysely/kysely-storage.ts`); the
 * databases differ only in the small `StorageDialect` behind it (see `dialect/dialect.ts`).
 */
export interface Storage
  extends EndpointStore, Outbox, DeliveryQueueStore, DeliveryLog, InboundStore, OperatorQueries {
  /** Which database this is; for diagnostics and capability checks. */
  readonly dialect: StorageDialect['name']

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
   * A random identity of this set of tables (database, schema and table prefix), stored when they
   * were migrated: the same for every process on them, different for any other relay. Rejects with
   * `NOT_MIGRATED` before `migrate()`.
   */
  databaseId(): Promise<string>
}
