import type { Telemetry } from '../telemetry/telemetry.js'
import { randomBytes } from 'node:crypto'
import { inBatches } from '../core/batches.js'
import type { Emit } from '../core/emitter.js'
import type { BulkOptions, BulkResult } from '../core/operations.js'
import { NotFoundError, ValidationError } from '../core/errors.js'
import { REPLAYABLE_INBOUND_STATUSES, type InboundMessageRecord } from '../core/types.js'
import type { InboundFilter, Page, Storage } from '../storage/storage.js'
import { InboundProcessor, type HandlerSource } from './inbound-processor.js'
import type { InboundSettings } from './inbound-settings.js'
import { InboundWorker } from './inbound-worker.js'
import { IntakeBatcher } from './intake-batcher.js'
import { Receiver } from './receiver.js'
import type { UntypedEvents } from './typed-events.js'
import { resolveReceiverOptions, type ReceiverOptions } from './receiver-options.js'

/** `relay.inbound`: what operators do with received webhooks, the dead-letter queue included. */
export interface InboundOperations {
  /**
   * Received messages, newest first; `{ status: 'dead' }` is the inbound dead-letter queue,
   * `{ status: 'unhandled' }` the webhooks no handler matched.
   */
  list(filter?: InboundFilter): Promise<Page<InboundMessageRecord>>
  /** One received message; throws `NotFoundError` if there is none with this id. */
  get(id: string): Promise<InboundMessageRecord>
  /**
   * Puts a dead or unhandled message back in the queue, due now (register the missing handler
   * first: an unhandled message replayed without one is unhandled again). Replaying twice queues
   * it once.
   */
  replay(id: string): Promise<{ replayed: boolean }>
  /** Gives up on a dead or unhandled message for good. */
  discard(id: string): Promise<{ discarded: boolean }>
  /**
   * Replays every dead message matching `filter` (source, type, received since/until; `status:
   * 'unhandled'` for the unhandled ones), in batches of one short update each. Idempotent:
   * running it twice queues each message once.
   * @example await relay.inbound.replayMany({ status: 'unhandled', type: 'order.created' })
   */
  replayMany(filter?: InboundBulkFilter, options?: BulkOptions): Promise<BulkResult>
  /** Discards every dead (or, with `status: 'unhandled'`, unhandled) message matching `filter`, in batches. */
  discardMany(filter?: InboundBulkFilter, options?: BulkOptions): Promise<BulkResult>
}

/** Which inbound messages a bulk operation touches. */
export type InboundBulkFilter = Omit<InboundFilter, 'status' | 'limit' | 'cursor'> & {
  /**
   * The dead letters, or the webhooks no handler matched.
   * @default 'dead'
   * @example status: 'unhandled'
   */
  status?: 'dead' | 'unhandled'
}

export interface InboundDeps {
  storage: Storage
  emit: Emit
  /** The `inbound` options with the relay's clock and stop timeout: not the whole relay's options. */
  settings: InboundSettings
  telemetry?: Telemetry | null | undefined
}

/**
 * The inbound side of a relay: its receivers, the processor that runs their handlers, the worker
 * that claims due messages, and the operations on stored messages.
 */
export class Inbound implements InboundOperations {
  readonly #deps: InboundDeps
  /** Receivers by name, whatever their event maps: processing only needs their handlers. */
  readonly #receivers = new Map<string, HandlerSource & { readonly name: string; readonly hasHandlers: boolean }>()
  readonly #processor: InboundProcessor
  /** Durable intake of every receiver: webhooks arriving together are stored in one transaction. */
  readonly #intake: IntakeBatcher
  /** Lease owner of inline runs in this process. */
  readonly #inlineOwner = `ir_${randomBytes(6).toString('hex')}`
  #worker: InboundWorker | null = null

