import pRetry from 'p-retry'
import type { Emit } from '../core/emitter.js'
import type { DeliverySettlement, EndpointHealthUpdate, Storage } from '../storage/storage.js'

/** One delivery's outcome, with the events to emit once it is committed. */
export interface SettlementItem {
  settlement: DeliverySettlement
  health?: EndpointHealthUpdate
  /** Runs after the commit: emits the events describing the new state. */
  afterCommit?: () => void
}

const MAX_BATCH = 500

/**
 * Writes settlements in batches: while one batch is being written, the next accumulates, so an
 * idle relay writes at once and a busy one writes hundreds of outcomes per transaction.
 * A failed write is retried with backoff (p-retry); if the database stays away, the outcomes are
 * dropped, the leases expire and the deliveries are attempted again: at-least-once holds.
 */
export class SettlementBatcher {
  readonly #storage: Storage
  readonly #emit: Emit
  #queue: { item: SettlementItem; done: () => void }[] = []
  #flushing: Promise<void> | null = null

  constructor(storage: Storage, emit: Emit) {
    this.#storage = storage
    this.#emit = emit
  }

  /** Queues `item`; resolves once it is committed (or given up on). Never rejects. */
  submit(item: SettlementItem): Promise<void> {
    return new Promise((done) => {
      this.#queue.push({ item, done })
      this.#flushing ??= this.#flush().finally(() => {
        this.#flushing = null
      })
    })
  }

  /** Resolves when everything submitted so far is written. */
  async drain(): Promise<void> {
    while (this.#flushing) await this.#flushing
  }

  async #flush(): Promise<void> {
    while (this.#queue.length > 0) {
      // Let the I/O phase run first so responses that already arrived join this batch. Without
      // it a synchronous driver (better-sqlite3) would write one outcome per transaction.
      await new Promise<void>((resolve) => setImmediate(resolve))
      const batch = this.#queue.splice(0, MAX_BATCH)
      const settlements = batch.map((b) => b.item.settlement)
      const health = batch.flatMap((b) => (b.item.health ? [b.item.health] : []))
      try {
        await pRetry(() => this.#storage.settle(settlements, health), {
          retries: 5,
          minTimeout: 50,
          maxTimeout: 2_000,
          randomize: true,
        })
        for (const { item } of batch) {
          try {
            item.afterCommit?.()
          } catch (error) {
            this.#emit('error', { error: error as Error, context: 'event listener' })
          }
        }
      } catch (error) {
        this.#emit('error', { error: error as Error, context: 'dispatcher.settle' })
      } finally {
        for (const { done } of batch) done()
      }
    }
  }
}
