import { describe, expect, it } from 'vitest'
import {
  generateSecret,
  sign,
  verify,
  WebhookVerificationError,
  type SigningScheme,
  type VerifyOptions,
  type WebhookVerificationErrorCode,
} from '../../src/signing/index.js'

const T = 1_700_000_000
const payload = '{"type":"order.created","data":{"id":"ord_1"}}'
const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'

function refusal(options: VerifyOptions): WebhookVerificationError {
  try {
    verify(options)
  } catch (error) {
    expect(error).toBeInstanceOf(WebhookVerificationError)
    return error as WebhookVerificationError
  }
  throw new Error('verify() accepted the request')
}

function expectCode(options: VerifyOptions, code: WebhookVerificationErrorCode): WebhookVerificationError {
  const error = refusal(options)
  expect(error.code).toBe(code)
  return error
}

describe('verify: rotation', () => {
  const [current, previous] = [generateSecret(), generateSecret()]

  it('accepts a request signed with the previous secret while both are configured', () => {
    const headers = sign({ secret: previous, id: 'msg_1', timestamp: T, payload })
    expect(verify({ secrets: [current, previous], payload, headers, now: T }).id).toBe('msg_1')
  })

  it('accepts a request carrying both signatures with either secret alone', () => {
    const headers = sign({ secrets: [current, previous], id: 'msg_1', timestamp: T, payload })
    expect(headers['webhook-signature']!.split(' ')).toHaveLength(2)
    expect(verify({ secret: current, payload, headers, now: T }).id).toBe('msg_1')
    expect(verify({ secret: previous, payload, headers, now: T }).id).toBe('msg_1')
  })

  it('tries secret and secrets together', () => {
    const headers = sign({ secret: previous, id: 'msg_1', timestamp: T, payload })
    expect(verify({ secret: current, secrets: [previous], payload, headers, now: T }).id).toBe('msg_1')
  })

  it('refuses a request signed only with a secret no longer configured', () => {
    const headers = sign({ secret: previous, id: 'msg_1', timestamp: T, payload })
    expectCode({ secrets: [current], payload, headers, now: T }, 'NO_MATCHING_SIGNATURE')
  })

  it.each(['stripe', 'github'] as const)('rotates for the %s scheme too', (scheme) => {
    const headers = sign({ scheme, secrets: [current, previous], payload, timestamp: T })
    expect(verify({ scheme, secret: current, payload, headers, now: T }).scheme).toBe(scheme)
    if (scheme === 'stripe') expect(verify({ scheme, secret: previous, payload, headers, now: T }).scheme).toBe(scheme)
  })
})

describe('verify: signature versions', () => {
  const signed = sign({ secret, id: 'msg_1', timestamp: T, payload })

  it('ignores unknown standard versions next to a valid v1', () => {
    const headers = { ...signed, 'webhook-signature': `v2,abc v0,def ${signed['webhook-signature']} nonsense` }
    expect(verify({ secret, payload, headers, now: T }).id).toBe('msg_1')
  })

  it('refuses a header with only unknown versions, saying which versions are supported', () => {
    const headers = { ...signed, 'webhook-signature': signed['webhook-signature']!.replace('v1,', 'v2,') }
    const error = expectCode({ secret, payload, headers, now: T }, 'NO_MATCHING_SIGNATURE')
    expect(error.message).toMatch(/v1 \(HMAC\)/)
  })

  it('refuses a signature header without any version,signature entry', () => {
    expectCode({ secret, payload, headers: { ...signed, 'webhook-signature': 'garbage' }, now: T }, 'INVALID_HEADER')
  })

  it('refuses a truncated signature', () => {
    const headers = { ...signed, 'webhook-signature': signed['webhook-signature']!.slice(0, 20) }
    expectCode({ secret, payload, headers, now: T }, 'NO_MATCHING_SIGNATURE')
    expectCode({ secret, payload, headers: { ...signed, 'webhook-signature': 'v1,' }, now: T }, 'NO_MATCHING_SIGNATURE')
  })

  it('ignores stripe v0= entries and accepts the v1= one', () => {
    const stripe = sign({ scheme: 'stripe', secret, payload, timestamp: T })['stripe-signature']!
    const header = stripe.replace(',v1=', ',v0=0000,v1=')
    expect(verify({ scheme: 'stripe', secret, payload, headers: { 'stripe-signature': header }, now: T }).timestamp).toBe(T)
  })

  it('refuses a stripe header with only v0= entries', () => {
    const stripe = sign({ scheme: 'stripe', secret, payload, timestamp: T })['stripe-signature']!
    expectCode({ scheme: 'stripe', secret, payload, headers: { 'stripe-signature': stripe.replace('v1=', 'v0=') }, now: T }, 'NO_MATCHING_SIGNATURE')
  })

  it('refuses the SHA-1 github signature alone', () => {
    expectCode({ scheme: 'github', secret, payload, headers: { 'x-hub-signature-256': 'sha1=abcdef' } }, 'NO_MATCHING_SIGNATURE')
    expectCode({ scheme: 'github', secret, payload, headers: { 'x-hub-signature': 'sha1=abcdef' } }, 'MISSING_HEADER')
  })

  it('refuses an upper-case hex signature like the GitHub and Stripe libraries do', () => {
    const github = sign({ scheme: 'github', secret, payload })['x-hub-signature-256']!
    expectCode({ scheme: 'github', secret, payload, headers: { 'x-hub-signature-256': 'sha256=' + github.slice(7).toUpperCase() } }, 'NO_MATCHING_SIGNATURE')
  })
})

