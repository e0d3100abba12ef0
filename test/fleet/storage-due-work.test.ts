import { expect, it } from 'vitest'
import { describeEachStorage } from '../support/storages.js'
import { at, seedDeliveries } from '../contract/fixtures.js'

const LEASE = 30_000

describeEachStorage('storage: claiming by id and listing due work (for queue drivers)', ({ env }) => {
  it('claims only the given ids that are still claimable, and skips the rest', async () => {
    const s = await env().freshStorage()
    // due at T0+10, T0+20, T0+30, and one in the future
    const { deliveries, message, endpoint } = await seedDeliveries(s, 4, { due: (i) => at(i === 3 ? 10_000 : (i + 1) * 10) })
    const [d0, d1, d2, future] = deliveries as [typeof deliveries[0], typeof deliveries[0], typeof deliveries[0], typeof deliveries[0]]
    // Another worker already holds d1.
    await s.claimDeliveriesByIds([d1.id], { owner: 'w0', limit: 10, leaseMs: LEASE, now: at(100) })

    const claimed = await s.claimDeliveriesByIds([d0.id, d1.id, future.id, 'dlv_missing'], { owner: 'w1', limit: 10, leaseMs: LEASE, now: at(100) })
    expect(claimed.map((c) => c.delivery.id)).toEqual([d0.id])
    expect(claimed[0]!.delivery).toMatchObject({ status: 'delivering', leaseOwner: 'w1', nextAttemptAt: at(100 + LEASE) })
    expect(claimed[0]!.message).toEqual(message)
    expect(claimed[0]!.endpoint).toEqual(endpoint)
    // d2 was not asked for: untouched.
    expect((await s.getDelivery(d2.id))!.status).toBe('pending')
    expect(await s.claimDeliveriesByIds([], { owner: 'w1', limit: 10, leaseMs: LEASE, now: at(100) })).toEqual([])
  })

  it('takes over by id a delivery whose lease expired, and respects the limit', async () => {
    const s = await env().freshStorage()
    const { deliveries } = await seedDeliveries(s, 3, { due: () => at(0) })
    const ids = deliveries.map((d) => d.id)
    expect(await s.claimDeliveriesByIds(ids, { owner: 'dead-worker', limit: 2, leaseMs: 1_000, now: at(0) })).toHaveLength(2)
    // Before the lease expires only the third can be claimed; after, the other two as well.
    expect((await s.claimDeliveriesByIds(ids, { owner: 'w2', limit: 10, leaseMs: LEASE, now: at(500) })).length).toBe(1)
    const rescued = await s.claimDeliveriesByIds(ids, { owner: 'w2', limit: 10, leaseMs: LEASE, now: at(1_000) })
    expect(rescued.map((c) => c.delivery.leaseOwner)).toEqual(['w2', 'w2'])
  })

  it('lists due work oldest first: pending within the horizon and delivering with an expired lease', async () => {
    const s = await env().freshStorage()
    const { deliveries } = await seedDeliveries(s, 4, { due: (i) => at([30, 10, 5_000, 60_000][i]!) })
    const [d30, d10, d5000, d60000] = deliveries as [typeof deliveries[0], typeof deliveries[0], typeof deliveries[0], typeof deliveries[0]]
    // d10 is claimed with a lease until T0+1100.
    await s.claimDeliveriesByIds([d10.id], { owner: 'w', limit: 1, leaseMs: 1_000, now: at(100) })

    expect(await s.listDueDeliveries({ now: at(100), limit: 10 })).toEqual([{ deliveryId: d30.id, dueAt: at(30) }])
    expect(await s.listDueDeliveries({ now: at(2_000), limit: 10, horizonMs: 5_000 })).toEqual([
      { deliveryId: d30.id, dueAt: at(30) },
      { deliveryId: d10.id, dueAt: at(1_100) },
      { deliveryId: d5000.id, dueAt: at(5_000) },
    ])
    expect(await s.listDueDeliveries({ now: at(2_000), limit: 2, horizonMs: 5_000 })).toHaveLength(2)
    // A delivering row is never listed before its lease expires, whatever the horizon.
    expect((await s.listDueDeliveries({ now: at(200), limit: 10, horizonMs: 100_000 })).map((w) => w.deliveryId)).toEqual([
      d30.id,
      d5000.id,
      d60000.id,
    ])
  })
})
