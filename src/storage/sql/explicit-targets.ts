import { ValidationError } from '../../core/errors.js'
import type { OutgoingMessage } from '../storage.js'

/**
 * Refuses, before anything is written, a message whose `endpointIds` name an endpoint that does
 * not exist for its tenant. `tenants` maps every endpoint found among the ids to its tenant.
 */
export function checkExplicitTargets(items: readonly OutgoingMessage[], tenants: ReadonlyMap<string, string | null>): void {
  for (const { message, endpointIds } of items) {
    if (!endpointIds) continue
    const missing = endpointIds.filter((id) => !tenants.has(id) || tenants.get(id) !== message.tenant)
    if (missing.length === 0) continue
    throw new ValidationError(
      `Invalid event: endpointIds ${missing.join(', ')} do not exist` +
        (message.tenant ? ` for tenant ${JSON.stringify(message.tenant)}.` : ' without a tenant.'),
      [{ path: ['endpointIds'], message: 'unknown endpoint' }],
    )
  }
}

/** Every explicit endpoint id of a batch, once. */
export function explicitIds(items: readonly OutgoingMessage[]): string[] {
  const ids = new Set<string>()
  for (const item of items) for (const id of item.endpointIds ?? []) ids.add(id)
  return [...ids]
}
