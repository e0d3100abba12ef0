import type { DeadReason } from './types.js'

/** What the transport observed for one attempt. */
export interface AttemptObservation {
  /** HTTP status, or `null` when no response arrived (timeout, refused, DNS, TLS). */
  statusCode: number | null
  /** The `Retry-After` header in milliseconds from now, if the response had a valid one. */
  retryAfterMs?: number | null
}

export interface RetryPolicyOptions {
  /** Delays in ms after attempt 1, 2, …; its length + 1 is the number of attempts. */
  schedule: readonly number[]
  /** Random spread as a fraction of each delay: 0.2 means ±20%. */
  jitter: number
  /** Statuses that dead-letter at once instead of retrying (410 always does, and disables the endpoint). */
  permanentStatuses: readonly number[]
  /** Upper bound for an honoured `Retry-After`. */
  maxRetryAfterMs: number
}

/** The decision after one attempt. */
export type RetryDecision =
  | { action: 'succeed' }
  | { action: 'retry'; delayMs: number }
  | { action: 'dead'; reason: DeadReason; disableEndpoint: boolean }

/**
 * Decides what happens after an attempt; pure (randomness comes in as `random` in [0, 1)).
 *
 * - 2xx succeeds. 3xx is a failure: redirects are never followed, since a receiver that moved
 *   must be updated by its owner, not silently followed to a place nobody verified.
 * - 410 Gone dead-letters and disables the endpoint: the receiver told us to stop.
 * - A configured permanent status dead-letters at once.
 * - Anything else, including no response, retries on the schedule until it runs out.
 * - `Retry-After` can lengthen (never shorten) the scheduled delay, up to `maxRetryAfterMs`.
 */
export function decideAfterAttempt(
  observation: AttemptObservation,
  attemptNumber: number,
  options: RetryPolicyOptions,
  random: number,
): RetryDecision {
  const { statusCode } = observation
  if (statusCode !== null && statusCode >= 200 && statusCode < 300) return { action: 'succeed' }
  if (statusCode === 410) return { action: 'dead', reason: 'gone', disableEndpoint: true }
  if (statusCode !== null && options.permanentStatuses.includes(statusCode)) {
    return { action: 'dead', reason: 'permanent_status', disableEndpoint: false }
  }
  const scheduled = options.schedule[attemptNumber - 1]
  if (scheduled === undefined) return { action: 'dead', reason: 'exhausted', disableEndpoint: false }

  const spread = scheduled * options.jitter * (random * 2 - 1)
  let delayMs = Math.max(0, Math.round(scheduled + spread))
  const retryAfter = observation.retryAfterMs
  if (retryAfter != null && retryAfter > delayMs) delayMs = Math.min(retryAfter, options.maxRetryAfterMs)
  return { action: 'retry', delayMs }
}

/**
 * Parses a `Retry-After` header (delta-seconds or an HTTP date) into milliseconds from `now`.
 * Returns `null` for an absent or unparseable value.
 */
export function parseRetryAfter(value: string | string[] | undefined, now: number): number | null {
  const raw = Array.isArray(value) ? value[0] : value
  if (!raw) return null
  const trimmed = raw.trim()
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000
  const date = Date.parse(trimmed)
  if (Number.isNaN(date)) return null
  return Math.max(0, date - now)
}
