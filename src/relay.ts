import { EventEmitter } from 'eventemitter3'
import { DeadLetters } from './admin/dead-letters.js'
import type { PeriodicTask } from './admin/periodic.js'
import { purge } from './admin/retention.js'
import { relayStats } from './admin/stats.js'
import type { CircuitStateProvider, PurgeOptions, PurgeResult, RelayStats, StatsOptions } from './core/operations.js'
import { RelayStateError } from './core/errors.js'
import type { Emit } from './core/emitter.js'
import { ErrorLogger } from './core/error-logger.js'
import type { RelayErrorEvent, RelayEvents } from './core/events.js'
import { Inbound, type InboundOperations } from './inbound/inbound.js'
import type { Receiver } from './inbound/receiver.js'
import type { ReceiverOptions } from './inbound/receiver-options.js'
import { Portal } from './dashboard/portal.js'
import { EndpointCircuits } from './outbound/circuit-breakers.js'
import { Dispatcher } from './outbound/dispatcher.js'
import { Endpoints } from './outbound/endpoints.js'
import { UndiciTransport, type HttpTransport } from './outbound/http-transport.js'
import { Sender, type SendEvent, type SendOptions, type SendResult } from './outbound/send.js'
import { SsrfGuard } from './outbound/ssrf-guard.js'
import type { QueueDriver } from './queue/queue-driver.js'
import { StoredCircuits } from './queue/stored-circuits.js'
import { storagePolling } from './queue/storage-polling.js'
import { resolveRelayOptions, type RelayOptions, type ResolvedRelayOptions } from './relay-options.js'
import { sqliteStorage } from './storage/dialect/sqlite/sqlite-storage.js'
import type { Storage } from './storage/storage.js'
import {
  attemptOperations,
  deliveryOperations,
  endpointOperations,
  messageOperations,
  type AttemptOperations,
  type DeliveryOperations,
  type MessageOperations,
  type StartOptions,
  startHousekeeping,
} from './relay-operations.js'

export type { DeadLetterFilter } from './admin/dead-letters.js'
export type { MessageWithDeliveries, StartOptions } from './relay-operations.js'

/**
 * The relay: sends webhooks durably and (with receivers) takes them in. Create it with
 * {@link createRelay}; listen to its typed events with `relay.on(name, listener)`.
 */
export class Relay extends EventEmitter<RelayEvents> {
  /** The storage in use. Its `db` is a Kysely instance you can open outbox transactions on. */
  readonly storage: Storage
  /** Endpoints: `create`, `get`, `list`, `update`, `disable`/`enable`, `rotateSecret`, `delete`, health and stats. */
  readonly endpoints: Endpoints
  /** Messages sent: `get(id)` returns one with its parsed data and its deliveries; `resend` sends one again. */
  readonly messages: MessageOperations
  /** Deliveries (one message to one endpoint): `get(id)`, and `list(filter)` a page at a time, newest first. */
  readonly deliveries: DeliveryOperations
  /** The attempt log: `list({ deliveryId })` and other filters, a page at a time, newest first. */
  readonly attempts: AttemptOperations
  /** The dead-letter queue: deliveries whose status is `dead`; list, replay (one or many), discard. */
  readonly dlq: DeadLetters
  /** Received webhooks: list, get, and the inbound dead-letter queue (`replay`, `discard`). */
  readonly inbound: InboundOperations
  /** The tenant portal of the dashboard: `createSession({ tenant, expiresIn })` makes a single-use link. */
  readonly portal: Portal

