import { randomBytes } from 'node:crypto'
import { actionableStorageError } from '../storage/storage-errors.js'
import type { Emit } from '../core/emitter.js'
import type { InboundMessageRecord } from '../core/types.js'
import { ClaimLoop } from '../queue/claim-loop.js'
import type { InboundStore } from '../storage/storage.js'
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
  storage: InboundStore
  processor: InboundProcessor
  emit: Emit
  /** The receivers of this relay that have handlers: only their messages are claimed. */
  sources(): readonly string[]
  options: InboundWorkerOptions
}

/**
 * The inbound worker of one process, the counterpart of the outbound `Dispatcher`: a
 * {@link ClaimLoop} over due inbound messages of the receivers that have handlers here, each
 * handed to the {@link InboundProcessor}, at most `concurrency` at once.
 */
export class InboundWorker {
  /** This worker's lease owner name. */
  readonly owner = `iw_${randomBytes(6).toString('hex')}`
  readonly #loop: ClaimLoop<InboundMessageRecord>

  constructor(deps: InboundWorkerDeps) {
    const { options, storage } = deps
    this.#loop = new ClaimLoop<InboundMessageRecord>({
      concurrency: options.concurrency,
      batchSize: options.batchSize,
      pollIntervalMs: options.pollIntervalMs,
      now: options.now,
      canClaim: () => deps.sources().length > 0,
      claim: (limit) =>
        storage.claimInboundMessages({
          owner: this.owner,
          limit,
          leaseMs: options.leaseMs,
          now: new Date(options.now()),
          sources: deps.sources(),
        }),
      run: async (message) => {
        await deps.processor.process(message, this.owner)
      },
      onClaimError: (error) => deps.emit('error', { error: actionableStorageError(error, 'Claiming inbound webhooks') as Error, context: 'inbound.claim' }),
    })
  }

  start(): void {
    this.#loop.start()
  }

  /** New work may be due: look now instead of at the next poll. */
  wake(): void {
    this.#loop.wake()
  }

  /** Wakes the loop at `at` (a retry due before the next poll). */
  wakeAt(at: number): void {
    this.#loop.wakeAt(at)
  }

  /** Stops claiming. Running handlers are the processor's to finish or hand back (`processor.stop()`). */
  async stop(): Promise<void> {
    await this.#loop.stop()
  }
}
