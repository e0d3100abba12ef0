import { sql, type Kysely, type SelectQueryBuilder } from 'kysely'
import { ValidationError } from '../core/errors.js'
import type { DeliveryStatus, InboundStatus } from '../core/types.js'
import { runTransaction } from './run-transaction.js'
import type { StorageDialect } from './dialect.js'
import type {
  AttemptWindowStats,
  DeliveryCounts,
  DeliveryIdFilter,
  EndpointStatsRecord,
  InboundCounts,
  PurgeBatchResult,
  RelayStatsRecord,
  TimeWindow,
} from './operations.js'
import { toMillis } from './row-mappers.js'
import type { HookrelayDatabase } from './schema.js'
import type { InboundFilter, Page } from './storage.js'

/**
 * The operator queries of `KyselyStorage` (bulk selection, statistics, endpoint health,
 * retention), kept apart from the delivery hot path. Each function takes the storage's own
 * prefixed Kysely. Written once for Postgres and SQLite; the only dialect question asked is the
 * row lock of `lockClaimQuery` (Postgres: `FOR UPDATE SKIP LOCKED`).
 */

type Db = Kysely<HookrelayDatabase>

const MAX_IDS_PER_PAGE = 1000
const DELIVERY_STATUSES: readonly DeliveryStatus[] = ['pending', 'delivering', 'succeeded', 'dead', 'discarded']
const INBOUND_STATUSES: readonly InboundStatus[] = ['pending', 'processing', 'processed', 'dead', 'discarded']
/** Deliveries that will not change again on their own; only these are ever purged. */
const ENDED_DELIVERY: DeliveryStatus[] = ['succeeded', 'dead', 'discarded']
/** Inbound messages retention removes: handled or given up on by an operator. */
const ENDED_INBOUND: InboundStatus[] = ['processed', 'discarded']

function idsLimit(limit: number | undefined): number {
  const value = limit ?? MAX_IDS_PER_PAGE
  if (!Number.isInteger(value) || value < 1 || value > MAX_IDS_PER_PAGE) {
    throw new ValidationError(`limit must be an integer from 1 to ${MAX_IDS_PER_PAGE}; got ${String(limit)}.`, [
      { path: ['limit'], message: `must be an integer from 1 to ${MAX_IDS_PER_PAGE}` },
    ])
  }
  return value
}

function idPage(rows: readonly { id: string }[], limit: number): Page<string> {
  const more = rows.length > limit
  const data = (more ? rows.slice(0, limit) : rows).map((r) => r.id)
  return { data, nextCursor: more ? data[data.length - 1]! : null }
}

function statusList<S extends string>(status: S | readonly S[] | undefined): S[] | undefined {
  if (status === undefined) return undefined
  return typeof status === 'string' ? [status] : [...status]
}

/**
 * Applies a delivery filter (status, endpoint, message, creation and dead-letter times, tenant and
 * event type through the message, cursor) to a query on `deliveries`. One place for both the
 * delivery lists and the bulk id selection, so they can never disagree about what a filter means.
 */
export function whereDeliveries<Q extends SelectQueryBuilder<HookrelayDatabase, 'deliveries', object>>(
  query: Q,
  filter: DeliveryIdFilter,
): Q {
  // The join changes the builder's type but not its result columns; the casts keep `Q` for callers.
  let q = query as unknown as SelectQueryBuilder<HookrelayDatabase, 'deliveries' | 'messages', object>
  if (filter.tenant !== undefined || filter.eventType !== undefined) {
    q = q.innerJoin('messages', 'messages.id', 'deliveries.message_id')
    if (filter.tenant !== undefined) {
      q = filter.tenant === null ? q.where('messages.tenant', 'is', null) : q.where('messages.tenant', '=', filter.tenant)
    }
    if (filter.eventType !== undefined) q = q.where('messages.type', '=', filter.eventType)
  }
  const statuses = statusList(filter.status)
  if (statuses) q = statuses.length === 0 ? q.where(sql<boolean>`1 = 0`) : q.where('deliveries.status', 'in', statuses)
  if (filter.endpointId !== undefined) q = q.where('deliveries.endpoint_id', '=', filter.endpointId)
  if (filter.messageId !== undefined) q = q.where('deliveries.message_id', '=', filter.messageId)
  if (filter.since) q = q.where('deliveries.created_at', '>=', toMillis(filter.since))
  if (filter.until) q = q.where('deliveries.created_at', '<', toMillis(filter.until))
  if (filter.failedSince) q = q.where('deliveries.completed_at', '>=', toMillis(filter.failedSince))
  if (filter.failedUntil) q = q.where('deliveries.completed_at', '<', toMillis(filter.failedUntil))
  if (filter.cursor) q = q.where('deliveries.id', '<', filter.cursor)
  return q as unknown as Q
}

