/**
 * Failing receivers. The receiver answers 500 to a share of requests (deterministically: every
 * 100th for 1 %, every 5th for 20 %); retries follow hookrelay's default schedule (the first one
 * 5 s later) and its default circuit breaker.
 *
 * - Short runs, SQLite and Postgres: attempts per second (every request answered, 2xx or 500,
 *   retries included: so the retries' own requests are not held against it) until n attempts were
 *   made, with 0 %, 1 % and 20 % failing, then 0 % again; ratio to the mean of the two 0 % runs.
 * - Long runs, SQLite (BENCH_FAIL_LONG=sqlite,postgres for both): BENCH_FAIL_SECONDS (60) with 1 %
 *   and with 20 % failing on a backlog that outlasts the run; attempts per second in each 10 s
 *   window, and the last window ÷ the first.
 *
 *   npx tsx bench/failures.ts            (BENCH_N=1000 BENCH_FAIL_SECONDS=20 for a quick run)
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { clientCpu } from './support/cpu.js'
import { deadline, env, postgresReachable, sleep } from './support/env.js'
import { fmt, printTable, type BenchTable } from './support/figures.js'
import { createTarget, DIALECT_LABEL, enqueue, type Dialect, type Target } from './support/hookrelay.js'
import { startReceiver, type Receiver } from './support/receiver.js'

const RATES = [0, 0.01, 0.2]
const WINDOW_SECONDS = 10

interface Counters {
  attempts: number
  succeeded: number
  deferred: number
}

function count(relay: ReturnType<Target['relay']>): Counters {
  const c: Counters = { attempts: 0, succeeded: 0, deferred: 0 }
  relay.on('delivery.succeeded', () => {
    c.attempts++
    c.succeeded++
  })
  relay.on('delivery.failed', () => c.attempts++)
  relay.on('delivery.dead', () => c.attempts++)
  relay.on('delivery.deferred', () => c.deferred++)
  return c
}

interface ShortRun {
  attemptsPerSecond: number
  deliveredPerSecond: number
  clientCpuMicros: number
  deferred: number
}

async function shortRun(dialect: Dialect, dir: string, receiver: Receiver, failRate: number, n: number): Promise<ShortRun> {
  const target = createTarget(dialect, dir)
  try {
    await receiver.configure({ failRate })
    await enqueue(target, receiver.url, n)
    const relay = target.relay()
    const c = count(relay)
    const reached = new Promise<void>((resolve) => {
      const check = () => c.attempts >= n && resolve()
      relay.on('delivery.succeeded', check)
      relay.on('delivery.failed', check)
      relay.on('delivery.dead', check)
    })
    const cpu = clientCpu()
    const started = performance.now()
    try {
      await relay.start({ migrate: false })
      await deadline(reached, `${n} attempts on ${DIALECT_LABEL[dialect]}`)
      const seconds = (performance.now() - started) / 1000
      return {
        attemptsPerSecond: c.attempts / seconds,
        deliveredPerSecond: c.succeeded / seconds,
        clientCpuMicros: cpu.stop() / c.attempts,
        deferred: c.deferred,
      }
    } finally {
      await relay.stop()
    }
  } finally {
    await target.cleanup()
  }
}

async function longRun(dialect: Dialect, dir: string, receiver: Receiver, failRate: number, backlog: number): Promise<{ windows: number[]; left: number }> {
  const target = createTarget(dialect, dir)
  try {
    await receiver.configure({ failRate })
    await enqueue(target, receiver.url, backlog)
    const relay = target.relay()
    const c = count(relay)
    const windows: number[] = []
    await relay.start({ migrate: false })
    try {
      let last = 0
      for (let elapsed = 0; elapsed < env.failSeconds; elapsed += WINDOW_SECONDS) {
        await sleep(WINDOW_SECONDS * 1000)
        windows.push((c.attempts - last) / WINDOW_SECONDS)
        last = c.attempts
      }
    } finally {
      await relay.stop()
    }
    return { windows, left: backlog - c.succeeded }
  } finally {
    await target.cleanup()
  }
}

export async function runFailuresBench(log: (line: string) => void = console.log): Promise<BenchTable[]> {
  const receiver = await startReceiver()
  const dir = mkdtempSync(join(tmpdir(), 'hookrelay-bench-failures-'))
  const dialects: Dialect[] = ['sqlite']
  if (await postgresReachable()) dialects.push('postgres')
  const shortRows: string[][] = []
  const longRows: string[][] = []
  try {
    await shortRun('sqlite', dir, receiver, 0, env.warmup) // warm-up
    const bestRate = new Map<Dialect, number>()
    for (const dialect of dialects) {
      // None failing runs first and last; the ratios are to the mean of the two.
      const runs: [number, ShortRun][] = []
      for (const rate of [...RATES, 0]) {
        const r = await shortRun(dialect, dir, receiver, rate, env.n)
        runs.push([rate, r])
        bestRate.set(dialect, Math.max(bestRate.get(dialect) ?? 0, r.attemptsPerSecond))
      }
      const base = (runs[0]![1].attemptsPerSecond + runs[runs.length - 1]![1].attemptsPerSecond) / 2
      for (const [index, [rate, r]] of runs.entries()) {
        const ratio = r.attemptsPerSecond / base
        const when = rate === 0 ? (index === 0 ? ' (before)' : ' (after)') : ''
        log(`${DIALECT_LABEL[dialect]}, ${rate * 100} % failing${when}: ${fmt.int(r.attemptsPerSecond)} attempts/s (${fmt.int(r.deliveredPerSecond)} succeeded/s), ratio ${fmt.ratio(ratio)}, ${r.deferred} deferred`)
        shortRows.push([
          `${DIALECT_LABEL[dialect]}, ${rate * 100} % of answers 500${when}`,
          fmt.int(r.attemptsPerSecond),
          fmt.int(r.deliveredPerSecond),
          rate === 0 ? '—' : fmt.ratio(ratio),
          fmt.int(r.clientCpuMicros),
          String(r.deferred),
        ])
      }
    }
    const longDialects = env.failLong.filter((d): d is Dialect => dialects.includes(d as Dialect))
    for (const dialect of env.failSeconds >= WINDOW_SECONDS ? longDialects : []) {
      // A backlog that outlasts the run: twice what the fastest short run would deliver in it.
      const backlog = Math.ceil(Math.max((bestRate.get(dialect) ?? 0) * env.failSeconds * 2, env.n) / 500) * 500
      for (const rate of RATES.filter((r) => r > 0)) {
        const { windows, left } = await longRun(dialect, dir, receiver, rate, backlog)
        const ranOut = left < env.concurrency * 4
        if (ranOut) log(`the backlog ran out during the run (${left} left): the last windows are not a rate`)
        const ratio = windows[windows.length - 1]! / windows[0]!
        log(`${DIALECT_LABEL[dialect]}, ${rate * 100} % failing, ${env.failSeconds} s: ${windows.map(fmt.int).join(', ')} attempts/s per ${WINDOW_SECONDS} s; last ÷ first ${fmt.ratio(ratio)}`)
        longRows.push([
          `${DIALECT_LABEL[dialect]}, ${rate * 100} % of answers 500 (backlog ${fmt.int(backlog)}, ${fmt.int(left)} left${ranOut ? ': ran out' : ''})`,
          ...windows.map(fmt.int),
          fmt.ratio(ratio),
        ])
      }
    }
  } finally {
    await receiver.close()
    rmSync(dir, { recursive: true, force: true })
  }
  const windowCount = Math.floor(env.failSeconds / WINDOW_SECONDS)
  const tables: BenchTable[] = [
    {
      caption: `Short runs: the first ${fmt.int(env.n)} attempts.`,
      head: ['run', 'attempts/s', 'succeeded/s', '÷ mean of none failing (target ≥ 0.9)', 'client CPU µs/attempt', 'deferred'],
      align: ['l', 'r', 'r', 'r', 'r', 'r'],
      rows: shortRows,
    },
  ]
  if (longRows.length > 0) {
    tables.push({
      caption: `Long runs: attempts/s in each ${WINDOW_SECONDS} s window of ${env.failSeconds} s.`,
      head: ['run', ...Array.from({ length: windowCount }, (_, i) => `${i * WINDOW_SECONDS}–${(i + 1) * WINDOW_SECONDS} s`), 'last ÷ first'],
      align: ['l', ...Array.from({ length: windowCount + 1 }, () => 'r' as const)],
      rows: longRows,
    })
  }
  return tables
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  runFailuresBench()
    .then((tables) => tables.forEach((t) => printTable(t)))
    .catch((error: unknown) => {
      console.error(error)
      process.exitCode = 1
    })
}
