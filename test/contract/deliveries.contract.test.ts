import { sql } from 'kysely'
import { expect, it } from 'vitest'
import { ValidationError } from '../../src/core/errors.js'
import { deliveryIdOf, newId, newMessageId } from '../../src/core/ids.js'
import type { DeliverySettlement } from '../../src/storage/storage.js'
import { describeEachStorage } from '../support/storages.js'
import { aDelivery, aMessage, anAttempt, anEndpoint, at, seedDeliveries, T0 } from './fixtures.js'

const LEASE = 30_000

describeEachStorage('storage: claiming and settling deliveries', ({ env, target }) => {
  it('claims only deliveries that are due, oldest due first, up to the limit', async () => {
    const s = await env().freshStorage()
    // due at T0+40, T0+10, T0+30, T0+20, and one in the future
    const offsets = [40, 10, 30, 20, 10_000]
    const { deliveries, message, endpoint } = await seedDeliveries(s, offsets.length, { due: (i) => at(offsets[i]!) })

    const claimed = await s.claimDeliveries({ owner: 'w1', limit: 3, leaseMs: LEASE, now: at(100) })
    expect(claimed.map((c) => c.delivery.id).sort()).toEqual([deliveries[1]!.id, deliveries[3]!.id, deliveries[2]!.id].sort())
    for (const c of claimed) {
      expect(c.delivery.status).toBe('delivering')
      expect(c.delivery.leaseOwner).toBe('w1')
      expect(c.delivery.nextAttemptAt).toEqual(at(100 + LEASE))
      expect(c.message).toEqual(message)
      expect(c.endpoint).toEqual(endpoint)
    }

    const rest = await s.claimDeliveries({ owner: 'w2', limit: 10, leaseMs: LEASE, now: at(100) })
    expect(rest.map((c) => c.delivery.id)).toEqual([deliveries[0]!.id])
    expect(await s.claimDeliveries({ owner: 'w2', limit: 10, leaseMs: LEASE, now: at(100) })).toEqual([])
  })

  it('does not claim deliveries that are succeeded, dead or discarded', async () => {
    const s = await env().freshStorage()
    const endpoint = anEndpoint()
    await s.insertEndpoint(endpoint)
    const message = aMessage()
    const finished = (['succeeded', 'dead', 'discarded'] as const).map((status) =>
      aDelivery(message, endpoint, { status, nextAttemptAt: T0, completedAt: T0 }),
    )
    await s.transaction(async (tx) => {
      await tx.insertMessage(message, null)
      await tx.insertDeliveries(finished)
    })
    expect(await s.claimDeliveries({ owner: 'w1', limit: 10, leaseMs: LEASE, now: at(1_000_000) })).toEqual([])
  })

  it('makes a delivery whose lease expired claimable by another worker', async () => {
    const s = await env().freshStorage()
    const { deliveries } = await seedDeliveries(s, 1)
    const [first] = await s.claimDeliveries({ owner: 'dead-worker', limit: 1, leaseMs: LEASE, now: at(0) })
    expect(first!.delivery.id).toBe(deliveries[0]!.id)

    expect(await s.claimDeliveries({ owner: 'w2', limit: 1, leaseMs: LEASE, now: at(LEASE - 1) })).toEqual([])
    const [again] = await s.claimDeliveries({ owner: 'w2', limit: 1, leaseMs: LEASE, now: at(LEASE) })
    expect(again!.delivery.id).toBe(deliveries[0]!.id)
    expect(again!.delivery.leaseOwner).toBe('w2')
    expect(again!.delivery.nextAttemptAt).toEqual(at(2 * LEASE))
  })

  it('hands out a claimed delivery with endpoint undefined when its endpoint row is gone', async () => {
    const s = await env().freshStorage()
    const message = aMessage()
    const ghost = anEndpoint()
    await s.transaction(async (tx) => {
      await tx.insertMessage(message, null)
      await tx.insertDeliveries([aDelivery(message, ghost)]) // endpoint never stored
    })
    const [claimed] = await s.claimDeliveries({ owner: 'w1', limit: 1, leaseMs: LEASE, now: at(1) })
    expect(claimed!.endpoint).toBeUndefined()
    expect(claimed!.message).toEqual(message)
  })

  it('hands every delivery of a batch its own endpoint, several deliveries per endpoint, one endpoint gone', async () => {
    const s = await env().freshStorage()
    const [a, b] = [anEndpoint({ url: 'https://a.example.com/hooks' }), anEndpoint({ url: 'https://b.example.com/hooks' })]
    const ghost = anEndpoint()
    await s.insertEndpoint(a)
    await s.insertEndpoint(b)
    const message = aMessage()
    // Interleaved, so the deliveries of one endpoint are neither first nor together in id order.
    const deliveries = Array.from({ length: 9 }, (_, i) => aDelivery(message, [a, b, ghost][i % 3]!, { nextAttemptAt: at(i) }))
    await s.transaction(async (tx) => {
      await tx.insertMessage(message, null)
      await tx.insertDeliveries(deliveries)
    })
    const claimed = await s.claimDeliveries({ owner: 'w1', limit: 9, leaseMs: LEASE, now: at(100) })
    expect(claimed).toHaveLength(9)
    for (const c of claimed) {
      const expected = { [a.id]: a, [b.id]: b }[c.delivery.endpointId]
      expect(c.endpoint).toEqual(expected)
      expect(c.message).toEqual(message)
    }
    expect(claimed.filter((c) => c.endpoint === undefined)).toHaveLength(3)
  })

  it('never hands the same delivery to two concurrent claimers', async () => {
    // Postgres: four storages (four pools, like four processes) on the same tables.
    // SQLite: one storage per file and process, so four loops share it.
    const prefix = `claim_race_`
    const s = env().createStorage({ tablePrefix: prefix })
    await s.migrate()
    const claimers = target.dialect === 'postgres' ? [s, ...[1, 2, 3].map(() => env().createStorage({ tablePrefix: prefix }))] : [s, s, s, s]
    const { deliveries } = await seedDeliveries(s, 200, { due: (i) => at(i) })

    const byOwner = await Promise.all(
      claimers.map(async (claimer, n) => {
        const got: string[] = []
        for (;;) {
          const batch = await claimer.claimDeliveries({ owner: `w${n}`, limit: 7, leaseMs: LEASE, now: at(1_000) })
          if (batch.length === 0) return got
          got.push(...batch.map((c) => c.delivery.id))
        }
      }),
    )
    const all = byOwner.flat()
    expect(new Set(all).size).toBe(all.length) // disjoint
    expect(all.sort()).toEqual(deliveries.map((d) => d.id).sort()) // complete
    if (target.dialect === 'postgres') expect(byOwner.filter((got) => got.length > 0).length).toBeGreaterThan(1)
  })

  it('refuses a claim limit or lease that is not positive', async () => {
    const s = await env().freshStorage()
    await expect(s.claimDeliveries({ owner: 'w', limit: 0, leaseMs: LEASE, now: T0 })).rejects.toBeInstanceOf(ValidationError)
    await expect(s.claimDeliveries({ owner: 'w', limit: 1, leaseMs: 0, now: T0 })).rejects.toBeInstanceOf(ValidationError)
  })

  it('settles a batch: records attempts and moves each delivery to its new state', async () => {
    const s = await env().freshStorage()
    const { deliveries } = await seedDeliveries(s, 3)
    const claimed = await s.claimDeliveries({ owner: 'w1', limit: 3, leaseMs: LEASE, now: at(1) })
    const [ok, retry, dead] = deliveries.map((d) => claimed.find((c) => c.delivery.id === d.id)!.delivery)

    const settlements: DeliverySettlement[] = [
      {
        deliveryId: ok!.id,
        owner: 'w1',
        status: 'succeeded',
        nextAttemptAt: null,
        attempt: anAttempt(ok!, { number: 1, statusCode: 204, outcome: 'succeeded' }),
        at: at(10),
      },
      {
        deliveryId: retry!.id,
        owner: 'w1',
        status: 'pending',
        nextAttemptAt: at(5_000),
        attempt: anAttempt(retry!, { number: 1, statusCode: 503, error: 'HTTP 503', outcome: 'failed', responseBody: 'busy' }),
        at: at(10),
      },
      {
        deliveryId: dead!.id,
        owner: 'w1',
        status: 'dead',
        nextAttemptAt: null,
        attempt: anAttempt(dead!, { number: 1, statusCode: 400, outcome: 'dead' }),
        deadReason: 'permanent_status',
        at: at(10),
      },
    ]
    await s.settle(settlements)

    expect(await s.getDelivery(ok!.id)).toMatchObject({
      status: 'succeeded',
      attempts: 1,
      nextAttemptAt: null,
      leaseOwner: null,
      lastStatusCode: 204,
      lastError: null,
      completedAt: at(10),
      updatedAt: at(10),
    })
    expect(await s.getDelivery(retry!.id)).toMatchObject({
      status: 'pending',
      attempts: 1,
      nextAttemptAt: at(5_000),
      leaseOwner: null,
      lastStatusCode: 503,
      lastError: 'HTTP 503',
      completedAt: null,
    })
    expect(await s.getDelivery(dead!.id)).toMatchObject({
      status: 'dead',
      deadReason: 'permanent_status',
      lastStatusCode: 400,
      completedAt: at(10),
    })
    const attempts = await s.listAttempts({ deliveryId: retry!.id })
    expect(attempts.data).toEqual([settlements[1]!.attempt])
  })

  it('keeps the attempt count and last result on a deferral without an attempt', async () => {
    const s = await env().freshStorage()
    const { deliveries } = await seedDeliveries(s, 1)
    const d = deliveries[0]!
    await s.claimDeliveries({ owner: 'w1', limit: 1, leaseMs: LEASE, now: at(1) })
    await s.settle([
      { deliveryId: d.id, owner: 'w1', status: 'pending', nextAttemptAt: at(100), attempt: anAttempt(d, { number: 1, statusCode: 500, error: 'HTTP 500', outcome: 'failed' }), at: at(2) },
    ])
    await s.claimDeliveries({ owner: 'w1', limit: 1, leaseMs: LEASE, now: at(100) })
    await s.settle([{ deliveryId: d.id, owner: 'w1', status: 'pending', nextAttemptAt: at(200), at: at(101) }])
    expect(await s.getDelivery(d.id)).toMatchObject({
      status: 'pending',
      attempts: 1,
      nextAttemptAt: at(200),
      lastStatusCode: 500,
      lastError: 'HTTP 500',
    })
  })

  it('ignores the settlement of a worker whose lease passed to another, but records its attempt', async () => {
    const s = await env().freshStorage()
    const { deliveries } = await seedDeliveries(s, 1)
    const d = deliveries[0]!
    await s.claimDeliveries({ owner: 'slow', limit: 1, leaseMs: LEASE, now: at(0) })
    const [taken] = await s.claimDeliveries({ owner: 'fast', limit: 1, leaseMs: LEASE, now: at(LEASE) })
    expect(taken!.delivery.leaseOwner).toBe('fast')

    const staleAttempt = anAttempt(d, { number: 1, statusCode: 200, outcome: 'succeeded' })
    await s.settle([{ deliveryId: d.id, owner: 'slow', status: 'succeeded', nextAttemptAt: null, attempt: staleAttempt, at: at(LEASE + 1) }])

    expect(await s.getDelivery(d.id)).toMatchObject({ status: 'delivering', leaseOwner: 'fast', attempts: 0 })
    expect((await s.listAttempts({ deliveryId: d.id })).data.map((a) => a.id)).toEqual([staleAttempt.id])

    await s.settle([{ deliveryId: d.id, owner: 'fast', status: 'succeeded', nextAttemptAt: null, attempt: anAttempt(d, { number: 2 }), at: at(LEASE + 2) }])
    expect(await s.getDelivery(d.id)).toMatchObject({ status: 'succeeded', leaseOwner: null, attempts: 2 })
  })

  it('does not settle a delivery that is no longer delivering', async () => {
    const s = await env().freshStorage()
    const { deliveries } = await seedDeliveries(s, 1)
    const d = deliveries[0]!
    await s.claimDeliveries({ owner: 'w1', limit: 1, leaseMs: LEASE, now: at(0) })
    await s.settle([{ deliveryId: d.id, owner: 'w1', status: 'succeeded', nextAttemptAt: null, attempt: anAttempt(d), at: at(1) }])
    await s.settle([{ deliveryId: d.id, owner: 'w1', status: 'pending', nextAttemptAt: at(9), at: at(2) }])
    expect(await s.getDelivery(d.id)).toMatchObject({ status: 'succeeded', attempts: 1 })
  })

  it('settles a large batch in one call', async () => {
    const s = await env().freshStorage()
    const { deliveries } = await seedDeliveries(s, 700)
    const claimed = await s.claimDeliveries({ owner: 'w1', limit: 700, leaseMs: LEASE, now: at(1) })
    expect(claimed).toHaveLength(700)
    await s.settle(
      deliveries.map((d) => ({
        deliveryId: d.id,
        owner: 'w1',
        status: 'succeeded' as const,
        nextAttemptAt: null,
        attempt: anAttempt(d, { number: 1 }),
        at: at(2),
      })),
    )
    const done = await s.listDeliveries({ status: 'succeeded', limit: 1000 })
    expect(done.data).toHaveLength(700)
    expect((await s.listAttempts({ limit: 1000 })).data).toHaveLength(700)
  })

  it('logs the attempt of a delivery whose endpoint was deleted mid-attempt, leaves it discarded, and settles the rest of the batch', async () => {
    const s = await env().freshStorage()
    const a = await seedDeliveries(s, 1)
    const b = await seedDeliveries(s, 1)
    await s.claimDeliveries({ owner: 'w1', limit: 2, leaseMs: LEASE, now: at(1) })
    await s.deleteEndpoint(a.endpoint.id)
    const [da, db] = [a.deliveries[0]!, b.deliveries[0]!]
    await s.settle([
      { deliveryId: da.id, owner: 'w1', status: 'succeeded', nextAttemptAt: null, attempt: anAttempt(da), at: at(2) },
      { deliveryId: db.id, owner: 'w1', status: 'succeeded', nextAttemptAt: null, attempt: anAttempt(db), at: at(2) },
    ])
    expect(await s.getDelivery(da.id)).toMatchObject({ status: 'discarded', deadReason: 'endpoint_deleted' })
    expect((await s.listAttempts({ deliveryId: da.id })).data).toHaveLength(1)
    expect(await s.getDelivery(db.id)).toMatchObject({ status: 'succeeded' })
  })

  it('tracks endpoint health: failure sets failing_since once, success clears it, disable records why', async () => {
    const s = await env().freshStorage()
    const endpoint = anEndpoint()
    await s.insertEndpoint(endpoint)

    await s.settle([], [{ endpointId: endpoint.id, kind: 'failure', at: at(10) }])
    expect((await s.getEndpoint(endpoint.id))!.failingSince).toEqual(at(10))
    await s.settle([], [{ endpointId: endpoint.id, kind: 'failure', at: at(20) }])
    expect((await s.getEndpoint(endpoint.id))!.failingSince).toEqual(at(10))

    await s.settle([], [{ endpointId: endpoint.id, kind: 'success' }])
    expect((await s.getEndpoint(endpoint.id))!.failingSince).toBeNull()
    await s.settle([], [{ endpointId: endpoint.id, kind: 'success' }])
    expect((await s.getEndpoint(endpoint.id))!.failingSince).toBeNull()

    await s.settle(
      [],
      [
        { endpointId: endpoint.id, kind: 'failure', at: at(30) },
        { endpointId: endpoint.id, kind: 'disable', reason: 'HTTP 410 Gone', at: at(31) },
      ],
    )
    expect(await s.getEndpoint(endpoint.id)).toMatchObject({
      failingSince: at(30),
      disabledAt: at(31),
      disabledReason: 'HTTP 410 Gone',
    })
  })

  it('leaves the health of a batch of mixed answers as if applied one by one', async () => {
    const s = await env().freshStorage()
    const [failing, recovering, restarted] = [anEndpoint(), anEndpoint(), anEndpoint()]
    for (const e of [failing, recovering, restarted]) await s.insertEndpoint(e)
    await s.settle([], [
      { endpointId: failing.id, kind: 'failure', at: at(1) },
      { endpointId: recovering.id, kind: 'failure', at: at(1) },
      { endpointId: restarted.id, kind: 'failure', at: at(1) },
    ])
    const failure = (e: { id: string }, t: number) => ({ endpointId: e.id, kind: 'failure' as const, at: at(t) })
    const success = (e: { id: string }) => ({ endpointId: e.id, kind: 'success' as const })
    await s.settle([], [
      failure(failing, 10), failure(failing, 11), // still failing since 1
      failure(recovering, 10), success(recovering), failure(recovering, 12), success(recovering), // ends in success
      failure(restarted, 10), success(restarted), failure(restarted, 12), failure(restarted, 13), // a new streak from 12
    ])
    expect((await s.getEndpoint(failing.id))!.failingSince).toEqual(at(1))
    expect((await s.getEndpoint(recovering.id))!.failingSince).toBeNull()
    expect((await s.getEndpoint(restarted.id))!.failingSince).toEqual(at(12))
  })

  it('writes endpoint health in the same call as the settlements', async () => {
    const s = await env().freshStorage()
    const { endpoint, deliveries } = await seedDeliveries(s, 1)
    const d = deliveries[0]!
    await s.claimDeliveries({ owner: 'w1', limit: 1, leaseMs: LEASE, now: at(1) })
    await s.settle(
      [{ deliveryId: d.id, owner: 'w1', status: 'pending', nextAttemptAt: at(50), attempt: anAttempt(d, { outcome: 'failed', statusCode: 500 }), at: at(2) }],
      [{ endpointId: endpoint.id, kind: 'failure', at: at(2) }],
    )
    expect((await s.getEndpoint(endpoint.id))!.failingSince).toEqual(at(2))
    expect((await s.getDelivery(d.id))!.status).toBe('pending')
  })
})

