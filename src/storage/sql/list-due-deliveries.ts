import { CLAIMABLE_DELIVERY } from './claimable.js'
import type { StorageDialect } from '../dialect/dialect.js'

/**
 * Due work for a queue driver to (re-)enqueue, oldest first, reading only: `pending` deliveries
 * due by a horizon and `delivering` ones whose lease expired by now. It walks the claim index in
 * due order, from the oldest to the horizon (the claim predicate word for word, and a range on
 * it), whatever the statistics. Parameters: horizon, now, limit.
 */
export function listDueDeliveriesSql(dialect: StorageDialect, deliveries: string): string {
  const due = dialect.claimDue(CLAIMABLE_DELIVERY, dialect.parameter(1))
  return (
    `select id, next_attempt_at from ${deliveries} ` +
    `where ${due.where} ` +
    `and (status = 'pending' or next_attempt_at <= ${dialect.parameter(2)}) ` +
    `order by ${due.orderBy} limit ${dialect.claimLimit(3)}`
  )
}
