/**
 * hookrelay on Postgres alone against Postgres + Redis (`redisQueue`), interleaved round by round
 * (the order alternating) against one receiver process: each round a fresh schema of BENCH_N
 * enqueued deliveries drained by a relay with concurrency 64, timed as in the contenders race
 * (`race`). Prints each round, each mode's median rate, client and Postgres server CPU per
 * delivery, and the median of the per-round ratios, which reads through this machine's noise
 * better than one race.
 *
 *   BENCH_ROUNDS=8 node --import tsx bench/profile/redis-vs-postgres.ts
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { race, type RaceResult } from '../contenders.js'
import { hookrelayContender } from '../contenders/hookrelay.js'
import { env } from '../support/env.js'
import { median } from '../support/figures.js'
import { startReceiver } from '../support/receiver.js'

type Mode = 'postgres' | 'postgres+redis'

const receiver = await startReceiver()
const dir = mkdtempSync(join(tmpdir(), 'hookrelay-redis-vs-postgres-'))
const results: Record<Mode, RaceResult[]> = { postgres: [], 'postgres+redis': [] }

try {
  // Round 0 warms both up and is not counted.
  for (let round = 0; round <= env.rounds; round++) {
    const order: Mode[] = round % 2 === 1 ? ['postgres', 'postgres+redis'] : ['postgres+redis', 'postgres']
    for (const mode of order) {
      const result = await race(hookrelayContender(mode, dir), round === 0 ? env.warmup : env.n, receiver)
      if (round === 0) continue
      results[mode].push(result)
      console.log(`round ${round} ${mode}: ${Math.round(result.perSecond)}/s, client ${Math.round(result.clientCpuMicros)} µs, server ${Math.round(result.serverCpuMicros ?? 0)} µs`)
    }
  }
  for (const [mode, rounds] of Object.entries(results)) {
    console.log(
      `${mode}: median ${Math.round(median(rounds.map((r) => r.perSecond)))}/s, client ${Math.round(median(rounds.map((r) => r.clientCpuMicros)))} µs, ` +
        `server ${Math.round(median(rounds.map((r) => r.serverCpuMicros ?? 0)))} µs`,
    )
  }
  const ratios = results['postgres+redis'].map((r, i) => r.perSecond / results.postgres[i]!.perSecond)
  console.log(`Postgres + Redis ÷ Postgres per round: ${ratios.map((r) => r.toFixed(2)).join(' ')}; median ${median(ratios).toFixed(2)}`)
} finally {
  await receiver.close()
  rmSync(dir, { recursive: true, force: true })
}
