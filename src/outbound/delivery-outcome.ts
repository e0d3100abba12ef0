import { setMaxListeners } from 'node:events'
import type { Emit } from '../core/emitter.js'
import { newId } from '../core/ids.js'
import type { RetryDecision } from '../core/retry-policy.js'
import type { AttemptRecord, EndpointRecord, MessageRecord } from '../core/types.js'
import type { ResolvedRelayOptions } from '../relay-options.js'
import { sign } from '../signing/index.js'
import type { ClaimedDelivery } from '../storage/storage.js'
import type { HttpAttemptResult } from './http-transport.js'
import type { SettlementItem } from './settlement-batcher.js'

/**
 * What the dispatcher writes and emits after an HTTP attempt: the attempt record, the delivery's
 * settlement and endpoint health, and the events that follow the commit. Also the signed headers
 * of an attempt and the dispatcher's shared abort controller.
 */

/** An attempt that reached the transport (not rejected by the circuit, not aborted). */
export interface AttemptOutcome {
  item: ClaimedDelivery & { endpoint: EndpointRecord }
  result: HttpAttemptResult
  decision: RetryDecision
  /** The attempt's number (its delivery's attempts so far, plus one). */
  number: number
  startedAt: number
  at: Date
}

/** Who settles, where events go, and what to do once a retry is scheduled. */
export interface OutcomeContext {
  owner: string
  emit: Emit
  /** After the commit of a retry: wake the loop at `nextAttemptAt` and tell the queue. */
  onRetry: (deliveryId: string, nextAttemptAt: Date) => void
}

/** The attempt record of an attempt made. */
export function attemptRecord(outcome: AttemptOutcome): AttemptRecord {
  const { item, result, decision, number, startedAt } = outcome
  const { delivery, message, endpoint } = item
  return {
    id: newId('att', startedAt),
    deliveryId: delivery.id,
    messageId: message.id,
    endpointId: endpoint.id,
    number,
    startedAt: new Date(startedAt),
    durationMs: result.durationMs,
    statusCode: result.statusCode,
    responseBody: result.responseBody,
    error: result.error,
    outcome: decision.action === 'succeed' ? 'succeeded' : decision.action === 'retry' ? 'failed' : 'dead',
    trigger: delivery.nextTrigger,
  }
}

/** The settlement, health update and after-commit events of an attempt, as the retry policy decided. */
export function outcomeSubmission(outcome: AttemptOutcome, ctx: OutcomeContext): SettlementItem {
  const { item, result, decision, number, at } = outcome
  const { delivery, message, endpoint } = item
  const { owner, emit } = ctx
  const attempt = attemptRecord(outcome)
  if (decision.action === 'succeed') {
    return {
      settlement: { deliveryId: delivery.id, owner, status: 'succeeded', nextAttemptAt: null, attempt, at },
      health: { endpointId: endpoint.id, kind: 'success' },
      afterCommit: () =>
        emit('delivery.succeeded', {
          deliveryId: delivery.id,
          messageId: message.id,
          endpointId: endpoint.id,
          type: message.type,
          attempt: number,
          statusCode: result.statusCode!,
          durationMs: result.durationMs,
        }),
    }
  }
  if (decision.action === 'retry') {
    const nextAttemptAt = new Date(at.getTime() + decision.delayMs)
    return {
      settlement: { deliveryId: delivery.id, owner, status: 'pending', nextAttemptAt, attempt, at },
      health: { endpointId: endpoint.id, kind: 'failure', at },
      afterCommit: () => {
        emit('delivery.failed', {
          deliveryId: delivery.id,
          messageId: message.id,
          endpointId: endpoint.id,
          type: message.type,
          attempt: number,
          statusCode: result.statusCode,
          error: result.error,
          durationMs: result.durationMs,
          nextAttemptAt,
        })
        ctx.onRetry(delivery.id, nextAttemptAt)
      },
    }
  }
  const reason = 'Endpoint answered 410 Gone'
  return {
    settlement: {
      deliveryId: delivery.id,
      owner,
      status: 'dead',
      nextAttemptAt: null,
      attempt,
      deadReason: decision.reason,
      at,
    },
    health: decision.disableEndpoint
      ? { endpointId: endpoint.id, kind: 'disable', reason, at }
      : { endpointId: endpoint.id, kind: 'failure', at },
    afterCommit: () => {
      emit('delivery.dead', {
        deliveryId: delivery.id,
        messageId: message.id,
        endpointId: endpoint.id,
        type: message.type,
        attempt: number,
        reason: decision.reason,
        statusCode: result.statusCode,
        error: result.error,
      })
      if (decision.disableEndpoint) emit('endpoint.disabled', { endpointId: endpoint.id, reason })
    },
  }
}

/** Signs afresh for every attempt: same id and body, new timestamp, every secret still valid. */
export function signedHeaders(
  options: Pick<ResolvedRelayOptions, 'signing' | 'delivery'>,
  endpoint: EndpointRecord,
  message: MessageRecord,
  now: number,
): Record<string, string> {
  const { signing, delivery } = options
  const secrets: string[] = []
  for (const s of endpoint.secrets) if (s.expiresAt === null || s.expiresAt.getTime() > now) secrets.push(s.secret)
  const headers: Record<string, string> = Object.assign({}, endpoint.headers)
  headers['content-type'] = 'application/json'
  headers['user-agent'] = delivery.userAgent
  headers['webhook-id'] = message.id
  return Object.assign(
    headers,
    sign({
      scheme: signing.scheme,
      secrets,
      id: message.id,
      timestamp: Math.floor(now / 1000),
      payload: message.payload,
      headerName: signing.headerName,
    }),
  )
}

/** One controller for every attempt of the dispatcher: each in-flight request listens to its signal. */
export function abortController(): AbortController {
  const controller = new AbortController()
  // `delivery.concurrency` requests listen at once; that is by design, not a leak.
  setMaxListeners(0, controller.signal)
  return controller
}
