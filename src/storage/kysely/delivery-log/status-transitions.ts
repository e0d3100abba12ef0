import type { DeliveryStatus } from '../../../core/types.js'
import type { StorageDialect } from '../../dialect/dialect.js'
import { toMillis } from '../../schema/row-mappers.js'
import { without, type Db } from '../kysely-storage-helpers.js'
import { transition } from '../status-transition.js'

export async function requeueDeliveries(
  db: Db,
  dialect: StorageDialect,
  ids: readonly string[],
  fromStatuses: readonly DeliveryStatus[],
  at: Date,
): Promise<string[]> {
  const when = toMillis(at)
  return transition(db, dialect, 'deliveries', ids, fromStatuses, {
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
  dialect: StorageDialect,
  ids: readonly string[],
  fromStatuses: readonly DeliveryStatus[],
  at: Date,
): Promise<string[]> {
  const when = toMillis(at)
  return transition(db, dialect, 'deliveries', ids, without(fromStatuses, 'discarded'), {
    status: 'discarded',
    next_attempt_at: null,
    lease_owner: null,
    completed_at: when,
    updated_at: when,
  })
}