/** Ids of deliveries matching `filter`, newest first, paginated like `listDeliveries`. */
export async function selectDeliveryIds(db: Db, filter: DeliveryIdFilter): Promise<Page<string>> {
  const limit = idsLimit(filter.limit)
  const query = whereDeliveries(db.selectFrom('deliveries').select('deliveries.id as id'), filter)
  const rows = await query.orderBy('deliveries.id', 'desc').limit(limit + 1).execute()
  return idPage(rows, limit)
}

/** Applies an inbound filter (source, status, type, received time, cursor) to a query on `inbound_messages`. */
export function whereInbound<Q extends SelectQueryBuilder<HookrelayDatabase, 'inbound_messages', object>>(
  query: Q,
  filter: InboundFilter,
): Q {
  let q = query as unknown as SelectQueryBuilder<HookrelayDatabase, 'inbound_messages', object>
  if (filter.source !== undefined) q = q.where('source', '=', filter.source)
  const statuses = statusList(filter.status)
  if (statuses) q = statuses.length === 0 ? q.where(sql<boolean>`1 = 0`) : q.where('status', 'in', statuses)
  if (filter.type !== undefined) q = q.where('type', '=', filter.type)
  if (filter.since) q = q.where('received_at', '>=', toMillis(filter.since))
  if (filter.until) q = q.where('received_at', '<', toMillis(filter.until))
  if (filter.cursor) q = q.where('id', '<', filter.cursor)
  return q as unknown as Q
}

/** Ids of inbound messages matching `filter`, newest first, paginated like `listInboundMessages`. */
export async function selectInboundIds(db: Db, filter: InboundFilter): Promise<Page<string>> {
  const limit = idsLimit(filter.limit)
  const rows = await whereInbound(db.selectFrom('inbound_messages').select('id'), filter)
    .orderBy('id', 'desc')
    .limit(limit + 1)
    .execute()
  return idPage(rows, limit)
}

// ---- statistics ---------------------------------------------------------------------------------

function countsOf<S extends string>(statuses: readonly S[], rows: readonly { status: string; count: unknown }[]): Record<S, number> {
  const counts = Object.fromEntries(statuses.map((s) => [s, 0])) as Record<S, number>
  for (const row of rows) if (row.status in counts) counts[row.status as S] = Number(row.count)
  return counts
}

type AttemptQuery = SelectQueryBuilder<HookrelayDatabase, 'attempts', {}>

/**
 * Counts and latency percentiles of the attempts `base` selects. Percentiles are nearest-rank
 * (`ORDER BY duration_ms LIMIT 1 OFFSET k`): the same query and the same answer on both databases.
 */
async function attemptStats(base: () => AttemptQuery): Promise<AttemptWindowStats> {
  const totals = await base()
    .select((eb) => [
      eb.fn.countAll<number | string>().as('total'),
      sql<number | string | null>`sum(case when outcome = 'succeeded' then 1 else 0 end)`.as('succeeded'),
    ])
    .executeTakeFirstOrThrow()
  const total = Number(totals.total)
  const succeeded = Number(totals.succeeded ?? 0)
  const percentile = async (p: number): Promise<number | null> => {
    if (total === 0) return null
    const offset = Math.max(0, Math.ceil(p * total) - 1)
    const row = await base().select('duration_ms').orderBy('duration_ms').limit(1).offset(offset).executeTakeFirst()
    return row ? Number(row.duration_ms) : null
  }
  return { total, succeeded, failed: total - succeeded, p50Ms: await percentile(0.5), p95Ms: await percentile(0.95) }
}

/** Current deliveries of one endpoint by status, its attempts within `window`, and its last failure. */
export async function selectEndpointStats(db: Db, endpointId: string, window: TimeWindow): Promise<EndpointStatsRecord> {
  const since = toMillis(window.since)
  const until = toMillis(window.until)
  const byStatus = await db
    .selectFrom('deliveries')
    .select((eb) => ['status', eb.fn.countAll().as('count')])
    .where('endpoint_id', '=', endpointId)
    .groupBy('status')
    .execute()
  const attempts = await attemptStats(() =>
    db
      .selectFrom('attempts')
      .where('endpoint_id', '=', endpointId)
      .where('started_at', '>=', since)
      .where('started_at', '<', until),
  )
  const last = await db
    .selectFrom('attempts')
    .select(['started_at', 'delivery_id', 'status_code', 'error'])
    .where('endpoint_id', '=', endpointId)
    .where('outcome', '<>', 'succeeded')
    .orderBy('started_at', 'desc')
    .limit(1)
    .executeTakeFirst()
  return {
    deliveries: countsOf(DELIVERY_STATUSES, byStatus) as DeliveryCounts,
    attempts,
    lastFailure: last
      ? { at: new Date(Number(last.started_at)), deliveryId: last.delivery_id, statusCode: last.status_code, error: last.error }
      : null,
  }
}

