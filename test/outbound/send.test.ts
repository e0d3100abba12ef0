import { afterEach, describe, expect, it } from 'vitest'
import type { Relay } from '../../src/index.js'
import { createRelay, HookrelayError, UnsafeUrlError, ValidationError } from '../../src/index.js'
import { describeEachStorage } from '../support/storages.js'

describeEachStorage('send and fan-out', (ctx) => {
  const makeStorage = () => ctx.env().freshStorage()
  let relay: Relay | undefined

  async function producer(): Promise<Relay> {
    relay = createRelay({ storage: await makeStorage(), network: { allowPrivate: true } })
    await relay.start({ workers: false })
    return relay
  }

  afterEach(async () => {
    await relay?.stop()
    relay = undefined
  })

  it('fans out to every enabled endpoint whose type filter, tenant and channels match', async () => {
    const r = await producer()
    const all = await r.endpoints.create({ url: 'https://a.example.com/h' })
    const orders = await r.endpoints.create({ url: 'https://b.example.com/h', eventTypes: ['order.*'] })
    await r.endpoints.create({ url: 'https://c.example.com/h', eventTypes: ['invoice.paid'] })
    const eu = await r.endpoints.create({ url: 'https://d.example.com/h', channels: ['eu'] })
    await r.endpoints.create({ url: 'https://e.example.com/h', tenant: 'acme' })
    const off = await r.endpoints.create({ url: 'https://f.example.com/h', disabled: true })

    const plain = await r.send({ type: 'order.created', data: {} })
    const routed = async (messageId: string) =>
      (await r.messages.get(messageId)).deliveries.map((d) => d.endpointId).sort()
    expect(await routed(plain.messageId)).toEqual([all.id, orders.id].sort())

    const inEu = await r.send({ type: 'order.created', data: {}, channels: ['eu'] })
    expect(await routed(inEu.messageId)).toEqual([all.id, orders.id, eu.id].sort())
    expect((await routed(inEu.messageId)).includes(off.id)).toBe(false)
  })

  it('keeps tenants apart', async () => {
    const r = await producer()
    const acme = await r.endpoints.create({ url: 'https://acme.example.com/h', tenant: 'acme' })
    await r.endpoints.create({ url: 'https://globex.example.com/h', tenant: 'globex' })
    const sent = await r.send({ type: 'user.created', data: {}, tenant: 'acme' })
    expect((await r.messages.get(sent.messageId)).deliveries.map((d) => d.endpointId)).toEqual([acme.id])
  })

  it('delivers to explicit endpointIds regardless of filters, and refuses unknown ids', async () => {
    const r = await producer()
    const invoices = await r.endpoints.create({ url: 'https://a.example.com/h', eventTypes: ['invoice.*'] })
    const sent = await r.send({ type: 'order.created', data: {}, endpointIds: [invoices.id] })
    expect(sent.deliveryIds).toHaveLength(1)
    await expect(r.send({ type: 'order.created', data: {}, endpointIds: ['ep_missing'] })).rejects.toThrow(/ep_missing/)
  })

  it('stores the message and its payload exactly as it will be sent', async () => {
    const r = await producer()
    await r.endpoints.create({ url: 'https://a.example.com/h' })
    const sent = await r.send({ type: 'order.created', data: { emoji: '✓', n: 1.5 } })
    const message = await r.messages.get(sent.messageId)
    expect(message.data).toEqual({ emoji: '✓', n: 1.5 })
    expect(JSON.parse(message.payload)).toEqual({ type: 'order.created', timestamp: message.createdAt.toISOString(), data: { emoji: '✓', n: 1.5 } })
  })

  it('returns the first message for a repeated idempotency key, sequentially and concurrently', async () => {
    const r = await producer()
    await r.endpoints.create({ url: 'https://a.example.com/h' })
    const first = await r.send({ type: 'order.created', data: { v: 1 }, idempotencyKey: 'k1' })
    const again = await r.send({ type: 'order.created', data: { v: 2 }, idempotencyKey: 'k1' })
    expect(again).toEqual({ ...first, duplicate: true })
    expect(first.duplicate).toBe(false)

    const results = await Promise.all(
      Array.from({ length: 20 }, () => r.send({ type: 'order.created', data: {}, idempotencyKey: 'k2' })),
    )
    expect(new Set(results.map((x) => x.messageId)).size).toBe(1)
    expect(results.filter((x) => !x.duplicate)).toHaveLength(1)
    // The same key in another tenant is another message.
    const other = await r.send({ type: 'order.created', data: {}, idempotencyKey: 'k1', tenant: 'acme' })
    expect(other.messageId).not.toBe(first.messageId)
  })

  it('writes nothing when the caller rolls back its transaction, and everything when it commits', async () => {
    const r = await producer()
    await r.endpoints.create({ url: 'https://a.example.com/h' })
    const db = r.storage.db
    let rolledBackId = ''
    await expect(
      db.transaction().execute(async (tx) => {
        rolledBackId = (await r.send({ type: 'order.created', data: {} }, { transaction: tx })).messageId
        throw new Error('the business write failed')
      }),
    ).rejects.toThrow('the business write failed')
    await expect(r.messages.get(rolledBackId)).rejects.toMatchObject({ code: 'NOT_FOUND' })
    expect((await r.deliveries.list({ status: 'pending' })).data).toHaveLength(0)

    const committed = await db.transaction().execute((tx) => r.send({ type: 'order.created', data: {} }, { transaction: tx }))
    expect((await r.messages.get(committed.messageId)).deliveries).toHaveLength(1)
  })

  it('sends many events in one transaction', async () => {
    const r = await producer()
    await r.endpoints.create({ url: 'https://a.example.com/h' })
    const results = await r.sendMany([
      { type: 'a.b', data: 1 },
      { type: 'a.c', data: 2 },
    ])
    expect(results.map((x) => x.deliveryIds.length)).toEqual([1, 1])
    // One bad event refuses the whole batch before anything is written.
    await expect(r.sendMany([{ type: 'ok.one', data: 1 }, { type: 'bad type', data: 2 }])).rejects.toThrow(/event \[1\]/)
    expect((await r.deliveries.list({})).data).toHaveLength(2)
  })

  it('routes a batch per tenant and dedupes an idempotency key repeated inside it', async () => {
    const r = await producer()
    const plain = await r.endpoints.create({ url: 'https://a.example.com/h' })
    const acme = await r.endpoints.create({ url: 'https://b.example.com/h', tenant: 'acme' })
    const results = await r.sendMany([
      { type: 'a.b', data: 1, idempotencyKey: 'same' },
      { type: 'a.b', data: 2, tenant: 'acme' },
      { type: 'a.b', data: 3, idempotencyKey: 'same' },
      { type: 'a.b', data: 4 },
    ])
    expect(results.map((x) => x.duplicate)).toEqual([false, false, true, false])
    expect(results[2]).toEqual({ ...results[0], duplicate: true })
    const routed = async (id: string) => (await r.messages.get(id)).deliveries.map((d) => d.endpointId)
    expect(await routed(results[0]!.messageId)).toEqual([plain.id])
    expect(await routed(results[1]!.messageId)).toEqual([acme.id])
    expect(await routed(results[3]!.messageId)).toEqual([plain.id])
    expect((await r.deliveries.list({})).data).toHaveLength(3)
  })

  it('refuses bad events with typed errors that say what to fix', async () => {
    const r = await producer()
    await expect(r.send({ type: 'Order Created', data: {} })).rejects.toBeInstanceOf(ValidationError)
    await expect(r.send({ type: 'order.created', data: undefined })).rejects.toThrow(/data: is required/)
    await expect(r.send({ type: 'order.created', data: { n: 10n } })).rejects.toThrow(/JSON-serialisable/)
    const big = await r.send({ type: 'order.created', data: 'x'.repeat(2_000_000) }).catch((e: unknown) => e)
    expect(big).toBeInstanceOf(HookrelayError)
    expect(big).toMatchObject({ code: 'PAYLOAD_TOO_LARGE' })
    expect((big as Error).message).toMatch(/maxPayloadBytes/)
  })

  it('validates endpoints: http(s) only, no credentials, no reserved headers, valid filters', async () => {
    const r = await producer()
    await expect(r.endpoints.create({ url: 'ftp://example.com' })).rejects.toThrow(/url: must be an absolute http/)
    await expect(r.endpoints.create({ url: 'https://u:p@example.com' })).rejects.toThrow(/credentials/)
    await expect(r.endpoints.create({ url: 'https://example.com', headers: { 'Webhook-Signature': 'x' } })).rejects.toThrow(/hookrelay sets them/)
    await expect(r.endpoints.create({ url: 'https://example.com', eventTypes: ['*.created'] })).rejects.toThrow(/eventTypes/)
    const created = await r.endpoints.create({ url: 'https://example.com' })
    expect(created.secret).toMatch(/^whsec_/)
    expect(await r.endpoints.getSecret(created.id)).toBe(created.secret)
    expect(JSON.stringify(await r.endpoints.get(created.id))).not.toContain(created.secret)
  })

  it('updates, disables, enables, lists and deletes endpoints', async () => {
    const r = await producer()
    const ep = await r.endpoints.create({ url: 'https://example.com/a', metadata: { owner: 'billing' } })
    const updated = await r.endpoints.update(ep.id, { url: 'https://example.com/b', eventTypes: ['x.*'] })
    expect(updated).toMatchObject({ url: 'https://example.com/b', eventTypes: ['x.*'], metadata: { owner: 'billing' } })
    expect((await r.endpoints.disable(ep.id, 'maintenance')).disabledReason).toBe('maintenance')
    expect((await r.endpoints.enable(ep.id)).disabled).toBe(false)
    expect((await r.endpoints.list()).data.map((e) => e.id)).toContain(ep.id)
    await r.endpoints.delete(ep.id)
    await expect(r.endpoints.get(ep.id)).rejects.toMatchObject({ code: 'NOT_FOUND' })
  })
})

describe('SSRF guard in the relay', () => {
  it('refuses a private literal address at creation unless the relay opts in', async () => {
    const relay = createRelay({ storage: (await import('../../src/index.js')).sqliteStorage({ filename: ':memory:' }) })
    await relay.migrate()
    await expect(relay.endpoints.create({ url: 'http://127.0.0.1:9/h' })).rejects.toBeInstanceOf(UnsafeUrlError)
    await expect(relay.endpoints.create({ url: 'http://169.254.169.254/latest' })).rejects.toThrow(/allowPrivate/)
    await relay.stop()
  })
})

describe('relay options', () => {
  it('refuses unknown and malformed options, listing each problem', () => {
    expect(() => createRelay({ retry: { schedule: ['5 minutes'] } } as never)).toThrow(/retry\.schedule\.0/)
    expect(() => createRelay({ delivery: { concurrency: 0 } })).toThrow(ValidationError)
    expect(() => createRelay({ delivrey: {} } as never)).toThrow(/delivrey/)
    expect(() => createRelay({ delivery: { timeout: '30s', lease: '10s' } })).toThrow(/lease/)
  })
})
