import { expect, it } from 'vitest'
import { ValidationError } from '../../src/core/errors.js'
import type { EndpointRecord } from '../../src/core/types.js'
import { describeEachStorage } from '../support/storages.js'
import { aDelivery, anAttempt, anEndpoint, at, seedDeliveries, T0 } from './fixtures.js'

describeEachStorage('storage: endpoints', ({ env, storage }) => {
  it('stores an endpoint and reads back every field', async () => {
    const endpoint = anEndpoint({
      tenant: 'acme',
      description: 'Orders to the ERP',
      eventTypes: ['order.*', 'invoice.paid'],
      channels: ['eu'],
      secrets: [
        { secret: 'whsec_current', expiresAt: null },
        { secret: 'whsec_old', expiresAt: at(86_400_000) },
      ],
      headers: { 'x-region': 'eu' },
      metadata: { team: 'billing', priority: 2, nested: { ok: true } },
      retrySchedule: [1_000, 60_000],
      rateLimit: { max: 10, perMs: 1_000 },
      maxConcurrency: 4,
      ordering: 'fifo',
      failingSince: at(5),
      createdAt: at(1),
      updatedAt: at(2),
    })
    await storage().insertEndpoint(endpoint)
    const stored = await storage().getEndpoint(endpoint.id)
    expect(stored).toEqual(endpoint)
    expect(stored!.createdAt).toBeInstanceOf(Date)
    expect(stored!.secrets[1]!.expiresAt).toBeInstanceOf(Date)
  })

  it('returns undefined for an endpoint that does not exist', async () => {
    expect(await storage().getEndpoint('ep_missing')).toBeUndefined()
  })

  it('applies a patch, touches only the given fields and returns the updated endpoint', async () => {
    const endpoint = anEndpoint({ description: 'before', metadata: { a: 1 } })
    await storage().insertEndpoint(endpoint)
    const updated = await storage().updateEndpoint(endpoint.id, {
      url: 'https://example.com/v2',
      eventTypes: ['user.*'],
      disabledAt: at(10),
      disabledReason: 'manual',
      retrySchedule: null,
      updatedAt: at(10),
    })
    expect(updated).toEqual({
      ...endpoint,
      url: 'https://example.com/v2',
      eventTypes: ['user.*'],
      disabledAt: at(10),
      disabledReason: 'manual',
      updatedAt: at(10),
    })
    expect(await storage().getEndpoint(endpoint.id)).toEqual(updated)

    const reenabled = await storage().updateEndpoint(endpoint.id, { disabledAt: null, disabledReason: null, updatedAt: at(11) })
    expect(reenabled?.disabledAt).toBeNull()
    expect(reenabled?.description).toBe('before')
  })

  it('returns undefined when patching an endpoint that does not exist', async () => {
    expect(await storage().updateEndpoint('ep_missing', { url: 'https://example.com' })).toBeUndefined()
  })

  it('lists endpoints newest first, filtered by tenant and disabled state', async () => {
    const s = await env().freshStorage()
    const a1 = anEndpoint({ tenant: 'a' })
    const a2 = anEndpoint({ tenant: 'a', disabledAt: at(1), disabledReason: 'gone' })
    const b1 = anEndpoint({ tenant: 'b' })
    const none = anEndpoint({ tenant: null })
    for (const e of [a1, a2, b1, none]) await s.insertEndpoint(e)

    const ids = (page: { data: EndpointRecord[] }) => page.data.map((e) => e.id)
    expect(ids(await s.listEndpoints({}))).toEqual([none.id, b1.id, a2.id, a1.id])
    expect(ids(await s.listEndpoints({ tenant: 'a' }))).toEqual([a2.id, a1.id])
    expect(ids(await s.listEndpoints({ tenant: null }))).toEqual([none.id])
    expect(ids(await s.listEndpoints({ disabled: true }))).toEqual([a2.id])
    expect(ids(await s.listEndpoints({ tenant: 'a', disabled: false }))).toEqual([a1.id])
  })

  it('paginates with a cursor until nextCursor is null, without gaps or repeats', async () => {
    const s = await env().freshStorage()
    const endpoints = Array.from({ length: 7 }, () => anEndpoint({ tenant: 'paged' }))
    for (const e of endpoints) await s.insertEndpoint(e)

    const seen: string[] = []
    let cursor: string | null = null
    let pages = 0
    do {
      const page = await s.listEndpoints({ tenant: 'paged', limit: 3, cursor })
      expect(page.data.length).toBeLessThanOrEqual(3)
      seen.push(...page.data.map((e) => e.id))
      cursor = page.nextCursor
      pages += 1
    } while (cursor)
    expect(pages).toBe(3)
    expect(seen).toEqual(endpoints.map((e) => e.id).reverse())
  })

  it('uses a page size of 50 by default and refuses limits outside 1..1000', async () => {
    const s = await env().freshStorage()
    for (let i = 0; i < 51; i++) await s.insertEndpoint(anEndpoint())
    const page = await s.listEndpoints({})
    expect(page.data).toHaveLength(50)
    expect(page.nextCursor).not.toBeNull()
    await expect(s.listEndpoints({ limit: 0 })).rejects.toBeInstanceOf(ValidationError)
    await expect(s.listEndpoints({ limit: 1001 })).rejects.toBeInstanceOf(ValidationError)
    await expect(s.listEndpoints({ limit: 2.5 })).rejects.toBeInstanceOf(ValidationError)
  })

  it('deletes an endpoint with its deliveries and attempts, and leaves others alone', async () => {
    const s = await env().freshStorage()
    const { endpoint, message, deliveries } = await seedDeliveries(s, 2)
    const other = anEndpoint()
    await s.insertEndpoint(other)
    const kept = aDelivery(message, other)
    await s.transaction((tx) => tx.insertDeliveries([kept]))

    const [claimed] = await s.claimDeliveries({ owner: 'w1', limit: 100, leaseMs: 30_000, now: at(1) })
    expect(claimed).toBeDefined()
    const target = deliveries[0]!
    const attempt = anAttempt(target, { outcome: 'failed', statusCode: 500 })
    await s.settle([{ deliveryId: target.id, owner: 'w1', status: 'pending', nextAttemptAt: at(60_000), attempt, at: at(2) }])
    expect((await s.listAttempts({ endpointId: endpoint.id })).data).toHaveLength(1)

    expect(await s.deleteEndpoint(endpoint.id)).toBe(true)
    expect(await s.getEndpoint(endpoint.id)).toBeUndefined()
    for (const d of deliveries) expect(await s.getDelivery(d.id)).toBeUndefined()
    expect((await s.listAttempts({ endpointId: endpoint.id })).data).toHaveLength(0)
    expect(await s.getDelivery(kept.id)).toBeDefined()
    expect(await s.getMessage(message.id)).toBeDefined()

    expect(await s.deleteEndpoint(endpoint.id)).toBe(false)
  })

  it('lists routable endpoints of a tenant: enabled only', async () => {
    const s = await env().freshStorage()
    const on = anEndpoint({ tenant: 't1' })
    const off = anEndpoint({ tenant: 't1', disabledAt: T0, disabledReason: 'manual' })
    const otherTenant = anEndpoint({ tenant: 't2' })
    const noTenant = anEndpoint({ tenant: null })
    for (const e of [on, off, otherTenant, noTenant]) await s.insertEndpoint(e)

    const routable = await s.transaction((tx) => tx.listRoutableEndpoints('t1'))
    expect(routable.map((e) => e.id)).toEqual([on.id])
    const untenanted = await s.transaction((tx) => tx.listRoutableEndpoints(null))
    expect(untenanted.map((e) => e.id)).toEqual([noTenant.id])
    const byIds = await s.transaction((tx) => tx.getEndpoints([off.id, on.id, 'ep_missing']))
    expect(byIds.map((e) => e.id).sort()).toEqual([on.id, off.id].sort())
    expect(await s.transaction((tx) => tx.getEndpoints([]))).toEqual([])
  })
})
