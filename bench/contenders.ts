/**
 * The delivery race: the same n signed deliveries, concurrency 64, to the same receiver process,
 * through a bare undici Pool loop (the baseline), BullMQ + undici, graphile-worker + undici,
 * pg-boss + undici and hookrelay on SQLite, Postgres and Postgres + Redis. Each enqueues first
 * (untimed), then is timed from starting its workers to the n-th acknowledged delivery.
 *
 * Printed per contender: deliveries/s, ÷ the bare loop, ÷ BullMQ, client CPU µs per delivery
 * (this process; the receiver is another process), Postgres server CPU µs per delivery (its
 * backends, from /proc), and the mean number of requests open at the receiver.
 *
 *   npx tsx bench/contenders.ts            (BENCH_N=1000 for a quick run; DELAY_MS=20 for the slow receiver)
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { bareLoop } from './contenders/bare.js'
import { bullmqContender } from './contenders/bullmq.js'
import type { Contender } from './contenders/contender.js'
import { graphileContender } from './contenders/graphile.js'
import { hookrelayContender } from './contenders/hookrelay.js'
import { pgBossContender } from './contenders/pgboss.js'
import { clientCpu, PostgresServerCpu } from './support/cpu.js'
import { deadline, env, postgresReachable, redisReachable } from './support/env.js'
import { mysqlReachable } from './support/mysql.js'
import { fmt, printTable, type BenchTable } from './support/figures.js'
import { startReceiver, type Receiver } from './support/receiver.js'

export interface RaceResult {
  name: string
  perSecond: number
  clientCpuMicros: number
  serverCpuMicros?: number
  inFlightAvg: number
  error?: string
}

/** One timed run of `n` deliveries through `contender`: its rate, client and Postgres server CPU, and in-flight mean. */
export async function race(contender: Contender, n: number, receiver: Receiver): Promise<RaceResult> {
  const prepared = await contender.prepare(n, receiver.url)
  const server = contender.applicationName ? new PostgresServerCpu(contender.applicationName) : undefined
  try {
    await server?.start()
    await receiver.reset()
    const cpu = clientCpu()
    const started = performance.now()
    await prepared.start()
    await deadline(prepared.done, `${n} deliveries through ${contender.name}`)
    const seconds = (performance.now() - started) / 1000
    const clientMicros = cpu.stop()
    const serverMicros = await server?.stop()
    const stats = await receiver.stats()
    return {
      name: contender.name,
      perSecond: n / seconds,
      clientCpuMicros: clientMicros / n,
      ...(serverMicros === undefined ? {} : { serverCpuMicros: serverMicros / n }),
      inFlightAvg: stats.inFlightAvg,
    }
  } finally {
    await prepared.close()
    await server?.close()
  }
}

/** Runs every contender that the services allow, once each, in a fixed order. */
export async function runRace(receiver: Receiver, n: number, dir: string, log: (line: string) => void): Promise<RaceResult[]> {
  const postgres = await postgresReachable()
  const redis = await redisReachable()
  const contenders: Contender[] = [bareLoop]
  if (redis) contenders.push(bullmqContender)
  if (postgres) contenders.push(graphileContender, pgBossContender)
  contenders.push(hookrelayContender('sqlite', dir))
  if (postgres) contenders.push(hookrelayContender('postgres', dir))
  if (postgres && redis) contenders.push(hookrelayContender('postgres+redis', dir))
  if (env.mysql && (await mysqlReachable())) contenders.push(hookrelayContender('mysql', dir))
  else if (env.mysql) log('MySQL not reachable at MYSQL_URL: skipping hookrelay on MySQL')
  if (!postgres) log('Postgres not reachable: skipping graphile-worker, pg-boss and hookrelay on Postgres')
  if (!redis) log('Redis not reachable: skipping BullMQ and hookrelay on Postgres + Redis')

  // Warm up the receiver, the JIT and both kinds of connection.
  await race(bareLoop, env.warmup, receiver)
  await race(hookrelayContender('sqlite', dir), env.warmup, receiver)

  const rounds: RaceResult[][] = contenders.map(() => [])
  for (let round = 0; round < env.rounds; round++) {
    for (const [i, contender] of contenders.entries()) {
      try {
        const result = await race(contender, n, receiver)
        log(
          `${env.rounds > 1 ? `round ${round + 1}: ` : ''}${contender.name}: ${fmt.int(result.perSecond)} deliveries/s, client ${fmt.int(result.clientCpuMicros)} µs/delivery` +
            `${result.serverCpuMicros === undefined ? '' : `, server ${fmt.int(result.serverCpuMicros)} µs/delivery`}` +
            `${result.inFlightAvg >= 0.5 ? `, in flight at the receiver ${fmt.one(result.inFlightAvg)}` : ''}`,
        )
        rounds[i]!.push(result)
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error)
        log(`${contender.name}: failed: ${message}`)
        rounds[i]!.push({ name: contender.name, perSecond: NaN, clientCpuMicros: NaN, inFlightAvg: NaN, error: message })
      }
    }
  }
  // The median round of each contender (by deliveries/s); a failed round counts as the slowest.
  return rounds.map((results) => [...results].sort((a, b) => (a.perSecond || 0) - (b.perSecond || 0))[Math.floor(results.length / 2)]!)
}

export function raceTable(results: readonly RaceResult[], slow: boolean): BenchTable {
  const bare = results.find((r) => r.name === bareLoop.name)?.perSecond
  const bull = results.find((r) => r.name === bullmqContender.name)?.perSecond
  return {
    head: slow
      ? ['contender', 'deliveries/s', '÷ bare undici loop', '÷ BullMQ + undici', 'mean in flight at the receiver', 'client CPU µs/delivery']
      : ['contender', 'deliveries/s', '÷ bare undici loop', '÷ BullMQ + undici', 'client CPU µs/delivery', 'Postgres server CPU µs/delivery'],
    align: ['l', 'r', 'r', 'r', 'r', 'r', 'r'],
    rows: results.map((r) => {
      const name = r.error ? `${r.name} (failed: ${r.error})` : r.name
      const common = [name, fmt.int(r.perSecond), fmt.ratio(bare && r.perSecond / bare), fmt.ratio(bull && r.perSecond / bull)]
      return slow
        ? [...common, fmt.one(r.inFlightAvg), fmt.int(r.clientCpuMicros)]
        : [...common, fmt.int(r.clientCpuMicros), fmt.int(r.serverCpuMicros)]
    }),
  }
}

/** Section 1 (delayMs 0) or 2 (delayMs 20): one race against a receiver answering after delayMs. */
export async function runContendersBench(delayMs: number, log: (line: string) => void = console.log): Promise<BenchTable> {
  const receiver = await startReceiver()
  const dir = mkdtempSync(join(tmpdir(), 'hookrelay-bench-race-'))
  try {
    await receiver.configure({ delayMs })
    const results = await runRace(receiver, delayMs > 0 ? env.nSlow : env.n, dir, log)
    return raceTable(results, delayMs > 0)
  } finally {
    await receiver.close()
    rmSync(dir, { recursive: true, force: true })
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  runContendersBench(Number(process.env.DELAY_MS ?? 0))
    .then((table) => printTable(table))
    .catch((error: unknown) => {
      console.error(error)
      process.exitCode = 1
    })
}
