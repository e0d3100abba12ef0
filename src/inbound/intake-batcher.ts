import type { InboundMessageRecord } from '../core/types.js'
import type { InboundInsertResult, Storage } from '../storage/storage.js'

/** Webhooks per transaction at most. */
const MAX_BATCH = 500

interface Waiting {
  message: InboundMessageRecord
  resolve: (result: InboundInsertResult) => void
  reject: (error: unknown) => void
}

/**
 * Stores received webhooks in batches: requests that arrive in the same I/O turn share one
 * `insertInboundMessages` (one commit), and while a batch is being written the next accumulates.
 * A lone request is written on the next turn of the event loop (one `setImmediate`). On a
 * synchronous driver (better-sqlite3) this turns one commit per webhook into one per turn, which
 * is where the receiver's time went.
 *
 * A failed write rejects every request of its batch: each is answered 500, so its sender retries
 * (the insert is idempotent) and nothing acknowledged is lost. It is not retried here, because a
 * sender waits on each request.
 */
export class IntakeBatcher {
  readonly #storage: Storage
  #queue: Waiting[] = []
  #flushing: Promise<void> | null = null

  constructor(storage: Storage) {
    this.#storage = storage
  }

  /** Stores `message` unless its (source, webhookId) is stored already; see `Storage.insertInboundMessages`. */
  insert(message: InboundMessageRecord): Promise<InboundInsertResult> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ message, resolve, reject })
      this.#flushing ??= this.#flush().finally(() => {
        this.#flushing = null
      })
    })
  }

  /** Resolves once everything submitted so far is written (or failed). */
  async drain(): Promise<void> {
    while (this.#flushing) await this.#flushing
  }

  async #flush(): Promise<void> {
    while (this.#queue.length > 0) {
      // Let the I/O phase run first, so requests whose bytes already arrived join this batch.
      await new Promise<void>((resolve) => setImmediate(resolve))
      const batch = this.#queue.splice(0, MAX_BATCH)
      let results: InboundInsertResult[]
      try {
        results = await this.#storage.insertInboundMessages(batch.map((w) => w.message))
      } catch (error) {
        for (const waiting of batch) waiting.reject(error)
        continue
      }
      batch.forEach((waiting, i) => waiting.resolve(results[i]!))
    }
  }
}
