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

/** An attempt got a 2xx; the delivery is done. */
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

/** An endpoint was disabled (a 410, an operator, or the health check); `reason` says why. */
export interface EndpointDisabledEvent {
  endpointId: string
  reason: string
}

/** An endpoint has failed without a success for `percent` % of `endpointHealth.disableAfter`. */
export interface EndpointFailingEvent {
  endpointId: string
  tenant: string | null
  /** One of `endpointHealth.notifyAt`: the highest share crossed. */
  percent: number
  failingSince: Date
  /** When the health check disables the endpoint unless a delivery succeeds before. */
  disableAt: Date
}

/** A failing episode that was announced (`endpoint.failing`) ended: a delivery succeeded, or the endpoint was enabled. */
export interface EndpointRecoveredEvent {
  endpointId: string
}

/** An endpoint's circuit breaker changed state (`circuit.opened`, `circuit.half_open`, `circuit.closed`). */
export interface CircuitEvent {
  endpointId: string
}

/** Fields every `inbound.*` event carries. */
export interface InboundEventBase {
  /** The receiver's name. */
  source: string
  webhookId: string | null
  type: string | null
}

/** A received webhook was verified and stored (before the 200 went out). */
export interface InboundAcceptedEvent extends InboundEventBase {
  id: string
  webhookId: string
  type: string
}

/** A copy of an already stored webhook arrived; it was answered 200 and not stored again. */
export interface InboundDuplicateEvent extends InboundAcceptedEvent {}

/** A request was refused; `reason` says which check failed (the HTTP answer never does). */
export interface InboundRejectedEvent extends InboundEventBase {
  status: number
  reason: string
}

/** Every handler of a received webhook succeeded. */
export interface InboundProcessedEvent extends InboundAcceptedEvent {
  attempt: number
}

/**
 * No handler of the receiver matched the webhook's type, so nothing ran: the message is stored
 * with status `unhandled` (not `processed`), and can be replayed once a handler exists. A typo in
 * `receiver.on('order.craeted', …)` shows here. Without a listener, the relay's logger warns once
 * per receiver and type.
 */
export interface InboundUnhandledEvent extends InboundAcceptedEvent {
  /** The types the receiver has handlers for (`'*'` included), to spot the typo. */
  handledTypes: string[]
}

/** A handler threw; another attempt is scheduled at `nextAttemptAt`. */
export interface InboundFailedEvent extends InboundAcceptedEvent {
  attempt: number
  error: string
  nextAttemptAt: Date
}

/** A received webhook was dead-lettered (a permanent error, or its retry schedule ran out). */
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
  /** A `send()` committed (not for sends inside your own transaction). */
  'message.created': (event: MessageCreatedEvent) => void
  /** An attempt got a 2xx. */
  'delivery.succeeded': (event: DeliverySucceededEvent) => void
  /** An attempt failed and another is scheduled. */
  'delivery.failed': (event: DeliveryFailedEvent) => void
  /** Put off without using an attempt (circuit open, rate limit, concurrency, ordering). */
  'delivery.deferred': (event: DeliveryDeferredEvent) => void
  /** Moved to the dead-letter queue. */
  'delivery.dead': (event: DeliveryDeadEvent) => void
  /** An endpoint was disabled by a 410, an operator or the health check. */
  'endpoint.disabled': (event: EndpointDisabledEvent) => void
  /** An endpoint crossed a share of the auto-disable threshold (`endpointHealth.notifyAt`), once per share and episode. */
  'endpoint.failing': (event: EndpointFailingEvent) => void
  /** An announced failing episode ended. */
  'endpoint.recovered': (event: EndpointRecoveredEvent) => void
  /** An endpoint's circuit opened: its deliveries are deferred. */
  'circuit.opened': (event: CircuitEvent) => void
  /** An endpoint's circuit lets one probe through. */
  'circuit.half_open': (event: CircuitEvent) => void
  /** An endpoint's circuit closed again after a successful probe. */
  'circuit.closed': (event: CircuitEvent) => void
  /** A received webhook was verified and stored. */
  'inbound.accepted': (event: InboundAcceptedEvent) => void
  /** A copy of a stored webhook arrived. */
  'inbound.duplicate': (event: InboundDuplicateEvent) => void
  /** A request was refused; nothing was stored. */
  'inbound.rejected': (event: InboundRejectedEvent) => void
  /** Every handler of a received webhook succeeded. */
  'inbound.processed': (event: InboundProcessedEvent) => void
  /** No handler matched the webhook's type; stored as `unhandled`, replayable once one exists. */
  'inbound.unhandled': (event: InboundUnhandledEvent) => void
  /** A handler threw; a retry is scheduled. */
  'inbound.failed': (event: InboundFailedEvent) => void
  /** A received webhook was dead-lettered. */
  'inbound.dead': (event: InboundDeadEvent) => void
  /** Something hookrelay recovered from, with where it happened. */
  error: (event: RelayErrorEvent) => void
}

/** The name of any event the relay emits, e.g. `'delivery.succeeded'`. */
export type RelayEventName = keyof RelayEvents
