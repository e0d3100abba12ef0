import { readListHeader } from './headers.js'
import { hmacSha256 } from './hmac.js'
import type { SchemeDefinition } from './scheme.js'
import { resolveUtf8HmacKey, type HmacKey } from './secrets.js'
import { hasEntry, singleEntryValue, type EntrySyntax } from './signature-entries.js'
import { parseTimestampHeader } from './timestamps.js'
import { WebhookVerificationError } from './webhook-verification-error.js'

const DEFAULT_HEADER = 'stripe-signature'
const SYNTAX: EntrySyntax = Object.freeze({ between: ',', within: '=' })

/**
 * Stripe's scheme: `t=<unix s>,v1=<hex HMAC-SHA256 of "t.payload">`, the key being the secret's
 * UTF-8 bytes as given (`whsec_` included). Several secrets give several `v1=` entries.
 */
export const stripeScheme: SchemeDefinition<HmacKey> = {
  name: 'stripe',
  requiresId: false,
  defaultHeaderName: DEFAULT_HEADER,
  entrySyntax: SYNTAX,

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
    const timestamp = String(input.timestamp)
    const prefix = timestamp + '.'
    let header = 't=' + timestamp
    for (const key of keys) header += ',v1=' + hmacSha256(key.key, prefix, input.payload, 'hex')
    return { [input.headerName]: header }
  },

  read(headers, signatureHeader) {
    const signatures = readListHeader(headers, signatureHeader, ',')
    if (signatures === undefined) {
      throw new WebhookVerificationError('MISSING_HEADER', `Missing ${signatureHeader} header: a Stripe-style request carries 't=<timestamp>,v1=<signature>' in it.`)
    }
    const timestampText = singleEntryValue(signatures, SYNTAX, 't')
    if (timestampText === undefined) {
      throw new WebhookVerificationError('INVALID_HEADER', `The ${signatureHeader} header has no t= timestamp (expected 't=<unix seconds>,v1=<hex>').`)
    }
    if (timestampText === null) {
      throw new WebhookVerificationError('INVALID_HEADER', `The ${signatureHeader} header has several different t= timestamps.`)
    }
    const timestamp = parseTimestampHeader(timestampText, `t= value of the ${signatureHeader} header`)
    return { id: null, timestamp, signedPrefix: timestampText + '.', signatures, header: signatureHeader }
  },

  matches(key, received, payload) {
    if (!received.signatures.includes('v1=')) return false
    return hasEntry(received.signatures, SYNTAX, 'v1', hmacSha256(key.key, received.signedPrefix, payload, 'hex'))
  },

  mismatchHint(_keys, entries, received) {
    if (!entries.some((entry) => entry.version === 'v1')) return ` The ${received.header} header has no v1= signature.`
    return ''
  },
}
