import { afterEach, describe, expect, it } from 'vitest'
import { createRelay, ValidationError, type Relay } from '../../src/index.js'
import { describeEachStorage, relayTargets } from '../support/storages.js'

describeEachStorage('endpoints with payload filters', (ctx) => {
  let relay: Relay | undefined
  afterEach(async () => {
    await relay?.stop()
    relay = undefined
  })

  async function producer(): Promise<Relay> {
    relay = createRelay({ storage: await ctx.env().freshStorage(), network: { allowPrivate: true } })
    await relay.start({ workers: false })
    return relay
  }

  it('sends only matching messages to a filtered endpoint; update and clear take effect at once', async () => {
    const r = await producer()
    const big = await r.endpoints.create({ url: 'https://a.example.com/h', filter: { 'data.amount': { $gte: 100 } } })
    expect(big.filter).toEqual({ 'data.amount': { $gte: 100 } })
    const routedTo = async (amount: number) => (await r.send({ type: 'order.created', data: { amount } })).deliveryIds.length
    expect([await routedTo(5), await routedTo(500)]).toEqual([0, 1])

    await r.endpoints.update(big.id, { filter: { $or: [{ 'data.amount': { $lt: 10 } }, { 'data.rush': true }] } })
    expect([await routedTo(5), await routedTo(500)]).toEqual([1, 0])
    await r.endpoints.update(big.id, { filter: null })
    expect((await r.endpoints.get(big.id)).filter).toBeNull()
    expect([await routedTo(5), await routedTo(500)]).toEqual([1, 1])
  })

  it('refuses a bad filter at create and update, naming the operator and its path', async () => {
    const r = await producer()
    const error = await r.endpoints
      .create({ url: 'https://a.example.com/h', filter: { 'data.amount': { $gtt: 5 } } as never })
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ValidationError)
    expect((error as ValidationError).issues).toEqual([{ path: ['filter', 'data.amount', '$gtt'], message: expect.stringContaining('unknown operator $gtt') }])
    expect((error as ValidationError).message).toContain('filter.data.amount.$gtt')

    const endpoint = await r.endpoints.create({ url: 'https://a.example.com/h' })
    await expect(r.endpoints.update(endpoint.id, { filter: { $or: [] } })).rejects.toThrow(/filter\.\$or: must be a non-empty list/)
  })
}, relayTargets)

describe('payload filters: no cost when unused', () => {
  it('leaves endpoints without a filter at null', async () => {
    const { sqliteStorage } = await import('../../src/index.js')
    const r = createRelay({ storage: sqliteStorage({ filename: ':memory:' }), network: { allowPrivate: true } })
    await r.start({ workers: false })
    try {
      const endpoint = await r.endpoints.create({ url: 'https://a.example.com/h' })
      expect(endpoint.filter).toBeNull()
      expect((await r.send({ type: 'a.b', data: {} })).deliveryIds).toHaveLength(1)
    } finally {
      await r.stop()
    }
  })
})
