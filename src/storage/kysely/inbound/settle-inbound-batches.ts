import { runTransaction } from '../run-transaction.js'
import type { InboundSettlement } from '../../storage.js'
import type { SettleStatements } from '../delivery-queue/settle-statements.js'
import { chunks, ROWS_PER_STATEMENT, type Db } from '../kysely-storage-helpers.js'

/** Settles a batch of received webhooks, in one transaction. */
export async function settleInboundMessages(
  db: Db,
  settleStatements: SettleStatements,
  settlements: readonly InboundSettlement[],
): Promise<void> {
  if (settlements.length === 0) return
  await runTransaction(db, async (tx) => {
    for (const chunk of chunks(settlements, ROWS_PER_STATEMENT)) {
      await settleStatements.settleInbound(tx, chunk)
    }
  })
}