  constructor(deps: InboundDeps) {
    this.#deps = deps
    this.#processor = new InboundProcessor({
      storage: deps.storage,
      emit: deps.emit,
      now: deps.settings.now,
      stopTimeoutMs: deps.settings.stopTimeoutMs,
      source: (name) => this.#receivers.get(name),
      onDue: (at) => this.#worker?.wakeAt(at),
      telemetry: deps.telemetry ?? null,
    })
    this.#intake = new IntakeBatcher(deps.storage)
  }

  /** Creates a receiver; its name must be unique in the relay. */
  receiver<Events extends object = UntypedEvents>(input: ReceiverOptions): Receiver<Events> {
    const options = resolveReceiverOptions(input)
    if (this.#receivers.has(options.name)) {
      throw new ValidationError(
        `A receiver named ${JSON.stringify(options.name)} already exists in this relay; give each receiver its own name (it keys the stored webhooks).`,
        [{ path: ['name'], message: 'already used by another receiver' }],
      )
    }
    const receiver = new Receiver<Events>(options, {
      storage: this.#deps.storage,
      intake: this.#intake,
      emit: this.#deps.emit,
      now: this.#deps.settings.now,
      processor: this.#processor,
      owner: this.#inlineOwner,
      leaseMs: this.#deps.settings.leaseMs,
      wake: () => this.#worker?.wake(),
    })
    this.#receivers.set(options.name, receiver)
    return receiver
  }

  /** Starts the worker that runs handlers of stored messages (with `relay.start()`). */
  start(): void {
    if (this.#worker) return
    const { settings } = this.#deps
    this.#worker = new InboundWorker({
      storage: this.#deps.storage,
      processor: this.#processor,
      emit: this.#deps.emit,
      sources: () => [...this.#receivers.values()].filter((r) => r.hasHandlers).map((r) => r.name),
      options: {
        concurrency: settings.concurrency,
        batchSize: settings.batchSize,
        pollIntervalMs: settings.pollIntervalMs,
        leaseMs: settings.leaseMs,
        now: settings.now,
      },
    })
    this.#worker.start()
  }

  /** Stops claiming; running handlers finish within `stopTimeout`, the rest are handed back. */
  async stop(): Promise<void> {
    await this.#worker?.stop()
    await this.#processor.stop()
    await this.#intake.drain()
  }

  list(filter: InboundFilter = {}): Promise<Page<InboundMessageRecord>> {
    return this.#deps.storage.listInboundMessages(filter)
  }

  async get(id: string): Promise<InboundMessageRecord> {
    const message = await this.#deps.storage.getInboundMessage(id)
    if (!message) throw new NotFoundError('Inbound message', id)
    return message
  }

  async replay(id: string): Promise<{ replayed: boolean }> {
    const { storage, settings } = this.#deps
    const changed = await storage.requeueInboundMessages([id], REPLAYABLE_INBOUND_STATUSES, new Date(settings.now()))
    if (changed.length > 0) this.#worker?.wake()
    else await this.get(id)
    return { replayed: changed.length > 0 }
  }

  async discard(id: string): Promise<{ discarded: boolean }> {
    const { storage, settings } = this.#deps
    const changed = await storage.discardInboundMessages([id], REPLAYABLE_INBOUND_STATUSES, new Date(settings.now()))
    if (changed.length === 0) await this.get(id)
    return { discarded: changed.length > 0 }
  }

  replayMany(filter: InboundBulkFilter = {}, bulk: BulkOptions = {}): Promise<BulkResult> {
    const { storage, settings } = this.#deps
    return inBatches(
      (cursor, limit) => storage.listInboundMessageIds({ ...bulkFilter(filter), status: bulkStatus(filter), cursor, limit }),
      async (ids) => {
        const changed = await storage.requeueInboundMessages(ids, [bulkStatus(filter)], new Date(settings.now()))
        if (changed.length > 0) this.#worker?.wake()
        return changed
      },
      bulk,
    )
  }

  discardMany(filter: InboundBulkFilter = {}, bulk: BulkOptions = {}): Promise<BulkResult> {
    const { storage, settings } = this.#deps
    return inBatches(
      (cursor, limit) => storage.listInboundMessageIds({ ...bulkFilter(filter), status: bulkStatus(filter), cursor, limit }),
      (ids) => storage.discardInboundMessages(ids, [bulkStatus(filter)], new Date(settings.now())),
      bulk,
    )
  }
}

function bulkStatus(filter: InboundBulkFilter): 'dead' | 'unhandled' {
  const status = filter.status ?? 'dead'
  if (status !== 'dead' && status !== 'unhandled') {
    throw new ValidationError(`inbound bulk filter: status must be 'dead' or 'unhandled'; got ${JSON.stringify(status)}.`, [
      { path: ['status'], message: "must be 'dead' or 'unhandled'" },
    ])
  }
  return status
}

function bulkFilter(filter: InboundBulkFilter): Omit<InboundBulkFilter, 'status'> {
  const { source, type, since, until } = filter
  return {
    ...(source !== undefined && { source }),
    ...(type !== undefined && { type }),
    ...(since !== undefined && { since }),
    ...(until !== undefined && { until }),
  }
}