describe('verify: header shapes', () => {
  const signed = sign({ secret, id: 'msg_1', timestamp: T, payload })

  it('reads a plain object in any letter case', () => {
    const headers = {
      'Webhook-Id': signed['webhook-id'],
      'WEBHOOK-TIMESTAMP': signed['webhook-timestamp'],
      'webhook-Signature': signed['webhook-signature'],
    }
    expect(verify({ secret, payload, headers, now: T }).id).toBe('msg_1')
  })

  it('reads Node IncomingHttpHeaders with string arrays', () => {
    const headers: Record<string, string | string[] | undefined> = {
      'webhook-id': ['msg_1'],
      'webhook-timestamp': String(T),
      'webhook-signature': ['v1,bm90IGEgc2lnbmF0dXJlIGF0IGFsbCBhdCBhbGwgYXQgYQ==', signed['webhook-signature']!],
      'set-cookie': ['a=b'],
      'x-empty': undefined,
    }
    expect(verify({ secret, payload, headers, now: T }).id).toBe('msg_1')
  })

  it('reads Fetch Headers', () => {
    expect(verify({ secret, payload, headers: new Headers(signed), now: T }).id).toBe('msg_1')
    const stripe = sign({ scheme: 'stripe', secret, payload, timestamp: T })
    expect(verify({ scheme: 'stripe', secret, payload, headers: new Headers({ 'Stripe-Signature': stripe['stripe-signature']! }), now: T }).timestamp).toBe(T)
  })

  it('accepts a signature header repeated by a proxy and joined with ", "', () => {
    const headers = new Headers({ 'webhook-id': 'msg_1', 'webhook-timestamp': String(T) })
    headers.append('webhook-signature', 'v1,bm90IGEgc2lnbmF0dXJlIGF0IGFsbCBhdCBhbGwgYXQgYQ==')
    headers.append('webhook-signature', signed['webhook-signature']!)
    expect(verify({ secret, payload, headers, now: T }).id).toBe('msg_1')
  })

  it('tolerates spaces around stripe entries and tabs around standard entries', () => {
    const stripe = sign({ scheme: 'stripe', secret, payload, timestamp: T })['stripe-signature']!
    expect(verify({ scheme: 'stripe', secret, payload, headers: { 'stripe-signature': stripe.replace(',', ' , ') }, now: T }).timestamp).toBe(T)
    const headers = { ...signed, 'webhook-signature': `v2,abc \t${signed['webhook-signature']}\t` }
    expect(verify({ secret, payload, headers, now: T }).id).toBe('msg_1')
  })

  it('refuses a signature with extra characters around it', () => {
    for (const mangled of [`${signed['webhook-signature']}=`, `${signed['webhook-signature']}x`, signed['webhook-signature']!.replace('v1,', 'v1,,')]) {
      expectCode({ secret, payload, headers: { ...signed, 'webhook-signature': mangled }, now: T }, 'NO_MATCHING_SIGNATURE')
    }
  })

  it('refuses a webhook-id given twice with different values', () => {
    const headers = { ...signed, 'webhook-id': ['msg_1', 'msg_2'] }
    expectCode({ secret, payload, headers, now: T }, 'INVALID_HEADER')
  })

  it('names every missing standard header', () => {
    const error = expectCode({ secret, payload, headers: { 'webhook-id': 'msg_1' }, now: T }, 'MISSING_HEADER')
    expect(error.message).toContain('webhook-timestamp, webhook-signature')
    expectCode({ secret, payload, headers: { ...signed, 'webhook-id': '' }, now: T }, 'MISSING_HEADER')
    expectCode({ secret, payload, headers: {}, now: T }, 'MISSING_HEADER')
  })

  it('reads a custom stripe header name in any case', () => {
    const headers = sign({ scheme: 'stripe', secret, payload, timestamp: T, headerName: 'X-Acme-Signature' })
    expect(Object.keys(headers)).toEqual(['x-acme-signature'])
    const options = { scheme: 'stripe' as const, secret, payload, now: T, headers: { 'X-ACME-Signature': headers['x-acme-signature'] } }
    expect(verify({ ...options, headerName: 'x-acme-signature' }).timestamp).toBe(T)
    expectCode(options, 'MISSING_HEADER')
  })

  it('returns the x-github-delivery header as id for github', () => {
    const headers = { ...sign({ scheme: 'github', secret, payload }), 'X-GitHub-Delivery': '72d3162e-cc78-11e3-81ab-4c9367dc0958' }
    expect(verify({ scheme: 'github', secret, payload, headers }).id).toBe('72d3162e-cc78-11e3-81ab-4c9367dc0958')
  })
})

