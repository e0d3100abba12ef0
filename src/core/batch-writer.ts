/**
 * Collects items and writes them in batches through `write`: items arriving in the same turn of
 * the event loop share one write, and while a batch is being written the next accumulates. An idle
 * writer adds one `setImmediate` of latency; a busy one writes up to `maxBatch` items per call.
 *
 * The turn matters with a synchronous driver (better-sqlite3): without yielding to the I/O phase
 * first, nothing else would have arrived and every item would be written on its own.
 */
export class BatchWriter<TItem, TResult = void> {
  readonly #write: (items: TItem[]) => Promise<TResult[]>
  readonly #maxBatch: number
  #queue: { item: TItem; resolve: (result: TResult) => void; reject: (error: unknown) => void }[] = []
  #flushing: Promise<void> | null = null

  /** `write` returns one result per item, in order; if it throws, every item of the batch rejects. */
  constructor(write: (items: TItem[]) => Promise<TResult[]>, options: { maxBatch?: number } = {}) {
    this.#write = write
    this.#maxBatch = options.maxBatch ?? 500
  }

  /** Queues `item`; settles with its result once its batch is written. */
  add(item: TItem): Promise<TResult> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ item, resolve, reject })
      this.#flushing ??= this.#flush().finally(() => {
        this.#flushing = null
      })
    })
  }

  /** Resolves once everything added so far is written (or failed). */
  async drain(): Promise<void> {
    while (this.#flushing) await this.#flushing
  }

  async #flush(): Promise<void> {
    while (this.#queue.length > 0) {
      await new Promise<void>((resolve) => setImmediate(resolve))
      const batch = this.#queue.splice(0, this.#maxBatch)
      let results: TResult[]
      try {
        results = await this.#write(batch.map((b) => b.item))
      } catch (error) {
        for (const waiting of batch) waiting.reject(error)
        continue
      }
      batch.forEach((waiting, i) => waiting.resolve(results[i]!))
    }
  }
}
