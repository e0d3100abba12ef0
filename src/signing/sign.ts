import { ValidationError } from '../core/errors.js'
import type { SigningScheme } from './scheme.js'
import { findScheme, resolveHeaderName, schemeList } from './schemes.js'
import { signingTimestamp } from './timestamps.js'

/** Options of {@link sign}. */
export interface SignOptions {
  /**
   * How to sign. Default `'standard'` (Standard Webhooks).
   * @example scheme: 'stripe'
   */
  scheme?: SigningScheme | undefined
  /**
   * The secret to sign with; give this or `secrets`. For `'standard'`: `whsec_…` (HMAC, `v1`) or
   * `whsk_…` (ed25519, `v1a`); a bare base64 key is read as HMAC like the reference libraries do.
   * For `'stripe'` and `'github'`: any string, used as given.
   * @example secret: endpoint.secret // 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'
   */
  secret?: string | undefined
  /**
   * Several secrets, e.g. during rotation: one signature per secret in the one header
   * (`'standard'`: space-separated entries, `'stripe'`: several `v1=`). `'github'` carries a
   * single signature, so only the first secret is used. With `secret` too, `secret` comes first.
   * @example secrets: [newSecret, oldSecret]
   */
  secrets?: readonly string[] | undefined
  /**
   * The message id (`webhook-id`), required for `'standard'`, where it is signed; keep it the same
   * across retries so receivers can deduplicate. Visible ASCII, no spaces. Ignored by other schemes.
   * @example id: 'msg_2Lq8cY3fQ'
   */
  id?: string | undefined
  /**
   * When the message is signed: unix seconds or a `Date`. Default: now. Sign each attempt anew so
   * the timestamp stays within the receiver's tolerance.
   * @example timestamp: new Date()
   */
  timestamp?: number | Date | undefined
  /**
   * The exact bytes sent as the request body. A string is signed as UTF-8.
   * @example payload: JSON.stringify(event)
   */
  payload: string | Uint8Array
  /**
   * `'stripe'` only: name of the signature header. Default `'stripe-signature'`. Returned lower-case.
   * @example headerName: 'x-acme-signature'
   */
  headerName?: string | undefined
}

const VISIBLE_ASCII = /^[\x21-\x7e]+$/

/**
 * Signs a webhook payload and returns the headers to send with it, names in lower case:
 * `webhook-id`, `webhook-timestamp`, `webhook-signature` (standard), `stripe-signature` (stripe),
 * `x-hub-signature-256` (github). Throws a `ValidationError` for bad options.
 *
 * @example
 * const headers = sign({ secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', id: 'msg_1', payload: body })
 * await fetch(url, { method: 'POST', body, headers: { ...headers, 'content-type': 'application/json' } })
 */
export function sign(options: SignOptions): Record<string, string> {
  if (options === null || typeof options !== 'object') throw invalid([], 'sign() takes an options object: { secret, id, payload }.')
  const scheme = findScheme(options.scheme)
  if (scheme === undefined) throw invalid(['scheme'], `sign(): unknown scheme ${JSON.stringify(options.scheme)}; use one of ${schemeList()}.`)

  const payload = options.payload
  if (typeof payload !== 'string' && !(payload instanceof Uint8Array)) {
    throw invalid(['payload'], 'sign(): payload must be the request body as a string, Buffer or Uint8Array.')
  }

  const secrets = collectSecrets(options.secret, options.secrets)
  if (secrets === undefined || secrets.length === 0) {
    throw invalid(['secret'], 'sign(): give the secret to sign with: secret (a string) or secrets (an array of strings).')
  }
  const keys = new Array<unknown>(secrets.length)
  for (let i = 0; i < secrets.length; i++) {
    const key = scheme.resolveKey(secrets[i])
    const problem = typeof key === 'string' ? key : scheme.signingProblem(key)
    if (problem !== null) throw invalid(secretPath(options, i), `sign(): ${secretLabel(options, i)} is unusable: ${problem}.`)
    keys[i] = key
  }

  let id = ''
  if (scheme.requiresId) {
    if (typeof options.id !== 'string' || !VISIBLE_ASCII.test(options.id)) {
      throw invalid(['id'], `sign(): the ${scheme.name} scheme signs the message id: give id, a non-empty string of visible ASCII without spaces (e.g. 'msg_2Lq8cY3fQ').`)
    }
    id = options.id
  }

  const headerName = resolveHeaderName(scheme, options.headerName)
  if (headerName === undefined) throw invalid(['headerName'], `sign(): headerName must be an HTTP header name such as 'stripe-signature'.`)

  return scheme.sign(keys, { id, timestamp: signingTimestamp(options.timestamp), payload, headerName })
}

/** `secret` then `secrets`, or undefined when neither is a usable list. */
export function collectSecrets(secret: unknown, secrets: unknown): readonly unknown[] | undefined {
  if (secrets === undefined || secrets === null) return secret === undefined || secret === null ? undefined : [secret]
  if (!Array.isArray(secrets)) return undefined
  return secret === undefined || secret === null ? (secrets as unknown[]) : [secret, ...(secrets as unknown[])]
}

/** Which option holds the i-th collected secret, for messages. */
export function secretLabel(options: { secret?: unknown }, index: number): string {
  const hasSecret = options.secret !== undefined && options.secret !== null
  if (hasSecret && index === 0) return 'secret'
  return `secrets[${hasSecret ? index - 1 : index}]`
}

function secretPath(options: { secret?: unknown }, index: number): PropertyKey[] {
  const hasSecret = options.secret !== undefined && options.secret !== null
  if (hasSecret && index === 0) return ['secret']
  return ['secrets', hasSecret ? index - 1 : index]
}

function invalid(path: PropertyKey[], message: string): ValidationError {
  return new ValidationError(message, [{ path, message }])
}
