import type { Transaction } from 'kysely'
import type { HookrelayDatabase } from '../../schema/database.js'
import type { EndpointHealthUpdate } from '../../storage.js'
import { chunks, IDS_PER_STATEMENT } from '../kysely-storage-helpers.js'
import { reduceHealth } from './reduce-health.js'

/**
 * Endpoint health: success clears `failing_since`, failure sets it once, disable sets the reason
 * once; a batch's updates are folded first (`reduceHealth`), so each endpoint gets one write.
 */
export async function applyEndpointHealth(
  tx: Transaction<HookrelayDatabase>,
  updates: readonly EndpointHealthUpdate[],
): Promise<void> {
  if (updates.length === 0) return
  const { clear, start, restart, disable } = reduceHealth(updates)
  for (const ids of chunks(clear, IDS_PER_STATEMENT)) {
    await tx.updateTable('endpoints').set({ failing_since: null }).where('id', 'in', ids).where('failing_since', 'is not', null).execute()
  }
  for (const { endpointId, at } of start) {
    await tx.updateTable('endpoints').set({ failing_since: at }).where('id', '=', endpointId).where('failing_since', 'is', null).execute()
  }
  for (const { endpointId, at } of restart) {
    await tx.updateTable('endpoints').set({ failing_since: at }).where('id', '=', endpointId).execute()
  }
  for (const { endpointId, reason, at } of disable) {
    await tx
      .updateTable('endpoints')
      .set({ disabled_at: at, disabled_reason: reason, updated_at: at })
      .where('id', '=', endpointId)
      .where('disabled_at', 'is', null)
      .execute()
  }
}