describe('verify: timestamps', () => {
  const cases: [SigningScheme, (timestamp: number) => Record<string, string>][] = [
    ['standard', (timestamp) => sign({ secret, id: 'msg_1', timestamp, payload })],
    ['stripe', (timestamp) => sign({ scheme: 'stripe', secret, timestamp, payload })],
  ]

  describe.each(cases)('%s', (scheme, signAt) => {
    it('accepts a timestamp exactly at the tolerance in both directions', () => {
      expect(verify({ scheme, secret, payload, headers: signAt(T - 300), now: T }).timestamp).toBe(T - 300)
      expect(verify({ scheme, secret, payload, headers: signAt(T + 300), now: T }).timestamp).toBe(T + 300)
    })

    it('refuses a timestamp one second too old with TIMESTAMP_TOO_OLD', () => {
      expectCode({ scheme, secret, payload, headers: signAt(T - 301), now: T }, 'TIMESTAMP_TOO_OLD')
    })

    it('refuses a timestamp one second too far in the future with TIMESTAMP_TOO_NEW', () => {
      expectCode({ scheme, secret, payload, headers: signAt(T + 301), now: T }, 'TIMESTAMP_TOO_NEW')
    })

    it('uses the tolerance given as a duration', () => {
      expect(verify({ scheme, secret, payload, headers: signAt(T - 3599), now: T, tolerance: '1h' }).timestamp).toBe(T - 3599)
      expectCode({ scheme, secret, payload, headers: signAt(T - 11), now: T, tolerance: 10_000 }, 'TIMESTAMP_TOO_OLD')
      expectCode({ scheme, secret, payload, headers: signAt(T + 11), now: new Date(T * 1000), tolerance: '10s' }, 'TIMESTAMP_TOO_NEW')
    })

    it('skips the time check with tolerance: false', () => {
      expect(verify({ scheme, secret, payload, headers: signAt(1), now: T, tolerance: false }).timestamp).toBe(1)
    })
  })

  it('refuses a non-numeric standard timestamp with INVALID_TIMESTAMP', () => {
    const headers = { ...sign({ secret, id: 'msg_1', timestamp: T, payload }), 'webhook-timestamp': '1700000000.5' }
    expectCode({ secret, payload, headers, now: T }, 'INVALID_TIMESTAMP')
    expectCode({ secret, payload, headers: { ...headers, 'webhook-timestamp': 'hello' }, now: T }, 'INVALID_TIMESTAMP')
  })

  it('accepts a repeated identical t= and refuses two different ones', () => {
    const stripe = sign({ scheme: 'stripe', secret, payload, timestamp: T })['stripe-signature']!
    expect(verify({ scheme: 'stripe', secret, payload, headers: { 'stripe-signature': `${stripe},t=${T}` }, now: T }).timestamp).toBe(T)
    expectCode({ scheme: 'stripe', secret, payload, headers: { 'stripe-signature': `${stripe},t=${T + 1}` }, now: T }, 'INVALID_HEADER')
    expectCode({ scheme: 'stripe', secret, payload, headers: { 'stripe-signature': `${stripe},t=${T}0` }, now: T }, 'INVALID_HEADER')
  })

  it('refuses a stripe header without t= (INVALID_HEADER) or with a bad one (INVALID_TIMESTAMP)', () => {
    expectCode({ scheme: 'stripe', secret, payload, headers: { 'stripe-signature': 'v1=abc' } }, 'INVALID_HEADER')
    expectCode({ scheme: 'stripe', secret, payload, headers: { 'stripe-signature': 't=soon,v1=abc' } }, 'INVALID_TIMESTAMP')
  })

  it('checks the time before the signature, so a stale forgery costs no HMAC', () => {
    const headers = { 'webhook-id': 'msg_1', 'webhook-timestamp': String(T - 1000), 'webhook-signature': 'v1,forged' }
    expectCode({ secret, payload, headers, now: T }, 'TIMESTAMP_TOO_OLD')
  })

  it('ignores tolerance for github, which signs no timestamp', () => {
    const headers = sign({ scheme: 'github', secret, payload, timestamp: 1 })
    expect(verify({ scheme: 'github', secret, payload, headers, now: T, tolerance: '1s' }).timestamp).toBeNull()
  })
})

