import type { Kysely } from 'kysely'
import type { OutgoingMessage, StoredMessage } from '../storage.js'
import type { OutboxConnection } from '../transactions/outbox-connection.js'

/** The real, quoted (and on Postgres schema-qualified) names of the tables `send()` writes. */
export interface SendTables {
  readonly endpoints: string
  readonly messages: string
  readonly deliveries: string
}

/** The columns of a new message, in the order the send statements write them. */
export const MESSAGE_COLUMNS =
  'id, tenant, type, payload, channels, idempotency_key, idempotency_scope, created_at, trace_context'

/** The columns of a new delivery, in the order the send statements write them. */
export const DELIVERY_COLUMNS =
  'id, message_id, endpoint_id, status, attempts, next_attempt_at, lease_owner, last_status_code, ' +
  'last_error, dead_reason, next_trigger, created_at, updated_at, completed_at'

/** How a storage writes what `send()` sends (see `StorageTransaction.storeMessages`), per database. */
export interface MessageStore {
  /**
   * Inside a transaction: `db` is hookrelay's transaction or the caller's (`external`), scoped to
   * hookrelay's tables; SQL written here names `SendTables` itself. `connection` is the caller's
   * connection under `db` when the caller's handle was not a Kysely (SQLite writes on it
   * synchronously where it can).
   */
  store(
    db: Kysely<any>,
    items: readonly OutgoingMessage[],
    options: { external: boolean; connection?: OutboxConnection },
  ): Promise<StoredMessage[]>
  /**
   * In a transaction of its own, committed when it resolves (`Storage.storeMessages`): each
   * database does it its cheapest way. `db` is hookrelay's Kysely, scoped to its tables.
   */
  storeAlone(db: Kysely<any>, items: readonly OutgoingMessage[]): Promise<StoredMessage[]>
}
