import { HookrelayError } from '../core/errors.js'

/**
 * Why a webhook failed verification. Stable: switch on it, map it to an HTTP status.
 *
 * - `MISSING_HEADER`: a header the scheme needs is absent or empty (answer 400).
 * - `INVALID_HEADER`: a header is present but malformed, e.g. several different `webhook-id` values.
 * - `INVALID_TIMESTAMP`: the timestamp is not a whole number of unix seconds.
 * - `TIMESTAMP_TOO_OLD` / `TIMESTAMP_TOO_NEW`: outside the tolerance, in the past / in the future.
 * - `NO_MATCHING_SIGNATURE`: no signature in the header matches the payload with any given secret.
 * - `INVALID_SECRET`: no secret was given, or a secret is malformed (a configuration problem, answer 500).
 * - `INVALID_PAYLOAD`: the payload is not a string, Buffer or Uint8Array (e.g. already-parsed JSON).
 * - `INVALID_OPTIONS`: another option is wrong (unknown scheme, bad `tolerance`, `now` or `headerName`).
 */
export type WebhookVerificationErrorCode =
  | 'MISSING_HEADER'
  | 'INVALID_HEADER'
  | 'INVALID_TIMESTAMP'
  | 'TIMESTAMP_TOO_OLD'
  | 'TIMESTAMP_TOO_NEW'
  | 'NO_MATCHING_SIGNATURE'
  | 'INVALID_SECRET'
  | 'INVALID_PAYLOAD'
  | 'INVALID_OPTIONS'

/**
 * The only error `verify()` throws. The message says what is wrong and what to check; it never
 * contains a secret or the expected signature.
 *
 * @example
 * try {
 *   verify({ secret, payload: rawBody, headers: req.headers })
 * } catch (error) {
 *   if (error instanceof WebhookVerificationError) return res.status(400).send(error.code)
 *   throw error
 * }
 */
export class WebhookVerificationError extends HookrelayError {
  declare readonly code: WebhookVerificationErrorCode

  constructor(code: WebhookVerificationErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options)
  }
}
