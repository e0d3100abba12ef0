import type { StorageDialect } from '../../dialect/dialect.js'
import type { InboundStatus } from '../../../core/types.js'
import { toMillis } from '../../schema/row-mappers.js'
import { without, type Db } from '../kysely-storage-helpers.js'
import { transition } from '../status-transition.js'

export async function requeueInboundMessages(
  db: Db,
  dialect: StorageDialect,
  ids: readonly string[],
  fromStatuses: readonly InboundStatus[],
  at: Date,
): Promise<string[]> {
  const when = toMillis(at)
  return transition(db, dialect, 'inbound_messages', ids, fromStatuses, {
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
  dialect: StorageDialect,
  ids: readonly string[],
  fromStatuses: readonly InboundStatus[],
  at: Date,
): Promise<string[]> {
  const when = toMillis(at)
  return transition(db, dialect, 'inbound_messages', ids, without(fromStatuses, 'discarded'), {
    status: 'discarded',
    next_attempt_at: null,
    lease_owner: null,
    processed_at: when,
    updated_at: when,
  })
}