describe('verify: refusals and their codes', () => {
  const headers = sign({ secret, id: 'msg_1', timestamp: T, payload })

  it('refuses a changed payload, id or timestamp', () => {
    expectCode({ secret, payload: payload + ' ', headers, now: T }, 'NO_MATCHING_SIGNATURE')
    expectCode({ secret, payload, headers: { ...headers, 'webhook-id': 'msg_2' }, now: T }, 'NO_MATCHING_SIGNATURE')
    expectCode({ secret, payload, headers: { ...headers, 'webhook-timestamp': String(T + 1) }, now: T }, 'NO_MATCHING_SIGNATURE')
  })

  it('accepts the payload as string, Buffer or Uint8Array alike', () => {
    expect(verify({ secret, payload: Buffer.from(payload), headers, now: T }).id).toBe('msg_1')
    expect(verify({ secret, payload: new TextEncoder().encode(payload), headers, now: T }).id).toBe('msg_1')
  })

  it('refuses parsed JSON as payload with INVALID_PAYLOAD', () => {
    const error = expectCode({ secret, payload: JSON.parse(payload) as string, headers, now: T }, 'INVALID_PAYLOAD')
    expect(error.message).toMatch(/raw request body/)
  })

  it('reports a missing or malformed secret as INVALID_SECRET', () => {
    expectCode({ payload, headers, now: T }, 'INVALID_SECRET')
    expectCode({ secret: process.env.HOOKRELAY_UNSET_SECRET, payload, headers, now: T }, 'INVALID_SECRET')
    expectCode({ secrets: [], payload, headers, now: T }, 'INVALID_SECRET')
    expectCode({ secret: '', payload, headers, now: T }, 'INVALID_SECRET')
    expectCode({ secret: 'whsec_not base64!', payload, headers, now: T }, 'INVALID_SECRET')
    expectCode({ secrets: [secret, 'whsec_%%%'], payload, headers, now: T }, 'INVALID_SECRET')
    expectCode({ scheme: 'stripe', secret: 'whpk_' + Buffer.alloc(32, 1).toString('base64'), payload, headers, now: T }, 'INVALID_SECRET')
  })

  it('hints at a trailing newline in a stripe secret', () => {
    const signed = sign({ scheme: 'stripe', secret, payload, timestamp: T })
    const error = expectCode({ scheme: 'stripe', secret: secret + '\n', payload, headers: signed, now: T }, 'NO_MATCHING_SIGNATURE')
    expect(error.message).toMatch(/trailing newline/)
  })

  it('reports bad options as INVALID_OPTIONS rather than another error class', () => {
    expectCode({ scheme: 'svix' as SigningScheme, secret, payload, headers }, 'INVALID_OPTIONS')
    expectCode({ secret, payload, headers, tolerance: 'soon' }, 'INVALID_OPTIONS')
    expectCode({ secret, payload, headers, now: Date.now() }, 'INVALID_OPTIONS')
    expectCode({ scheme: 'stripe', secret, payload, headers, headerName: 'not a header' }, 'INVALID_OPTIONS')
    expectCode(undefined as unknown as VerifyOptions, 'INVALID_OPTIONS')
  })

  it('never puts the expected signature or the secret in a message', () => {
    const tampered = payload.replace('ord_1', 'ord_2')
    const expected = sign({ secret, id: 'msg_1', timestamp: T, payload: tampered })['webhook-signature']!.slice(3)
    const messages = [
      refusal({ secret, payload: tampered, headers, now: T }).message,
      refusal({ secrets: [secret, generateSecret()], payload: tampered, headers, now: T }).message,
      refusal({ secret: secret + ' ', payload, headers, now: T }).message,
      refusal({ scheme: 'stripe', secret, payload: tampered, headers: sign({ scheme: 'stripe', secret, payload, timestamp: T }), now: T }).message,
    ]
    const stripeExpected = sign({ scheme: 'stripe', secret, payload: tampered, timestamp: T })['stripe-signature']!.split('v1=')[1]!
    for (const message of messages) {
      expect(message).not.toContain(expected)
      expect(message).not.toContain(stripeExpected)
      expect(message).not.toContain(secret.slice(6))
    }
  })

  it('is a HookrelayError with a stable code and name', () => {
    const error = expectCode({ secret, payload: payload + 'x', headers, now: T }, 'NO_MATCHING_SIGNATURE')
    expect(error.name).toBe('WebhookVerificationError')
    expect(error).toBeInstanceOf(Error)
  })
})
