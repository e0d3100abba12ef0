/**
 * A received webhook as handlers see it: `T` types `data`, `Type` the event type and `Payload` the
 * whole body (see `relay.receiver<Events>()` for typing them from a map).
 */
export interface InboundEvent<T = unknown, Type extends string = string, Payload = unknown> {
  /** hookrelay's id of the stored message (`in_…`). */
  id: string
  /** The sender's id of the webhook (e.g. `webhook-id`, Stripe's `evt_…`, GitHub's delivery id). */
  webhookId: string
  /** The event type, e.g. `'invoice.paid'` or, for GitHub, `'issues.opened'`. */
  type: Type
  /** The receiver's name. */
  source: string
  /** The whole parsed JSON body. */
  payload: Payload
  /**
   * `payload.data` when the body has a `data` field (Standard Webhooks: the event data; Stripe:
   * `{ object, previous_attributes }`), else the whole payload (GitHub).
   */
  data: T
}

/** Where and how often a message is being handled. */
export interface InboundContext {
  /** hookrelay's id of the stored message (`in_…`). */
  id: string
  webhookId: string
  /** The receiver's name. */
  source: string
  /** 1 for the first run of the handlers, 2 for the first retry, … */
  attempt: number
  receivedAt: Date
  /** The request headers kept with the message (lower-case; never signatures or credentials). */
  headers: Readonly<Record<string, string>>
}

/**
 * Handles one received webhook. Throwing (or rejecting) retries the message on the receiver's
 * schedule; throwing a `PermanentError` dead-letters it at once. Handlers can run more than once
 * for one webhook (a retry after another handler failed, a worker that died mid-run): make them
 * idempotent, e.g. keyed by `event.webhookId`.
 */
export type InboundHandler<T = unknown> = (event: InboundEvent<T>, ctx: InboundContext) => Promise<void> | void

/** Builds the event handed to handlers from a stored message's parsed body. */
export function toInboundEvent(
  message: { id: string; webhookId: string; type: string; source: string },
  payload: unknown,
): InboundEvent {
  const data =
    typeof payload === 'object' && payload !== null && !Array.isArray(payload) && 'data' in payload
      ? (payload as { data: unknown }).data
      : payload
  return { id: message.id, webhookId: message.webhookId, type: message.type, source: message.source, payload, data }
}
