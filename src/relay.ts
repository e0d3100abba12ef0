import { EventEmitter } from 'eventemitter3'
import { listCatalog, type CatalogEntry } from './catalog/catalog-listing.js'
import type { SendEventFor } from './catalog/catalog-types.js'
import type { EventCatalog } from './catalog/define-events.js'
import { DeadLetters } from './admin/dead-letters.js'
import { purge } from './admin/retention.js'
import { relayStats } from './admin/stats.js'
import type { CircuitStateProvider, PurgeOptions, PurgeResult, RelayStats, StatsOptions } from './core/operations.js'
import { RelayStateError } from './core/errors.js'
import { type Emit, reporter } from './core/emitter.js'
import { ErrorLogger } from './core/error-logger.js'
import type { RelayEvents } from './core/events.js'
import { Inbound, type InboundOperations } from './inbound/inbound.js'
import type { Receiver } from './inbound/receiver.js'
import type { ReceiverOptions } from './inbound/receiver-options.js'
import type { UntypedEvents } from './inbound/typed-events.js'
import { Portal } from './dashboard/portal.js'
import { registerQueue } from './dashboard/fleet/live-channel.js'
import { startLivePublisher } from './dashboard/fleet/live-publisher.js'
import { Endpoints } from './outbound/endpoints.js'
import { OperationalWebhook } from './outbound/operational-webhook.js'
import { Sender, type SendEvent, type SendOptions, type SendResult } from './outbound/send.js'
import { sendTestMessage } from './outbound/send-test.js'
import { SsrfGuard } from './outbound/ssrf-guard.js'
import type { QueueDriver } from './queue/queue-driver.js'
import { StoredCircuits } from './queue/stored-circuits.js'
import { storagePolling } from './queue/storage-polling.js'
import { relayEmit } from './relay-emit.js'
import { startWorkers, type Workers } from './relay-workers.js'
import { resolveRelayOptions, VERSION, type RelayOptions, type ResolvedRelayOptions } from './relay-options.js'
import { loadTelemetry } from './telemetry/load-telemetry.js'
import type { Telemetry } from './telemetry/telemetry.js'
import { sqliteStorage } from './storage/dialect/sqlite/sqlite-storage.js'
import type { Storage } from './storage/storage.js'
import { attemptOperations, deliveryOperations, endpointOperations, messageOperations } from './relay-operations.js'
import type { AttemptOperations, DeliveryOperations, MessageOperations, StartOptions } from './relay-operations.js'

export type { DeadLetterFilter } from './admin/dead-letters.js'
export type { MessageWithDeliveries, StartOptions } from './relay-operations.js'

/**
 * The relay: sends webhooks durably and (with receivers) takes them in. Create it with
 * {@link createRelay}; listen to its typed events with `relay.on(name, listener)`. `TCatalog` is
 * the event catalog's type (`createRelay({ events })`), which types `send()`.
 */
