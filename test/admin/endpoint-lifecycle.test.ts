import { afterEach, expect, it } from 'vitest'
import { createAdminHandler, createRelay, NotFoundError, type Relay } from '../../src/index.js'
import { eventually } from '../support/eventually.js'
import { startReceiver, type TestReceiver } from '../support/receiver.js'
import { describeEachStorage } from '../support/storages.js'

describeEachStorage('deleting endpoints and resending messages', (ctx) => {
  const relays: Relay[] = []
  const receivers: TestReceiver[] = []

  afterEach(async () => {
    await Promise.all(relays.splice(0).map((r) => r.stop()))
    await Promise.all(receivers.splice(0).map((r) => r.close()))
  })

  async function setup(): Promise<Relay> {
    const relay = createRelay({
      storage: await ctx.env().freshStorage(),
      network: { allowPrivate: true },
      delivery: { pollInterval: '50ms', timeout: '2s' },
      retry: { schedule: ['1h'], jitter: 0 },
    })
    relays.push(relay)
    await relay.start()
    return relay
  }

  async function receiver(status = 200): Promise<TestReceiver> {
    const r = await startReceiver(() => ({ status }))
    receivers.push(r)
    return r
  }

  it('keeps a deleted endpoint’s deliveries and attempts, routes nothing more to it, and discards what was pending', async () => {
    const ok = await receiver(200)
    const failing = await receiver(500)
    const relay = await setup()
    const gone = await relay.endpoints.create({ url: failing.url })
    const stays = await relay.endpoints.create({ url: ok.url })
    const first = await relay.send({ type: 'order.created', data: { n: 1 } })
    // The failing endpoint's delivery waits for its retry (in an hour) after one attempt.
    await eventually(async () => {
      const page = await relay.deliveries.list({ messageId: first.messageId })
      expect(page.data.map((d) => [d.endpointId, d.status, d.attempts]).sort()).toEqual(
        [[gone.id, 'pending', 1], [stays.id, 'succeeded', 1]].sort(),
      )
    })

    await relay.endpoints.delete(gone.id)
    await expect(relay.endpoints.get(gone.id)).rejects.toBeInstanceOf(NotFoundError)
    await expect(relay.endpoints.delete(gone.id)).rejects.toBeInstanceOf(NotFoundError)
    expect((await relay.endpoints.list()).data.map((e) => e.id)).toEqual([stays.id])
    // History stays readable; the pending delivery is discarded, not retried.
    const [kept] = (await relay.deliveries.list({ endpointId: gone.id })).data
    expect(kept).toMatchObject({ status: 'discarded', deadReason: 'endpoint_deleted', attempts: 1 })
    expect((await relay.attempts.list({ endpointId: gone.id })).data).toHaveLength(1)
    expect((await relay.messages.get(first.messageId)).deliveries).toHaveLength(2)

    const second = await relay.send({ type: 'order.created', data: { n: 2 } })
    expect(second.deliveryIds).toHaveLength(1)
    await expect(relay.send({ type: 'order.created', data: { n: 3 }, endpointIds: [gone.id] })).rejects.toThrow(/do not exist/)
    expect((await relay.stats()).endpoints.total).toBe(1)
  })

  it('resends a delivered message with the same webhook-id and body, by the library and the admin API', async () => {
    const rx = await receiver(200)
    const relay = await setup()
    const ep = await relay.endpoints.create({ url: rx.url })
    const sent = await relay.send({ type: 'order.created', data: { n: 1 } })
    await rx.waitFor(1)
    await eventually(async () => expect((await relay.deliveries.get(sent.deliveryIds[0]!)).status).toBe('succeeded'))

    const again = await relay.messages.resend(sent.messageId)
    expect(again.messageId).toBe(sent.messageId)
    expect(again.deliveryIds).toHaveLength(1)
    expect(again.deliveryIds[0]).not.toBe(sent.deliveryIds[0])
    await rx.waitFor(2)
    const [original, resent] = rx.requests as [TestReceiver['requests'][0], TestReceiver['requests'][0]]
    expect(resent.headers['webhook-id']).toBe(sent.messageId)
    expect(resent.headers['webhook-id']).toBe(original.headers['webhook-id'])
    expect(resent.body).toBe(original.body)
    await eventually(async () => expect((await relay.deliveries.get(again.deliveryIds[0]!)).status).toBe('succeeded'))
    const attempts = (await relay.attempts.list({ deliveryId: again.deliveryIds[0]! })).data
    expect(attempts.map((a) => a.trigger)).toEqual(['manual'])

    // To an endpoint created after the message was sent, through the admin API.
    const later = await receiver(200)
    const added = await relay.endpoints.create({ url: later.url })
    const admin = createAdminHandler(relay, { authorize: 'none' })
    const response = await admin({
      method: 'POST',
      path: `/messages/${sent.messageId}/resend`,
      query: {},
      body: { endpointIds: [added.id] },
      headers: {},
    })
    expect(response.status).toBe(201)
    expect(JSON.parse(response.body)).toMatchObject({ messageId: sent.messageId, deliveryIds: [expect.stringMatching(/^dlv_/)] })
    await later.waitFor(1)
    expect(later.requests[0]!.body).toBe(original.body)
    expect(later.requests[0]!.headers['webhook-id']).toBe(sent.messageId)
    expect(ep.id).not.toBe(added.id)
  })

  it('refuses to resend to an endpoint the message is still on its way to, a deleted one, or an unknown message', async () => {
    const failing = await receiver(500)
    const relay = await setup()
    const ep = await relay.endpoints.create({ url: failing.url })
    const other = await relay.endpoints.create({ url: failing.url, tenant: 'acme' })
    const sent = await relay.send({ type: 'order.created', data: { n: 1 } })
    const admin = createAdminHandler(relay, { authorize: 'none' })
    const resend = (id: string, body: unknown) => admin({ method: 'POST', path: `/messages/${id}/resend`, query: {}, body, headers: {} })

    // Not delivered anywhere yet: the endpoints must be named.
    expect(JSON.parse((await resend(sent.messageId, {})).body).error.code).toBe('VALIDATION_ERROR')
    const inFlight = await resend(sent.messageId, { endpointIds: [ep.id] })
    expect(inFlight.status).toBe(409)
    expect(JSON.parse(inFlight.body).error.code).toBe('DELIVERY_IN_PROGRESS')
    expect((await resend(sent.messageId, { endpointIds: [other.id] })).status).toBe(400) // another tenant
    expect((await resend('msg_missing', { endpointIds: [ep.id] })).status).toBe(404)
    expect((await resend(sent.messageId, { endpointIds: [] })).status).toBe(400)

    await relay.endpoints.delete(ep.id)
    await expect(relay.messages.resend(sent.messageId, { endpointIds: [ep.id] })).rejects.toBeInstanceOf(NotFoundError)
  })
})
