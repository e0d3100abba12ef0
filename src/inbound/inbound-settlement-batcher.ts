import type { BatchWriter } from '../core/batch-writer.js'
import type { Emit } from '../core/emitter.js'
import { committingWriter, type Committable } from '../outbound/settlement-batcher.js'
import type { InboundSettlement, InboundStore } from '../storage/storage.js'

/** One inbound message's outcome. */
export interface InboundSettlementItem extends Committable {
  settlement: InboundSettlement
}

/**
 * Writes inbound outcomes in batches, like the outbound settlements. A write given up after
 * retries lets the leases expire and the messages are handled again (handlers are idempotent).
 */
export function inboundSettlementWriter(storage: InboundStore, emit: Emit): BatchWriter<InboundSettlementItem, boolean> {
  return committingWriter<InboundSettlementItem>(
    (items) => storage.settleInbound(items.map((i) => i.settlement)),
    emit,
    'inbound.settle',
  )
}
