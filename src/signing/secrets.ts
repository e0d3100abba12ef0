import { Buffer } from 'node:buffer'
import {
  createPrivateKey,
  createPublicKey,
  createSecretKey,
  generateKeyPairSync,
  randomBytes,
  type KeyObject,
} from 'node:crypto'
import { KeyCache } from './key-cache.js'

/** Prefix of a symmetric (HMAC) secret: `whsec_` + base64 of the key bytes. */
export const SECRET_PREFIX = 'whsec_'
/** Prefix of an ed25519 secret key: `whsk_` + base64 of the raw 32-byte seed. */
export const SECRET_KEY_PREFIX = 'whsk_'
/** Prefix of an ed25519 public key: `whpk_` + base64 of the raw 32-byte public key. */
export const PUBLIC_KEY_PREFIX = 'whpk_'

/**
 * A new symmetric signing secret: `'whsec_'` + base64 of 24 random bytes (192 bits), the format
 * of the Standard Webhooks reference libraries. Store it with the endpoint and share it with the
 * receiver once.
 *
 * @example
 * const secret = generateSecret() // 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'
 */
export function generateSecret(): string {
  return SECRET_PREFIX + randomBytes(24).toString('base64')
}

/** An ed25519 key pair for Standard Webhooks `v1a` signatures. */
export interface WebhookKeyPair {
  /** `'whsk_'` + base64 of the raw 32-byte ed25519 seed. Keep it on the sender; sign with it. */
  readonly secretKey: string
  /** `'whpk_'` + base64 of the raw 32-byte ed25519 public key. Give it to receivers; verify with it. */
  readonly publicKey: string
}

/**
 * A new ed25519 key pair for asymmetric Standard Webhooks signatures (`v1a`). The sender signs with
 * `secretKey`; receivers verify with `publicKey` and cannot forge signatures.
 *
 * Both keys are raw (not PKCS#8/SPKI): the secret key is the 32-byte seed. `whsk_` keys of 64 bytes
 * (seed followed by public key, the libsodium layout) are accepted too.
 *
 * @example
 * const { secretKey, publicKey } = generateKeyPair()
 * const headers = sign({ secret: secretKey, id, payload })   // webhook-signature: v1a,…
 * verify({ secret: publicKey, payload, headers })
 */
export function generateKeyPair(): WebhookKeyPair {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519')
  const jwk = privateKey.export({ format: 'jwk' })
  const seed = Buffer.from(jwk.d ?? '', 'base64url')
  return {
    secretKey: SECRET_KEY_PREFIX + seed.toString('base64'),
    publicKey: PUBLIC_KEY_PREFIX + rawPublicKey(publicKey).toString('base64'),
  }
}

/** HMAC-SHA256 key material. */
export interface HmacKey {
  readonly kind: 'hmac'
  readonly key: KeyObject
}

/** ed25519 key material; `privateKey` is null when only the public key (`whpk_`) is known. */
export interface Ed25519Key {
  readonly kind: 'ed25519'
  readonly privateKey: KeyObject | null
  readonly publicKey: KeyObject
}

/** What a Standard Webhooks secret decodes to. */
export type StandardKey = HmacKey | Ed25519Key

/** A decoded key, or a sentence saying what is wrong with the secret (never the secret itself). */
export type KeyResolution<K> = K | string

const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex')
const SPKI_ED25519_PREFIX = Buffer.from('302a300506032b6570032100', 'hex')
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/

const standardKeys = new KeyCache<StandardKey>()
const utf8Keys = new KeyCache<HmacKey>()

/**
 * Decodes a Standard Webhooks secret: `whsec_…` (HMAC, base64 key), `whsk_…` (ed25519 secret key),
 * `whpk_…` (ed25519 public key), or a bare base64 key without prefix (HMAC), as the reference
 * libraries accept. Cached.
 */
export function resolveStandardKey(secret: unknown): KeyResolution<StandardKey> {
  if (typeof secret !== 'string') return describeNonString(secret)
  const cached = standardKeys.get(secret)
  if (cached !== undefined) return cached
  const resolved = decodeStandardKey(secret)
  if (typeof resolved !== 'string') standardKeys.set(secret, resolved)
  return resolved
}

