import { describe, expect, it } from 'vitest'
import { ValidationError } from '../../src/core/errors.js'
import {
  SIGNING_SCHEMES,
  generateKeyPair,
  generateSecret,
  isSigningScheme,
  sign,
  signatureHeaderNames,
  type SignOptions,
} from '../../src/signing/index.js'

const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'
const payload = '{"ok":true}'

function validationMessage(options: SignOptions): string {
  try {
    sign(options)
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError)
    return (error as ValidationError).message
  }
  throw new Error('sign() accepted the options')
}

describe('generateSecret', () => {
  it('makes whsec_ followed by the base64 of 24 random bytes', () => {
    const value = generateSecret()
    expect(value).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/)
    expect(Buffer.from(value.slice(6), 'base64')).toHaveLength(24)
    expect(generateSecret()).not.toBe(value)
  })
})

describe('generateKeyPair', () => {
  it('makes a whsk_ 32-byte seed and a whpk_ 32-byte public key', () => {
    const { secretKey, publicKey } = generateKeyPair()
    expect(Buffer.from(secretKey.replace(/^whsk_/, ''), 'base64')).toHaveLength(32)
    expect(Buffer.from(publicKey.replace(/^whpk_/, ''), 'base64')).toHaveLength(32)
    expect(secretKey.startsWith('whsk_') && publicKey.startsWith('whpk_')).toBe(true)
  })
})

describe('sign', () => {
  it('defaults to the standard scheme, lower-case headers and the current time', () => {
    const before = Math.floor(Date.now() / 1000)
    const headers = sign({ secret, id: 'msg_1', payload })
    expect(Object.keys(headers)).toEqual(['webhook-id', 'webhook-timestamp', 'webhook-signature'])
    expect(Number(headers['webhook-timestamp'])).toBeGreaterThanOrEqual(before)
    expect(Number(headers['webhook-timestamp'])).toBeLessThanOrEqual(Math.floor(Date.now() / 1000))
  })

  it('keeps the webhook-id stable across retries and changes the signature with the timestamp', () => {
    const first = sign({ secret, id: 'msg_1', timestamp: 1_700_000_000, payload })
    const retry = sign({ secret, id: 'msg_1', timestamp: 1_700_000_060, payload })
    expect(retry['webhook-id']).toBe(first['webhook-id'])
    expect(retry['webhook-signature']).not.toBe(first['webhook-signature'])
  })

  it('emits one space-separated entry per secret for standard', () => {
    const signature = sign({ secrets: [secret, generateSecret(), generateKeyPair().secretKey], id: 'msg_1', payload })['webhook-signature']!
    expect(signature).toMatch(/^v1,[A-Za-z0-9+/]{43}= v1,[A-Za-z0-9+/]{43}= v1a,[A-Za-z0-9+/]{86}==$/)
  })

  it('uses the stripe format t=…,v1=…', () => {
    expect(sign({ scheme: 'stripe', secret, timestamp: 1_700_000_000, payload })).toEqual({
      'stripe-signature': expect.stringMatching(/^t=1700000000,v1=[0-9a-f]{64}$/),
    })
  })

  it('truncates fractional unix seconds', () => {
    expect(sign({ secret, id: 'msg_1', timestamp: 1_700_000_000.9, payload })['webhook-timestamp']).toBe('1700000000')
  })

  it('requires a secret', () => {
    expect(validationMessage({ id: 'msg_1', payload })).toMatch(/secret/)
    expect(validationMessage({ secrets: [], id: 'msg_1', payload })).toMatch(/secret/)
  })

  it('refuses a malformed secret without echoing it', () => {
    const message = validationMessage({ secret: 'whsec_abc def!!', id: 'msg_1', payload })
    expect(message).toMatch(/base64/)
    expect(message).not.toContain('abc def')
    expect(validationMessage({ secrets: [secret, 'whsk_short'], id: 'msg_1', payload })).toMatch(/secrets\[1\]/)
  })

  it('refuses to sign with a public key', () => {
    expect(validationMessage({ secret: generateKeyPair().publicKey, id: 'msg_1', payload })).toMatch(/whsk_/)
  })

  it('requires an id for the standard scheme', () => {
    expect(validationMessage({ secret, payload })).toMatch(/id/)
    expect(validationMessage({ secret, id: '', payload })).toMatch(/id/)
    expect(validationMessage({ secret, id: 'msg 1', payload })).toMatch(/visible ASCII/)
    expect(validationMessage({ secret, id: 'msg\r\nx-evil: 1', payload })).toMatch(/visible ASCII/)
  })

  it('ignores id for stripe and github', () => {
    expect(() => sign({ scheme: 'stripe', secret, payload })).not.toThrow()
    expect(() => sign({ scheme: 'github', secret, payload })).not.toThrow()
  })

  it('refuses a timestamp in milliseconds, saying so', () => {
    expect(validationMessage({ secret, id: 'msg_1', payload, timestamp: Date.now() })).toMatch(/milliseconds/)
    expect(validationMessage({ secret, id: 'msg_1', payload, timestamp: new Date(Number.NaN) })).toMatch(/Date/)
    expect(validationMessage({ secret, id: 'msg_1', payload, timestamp: -1 })).toMatch(/unix seconds/)
  })

  it('refuses a payload that is not a string or bytes', () => {
    expect(validationMessage({ secret, id: 'msg_1', payload: { ok: true } as unknown as string })).toMatch(/payload/)
  })

  it('refuses an unknown scheme and a bad header name', () => {
    expect(validationMessage({ scheme: 'svix' as 'standard', secret, id: 'msg_1', payload })).toMatch(/'standard', 'stripe', 'github'/)
    expect(validationMessage({ scheme: 'stripe', secret, payload, headerName: 'bad header' })).toMatch(/headerName/)
  })
})

describe('signatureHeaderNames', () => {
  it('lists the lower-case headers of each scheme', () => {
    expect(signatureHeaderNames()).toEqual(['webhook-id', 'webhook-timestamp', 'webhook-signature'])
    expect(signatureHeaderNames('stripe')).toEqual(['stripe-signature'])
    expect(signatureHeaderNames('stripe', 'X-Acme-Signature')).toEqual(['x-acme-signature'])
    expect(signatureHeaderNames('github')).toEqual(['x-hub-signature-256'])
  })

  it('matches the headers sign() writes', () => {
    for (const scheme of SIGNING_SCHEMES) {
      expect(Object.keys(sign({ scheme, secret, id: 'msg_1', payload }))).toEqual(signatureHeaderNames(scheme))
    }
  })

  it('knows the scheme names', () => {
    expect(SIGNING_SCHEMES).toEqual(['standard', 'stripe', 'github'])
    expect(isSigningScheme('github')).toBe(true)
    expect(isSigningScheme('svix')).toBe(false)
  })
})
