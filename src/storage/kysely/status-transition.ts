import type { Kysely, UpdateObject } from 'kysely'
import type { DeliveryStatus, InboundStatus } from '../../core/types.js'
import type { HookrelayDatabase } from '../schema/database.js'
import { chunks, IDS_PER_STATEMENT, unique, type Db } from './kysely-storage-helpers.js'

/**
 * Moves the rows among `ids` whose status is in `fromStatuses` to the state `set` describes, in
 * chunks, and returns the ids that changed (sorted): repeating a transition changes nothing.
 */
export async function transition<T extends 'deliveries' | 'inbound_messages'>(
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
