import { readListHeader, readSingleHeader } from './headers.js'
import { hmacSha256 } from './hmac.js'
import type { SchemeDefinition } from './scheme.js'
import { resolveUtf8HmacKey, type HmacKey } from './secrets.js'
import { hasEntry, type EntrySyntax } from './signature-entries.js'
import { WebhookVerificationError } from './webhook-verification-error.js'

const SIGNATURE_HEADER = 'x-hub-signature-256'
const DELIVERY_HEADER = 'x-github-delivery'
const HEADER_NAMES = Object.freeze([SIGNATURE_HEADER])
const SYNTAX: EntrySyntax = Object.freeze({ between: ',', within: '=' })

/**
 * GitHub's scheme: `x-hub-signature-256: sha256=<hex HMAC-SHA256 of the body>`, the key being the
 * secret's UTF-8 bytes. No timestamp and no id are signed, so there is no replay window check;
 * GitHub carries one signature, so signing with several secrets uses the first.
 */
export const githubScheme: SchemeDefinition<HmacKey> = {
  name: 'github',
  requiresId: false,
  defaultHeaderName: SIGNATURE_HEADER,
  entrySyntax: SYNTAX,

  headerNames() {
    return HEADER_NAMES
  },

  resolveKey(secret) {
    return resolveUtf8HmacKey(secret, 'github')
  },

  signingProblem() {
    return null
  },

  sign(keys, input) {
    return { [SIGNATURE_HEADER]: 'sha256=' + hmacSha256(keys[0]!.key, '', input.payload, 'hex') }
  },

  read(headers) {
    const signatures = readListHeader(headers, SIGNATURE_HEADER, ',')
    if (signatures === undefined) {
      throw new WebhookVerificationError(
        'MISSING_HEADER',
        `Missing ${SIGNATURE_HEADER} header: GitHub sends it when the webhook has a secret (the SHA-1 X-Hub-Signature is not supported).`,
      )
    }
    // Not covered by the signature: GitHub does not sign it. Useful to deduplicate redeliveries.
    const id = readSingleHeader(headers, DELIVERY_HEADER) ?? null
    return { id, timestamp: null, signedPrefix: '', signatures, header: SIGNATURE_HEADER }
  },

  matches(key, received, payload) {
    if (!received.signatures.includes('sha256=')) return false
    return hasEntry(received.signatures, SYNTAX, 'sha256', hmacSha256(key.key, '', payload, 'hex'))
  },

  mismatchHint(_keys, entries) {
    if (!entries.some((entry) => entry.version === 'sha256')) return ` The ${SIGNATURE_HEADER} header has no sha256= signature.`
    return ''
  },
}
