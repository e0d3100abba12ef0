import type { Transaction } from 'kysely'
import { toMillis } from '../../schema/row-mappers.js'
import type { HookrelayDatabase } from '../../schema/database.js'
import type { EndpointHealthUpdate } from '../../storage.js'
import { unique } from '../kysely-storage-helpers.js'

/** Endpoint health: success clears `failing_since`, failure sets it once, disable sets the reason once. */
export async function applyEndpointHealth(
  tx: Transaction<HookrelayDatabase>,
  updates: readonly EndpointHealthUpdate[],
): Promise<void> {
  let successes: string[] = []
  const flushSuccesses = async () => {
    if (successes.length === 0) return
    await tx
      .updateTable('endpoints')
      .set({ failing_since: null })
      .where('id', 'in', unique(successes))
      .where('failing_since', 'is not', null)
      .execute()
    successes = []
  }
  for (const update of updates) {
    if (update.kind === 'success') {
      successes.push(update.endpointId)
      continue
    }
    await flushSuccesses()
    if (update.kind === 'failure') {
      await tx
        .updateTable('endpoints')
        .set({ failing_since: toMillis(update.at) })
        .where('id', '=', update.endpointId)
        .where('failing_since', 'is', null)
        .execute()
    } else {
      await tx
        .updateTable('endpoints')
        .set({ disabled_at: toMillis(update.at), disabled_reason: update.reason, updated_at: toMillis(update.at) })
        .where('id', '=', update.endpointId)
        .where('disabled_at', 'is', null)
        .execute()
    }
  }
  await flushSuccesses()
}
