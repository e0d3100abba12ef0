import { expect, it } from 'vitest'
import type { InboundMessageRecord } from '../../src/core/types.js'
import { describeEachStorage } from '../support/storages.js'
import { anInboundMessage, at } from './fixtures.js'

const LEASE = 30_000

describeEachStorage('storage: inbound messages', ({ env }) => {
  it('claims only the given ids when asked to, and only while they are claimable', async () => {
    const s = await env().freshStorage()
    const [a, b] = [anInboundMessage({ nextAttemptAt: at(0) }), anInboundMessage({ nextAttemptAt: at(0) })]
    await s.insertInboundMessage(a)
    await s.insertInboundMessage(b)
    const claimed = await s.claimInboundMessages({ owner: 'w', limit: 10, leaseMs: 1_000, now: at(10), ids: [b.id] })
    expect(claimed.map((m) => m.id)).toEqual([b.id])
    expect((await s.getInboundMessage(a.id))!.status).toBe('pending')
    // Leased now: a second claim by id finds nothing until the lease expires.
    expect(await s.claimInboundMessages({ owner: 'x', limit: 1, leaseMs: 1_000, now: at(20), ids: [b.id] })).toEqual([])
    expect(await s.claimInboundMessages({ owner: 'x', limit: 1, leaseMs: 1_000, now: at(20), ids: [] })).toEqual([])
  })

  it('stores a received webhook and reads back every field', async () => {
    const s = await env().freshStorage()
    const message = anInboundMessage({ headers: { 'content-type': 'application/json', 'x-request-id': 'r1' } })
    expect(await s.insertInboundMessage(message)).toEqual({ inserted: true })
    expect(await s.getInboundMessage(message.id)).toEqual(message)
    expect(await s.getInboundMessage('in_missing')).toBeUndefined()
  })

  it('recognises a redelivery by (source, webhook id) and returns the first one', async () => {
    const s = await env().freshStorage()
    const first = anInboundMessage({ source: 'stripe', webhookId: 'evt_1' })
    expect(await s.insertInboundMessage(first)).toEqual({ inserted: true })
    const again = anInboundMessage({ source: 'stripe', webhookId: 'evt_1', payload: '{"changed":true}' })
    expect(await s.insertInboundMessage(again)).toEqual({ inserted: false, existing: first })
    expect(await s.getInboundMessage(again.id)).toBeUndefined()

    const otherSource = anInboundMessage({ source: 'github', webhookId: 'evt_1' })
    expect(await s.insertInboundMessage(otherSource)).toEqual({ inserted: true })
  })

  it('accepts exactly one of 50 concurrent deliveries of the same webhook', async () => {
    const s = await env().freshStorage()
    const copies = Array.from({ length: 50 }, () => anInboundMessage({ source: 'shopify', webhookId: 'wh_same' }))
    const results = await Promise.all(copies.map((m) => s.insertInboundMessage(m)))
    const inserted = results.filter((r) => r.inserted)
    expect(inserted).toHaveLength(1)
    const winner = copies[results.findIndex((r) => r.inserted)]!
    for (const r of results) if (!r.inserted) expect(r.existing.id).toBe(winner.id)
    expect((await s.listInboundMessages({ source: 'shopify' })).data).toHaveLength(1)
  })

  it('stores a batch in one call and answers in input order', async () => {
    const s = await env().freshStorage()
    const batch = [
      anInboundMessage({ source: 'stripe', webhookId: 'evt_b1', headers: { 'x-request-id': 'r1' } }),
      anInboundMessage({ source: 'github', webhookId: 'gh_b2', status: 'processing', leaseOwner: 'ir_1', nextAttemptAt: at(45_000) }),
      anInboundMessage({ source: 'stripe', webhookId: 'evt_b3', payload: '{"unicode":"é✓"}' }),
    ]
    expect(await s.insertInboundMessages(batch)).toEqual([{ inserted: true }, { inserted: true }, { inserted: true }])
    for (const m of batch) expect(await s.getInboundMessage(m.id)).toEqual(m)
    expect(await s.insertInboundMessages([])).toEqual([])
  })

  it('in a batch, inserts the first of several copies and answers the later ones with it', async () => {
    const s = await env().freshStorage()
    const first = anInboundMessage({ source: 'stripe', webhookId: 'evt_dup' })
    const other = anInboundMessage({ source: 'stripe', webhookId: 'evt_other' })
    const copy1 = anInboundMessage({ source: 'stripe', webhookId: 'evt_dup', payload: '{"copy":1}' })
    const sameIdOtherSource = anInboundMessage({ source: 'github', webhookId: 'evt_dup' })
    const copy2 = anInboundMessage({ source: 'stripe', webhookId: 'evt_dup', payload: '{"copy":2}' })
    expect(await s.insertInboundMessages([first, other, copy1, sameIdOtherSource, copy2])).toEqual([
      { inserted: true },
      { inserted: true },
      { inserted: false, existing: first },
      { inserted: true },
      { inserted: false, existing: first },
    ])
    expect(await s.getInboundMessage(copy1.id)).toBeUndefined()
    expect(await s.getInboundMessage(copy2.id)).toBeUndefined()
    expect((await s.listInboundMessages({ source: 'stripe' })).data.map((m) => m.id).sort()).toEqual([first.id, other.id].sort())
  })

  it('in a batch, answers copies of stored webhooks with the stored ones and stores the rest', async () => {
    const s = await env().freshStorage()
    const storedA = anInboundMessage({ source: 'stripe', webhookId: 'evt_a', status: 'processed', nextAttemptAt: null, processedAt: at(5) })
    const storedB = anInboundMessage({ source: 'github', webhookId: 'gh_b', headers: { 'x-github-event': 'push' } })
    expect(await s.insertInboundMessages([storedA, storedB])).toEqual([{ inserted: true }, { inserted: true }])

    const fresh = anInboundMessage({ source: 'stripe', webhookId: 'evt_new' })
    const againB = anInboundMessage({ source: 'github', webhookId: 'gh_b' })
    const againA = anInboundMessage({ source: 'stripe', webhookId: 'evt_a' })
    const againA2 = anInboundMessage({ source: 'stripe', webhookId: 'evt_a' })
    expect(await s.insertInboundMessages([againB, fresh, againA, againA2])).toEqual([
      { inserted: false, existing: storedB },
      { inserted: true },
      { inserted: false, existing: storedA },
      { inserted: false, existing: storedA },
    ])
    expect(await s.getInboundMessage(fresh.id)).toEqual(fresh)
    expect(await s.getInboundMessage(againA.id)).toBeUndefined()
  })

  it('stores a batch larger than one statement (1,200 webhooks, some repeated) with the same answers', async () => {
    const s = await env().freshStorage()
    const stored = Array.from({ length: 10 }, (_, i) => anInboundMessage({ source: 'bulk', webhookId: `wh_${i}` }))
    await s.insertInboundMessages(stored)
    const batch = Array.from({ length: 1_200 }, (_, i) => anInboundMessage({ source: 'bulk', webhookId: `wh_${i % 1_100}` }))
    const results = await s.insertInboundMessages(batch)
    expect(results).toHaveLength(1_200)
    results.forEach((result, i) => {
      const key = i % 1_100
      if (key < 10) expect(result).toEqual({ inserted: false, existing: stored[key] })
      else if (i < 1_100) expect(result).toEqual({ inserted: true })
      else expect(result).toEqual({ inserted: false, existing: batch[key] })
    })
    expect((await s.listInboundMessageIds({ source: 'bulk', limit: 1000 })).nextCursor).not.toBeNull()
    expect(await s.getInboundMessage(batch[1_099]!.id)).toEqual(batch[1_099])
  })

  it('accepts exactly one of 50 copies of a webhook arriving in concurrent batches', async () => {
    const s = await env().freshStorage()
    const copies = Array.from({ length: 50 }, () => anInboundMessage({ source: 'shopify', webhookId: 'wh_batch' }))
    const batches = Array.from({ length: 10 }, (_, b) => copies.slice(b * 5, b * 5 + 5))
    const results = (await Promise.all(batches.map((batch) => s.insertInboundMessages(batch)))).flat()
    expect(results.filter((r) => r.inserted)).toHaveLength(1)
    const winner = copies[results.findIndex((r) => r.inserted)]!
    for (const r of results) if (!r.inserted) expect(r.existing).toEqual(winner)
  })

  it('claims due pending messages, optionally of some sources, and re-claims expired leases', async () => {
    const s = await env().freshStorage()
    const a = anInboundMessage({ source: 'stripe', nextAttemptAt: at(20) })
    const b = anInboundMessage({ source: 'github', nextAttemptAt: at(10) })
    const later = anInboundMessage({ source: 'stripe', nextAttemptAt: at(10_000_000) })
    const done = anInboundMessage({ source: 'stripe', status: 'processed', nextAttemptAt: null, processedAt: at(1) })
    for (const m of [a, b, later, done]) await s.insertInboundMessage(m)

    const onlyStripe = await s.claimInboundMessages({ owner: 'w1', limit: 10, leaseMs: LEASE, now: at(100), sources: ['stripe'] })
    expect(onlyStripe.map((m) => m.id)).toEqual([a.id])
    expect(onlyStripe[0]).toMatchObject({ status: 'processing', leaseOwner: 'w1', nextAttemptAt: at(100 + LEASE) })

    expect(await s.claimInboundMessages({ owner: 'w1', limit: 10, leaseMs: LEASE, now: at(100), sources: [] })).toEqual([])
    const rest = await s.claimInboundMessages({ owner: 'w2', limit: 10, leaseMs: LEASE, now: at(100) })
    expect(rest.map((m) => m.id)).toEqual([b.id])

    const expired = await s.claimInboundMessages({ owner: 'w3', limit: 10, leaseMs: LEASE, now: at(100 + LEASE) })
    expect(expired.map((m) => m.id).sort()).toEqual([a.id, b.id].sort())
    expect(expired.every((m) => m.leaseOwner === 'w3')).toBe(true)
  })

  it('claims oldest due first, up to the limit', async () => {
    const s = await env().freshStorage()
    const messages = [30, 10, 20].map((ms) => anInboundMessage({ nextAttemptAt: at(ms) }))
    for (const m of messages) await s.insertInboundMessage(m)
    const claimed = await s.claimInboundMessages({ owner: 'w', limit: 2, leaseMs: LEASE, now: at(50) })
    expect(claimed.map((m) => m.id).sort()).toEqual([messages[1]!.id, messages[2]!.id].sort())
  })

  it('settles processing outcomes, guarded by the lease owner', async () => {
    const s = await env().freshStorage()
    const [ok, retry, dead, stolen] = Array.from({ length: 4 }, () => anInboundMessage({ nextAttemptAt: at(0) }))
    for (const m of [ok!, retry!, dead!, stolen!]) await s.insertInboundMessage(m)
    await s.claimInboundMessages({ owner: 'w1', limit: 4, leaseMs: LEASE, now: at(1) })
    // stolen's lease expires and w2 takes it over
    await s.settleInbound([{ id: stolen!.id, owner: 'w1', status: 'pending', nextAttemptAt: at(0), attempted: false, at: at(2) }])
    await s.claimInboundMessages({ owner: 'w2', limit: 1, leaseMs: LEASE, now: at(3) })

    await s.settleInbound([
      { id: ok!.id, owner: 'w1', status: 'processed', nextAttemptAt: null, attempted: true, lastError: null, at: at(10) },
      { id: retry!.id, owner: 'w1', status: 'pending', nextAttemptAt: at(500), attempted: true, lastError: 'handler threw: boom', at: at(10) },
      { id: dead!.id, owner: 'w1', status: 'dead', nextAttemptAt: null, attempted: true, lastError: 'boom', deadReason: 'exhausted', at: at(10) },
      { id: stolen!.id, owner: 'w1', status: 'processed', nextAttemptAt: null, attempted: true, at: at(10) },
    ])

    expect(await s.getInboundMessage(ok!.id)).toMatchObject({
      status: 'processed',
      attempts: 1,
      leaseOwner: null,
      nextAttemptAt: null,
      processedAt: at(10),
      updatedAt: at(10),
    })
    expect(await s.getInboundMessage(retry!.id)).toMatchObject({
      status: 'pending',
      attempts: 1,
      nextAttemptAt: at(500),
      lastError: 'handler threw: boom',
      processedAt: null,
    })
    expect(await s.getInboundMessage(dead!.id)).toMatchObject({ status: 'dead', deadReason: 'exhausted', processedAt: at(10) })
    expect(await s.getInboundMessage(stolen!.id)).toMatchObject({ status: 'processing', leaseOwner: 'w2', attempts: 0 })
  })

  it('settles a message no handler matched as unhandled: terminal, no attempt counted, replayable, purged by retention', async () => {
    const s = await env().freshStorage()
    const m = anInboundMessage({ nextAttemptAt: at(0), type: 'order.created' })
    await s.insertInboundMessage(m)
    await s.claimInboundMessages({ owner: 'w', limit: 1, leaseMs: LEASE, now: at(1) })
    await s.settleInbound([{ id: m.id, owner: 'w', status: 'unhandled', nextAttemptAt: null, attempted: false, at: at(10) }])
    expect(await s.getInboundMessage(m.id)).toMatchObject({ status: 'unhandled', attempts: 0, leaseOwner: null, nextAttemptAt: null, processedAt: at(10) })
    // Not claimable: it waits for an operator (or a replay once a handler exists).
    expect(await s.claimInboundMessages({ owner: 'w', limit: 10, leaseMs: LEASE, now: at(1_000_000) })).toEqual([])
    expect((await s.listInboundMessages({ status: 'unhandled' })).data.map((x) => x.id)).toEqual([m.id])
    expect((await s.relayStats({ since: at(0), until: at(100) }, at(100))).inbound).toMatchObject({ unhandled: 1, processed: 0, pending: 0 })

    expect(await s.requeueInboundMessages([m.id], ['dead', 'unhandled'], at(20))).toEqual([m.id])
    expect(await s.getInboundMessage(m.id)).toMatchObject({ status: 'pending', nextAttemptAt: at(20), processedAt: null })

    // Retention takes unhandled messages like processed ones (senders send types apps ignore).
    const old = anInboundMessage({ status: 'unhandled', nextAttemptAt: null, processedAt: at(5) })
    const dead = anInboundMessage({ status: 'dead', nextAttemptAt: null, processedAt: at(5) })
    for (const x of [old, dead]) await s.insertInboundMessage(x)
    expect(await s.purgeInboundMessages(at(100), 100)).toBe(1)
    expect(await s.getInboundMessage(old.id)).toBeUndefined()
    expect(await s.getInboundMessage(dead.id)).toMatchObject({ status: 'dead' })
  })

  it('keeps the attempt count and last error on a hand-back', async () => {
    const s = await env().freshStorage()
    const m = anInboundMessage({ nextAttemptAt: at(0) })
    await s.insertInboundMessage(m)
    await s.claimInboundMessages({ owner: 'w', limit: 1, leaseMs: LEASE, now: at(1) })
    await s.settleInbound([{ id: m.id, owner: 'w', status: 'pending', nextAttemptAt: at(5), attempted: true, lastError: 'first', at: at(2) }])
    await s.claimInboundMessages({ owner: 'w', limit: 1, leaseMs: LEASE, now: at(5) })
    await s.settleInbound([{ id: m.id, owner: 'w', status: 'pending', nextAttemptAt: at(9), attempted: false, at: at(6) }])
    expect(await s.getInboundMessage(m.id)).toMatchObject({ status: 'pending', attempts: 1, lastError: 'first', nextAttemptAt: at(9) })
  })

  it('requeues and discards only messages in the given statuses, returning the ids that changed', async () => {
    const s = await env().freshStorage()
    const dead = anInboundMessage({ status: 'dead', nextAttemptAt: null, deadReason: 'exhausted', processedAt: at(1) })
    const pending = anInboundMessage()
    for (const m of [dead, pending]) await s.insertInboundMessage(m)

    expect(await s.requeueInboundMessages([dead.id, pending.id], ['dead'], at(50))).toEqual([dead.id])
    expect(await s.requeueInboundMessages([dead.id, pending.id], ['dead'], at(50))).toEqual([])
    expect(await s.getInboundMessage(dead.id)).toMatchObject({ status: 'pending', nextAttemptAt: at(50), deadReason: null, processedAt: null })

    expect(await s.discardInboundMessages([pending.id], ['pending'], at(60))).toEqual([pending.id])
    expect(await s.discardInboundMessages([pending.id], ['pending', 'discarded'], at(61))).toEqual([])
    expect(await s.getInboundMessage(pending.id)).toMatchObject({ status: 'discarded', nextAttemptAt: null, processedAt: at(60) })
    expect(await s.requeueInboundMessages([], ['dead'], at(1))).toEqual([])
  })

  it('lists inbound messages newest first with filters and a cursor', async () => {
    const s = await env().freshStorage()
    const m1 = anInboundMessage({ source: 'stripe', type: 'invoice.paid', receivedAt: at(1) })
    const m2 = anInboundMessage({ source: 'github', type: 'push', receivedAt: at(2) })
    const m3 = anInboundMessage({ source: 'stripe', type: 'invoice.paid', receivedAt: at(3), status: 'dead', nextAttemptAt: null })
    for (const m of [m1, m2, m3]) await s.insertInboundMessage(m)

    const ids = async (filter: Parameters<typeof s.listInboundMessages>[0]) =>
      (await s.listInboundMessages(filter)).data.map((m: InboundMessageRecord) => m.id)
    expect(await ids({})).toEqual([m3.id, m2.id, m1.id])
    expect(await ids({ source: 'stripe' })).toEqual([m3.id, m1.id])
    expect(await ids({ status: 'dead' })).toEqual([m3.id])
    expect(await ids({ status: ['pending', 'dead'], type: 'invoice.paid' })).toEqual([m3.id, m1.id])
    expect(await ids({ since: at(2), until: at(3) })).toEqual([m2.id])
    const page = await s.listInboundMessages({ limit: 2 })
    expect(page.nextCursor).toBe(m2.id)
    expect(await ids({ limit: 2, cursor: page.nextCursor })).toEqual([m1.id])
  })
})
