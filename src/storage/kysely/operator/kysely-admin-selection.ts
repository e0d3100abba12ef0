import { sql, type Kysely, type SelectQueryBuilder } from 'kysely'
import { ValidationError } from '../../../core/errors.js'
import type { DeliveryIdFilter } from '../../operations.js'
import { toMillis } from '../../schema/row-mappers.js'
import type { HookrelayDatabase } from '../../schema/database.js'
import type { InboundFilter, Page } from '../../storage.js'
import { deliveriesByMessage, filtersByMessage } from '../delivery-log/deliveries-by-message.js'

/** Operator bulk selection of `KyselyStorage`: delivery and inbound filters, and id pages for bulk replay. */

type Db = Kysely<HookrelayDatabase>

const MAX_IDS_PER_PAGE = 1000

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
  if (filtersByMessage(filter)) {
    const { rows, nextCursor } = await deliveriesByMessage(db, filter, limit, whereDeliveries)
    return { data: rows.map((r) => r.id), nextCursor }
  }
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