  readonly #options: ResolvedRelayOptions
  readonly #errorLogger: ErrorLogger
  readonly #queue: QueueDriver
  readonly #sender: Sender
  readonly #guard: SsrfGuard
  #transport: HttpTransport | null = null
  #dispatcher: Dispatcher | null = null
  readonly #inbound: Inbound
  readonly #housekeeping: PeriodicTask[] = []
  /** The driver's coordination, with every circuit change also recorded in the database. */
  readonly #circuitRecord: StoredCircuits
  /** This process's breakers, once its workers run. */
  #circuits: EndpointCircuits | null = null
  /**
   * The circuit state `endpoints.stats()` reports: the fleet's (shared state or database), so that
   * a process without workers sees what the workers see; this process's own breaker when it holds
   * the circuit open or half-open, or when the fleet's state cannot be read.
   */
  readonly #circuitState: CircuitStateProvider = async (endpointId) => {
    const local = this.#circuits?.state(endpointId)
    if (local !== undefined && local !== 'closed') return local
    const fleet = await this.#circuitRecord.state(endpointId, this.#options.now())
    return fleet === 'unknown' && local !== undefined ? local : fleet
  }
  /** Replays and recoveries made these deliveries due at `dueAt`: wake the workers. */
  readonly #requeued = (deliveryIds: readonly string[], dueAt: Date): void =>
    this.#queue.notify(deliveryIds.map((deliveryId) => ({ deliveryId, dueAt })))
  #state: 'created' | 'started' | 'stopping' | 'stopped' = 'created'
  #migrated: Promise<void> | null = null

  constructor(options: RelayOptions = {}) {
    super()
    this.#options = resolveRelayOptions(options)
    this.#errorLogger = new ErrorLogger(this.#options.logger, this.#options.now)
    this.storage = options.storage ?? sqliteStorage()
    this.#queue = options.queue ?? storagePolling()
    this.#queue.attach?.(this.storage)
    this.#guard = new SsrfGuard(this.#options.network)
    const now = this.#options.now
    const emit = this.#emit
    this.#circuitRecord = new StoredCircuits({
      coordination: this.#queue.coordination,
      storage: this.storage,
      report: (error, context) => emit('error', { error: error instanceof Error ? error : new Error(String(error)), context }),
    })

    this.endpoints = new Endpoints({
      storage: this.storage,
      guard: this.#guard,
      now,
      onDisabled: (endpointId, reason) => emit('endpoint.disabled', { endpointId, reason }),
      operations: endpointOperations({
        storage: this.storage,
        now,
        notify: this.#requeued,
        circuitState: this.#circuitState,
        disableAfterMs: this.#options.endpointHealth.disableAfterMs,
        onDisabled: (endpointId, reason) => emit('endpoint.disabled', { endpointId, reason }),
      }),
    })
    this.#sender = new Sender({
      storage: this.storage,
      now,
      maxPayloadBytes: this.#options.limits.maxPayloadBytes,
      onCommitted: (created) => {
        for (const event of created) emit('message.created', event)
        const at = new Date(now())
        const work = created.flatMap((c) => c.deliveryIds.map((deliveryId) => ({ deliveryId, dueAt: at })))
        if (work.length > 0) this.#queue.notify(work)
      },
    })

    this.#inbound = new Inbound({
      storage: this.storage,
      emit,
      settings: { ...this.#options.inbound, now: this.#options.now, stopTimeoutMs: this.#options.stopTimeoutMs },
    })
    this.inbound = this.#inbound

    const storage = this.storage
    const operations = { storage, now, notify: this.#requeued }
    this.messages = messageOperations(operations, () => this.#assertUsable())
    this.deliveries = deliveryOperations(storage)
    this.attempts = attemptOperations(storage)
    this.dlq = new DeadLetters({ storage, now, notify: this.#requeued })
    this.portal = new Portal({ now })
  }

  /**
   * Relay-wide counts: deliveries and inbound messages by status, messages, attempts with success
   * rate and p50/p95 latency over `window` (default `'24h'`), endpoints disabled and failing, and
   * the delivery lag (how long the longest-waiting due delivery has waited).
   */
  stats(options: StatsOptions = {}): Promise<RelayStats> {
    return relayStats({ storage: this.storage, now: this.#options.now }, options)
  }

  /**
   * Deletes what ended longer than `olderThan` ago (a duration, or a `Date`): delivered, dead and
   * discarded deliveries with their attempts, messages left without deliveries, processed and
   * discarded inbound messages. Batches of `batchSize` rows, one short transaction each. Pending
   * and in-flight work is never purged. The `retention` option runs this on a schedule.
   *
   * @example await relay.purge({ olderThan: '30d' }) // { deliveries, attempts, messages, inbound }
   */
  purge(options: PurgeOptions): Promise<PurgeResult> {
    return purge({ storage: this.storage, now: this.#options.now }, options)
  }

  /** Creates or upgrades hookrelay's tables. Idempotent; safe when many processes start at once. */
  migrate(): Promise<void> {
    this.#migrated ??= this.storage.migrate().catch((error: unknown) => {
      this.#migrated = null
      throw error
    })
    return this.#migrated
  }

  /** Migrates (unless told not to) and starts the delivery workers of this process. */
  async start(options: StartOptions = {}): Promise<void> {
    if (this.#state !== 'created') throw new RelayStateError(`start() was already called (the relay is ${this.#state}).`)
    this.#state = 'started'
    if (options.migrate !== false) await this.migrate()
    if (options.workers === false) return
    this.#transport = new UndiciTransport({
      guard: this.#guard,
      maxResponseBodyBytes: this.#options.delivery.maxResponseBodyBytes,
      connectionsPerOrigin: this.#options.delivery.concurrency,
      connectTimeoutMs: this.#options.delivery.timeoutMs,
      now: this.#options.now,
    })
    const circuits = new EndpointCircuits({
      defaults: this.#options.circuitBreaker,
      coordination: this.#circuitRecord,
      emit: this.#emit,
      probeTtlMs: this.#options.delivery.timeoutMs + 5_000,
      now: this.#options.now,
    })
    this.#circuits = circuits
    const dispatcher = new Dispatcher({
      storage: this.storage,
      queue: this.#queue,
      transport: this.#transport,
      circuits,
      options: this.#options,
      emit: this.#emit,
    })
    this.#dispatcher = dispatcher
    await this.#queue.start({ storage: this.storage, onWake: () => dispatcher.wake(), emit: this.#emit, now: this.#options.now })
    dispatcher.start()
    this.#inbound.start()
    const tasks = startHousekeeping({
      options: this.#options,
      sweepHealth: () => this.endpoints.sweepHealth(),
      purge: (purgeOptions) => this.purge(purgeOptions),
      emit: this.#emit,
    })
    this.#housekeeping.push(...tasks)
  }

  /**
   * Stops the workers (in-flight attempts finish within `stopTimeout`; the rest are handed back
   * without counting an attempt), then closes the HTTP pools and the storage.
   */
  async stop(): Promise<void> {
    if (this.#state === 'stopping' || this.#state === 'stopped') return
    this.#state = 'stopping'
    await Promise.all(this.#housekeeping.map((task) => task.stop()))
    await this.#dispatcher?.stop()
    await this.#inbound.stop()
    await this.#queue.stop()
    await this.#transport?.close()
    await this.#circuitRecord.flush()
    await this.storage.close()
    this.#state = 'stopped'
  }

  /**
   * Sends an event: validates it, fans it out to every enabled endpoint that matches (tenant,
   * event type, channels) or to `endpointIds`, and stores the message and its deliveries in one
   * transaction. Resolves once they are committed: from then on nothing is lost.
   */
  send<TData>(event: SendEvent<TData>, options?: SendOptions): Promise<SendResult> {
    this.#assertUsable()
    return this.#sender.send(event, options)
  }

  /** Sends several events in one transaction. */
  sendMany(events: readonly SendEvent[], options?: SendOptions): Promise<SendResult[]> {
    this.#assertUsable()
    return this.#sender.sendMany(events, options)
  }

  /**
   * Creates a receiver of webhooks sent to this app: it verifies, deduplicates and stores each
   * one, answers at once, and runs its handlers on this relay's workers (see `ReceiverOptions`).
   * Mount it with an adapter from `hookrelay/express`, `/fastify`, `/node` or `/fetch`.
   *
   * @example
   * const stripe = relay.receiver({ name: 'stripe', scheme: 'stripe', secret: process.env.STRIPE_WEBHOOK_SECRET })
   * stripe.on('invoice.paid', async (event) => { ... })
   */
  receiver(options: ReceiverOptions): Receiver {
    this.#assertUsable()
    return this.#inbound.receiver(options)
  }

  #assertUsable(): void {
    if (this.#state === 'stopping' || this.#state === 'stopped') {
      throw new RelayStateError('The relay is stopped; create a new one to send again.')
    }
  }

  /** Emits without letting a throwing listener break the relay's own work. */
  readonly #emit: Emit = (name, ...args) => {
    if (name === 'error' && this.listenerCount('error') === 0) {
      this.#errorLogger.log(args[0] as RelayErrorEvent)
      return
    }
    try {
      ;(this.emit as (n: string, ...a: unknown[]) => boolean)(name, ...args)
    } catch (error) {
      const event = { error: error instanceof Error ? error : new Error(String(error)), context: `listener of ${name}` }
      // A throwing error listener has no listener left to report to: the logger speaks instead.
      if (name === 'error') this.#errorLogger.log(event)
      else this.#emit('error', event)
    }
  }
}

/** Creates a relay. See {@link RelayOptions} for every option and its default. */
export function createRelay(options?: RelayOptions): Relay {
  return new Relay(options)
}
