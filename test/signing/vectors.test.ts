import { describe, expect, it } from 'vitest'
import { sign, verify } from '../../src/signing/index.js'

// Fixed vectors from the Standard Webhooks reference libraries (libraries/javascript/src/webhook.test.ts).
const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'
const ID = 'msg_p5jXN8AQM9LWM0D4loKWxJek'
const TIMESTAMP = 1614265330
const PAYLOAD = '{"test": 2432232314}'
const SIGNATURE = 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE='

describe('Standard Webhooks reference vectors', () => {
  it('signs the reference message to the reference signature', () => {
    expect(sign({ secret: SECRET, id: ID, timestamp: TIMESTAMP, payload: PAYLOAD })).toEqual({
      'webhook-id': ID,
      'webhook-timestamp': String(TIMESTAMP),
      'webhook-signature': SIGNATURE,
    })
  })

  it('gives the same signature for a Date, a Buffer payload and the secret without its prefix', () => {
    const headers = sign({
      secret: SECRET.slice('whsec_'.length),
      id: ID,
      timestamp: new Date(TIMESTAMP * 1000 + 999),
      payload: Buffer.from(PAYLOAD),
    })
    expect(headers['webhook-signature']).toBe(SIGNATURE)
    expect(headers['webhook-timestamp']).toBe('1614265330')
  })

  it('accepts the reference signature at its own time', () => {
    const headers = { 'webhook-id': ID, 'webhook-timestamp': String(TIMESTAMP), 'webhook-signature': SIGNATURE }
    expect(verify({ secret: SECRET, payload: PAYLOAD, headers, now: TIMESTAMP })).toEqual({
      scheme: 'standard',
      id: ID,
      timestamp: TIMESTAMP,
    })
  })

  it('refuses the reference signature today with the default 5 minute tolerance', () => {
    const headers = { 'webhook-id': ID, 'webhook-timestamp': String(TIMESTAMP), 'webhook-signature': SIGNATURE }
    expect(() => verify({ secret: SECRET, payload: PAYLOAD, headers })).toThrow(expect.objectContaining({ code: 'TIMESTAMP_TOO_OLD' }))
  })

  it('accepts the reference multi-signature header where one entry is valid and one has an unknown version', () => {
    const headers = {
      'webhook-id': ID,
      'webhook-timestamp': String(TIMESTAMP),
      'webhook-signature': [
        'v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc=',
        'v2,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc=',
        SIGNATURE,
        'v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc=',
      ].join(' '),
    }
    expect(verify({ secret: SECRET, payload: PAYLOAD, headers, now: TIMESTAMP }).id).toBe(ID)
  })
})

describe('GitHub documentation vector', () => {
  // From GitHub's "Validating webhook deliveries" documentation.
  const secret = "It's a Secret to Everybody"
  const payload = 'Hello, World!'
  const signature = 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17'

  it('signs to the documented signature', () => {
    expect(sign({ scheme: 'github', secret, payload })).toEqual({ 'x-hub-signature-256': signature })
  })

  it('verifies the documented signature', () => {
    expect(verify({ scheme: 'github', secret, payload, headers: { 'X-Hub-Signature-256': signature } })).toEqual({
      scheme: 'github',
      id: null,
      timestamp: null,
    })
  })
})