describeEachStorage('storage: the claim query plan', ({ env, target }) => {
  it('claims through the claim index in due order, never sorting the whole backlog', async () => {
    const s = await env().freshStorage()
    await seedDeliveries(s, 2_000, { due: (i) => at(i) })
    const deliveries =
      target.dialect === 'mysql'
        ? `\`${s.tableName('deliveries')}\``
        : `${target.dialect === 'postgres' ? `"${env().location}".` : ''}"${s.tableName('deliveries')}"`
    // MySQL has no partial index: its claim index is on the generated column claim_due_at.
    const claim =
      target.dialect === 'mysql'
        ? `select id from ${deliveries} where claim_due_at <= ${at(5_000).getTime()} order by claim_due_at limit 64`
        : `select id from ${deliveries} where status in ('pending', 'delivering') ` +
          `and next_attempt_at <= ${at(5_000).getTime()} order by next_attempt_at limit 64`
    let plan: string
    if (target.dialect === 'mysql') {
      await sql.raw(`analyze table ${deliveries}`).execute(s.db)
      const rows = (await sql.raw(`explain format=json ${claim}`).execute(s.db)).rows as Record<string, string>[]
      plan = Object.values(rows[0]!).join('\n')
      expect(plan).not.toMatch(/filesort/)
    } else if (target.dialect === 'postgres') {
      await sql.raw(`analyze ${deliveries}`).execute(s.db)
      const rows = (await sql.raw(`explain ${claim}`).execute(s.db)).rows as Record<string, string>[]
      plan = rows.map((r) => r['QUERY PLAN']).join('\n')
      expect(plan).not.toMatch(/\bSort\b/)
    } else {
      const rows = (await sql.raw(`explain query plan ${claim}`).execute(s.db)).rows as { detail: string }[]
      plan = rows.map((r) => r.detail).join('\n')
      expect(plan).not.toMatch(/TEMP B-TREE/)
    }
    expect(plan).toContain(s.tableName('deliveries') + '_claim_idx')
  })
})

