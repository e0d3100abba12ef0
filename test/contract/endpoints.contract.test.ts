import { expect, it } from 'vitest'
import { ValidationError } from '../../src/core/errors.js'
import type { DeliveryRecord, EndpointRecord } from '../../src/core/types.js'
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

  it('stores an endpoint with a uid once per tenant, endpoints without a tenant counting as one tenant', async () => {
    const s = await env().freshStorage()
    const first = anEndpoint({ uid: 'customer-42' })
    expect(await s.insertEndpointOnce(first)).toEqual({ inserted: true })
    expect(await s.getEndpoint(first.id)).toEqual(first)
    // NULL tenants: the uniqueness must hold here too (NULLs are distinct in unique indexes).
    const again = anEndpoint({ uid: 'customer-42', url: 'https://example.com/other' })
    expect(await s.insertEndpointOnce(again)).toEqual({ inserted: false, existing: first })
    expect(await s.getEndpoint(again.id)).toBeUndefined()
    // Another tenant may use the same uid.
    const acme = anEndpoint({ uid: 'customer-42', tenant: 'acme' })
    expect(await s.insertEndpointOnce(acme)).toEqual({ inserted: true })
    expect((await s.getEndpointByUid('customer-42', null))?.id).toBe(first.id)
    expect((await s.getEndpointByUid('customer-42', 'acme'))?.id).toBe(acme.id)
    expect(await s.getEndpointByUid('customer-42', 'globex')).toBeUndefined()
    expect(await s.getEndpointByUid('nobody', null)).toBeUndefined()
    // Endpoints without a uid never conflict.
    expect(await s.insertEndpointOnce(anEndpoint({ uid: 'x' }))).toEqual({ inserted: true })
    await s.insertEndpoint(anEndpoint())
    await s.insertEndpoint(anEndpoint())
  })

  it('stores one endpoint for 20 concurrent registrations of one uid', async () => {
    const s = await env().freshStorage()
    const copies = Array.from({ length: 20 }, (_, i) => anEndpoint({ uid: 'same', tenant: 't1', url: `https://example.com/${i}` }))
    const results = await Promise.all(copies.map((e) => s.insertEndpointOnce(e)))
    expect(results.filter((r) => r.inserted)).toHaveLength(1)
    const winner = copies[results.findIndex((r) => r.inserted)]!
    for (const r of results) if (!r.inserted) expect(r.existing.id).toBe(winner.id)
    expect((await s.listEndpoints({ tenant: 't1' })).data.map((e) => e.id)).toEqual([winner.id])
  })

  it('frees a uid when its endpoint is deleted, and moves it with a tenant change', async () => {
    const s = await env().freshStorage()
    const old = anEndpoint({ uid: 'reuse-me', tenant: 'u1' })
    await s.insertEndpointOnce(old)
    expect(await s.deleteEndpoint(old.id, at(10))).toBe(true)
    expect(await s.getEndpointByUid('reuse-me', 'u1')).toBeUndefined()
    const next = anEndpoint({ uid: 'reuse-me', tenant: 'u1' })
    expect(await s.insertEndpointOnce(next)).toEqual({ inserted: true })

    expect(await s.updateEndpoint(next.id, { updatedAt: new Date(), tenant: 'u2', uid: 'reuse-me' })).toMatchObject({ tenant: 'u2', uid: 'reuse-me' })
    expect(await s.getEndpointByUid('reuse-me', 'u1')).toBeUndefined()
    expect((await s.getEndpointByUid('reuse-me', 'u2'))?.id).toBe(next.id)
    expect(await s.updateEndpoint(next.id, { updatedAt: new Date(), tenant: 'u2', uid: null })).toMatchObject({ uid: null })
    expect(await s.getEndpointByUid('reuse-me', 'u2')).toBeUndefined()
  })

  it('stores retry schedules by event type beside the schedule, and patches them together', async () => {
    const endpoint = anEndpoint({ retrySchedule: null, retryByType: { 'invoice.paid': [10_000], 'order.*': [60_000, 120_000] } })
    await storage().insertEndpoint(endpoint)
    expect(await storage().getEndpoint(endpoint.id)).toEqual(endpoint)
    const both = await storage().updateEndpoint(endpoint.id, { retrySchedule: [5_000], retryByType: { 'invoice.*': [1_000] }, updatedAt: at(3) })
    expect(both).toMatchObject({ retrySchedule: [5_000], retryByType: { 'invoice.*': [1_000] } })
    // Without schedules by type the column holds the plain array it always held.
    const plain = await storage().updateEndpoint(endpoint.id, { retrySchedule: [7_000], retryByType: null, updatedAt: at(4) })
    expect(plain).toMatchObject({ retrySchedule: [7_000], retryByType: null })
    const cleared = await storage().updateEndpoint(endpoint.id, { retrySchedule: null, retryByType: null, updatedAt: at(5) })
    expect(cleared).toMatchObject({ retrySchedule: null, retryByType: null })
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
    expect(await storage().updateEndpoint('ep_missing', { url: 'https://example.com', updatedAt: at(1) })).toBeUndefined()
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

  it('deletes an endpoint softly: gone from reads and routing, its history kept, its unfinished deliveries discarded', async () => {
    const s = await env().freshStorage()
    const { endpoint, message, deliveries } = await seedDeliveries(s, 3)
    const other = anEndpoint()
    await s.insertEndpoint(other)
    const kept = aDelivery(message, other)
    await s.transaction((tx) => tx.insertDeliveries([kept]))

    const claimed = await s.claimDeliveries({ owner: 'w1', limit: 100, leaseMs: 30_000, now: at(1) })
    expect(claimed.length).toBeGreaterThan(0)
    const [failed, delivered, inFlight] = deliveries as [DeliveryRecord, DeliveryRecord, DeliveryRecord]
    await s.settle([
      { deliveryId: failed.id, owner: 'w1', status: 'pending', nextAttemptAt: at(60_000), attempt: anAttempt(failed, { outcome: 'failed', statusCode: 500 }), at: at(2) },
      { deliveryId: delivered.id, owner: 'w1', status: 'succeeded', nextAttemptAt: null, attempt: anAttempt(delivered, { outcome: 'succeeded', statusCode: 200 }), at: at(2) },
    ])

    expect(await s.deleteEndpoint(endpoint.id, at(3))).toBe(true)
    expect(await s.getEndpoint(endpoint.id)).toBeUndefined()
    expect((await s.listEndpoints({})).data.map((e) => e.id)).not.toContain(endpoint.id)
    expect(await s.transaction((tx) => tx.listRoutableEndpoints(null))).not.toContainEqual(expect.objectContaining({ id: endpoint.id }))
    expect(await s.transaction((tx) => tx.getEndpoints([endpoint.id]))).toEqual([])
    expect(await s.updateEndpoint(endpoint.id, { description: 'x', updatedAt: at(4) })).toBeUndefined()

    // History stays: the deliveries and their attempts; what was unfinished is discarded.
    expect((await s.listAttempts({ endpointId: endpoint.id })).data).toHaveLength(2)
    expect((await s.getDelivery(delivered.id))?.status).toBe('succeeded')
    for (const id of [failed.id, inFlight.id]) {
      expect(await s.getDelivery(id)).toMatchObject({ status: 'discarded', deadReason: 'endpoint_deleted', nextAttemptAt: null })
    }
    const later = await s.claimDeliveries({ owner: 'w2', limit: 100, leaseMs: 30_000, now: at(120_000) })
    expect(later.map((c) => c.delivery.endpointId)).not.toContain(endpoint.id)
    // The worker that had one in flight settles it: its attempt is logged, the delivery stays discarded.
    await s.settle([{ deliveryId: inFlight.id, owner: 'w1', status: 'pending', nextAttemptAt: at(60_000), attempt: anAttempt(inFlight, { outcome: 'failed', statusCode: 500 }), at: at(4) }])
    expect((await s.getDelivery(inFlight.id))?.status).toBe('discarded')
    expect((await s.listAttempts({ endpointId: endpoint.id })).data).toHaveLength(3)
    expect(await s.getDelivery(kept.id)).toBeDefined()
    expect(await s.getMessage(message.id)).toBeDefined()

    expect(await s.deleteEndpoint(endpoint.id)).toBe(false)
    expect(await s.deleteEndpoint('ep_missing')).toBe(false)
  })

  it('records an endpoint circuit as workers change it, for every process to read', async () => {
    const s = await env().freshStorage()
    const endpoint = anEndpoint()
    await s.insertEndpoint(endpoint)
    expect(await s.getEndpointCircuit(endpoint.id)).toEqual({ openUntil: null })
    await s.setEndpointCircuit(endpoint.id, at(5_000))
    expect(await s.getEndpointCircuit(endpoint.id)).toEqual({ openUntil: at(5_000) })
    expect(await s.getEndpoint(endpoint.id)).toEqual(endpoint)
    await s.setEndpointCircuit(endpoint.id, null)
    expect(await s.getEndpointCircuit(endpoint.id)).toEqual({ openUntil: null })
    expect(await s.getEndpointCircuit('ep_missing')).toBeUndefined()
  })

  it('has one random identity per set of tables, the same from every connection', async () => {
    const a = await env().freshStorage()
    const b = await env().freshStorage()
    const id = await a.databaseId()
    expect(id).toMatch(/^[0-9a-f]{16}$/)
    expect(await b.databaseId()).not.toBe(id)
    const again = env().createStorage({ tablePrefix: a.tableName('meta').slice(0, -'meta'.length) })
    expect(await again.databaseId()).toBe(id)
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
