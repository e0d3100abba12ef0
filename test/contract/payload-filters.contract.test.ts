import { expect, it } from 'vitest'
import { matchesFilter, parseFilter, type PayloadFilter } from '../../src/core/filters/index.js'
import { newMessageId } from '../../src/core/ids.js'
import type { EndpointRecord, MessageRecord } from '../../src/core/types.js'
import type { OutgoingMessage } from '../../src/storage/storage.js'
import { describeEachStorage } from '../support/storages.js'
import { at, aMessage, anEndpoint } from './fixtures.js'

const payload = (type: string, data: unknown) => JSON.stringify({ type, timestamp: '2030-01-01T00:00:00.000Z', data })

const outgoing = (message: Partial<MessageRecord>, endpointIds: string[] | null = null): OutgoingMessage => ({
  message: aMessage({ id: newMessageId(), ...message }),
  idempotencyScope: null,
  endpointIds,
})

const FILTERS: PayloadFilter[] = [
  { 'data.amount': { $gte: 100 } },
  { 'data.currency': { $in: ['EUR', 'USD'] }, 'data.amount': { $lt: 1000 } },
  { $or: [{ 'data.customer.country': 'FR' }, { 'data.customer.tags': 'vip' }] },
  { 'data.items.sku': { $nin: ['B2'] } },
  { 'data.refund': { $exists: true } },
  { data: { customer: { country: { $ne: 'FR' } } } },
  { type: 'order.created' },
]

const DATA: unknown[] = [
  { amount: 150, currency: 'EUR', customer: { country: 'FR', tags: ['vip'] }, items: [{ sku: 'A1' }, { sku: 'B2' }] },
  { amount: 99, currency: 'GBP', customer: { country: 'DE', tags: [] }, items: [{ sku: 'A1' }] },
  { amount: 5000, currency: 'USD', customer: { country: 'US', tags: ['vip', 'beta'] }, refund: null },
  { amount: '150', customer: null },
  [],
  null,
]

describeEachStorage('storage: payload filters at fan-out', ({ env }) => {
  it('routes a message to a filtered endpoint exactly when its payload matches, and to unfiltered ones always', async () => {
    const s = await env().freshStorage()
    const endpoints: EndpointRecord[] = [anEndpoint(), ...FILTERS.map((filter) => anEndpoint({ filter }))]
    for (const e of endpoints) await s.insertEndpoint(e)
    const items = ['order.created', 'order.updated'].flatMap((type) => DATA.map((data) => outgoing({ type, payload: payload(type, data) })))
    const stored = await s.storeMessages(items)

    for (const [i, { message }] of items.entries()) {
      const document: unknown = JSON.parse(message.payload)
      const expected = endpoints
        .filter((e) => e.filter === null || matchesFilter(parseFilter(e.filter).node!, document))
        .map((e) => e.id)
        .sort()
      const result = stored[i]!
      if (result.duplicate) throw new Error('not a duplicate')
      expect(result.deliveries.map((d) => d.endpointId), message.payload).toEqual(expected)
    }
    // Each filter lets some messages through and holds some back.
    for (const e of endpoints.slice(1)) {
      const reached = stored.filter((r) => !r.duplicate && r.deliveries.some((d) => d.endpointId === e.id)).length
      expect(reached, JSON.stringify(e.filter)).toBeGreaterThan(0)
      expect(reached, JSON.stringify(e.filter)).toBeLessThan(items.length)
    }
  })

  it('stores the filter with the endpoint, and routes by a changed or cleared filter from the next send', async () => {
    const s = await env().freshStorage()
    const endpoint = anEndpoint({ filter: { 'data.amount': { $gte: 100 } } })
    await s.insertEndpoint(endpoint)
    expect((await s.getEndpoint(endpoint.id))!.filter).toEqual({ 'data.amount': { $gte: 100 } })
    const send = async (amount: number) => {
      const [result] = await s.storeMessages([outgoing({ payload: payload('order.created', { amount }) })])
      return !result!.duplicate && result!.deliveries.length === 1
    }
    expect([await send(50), await send(150)]).toEqual([false, true])

    await s.updateEndpoint(endpoint.id, { filter: { 'data.amount': { $lt: 100 } }, updatedAt: at(1000) })
    expect((await s.getEndpoint(endpoint.id))!.filter).toEqual({ 'data.amount': { $lt: 100 } })
    expect([await send(50), await send(150)]).toEqual([true, false])

    await s.updateEndpoint(endpoint.id, { filter: null, updatedAt: at(2000) })
    expect((await s.getEndpoint(endpoint.id))!.filter).toBeNull()
    expect([await send(50), await send(150)]).toEqual([true, true])
  })

  it('routes by filters inside a transaction (the outbox) as outside one', async () => {
    const s = await env().freshStorage()
    const endpoint = anEndpoint({ filter: { 'data.vip': true } })
    await s.insertEndpoint(endpoint)
    const results = await s.transaction((tx) =>
      tx.storeMessages([outgoing({ payload: payload('order.created', { vip: true }) }), outgoing({ payload: payload('order.created', { vip: false }) })]),
    )
    expect(results.map((r) => (r.duplicate ? -1 : r.deliveries.length))).toEqual([1, 0])
  })

  it('delivers to explicit endpointIds whatever their filter says', async () => {
    const s = await env().freshStorage()
    const endpoint = anEndpoint({ filter: { 'data.amount': { $gte: 100 } } })
    await s.insertEndpoint(endpoint)
    const [result] = await s.storeMessages([outgoing({ payload: payload('order.created', { amount: 1 }) }, [endpoint.id])])
    expect(!result!.duplicate && result!.deliveries.map((d) => d.endpointId)).toEqual([endpoint.id])
  })
})
