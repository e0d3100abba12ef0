import type { InboundMessageRecord, InboundStatus } from '../../core/types.js'
import type { Page, ClaimOptions, InboundFilter, InboundInsertResult, InboundSettlement } from '../storage-types.js'

/**
 * Received webhooks: intake (the idempotency guard), claims and settlements of the inbound workers, and the operator's reads, requeue and discard.
 * One of the narrow ports `Storage` is made of (see `../storage.ts`).
 */
export interface InboundStore {
  /**
   * Stores a received webhook unless one with the same (source, webhookId) exists; then nothing is
   * written and the existing one is returned. This unique key is the inbound idempotency guard.
   */
  insertInboundMessage(
    message: InboundMessageRecord,
  ): Promise<{ inserted: true } | { inserted: false; existing: InboundMessageRecord }>

  /**
   * `insertInboundMessage` for many webhooks with one commit (the receiver's intake batches
   * requests that arrive together). Results are in input order. Of several messages with the same
   * (source, webhookId) in one batch the first is inserted and the later ones get it as `existing`;
   * one whose key is already stored gets the stored message. Rejects as a whole if the write fails.
   */
  insertInboundMessages(messages: readonly InboundMessageRecord[]): Promise<InboundInsertResult[]>

  /** Like `claimDeliveries`, for inbound messages `pending` and due, or `processing` with an expired lease. */
  claimInboundMessages(
    options: ClaimOptions & { sources?: readonly string[]; ids?: readonly string[] },
  ): Promise<InboundMessageRecord[]>

  /** Writes processing outcomes; like `settle`, guarded by the lease owner. */
  settleInbound(settlements: readonly InboundSettlement[]): Promise<void>

  /** The received webhook, raw payload included, or `undefined` if it does not exist. */
  getInboundMessage(id: string): Promise<InboundMessageRecord | undefined>

  /** Received webhooks matching `filter`, newest first, a page at a time. */
  listInboundMessages(filter: InboundFilter): Promise<Page<InboundMessageRecord>>

  /** Makes received webhooks in `fromStatuses` `pending` and due at `at`; returns the ids that changed. */
  requeueInboundMessages(ids: readonly string[], fromStatuses: readonly InboundStatus[], at: Date): Promise<string[]>

  /** Marks received webhooks in `fromStatuses` as `discarded`; returns the ids that changed. */
  discardInboundMessages(ids: readonly string[], fromStatuses: readonly InboundStatus[], at: Date): Promise<string[]>
}
