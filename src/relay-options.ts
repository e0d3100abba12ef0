import type { EventCatalog } from './catalog/define-events.js'
import type { Duration } from './core/duration.js'
import type { RelayLogger } from './core/error-logger.js'
import type { SigningScheme } from './core/types.js'
import type { CircuitBreakerInput } from './outbound/endpoint-input.js'
import type { InboundRelayOptions } from './inbound/inbound-settings.js'
import type { Storage } from './storage/storage.js'
import type { QueueDriver } from './queue/queue-driver.js'
import type { OpenTelemetryOption } from './telemetry/telemetry-options.js'
import type { OperationalWebhookOptions } from './outbound/operational-webhook-options.js'

// The options' resolution (zod schema, defaults, the settings each layer gets) is in relay-options-resolve.ts.
export {
  DEFAULT_RETRY_SCHEDULE,
  LEASE_MARGIN_MS,
  resolveRelayOptions,
  VERSION,
  type ResolvedRelayOptions,
} from './relay-options-resolve.js'

/** Options of {@link createRelay}. Every field is optional; defaults suit a single-process app on SQLite. */
export interface RelayOptions<TCatalog extends EventCatalog | undefined = EventCatalog | undefined> {
  /**
   * The event catalog (`defineEvents`): `send()` is typed by it and validates each event's data
   * with its type's schema (`PAYLOAD_INVALID`), an unknown type is refused (`UNKNOWN_EVENT_TYPE`),
   * endpoints' `eventTypes` are checked against it, and `relay.catalog()` lists it.
   * @default none: any type, any data (as JSON)
   * @example events: defineEvents({ 'order.created': { schema: z.object({ id: z.string() }) } })
   */
  events?: TCatalog
  /**
   * Where messages, deliveries and attempts live.
   * @default sqliteStorage({ filename: './hookrelay.db' })
   * @example postgresStorage({ connectionString: process.env.DATABASE_URL })
   */
  storage?: Storage | undefined
  /**
   * How workers hear about due work. The default polls the storage (and wakes at once on a
   * `send()` in the same process).
   * @default storagePolling()
   */
  queue?: QueueDriver | undefined
  signing?: {
    /**
     * How outbound requests are signed.
     * @default 'standard' (Standard Webhooks: webhook-id, webhook-timestamp, webhook-signature)
     */
    scheme?: SigningScheme | undefined
    /** For the `stripe` scheme: the signature header's name. @default 'stripe-signature' */
    headerName?: string | undefined
  } | undefined
  retry?: {
    /**
     * Delays between attempts; attempts = schedule length + 1.
     * @default ['5s', '5m', '30m', '2h', '5h', '10h', '10h']
     */
    schedule?: Duration[] | undefined
    /**
     * Schedules for some event types instead of `schedule`: exact types or `prefix.*` wildcards
     * (an exact type beats a wildcard, a longer wildcard a shorter one). An endpoint's own
     * `retry` beats these. With a catalog, the types must be in it.
     * @default {}
     * @example byType: { 'invoice.paid': ['1m', '10m', '1h', '6h', '1d', '2d'] }
     */
    byType?: Record<string, Duration[]> | undefined
    /** Random spread of each delay, as a fraction. @default 0.2 */
    jitter?: number | undefined
    /** Statuses that dead-letter at once (410 always does, and disables the endpoint). @default [] */
    permanentStatuses?: number[] | undefined
    /** The longest `Retry-After` honoured. @default '1h' */
    maxRetryAfter?: Duration | undefined
  } | undefined
  /**
   * The per-endpoint circuit breaker: when too many attempts to an endpoint fail, its deliveries are
   * deferred (no attempt used) until one probe succeeds. Endpoints can override these.
   */
  circuitBreaker?: CircuitBreakerInput | undefined
  delivery?: {
    /**
     * Time allowed for one attempt, connect to last byte: a hard deadline at which the request is
     * aborted and its socket closed, even if the receiver is still sending (slowly) its answer.
     * @default '15s'
     * @example delivery: { timeout: '5s' }
     */
    timeout?: Duration | undefined
    /** Attempts in flight at once in this process, across all endpoints. @default 64 */
    concurrency?: number | undefined
    /** Deliveries claimed per database round trip. @default 50 */
    batchSize?: number | undefined
    /** How often idle workers look for due work when nothing woke them. @default '1s' */
    pollInterval?: Duration | undefined
    /**
     * How long a claimed delivery stays leased to a worker; a worker that dies is replaced
     * after this. Must exceed `timeout` by at least 500 ms (`LEASE_MARGIN_MS`, the time left to
     * record the outcome), so that an attempt always ends inside its lease and is never sent twice
     * at once. An attempt that could not finish inside what is left of its lease is not started.
     * @default timeout + 30s
     * @example delivery: { timeout: '10s', lease: '1m' }
     */
    lease?: Duration | undefined
    /** Bytes of each response body kept in the attempt log. @default 4096 */
    maxResponseBodyBytes?: number | undefined
    /** `User-Agent` of outbound requests. @default 'hookrelay/<version>' */
    userAgent?: string | undefined
  } | undefined
  /** How received webhooks' handlers run; each field defaults to its `delivery` counterpart (see {@link InboundRelayOptions}). */
  inbound?: InboundRelayOptions | undefined
  limits?: {
    /** Largest payload `send()` accepts, in bytes of the JSON body. @default 1048576 (1 MiB) */
    maxPayloadBytes?: number | undefined
  } | undefined
  network?: {
    /**
     * Allow endpoints on loopback, private, link-local and other non-public addresses.
     * Leave off in production: it is the SSRF guard. Tests and local development opt in.
     * @default false
     */
    allowPrivate?: boolean | undefined
    /** Non-public ranges allowed anyway, e.g. `['10.20.0.0/16']`. @default [] */
    allowCidrs?: string[] | undefined
  } | undefined
  /**
   * Endpoint health. An endpoint that has failed without a single success for `disableAfter` is
   * disabled with a reason, and `endpoint.disabled` is emitted; any success resets the clock.
   * Checked by the workers every `checkInterval` (and on demand: `relay.endpoints.sweepHealth()`).
   * @example endpointHealth: { disableAfter: '3d' }
   */
  endpointHealth?: {
    /** How long an endpoint may fail without a success before it is disabled; `false`: never. @default '5d' */
    disableAfter?: Duration | false | undefined
    /** How often the workers check. @default '1m' */
    checkInterval?: Duration | undefined
    /**
     * Shares of `disableAfter`, in percent, at which `endpoint.failing` is emitted, once per share
     * per failing episode (a success ends the episode and emits `endpoint.recovered`); `[]`: never.
     * @default [50, 70, 90, 100]
     * @example notifyAt: [80, 100]
     */
    notifyAt?: number[] | undefined
  } | undefined
  /**
   * Signed webhooks about your endpoints' health, to your own URL (see docs/operations.md).
   * @default none
   * @example operationalWebhook: { url: 'https://ops.example.com/hooks', secret: process.env.OPS_WEBHOOK_SECRET }
   */
  operationalWebhook?: OperationalWebhookOptions | undefined
  /**
   * Traces and metrics through `@opentelemetry/api` (see docs/observability.md).
   * @default false
   * @example openTelemetry: true
   */
  openTelemetry?: OpenTelemetryOption | undefined
  /**
   * Retention: the workers purge, every `interval`, what ended longer than `olderThan` ago —
   * delivered, dead and discarded deliveries with their attempts, messages left without
   * deliveries, processed and discarded inbound messages — in small batches that never hold a long
   * lock. Pending and in-flight work is never purged. Off by default (`relay.purge()` on demand).
   * @default false
   * @example retention: { olderThan: '30d' }
   */
  retention?:
    | {
        /** Purge what ended longer ago than this. */
        olderThan: Duration
        /** How often to purge; the first run is within a minute of `start()`. @default '1h' */
        interval?: Duration | undefined
        /** Rows per transaction. @default 500 */
        batchSize?: number | undefined
      }
    | false | undefined
  /** Time to let in-flight attempts finish on `stop()`. @default '10s' */
  stopTimeout?: Duration | undefined
  /**
   * Where errors go while nobody listens to the relay's `error` event (a database that is down,
   * a missing table, a failing listener): any object with `error(message, error)` — `console`,
   * pino, winston. Each context is reported at most once a minute. Listening to `error` replaces
   * it; `false` silences it.
   * @default console
   * @example createRelay({ logger: pino() })
   */
  logger?: RelayLogger | false | undefined
  /** The clock, for tests. @default Date.now */
  now?: (() => number) | undefined
}

