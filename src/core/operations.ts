import type { Duration } from './duration.js'
import type { DeliveryStatus, InboundStatus } from './types.js'

/**
 * The shapes of what operators get back: bulk replays, recovery, statistics, retention.
 * Implemented in `src/admin/`; declared here so that every layer can name them.
 */

/** The state of an endpoint's circuit breaker. */
export type CircuitState = 'closed' | 'open' | 'half_open'

/**
 * An endpoint's circuit as reported to operators: a breaker state, or `unknown` when the process
 * asking cannot find out (neither the shared state nor the database answered).
 */
export type ReportedCircuitState = CircuitState | 'unknown'

/** Tells the circuit state of an endpoint, as the fleet has it. */
export type CircuitStateProvider = (endpointId: string) => Promise<ReportedCircuitState>

/** Progress of a bulk operation, reported after every batch. */
export interface BulkProgress {
  /** Rows looked at so far. */
  matched: number
  /** Rows changed so far (replayed or discarded). */
  changed: number
}

/** How a bulk operation runs. */
export interface BulkOptions {
  /**
   * Rows per batch: each batch is one read of ids and one update, never a long lock.
   * @default 500
   */
  batchSize?: number | undefined
  /** Called after each batch, e.g. to print progress. */
  onProgress?: ((progress: BulkProgress) => void) | undefined
}

/** What a bulk replay or discard did. Rows already replayed (or discarded) are not counted again. */
export interface BulkResult {
  matched: number
  changed: number
}

/** `relay.endpoints.recover(id, options)`. */
export interface RecoverOptions extends BulkOptions {
  /** Re-queue deliveries that were dead-lettered at or after this time (a `Date`, or a `Duration` ago). */
  since: Date | Duration
  /** …and before this time. @default now */
  until?: Date | undefined
}

/** The window of `stats()`: attempts started in the last `window`. */
export interface StatsOptions {
  /** @default '24h' */
  window?: Duration | undefined
}

/** Attempts of a window and their latency. */
export interface AttemptSummary {
  total: number
  succeeded: number
  failed: number
  /** `succeeded / total`, from 0 to 1; `null` without attempts. */
  successRate: number | null
  /** Nearest-rank percentiles of attempt durations in ms; `null` without attempts. */
  latency: { p50Ms: number | null; p95Ms: number | null }
}

/** `relay.endpoints.stats(id)`. */
export interface EndpointStats {
  endpointId: string
  window: { since: Date; until: Date }
  /** The endpoint's deliveries by status now (what retention kept). */
  deliveries: Record<DeliveryStatus, number>
  /** Attempts started within the window. */
  attempts: AttemptSummary
  /**
   * The circuit as the fleet has it (read from Redis or the database, so a process without workers
   * and the CLI see what the workers see); `unknown` when that cannot be read.
   */
  circuit: ReportedCircuitState
  disabled: boolean
  disabledReason: string | null
  /** Failing without a success since then; `null` while healthy. */
  failingSince: Date | null
  lastFailure: { at: Date; deliveryId: string; statusCode: number | null; error: string | null } | null
}

/** `relay.stats()`. */
export interface RelayStats {
  window: { since: Date; until: Date }
  deliveries: Record<DeliveryStatus, number>
  inbound: Record<InboundStatus, number>
  /** Messages created within the window. */
  messages: number
  attempts: AttemptSummary
  endpoints: { total: number; disabled: number; failing: number }
  /** How long the longest-waiting due delivery has waited, in ms; 0 when nothing is overdue. */
  lagMs: number
}

/** `relay.purge(options)`. */
export interface PurgeOptions {
  /** Purge what ended before this long ago (or before this `Date`). */
  olderThan: Duration | Date
  /** Rows per transaction. @default 500 */
  batchSize?: number | undefined
  /** Called after each batch with the totals so far. */
  onProgress?: ((progress: PurgeResult) => void) | undefined
}

/** Rows `purge()` deleted. */
export interface PurgeResult {
  deliveries: number
  attempts: number
  messages: number
  inbound: number
  /** Tenant portal links and sessions that had expired (whatever `olderThan` says: they open nothing). */
  portalSessions: number
}