describeEachStorage('storage: operating on deliveries', ({ env }) => {
  it('requeues dead deliveries once and returns only the ids that changed', async () => {
    const s = await env().freshStorage()
    const { deliveries } = await seedDeliveries(s, 3)
    const claimed = await s.claimDeliveries({ owner: 'w1', limit: 3, leaseMs: LEASE, now: at(1) })
    expect(claimed).toHaveLength(3)
    const [dead1, dead2, ok] = deliveries
    await s.settle([
      { deliveryId: dead1!.id, owner: 'w1', status: 'dead', nextAttemptAt: null, deadReason: 'exhausted', attempt: anAttempt(dead1!, { outcome: 'dead' }), at: at(2) },
      { deliveryId: dead2!.id, owner: 'w1', status: 'dead', nextAttemptAt: null, deadReason: 'gone', attempt: anAttempt(dead2!, { outcome: 'dead' }), at: at(2) },
      { deliveryId: ok!.id, owner: 'w1', status: 'succeeded', nextAttemptAt: null, attempt: anAttempt(ok!), at: at(2) },
    ])

    const ids = [dead1!.id, dead2!.id, ok!.id, 'dlv_missing']
    expect(await s.requeueDeliveries(ids, ['dead'], at(100))).toEqual([dead1!.id, dead2!.id].sort())
    expect(await s.requeueDeliveries(ids, ['dead'], at(100))).toEqual([])
    expect(await s.getDelivery(dead1!.id)).toMatchObject({
      status: 'pending',
      nextAttemptAt: at(100),
      deadReason: null,
      completedAt: null,
      attempts: 1,
      nextTrigger: 'manual',
    })
    expect(await s.getDelivery(ok!.id)).toMatchObject({ status: 'succeeded', nextTrigger: 'scheduled' })
    expect(await s.requeueDeliveries([], ['dead'], at(100))).toEqual([])

    const again = await s.claimDeliveries({ owner: 'w2', limit: 10, leaseMs: LEASE, now: at(100) })
    expect(again.map((c) => c.delivery.id).sort()).toEqual([dead1!.id, dead2!.id].sort())
    expect(again.every((c) => c.delivery.nextTrigger === 'manual')).toBe(true)
    await s.settle([
      { deliveryId: dead1!.id, owner: 'w2', status: 'pending', nextAttemptAt: at(200), attempt: anAttempt(dead1!, { number: 2, trigger: 'manual' }), at: at(101) },
    ])
    expect(await s.getDelivery(dead1!.id)).toMatchObject({ attempts: 2, nextTrigger: 'scheduled' })
  })

  it('discards deliveries in the given statuses once and returns only the ids that changed', async () => {
    const s = await env().freshStorage()
    const { deliveries } = await seedDeliveries(s, 2)
    const [a, b] = deliveries
    expect(await s.discardDeliveries([a!.id, b!.id], ['dead'], at(5))).toEqual([])
    expect(await s.discardDeliveries([a!.id], ['pending', 'dead'], at(5))).toEqual([a!.id])
    expect(await s.discardDeliveries([a!.id], ['pending', 'dead', 'discarded'], at(6))).toEqual([])
    expect(await s.getDelivery(a!.id)).toMatchObject({ status: 'discarded', completedAt: at(5), nextAttemptAt: null })
    expect(await s.claimDeliveries({ owner: 'w', limit: 10, leaseMs: LEASE, now: at(10) })).toHaveLength(1)
  })

  it('lists deliveries newest first with filters on status, endpoint, message, tenant, event type and time', async () => {
    const s = await env().freshStorage()
    const e1 = anEndpoint({ tenant: 'acme' })
    const e2 = anEndpoint({ tenant: 'acme' })
    await s.insertEndpoint(e1)
    await s.insertEndpoint(e2)
    const m1 = aMessage({ tenant: 'acme', type: 'order.created' })
    const m2 = aMessage({ tenant: null, type: 'user.deleted' })
    const d1 = aDelivery(m1, e1, { createdAt: at(1) })
    const d2 = aDelivery(m1, e2, { createdAt: at(2), status: 'dead', deadReason: 'exhausted' })
    const d3 = aDelivery(m2, e1, { createdAt: at(3) })
    await s.transaction(async (tx) => {
      await tx.insertMessage(m1, null)
      await tx.insertMessage(m2, null)
      await tx.insertDeliveries([d1, d2, d3])
    })

    const ids = async (filter: Parameters<typeof s.listDeliveries>[0]) => (await s.listDeliveries(filter)).data.map((d) => d.id)
    expect(await ids({})).toEqual([d3.id, d2.id, d1.id])
    expect(await ids({ status: 'dead' })).toEqual([d2.id])
    expect(await ids({ status: ['pending', 'dead'] })).toEqual([d3.id, d2.id, d1.id])
    expect(await ids({ status: [] })).toEqual([])
    expect(await ids({ endpointId: e1.id })).toEqual([d3.id, d1.id])
    expect(await ids({ messageId: m1.id })).toEqual([d2.id, d1.id])
    expect(await ids({ tenant: 'acme' })).toEqual([d2.id, d1.id])
    expect(await ids({ tenant: null })).toEqual([d3.id])
    expect(await ids({ eventType: 'user.deleted' })).toEqual([d3.id])
    expect(await ids({ tenant: 'acme', eventType: 'order.created', status: 'pending' })).toEqual([d1.id])
    expect(await ids({ since: at(2) })).toEqual([d3.id, d2.id])
    expect(await ids({ until: at(2) })).toEqual([d1.id])

    const first = await s.listDeliveries({ limit: 2 })
    expect(first.data.map((d) => d.id)).toEqual([d3.id, d2.id])
    const second = await s.listDeliveries({ limit: 2, cursor: first.nextCursor })
    expect(second.data.map((d) => d.id)).toEqual([d1.id])
    expect(second.nextCursor).toBeNull()
  })

  it('lists by event type or tenant newest message first, a page at a time, from either cursor', async () => {
    const s = await env().freshStorage()
    const [e1, e2] = [anEndpoint({ tenant: 'acme' }), anEndpoint({ tenant: 'acme' })]
    await s.insertEndpoint(e1)
    await s.insertEndpoint(e2)
    // Ids as send() makes them: deliveries named after their message, and one resend of m1 made later.
    const [m1, m2, m3] = [1, 2, 3].map(() => aMessage({ id: newMessageId(), tenant: 'acme', type: 'order.paid' }))
    const other = aMessage({ id: newMessageId(), tenant: 'acme', type: 'order.created' })
    const of = (m: typeof m1, n: number, e = n === 1 ? e1 : e2) => aDelivery(m!, e, { id: deliveryIdOf(m!.id, n) })
    const resend = aDelivery(m1!, e1, { id: newId('dlv') })
    const rows = [of(m1, 1), of(m1, 2), of(m2, 1), of(m2, 2), of(other, 1), of(m3, 1), of(m3, 2), resend]
    await s.transaction(async (tx) => {
      for (const m of [m1!, m2!, other, m3!]) await tx.insertMessage(m, null)
      await tx.insertDeliveries(rows)
    })
    const byMessage = [of(m3, 2), of(m3, 1), of(m2, 2), of(m2, 1), resend, of(m1, 2), of(m1, 1)].map((d) => d.id)

    const first = await s.listDeliveries({ eventType: 'order.paid', limit: 4 })
    expect(first.data.map((d) => d.id)).toEqual(byMessage.slice(0, 4))
    expect(first.nextCursor).toBe(`${m2!.id}/${of(m2, 1).id}`)
    const second = await s.listDeliveries({ eventType: 'order.paid', limit: 4, cursor: first.nextCursor })
    expect(second).toEqual({ data: second.data, nextCursor: null })
    expect(second.data.map((d) => d.id)).toEqual(byMessage.slice(4))
    expect((await s.listDeliveries({ tenant: 'acme', eventType: 'order.paid' })).data.map((d) => d.id)).toEqual(byMessage)
    // A delivery id as the cursor, here one that is not there (purged): its message is where the list was.
    const fromGone = await s.listDeliveries({ eventType: 'order.paid', cursor: deliveryIdOf(m2!.id, 3) })
    expect(fromGone.data.map((d) => d.id)).toEqual(byMessage.slice(2))
    expect((await s.listDeliveryIds({ eventType: 'order.paid', limit: 10 })).data).toEqual(byMessage)
  })

  it('lists attempts newest first, by delivery, message or endpoint', async () => {
    const s = await env().freshStorage()
    const { deliveries, message, endpoint } = await seedDeliveries(s, 2)
    await s.claimDeliveries({ owner: 'w', limit: 2, leaseMs: LEASE, now: at(1) })
    const [a, b] = deliveries
    const attemptA = anAttempt(a!, { outcome: 'failed', statusCode: null, error: 'ECONNREFUSED', responseBody: null, trigger: 'manual' })
    const attemptB = anAttempt(b!)
    await s.settle([
      { deliveryId: a!.id, owner: 'w', status: 'pending', nextAttemptAt: at(9), attempt: attemptA, at: at(2) },
      { deliveryId: b!.id, owner: 'w', status: 'succeeded', nextAttemptAt: null, attempt: attemptB, at: at(2) },
    ])
    expect((await s.listAttempts({ deliveryId: a!.id })).data).toEqual([attemptA])
    expect((await s.listAttempts({ messageId: message.id })).data).toEqual([attemptB, attemptA])
    expect((await s.listAttempts({ endpointId: endpoint.id, limit: 1 })).nextCursor).toBe(attemptB.id)
    expect((await s.getDelivery(a!.id))!.lastStatusCode).toBeNull()
    expect((await s.getDelivery(a!.id))!.lastError).toBe('ECONNREFUSED')
  })

  it('claims and settles outside a transaction the application holds open, after it ends, whatever it does', async () => {
    // SQLite runs the claim and the settle straight on the one connection: they must wait for the
    // application's transaction instead of landing inside it (and being rolled back with it).
    const s = await env().freshStorage()
    const { deliveries } = await seedDeliveries(s, 2)
    const [first] = await s.claimDeliveries({ owner: 'w1', limit: 1, leaseMs: LEASE, now: at(0) })
    let release!: () => void
    const held = new Promise<void>((resolve) => (release = resolve))
    const rolledBack = aMessage()
    const app = s
      .transaction(async (tx) => {
        await tx.insertMessage(rolledBack, null)
        await held
        throw new Error('the application rolls back')
      })
      .catch((error: unknown) => error)
    const settled = s.settle([
      { deliveryId: first!.delivery.id, owner: 'w1', status: 'succeeded', nextAttemptAt: null, at: at(10), attempt: anAttempt(first!.delivery) },
    ])
    const claimed = s.claimDeliveries({ owner: 'w2', limit: 5, leaseMs: LEASE, now: at(20) })
    release()
    expect(await app).toBeInstanceOf(Error)
    await settled
    const other = deliveries.find((d) => d.id !== first!.delivery.id)!
    expect((await claimed).map((c) => c.delivery.id)).toEqual([other.id])
    expect((await s.getDelivery(first!.delivery.id))!.status).toBe('succeeded')
    expect((await s.listAttempts({ deliveryId: first!.delivery.id, limit: 10 })).data).toHaveLength(1)
    expect(await s.getMessage(rolledBack.id)).toBeUndefined()
    expect((await s.getDelivery(other.id))!.leaseOwner).toBe('w2')
  })
})
