import { generateKeyPairSync, sign as cryptoSign } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { generateKeyPair, generateSecret, sign, verify, WebhookVerificationError } from '../../src/signing/index.js'

const T = 1_700_000_000
const payload = '{"type":"invoice.paid"}'

function codeOf(run: () => unknown): string {
  try {
    run()
  } catch (error) {
    expect(error).toBeInstanceOf(WebhookVerificationError)
    return (error as WebhookVerificationError).code
  }
  return 'accepted'
}

describe('ed25519 (v1a)', () => {
  const { secretKey, publicKey } = generateKeyPair()

  it('signs v1a with a whsk_ key and verifies with the whpk_ key', () => {
    const headers = sign({ secret: secretKey, id: 'msg_1', timestamp: T, payload })
    expect(headers['webhook-signature']).toMatch(/^v1a,[A-Za-z0-9+/]{86}==$/)
    expect(verify({ secret: publicKey, payload, headers, now: T })).toEqual({ scheme: 'standard', id: 'msg_1', timestamp: T })
  })

  it('verifies with the whsk_ key as well (the public key is derived)', () => {
    const headers = sign({ secret: secretKey, id: 'msg_1', timestamp: T, payload: Buffer.from(payload) })
    expect(verify({ secret: secretKey, payload, headers, now: T }).id).toBe('msg_1')
  })

  it('refuses a v1a signature with a wrong public key', () => {
    const headers = sign({ secret: secretKey, id: 'msg_1', timestamp: T, payload })
    expect(codeOf(() => verify({ secret: generateKeyPair().publicKey, payload, headers, now: T }))).toBe('NO_MATCHING_SIGNATURE')
  })

  it('refuses a v1a signature of another payload, id or timestamp', () => {
    const headers = sign({ secret: secretKey, id: 'msg_1', timestamp: T, payload })
    expect(codeOf(() => verify({ secret: publicKey, payload: payload + ' ', headers, now: T }))).toBe('NO_MATCHING_SIGNATURE')
    expect(codeOf(() => verify({ secret: publicKey, payload, headers: { ...headers, 'webhook-id': 'msg_2' }, now: T }))).toBe('NO_MATCHING_SIGNATURE')
    expect(codeOf(() => verify({ secret: publicKey, payload, headers: { ...headers, 'webhook-timestamp': String(T - 1) }, now: T }))).toBe(
      'NO_MATCHING_SIGNATURE',
    )
  })

  it('does not accept a v1a signature as v1 or with an HMAC secret', () => {
    const headers = sign({ secret: secretKey, id: 'msg_1', timestamp: T, payload })
    const relabelled = { ...headers, 'webhook-signature': headers['webhook-signature']!.replace('v1a,', 'v1,') }
    expect(codeOf(() => verify({ secret: publicKey, payload, headers: relabelled, now: T }))).toBe('NO_MATCHING_SIGNATURE')
    expect(codeOf(() => verify({ secret: generateSecret(), payload, headers, now: T }))).toBe('NO_MATCHING_SIGNATURE')
  })

  it('verifies a mixed header with the public key and the HMAC secret alike', () => {
    const hmac = generateSecret()
    const headers = sign({ secrets: [hmac, secretKey], id: 'msg_1', timestamp: T, payload })
    expect(verify({ secret: publicKey, payload, headers, now: T }).id).toBe('msg_1')
    expect(verify({ secret: hmac, payload, headers, now: T }).id).toBe('msg_1')
  })

  it('signs exactly what node:crypto signs over id.timestamp.payload', () => {
    const { privateKey, publicKey: nodePublic } = generateKeyPairSync('ed25519')
    const seed = Buffer.from(privateKey.export({ format: 'jwk' }).d!, 'base64url')
    const raw = Buffer.from(nodePublic.export({ format: 'jwk' }).x!, 'base64url')
    const expected = cryptoSign(null, Buffer.from(`msg_1.${T}.${payload}`), privateKey).toString('base64')
    expect(sign({ secret: 'whsk_' + seed.toString('base64'), id: 'msg_1', timestamp: T, payload })['webhook-signature']).toBe(`v1a,${expected}`)
    const headers = { 'webhook-id': 'msg_1', 'webhook-timestamp': String(T), 'webhook-signature': `v1a,${expected}` }
    expect(verify({ secret: 'whpk_' + raw.toString('base64'), payload, headers, now: T }).id).toBe('msg_1')
  })

  it('accepts a 64-byte whsk_ key (seed + public key) and refuses one whose halves do not match', () => {
    const seed = Buffer.from(secretKey.slice(5), 'base64')
    const raw = Buffer.from(publicKey.slice(5), 'base64')
    const long = 'whsk_' + Buffer.concat([seed, raw]).toString('base64')
    const headers = sign({ secret: long, id: 'msg_1', timestamp: T, payload })
    expect(verify({ secret: publicKey, payload, headers, now: T }).id).toBe('msg_1')
    const mismatched = 'whsk_' + Buffer.concat([seed, Buffer.alloc(32, 7)]).toString('base64')
    expect(codeOf(() => verify({ secret: mismatched, payload, headers, now: T }))).toBe('INVALID_SECRET')
  })

  it('tells a receiver holding only an HMAC secret that the header has only v1a signatures', () => {
    const headers = sign({ secret: secretKey, id: 'msg_1', timestamp: T, payload })
    try {
      verify({ secret: generateSecret(), payload, headers, now: T })
      expect.unreachable()
    } catch (error) {
      expect((error as Error).message).toMatch(/only v1a/)
    }
  })

  it('refuses a malformed whpk_ key with INVALID_SECRET', () => {
    const headers = sign({ secret: secretKey, id: 'msg_1', timestamp: T, payload })
    expect(codeOf(() => verify({ secret: 'whpk_' + Buffer.alloc(31).toString('base64'), payload, headers, now: T }))).toBe('INVALID_SECRET')
  })
})
