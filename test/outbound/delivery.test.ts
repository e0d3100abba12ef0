import { afterEach, describe, expect, it } from 'vitest'
import { Webhook } from 'standardwebhooks'
import type { Relay, RelayOptions } from '../../src/index.js'
import { createRelay } from '../../src/index.js'
import { startReceiver, type TestReceiver } from '../support/receiver.js'
import { describeEachStorage, relayTargets } from '../support/storages.js'
import { eventually } from '../support/eventually.js'

describeEachStorage('outbound delivery', (ctx) => {
  const makeStorage = () => ctx.env().freshStorage()
  let relay: Relay | undefined
  let receiver: TestReceiver | undefined

  async function setup(options: Partial<RelayOptions> = {}): Promise<Relay> {
    relay = createRelay({
      storage: await makeStorage(),
      network: { allowPrivate: true },
      delivery: { pollInterval: '50ms', timeout: '2s' },
      retry: { schedule: ['50ms', '50ms', '50ms'], jitter: 0 },
      ...options,
    })
    await relay.start()
    return relay
  }

  afterEach(async () => {
    await relay?.stop()
    await receiver?.close()
    relay = undefined
    receiver = undefined
  })

  it('delivers a message the official standardwebhooks verifier accepts, with its headers', async () => {
    receiver = await startReceiver()
    const r = await setup()
    const ep = await r.endpoints.create({ url: receiver.url, headers: { 'x-tenant-region': 'eu' } })
    const sent = await r.send({ type: 'order.created', data: { id: 'ord_1', total: 42 } })
    expect(sent.deliveryIds).toHaveLength(1)

    const [request] = await receiver.waitFor(1)
    const verified = new Webhook(ep.secret).verify(request!.body, request!.headers as Record<string, string>)
    expect(verified).toMatchObject({ type: 'order.created', data: { id: 'ord_1', total: 42 } })
    expect(request!.headers['webhook-id']).toBe(sent.messageId)
    expect(request!.headers['user-agent']).toMatch(/^hookrelay\//)
    expect(request!.headers['x-tenant-region']).toBe('eu')
    expect(request!.headers['content-type']).toBe('application/json')

    await eventually(async () => expect((await r.deliveries.get(sent.deliveryIds[0]!)).status).toBe('succeeded'))
    const attempts = await r.attempts.list({ deliveryId: sent.deliveryIds[0]! })
    expect(attempts.data).toHaveLength(1)
    expect(attempts.data[0]).toMatchObject({ number: 1, statusCode: 200, outcome: 'succeeded', trigger: 'scheduled' })
  })

  it('retries a receiver that fails twice, keeping the webhook-id and body, re-signing each attempt', async () => {
    receiver = await startReceiver((_req, i) => (i < 2 ? { status: 503, body: 'busy' } : { status: 204 }))
    const r = await setup()
    const ep = await r.endpoints.create({ url: receiver.url })
    const failed: number[] = []
    r.on('delivery.failed', (e) => failed.push(e.attempt))
    const sent = await r.send({ type: 'order.created', data: { n: 1 } })

    const requests = await receiver.waitFor(3)
    await eventually(async () => expect((await r.deliveries.get(sent.deliveryIds[0]!)).status).toBe('succeeded'))
    expect(new Set(requests.map((q) => q.headers['webhook-id']))).toEqual(new Set([sent.messageId]))
    expect(new Set(requests.map((q) => q.body)).size).toBe(1)
    // Every attempt verifies on its own: a fresh timestamp and signature each time.
    for (const q of requests) new Webhook(ep.secret).verify(q.body, q.headers as Record<string, string>)
    expect(failed).toEqual([1, 2])

    const attempts = (await r.attempts.list({ deliveryId: sent.deliveryIds[0]! })).data.sort((a, b) => a.number - b.number)
    expect(attempts.map((a) => [a.number, a.statusCode, a.outcome])).toEqual([
      [1, 503, 'failed'],
      [2, 503, 'failed'],
      [3, 204, 'succeeded'],
    ])
    expect(attempts[0]!.responseBody).toBe('busy')
    expect((await r.deliveries.get(sent.deliveryIds[0]!)).attempts).toBe(3)
  })

  it('dead-letters when the schedule is exhausted, and replay delivers it once the receiver is back', async () => {
    receiver = await startReceiver(() => ({ status: 500 }))
    const r = await setup()
    await r.endpoints.create({ url: receiver.url })
    const dead: string[] = []
    r.on('delivery.dead', (e) => dead.push(e.reason))
    const sent = await r.send({ type: 'order.created', data: {} })
    const id = sent.deliveryIds[0]!

    await eventually(async () => expect((await r.deliveries.get(id)).status).toBe('dead'))
    expect(receiver.requests).toHaveLength(4) // schedule of 3 delays = 4 attempts
    expect(dead).toEqual(['exhausted'])
    expect((await r.dlq.list()).data.map((d) => d.id)).toEqual([id])

    receiver.behave(() => ({ status: 200 }))
    expect(await r.dlq.replay(id)).toEqual({ replayed: true })
    expect(await r.dlq.replay(id)).toEqual({ replayed: false }) // twice queues once
    await eventually(async () => expect((await r.deliveries.get(id)).status).toBe('succeeded'))
    expect(receiver.requests).toHaveLength(5)
    expect((await r.dlq.list()).data).toHaveLength(0)
    const attempts = (await r.attempts.list({ deliveryId: id })).data.sort((a, b) => a.number - b.number)
    expect(attempts.map((a) => a.trigger)).toEqual(['scheduled', 'scheduled', 'scheduled', 'scheduled', 'manual'])
  })

  it('dead-letters on 410 Gone and disables the endpoint; later messages dead-letter without a request', async () => {
    receiver = await startReceiver(() => ({ status: 410 }))
    const r = await setup()
    const ep = await r.endpoints.create({ url: receiver.url })
    const disabled: string[] = []
    r.on('endpoint.disabled', (e) => disabled.push(e.endpointId))
    const first = await r.send({ type: 'order.created', data: {} })

    await eventually(async () => expect((await r.deliveries.get(first.deliveryIds[0]!)).status).toBe('dead'))
    const endpoint = await r.endpoints.get(ep.id)
    expect(endpoint.disabled).toBe(true)
    expect(endpoint.disabledReason).toMatch(/410/)
    expect(disabled).toEqual([ep.id])
    expect((await r.deliveries.get(first.deliveryIds[0]!)).deadReason).toBe('gone')

    // A disabled endpoint is no longer routed to.
    const second = await r.send({ type: 'order.created', data: {} })
    expect(second.deliveryIds).toEqual([])
    expect(receiver.requests).toHaveLength(1)
  })

  it('honours Retry-After over a shorter scheduled delay', async () => {
    receiver = await startReceiver((_q, i) => (i === 0 ? { status: 429, headers: { 'retry-after': '1' } } : { status: 200 }))
    const r = await setup()
    await r.endpoints.create({ url: receiver.url })
    const sent = await r.send({ type: 'order.created', data: {} })
    const requests = await receiver.waitFor(2, 5_000)
    expect(requests[1]!.at - requests[0]!.at).toBeGreaterThanOrEqual(950)
    await eventually(async () => expect((await r.deliveries.get(sent.deliveryIds[0]!)).status).toBe('succeeded'))
  })

  it('records a timeout as a failed attempt with the error, and retries', async () => {
    receiver = await startReceiver((_q, i) => (i === 0 ? { status: 200, delayMs: 1_500 } : { status: 200 }))
    const r = await setup({ delivery: { pollInterval: '50ms', timeout: '300ms' } })
    await r.endpoints.create({ url: receiver.url })
    const sent = await r.send({ type: 'order.created', data: {} })
    await eventually(async () => expect((await r.deliveries.get(sent.deliveryIds[0]!)).status).toBe('succeeded'))
    const attempts = (await r.attempts.list({ deliveryId: sent.deliveryIds[0]! })).data.sort((a, b) => a.number - b.number)
    expect(attempts[0]).toMatchObject({ number: 1, statusCode: null, outcome: 'failed' })
    expect(attempts[0]!.error).toMatch(/TIMEOUT/)
    expect(attempts[1]).toMatchObject({ number: 2, statusCode: 200, outcome: 'succeeded' })
  })

  it('records connection refusals as failures and treats a redirect as a failure', async () => {
    receiver = await startReceiver(() => ({ status: 302, headers: { location: 'http://127.0.0.1:1/elsewhere' } }))
    const r = await setup({ retry: { schedule: ['50ms'], jitter: 0 } })
    await r.endpoints.create({ url: receiver.url })
    await r.endpoints.create({ url: 'http://127.0.0.1:1/nobody-listens' })
    const sent = await r.send({ type: 'order.created', data: {} })
    for (const id of sent.deliveryIds) {
      await eventually(async () => expect((await r.deliveries.get(id)).status).toBe('dead'))
    }
    const attempts = (await r.attempts.list({ messageId: sent.messageId })).data
    expect(attempts.filter((a) => a.statusCode === 302)).toHaveLength(2)
    const refused = attempts.filter((a) => a.statusCode === null)
    expect(refused).toHaveLength(2)
    expect(refused[0]!.error).toMatch(/ECONNREFUSED/)
    expect(receiver.requests).toHaveLength(2) // the redirect was not followed
  })

  it('emits delivery events only after the new state is committed', async () => {
    receiver = await startReceiver()
    const r = await setup()
    await r.endpoints.create({ url: receiver.url })
    const seen: string[] = []
    const checked = new Promise<void>((resolve) => {
      r.on('delivery.succeeded', (e) => {
        void r.deliveries.get(e.deliveryId).then((d) => {
          seen.push(d.status)
          resolve()
        })
      })
    })
    await r.send({ type: 'order.created', data: {} })
    await checked
    expect(seen).toEqual(['succeeded'])
  })

  it('sends both signatures during a secret rotation, so receivers on either secret verify', async () => {
    receiver = await startReceiver()
    const r = await setup()
    const ep = await r.endpoints.create({ url: receiver.url })
    const rotated = await r.endpoints.rotateSecret(ep.id, { keepOldFor: '1h' })
    expect(rotated.secret).not.toBe(ep.secret)
    await r.send({ type: 'order.created', data: {} })
    const [q] = await receiver.waitFor(1)
    const headers = q!.headers as Record<string, string>
    expect(headers['webhook-signature']!.split(' ')).toHaveLength(2)
    expect(() => new Webhook(ep.secret).verify(q!.body, headers)).not.toThrow()
    expect(() => new Webhook(rotated.secret).verify(q!.body, headers)).not.toThrow()

    const immediate = await r.endpoints.rotateSecret(ep.id, { keepOldFor: 0 })
    await r.send({ type: 'order.created', data: {} })
    const requests = await receiver.waitFor(2)
    const last = requests[1]!
    expect((last.headers['webhook-signature'] as string).split(' ')).toHaveLength(1)
    expect(() => new Webhook(immediate.secret).verify(last.body, last.headers as Record<string, string>)).not.toThrow()
  })
}, relayTargets)
