import { runTransaction } from '../run-transaction.js'
import { attemptToRow } from '../../schema/row-mappers.js'
import type { DeliverySettlement, EndpointHealthUpdate } from '../../storage.js'
import type { SettleStatements } from './settle-statements.js'
import { applyEndpointHealth } from '../endpoints/endpoint-health.js'
import { chunks, ROWS_PER_STATEMENT, type Db } from '../kysely-storage-helpers.js'

/** Settles the deliveries, writes the attempts and applies endpoint health, in one transaction. */
export async function settleDeliveries(
  db: Db,
  settleStatements: SettleStatements,
  settlements: readonly DeliverySettlement[],
  endpointUpdates: readonly EndpointHealthUpdate[],
): Promise<void> {
  if (settlements.length === 0 && endpointUpdates.length === 0) return
  await runTransaction(db, async (tx) => {
    const attempts = settlements.flatMap((s) => (s.attempt ? [attemptToRow(s.attempt)] : []))
    for (const chunk of chunks(settlements, ROWS_PER_STATEMENT)) {
      await settleStatements.settleDeliveries(tx, chunk)
    }
    // After the update: the attempts' foreign key check then finds each delivery row already
    // locked by this transaction, where before it had to lock it first (a WAL record per row on
    // Postgres). The check and the insert's existence test see the same rows either way.
    for (const chunk of chunks(attempts, ROWS_PER_STATEMENT)) {
      await settleStatements.insertAttempts(tx, chunk)
    }
    await applyEndpointHealth(tx, endpointUpdates)
  })
}
