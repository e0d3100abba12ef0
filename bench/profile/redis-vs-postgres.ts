/**
 * hookrelay on Postgres alone against Postgres + Redis (`redisQueue`), interleaved round by round
 * (the order alternating) against one receiver process: each round a fresh schema of BENCH_N
 * enqueued deliveries drained by a relay with concurrency 64, as in the contenders race. Prints
 * each round, each mode's median rate, client and Postgres server CPU per delivery, and the median
 * of the per-round ratios, which reads through this machine's noise better than one race.
 *
 *   BENCH_ROUNDS=8 node --import tsx bench/profile/redis-vs-postgres.ts
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { hookrelayContender } from '../contenders/hookrelay.js'
import { clientCpu, PostgresServerCpu } from '../support/cpu.js'
import { deadline, env } from '../support/env.js'
import { startReceiver } from '../support/receiver.js'

type Mode = 'postgres' | 'postgres+redis'
interface Round {
  perSecond: number
  clientMicros: number
  serverMicros: number
}

const receiver = await startReceiver()
const dir = mkdtempSync(join(tmpdir(), 'hookrelay-redis-vs-postgres-'))
const results: Record<Mode, Round[]> = { postgres: [], 'postgres+redis': [] }
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!

try {
  // Round 0 warms both up and is not counted.
  for (let round = 0; round <= env.rounds; round++) {
    const order: Mode[] = round % 2 === 1 ? ['postgres', 'postgres+redis'] : ['postgres+redis', 'postgres']
    for (const mode of order) {
      const contender = hookrelayContender(mode, dir)
      const n = round === 0 ? env.warmup : env.n
      const prepared = await contender.prepare(n, receiver.url)
      const server = new PostgresServerCpu(contender.applicationName!)
      await server.start()
      await receiver.reset()
      const cpu = clientCpu()
      const started = performance.now()
      await prepared.start()
      await deadline(prepared.done, `${n} deliveries`)
      const seconds = (performance.now() - started) / 1000
      const clientMicros = cpu.stop() / n
      const serverMicros = ((await server.stop()) ?? 0) / n
      await prepared.close()
      await server.close()
      if (round === 0) continue
      results[mode].push({ perSecond: n / seconds, clientMicros, serverMicros })
      console.log(`round ${round} ${mode}: ${Math.round(n / seconds)}/s, client ${Math.round(clientMicros)} µs, server ${Math.round(serverMicros)} µs`)
    }
  }
  for (const [mode, rounds] of Object.entries(results)) {
    console.log(
      `${mode}: median ${Math.round(median(rounds.map((r) => r.perSecond)))}/s, client ${Math.round(median(rounds.map((r) => r.clientMicros)))} µs, ` +
        `server ${Math.round(median(rounds.map((r) => r.serverMicros)))} µs`,
    )
  }
  const ratios = results['postgres+redis'].map((r, i) => r.perSecond / results.postgres[i]!.perSecond)
  console.log(`Postgres + Redis ÷ Postgres per round: ${ratios.map((r) => r.toFixed(2)).join(' ')}; median ${median(ratios).toFixed(2)}`)
} finally {
  await receiver.close()
  rmSync(dir, { recursive: true, force: true })
}
