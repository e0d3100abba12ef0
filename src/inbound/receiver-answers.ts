import type { WebhookVerificationError } from '../signing/index.js'
import type { InboundOutcome } from './inbound-processor.js'

/** The answer to write back, whatever the framework. */
export interface ReceiverResponse {
  status: number
  headers: Record<string, string>
  /** JSON text. */
  body: string
}

const JSON_HEADERS = Object.freeze({ 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' })
export const RECEIVED = Object.freeze({ received: true })
export const DUPLICATE = Object.freeze({ received: true, duplicate: true })

/** A refusal: status, the precise reason (for the `inbound.rejected` event), and the public body. */
export interface Refusal {
  status: number
  reason: string
  body: Record<string, unknown>
  headers?: Record<string, string>
  /** The sender's webhook id, when the refusal came after it was read (for the `inbound.rejected` event). */
  webhookId?: string | undefined
}

export function respond(status: number, body: Record<string, unknown>, headers?: Record<string, string>): ReceiverResponse {
  return { status, headers: headers ? { ...JSON_HEADERS, ...headers } : { ...JSON_HEADERS }, body: JSON.stringify(body) }
}

/**
 * The answer of an inline run; a dead or unhandled message is answered 200: it is stored (and
 * replayable), and the sender retrying cannot help.
 */
export function inlineResponse(outcome: InboundOutcome, duplicate: boolean): ReceiverResponse {
  switch (outcome) {
    case 'processed':
    case 'unhandled':
    case 'dead':
      return respond(200, duplicate ? DUPLICATE : RECEIVED)
    case 'failed':
      return respond(500, { error: 'handler_failed', message: 'The webhook is stored; processing failed and will be retried.' })
    case 'handed_back':
      return respond(503, { error: 'unavailable', message: 'The webhook is stored; processing was interrupted. Retry later.' }, { 'retry-after': '5' })
  }
}

/**
 * Missing or malformed headers answer 400; every other verification failure 401 with one generic
 * body (the `inbound.rejected` event carries the code); a configuration problem answers 500.
 */
export function verificationRefusal(error: WebhookVerificationError): Refusal {
  switch (error.code) {
    case 'MISSING_HEADER':
      return { status: 400, reason: error.code, body: { error: 'missing_header', message: error.message } }
    case 'INVALID_HEADER':
      return { status: 400, reason: error.code, body: { error: 'invalid_header', message: error.message } }
    case 'INVALID_SECRET':
    case 'INVALID_OPTIONS':
    case 'INVALID_PAYLOAD':
      return { status: 500, reason: error.code, body: { error: 'receiver_misconfigured' } }
    default:
      return { status: 401, reason: error.code, body: { error: 'invalid_signature' } }
  }
}
