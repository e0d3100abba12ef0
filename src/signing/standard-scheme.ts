import { Buffer } from 'node:buffer'
import { sign as ed25519Sign, verify as ed25519Verify } from 'node:crypto'
import { readListHeader, readSingleHeader } from './headers.js'
import { hmacSha256 } from './hmac.js'
import type { SchemeDefinition } from './scheme.js'
import { resolveStandardKey, type StandardKey } from './secrets.js'
import { entryValues, hasEntry, type EntrySyntax } from './signature-entries.js'
import { parseTimestampHeader } from './timestamps.js'
import { WebhookVerificationError } from './webhook-verification-error.js'

const ID_HEADER = 'webhook-id'
const TIMESTAMP_HEADER = 'webhook-timestamp'
const SIGNATURE_HEADER = 'webhook-signature'
const HEADER_NAMES = Object.freeze([ID_HEADER, TIMESTAMP_HEADER, SIGNATURE_HEADER])
/**
 * Svix, the reference sender of Standard Webhooks, names the same three headers `svix-id`,
 * `svix-timestamp` and `svix-signature` by default (its "branded" headers). They are read when a
 * request carries none of the `webhook-` names, never mixed with them.
 */
const SVIX_NAMES = Object.freeze({ id: 'svix-id', timestamp: 'svix-timestamp', signature: 'svix-signature' })
const STANDARD_NAMES = Object.freeze({ id: ID_HEADER, timestamp: TIMESTAMP_HEADER, signature: SIGNATURE_HEADER })
const SYNTAX: EntrySyntax = Object.freeze({ between: ' ', within: ',' })
const ED25519_SIGNATURE = /^[A-Za-z0-9+/]{86}==$/

/**
 * Standard Webhooks: the signed content is `${id}.${timestamp}.${payload}`; `v1` is base64
 * HMAC-SHA256 with a `whsec_` key, `v1a` base64 ed25519 with a `whsk_` key (verified with `whpk_`).
 * Several signatures are space-separated in one `webhook-signature` header.
 */
export const standardScheme: SchemeDefinition<StandardKey> = {
  name: 'standard',
  requiresId: true,
  defaultHeaderName: SIGNATURE_HEADER,
  entrySyntax: SYNTAX,

  headerNames() {
    return HEADER_NAMES
  },

  resolveKey: resolveStandardKey,

  signingProblem(key) {
    return key.kind === 'ed25519' && key.privateKey === null
      ? "a 'whpk_' public key can only verify; sign with the matching 'whsk_' secret key"
      : null
  },

  sign(keys, input) {
    const timestamp = String(input.timestamp)
    const prefix = input.id + '.' + timestamp + '.'
    let signature = signatureFor(keys[0]!, prefix, input.payload)
    for (let i = 1; i < keys.length; i++) signature += ' ' + signatureFor(keys[i]!, prefix, input.payload)
    return { 'webhook-id': input.id, 'webhook-timestamp': timestamp, 'webhook-signature': signature }
  },

  read(headers) {
    let names: { id: string; timestamp: string; signature: string } = STANDARD_NAMES
    let id = readSingleHeader(headers, ID_HEADER)
    let timestampText = readSingleHeader(headers, TIMESTAMP_HEADER)
    let signatures = readListHeader(headers, SIGNATURE_HEADER, ' ')
    if (id === undefined && timestampText === undefined && signatures === undefined) {
      const svixId = readSingleHeader(headers, SVIX_NAMES.id)
      if (svixId !== undefined) {
        names = SVIX_NAMES
        id = svixId
        timestampText = readSingleHeader(headers, SVIX_NAMES.timestamp)
        signatures = readListHeader(headers, SVIX_NAMES.signature, ' ')
      }
    }
    if (id === undefined || timestampText === undefined || signatures === undefined) {
      const missing = [id === undefined && names.id, timestampText === undefined && names.timestamp, signatures === undefined && names.signature].filter(Boolean)
      throw new WebhookVerificationError(
        'MISSING_HEADER',
        `Missing ${missing.join(', ')} header${missing.length > 1 ? 's' : ''}: a Standard Webhooks request carries webhook-id, webhook-timestamp and webhook-signature (or Svix's svix-id, svix-timestamp and svix-signature). Is the sender using another scheme?`,
      )
    }
    const timestamp = parseTimestampHeader(timestampText, names.timestamp)
    // The header text as sent (digits only), so the number need not be turned back into a string.
    return { id, timestamp, signedPrefix: id + '.' + timestampText + '.', signatures, header: names.signature }
  },

  matches(key, received, payload) {
    if (key.kind === 'hmac') {
      // Cheap pre-check so a header with only v1a entries costs no HMAC.
      if (!received.signatures.includes('v1,')) return false
      return hasEntry(received.signatures, SYNTAX, 'v1', hmacSha256(key.key, received.signedPrefix, payload, 'base64'))
    }
    let content: Buffer | undefined
    for (const value of entryValues(received.signatures, SYNTAX, 'v1a')) {
      if (!ED25519_SIGNATURE.test(value)) continue
      content ??= signedContent(received.signedPrefix, payload)
      try {
        if (ed25519Verify(null, content, key.publicKey, Buffer.from(value, 'base64'))) return true
      } catch {
        // A malformed signature is simply not a match.
      }
    }
    return false
  },

  mismatchHint(keys, entries) {
    const versions = new Set(entries.map((entry) => entry.version))
    const hmac = keys.some((key) => key.kind === 'hmac')
    const ed25519 = keys.some((key) => key.kind === 'ed25519')
    if (!versions.has('v1') && !versions.has('v1a')) {
      return ` The header has only signature versions this library does not know (${[...versions].slice(0, 5).join(', ')}); v1 (HMAC) and v1a (ed25519) are supported.`
    }
    if (!ed25519 && !versions.has('v1')) return " The header has only v1a (ed25519) signatures: verify with the sender's 'whpk_' public key."
    if (!hmac && !versions.has('v1a')) return " The header has only v1 (HMAC) signatures: verify with the endpoint's 'whsec_' secret."
    return ''
  },
}

function signatureFor(key: StandardKey, prefix: string, payload: string | Uint8Array): string {
  if (key.kind === 'hmac') return 'v1,' + hmacSha256(key.key, prefix, payload, 'base64')
  // signingProblem() rules out public-only keys before sign() is called.
  return 'v1a,' + ed25519Sign(null, signedContent(prefix, payload), key.privateKey!).toString('base64')
}

function signedContent(prefix: string, payload: string | Uint8Array): Buffer {
  return typeof payload === 'string' ? Buffer.from(prefix + payload, 'utf8') : Buffer.concat([Buffer.from(prefix, 'utf8'), payload])
}
