import type { BatchColumns, StorageDialect } from '../dialect/dialect.js'
import type { DeliverySettlement } from '../storage.js'

/** One row per settled delivery; `attempted` is 1 when an HTTP attempt was made (it counts). */
const COLUMNS = {
  id: 'text',
  owner: 'text',
  status: 'text',
  next_attempt_at: 'bigint',
  attempted: 'integer',
  attempt_number: 'integer',
  status_code: 'integer',
  error: 'text',
  dead_reason: 'text',
  completed_at: 'bigint',
  updated_at: 'bigint',
} as const satisfies BatchColumns

/** What a settlement writes, column by column (`v` is the batch, `d` the row it settles). */
const ASSIGNMENTS: readonly (readonly [string, string])[] = [
  ['status', 'v.status'],
  ['attempts', 'case when v.attempted = 1 then v.attempt_number else d.attempts end'],
  ['next_attempt_at', 'v.next_attempt_at'],
  ['lease_owner', 'null'],
  ['last_status_code', 'case when v.attempted = 1 then v.status_code else d.last_status_code end'],
  ['last_error', 'case when v.attempted = 1 then v.error else d.last_error end'],
  ['dead_reason', 'v.dead_reason'],
  ['next_trigger', "case when v.attempted = 1 then 'scheduled' else d.next_trigger end"],
  ['completed_at', 'v.completed_at'],
  ['updated_at', 'v.updated_at'],
]

/**
 * Writes the outcome of a batch of claims: one `UPDATE … FROM <batch>` that finds each delivery by
 * its primary key. Each row is guarded by its lease owner, so a worker whose lease expired cannot
 * overwrite the worker that took over. A deferral or hand-back (`attempted = 0`) keeps the attempt
 * count and the last answer.
 *
 * The status guard is written over `unindexed(status)`: as `d.status = 'delivering'` it matched the
 * partial claim and FIFO indexes, and Postgres with statistics then read every claimable row
 * through one and hash-joined the batch to them (2,000 rows read to settle 40, in the plan spec),
 * instead of looking each id up by primary key.
 */
export function settleDeliveriesSql(dialect: StorageDialect, deliveries: string, rows: number): string {
  const where = `d.id = v.id and d.lease_owner = v.owner and ${dialect.unindexed('d.status')} = 'delivering'`
  return dialect.updateFrom(deliveries, 'd', ASSIGNMENTS, dialect.batch(COLUMNS, rows), where)
}

/** The parameters of `settleDeliveriesSql` for `batch`. */
export function settleDeliveriesParameters(dialect: StorageDialect, batch: readonly DeliverySettlement[]): unknown[] {
  return dialect.batchParameters(
    COLUMNS,
    batch.map((s) => {
      const at = s.at.getTime()
      const final = s.status === 'succeeded' || s.status === 'dead'
      return {
        id: s.deliveryId,
        owner: s.owner,
        status: s.status,
        next_attempt_at: s.nextAttemptAt ? s.nextAttemptAt.getTime() : null,
        attempted: s.attempt ? 1 : 0,
        attempt_number: s.attempt?.number ?? null,
        status_code: s.attempt?.statusCode ?? null,
        error: s.attempt?.error ?? null,
        dead_reason: s.deadReason ?? null,
        completed_at: final ? at : null,
        updated_at: at,
      }
    }),
  )
}
