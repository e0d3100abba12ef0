import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { runFleet, type FleetRunResult } from '../fleet/support/fleet-run.js'
import { startPrivateRedis, type PrivateRedis } from '../fleet/support/private-redis.js'

const postgres = inject('postgresAvailable')
const redis = inject('redisAvailable')

const SCHEDULE = ['100ms', '200ms', '400ms']

/**
 * The ledger must reconcile: every request the receiver got is an attempt in the database and
 * every 2xx it sent is a succeeded attempt, except for deliveries whose worker was SIGKILLed
 * mid-attempt: those may have one request more than attempts recorded (the killed one).
 */
function expectLedgerReconciles(result: FleetRunResult): void {
  const total = result.deliveries.reduce((sum, d) => sum + d.count, 0)
  expect(total).toBe(result.messages)
  expect(result.deliveries.filter((d) => d.status !== 'succeeded' && d.status !== 'dead')).toEqual([])

  const mismatched: string[] = []
  let extraRequests = 0
  for (const [key, entry] of result.ledger) {
    if (entry.requests === entry.attempts && entry.answered2xx === entry.succeededAttempts) continue
    mismatched.push(key)
    extraRequests += entry.requests - entry.attempts
    // Only a killed worker's attempt can be missing, and only one per delivery.
    expect(entry.requests - entry.attempts).toBe(1)
    expect(entry.answered2xx - entry.succeededAttempts).toBeLessThanOrEqual(1)
    expect(entry.answered2xx - entry.succeededAttempts).toBeGreaterThanOrEqual(0)
  }
  for (const key of mismatched) expect(result.orphaned.has(key), `${key} was not leased by the killed worker`).toBe(true)
  expect(result.totalRequests - result.totalAttempts).toBe(extraRequests)
  // Every delivery was attempted and every succeeded one had a 2xx recorded.
  expect(result.ledger.size).toBe(result.messages)
  for (const entry of result.ledger.values()) {
    expect(entry.attempts).toBeGreaterThanOrEqual(1)
    expect(entry.succeededAttempts).toBeLessThanOrEqual(1)
  }
  // The always-500 endpoint dead-letters after the whole schedule (1 + 3 attempts).
  expect(result.deadAttemptCounts.length).toBeGreaterThan(0)
  for (const attempts of result.deadAttemptCounts) expect(attempts).toBe(SCHEDULE.length + 1)
}

function summary(result: FleetRunResult): string {
  return (
    `${result.messages} messages in ${(result.elapsedMs / 1000).toFixed(1)} s: ` +
    result.deliveries.map((d) => `${d.count} ${d.status}`).join(', ') +
    `; ${result.totalRequests} requests, ${result.totalAttempts} attempts, ${result.orphaned.size} leases orphaned by the kill`
  )
}

describe.skipIf(!postgres || !redis)('a fleet of worker processes on Postgres + Redis', () => {
  let privateRedis: PrivateRedis

  beforeAll(async () => {
    privateRedis = await startPrivateRedis()
  })
  afterAll(async () => {
    await privateRedis?.close()
  })

  it(
    'delivers 10,000 messages with 3 processes through a SIGKILL, a FLUSHALL and a Redis restart, losing nothing',
    { timeout: 200_000 },
    async () => {
      const result = await runFleet({
        messages: 10_000,
        workers: 3,
        deadEvery: 50,
        failureRate: 0.2,
        retrySchedule: SCHEDULE,
        redis: { url: privateRedis.url, flushAll: () => privateRedis.flushAll(), stop: () => privateRedis.stop(), start: () => privateRedis.start() },
        chaos: { killAt: 3_000, flushAt: 5_500, redisDownAt: 8_000, redisDownMs: 1_500 },
        log: (line) => console.log(`[fleet redis] ${line}`),
      })
      console.log(`[fleet redis] ${summary(result)}`)
      expectLedgerReconciles(result)
      expect(result.orphaned.size).toBeGreaterThan(0)
    },
  )
})

describe.skipIf(!postgres)('a fleet of worker processes on Postgres (polling + LISTEN/NOTIFY)', () => {
  it('delivers 3,000 messages with 3 processes through a SIGKILL, losing nothing', { timeout: 120_000 }, async () => {
    const result = await runFleet({
      messages: 3_000,
      workers: 3,
      deadEvery: 50,
      failureRate: 0.2,
      retrySchedule: SCHEDULE,
      chaos: { killAt: 1_000 },
      log: (line) => console.log(`[fleet postgres] ${line}`),
    })
    console.log(`[fleet postgres] ${summary(result)}`)
    expectLedgerReconciles(result)
  })
})
