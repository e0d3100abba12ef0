import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { generateKeyPair, generateSecret, sign, verify, WebhookVerificationError, type SigningScheme } from '../../src/signing/index.js'

const RUNS = { numRuns: 300 }
const T = 1_700_000_000
const hmacSecret = generateSecret()
const keyPair = generateKeyPair()

const headerNames = fc.oneof(
  fc.constantFrom(
    'webhook-id',
    'Webhook-Id',
    'webhook-timestamp',
    'WEBHOOK-TIMESTAMP',
    'webhook-signature',
    'Webhook-Signature',
    'stripe-signature',
    'x-hub-signature-256',
    'X-GitHub-Delivery',
  ),
  fc.string(),
)
const signatureLike = fc.oneof(
  fc.string(),
  fc.base64String().map((value) => `v1,${value}`),
  fc.base64String().map((value) => `v1a,${value}`),
  fc.stringMatching(/^t=\d{1,12}(,v[01]=[0-9a-f]{0,64}){0,3}$/),
  fc.stringMatching(/^sha256=[0-9a-f]{0,64}$/),
  fc.constantFrom(String(T), '', ' ', ',', '=', 't=', 'v1,', 'v1a,', 'sha256='),
)
const headerValue = fc.oneof(signatureLike, fc.array(signatureLike, { maxLength: 4 }), fc.constant(undefined))
const arbitraryHeaders = fc.dictionary(headerNames, headerValue, { maxKeys: 8 })
const payloads = fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.uint8Array({ maxLength: 256 }))
const schemes = fc.constantFrom<SigningScheme>('standard', 'stripe', 'github')
const secrets = fc.oneof(fc.constantFrom(hmacSecret, keyPair.publicKey, keyPair.secretKey), fc.string())

function onlyVerificationErrors(run: () => unknown): boolean {
  try {
    run()
  } catch (error) {
    if (!(error instanceof WebhookVerificationError)) throw error
  }
  return true
}

describe('verify never throws anything but WebhookVerificationError', () => {
  it('for arbitrary headers, payloads, schemes and secrets', () => {
    fc.assert(
      fc.property(schemes, secrets, payloads, arbitraryHeaders, (scheme, secret, payload, headers) =>
        onlyVerificationErrors(() => verify({ scheme, secret, payload, headers, now: T })),
      ),
      RUNS,
    )
  })

  it('for arbitrary headers wrapped in Fetch Headers', () => {
    const safeHeaders = fc.dictionary(fc.constantFrom('webhook-id', 'webhook-timestamp', 'webhook-signature', 'stripe-signature', 'x-hub-signature-256'), fc.stringMatching(/^[\x21-\x7e]{0,80}$/))
    fc.assert(
      fc.property(schemes, payloads, safeHeaders, (scheme, payload, headers) =>
        onlyVerificationErrors(() => verify({ scheme, secret: hmacSecret, payload, headers: new Headers(headers), now: T })),
      ),
      RUNS,
    )
  })

  it('for arbitrary values in every option', () => {
    fc.assert(
      fc.property(fc.record({ scheme: fc.anything(), secret: fc.anything(), secrets: fc.anything(), payload: fc.anything(), headers: fc.anything(), tolerance: fc.anything(), now: fc.anything(), headerName: fc.anything() }, { requiredKeys: [] }), (options) =>
        onlyVerificationErrors(() => verify(options as never)),
      ),
      RUNS,
    )
  })
})

type Signed = { scheme: SigningScheme; secret: string; verifySecret: string }
const signers = fc.constantFrom<Signed>(
  { scheme: 'standard', secret: hmacSecret, verifySecret: hmacSecret },
  { scheme: 'standard', secret: keyPair.secretKey, verifySecret: keyPair.publicKey },
  { scheme: 'stripe', secret: hmacSecret, verifySecret: hmacSecret },
  { scheme: 'github', secret: hmacSecret, verifySecret: hmacSecret },
)
// Well-formed Unicode: strings are signed as UTF-8, where lone surrogates would all become U+FFFD.
const bodies = fc.oneof(fc.string({ unit: 'grapheme' }), fc.uint8Array({ maxLength: 512 }))
const ids = fc.stringMatching(/^[\x21-\x7e]{1,40}$/)
const timestamps = fc.integer({ min: 0, max: 99_999_999_999 })

