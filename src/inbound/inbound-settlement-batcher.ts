import pRetry from 'p-retry'
import type { Emit } from '../core/emitter.js'
import type { InboundSettlement, Storage } from '../storage/storage.js'

/** One inbound message's outcome, with the events to emit once it is committed. */
export interface InboundSettlementItem {
  settlement: InboundSettlement
  /** Runs after the commit: emits the events describing the new state. */
  afterCommit?: () => void
}

const MAX_BATCH = 500

/**
 * Writes inbound settlements in batches, like the outbound `SettlementBatcher`: while one batch is
 * written the next accumulates. A write that keeps failing is given up after retries; the leases
 * then expire and the messages are handled again (handlers are idempotent): at-least-once holds.
 */
export class InboundSettlementBatcher {
  readonly #storage: Storage
  readonly #emit: Emit
  #queue: { item: InboundSettlementItem; done: (committed: boolean) => void }[] = []
  #flushing: Promise<void> | null = null

  constructor(storage: Storage, emit: Emit) {
    this.#storage = storage
    this.#emit = emit
  }

  /** Queues `item`; resolves `true` once committed, `false` if the write was given up. Never rejects. */
  submit(item: InboundSettlementItem): Promise<boolean> {
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
      const batch = this.#queue.splice(0, MAX_BATCH)
      let committed = false
      try {
        await pRetry(() => this.#storage.settleInbound(batch.map((b) => b.item.settlement)), {
          retries: 5,
          minTimeout: 50,
          maxTimeout: 2_000,
          randomize: true,
        })
        committed = true
        for (const { item } of batch) {
          try {
            item.afterCommit?.()
          } catch (error) {
            this.#emit('error', { error: error as Error, context: 'event listener' })
          }
        }
      } catch (error) {
        this.#emit('error', { error: error as Error, context: 'inbound.settle' })
      } finally {
        for (const { done } of batch) done(committed)
      }
    }
  }
}
