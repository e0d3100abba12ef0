import type { PayloadFilter } from './filters/payload-filter.js'

/** Lifecycle of one message to one endpoint. `dead` is the dead-letter queue. */
export type DeliveryStatus = 'pending' | 'delivering' | 'succeeded' | 'dead' | 'discarded'

/** Why an attempt was made: by the retry schedule, or by an operator (replay, recover). */
export type AttemptTrigger = 'scheduled' | 'manual'

/** What one HTTP attempt led to. */
export type AttemptOutcome = 'succeeded' | 'failed' | 'dead'

/** Why a delivery ended in the dead-letter queue. */
export type DeadReason = 'exhausted' | 'permanent_status' | 'gone' | 'endpoint_disabled' | 'endpoint_deleted'

/** Signature schemes hookrelay signs and verifies. */
export type SigningScheme = 'standard' | 'stripe' | 'github'

/** A signing secret of an endpoint; old secrets stay valid until `expiresAt` after a rotation. */
export interface EndpointSecret {
  secret: string
  /** `null` for the current secret. */
  expiresAt: Date | null
}

/** A per-endpoint rate limit, in milliseconds. */
export interface RateLimit {
  max: number
  perMs: number
}

/** When an endpoint's circuit opens and how it recovers. Durations in milliseconds. */
export interface CircuitBreakerSettings {
  /** Open when the failure rate over the window exceeds this percentage. */
  errorThresholdPercentage?: number | undefined
  /** ...but only once the window holds at least this many attempts. */
  volumeThreshold?: number | undefined
  /** Length of the rolling window in ms. */
  windowMs?: number | undefined
  /** How long the circuit stays open before one probe is let through (half-open), in ms. */
  resetTimeoutMs?: number | undefined
  /** Set false to turn the breaker off for this endpoint. */
  enabled?: boolean | undefined
}

/** An endpoint as stored. The public view (`Endpoint`) omits `secrets`. */
export interface EndpointRecord {
  id: string
  /** The caller's own id of the endpoint, unique per tenant (`null`: none). */
  uid: string | null
  tenant: string | null
  url: string
  description: string | null
  /** Exact types and `prefix.*` wildcards; empty means every type. */
  eventTypes: string[]
  /** Empty means every channel (see `matchesChannels`). */
  channels: string[]
  /** Current secret first, then rotated-out ones that have not expired yet. */
  secrets: EndpointSecret[]
  headers: Record<string, string>
  metadata: Record<string, unknown>
  /** Per-endpoint retry schedule in ms; `null` uses the relay's. */
  retrySchedule: number[] | null
  /**
   * Per-endpoint retry schedules in ms by event type (exact or `prefix.*`), which beat
   * `retrySchedule`; absent or `null`: none. Stored with `retrySchedule` in one column, so a
   * patch sets both or neither.
   */
  retryByType?: Record<string, number[]> | null
  rateLimit: RateLimit | null
  maxConcurrency: number | null
  ordering: 'none' | 'fifo'
  /** Circuit-breaker settings overriding the relay's for this endpoint; `null` uses the relay's. */
  circuitBreaker: CircuitBreakerSettings | null
  /** Only messages whose payload matches this filter are routed to the endpoint; `null` routes all. */
  filter: PayloadFilter | null
  disabledAt: Date | null
  disabledReason: string | null
  /** When the endpoint started failing without a success since; `null` while healthy. */
  failingSince: Date | null
  createdAt: Date
  updatedAt: Date
}

/** A message as stored: the exact JSON body that is signed and sent. */
export interface MessageRecord {
  id: string
  tenant: string | null
  type: string
  /** The request body, byte for byte, for every attempt and replay. */
  payload: string
  channels: string[]
  idempotencyKey: string | null
  createdAt: Date
  /** The W3C `traceparent` of the `send()` span, when OpenTelemetry is on; attempts continue its trace. */
  traceContext?: string | null
}

/** One message to one endpoint: its status, attempts so far and next due time (`relay.deliveries.get/list`). */
export interface DeliveryRecord {
  id: string
  messageId: string
  endpointId: string
  status: DeliveryStatus
  /** Attempts made so far (deferrals by a circuit or rate limit do not count). */
  attempts: number
  /** When the next attempt is due; while `delivering`, when the lease expires. */
  nextAttemptAt: Date | null
  leaseOwner: string | null
  lastStatusCode: number | null
  lastError: string | null
  deadReason: DeadReason | null
  /** How the next attempt will be recorded: `manual` after a replay or recovery, else `scheduled`. */
  nextTrigger: AttemptTrigger
  createdAt: Date
  updatedAt: Date
  completedAt: Date | null
}

/** One HTTP attempt of a delivery, as logged: status code, duration, response excerpt, error, outcome. */
export interface AttemptRecord {
  id: string
  deliveryId: string
  messageId: string
  endpointId: string
  /** 1 for the first attempt. */
  number: number
  startedAt: Date
  durationMs: number
  statusCode: number | null
  /** The first bytes of the response body (see `delivery.maxResponseBodyBytes`). */
  responseBody: string | null
  error: string | null
  outcome: AttemptOutcome
  trigger: AttemptTrigger
}

/**
 * Lifecycle of a received webhook's processing by the application's handlers. `unhandled`: no
 * handler matched its type (nothing ran); like `dead`, it can be replayed once a handler exists.
 */
export type InboundStatus = (typeof INBOUND_STATUSES)[number]

/** Every inbound status, in lifecycle order: for filters, counts and CLI choices. */
export const INBOUND_STATUSES = Object.freeze(['pending', 'processing', 'processed', 'unhandled', 'dead', 'discarded'] as const)

/** The inbound statuses `relay.inbound.replay` and `discard` act on: given up on, or never handled. */
export const REPLAYABLE_INBOUND_STATUSES: readonly Extract<InboundStatus, 'dead' | 'unhandled'>[] = Object.freeze(['dead', 'unhandled'])

/** A webhook accepted by a receiver, stored before the sender got its 2xx. */
export interface InboundMessageRecord {
  id: string
  /** The receiver's name, e.g. `'stripe'`. */
  source: string
  /** The sender's id for this webhook; unique per source, so a redelivery is recognised. */
  webhookId: string
  type: string
  /** The raw request body as received. */
  payload: string
  /** The request headers worth keeping (never signature headers). */
  headers: Record<string, string>
  status: InboundStatus
  attempts: number
  /** When processing is next due; while `processing`, when the lease expires. */
  nextAttemptAt: Date | null
  leaseOwner: string | null
  lastError: string | null
  deadReason: string | null
  receivedAt: Date
  updatedAt: Date
  processedAt: Date | null
}
