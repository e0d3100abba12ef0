import type { DeliveryStatus } from '../../core/types.js'
import type { DueDelivery, ClaimOptions, ClaimedDelivery, DeliverySettlement, EndpointHealthUpdate } from '../storage-types.js'

/**
 * The deliveries as workers take and finish them: claims under a lease, due work for a queue driver, settlements, FIFO blocking.
 * One of the narrow ports `Storage` is made of (see `../storage.ts`).
 */
export interface DeliveryQueueStore {
  /**
   * Claims up to `limit` due deliveries for `owner`: status `pending` with `next_attempt_at <= now`,
   * or `delivering` whose lease expired (a worker died). Claimed rows become `delivering` with
   * `lease_owner = owner` and `next_attempt_at = now + leaseMs` (the lease expiry), oldest due first.
   */
  claimDeliveries(options: ClaimOptions): Promise<ClaimedDelivery[]>

  /**
   * Like `claimDeliveries`, but only among `ids` (a queue driver such as Redis handed them out):
   * claims those still claimable (`pending` and due, or `delivering` with an expired lease) and
   * silently skips the rest, which another worker took or which are no longer due.
   */
  claimDeliveriesByIds(ids: readonly string[], options: ClaimOptions): Promise<ClaimedDelivery[]>

  /**
   * Due work, oldest first, for a queue driver to re-enqueue: `pending` deliveries due by
   * `now + horizonMs` (default 0) and `delivering` ones whose lease expired by `now`. Reads only.
   */
  listDueDeliveries(options: { now: Date; limit: number; horizonMs?: number }): Promise<DueDelivery[]>

  /**
   * Writes the outcome of many claims in one transaction: attempts, delivery state, endpoint
   * health. A settlement only changes a delivery still leased to its `owner` (a worker whose lease
   * expired must not overwrite the worker that took over), but its attempt is always recorded.
   */
  settle(settlements: readonly DeliverySettlement[], endpointUpdates?: readonly EndpointHealthUpdate[]): Promise<void>

  /**
   * For FIFO endpoints: the oldest delivery to `endpointId` sent before `deliveryId` that is not
   * finished yet (`pending` or `delivering`), which `deliveryId` must wait for; `undefined` if none.
   */
  findBlockingDelivery(
    endpointId: string,
    deliveryId: string,
  ): Promise<{ id: string; status: DeliveryStatus; nextAttemptAt: Date | null } | undefined>
}
