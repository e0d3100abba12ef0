import { randomBytes } from 'node:crypto'
import type { Emit } from '../core/emitter.js'
import type { InboundMessageRecord } from '../core/types.js'
import type { Storage } from '../storage/storage.js'
import type { InboundProcessor } from './inbound-processor.js'

export interface InboundWorkerOptions {
  /** Messages whose handlers run at once in this process. */
  concurrency: number
  /** Messages claimed per database round trip. */
  batchSize: number
  pollIntervalMs: number
  /** How long a claimed message stays leased; a worker that dies is replaced after this. */
  leaseMs: number
  now: () => number
}

export interface InboundWorkerDeps {
  storage: Storage
  processor: InboundProcessor
  emit: Emit
  /** The receivers of this relay that have handlers: only their messages are claimed. */
  sources(): readonly string[]
  options: InboundWorkerOptions
}

/**
 * The inbound worker loop of one process, the counterpart of the outbound `Dispatcher`: claims
 * due inbound messages in batches under a lease, for the receivers that have handlers here, and
 * hands each to the {@link InboundProcessor}, at most `concurrency` at once.
 */
export class InboundWorker {
  /** This worker's lease owner name. */
  readonly owner = `iw_${randomBytes(6).toString('hex')}`
  readonly #deps: InboundWorkerDeps
  readonly #running = new Set<Promise<unknown>>()
  #started = false
  #loop: Promise<void> | null = null
  #signalled = false
  #wakeWaiter: (() => void) | null = null
  #retryTimer: NodeJS.Timeout | null = null
  #retryTimerAt = Infinity

  constructor(deps: InboundWorkerDeps) {
    this.#deps = deps
  }

  start(): void {
    if (this.#started) return
    this.#started = true
    this.#loop = this.#run()
  }

  /** New work may be due: look now instead of at the next poll. */
  wake(): void {
    this.#signalled = true
    const waiter = this.#wakeWaiter
    this.#wakeWaiter = null
    waiter?.()
  }

  /** Wakes the loop at `at` (a retry due before the next poll). */
  wakeAt(at: number): void {
    if (!this.#started || at >= this.#retryTimerAt) return
    if (this.#retryTimer) clearTimeout(this.#retryTimer)
    this.#retryTimerAt = at
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = null
      this.#retryTimerAt = Infinity
      this.wake()
    }, Math.max(0, at - this.#deps.options.now()))
    this.#retryTimer.unref()
  }

  /** Stops claiming. Running handlers are the processor's to finish or hand back (`processor.stop()`). */
  async stop(): Promise<void> {
    if (!this.#started) return
    this.#started = false
    this.wake()
    await this.#loop
    if (this.#retryTimer) clearTimeout(this.#retryTimer)
  }

  async #run(): Promise<void> {
    const { options, storage } = this.#deps
    let failures = 0
    while (this.#started) {
      const free = options.concurrency - this.#running.size
      const sources = this.#deps.sources()
      if (free <= 0 || sources.length === 0) {
        await this.#waitForSignal(options.pollIntervalMs)
        continue
      }
      const limit = Math.min(options.batchSize, free)
      let claimed: InboundMessageRecord[]
      try {
        claimed = await storage.claimInboundMessages({
          owner: this.owner,
          limit,
          leaseMs: options.leaseMs,
          now: new Date(options.now()),
          sources,
        })
        failures = 0
      } catch (error) {
        failures++
        this.#deps.emit('error', { error: error as Error, context: 'inbound.claim' })
        await this.#waitForSignal(Math.min(options.pollIntervalMs * 2 ** failures, 30_000))
        continue
      }
      for (const message of claimed) this.#track(message)
      // A full batch means more may be waiting: claim again at once. Otherwise idle until woken.
      if (claimed.length < limit) await this.#waitForSignal(options.pollIntervalMs)
    }
  }

  #track(message: InboundMessageRecord): void {
    const done: Promise<unknown> = this.#deps.processor.process(message, this.owner).finally(() => {
      this.#running.delete(done)
      this.wake()
    })
    this.#running.add(done)
  }

  #waitForSignal(ms: number): Promise<void> {
    if (this.#signalled || !this.#started) {
      this.#signalled = false
      return Promise.resolve()
    }
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#wakeWaiter = null
        resolve()
      }, ms)
      this.#wakeWaiter = () => {
        clearTimeout(timer)
        this.#signalled = false
        resolve()
      }
    })
  }
}
