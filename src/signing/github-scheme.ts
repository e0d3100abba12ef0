import { constantTimeEqual } from './constant-time.js'
import { readListHeader, readSingleHeader } from './headers.js'
import { hmacSha256 } from './hmac.js'
import type { SchemeDefinition, SignatureEntry } from './scheme.js'
import { resolveUtf8HmacKey, type HmacKey } from './secrets.js'
import { WebhookVerificationError } from './webhook-verification-error.js'

const SIGNATURE_HEADER = 'x-hub-signature-256'
const DELIVERY_HEADER = 'x-github-delivery'
const HEADER_NAMES = Object.freeze([SIGNATURE_HEADER])

/**
 * GitHub's scheme: `x-hub-signature-256: sha256=<hex HMAC-SHA256 of the body>`, the key being the
 * secret's UTF-8 bytes. No timestamp and no id are signed, so there is no replay window check;
 * GitHub carries one signature, so signing with several secrets uses the first.
 */
export const githubScheme: SchemeDefinition<HmacKey> = {
  name: 'github',
  requiresId: false,
  defaultHeaderName: SIGNATURE_HEADER,

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
    const header = readListHeader(headers, SIGNATURE_HEADER, ',')
    if (header === undefined) {
      throw new WebhookVerificationError(
        'MISSING_HEADER',
        `Missing ${SIGNATURE_HEADER} header: GitHub sends it when the webhook has a secret (the SHA-1 X-Hub-Signature is not supported).`,
      )
    }
    const entries: SignatureEntry[] = []
    for (const item of header.split(',')) {
      const equals = item.indexOf('=')
      if (equals <= 0) continue
      entries.push({ version: item.slice(0, equals).trim(), value: item.slice(equals + 1).trim() })
    }
    if (entries.length === 0) {
      throw new WebhookVerificationError('INVALID_HEADER', `The ${SIGNATURE_HEADER} header must look like 'sha256=<hex>'.`)
    }
    // Not covered by the signature: GitHub does not sign it. Useful to deduplicate redeliveries.
    const id = readSingleHeader(headers, DELIVERY_HEADER) ?? null
    return { id, timestamp: null, signedPrefix: '', entries, header: SIGNATURE_HEADER }
  },

  matches(key, received, payload) {
    let expected: string | undefined
    for (const entry of received.entries) {
      if (entry.version !== 'sha256') continue
      expected ??= hmacSha256(key.key, '', payload, 'hex')
      if (constantTimeEqual(entry.value, expected)) return true
    }
    return false
  },

  mismatchHint(_keys, received) {
    if (!received.entries.some((entry) => entry.version === 'sha256')) return ` The ${SIGNATURE_HEADER} header has no sha256= signature.`
    return ''
  },
}
