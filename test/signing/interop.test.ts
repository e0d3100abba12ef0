import { sign as octokitSign, verify as octokitVerify } from '@octokit/webhooks-methods'
import { Webhook } from 'standardwebhooks'
import Stripe from 'stripe'
import { describe, expect, it } from 'vitest'
import { generateSecret, sign, verify } from '../../src/signing/index.js'

const payload = JSON.stringify({ type: 'order.created', data: { id: 'ord_1', total: 4200, note: 'crème brûlée ✓' } })
const nowSeconds = () => Math.floor(Date.now() / 1000)

describe('interop with the standardwebhooks reference library', () => {
  it('verifies what the reference library signs', () => {
    const secret = generateSecret()
    const timestamp = nowSeconds()
    const signature = new Webhook(secret).sign('msg_interop_1', new Date(timestamp * 1000), payload)
    const headers = { 'webhook-id': 'msg_interop_1', 'webhook-timestamp': String(timestamp), 'webhook-signature': signature }
    expect(verify({ secret, payload, headers })).toEqual({ scheme: 'standard', id: 'msg_interop_1', timestamp })
  })

  it('is verified by the reference library', () => {
    const secret = generateSecret()
    const headers = sign({ secret, id: 'msg_interop_2', payload })
    expect(new Webhook(secret).verify(payload, headers)).toEqual(JSON.parse(payload))
  })

  it('is verified by the reference library when signing with several secrets', () => {
    const [current, previous] = [generateSecret(), generateSecret()]
    const headers = sign({ secrets: [current, previous], id: 'msg_interop_3', payload })
    expect(new Webhook(current).verify(payload, headers)).toEqual(JSON.parse(payload))
    expect(new Webhook(previous).verify(payload, headers)).toEqual(JSON.parse(payload))
  })

  it('signs byte-for-byte like the reference library', () => {
    const secret = generateSecret()
    const date = new Date(1_700_000_000_000)
    expect(sign({ secret, id: 'msg_x', timestamp: date, payload })['webhook-signature']).toBe(new Webhook(secret).sign('msg_x', date, payload))
  })
})

describe('interop with Stripe', () => {
  const stripe = new Stripe('sk_test_x')
  const secret = 'whsec_' + 'test_secret_for_interop_0123456789'

  it('verifies what stripe.webhooks.generateTestHeaderString makes', () => {
    const timestamp = nowSeconds()
    const header = stripe.webhooks.generateTestHeaderString({ payload, secret, timestamp })
    expect(verify({ scheme: 'stripe', secret, payload, headers: { 'Stripe-Signature': header } })).toEqual({
      scheme: 'stripe',
      id: null,
      timestamp,
    })
  })

  it('is accepted by stripe.webhooks.constructEvent', () => {
    const headers = sign({ scheme: 'stripe', secret, payload })
    const event = stripe.webhooks.constructEvent(payload, headers['stripe-signature']!, secret, 300)
    expect(event).toEqual(JSON.parse(payload))
  })

  it('is accepted by Stripe with every secret when signing with several', () => {
    const other = 'whsec_other_secret_for_rotation'
    const headers = sign({ scheme: 'stripe', secrets: [secret, other], payload, timestamp: nowSeconds() })
    expect(headers['stripe-signature']).toMatch(/^t=\d+,v1=[0-9a-f]{64},v1=[0-9a-f]{64}$/)
    expect(stripe.webhooks.constructEvent(payload, headers['stripe-signature']!, secret)).toEqual(JSON.parse(payload))
    expect(stripe.webhooks.constructEvent(payload, headers['stripe-signature']!, other)).toEqual(JSON.parse(payload))
  })

  it('signs byte-for-byte like Stripe for the same timestamp', () => {
    const timestamp = 1_700_000_000
    expect(sign({ scheme: 'stripe', secret, payload, timestamp })['stripe-signature']).toBe(
      stripe.webhooks.generateTestHeaderString({ payload, secret, timestamp }),
    )
  })

  it('is refused by Stripe when the payload was changed', () => {
    const headers = sign({ scheme: 'stripe', secret, payload })
    expect(() => stripe.webhooks.constructEvent(payload + ' ', headers['stripe-signature']!, secret)).toThrow(/No signatures found/)
  })
})

describe('interop with @octokit/webhooks-methods (GitHub)', () => {
  const secret = 'github webhook secret ✓'

  it('verifies what octokit signs', async () => {
    const signature = await octokitSign(secret, payload)
    expect(verify({ scheme: 'github', secret, payload, headers: { 'x-hub-signature-256': signature } }).scheme).toBe('github')
  })

  it('is verified by octokit', async () => {
    const headers = sign({ scheme: 'github', secret, payload })
    expect(await octokitVerify(secret, payload, headers['x-hub-signature-256']!)).toBe(true)
    expect(await octokitVerify(secret, payload + 'x', headers['x-hub-signature-256']!)).toBe(false)
  })

  it('signs with the first secret only when given several', async () => {
    const headers = sign({ scheme: 'github', secrets: [secret, 'another secret'], payload })
    expect(headers['x-hub-signature-256']).toBe(await octokitSign(secret, payload))
  })
})
