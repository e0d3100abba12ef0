import pRetry from 'p-retry'
import { BatchWriter } from '../core/batch-writer.js'
import type { Emit } from '../core/emitter.js'
import type { DeliverySettlement, EndpointHealthUpdate, DeliveryQueueStore } from '../storage/storage.js'

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
      return new Array<boolean>(items.length).fill(false)
    }
    for (const item of items) {
      try {
        item.afterCommit?.()
      } catch (error) {
        emit('error', { error: error as Error, context: 'event listener' })
      }
    }
    return new Array<boolean>(items.length).fill(true)
  })
}

/** Writes delivery outcomes in batches: an idle relay at once, a busy one hundreds per transaction. */
export function settlementWriter(storage: DeliveryQueueStore, emit: Emit): BatchWriter<SettlementItem, boolean> {
  return committingWriter<SettlementItem>(
    (items) => {
      const settlements: DeliverySettlement[] = new Array(items.length)
      const health: EndpointHealthUpdate[] = []
      for (let i = 0; i < items.length; i++) {
        const item = items[i]!
        settlements[i] = item.settlement
        if (item.health) health.push(item.health)
      }
      return storage.settle(settlements, health)
    },
    emit,
    'dispatcher.settle',
  )
}
