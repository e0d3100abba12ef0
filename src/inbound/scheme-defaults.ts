import type { SigningScheme } from '../core/types.js'
import type { InboundRequestView } from './receiver-options.js'

/** How a scheme names a webhook and its type when the receiver does not say otherwise. */
export interface SchemeDefaults {
  /** Headers the default webhook id reads, checked before verification so a missing one answers 400. */
  readonly idHeaders: readonly string[]
  /** Headers the default event type reads, checked likewise. */
  readonly typeHeaders: readonly string[]
  /** The sender's webhook id; `verifiedId` is what `verify()` returned as the signed id. */
  webhookId(request: InboundRequestView, verifiedId: string | null): unknown
  eventType(request: InboundRequestView): unknown
}

function field(payload: unknown, name: string): unknown {
  return typeof payload === 'object' && payload !== null ? (payload as Record<string, unknown>)[name] : undefined
}

export const SCHEME_DEFAULTS: Readonly<Record<SigningScheme, SchemeDefaults>> = Object.freeze({
  // Standard Webhooks: the signed webhook-id header; the body is { type, timestamp, data }.
  standard: {
    idHeaders: [],
    typeHeaders: [],
    webhookId: (_request, verifiedId) => verifiedId,
    eventType: ({ payload }) => field(payload, 'type'),
  },
  // Stripe: the event object carries both, e.g. { id: 'evt_…', type: 'invoice.paid', data: { object } }.
  stripe: {
    idHeaders: [],
    typeHeaders: [],
    webhookId: ({ payload }) => field(payload, 'id'),
    eventType: ({ payload }) => field(payload, 'type'),
  },
  // GitHub: X-GitHub-Delivery and X-GitHub-Event, refined by the payload's action: 'issues.opened'.
  github: {
    idHeaders: ['x-github-delivery'],
    typeHeaders: ['x-github-event'],
    webhookId: ({ headers }) => headers['x-github-delivery'],
    eventType: ({ headers, payload }) => {
      const event = headers['x-github-event']
      const action = field(payload, 'action')
      return typeof action === 'string' && action !== '' ? `${event}.${action}` : event
    },
  },
})
