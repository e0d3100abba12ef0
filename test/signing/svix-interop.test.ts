import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Webhook as SvixWebhook } from 'svix'
import { describe, expect, it } from 'vitest'
import { createRelay, sqliteStorage } from '../../src/index.js'
import { generateSecret, sign, verify, WebhookVerificationError } from '../../src/signing/index.js'

// Svix, the reference Standard Webhooks sender, sends its "branded" header names by default.
const payload = JSON.stringify({ type: 'invoice.paid', data: { id: 'in_1', amount: 990 } })
const nowSeconds = () => Math.floor(Date.now() / 1000)

function svixHeaders(secret: string, id: string, timestamp: number): Record<string, string> {
  const signature = new SvixWebhook(secret).sign(id, new Date(timestamp * 1000), payload)
  return { 'svix-id': id, 'svix-timestamp': String(timestamp), 'svix-signature': signature }
}

describe('interop with the official svix package', () => {
  it('verifies what svix signs, sent with its svix-id, svix-timestamp and svix-signature headers', () => {
    const secret = generateSecret()
    const timestamp = nowSeconds()
    const headers = svixHeaders(secret, 'msg_svix_1', timestamp)
    expect(verify({ secret, payload, headers })).toEqual({ scheme: 'standard', id: 'msg_svix_1', timestamp })
  })

  it('refuses a svix-signed request whose signature was made with another secret', () => {
    const headers = svixHeaders(generateSecret(), 'msg_svix_2', nowSeconds())
    expect(() => verify({ secret: generateSecret(), payload, headers })).toThrow(WebhookVerificationError)
  })

  it('never mixes the two families: webhook-id with svix-signature is missing its webhook-signature', () => {
    const secret = generateSecret()
    const svix = svixHeaders(secret, 'msg_svix_3', nowSeconds())
    const mixed = { 'webhook-id': 'msg_svix_3', 'webhook-timestamp': svix['svix-timestamp']!, 'svix-signature': svix['svix-signature']! }
    expect(() => verify({ secret, payload, headers: mixed })).toThrow(/Missing webhook-signature header/)
  })

  it('names the svix headers in its message when a svix request lacks one', () => {
    const secret = generateSecret()
    const { 'svix-signature': _dropped, ...headers } = svixHeaders(secret, 'msg_svix_4', nowSeconds())
    expect(() => verify({ secret, payload, headers })).toThrow(/Missing svix-signature header/)
  })

  it('is verified by svix', () => {
    const secret = generateSecret()
    const headers = sign({ secret, id: 'msg_svix_5', payload })
    expect(new SvixWebhook(secret).verify(payload, headers)).toEqual(JSON.parse(payload))
  })
})

describe('a standard receiver fed by svix', () => {
  it('accepts and stores a webhook sent with svix headers, and acknowledges its redelivery as a duplicate', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hookrelay-svix-'))
    const relay = createRelay({ storage: sqliteStorage({ filename: join(dir, 'svix.db') }) })
    try {
      await relay.start({ workers: false })
      const secret = generateSecret()
      const receiver = relay.receiver({ name: 'svix', secret })
      const headers = { ...svixHeaders(secret, 'msg_svix_rx', nowSeconds()), 'content-type': 'application/json' }
      const first = await receiver.handle({ body: payload, headers })
      const again = await receiver.handle({ body: payload, headers })
      expect(first.status).toBe(200)
      expect(again.status).toBe(200)
      const stored = (await relay.inbound.list()).data
      expect(stored).toHaveLength(1)
      expect(stored[0]).toMatchObject({ webhookId: 'msg_svix_rx', type: 'invoice.paid' })
      expect(stored[0]!.headers['svix-signature']).toBeUndefined()
    } finally {
      await relay.stop()
      await rm(dir, { recursive: true, force: true })
    }
  })
})
