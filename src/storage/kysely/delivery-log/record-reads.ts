import type { AttemptRecord, DeliveryRecord, MessageRecord } from '../../../core/types.js'
import { attemptFromRow, deliveryFromRow, messageFromRow } from '../../schema/row-mappers.js'
import type { AttemptFilter, DeliveryFilter, Page } from '../../storage.js'
import * as admin from '../operator/kysely-admin-queries.js'
import { pageLimit, toPage, type Db } from '../kysely-storage-helpers.js'
import { deliveriesByMessage, filtersByMessage } from './deliveries-by-message.js'

export async function getMessage(db: Db, id: string): Promise<MessageRecord | undefined> {
  const row = await db.selectFrom('messages').selectAll().where('id', '=', id).executeTakeFirst()
  return row && messageFromRow(row)
}

export async function getDelivery(db: Db, id: string): Promise<DeliveryRecord | undefined> {
  const row = await db.selectFrom('deliveries').selectAll().where('id', '=', id).executeTakeFirst()
  return row && deliveryFromRow(row)
}

export async function listDeliveries(db: Db, filter: DeliveryFilter): Promise<Page<DeliveryRecord>> {
  const limit = pageLimit(filter.limit)
  if (filtersByMessage(filter)) {
    const { rows, nextCursor } = await deliveriesByMessage(db, filter, limit, admin.whereDeliveries)
    return { data: rows.map(deliveryFromRow), nextCursor }
  }
  const query = admin.whereDeliveries(db.selectFrom('deliveries').selectAll('deliveries'), filter)
  const rows = await query.orderBy('deliveries.id', 'desc').limit(limit + 1).execute()
  return toPage(rows, limit, deliveryFromRow)
}

export async function listAttempts(db: Db, filter: AttemptFilter): Promise<Page<AttemptRecord>> {
  const limit = pageLimit(filter.limit)
  let query = db.selectFrom('attempts').selectAll()
  if (filter.deliveryId !== undefined) query = query.where('delivery_id', '=', filter.deliveryId)
  if (filter.messageId !== undefined) query = query.where('message_id', '=', filter.messageId)
  if (filter.endpointId !== undefined) query = query.where('endpoint_id', '=', filter.endpointId)
  if (filter.cursor) query = query.where('id', '<', filter.cursor)
  const rows = await query.orderBy('id', 'desc').limit(limit + 1).execute()
  return toPage(rows, limit, attemptFromRow)
}
