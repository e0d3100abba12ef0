import type { AttemptRecord } from '../core/types.js'
import { signedHeaders } from '../outbound/delivery-outcome.js'
import { REDACTED } from '../outbound/endpoints.js'
import type { ResolvedRelayOptions } from '../relay-options.js'
import { generateSecret } from '../signing/index.js'
import type { Storage } from '../storage/storage.js'

/**
 * The request headers of an attempt, as an operator may see them: what the workers send (content
 * type, user agent, `webhook-id`, the timestamp of the attempt's start, the signature header) and
 * the endpoint's custom headers, with the signature and every custom header value `REDACTED`
 * (where API keys go). Headers are not stored per attempt (that would cost every attempt a write
 * of its own): they are rebuilt the way the dispatcher builds them, from the endpoint as it is now.
 * `null` when the message or the endpoint no longer exists.
 */
export async function attemptRequestHeaders(
  deps: { storage: Storage; options: Pick<ResolvedRelayOptions, 'signing' | 'delivery'> },
  attempt: Pick<AttemptRecord, 'messageId' | 'endpointId' | 'startedAt'>,
): Promise<Record<string, string> | null> {
  const [message, endpoint] = await Promise.all([deps.storage.getMessage(attempt.messageId), deps.storage.getEndpoint(attempt.endpointId)])
  if (!message || !endpoint) return null
  const redacted = Object.fromEntries(Object.keys(endpoint.headers).map((name) => [name, REDACTED]))
  // Signed with a throwaway secret: only the names and the non-secret values are kept.
  const headers = signedHeaders(
    deps.options,
    { ...endpoint, headers: redacted, secrets: [{ secret: generateSecret(), expiresAt: null }] },
    message,
    attempt.startedAt.getTime(),
  )
  for (const name of Object.keys(headers)) if (/signature/i.test(name)) headers[name] = REDACTED
  return headers
}
