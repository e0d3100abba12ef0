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
  #items: TItem[] = []
  #callbacks: ((error: unknown, result?: TResult) => void)[] = []
  #flushing: Promise<void> | null = null

  /** `write` returns one result per item, in order; if it throws, every item of the batch rejects. */
  constructor(write: (items: TItem[]) => Promise<TResult[]>, options: { maxBatch?: number } = {}) {
    this.#write = write
    this.#maxBatch = options.maxBatch ?? 500
  }

  /** Queues `item`; settles with its result once its batch is written. */
  add(item: TItem): Promise<TResult> {
    return new Promise((resolve, reject) => {
      this.push(item, (error, result) => (error === undefined ? resolve(result as TResult) : reject(error)))
    })
  }

  /**
   * Queues `item` and calls `done` once its batch is written: with `(undefined, result)`, or with
   * the error if the write threw. The hot path's `add`, without a promise per item.
   */
  push(item: TItem, done: (error: unknown, result?: TResult) => void): void {
    this.#items.push(item)
    this.#callbacks.push(done)
    this.#flushing ??= this.#flush().finally(() => {
      this.#flushing = null
    })
  }

  /** Resolves once everything added so far is written (or failed). */
  async drain(): Promise<void> {
    while (this.#flushing) await this.#flushing
  }

  async #flush(): Promise<void> {
    while (this.#items.length > 0) {
      await new Promise<void>((resolve) => setImmediate(resolve))
      let items: TItem[]
      let callbacks: ((error: unknown, result?: TResult) => void)[]
      if (this.#items.length <= this.#maxBatch) {
        items = this.#items
        callbacks = this.#callbacks
        this.#items = []
        this.#callbacks = []
      } else {
        items = this.#items.splice(0, this.#maxBatch)
        callbacks = this.#callbacks.splice(0, this.#maxBatch)
      }
      let results: TResult[]
      try {
        results = await this.#write(items)
      } catch (error) {
        for (const done of callbacks) done(error ?? new Error('batch write failed'))
        continue
      }
      for (let i = 0; i < callbacks.length; i++) callbacks[i]!(undefined, results[i])
    }
  }
}
