import { CompiledQuery } from 'kysely'
import type { StorageDialect } from '../dialect/dialect.js'
import type { ClaimSteps } from '../sql/claim-steps.js'
import { runTransaction } from './run-transaction.js'
import type { Db } from './kysely-storage-helpers.js'

/**
 * Runs a claim as its three steps in one transaction (databases without `UPDATE … RETURNING`,
 * see `sql/claim-steps.ts`). `params` are the one-statement claim's parameters: owner, lease end
 * and now lease the rows, the rest (from the due bound on) pick them. Returns the leased rows.
 */
export async function claimInSteps<R>(db: Db, dialect: StorageDialect, steps: ClaimSteps, params: readonly unknown[]): Promise<R[]> {
  return runTransaction(db, async (tx) => {
    const picked = await tx.executeQuery<{ id: string }>(CompiledQuery.raw(steps.pick, params.slice(3)))
    if (picked.rows.length === 0) return []
    const ids = dialect.listParameter(picked.rows.map((row) => row.id))
    await tx.executeQuery(CompiledQuery.raw(steps.lease, [...params.slice(0, 3), ids]))
    return (await tx.executeQuery<R>(CompiledQuery.raw(steps.read, [ids]))).rows
  })
}
