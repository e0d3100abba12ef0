import type { AttemptRecord, DeliveryRecord, DeliveryStatus, MessageRecord } from '../../core/types.js'
import type { Page, DeliveryFilter, AttemptFilter } from '../storage-types.js'

/**
 * What was sent and what happened, as operators read it, and the operator's requeue and discard of deliveries.
 * One of the narrow ports `Storage` is made of (see `../storage.ts`).
 */
export interface DeliveryLog {
  /** The message, or `undefined` if it does not exist. */
  getMessage(id: string): Promise<MessageRecord | undefined>

  /** The delivery, or `undefined` if it does not exist. */
  getDelivery(id: string): Promise<DeliveryRecord | undefined>

  /** Deliveries matching `filter`, newest first, a page at a time. */
  listDeliveries(filter: DeliveryFilter): Promise<Page<DeliveryRecord>>

  /** Attempts matching `filter`, newest first, a page at a time. */
  listAttempts(filter: AttemptFilter): Promise<Page<AttemptRecord>>

  /**
   * Puts deliveries in `fromStatuses` back to `pending`, due at `at`. Returns the ids that changed,
   * so replaying the same dead letter twice queues it once.
   */
  requeueDeliveries(ids: readonly string[], fromStatuses: readonly DeliveryStatus[], at: Date): Promise<string[]>

  /** Marks deliveries in `fromStatuses` as `discarded`; returns the ids that changed. */
  discardDeliveries(ids: readonly string[], fromStatuses: readonly DeliveryStatus[], at: Date): Promise<string[]>
}
