import { sql, type Kysely, type SelectQueryBuilder } from 'kysely'
import { INBOUND_STATUSES, type DeliveryStatus } from '../../../core/types.js'
import type {
  AttemptWindowStats,
  DeliveryCounts,
  EndpointStatsRecord,
  InboundCounts,
  RelayStatsRecord,
  TimeWindow,
} from '../../operations.js'
import { toMillis } from '../../schema/row-mappers.js'
import type { HookrelayDatabase } from '../../schema/database.js'

/** Operator statistics of `KyselyStorage`: per-endpoint and relay-wide counts and attempt latencies. */

type Db = Kysely<HookrelayDatabase>

const DELIVERY_STATUSES: readonly DeliveryStatus[] = ['pending', 'delivering', 'succeeded', 'dead', 'discarded']

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
