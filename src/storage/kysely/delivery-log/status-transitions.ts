import type { Kysely, UpdateObject } from 'kysely'
import type { DeliveryStatus, InboundStatus } from '../../../core/types.js'
import { toMillis } from '../../schema/row-mappers.js'
import type { HookrelayDatabase } from '../../schema/database.js'
import { chunks, IDS_PER_STATEMENT, unique, without, type Db } from '../kysely-storage-helpers.js'

export async function requeueDeliveries(
  db: Db,
  ids: readonly string[],
  fromStatuses: readonly DeliveryStatus[],
  at: Date,
): Promise<string[]> {
  const when = toMillis(at)
  return transition(db, 'deliveries', ids, fromStatuses, {
    status: 'pending',
    next_attempt_at: when,
    lease_owner: null,
    dead_reason: null,
    next_trigger: 'manual',
    completed_at: null,
    updated_at: when,
  })
}

export async function discardDeliveries(
  db: Db,
  ids: readonly string[],
  fromStatuses: readonly DeliveryStatus[],
  at: Date,
): Promise<string[]> {
  const when = toMillis(at)
  return transition(db, 'deliveries', ids, without(fromStatuses, 'discarded'), {
    status: 'discarded',
    next_attempt_at: null,
    lease_owner: null,
    completed_at: when,
    updated_at: when,
  })
}

export async function requeueInboundMessages(
  db: Db,
  ids: readonly string[],
  fromStatuses: readonly InboundStatus[],
  at: Date,
): Promise<string[]> {
  const when = toMillis(at)
  return transition(db, 'inbound_messages', ids, fromStatuses, {
    status: 'pending',
    next_attempt_at: when,
    lease_owner: null,
    dead_reason: null,
    processed_at: null,
    updated_at: when,
  })
}

export async function discardInboundMessages(
  db: Db,
  ids: readonly string[],
  fromStatuses: readonly InboundStatus[],
  at: Date,
): Promise<string[]> {
  const when = toMillis(at)
  return transition(db, 'inbound_messages', ids, without(fromStatuses, 'discarded'), {
    status: 'discarded',
    next_attempt_at: null,
    lease_owner: null,
    processed_at: when,
    updated_at: when,
  })
}

/**
 * Moves the rows among `ids` whose status is in `fromStatuses` to the state `set` describes, in
 * chunks, and returns the ids that changed (sorted): repeating a transition changes nothing.
 */
async function transition<T extends 'deliveries' | 'inbound_messages'>(
  db: Db,
  table: T,
  ids: readonly string[],
  fromStatuses: readonly DeliveryStatus[] | readonly InboundStatus[],
  set: UpdateObject<HookrelayDatabase, T>,
): Promise<string[]> {
  if (ids.length === 0 || fromStatuses.length === 0) return []
  const changed: string[] = []
  for (const chunk of chunks(unique(ids), IDS_PER_STATEMENT)) {
    const rows = await (db as Kysely<HookrelayDatabase>)
      .updateTable(table as 'deliveries')
      .set(set as UpdateObject<HookrelayDatabase, 'deliveries'>)
      .where('id', 'in', chunk)
      // Typed as the deliveries table like the lines above (both tables have `id` and a status column).
      .where('status', 'in', [...fromStatuses] as DeliveryStatus[])
      .returning('id')
      .execute()
    changed.push(...rows.map((r) => r.id))
  }
  return changed.sort()
}
