import { messageIdOf } from '../../../core/ids.js'
import type { DeliveryIdFilter } from '../../operations.js'
import type { DeliveryRow } from '../../schema/row-mappers.js'
import type { Db } from '../kysely-storage-helpers.js'
import type { whereDeliveries } from '../operator/kysely-admin-selection.js'

/** Messages read per step at most, and in one search page at most (the page then ends short, with a cursor). */
const MAX_STEP = 1_000
const MAX_MESSAGES_PER_PAGE = 20_000

/** Where a page by message starts: before `messageId`, or among its deliveries before `deliveryId`. */
interface Bound {
  readonly messageId: string
  readonly deliveryId?: string
}

/** True when `filter` selects by the message's event type or tenant (see `deliveriesByMessage`). */
export function filtersByMessage(filter: DeliveryIdFilter): boolean {
  return filter.eventType !== undefined || filter.tenant !== undefined
}

/**
 * Deliveries whose message has an event type or tenant, newest message first (then newest
 * delivery), found from the messages' `(type, id)` and `(tenant, id)` indexes: each step reads the
 * next messages of that type or tenant in id order and then their deliveries by `message_id`, so a
 * page costs about a page of rows for a type sent once in a million as for one sent every time.
 * Walking deliveries newest first and joining each one's message (as without these filters) reads
 * the whole table for a rare type; leaving the choice to the planner made SQLite start from the
 * type index and sort every delivery of a common one (see migration 017).
 *
 * The order is by message, so a delivery made later for an older message (a resend) is listed
 * with its message. The cursor names the last row (`msg_…/dlv_…`), or only the last message read
 * (`msg_…`) when a page stops after `MAX_MESSAGES_PER_PAGE` messages with fewer rows than asked
 * (a rare combination of filters): pass it on as any cursor. A delivery id (`dlv_…`) is also
 * accepted as a cursor, as in the lists without these filters.
 */
export async function deliveriesByMessage(
  db: Db,
  filter: DeliveryIdFilter,
  limit: number,
  /** The operator selection's `whereDeliveries`, passed in (it calls this module). */
  where: typeof whereDeliveries,
): Promise<{ rows: DeliveryRow[]; nextCursor: string | null }> {
  let bound = filter.cursor ? await boundOf(db, filter.cursor) : undefined
  const rest: DeliveryIdFilter = { ...filter, tenant: undefined, eventType: undefined, cursor: undefined }
  const rows: DeliveryRow[] = []
  let read = 0
  let step = Math.min(MAX_STEP, limit + 1)
  while (rows.length <= limit) {
    // One index walked in id order, never two: with both filters, the tenant's (a portal's search
    // is always within one tenant) and the type checked on the rows read. Given both equalities,
    // Postgres and MariaDB would combine the two indexes and sort what matches.
    let messages = db.selectFrom('messages').select(['id', 'type'])
    if (filter.tenant !== undefined) {
      messages = filter.tenant === null ? messages.where('tenant', 'is', null) : messages.where('tenant', '=', filter.tenant)
    } else if (filter.eventType !== undefined) {
      messages = messages.where('type', '=', filter.eventType)
    }
    if (bound) messages = messages.where('id', bound.deliveryId === undefined ? '<' : '<=', bound.messageId)
    const walked = await messages.orderBy('id', 'desc').limit(step).execute()
    if (walked.length === 0) return { rows, nextCursor: null }
    const ids = walked.filter((m) => filter.eventType === undefined || m.type === filter.eventType).map((m) => m.id)
    const found =
      ids.length === 0 ? [] : await where(db.selectFrom('deliveries').selectAll('deliveries'), rest).where('deliveries.message_id', 'in', ids).execute()
    // Sorted here, not in SQL: a sort of the few rows found keeps the plan an index lookup.
    found.sort((a, b) => (a.message_id === b.message_id ? compare(b.id, a.id) : compare(b.message_id, a.message_id)))
    const from = bound
    for (const row of found) {
      if (from?.deliveryId !== undefined && row.message_id === from.messageId && row.id >= from.deliveryId) continue
      rows.push(row)
    }
    read += walked.length
    if (walked.length < step) break
    bound = { messageId: walked.at(-1)!.id }
    if (rows.length <= limit && read >= MAX_MESSAGES_PER_PAGE) return { rows, nextCursor: bound.messageId }
    step = Math.min(MAX_STEP, step * 4)
  }
  if (rows.length <= limit) return { rows, nextCursor: null }
  const last = rows[limit - 1]!
  return { rows: rows.slice(0, limit), nextCursor: `${last.message_id}/${last.id}` }
}

/** Byte order, as the databases compare ids (Latin letters and digits only). */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

/** Reads a cursor: `msg_…/dlv_…`, `msg_…`, or a delivery id (whose message is looked up). */
async function boundOf(db: Db, cursor: string): Promise<Bound> {
  const slash = cursor.indexOf('/')
  if (slash > 0) return { messageId: cursor.slice(0, slash), deliveryId: cursor.slice(slash + 1) }
  if (cursor.startsWith('msg_')) return { messageId: cursor }
  const row = await db.selectFrom('deliveries').select('message_id').where('id', '=', cursor).executeTakeFirst()
  // A delivery purged since: its id is named after its message (`deliveryIdOf`), so that message
  // and everything before it is where the list was.
  return { messageId: row?.message_id ?? messageIdOf(cursor), deliveryId: cursor }
}