function bytesOf(payload: string | Uint8Array): Buffer {
  return typeof payload === 'string' ? Buffer.from(payload, 'utf8') : Buffer.from(payload)
}

function refusedWithoutMatch(run: () => unknown): boolean {
  try {
    run()
    return false
  } catch (error) {
    return error instanceof WebhookVerificationError && error.code === 'NO_MATCHING_SIGNATURE'
  }
}

describe('a signed request round-trips and every mutation is refused', () => {
  it('verifies what sign() makes', () => {
    fc.assert(
      fc.property(signers, bodies, ids, timestamps, ({ scheme, secret, verifySecret }, payload, id, timestamp) => {
        const headers = sign({ scheme, secret, id, timestamp, payload })
        const result = verify({ scheme, secret: verifySecret, payload, headers, now: timestamp })
        expect(result.scheme).toBe(scheme)
        expect(result.id).toBe(scheme === 'standard' ? id : null)
        expect(result.timestamp).toBe(scheme === 'github' ? null : timestamp)
      }),
      RUNS,
    )
  })

  it('refuses any other payload', () => {
    fc.assert(
      fc.property(signers, bodies, bodies, ids, ({ scheme, secret, verifySecret }, payload, other, id) => {
        fc.pre(!bytesOf(payload).equals(bytesOf(other)))
        const headers = sign({ scheme, secret, id, timestamp: T, payload })
        return refusedWithoutMatch(() => verify({ scheme, secret: verifySecret, payload: other, headers, now: T }))
      }),
      RUNS,
    )
  })

  it('refuses a one-byte change of the payload', () => {
    fc.assert(
      fc.property(signers, fc.uint8Array({ minLength: 1, maxLength: 512 }), fc.nat(), fc.integer({ min: 1, max: 255 }), ({ scheme, secret, verifySecret }, payload, at, flip) => {
        const headers = sign({ scheme, secret, id: 'msg_1', timestamp: T, payload })
        const changed = Uint8Array.from(payload)
        changed[at % changed.length]! ^= flip
        return refusedWithoutMatch(() => verify({ scheme, secret: verifySecret, payload: changed, headers, now: T }))
      }),
      RUNS,
    )
  })

  it('refuses any other webhook-id (standard)', () => {
    const standard = fc.constantFrom(hmacSecret, keyPair.secretKey)
    fc.assert(
      fc.property(standard, bodies, ids, ids, (secret, payload, id, other) => {
        fc.pre(id !== other)
        const headers = { ...sign({ secret, id, timestamp: T, payload }), 'webhook-id': other }
        const verifySecret = secret === hmacSecret ? hmacSecret : keyPair.publicKey
        return refusedWithoutMatch(() => verify({ secret: verifySecret, payload, headers, now: T }))
      }),
      RUNS,
    )
  })

  it('refuses any other timestamp (standard and stripe)', () => {
    const timed = fc.constantFrom<Signed>(
      { scheme: 'standard', secret: hmacSecret, verifySecret: hmacSecret },
      { scheme: 'standard', secret: keyPair.secretKey, verifySecret: keyPair.publicKey },
      { scheme: 'stripe', secret: hmacSecret, verifySecret: hmacSecret },
    )
    fc.assert(
      fc.property(timed, bodies, timestamps, timestamps, ({ scheme, secret, verifySecret }, payload, timestamp, other) => {
        fc.pre(timestamp !== other)
        const headers = sign({ scheme, secret, id: 'msg_1', timestamp, payload })
        const forged =
          scheme === 'standard'
            ? { ...headers, 'webhook-timestamp': String(other) }
            : { 'stripe-signature': headers['stripe-signature']!.replace(`t=${timestamp},`, `t=${other},`) }
        // tolerance: false isolates the signature check from the time check.
        return refusedWithoutMatch(() => verify({ scheme, secret: verifySecret, payload, headers: forged, tolerance: false }))
      }),
      RUNS,
    )
  })
})
