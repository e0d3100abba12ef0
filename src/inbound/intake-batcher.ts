import { BatchWriter } from '../core/batch-writer.js'
import type { InboundMessageRecord } from '../core/types.js'
import type { InboundInsertResult, InboundStore } from '../storage/storage.js'

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
  readonly #writer: BatchWriter<InboundMessageRecord, InboundInsertResult>

  constructor(storage: InboundStore) {
    this.#writer = new BatchWriter((messages) => storage.insertInboundMessages(messages), { maxBatch: 500 })
  }

  /** Stores `message` unless its (source, webhookId) is stored already; see `Storage.insertInboundMessages`. */
  insert(message: InboundMessageRecord): Promise<InboundInsertResult> {
    return this.#writer.add(message)
  }

  /** Resolves once everything submitted so far is written (or failed). */
  drain(): Promise<void> {
    return this.#writer.drain()
  }
}
