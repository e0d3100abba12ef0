import type { BatchColumns, StorageDialect } from '../dialect/dialect.js'
import type { InboundSettlement } from '../storage.js'

/** One row per settled inbound message; `attempted` is 1 when the handlers ran (it counts). */
const COLUMNS = {
  id: 'text',
  owner: 'text',
  status: 'text',
  next_attempt_at: 'bigint',
  attempted: 'integer',
  has_error: 'integer',
  error: 'text',
  dead_reason: 'text',
  processed_at: 'bigint',
  updated_at: 'bigint',
} as const satisfies BatchColumns

/** What a settlement writes, column by column (`v` is the batch, `i` the row it settles). */
const ASSIGNMENTS: readonly (readonly [string, string])[] = [
  ['status', 'v.status'],
  ['attempts', 'i.attempts + v.attempted'],
  ['next_attempt_at', 'v.next_attempt_at'],
  ['lease_owner', 'null'],
  ['last_error', 'case when v.has_error = 1 then v.error else i.last_error end'],
  ['dead_reason', 'v.dead_reason'],
  ['processed_at', 'v.processed_at'],
  ['updated_at', 'v.updated_at'],
]

/**
 * The inbound counterpart of `settleDeliveriesSql`: one `UPDATE … FROM <batch>` by primary key,
 * each row guarded by its lease owner (the status guard fenced from the partial indexes likewise).
 */
export function settleInboundSql(dialect: StorageDialect, inbound: string, rows: number): string {
  const where = `i.id = v.id and i.lease_owner = v.owner and ${dialect.unindexed('i.status')} = 'processing'`
  return dialect.updateFrom(inbound, 'i', ASSIGNMENTS, dialect.batch(COLUMNS, rows), where)
}

/** The parameters of `settleInboundSql` for `batch`. */
export function settleInboundParameters(dialect: StorageDialect, batch: readonly InboundSettlement[]): unknown[] {
  return dialect.batchParameters(
    COLUMNS,
    batch.map((s) => {
      const at = s.at.getTime()
      const final = s.status !== 'pending'
      return {
        id: s.id,
        owner: s.owner,
        status: s.status,
        next_attempt_at: s.nextAttemptAt ? s.nextAttemptAt.getTime() : null,
        attempted: s.attempted ? 1 : 0,
        has_error: s.lastError === undefined ? 0 : 1,
        error: s.lastError ?? null,
        dead_reason: s.deadReason ?? null,
        processed_at: final ? at : null,
        updated_at: at,
      }
    }),
  )
}
