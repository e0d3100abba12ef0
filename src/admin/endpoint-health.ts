import type { OperatorQueries } from '../storage/storage.js'
import { formatDuration } from './time.js'

export interface EndpointHealthDeps {
  storage: OperatorQueries
  now: () => number
  /** Failing without a success for longer than this disables an endpoint; `null`: never. */
  disableAfterMs: number | null
  /** Called for each endpoint disabled, after the change is committed. */
  onDisabled: (endpointId: string, reason: string) => void
}

/**
 * Disables the endpoints that have failed without a single success for longer than
 * `disableAfterMs` (`failingSince` is set by the first failure and cleared by any success).
 * Returns the ids it disabled. Runs periodically on the workers, never on the delivery hot path.
 */
export async function sweepEndpointHealth(deps: EndpointHealthDeps): Promise<{ disabled: string[] }> {
  if (deps.disableAfterMs === null) return { disabled: [] }
  const now = deps.now()
  const reason = `failing without a successful delivery for more than ${formatDuration(deps.disableAfterMs)}`
  const disabled = await deps.storage.disableFailingEndpoints(new Date(now - deps.disableAfterMs), reason, new Date(now))
  for (const endpointId of disabled) deps.onDisabled(endpointId, reason)
  return { disabled }
}