export class Relay<out TCatalog extends EventCatalog | undefined = EventCatalog | undefined> extends EventEmitter<RelayEvents> {
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
  /** Emits without letting a throwing listener break the relay's own work (see `relay-emit.ts`). */
  readonly #emit: Emit
  readonly #queue: QueueDriver
  readonly #sender: Sender
  readonly #guard: SsrfGuard
  /** This process's delivery workers, once `start()` runs them. */
  #workers: Workers | null = null
  readonly #inbound: Inbound
  /** Spans and metrics, when `openTelemetry` is on; `null` costs one check. */
  readonly #telemetry: Telemetry | null
  /** Sends endpoint notifications to `operationalWebhook`, when configured. */
  #operational: OperationalWebhook | null = null
  #stopLive: () => Promise<void> = async () => undefined
  /** The driver's coordination, with every circuit change also recorded in the database. */
  readonly #circuitRecord: StoredCircuits
  /**
   * The circuit state `endpoints.stats()` reports: the fleet's (shared state or database), so that
   * a process without workers sees what the workers see; this process's own breaker when it holds
   * the circuit open or half-open, or when the fleet's state cannot be read.
   */
  readonly #circuitState: CircuitStateProvider = async (endpointId) => {
    const local = this.#workers?.circuits.state(endpointId)
    if (local !== undefined && local !== 'closed') return local
    const fleet = await this.#circuitRecord.state(endpointId, this.#options.now())
    return fleet === 'unknown' && local !== undefined ? local : fleet
  }
  /** Replays and recoveries made these deliveries due at `dueAt`: wake the workers. */
  readonly #requeued = (deliveryIds: readonly string[], dueAt: Date): void =>
    this.#queue.notify(deliveryIds.map((deliveryId) => ({ deliveryId, dueAt })))
  #state: 'created' | 'started' | 'stopping' | 'stopped' = 'created'
  #migrated: Promise<void> | null = null

  constructor(options: RelayOptions<TCatalog> = {}) {
    super()
    this.#options = resolveRelayOptions(options)
    const catalog = this.#options.events
    const logger = new ErrorLogger(this.#options.logger, this.#options.now)
    this.#emit = relayEmit(this, logger, () => [this.#operational, this.#telemetry])
    this.storage = options.storage ?? sqliteStorage()
    this.#queue = options.queue ?? storagePolling()
    this.#queue.attach?.(this.storage)
    registerQueue(this, this.#queue)
    this.#guard = new SsrfGuard(this.#options.network)
    const now = this.#options.now
    const emit = this.#emit
    this.#circuitRecord = new StoredCircuits({ coordination: this.#queue.coordination, storage: this.storage, report: reporter(emit) })

    this.endpoints = new Endpoints({
      storage: this.storage,
      guard: this.#guard,
      now,
      catalog,
      sendTest: (endpoint, testOptions) => {
        this.#assertUsable()
        return sendTestMessage({ sender: this.#sender, catalog }, endpoint, testOptions)
      },
      onDisabled: (endpointId, reason) => emit('endpoint.disabled', { endpointId, reason }),
      operations: endpointOperations({
        storage: this.storage,
        now,
        notify: this.#requeued,
        circuitState: this.#circuitState,
        health: {
          disableAfterMs: this.#options.endpointHealth.disableAfterMs,
          notifyAtPercent: this.#options.endpointHealth.notifyAtPercent,
          onDisabled: (endpointId, reason) => emit('endpoint.disabled', { endpointId, reason }),
          onFailing: (notice) => emit('endpoint.failing', notice),
          onRecovered: (endpointId) => emit('endpoint.recovered', { endpointId }),
        },
      }),
    })
    this.#telemetry = loadTelemetry(this.#options.openTelemetry, VERSION, async () => {
      const stats = await this.stats({ window: '1m' })
      return { pending: stats.deliveries.pending + stats.deliveries.delivering, lagMs: stats.lagMs }
    })
    this.#sender = new Sender({
      storage: this.storage,
      telemetry: this.#telemetry,
      now,
      maxPayloadBytes: this.#options.limits.maxPayloadBytes,
      catalog,
      onCommitted: (created) => {
        for (const event of created) emit('message.created', event)
        const at = new Date(now())
        const work = created.flatMap((c) => c.deliveryIds.map((deliveryId) => ({ deliveryId, dueAt: at })))
        if (work.length > 0) this.#queue.notify(work)
      },
    })

    const operational = this.#options.operationalWebhook
    const send = (event: SendEvent) => this.#sender.send(event)
    if (operational) this.#operational = new OperationalWebhook({ options: operational, storage: this.storage, guard: this.#guard, now, send, report: reporter(emit) })
    this.#inbound = new Inbound({
      storage: this.storage,
      emit,
      settings: { ...this.#options.inbound, now: this.#options.now, stopTimeoutMs: this.#options.stopTimeoutMs },
      telemetry: this.#telemetry,
    })
    this.inbound = this.#inbound

    const storage = this.storage
    const operations = { storage, now, notify: this.#requeued }
    this.messages = messageOperations(operations, () => this.#assertUsable())
    this.deliveries = deliveryOperations(storage)
    this.attempts = attemptOperations(storage, this.#options)
    this.dlq = new DeadLetters({ storage, now, notify: this.#requeued })
    this.portal = new Portal({ now, store: this.storage.portalSessions })
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

  /**
   * The event catalog: each type with its description, examples and the JSON Schema of its data
   * (where the schema library can give one). Empty without a catalog.
   * @example relay.catalog() // [{ type: 'order.created', description: '…', examples: [...], schema: {...} }]
   */
  catalog(): CatalogEntry[] {
    return listCatalog(this.#options.events)
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
    this.#workers = await startWorkers({
      options: this.#options,
      storage: this.storage,
      queue: this.#queue,
      guard: this.#guard,
      circuitRecord: this.#circuitRecord,
      inbound: this.#inbound,
      telemetry: this.#telemetry,
      emit: this.#emit,
      sweepHealth: () => this.endpoints.sweepHealth(),
      purge: (purgeOptions) => this.purge(purgeOptions),
    })
    this.#stopLive = startLivePublisher(this) // for dashboards in other processes (Postgres NOTIFY, Redis PUBLISH)
  }

  /**
   * Stops the workers (in-flight attempts finish within `stopTimeout`; the rest are handed back
   * without counting an attempt), then closes the HTTP pools and the storage.
   */
  async stop(): Promise<void> {
    if (this.#state === 'stopping' || this.#state === 'stopped') return
    this.#state = 'stopping'
    await Promise.all([this.#workers?.stop() ?? this.#inbound.stop(), this.#stopLive()])
    await this.#operational?.drain()
    await this.#queue.stop()
    await this.#circuitRecord.flush()
    await this.storage.close()
    this.#state = 'stopped'
  }

  /**
   * Sends an event: validates it, fans it out to every enabled endpoint that matches (tenant,
   * event type, channels) or to `endpointIds`, and stores the message and its deliveries in one
   * transaction. Resolves once they are committed: from then on nothing is lost. With an event
   * catalog, `type` must be one of its types and `data` is validated by its schema.
   */
  send<TData = unknown>(event: SendEventFor<TCatalog, TData>, options?: SendOptions): Promise<SendResult> {
    this.#assertUsable()
    return this.#sender.send(event, options)
  }

  /** Sends several events in one transaction. */
  sendMany(events: readonly SendEventFor<TCatalog>[], options?: SendOptions): Promise<SendResult[]> {
    this.#assertUsable()
    return this.#sender.sendMany(events, options)
  }

  /**
   * Creates a receiver of webhooks sent to this app: it verifies, deduplicates and stores each
   * one, answers at once, and runs its handlers on this relay's workers (see `ReceiverOptions`).
   * Mount it with an adapter from `hookrelay/express`, `/fastify`, `/node` or `/fetch`.
   *
   * Give an event map (type → `data`) to type the handlers: `on()` then accepts only its types
   * (and `'*'`), and `event.data` has the type of its entry. `StripeEvents<Stripe.Event>` and
   * `GitHubEvents<WebhookEventMap>` build one from the senders' own type packages.
   *
   * @example
   * const stripe = relay.receiver<StripeEvents<Stripe.Event>>({ name: 'stripe', scheme: 'stripe', secret: process.env.STRIPE_WEBHOOK_SECRET })
   * stripe.on('invoice.paid', async (event) => { await markPaid(event.data.object.id) })
   */
  receiver<Events extends object = UntypedEvents>(options: ReceiverOptions): Receiver<Events> {
    this.#assertUsable()
    return this.#inbound.receiver<Events>(options)
  }

  #assertUsable(): void {
    if (this.#state === 'stopping' || this.#state === 'stopped') {
      throw new RelayStateError('The relay is stopped; create a new one to send again.')
    }
  }

}

/** Creates a relay. See {@link RelayOptions} for every option and its default. */
export function createRelay<TCatalog extends EventCatalog | undefined = undefined>(options?: RelayOptions<TCatalog>): Relay<TCatalog> {
  return new Relay(options)
}
