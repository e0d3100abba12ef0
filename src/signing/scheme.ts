import type { KeyResolution } from './secrets.js'
import type { EntrySyntax, SignatureEntry } from './signature-entries.js'

/**
 * How webhooks are signed:
 * - `'standard'`: [Standard Webhooks](https://www.standardwebhooks.com): `webhook-id`,
 *   `webhook-timestamp`, `webhook-signature: v1,<base64 HMAC-SHA256>` (or `v1a,<base64 ed25519>`).
 * - `'stripe'`: `stripe-signature: t=<unix s>,v1=<hex HMAC-SHA256 of "t.payload">`.
 * - `'github'`: `x-hub-signature-256: sha256=<hex HMAC-SHA256 of the body>`.
 */
export type SigningScheme = 'standard' | 'stripe' | 'github'

/** Every {@link SigningScheme}, in documentation order. */
export const SIGNING_SCHEMES: readonly SigningScheme[] = Object.freeze(['standard', 'stripe', 'github'])

/** True when `value` names a {@link SigningScheme}. */
export function isSigningScheme(value: unknown): value is SigningScheme {
  return value === 'standard' || value === 'stripe' || value === 'github'
}

/** What one signature covers, once options are validated. */
export interface SigningInput {
  readonly id: string
  readonly timestamp: number
  readonly payload: string | Uint8Array
  /** Lower-case name of the signature header (only the stripe scheme lets it vary). */
  readonly headerName: string
}

/** What a scheme read from the request headers. */
export interface ReceivedSignatures {
  readonly id: string | null
  readonly timestamp: number | null
  /** The text signed before the payload, e.g. `${id}.${timestamp}.` for standard. */
  readonly signedPrefix: string
  /** The signature header's value, entries unparsed (they are scanned in place when matching). */
  readonly signatures: string
  /** Name of the header the signatures came from, for messages. */
  readonly header: string
}

/**
 * One signing scheme behind a small interface, so sign() and verify() stay free of per-scheme
 * branches. `K` is the decoded key material.
 */
export interface SchemeDefinition<K> {
  readonly name: SigningScheme
  /** True when a message id is part of the signed content (sign() then requires `id`). */
  readonly requiresId: boolean
  /** The lower-case header names the scheme writes and reads. */
  headerNames(signatureHeader: string): readonly string[]
  /** Default name of the signature header. */
  readonly defaultHeaderName: string
  /** How entries are written in the signature header. */
  readonly entrySyntax: EntrySyntax
  /** Decodes a secret, or says what is wrong with it. */
  resolveKey(secret: unknown): KeyResolution<K>
  /** Why this key cannot sign (e.g. it is a public key), or null. */
  signingProblem(key: K): string | null
  /** The headers carrying signatures of `input` with every key. */
  sign(keys: readonly K[], input: SigningInput): Record<string, string>
  /** Reads id, timestamp and the signature header; throws `WebhookVerificationError` for missing/malformed headers. */
  read(headers: unknown, signatureHeader: string): ReceivedSignatures
  /** True when one of the received entries is a valid signature of the payload with `key`. */
  matches(key: K, received: ReceivedSignatures, payload: string | Uint8Array): boolean
  /** A hint for `NO_MATCHING_SIGNATURE`, e.g. that only unknown versions were present. Never secret material. */
  mismatchHint(keys: readonly K[], entries: readonly SignatureEntry[], received: ReceivedSignatures): string
}
