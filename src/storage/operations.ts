import type { DeliveryStatus, InboundStatus } from '../core/types.js'
import type { DeliveryFilter } from './storage.js'

/**
 * Types of the operator side of the Storage port: bulk selection for replay and recovery,
 * statistics, endpoint health and retention. Every query here is bounded or indexed; none runs on
 * the delivery hot path.
 */

/** A delivery filter for bulk operations; `failedSince`/`failedUntil` match `completed_at` (when it ended). */
export interface DeliveryIdFilter extends DeliveryFilter {
  /** Ended (dead-lettered, succeeded, discarded) at or after. */
  failedSince?: Date
  /** Ended before. */
  failedUntil?: Date
}

/** A half-open time range `[since, until)`. */
export interface TimeWindow {
  since: Date
  until: Date
}

/** Deliveries by status. */
export type DeliveryCounts = Record<DeliveryStatus, number>

/** Inbound messages by status. */
export type InboundCounts = Record<InboundStatus, number>

/** The HTTP attempts of a time window. */
export interface AttemptWindowStats {
  total: number
  succeeded: number
  /** Attempts that failed (`failed` or `dead` outcome). */
  failed: number
  /** Median attempt duration in ms (nearest rank); `null` without attempts. */
  p50Ms: number | null
  /** 95th percentile attempt duration in ms (nearest rank); `null` without attempts. */
  p95Ms: number | null
}

/** The latest failed attempt. */
export interface LastFailure {
  at: Date
  deliveryId: string
  statusCode: number | null
  error: string | null
}

/** What the storage knows about one endpoint's deliveries. */
export interface EndpointStatsRecord {
  /** Current deliveries of the endpoint by status (all that retention kept). */
  deliveries: DeliveryCounts
  /** Attempts started within the window. */
  attempts: AttemptWindowStats
  lastFailure: LastFailure | null
}

/** What the storage knows about the whole relay. */
export interface RelayStatsRecord {
  deliveries: DeliveryCounts
  inbound: InboundCounts
  attempts: AttemptWindowStats
  /** Messages created within the window. */
  messages: number
  endpoints: { total: number; disabled: number; failing: number }
  /** When the longest-waiting due `pending` delivery became due; `null` if none is due. */
  oldestDueAt: Date | null
}

/** What one purge batch removed. */
export interface PurgeBatchResult {
  deliveries: number
  attempts: number
}
