import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import type { RateLimit } from '../../src/core/types.js'
import { redisQueue, type RedisQueue } from '../../src/index.js'
import { LocalCoordination } from '../../src/queue/local-coordination.js'
import type { RateLimitDecision } from '../../src/queue/sliding-window.js'
import type { Storage } from '../../src/storage/storage.js'
import { deleteKeys } from '../fleet/support/redis-keys.js'
import { REDIS_URL } from '../support/urls.js'

type Take = (endpointId: string, limit: RateLimit, now: number) => Promise<RateLimitDecision>

/**
 * Drives a limiter on a simulated clock as the dispatcher does: each request asks at its due time
 * and, when refused, asks again at the time it was given (a deferral). Returns the admission times.
 */
async function simulate(take: (i: number) => Take, limit: RateLimit, arrivals: readonly number[]): Promise<{ admitted: number[]; refusals: number }> {
  const due = arrivals.map((at, i) => ({ at, i })).sort((a, b) => a.at - b.at || a.i - b.i)
  const admitted: number[] = []
  let refusals = 0
  while (due.length > 0) {
    const next = due.shift()!
    const decision = await take(next.i)('ep_limited', limit, next.at)
    if (decision.allowed) {
      admitted.push(next.at)
      continue
    }
    refusals++
    expect(decision.retryAt).toBeGreaterThan(next.at)
    const item = { at: decision.retryAt, i: next.i }
    const index = due.findIndex((d) => d.at > item.at)
    due.splice(index === -1 ? due.length : index, 0, item)
  }
  return { admitted, refusals }
}

/** The most admissions in any closed window [t, t + perMs]: what a receiver counts in a sliding second. */
function slidingMaximum(times: readonly number[], perMs: number): number {
  const sorted = [...times].sort((a, b) => a - b)
  let most = 0
  let start = 0
  for (let end = 0; end < sorted.length; end++) {
    while (sorted[end]! - sorted[start]! > perMs) start++
    most = Math.max(most, end - start + 1)
  }
  return most
}

/** A cold start with a backlog of 100, then steady demand of 40/s for 5 s: twice what the limit allows. */
function coldBacklogThenSteadyDemand(from: number): number[] {
  return [...Array.from({ length: 100 }, () => from), ...Array.from({ length: 200 }, (_, i) => from + i * 25)]
}

const LIMIT: RateLimit = { max: 20, perMs: 1_000 }

describe('rate limits (sliding window), on an injected clock', () => {
  it('never lets more than the limit through in any sliding window, cold or warm, and keeps the long-run rate', async () => {
    const local = new LocalCoordination()
    const { admitted, refusals } = await simulate(() => local.takeRateLimit.bind(local), LIMIT, coldBacklogThenSteadyDemand(0))
    expect(admitted).toHaveLength(300)
    // Cold: the first second holds exactly the limit, not the limit twice over.
    expect(admitted.filter((t) => t <= 1_000)).toHaveLength(20)
    expect(slidingMaximum(admitted, LIMIT.perMs)).toBeLessThanOrEqual(LIMIT.max + 1)
    // Warm: every sliding second of the busy stretch stays at the limit, and the rate holds 19-20/s.
    const busy = admitted.filter((t) => t >= 2_000 && t < 12_000)
    expect(busy.length).toBeGreaterThanOrEqual(190)
    expect(busy.length).toBeLessThanOrEqual(200)
    // Refused requests are given successive slots, not one time for all: few are refused twice.
    expect(refusals).toBeLessThan(2 * 300)
  })

  it('holds separate limits per endpoint and frees slots as the window slides', async () => {
    const local = new LocalCoordination()
    const limit = { max: 2, perMs: 100 }
    expect(await local.takeRateLimit('a', limit, 0)).toEqual({ allowed: true })
    expect(await local.takeRateLimit('a', limit, 50)).toEqual({ allowed: true })
    expect(await local.takeRateLimit('b', limit, 50)).toEqual({ allowed: true })
    // Full until the first admission (t=0) leaves the closed window [t - 100, t].
    expect(await local.takeRateLimit('a', limit, 100)).toEqual({ allowed: false, retryAt: 101 })
    expect(await local.takeRateLimit('a', limit, 100)).toEqual({ allowed: false, retryAt: 151 })
    expect(await local.takeRateLimit('a', limit, 101)).toEqual({ allowed: true })
    expect(await local.takeRateLimit('a', limit, 120)).toEqual({ allowed: false, retryAt: 202 }) // 151 is promised to the one before
  })
})

describe.skipIf(!inject('redisAvailable'))('rate limits (sliding window) shared through Redis, on the clock values passed in', () => {
  const keyPrefix = `hr_rate_${randomBytes(4).toString('hex')}:`
  let drivers: RedisQueue[] = []

  beforeAll(async () => {
    // Three drivers, as three processes of a fleet; coordination needs no database.
    const storage = { listDueDeliveries: async () => [] } as unknown as Storage
    drivers = [0, 1, 2].map(() => redisQueue({ redis: REDIS_URL, keyPrefix, listenToStorage: false, reconcileInterval: '1h' }))
    for (const driver of drivers) {
      await driver.start({ storage, onWake: () => {}, emit: () => {}, now: Date.now })
    }
  })
  afterAll(async () => {
    for (const driver of drivers) await driver.stop()
    await deleteKeys(REDIS_URL, keyPrefix)
  })

  it('never lets more than the limit through in any sliding window across 3 processes, cold or warm', async () => {
    // A simulated clock far from the wall clock: only the values passed in count.
    const from = 1_000_000
    const take = (i: number): Take => {
      const coordination = drivers[i % drivers.length]!.coordination
      return coordination.takeRateLimit.bind(coordination)
    }
    const { admitted, refusals } = await simulate(take, LIMIT, coldBacklogThenSteadyDemand(from))
    expect(admitted).toHaveLength(300)
    expect(admitted.filter((t) => t <= from + 1_000)).toHaveLength(20)
    expect(slidingMaximum(admitted, LIMIT.perMs)).toBeLessThanOrEqual(LIMIT.max + 1)
    const busy = admitted.filter((t) => t >= from + 2_000 && t < from + 12_000)
    expect(busy.length).toBeGreaterThanOrEqual(190)
    expect(refusals).toBeLessThan(2 * 300)
  })
})
