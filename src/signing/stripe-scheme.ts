import { constantTimeEqual } from './constant-time.js'
import { readListHeader } from './headers.js'
import { hmacSha256 } from './hmac.js'
import type { SchemeDefinition, SignatureEntry } from './scheme.js'
import { resolveUtf8HmacKey, type HmacKey } from './secrets.js'
import { parseTimestampHeader } from './timestamps.js'
import { WebhookVerificationError } from './webhook-verification-error.js'

const DEFAULT_HEADER = 'stripe-signature'

/**
 * Stripe's scheme: `t=<unix s>,v1=<hex HMAC-SHA256 of "t.payload">`, the key being the secret's
 * UTF-8 bytes as given (`whsec_` included). Several secrets give several `v1=` entries.
 */
export const stripeScheme: SchemeDefinition<HmacKey> = {
  name: 'stripe',
  requiresId: false,
  defaultHeaderName: DEFAULT_HEADER,

  headerNames(signatureHeader) {
    return [signatureHeader]
  },

  resolveKey(secret) {
    return resolveUtf8HmacKey(secret, 'stripe')
  },

  signingProblem() {
    return null
  },

  sign(keys, input) {
    const prefix = `${input.timestamp}.`
    let header = `t=${input.timestamp}`
    for (const key of keys) header += ',v1=' + hmacSha256(key.key, prefix, input.payload, 'hex')
    return { [input.headerName]: header }
  },

  read(headers, signatureHeader) {
    const header = readListHeader(headers, signatureHeader, ',')
    if (header === undefined) {
      throw new WebhookVerificationError('MISSING_HEADER', `Missing ${signatureHeader} header: a Stripe-style request carries 't=<timestamp>,v1=<signature>' in it.`)
    }
    let timestampText: string | undefined
    const entries: SignatureEntry[] = []
    for (const item of header.split(',')) {
      const equals = item.indexOf('=')
      if (equals < 0) continue
      const version = item.slice(0, equals).trim()
      const value = item.slice(equals + 1).trim()
      if (version === 't') {
        if (timestampText !== undefined && timestampText !== value) {
          throw new WebhookVerificationError('INVALID_HEADER', `The ${signatureHeader} header has several different t= timestamps.`)
        }
        timestampText = value
      } else if (version !== '') {
        entries.push({ version, value })
      }
    }
    if (timestampText === undefined) {
      throw new WebhookVerificationError('INVALID_HEADER', `The ${signatureHeader} header has no t= timestamp (expected 't=<unix seconds>,v1=<hex>').`)
    }
    const timestamp = parseTimestampHeader(timestampText, `t= value of the ${signatureHeader} header`)
    return { id: null, timestamp, signedPrefix: `${timestamp}.`, entries, header: signatureHeader }
  },

  matches(key, received, payload) {
    let expected: string | undefined
    for (const entry of received.entries) {
      if (entry.version !== 'v1') continue
      expected ??= hmacSha256(key.key, received.signedPrefix, payload, 'hex')
      if (constantTimeEqual(entry.value, expected)) return true
    }
    return false
  },

  mismatchHint(_keys, received) {
    if (!received.entries.some((entry) => entry.version === 'v1')) return ` The ${received.header} header has no v1= signature.`
    return ''
  },
}