/**
 * A secret used as HMAC key exactly as given (its UTF-8 bytes, prefix included), as Stripe and
 * GitHub do. Cached.
 */
export function resolveUtf8HmacKey(secret: unknown, scheme: string): KeyResolution<HmacKey> {
  if (typeof secret !== 'string') return describeNonString(secret)
  const cached = utf8Keys.get(secret)
  if (cached !== undefined) return cached
  if (secret.length === 0) return 'the secret is an empty string'
  if (secret.startsWith(SECRET_KEY_PREFIX) || secret.startsWith(PUBLIC_KEY_PREFIX)) {
    return `the ${scheme} scheme signs with HMAC and cannot use an ed25519 key (whsk_/whpk_); use the endpoint's shared secret, or the 'standard' scheme for ed25519`
  }
  const resolved: HmacKey = { kind: 'hmac', key: createSecretKey(Buffer.from(secret, 'utf8')) }
  utf8Keys.set(secret, resolved)
  return resolved
}

function decodeStandardKey(secret: string): KeyResolution<StandardKey> {
  if (secret.length === 0) return 'the secret is an empty string'
  if (secret.startsWith(SECRET_KEY_PREFIX)) {
    const bytes = decodeBase64(secret.slice(SECRET_KEY_PREFIX.length))
    if (bytes === null || (bytes.length !== 32 && bytes.length !== 64)) {
      return "a 'whsk_' secret key must be followed by the base64 of a 32-byte ed25519 seed (as generateKeyPair() makes)"
    }
    return ed25519FromSeed(bytes)
  }
  if (secret.startsWith(PUBLIC_KEY_PREFIX)) {
    const bytes = decodeBase64(secret.slice(PUBLIC_KEY_PREFIX.length))
    if (bytes === null || bytes.length !== 32) {
      return "a 'whpk_' public key must be followed by the base64 of a 32-byte ed25519 public key (as generateKeyPair() makes)"
    }
    try {
      const publicKey = createPublicKey({ key: Buffer.concat([SPKI_ED25519_PREFIX, bytes]), format: 'der', type: 'spki' })
      return { kind: 'ed25519', privateKey: null, publicKey }
    } catch {
      return "the 'whpk_' public key is not a valid ed25519 public key"
    }
  }
  const body = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret
  const bytes = decodeBase64(body)
  if (bytes === null || bytes.length === 0) {
    const hint = /\s/.test(secret) ? ' It contains whitespace: check for a trailing newline.' : ''
    return `a standard secret must be 'whsec_' followed by non-empty standard base64 (as generateSecret() makes).${hint}`
  }
  return { kind: 'hmac', key: createSecretKey(bytes) }
}

function ed25519FromSeed(bytes: Buffer): KeyResolution<Ed25519Key> {
  try {
    const seed = bytes.subarray(0, 32)
    const privateKey = createPrivateKey({ key: Buffer.concat([PKCS8_ED25519_PREFIX, seed]), format: 'der', type: 'pkcs8' })
    const publicKey = createPublicKey(privateKey)
    if (bytes.length === 64 && !rawPublicKey(publicKey).equals(bytes.subarray(32))) {
      return "the 64-byte 'whsk_' key's second half is not the public key of its first half"
    }
    return { kind: 'ed25519', privateKey, publicKey }
  } catch {
    return "the 'whsk_' secret key is not a valid ed25519 seed"
  }
}

/** Strict standard base64 (padding optional); null when anything else is in the string. */
function decodeBase64(text: string): Buffer | null {
  if (!BASE64.test(text)) return null
  const bytes = Buffer.from(text, 'base64')
  // Reject non-canonical input (bad length, stray bits) that Buffer would silently accept.
  if (bytes.toString('base64').replace(/=+$/, '') !== text.replace(/=+$/, '')) return null
  return bytes
}

function rawPublicKey(publicKey: KeyObject): Buffer {
  return publicKey.export({ format: 'der', type: 'spki' }).subarray(SPKI_ED25519_PREFIX.length)
}

function describeNonString(secret: unknown): string {
  return secret === undefined || secret === null
    ? 'no secret was given'
    : `a secret must be a string, got ${Array.isArray(secret) ? 'an array' : typeof secret}`
}
