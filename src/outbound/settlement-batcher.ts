import pRetry from 'p-retry'
import { BatchWriter } from '../core/batch-writer.js'
import type { Emit } from '../core/emitter.js'
import type { DeliverySettlement, EndpointHealthUpdate, Storage } from '../storage/storage.js'

/** Something to write, with the events to emit once it is committed. */
export interface Committable {
  /** Runs after the commit: emits the events describing the new state. */
  afterCommit?: () => void
}

/** One delivery's outcome. */
export interface SettlementItem extends Committable {
  settlement: DeliverySettlement
  health?: EndpointHealthUpdate
}

/**
 * A `BatchWriter` for outcomes: a failed write is retried with backoff (p-retry); if the database
 * stays away the batch is given up (`false`) and reported, the leases expire and the work is done
 * again: at-least-once holds. After a commit each item's events are emitted; a throwing listener
 * is reported, never allowed to break the batch. Resolves `true` once committed; never rejects.
 */
export function committingWriter<T extends Committable>(
  write: (items: T[]) => Promise<void>,
  emit: Emit,
  context: string,
): BatchWriter<T, boolean> {
  return new BatchWriter(async (items: T[]) => {
    try {
      await pRetry(() => write(items), { retries: 5, minTimeout: 50, maxTimeout: 2_000, randomize: true })
    } catch (error) {
      emit('error', { error: error as Error, context })
      return items.map(() => false)
    }
    for (const item of items) {
      try {
        item.afterCommit?.()
      } catch (error) {
        emit('error', { error: error as Error, context: 'event listener' })
      }
    }
    return items.map(() => true)
  })
}

/** Writes delivery outcomes in batches: an idle relay at once, a busy one hundreds per transaction. */
export function settlementWriter(storage: Storage, emit: Emit): BatchWriter<SettlementItem, boolean> {
  return committingWriter<SettlementItem>(
    (items) => storage.settle(items.map((i) => i.settlement), items.flatMap((i) => (i.health ? [i.health] : []))),
    emit,
    'dispatcher.settle',
  )
}
