import type { Duration } from '../core/duration.js'
import type { HeaderSource } from './headers.js'
import type { SigningScheme } from './scheme.js'
import { findScheme, resolveHeaderName, schemeList } from './schemes.js'
import { collectSecrets, secretLabel } from './sign.js'
import { parseSignatureEntries } from './signature-entries.js'
import { checkTolerance, toleranceSeconds, verificationNow } from './timestamps.js'
import { WebhookVerificationError } from './webhook-verification-error.js'

/** Options of {@link verify}. */
export interface VerifyOptions {
  /**
   * The scheme the sender uses. Default `'standard'`.
   * @example scheme: 'github'
   */
  scheme?: SigningScheme | undefined
  /**
   * The secret to verify with; give this or `secrets`. For `'standard'`: `whsec_…` verifies `v1`
   * (HMAC) signatures, `whpk_…` (or `whsk_…`) verifies `v1a` (ed25519). For `'stripe'` and
   * `'github'`: the secret string as the provider shows it.
   * @example secret: process.env.STRIPE_WEBHOOK_SECRET
   */
  secret?: string | undefined
  /**
   * Several secrets, e.g. while a secret is rotated: a request is valid when one signature
   * matches any one of them. With `secret` too, both are tried.
   * @example secrets: [currentSecret, previousSecret]
   */
  secrets?: readonly string[] | undefined
  /**
   * The raw request body, byte for byte as received: not parsed and re-serialized JSON.
   * @example payload: await request.text()
   */
  payload: string | Buffer | Uint8Array
  /**
   * The request headers, names in any letter case: a plain object, Node's `req.headers`
   * (string arrays allowed) or a Fetch `Headers`.
   * @example headers: req.headers
   */
  headers: HeaderSource
  /**
   * How far the signed timestamp may be from `now`, in the past or in the future, against
   * replays. Default `'5m'`. `false` turns the time check off (e.g. to re-verify stored requests).
   * Not applicable to `'github'`, which signs no timestamp.
   * @example tolerance: '10m'
   */
  tolerance?: Duration | false | undefined
  /**
   * The verifier's clock: unix seconds or a `Date`. Default: now. For tests.
   * @example now: new Date('2021-02-26T14:22:10Z')
   */
  now?: number | Date | undefined
  /**
   * `'stripe'` only: name of the signature header, any case. Default `'stripe-signature'`.
   * @example headerName: 'X-Acme-Signature'
   */
  headerName?: string | undefined
}

/** What a verified request carried. */
export interface VerifyResult {
  /** The scheme the request was verified with. */
  readonly scheme: SigningScheme
  /**
   * `'standard'`: the signed `webhook-id`, to deduplicate deliveries. `'github'`: the
   * `x-github-delivery` header if present (GitHub does not sign it). `'stripe'`: null (the event
   * id is in the body).
   */
  readonly id: string | null
  /** The signed timestamp in unix seconds; null for `'github'`. */
  readonly timestamp: number | null
}

/**
 * Verifies a webhook request's signature and timestamp. Returns what the signature covers;
 * throws a {@link WebhookVerificationError} (and nothing else, whatever the input) when the
 * request must be refused, with a stable `code`.
 *
 * @example
 * app.post('/webhooks', express.raw({ type: '*\/*' }), (req, res) => {
 *   const { id } = verify({ secret: process.env.WEBHOOK_SECRET, payload: req.body, headers: req.headers })
 *   // … process the event once per id …
 *   res.sendStatus(204)
 * })
 */
export function verify(options: VerifyOptions): VerifyResult {
  try {
    return verifyOrThrow(options)
  } catch (error) {
    if (error instanceof WebhookVerificationError) throw error
    // Hostile or broken inputs (throwing getters, proxies) still get the one documented error.
    throw new WebhookVerificationError('INVALID_OPTIONS', 'verify() could not read its options; see the cause.', { cause: error })
  }
}

function verifyOrThrow(options: VerifyOptions): VerifyResult {
  if (options === null || typeof options !== 'object') {
    throw new WebhookVerificationError('INVALID_OPTIONS', 'verify() takes an options object: { secret, payload, headers }.')
  }
  const scheme = findScheme(options.scheme)
  if (scheme === undefined) {
    throw new WebhookVerificationError('INVALID_OPTIONS', `verify(): unknown scheme; use one of ${schemeList()}.`)
  }

  const secrets = collectSecrets(options.secret, options.secrets)
  if (secrets === undefined || secrets.length === 0) {
    throw new WebhookVerificationError(
      'INVALID_SECRET',
      'verify(): no secret to verify with: give secret (a string) or secrets (an array of strings). Is the environment variable set?',
    )
  }
  const keys = new Array<unknown>(secrets.length)
  for (let i = 0; i < secrets.length; i++) {
    const key = scheme.resolveKey(secrets[i])
    if (typeof key === 'string') throw new WebhookVerificationError('INVALID_SECRET', `verify(): ${secretLabel(options, i)} is unusable: ${key}.`)
    keys[i] = key
  }

  const payload = options.payload
  if (typeof payload !== 'string' && !(payload instanceof Uint8Array)) {
    throw new WebhookVerificationError(
      'INVALID_PAYLOAD',
      `verify(): payload must be the raw request body as a string, Buffer or Uint8Array, got ${payload === null ? 'null' : typeof payload}. Parsed and re-serialized JSON does not match the signature: read the raw body.`,
    )
  }

  const tolerance = toleranceSeconds(options.tolerance)
  const now = verificationNow(options.now)
  const headerName = resolveHeaderName(scheme, options.headerName)
  if (headerName === undefined) {
    throw new WebhookVerificationError('INVALID_OPTIONS', `verify(): headerName must be an HTTP header name such as 'stripe-signature'.`)
  }

  const received = scheme.read(options.headers, headerName)
  if (received.timestamp !== null) checkTolerance(received.timestamp, now, tolerance)
  for (const key of keys) {
    if (scheme.matches(key, received, payload)) return { scheme: scheme.name, id: received.id, timestamp: received.timestamp }
  }

  // Failure path: only now parse the header fully, to say precisely what is wrong.
  const entries = parseSignatureEntries(received.signatures, scheme.entrySyntax)
  if (entries.length === 0) {
    const example = scheme.entrySyntax.within === ',' ? "'v1,<base64>'" : "'v1=<hex>' or 'sha256=<hex>'"
    throw new WebhookVerificationError('INVALID_HEADER', `The ${received.header} header has no signature entries (expected e.g. ${example}).`)
  }
  const count = entries.length
  const whitespace = secrets.some((secret) => typeof secret === 'string' && /\s/.test(secret))
  throw new WebhookVerificationError(
    'NO_MATCHING_SIGNATURE',
    `None of the ${count} signature${count === 1 ? '' : 's'} in the ${received.header} header matches the payload with the ${keys.length === 1 ? 'secret' : `${keys.length} secrets`} given. ` +
      'Check that payload is the raw request body (not re-serialized JSON) and that the secret is the one this sender uses.' +
      scheme.mismatchHint(keys, entries, received) +
      (whitespace ? ' A secret contains whitespace: check for a trailing newline.' : ''),
  )
}
