/**
 * Cost against history. On SQLite and on Postgres, each in a fresh database:
 * - deliveries/s draining n messages on empty tables, and the same with BENCH_HISTORY delivered
 *   messages (each with its delivery and attempt) already in the tables: ratio;
 * - the drain rate of the first BENCH_PENDING_SMALL deliveries with BENCH_PENDING_SMALL pending,
 *   and with BENCH_PENDING pending: ratio.
 * Seeding goes through SQL (bench/support/seed.ts), not the API; it is not timed. Each baseline is
 * measured before and after the run it is compared with, and averaged, so that drift in the
 * machine's load does not read as a cost of history.
 *
 *   npx tsx bench/history.ts            (BENCH_N=1000 BENCH_HISTORY=50000 BENCH_PENDING=50000 for a quick run)
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { PostgresServerCpu } from './support/cpu.js'
import { env, postgresReachable } from './support/env.js'
import { fmt, printTable, type BenchTable } from './support/figures.js'
import { createTarget, DIALECT_LABEL, drain, enqueue, type Dialect, type Target } from './support/hookrelay.js'
import { startReceiver } from './support/receiver.js'
import { seed, vacuumAnalyze } from './support/seed.js'

interface Measured {
  perSecond: number
  clientCpuMicros: number
  serverCpuMicros?: number
  seedSeconds?: number
}

/** Drains `count` deliveries from a prepared target, with the server CPU of its backends. */
async function timed(target: Target, count: number): Promise<Measured> {
  const server = target.applicationName ? new PostgresServerCpu(target.applicationName) : undefined
  let serverMicros: number | undefined
  try {
    const result = await drain(target, count, {
      beforeStart: async () => server?.start(),
      beforeStop: async () => {
        serverMicros = await server?.stop()
      },
    })
    return {
      perSecond: count / result.seconds,
      clientCpuMicros: result.clientCpuMicros / count,
      ...(serverMicros === undefined ? {} : { serverCpuMicros: serverMicros / count }),
    }
  } finally {
    await server?.close()
  }
}

async function measure(dialect: Dialect, dir: string, prepare: (target: Target) => Promise<number | undefined>, count: number): Promise<Measured> {
  const target = createTarget(dialect, dir)
  try {
    const seedSeconds = await prepare(target)
    return { ...(await timed(target, count)), ...(seedSeconds === undefined ? {} : { seedSeconds }) }
  } finally {
    await target.cleanup()
  }
}

export async function runHistoryBench(log: (line: string) => void = console.log): Promise<BenchTable[]> {
  const receiver = await startReceiver()
  const dir = mkdtempSync(join(tmpdir(), 'hookrelay-bench-history-'))
  const dialects: Dialect[] = ['sqlite']
  if (await postgresReachable()) dialects.push('postgres')
  else log('Postgres not reachable: SQLite only')
  const rows: string[][] = []
  const row = (what: string, m: Measured, base?: Measured) => {
    rows.push([
      what,
      fmt.int(m.perSecond),
      fmt.ratio(base && m.perSecond / base.perSecond),
      fmt.int(m.clientCpuMicros),
      fmt.int(m.serverCpuMicros),
      m.seedSeconds === undefined ? '' : fmt.one(m.seedSeconds),
    ])
    log(`${what}: ${fmt.int(m.perSecond)} deliveries/s${base ? `, ratio ${fmt.ratio(m.perSecond / base.perSecond)}` : ''}, client ${fmt.int(m.clientCpuMicros)} µs, server ${fmt.int(m.serverCpuMicros)} µs${m.seedSeconds === undefined ? '' : ` (seeded in ${fmt.one(m.seedSeconds)} s)`}`)
  }
  try {
    const n = env.n
    const small = env.pendingSmall
    const big = env.pending
    // Warm up the JIT, the receiver and its connections (the first run of a process is slower).
    await measure('sqlite', dir, async (t) => void (await enqueue(t, receiver.url, env.warmup)), env.warmup)
    const mean = (a: Measured, b: Measured): Measured => ({
      perSecond: (a.perSecond + b.perSecond) / 2,
      clientCpuMicros: (a.clientCpuMicros + b.clientCpuMicros) / 2,
      ...(a.serverCpuMicros === undefined || b.serverCpuMicros === undefined ? {} : { serverCpuMicros: (a.serverCpuMicros + b.serverCpuMicros) / 2 }),
    })
    for (const dialect of dialects) {
      const label = DIALECT_LABEL[dialect]
      // Both the empty and the history runs are vacuumed, analyzed and checkpointed after
      // enqueuing (on Postgres), so that they differ by the history only; the baseline is
      // measured before and after, and averaged.
      const emptyRun = () =>
        measure(
          dialect,
          dir,
          async (t) => {
            await enqueue(t, receiver.url, n)
            await vacuumAnalyze(t)
            return undefined
          },
          n,
        )
      const emptyBefore = await emptyRun()
      row(`${label}: ${fmt.int(n)} deliveries, empty tables (before)`, emptyBefore)
      const history = await measure(
        dialect,
        dir,
        async (t) => {
          const { seconds } = await seed(t, receiver.url, 'history', env.history)
          await enqueue(t, undefined, n)
          await vacuumAnalyze(t)
          return seconds
        },
        n,
      )
      const emptyAfter = await emptyRun()
      row(`${label}: ${fmt.int(n)} deliveries, empty tables (after)`, emptyAfter)
      row(`${label}: ${fmt.int(n)} deliveries, ${fmt.int(env.history)} delivered messages already in the tables ÷ mean of the empty runs`, history, mean(emptyBefore, emptyAfter))
      // A backlog that appears at once is not analysed: it can outrun autovacuum.
      const smallRun = () => measure(dialect, dir, async (t) => (await seed(t, receiver.url, 'pending', small)).seconds, small)
      const smallBefore = await smallRun()
      row(`${label}: first ${fmt.int(small)} deliveries with ${fmt.int(small)} pending (before)`, smallBefore)
      const drainBig = await measure(dialect, dir, async (t) => (await seed(t, receiver.url, 'pending', big)).seconds, small)
      const smallAfter = await smallRun()
      row(`${label}: first ${fmt.int(small)} deliveries with ${fmt.int(small)} pending (after)`, smallAfter)
      row(`${label}: first ${fmt.int(small)} deliveries with ${fmt.int(big)} pending ÷ mean of the ${fmt.int(small)} runs`, drainBig, mean(smallBefore, smallAfter))
    }
  } finally {
    await receiver.close()
    rmSync(dir, { recursive: true, force: true })
  }
  return [
    {
      head: ['run', 'deliveries/s', 'ratio (target ≥ 0.9)', 'client CPU µs/delivery', 'Postgres server CPU µs/delivery', 'seeding, s (untimed)'],
      align: ['l', 'r', 'r', 'r', 'r', 'r'],
      rows,
    },
  ]
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  runHistoryBench()
    .then((tables) => tables.forEach((t) => printTable(t)))
    .catch((error: unknown) => {
      console.error(error)
      process.exitCode = 1
    })
}
