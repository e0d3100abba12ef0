import { NotFoundError } from '../core/errors.js'
import type { BulkOptions, BulkResult } from '../core/operations.js'
import type { DeliveryRecord } from '../core/types.js'
import type { Page, PageOptions, Storage } from '../storage/storage.js'
import { inBatches } from '../core/batches.js'

/** Filters of the dead-letter queue. Every field is optional; they combine with AND. */
export interface DeadLetterFilter extends PageOptions {
  endpointId?: string | undefined
  /** `null`: messages without a tenant. */
  tenant?: string | null | undefined
  /** The exact event type of the message. */
  eventType?: string | undefined
  /** Created at or after. */
  since?: Date | undefined
  /** Created before. */
  until?: Date | undefined
}

/** `replayMany` and `discardMany`: a filter (without pagination) and how to batch. */
export type DeadLetterBulkFilter = Omit<DeadLetterFilter, 'limit' | 'cursor'>

export interface DeadLettersDeps {
  storage: Storage
  now: () => number
  /** Tells the workers (here and, through the queue driver, elsewhere) that deliveries became due at `dueAt`. */
  notify: (deliveryIds: readonly string[], dueAt: Date) => void
}

/**
 * `relay.dlq`: the deliveries whose status is `dead`. Replays put them back to `pending`, due now,
 * and their next attempt is recorded as `manual`. Replaying twice queues once.
 */
export class DeadLetters {
  readonly #deps: DeadLettersDeps

  constructor(deps: DeadLettersDeps) {
    this.#deps = deps
  }

  /** Dead deliveries, newest first; paginate with `cursor`. */
  list(filter: DeadLetterFilter = {}): Promise<Page<DeliveryRecord>> {
    return this.#deps.storage.listDeliveries({ ...pick(filter), limit: filter.limit, cursor: filter.cursor, status: 'dead' })
  }

  /** Puts a dead delivery back in the queue, due now. Throws `NotFoundError` if there is no such delivery. */
  async replay(deliveryId: string): Promise<{ replayed: boolean }> {
    const at = new Date(this.#deps.now())
    const changed = await this.#deps.storage.requeueDeliveries([deliveryId], ['dead'], at)
    if (changed.length > 0) this.#deps.notify(changed, at)
    else if (!(await this.#deps.storage.getDelivery(deliveryId))) throw new NotFoundError('Delivery', deliveryId)
    return { replayed: changed.length > 0 }
  }

  /**
   * Replays every dead delivery matching `filter`, in batches of `batchSize` (one short update
   * each). Idempotent: what is no longer dead is skipped, so running it twice queues each once.
   *
   * @example await relay.dlq.replayMany({ endpointId }, { onProgress: (p) => console.log(p.changed) })
   */
  async replayMany(filter: DeadLetterBulkFilter = {}, options: BulkOptions = {}): Promise<BulkResult> {
    const { storage, now } = this.#deps
    const result = await inBatches(
      (cursor, limit) => storage.listDeliveryIds({ ...pick(filter), status: 'dead', cursor, limit }),
      async (ids) => {
        const at = new Date(now())
        const changed = await storage.requeueDeliveries(ids, ['dead'], at)
        if (changed.length > 0) this.#deps.notify(changed, at)
        return changed
      },
      options,
    )
    return result
  }

  /** Gives up on a dead delivery for good (it stays visible with status `discarded` until purged). */
  async discard(deliveryId: string): Promise<{ discarded: boolean }> {
    const changed = await this.#deps.storage.discardDeliveries([deliveryId], ['dead'], new Date(this.#deps.now()))
    if (changed.length === 0 && !(await this.#deps.storage.getDelivery(deliveryId))) throw new NotFoundError('Delivery', deliveryId)
    return { discarded: changed.length > 0 }
  }

  /** Discards every dead delivery matching `filter`, in batches. */
  discardMany(filter: DeadLetterBulkFilter = {}, options: BulkOptions = {}): Promise<BulkResult> {
    const { storage, now } = this.#deps
    return inBatches(
      (cursor, limit) => storage.listDeliveryIds({ ...pick(filter), status: 'dead', cursor, limit }),
      (ids) => storage.discardDeliveries(ids, ['dead'], new Date(now())),
      options,
    )
  }
}

function pick(filter: DeadLetterBulkFilter): DeadLetterBulkFilter {
  const { endpointId, tenant, eventType, since, until } = filter
  return {
    ...(endpointId !== undefined && { endpointId }),
    ...(tenant !== undefined && { tenant }),
    ...(eventType !== undefined && { eventType }),
    ...(since !== undefined && { since }),
    ...(until !== undefined && { until }),
  }
}
