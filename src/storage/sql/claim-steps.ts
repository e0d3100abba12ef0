import type { StorageDialect } from '../dialect/dialect.js'

/**
 * A claim as three statements, for databases without `UPDATE … RETURNING` (MySQL), run in one
 * transaction: `pick` selects and locks the due ids (`FOR UPDATE SKIP LOCKED`, so concurrent
 * claimers pass over each other's rows and never wait), `lease` leases exactly those, `read`
 * reads them back. MySQL also refuses `IN (SELECT … LIMIT)`, which a one-statement form would need.
 */
export interface ClaimSteps {
  readonly pick: string
  readonly lease: string
  readonly read: string
}

/** The steps of a claim on `table` whose pick is `pick`, leasing rows into `status`. */
export function claimStepsSql(dialect: StorageDialect, table: string, pick: string, status: string): ClaimSteps {
  const p = (index: number) => dialect.parameter(index)
  return {
    pick: pick + (dialect.capabilities.skipLocked ? ' for update skip locked' : ''),
    lease:
      `update ${table} ` +
      `set status = '${status}', lease_owner = ${p(1)}, next_attempt_at = ${p(2)}, updated_at = ${p(3)} ` +
      `where id ${dialect.inList(4)}`,
    read: `select * from ${table} where id ${dialect.inList(1)}`,
  }
}
