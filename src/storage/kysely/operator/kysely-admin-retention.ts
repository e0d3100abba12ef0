import type { Kysely } from 'kysely'
import type { InboundStatus, DeliveryStatus } from '../../../core/types.js'
import { runTransaction } from '../run-transaction.js'
import type { StorageDialect } from '../../dialect/dialect.js'
import type { PurgeBatchResult } from '../../operations.js'
import { toMillis } from '../../schema/row-mappers.js'
import type { HookrelayDatabase } from '../../schema/database.js'

/** Operator maintenance of `KyselyStorage`: disabling failing endpoints, and retention. */

type Db = Kysely<HookrelayDatabase>

/** Deliveries that will not change again on their own; only these are ever purged. */
const ENDED_DELIVERY: DeliveryStatus[] = ['succeeded', 'dead', 'discarded']
/**
 * Inbound messages retention removes: handled, unhandled (no handler wanted them: senders such as
 * Stripe send many types an app ignores, which would otherwise pile up), or discarded.
 */
const ENDED_INBOUND: InboundStatus[] = ['processed', 'unhandled', 'discarded']

// ---- endpoint health ----------------------------------------------------------------------------

/**
 * Disables every enabled endpoint that has been failing, without a success, since `failingBefore`
 * or earlier. Returns the ids it disabled (an endpoint already disabled is left as it is).
 */
export async function disableFailingEndpoints(
  db: Db,
  dialect: StorageDialect,
  failingBefore: Date,
  reason: string,
  at: Date,
): Promise<string[]> {
  const when = toMillis(at)
  const update = (executor: Db) =>
    executor
      .updateTable('endpoints')
      .set({ disabled_at: when, disabled_reason: reason, updated_at: when })
      .where('disabled_at', 'is', null)
      .where('deleted_at', 'is', null)
      .where('failing_since', 'is not', null)
      .where('failing_since', '<=', toMillis(failingBefore))
  if (dialect.capabilities.returning) return (await update(db).returning('id').execute()).map((r) => r.id).sort()
  // Without RETURNING: lock the endpoints that will change, then change exactly those.
  return runTransaction(db, async (tx) => {
    const rows = await tx
      .selectFrom('endpoints')
      .select('id')
      .where('disabled_at', 'is', null)
      .where('deleted_at', 'is', null)
      .where('failing_since', 'is not', null)
      .where('failing_since', '<=', toMillis(failingBefore))
      .forUpdate()
      .execute()
    const ids = rows.map((r) => r.id)
    if (ids.length > 0) await update(tx).where('id', 'in', ids).execute()
    return ids.sort()
  })
}

// ---- retention ----------------------------------------------------------------------------------

/**
 * Deletes up to `limit` deliveries that ended (succeeded, dead, discarded) before `olderThan`,
 * with their attempts, in one short transaction. On Postgres the rows are locked with SKIP LOCKED
 * first, so a concurrent replay either wins (and the row is skipped) or waits for this batch.
 */
export async function purgeDeliveriesBatch(
  db: Db,
  dialect: StorageDialect,
  olderThan: Date,
  limit: number,
): Promise<PurgeBatchResult> {
  const cutoff = toMillis(olderThan)
  return runTransaction(db, async (tx) => {
    const picked = await dialect
      .lockClaimQuery(
        tx
          .selectFrom('deliveries')
          .select('id')
          .where('status', 'in', ENDED_DELIVERY)
          .where('completed_at', '<', cutoff)
          // Oldest first: the order of the completion index, which the planner then walks and stops
          // after `limit` rows, even without statistics (unordered, Postgres may scan the table).
          .orderBy('completed_at')
          .limit(limit),
      )
      .execute()
    if (picked.length === 0) return { deliveries: 0, attempts: 0 }
    const ids = picked.map((r) => r.id)
    // The picked rows are locked (or, on SQLite, the transaction is the only writer): they are
    // still ended, and their attempts are found by the list itself. A subquery re-reading their
    // status made MySQL scan every attempt.
    const attempts = await tx.deleteFrom('attempts').where('delivery_id', 'in', ids).executeTakeFirst()
    const deliveries = await tx
      .deleteFrom('deliveries')
      .where('id', 'in', ids)
      .where('status', 'in', ENDED_DELIVERY)
      .executeTakeFirst()
    return { deliveries: Number(deliveries.numDeletedRows), attempts: Number(attempts.numDeletedRows) }
  })
}

/** Deletes up to `limit` messages created before `olderThan` that have no delivery left. */
export async function purgeMessagesBatch(db: Db, dialect: StorageDialect, olderThan: Date, limit: number): Promise<number> {
  const cutoff = toMillis(olderThan)
  return runTransaction(db, async (tx) => {
    const picked = await dialect
      .lockClaimQuery(
        tx
          .selectFrom('messages')
          .select('id')
          .where('created_at', '<', cutoff)
          // "No delivery left" as a scalar subquery: MariaDB turns `not exists` into a `not in` over
          // the materialized message ids of every delivery; this form looks up the message's own.
          .where((eb) =>
            eb(eb.selectFrom('deliveries').select('deliveries.id').whereRef('deliveries.message_id', '=', 'messages.id').limit(1), 'is', null),
          )
          .orderBy('created_at') // as above
          .limit(limit),
      )
      .execute()
    if (picked.length === 0) return 0
    const result = await tx
      .deleteFrom('messages')
      .where(
        'id',
        'in',
        picked.map((r) => r.id),
      )
      .where(({ not, exists, selectFrom }) =>
        not(exists(selectFrom('deliveries').select('deliveries.id').whereRef('deliveries.message_id', '=', 'messages.id'))),
      )
      .executeTakeFirst()
    return Number(result.numDeletedRows)
  })
}

/** Deletes up to `limit` inbound messages processed, unhandled or discarded before `olderThan`. */
export async function purgeInboundBatch(db: Db, dialect: StorageDialect, olderThan: Date, limit: number): Promise<number> {
  const cutoff = toMillis(olderThan)
  return runTransaction(db, async (tx) => {
    const picked = await dialect
      .lockClaimQuery(
        tx
          .selectFrom('inbound_messages')
          .select('id')
          .where('status', 'in', ENDED_INBOUND)
          .where('processed_at', '<', cutoff)
          .orderBy('processed_at') // as above
          .limit(limit),
      )
      .execute()
    if (picked.length === 0) return 0
    const result = await tx
      .deleteFrom('inbound_messages')
      .where(
        'id',
        'in',
        picked.map((r) => r.id),
      )
      .where('status', 'in', ENDED_INBOUND)
      .executeTakeFirst()
    return Number(result.numDeletedRows)
  })
}
