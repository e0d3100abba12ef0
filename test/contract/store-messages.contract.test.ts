import { expect, it } from 'vitest'
import { ValidationError } from '../../src/core/errors.js'
import { matchesChannels, matchesEventType } from '../../src/core/event-type.js'
import { deliveryIdOf, newMessageId } from '../../src/core/ids.js'
import type { EndpointRecord, MessageRecord } from '../../src/core/types.js'
import type { OutgoingMessage } from '../../src/storage/storage.js'
import { describeEachStorage } from '../support/storages.js'
import { aMessage, anEndpoint } from './fixtures.js'

const outgoing = (message: Partial<MessageRecord>, more: Partial<OutgoingMessage> = {}): OutgoingMessage => ({
  message: aMessage({ id: newMessageId(), ...message }),
  idempotencyScope: null,
  endpointIds: null,
  ...more,
})

describeEachStorage('storage: storeMessages (what send() writes)', ({ env }) => {
  it('routes every message exactly as matchesEventType and matchesChannels decide, per tenant, enabled only', async () => {
    const s = await env().freshStorage()
    const filters = [[], ['*'], ['order.*'], ['order.created'], ['order'], ['order_x.*'], ['invoice.*', 'order.created'], ['order.item.*']]
    const channelSets = [[], ['eu'], ['eu', 'us']]
    const endpoints: EndpointRecord[] = []
    for (const tenant of [null, 'acme']) {
      for (const eventTypes of filters) {
        for (const channels of channelSets) endpoints.push(anEndpoint({ tenant, eventTypes, channels }))
      }
    }
    endpoints.push(anEndpoint({ disabledAt: new Date(), disabledReason: 'off' }))
    for (const e of endpoints) await s.insertEndpoint(e)

    const items: OutgoingMessage[] = []
    for (const tenant of [null, 'acme', 'nobody']) {
      for (const type of ['order.created', 'order', 'order.item.added', 'order_x.y', 'orders.created', 'invoice.paid']) {
        for (const channels of [[], ['eu'], ['us', 'apac'], ['apac']]) items.push(outgoing({ tenant, type, channels }))
      }
    }
    const stored = await s.storeMessages(items)

    for (const [i, { message }] of items.entries()) {
      const expected = endpoints
        .filter((e) => e.disabledAt === null && e.tenant === message.tenant)
        .filter((e) => matchesEventType(message.type, e.eventTypes) && matchesChannels(e.channels, message.channels))
        .map((e) => e.id)
        .sort()
      const result = stored[i]!
      expect(result.duplicate).toBe(false)
      if (result.duplicate) continue
      expect(result.deliveries.map((d) => d.endpointId)).toEqual(expected)
      expect(result.deliveries.map((d) => d.id)).toEqual(expected.map((_, n) => deliveryIdOf(message.id, n + 1)))
      const rows = (await s.listDeliveries({ messageId: message.id, limit: 1000 })).data
      expect(rows.map((d) => [d.id, d.endpointId, d.status, d.nextAttemptAt?.getTime()]).sort()).toEqual(
        result.deliveries.map((d) => [d.id, d.endpointId, 'pending', message.createdAt.getTime()]).sort(),
      )
      expect(await s.getMessage(message.id)).toEqual(message)
    }
  })

  it('sends to explicit endpointIds of the tenant, enabled or not, and refuses unknown ones before writing', async () => {
    const s = await env().freshStorage()
    const off = anEndpoint({ tenant: 't', eventTypes: ['invoice.*'], disabledAt: new Date(), disabledReason: 'x' })
    const other = anEndpoint({ tenant: 'other' })
    await s.insertEndpoint(off)
    await s.insertEndpoint(other)
    const [result] = await s.storeMessages([outgoing({ tenant: 't' }, { endpointIds: [off.id] })])
    expect(result).toEqual({ duplicate: false, deliveries: [{ id: expect.any(String), endpointId: off.id }] })

    const refused = outgoing({ tenant: 't' }, { endpointIds: [off.id, other.id] })
    await expect(s.storeMessages([refused])).rejects.toBeInstanceOf(ValidationError)
    await expect(s.storeMessages([refused])).rejects.toThrow(other.id)
    expect(await s.getMessage(refused.message.id)).toBeUndefined()
  })

  it('returns the first message and its deliveries for a scope stored before, writing nothing', async () => {
    const s = await env().freshStorage()
    await s.insertEndpoint(anEndpoint())
    await s.insertEndpoint(anEndpoint())
    const [first] = await s.storeMessages([outgoing({}, { idempotencyScope: 'k' })])
    const second = outgoing({}, { idempotencyScope: 'k' })
    const [again, fresh] = await s.storeMessages([second, outgoing({}, { idempotencyScope: 'k2' })])
    if (first!.duplicate) throw new Error('the first is not a duplicate')
    expect(again).toEqual({ duplicate: true, messageId: expect.any(String), deliveryIds: first!.deliveries.map((d) => d.id) })
    expect(fresh!.duplicate).toBe(false)
    expect(await s.getMessage(second.message.id)).toBeUndefined()
  })

  it('stores exactly one message when 10 concurrent calls race on one scope', async () => {
    const s = await env().freshStorage()
    await s.insertEndpoint(anEndpoint())
    const racers = Array.from({ length: 10 }, () => outgoing({}, { idempotencyScope: 'race' }))
    const results = await Promise.all(racers.map((r) => s.storeMessages([r])))
    const winners = results.flat().filter((r) => !r.duplicate)
    expect(winners).toHaveLength(1)
    const winner = winners[0]!
    if (winner.duplicate) throw new Error('unreachable')
    for (const r of results.flat()) {
      if (!r.duplicate) continue
      expect(r.deliveryIds).toEqual(winner.deliveries.map((d) => d.id))
    }
    expect((await s.listDeliveries({})).data).toHaveLength(1)
  })

  it('joins a caller\'s transaction: a rollback leaves nothing', async () => {
    const s = await env().freshStorage()
    await s.insertEndpoint(anEndpoint())
    const item = outgoing({}, { idempotencyScope: 'outbox' })
    await expect(
      s.db.transaction().execute(async (tx) => {
        await s.transaction((inner) => inner.storeMessages([item]), { external: tx })
        throw new Error('rolled back')
      }),
    ).rejects.toThrow('rolled back')
    expect(await s.getMessage(item.message.id)).toBeUndefined()
    expect((await s.listDeliveries({})).data).toHaveLength(0)
  })
})
