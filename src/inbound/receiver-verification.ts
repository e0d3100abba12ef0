import { verify, WebhookVerificationError } from '../signing/index.js'
import { verificationRefusal } from './receiver-answers.js'
import { refuse, stringHeaders, type Checked } from './receiver-checks.js'
import type { InboundRequestView, ResolvedReceiverOptions } from './receiver-options.js'
import type { NormalizedHeaders } from './request-headers.js'
import { SCHEME_DEFAULTS } from './scheme-defaults.js'

// Longest webhook id and event type stored (a column limit and a sanity bound).
export const MAX_ID_LENGTH = 255

/** The options signature verification reads. */
export type SignatureCheckOptions = Pick<ResolvedReceiverOptions, 'scheme' | 'secrets' | 'tolerance' | 'headerName'>

/** The options that name a webhook: functions of the request, else the scheme's defaults. */
export type IdentityCheckOptions = Pick<ResolvedReceiverOptions, 'scheme' | 'webhookId' | 'eventType'>

/**
 * The signature and timestamp (401; malformed headers 400; a misconfigured receiver 500). The
 * answer never says which check failed; the refusal's reason (for `inbound.rejected`) does. Errors
 * other than a verification failure are thrown: they are bugs, answered 500 by the receiver.
 */
export function checkSignature<T extends { body: string | Uint8Array; headers: NormalizedHeaders }>(
  request: T,
  o: SignatureCheckOptions,
): Checked<T & { verifiedId: string | null }> {
  try {
    const { id } = verify({
      scheme: o.scheme,
      secrets: o.secrets,
      payload: request.body,
      headers: request.headers,
      tolerance: o.tolerance,
      headerName: o.headerName,
    })
    return { ...request, verifiedId: id }
  } catch (error) {
    if (!(error instanceof WebhookVerificationError)) throw error
    return refuse(verificationRefusal(error))
  }
}

/** The webhook's id (to deduplicate by) and event type, each a non-empty string of at most 255 characters (400). */
export function checkIdentity<T extends { headers: NormalizedHeaders; payload: unknown; verifiedId: string | null }>(
  request: T,
  o: IdentityCheckOptions,
): Checked<T & { webhookId: string; type: string }> {
  const defaults = SCHEME_DEFAULTS[o.scheme]
  // Header strings are built only if a function reads them (the github defaults, user functions).
  let headerStrings: Record<string, string> | undefined
  const view: InboundRequestView = {
    get headers() {
      return (headerStrings ??= stringHeaders(request.headers))
    },
    payload: request.payload,
  }
  const webhookId = o.webhookId ? o.webhookId(view) : defaults.webhookId(view, request.verifiedId)
  if (!usableName(webhookId)) {
    return refuse({
      status: 400,
      reason: 'MISSING_WEBHOOK_ID',
      body: { error: 'missing_webhook_id', message: 'The webhook carries no usable id to deduplicate it by.' },
    })
  }
  const type = o.eventType ? o.eventType(view) : defaults.eventType(view)
  if (!usableName(type)) {
    return refuse({
      status: 400,
      reason: 'MISSING_EVENT_TYPE',
      body: { error: 'missing_event_type', message: 'The webhook carries no event type.' },
      webhookId,
    })
  }
  return { ...request, webhookId, type }
}

function usableName(value: unknown): value is string {
  return typeof value === 'string' && value !== '' && value.length <= MAX_ID_LENGTH
}
