import type { DeadReason } from './types.js'

/** Emitted once a message and its deliveries are committed (not for sends inside a caller's transaction). */
export interface MessageCreatedEvent {
  messageId: string
  type: string
  tenant: string | null
  deliveryIds: string[]
  endpointIds: string[]
}

interface DeliveryEventBase {
  deliveryId: string
  messageId: string
  endpointId: string
  /** The event type of the message. */
  type: string
}

export interface DeliverySucceededEvent extends DeliveryEventBase {
  attempt: number
  statusCode: number
  durationMs: number
}

/** One attempt failed and another is scheduled. */
export interface DeliveryFailedEvent extends DeliveryEventBase {
  attempt: number
  statusCode: number | null
  error: string | null
  durationMs: number
  nextAttemptAt: Date
}

/** The delivery was put off without using an attempt (circuit open, rate limit, concurrency, ordering). */
export interface DeliveryDeferredEvent extends DeliveryEventBase {
  reason: 'circuit_open' | 'rate_limited' | 'concurrency_limited' | 'ordering'
  until: Date
}

/** The delivery is in the dead-letter queue. */
export interface DeliveryDeadEvent extends DeliveryEventBase {
  /** The last attempt's number; 0 when it was dead-lettered without an attempt. */
  attempt: number
  reason: DeadReason
  statusCode: number | null
  error: string | null
}

export interface EndpointDisabledEvent {
  endpointId: string
  reason: string
}

export interface CircuitEvent {
  endpointId: string
}

export interface InboundEventBase {
  /** The receiver's name. */
  source: string
  webhookId: string | null
  type: string | null
}

export interface InboundAcceptedEvent extends InboundEventBase {
  id: string
  webhookId: string
  type: string
}

export interface InboundDuplicateEvent extends InboundAcceptedEvent {}

/** A request was refused; `reason` says which check failed (the HTTP answer never does). */
export interface InboundRejectedEvent extends InboundEventBase {
  status: number
  reason: string
}

export interface InboundProcessedEvent extends InboundAcceptedEvent {
  attempt: number
}

export interface InboundFailedEvent extends InboundAcceptedEvent {
  attempt: number
  error: string
  nextAttemptAt: Date
}

export interface InboundDeadEvent extends InboundAcceptedEvent {
  attempt: number
  error: string
}

/** Something went wrong that hookrelay recovered from or could not attribute to a call. */
export interface RelayErrorEvent {
  error: Error
  /** Where it happened, e.g. `'dispatcher.claim'`. */
  context: string
}

/**
 * Every event the relay emits, with its payload. Events are emitted after the state they describe
 * is committed, and never carry a secret.
 */
export interface RelayEvents {
  'message.created': (event: MessageCreatedEvent) => void
  'delivery.succeeded': (event: DeliverySucceededEvent) => void
  'delivery.failed': (event: DeliveryFailedEvent) => void
  'delivery.deferred': (event: DeliveryDeferredEvent) => void
  'delivery.dead': (event: DeliveryDeadEvent) => void
  'endpoint.disabled': (event: EndpointDisabledEvent) => void
  'circuit.opened': (event: CircuitEvent) => void
  'circuit.half_open': (event: CircuitEvent) => void
  'circuit.closed': (event: CircuitEvent) => void
  'inbound.accepted': (event: InboundAcceptedEvent) => void
  'inbound.duplicate': (event: InboundDuplicateEvent) => void
  'inbound.rejected': (event: InboundRejectedEvent) => void
  'inbound.processed': (event: InboundProcessedEvent) => void
  'inbound.failed': (event: InboundFailedEvent) => void
  'inbound.dead': (event: InboundDeadEvent) => void
  error: (event: RelayErrorEvent) => void
}

export type RelayEventName = keyof RelayEvents
