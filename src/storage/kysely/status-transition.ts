import type { Kysely, UpdateObject } from 'kysely'
import type { DeliveryStatus, InboundStatus } from '../../core/types.js'
import type { StorageDialect } from '../dialect/dialect.js'
import type { HookrelayDatabase } from '../schema/database.js'
import { chunks, IDS_PER_STATEMENT, unique, type Db } from './kysely-storage-helpers.js'
import { runTransaction } from './run-transaction.js'

/**
 * Moves the rows among `ids` whose status is in `fromStatuses` to the state `set` describes, in
 * chunks, and returns the ids that changed (sorted): repeating a transition changes nothing.
 */
export async function transition<T extends 'deliveries' | 'inbound_messages'>(
  db: Db,
  dialect: StorageDialect,
  table: T,
  ids: readonly string[],
  fromStatuses: readonly DeliveryStatus[] | readonly InboundStatus[],
  set: UpdateObject<HookrelayDatabase, T>,
): Promise<string[]> {
  if (ids.length === 0 || fromStatuses.length === 0) return []
  const changed: string[] = []
  // Typed as the deliveries table (both tables have `id` and a status column).
  const statuses = [...fromStatuses] as DeliveryStatus[]
  const update = (executor: Kysely<HookrelayDatabase>, among: readonly string[]) =>
    executor
      .updateTable(table as 'deliveries')
      .set(set as UpdateObject<HookrelayDatabase, 'deliveries'>)
      .where('id', 'in', among)
      .where('status', 'in', statuses)
  for (const chunk of chunks(unique(ids), IDS_PER_STATEMENT)) {
    if (dialect.capabilities.returning) {
      const rows = await update(db, chunk).returning('id').execute()
      changed.push(...rows.map((r) => r.id))
      continue
    }
    // Without RETURNING: lock the rows that will change, then change exactly those.
    changed.push(
      ...(await runTransaction(db, async (tx) => {
        const rows = await tx
          .selectFrom(table as 'deliveries')
          .select('id')
          .where('id', 'in', chunk)
          .where('status', 'in', statuses)
          .forUpdate()
          .execute()
        const locked = rows.map((r) => r.id)
        if (locked.length > 0) await update(tx, locked).execute()
        return locked
      })),
    )
  }
  return changed.sort()
}
