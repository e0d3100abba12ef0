import { inBatches } from '../core/batches.js'
import { HookrelayError, NotFoundError } from '../core/errors.js'
import type { BulkResult, RecoverOptions } from '../core/operations.js'
import type { Storage } from '../storage/storage.js'
import { pointInTime } from './time.js'

/** The endpoint is disabled, so what is re-queued for it would be dead-lettered again. */
export class EndpointDisabledError extends HookrelayError {
  constructor(endpointId: string) {
    super(
      'ENDPOINT_DISABLED',
      `Endpoint ${JSON.stringify(endpointId)} is disabled; enable it first (relay.endpoints.enable(id)), ` +
        'otherwise the recovered deliveries would be dead-lettered again.',
    )
  }
}

/**
 * `relay.endpoints.recover(id, { since })`: re-queues, due now, every delivery to the endpoint that
 * was dead-lettered at or after `since` (and before `until`), in batches. Idempotent.
 */
export async function recoverEndpoint(
  deps: { storage: Storage; now: () => number; notify: (deliveryIds: readonly string[], dueAt: Date) => void },
  endpointId: string,
  options: RecoverOptions,
): Promise<BulkResult> {
  const { storage } = deps
  const endpoint = await storage.getEndpoint(endpointId)
  if (!endpoint) throw new NotFoundError('Endpoint', endpointId)
  if (endpoint.disabledAt !== null) throw new EndpointDisabledError(endpointId)
  const now = deps.now()
  const failedSince = pointInTime(options.since, now, 'since')
  const failedUntil = options.until ?? new Date(now + 1)
  return inBatches(
    (cursor, limit) => storage.listDeliveryIds({ endpointId, status: 'dead', failedSince, failedUntil, cursor, limit }),
    async (ids) => {
      const at = new Date(deps.now())
      const changed = await storage.requeueDeliveries(ids, ['dead'], at)
      if (changed.length > 0) deps.notify(changed, at)
      return changed
    },
    options,
  )
}
