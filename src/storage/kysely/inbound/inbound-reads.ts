import type { InboundMessageRecord } from '../../../core/types.js'
import { inboundMessageFromRow } from '../../schema/row-mappers.js'
import type { InboundFilter, Page } from '../../storage.js'
import * as admin from '../operator/kysely-admin-queries.js'
import { pageLimit, toPage, type Db } from '../kysely-storage-helpers.js'

export async function getInboundMessage(db: Db, id: string): Promise<InboundMessageRecord | undefined> {
  const row = await db.selectFrom('inbound_messages').selectAll().where('id', '=', id).executeTakeFirst()
  return row && inboundMessageFromRow(row)
}

export async function listInboundMessages(db: Db, filter: InboundFilter): Promise<Page<InboundMessageRecord>> {
  const limit = pageLimit(filter.limit)
  const query = admin.whereInbound(db.selectFrom('inbound_messages').selectAll(), filter)
  const rows = await query.orderBy('id', 'desc').limit(limit + 1).execute()
  return toPage(rows, limit, inboundMessageFromRow)
}