/** Relay-wide counts, attempts and messages within `window`, and the delivery lag at `now`. */
export async function selectRelayStats(db: Db, window: TimeWindow, now: Date): Promise<RelayStatsRecord> {
  const since = toMillis(window.since)
  const until = toMillis(window.until)
  const deliveries = await db
    .selectFrom('deliveries')
    .select((eb) => ['status', eb.fn.countAll().as('count')])
    .groupBy('status')
    .execute()
  const inbound = await db
    .selectFrom('inbound_messages')
    .select((eb) => ['status', eb.fn.countAll().as('count')])
    .groupBy('status')
    .execute()
  const attempts = await attemptStats(() =>
    db.selectFrom('attempts').where('started_at', '>=', since).where('started_at', '<', until),
  )
  const messages = await db
    .selectFrom('messages')
    .select((eb) => eb.fn.countAll<number | string>().as('count'))
    .where('created_at', '>=', since)
    .where('created_at', '<', until)
    .executeTakeFirstOrThrow()
  const endpoints = await db
    .selectFrom('endpoints')
    .select((eb) => [
      eb.fn.countAll<number | string>().as('total'),
      sql<number | string | null>`sum(case when disabled_at is not null then 1 else 0 end)`.as('disabled'),
      sql<number | string | null>`sum(case when disabled_at is null and failing_since is not null then 1 else 0 end)`.as('failing'),
    ])
    .where('deleted_at', 'is', null)
    .executeTakeFirstOrThrow()
  const oldest = await db
    .selectFrom('deliveries')
    .select((eb) => eb.fn.min('next_attempt_at').as('at'))
    .where('status', '=', 'pending')
    .where('next_attempt_at', '<=', toMillis(now))
    .executeTakeFirst()
  const oldestAt = oldest?.at ?? null
  return {
    deliveries: countsOf(DELIVERY_STATUSES, deliveries) as DeliveryCounts,
    inbound: countsOf(INBOUND_STATUSES, inbound) as InboundCounts,
    attempts,
    messages: Number(messages.count),
    endpoints: {
      total: Number(endpoints.total),
      disabled: Number(endpoints.disabled ?? 0),
      failing: Number(endpoints.failing ?? 0),
    },
    oldestDueAt: oldestAt === null ? null : new Date(Number(oldestAt)),
  }
}

// ---- endpoint health ----------------------------------------------------------------------------

/**
 * Disables every enabled endpoint that has been failing, without a success, since `failingBefore`
 * or earlier. Returns the ids it disabled (an endpoint already disabled is left as it is).
 */
export async function disableFailingEndpoints(db: Db, failingBefore: Date, reason: string, at: Date): Promise<string[]> {
  const when = toMillis(at)
  const rows = await db
    .updateTable('endpoints')
    .set({ disabled_at: when, disabled_reason: reason, updated_at: when })
    .where('disabled_at', 'is', null)
    .where('deleted_at', 'is', null)
    .where('failing_since', 'is not', null)
    .where('failing_since', '<=', toMillis(failingBefore))
    .returning('id')
    .execute()
  return rows.map((r) => r.id).sort()
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
        tx.selectFrom('deliveries').select('id').where('status', 'in', ENDED_DELIVERY).where('completed_at', '<', cutoff).limit(limit),
      )
      .execute()
    if (picked.length === 0) return { deliveries: 0, attempts: 0 }
    const ids = picked.map((r) => r.id)
    const ended = tx.selectFrom('deliveries').select('id').where('id', 'in', ids).where('status', 'in', ENDED_DELIVERY)
    const attempts = await tx.deleteFrom('attempts').where('delivery_id', 'in', ended).executeTakeFirst()
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
          .where(({ not, exists, selectFrom }) =>
            not(exists(selectFrom('deliveries').select('deliveries.id').whereRef('deliveries.message_id', '=', 'messages.id'))),
          )
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

/** Deletes up to `limit` inbound messages processed or discarded before `olderThan`. */
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
