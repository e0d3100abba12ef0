/**
 * Fan-out with payload filters against fan-out without them: the same sends to the same number
 * of endpoints (BENCH_FILTER_ENDPOINTS, default 10), once with no filter and once with a filter
 * on every endpoint that every message matches, so both write the same deliveries and the
 * difference is the cost of evaluating filters (in JavaScript on SQLite, as jsonpath in the
 * fan-out statement on Postgres). Rounds are interleaved (without, with, without, …) and the
 * ratio is to the mean of the rounds without around it.
 *
 *   npx tsx bench/run.ts filters          (BENCH_SEND_SECONDS=1 for a quick run)
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { PayloadFilter, Relay } from '../src/index.js'
import { env, postgresReachable } from './support/env.js'
import { fmt, median, type BenchTable } from './support/figures.js'
import { createTarget, DIALECT_LABEL, type Dialect } from './support/hookrelay.js'

const ENDPOINTS = Number(process.env.BENCH_FILTER_ENDPOINTS ?? 10)
const FILTER: PayloadFilter = {
  'data.amount': { $gte: 0 },
  'data.currency': { $in: ['EUR', 'USD', 'GBP'] },
  $or: [{ 'data.customer.country': { $exists: true } }, { 'data.priority': 'high' }],
}
const event = (i: number) => ({
  type: 'order.created',
  data: { id: `ord_${i}`, amount: i % 1000, currency: i % 2 ? 'EUR' : 'USD', customer: { country: 'FR' }, items: [1, 2, 3] },
})

type Mode = 'one at a time' | 'batches of 500'

/** Seconds per round: several short interleaved rounds read through a busy machine better than one long one. */
const ROUND_SECONDS = Math.max(0.5, env.sendSeconds / 3)

interface Rate {
  perSecond: number
  /** CPU of this process per message (microseconds): on SQLite all the work; on Postgres the client's share. */
  cpuMicros: number
}

async function rate(relay: Relay, mode: Mode): Promise<Rate> {
  let sent = 0
  const cpu = process.cpuUsage()
  const started = performance.now()
  const end = started + ROUND_SECONDS * 1000
  while (performance.now() < end) {
    if (mode === 'one at a time') await relay.send(event(sent++))
    else {
      await relay.sendMany(Array.from({ length: 500 }, (_, j) => event(sent + j)))
      sent += 500
    }
  }
  const used = process.cpuUsage(cpu)
  return { perSecond: sent / ((performance.now() - started) / 1000), cpuMicros: (used.user + used.system) / sent }
}

async function measure(dialect: Dialect, dir: string, mode: Mode): Promise<string[]> {
  const plain = createTarget(dialect, dir)
  const filtered = createTarget(dialect, dir)
  const relays: Relay[] = []
  try {
    for (const [target, filter] of [[plain, null], [filtered, FILTER]] as const) {
      const relay = target.relay()
      await relay.start({ workers: false })
      for (let i = 0; i < ENDPOINTS; i++) await relay.endpoints.create({ url: `http://127.0.0.1:9/e${i}`, filter })
      relays.push(relay)
    }
    const [withoutRelay, withRelay] = relays as [Relay, Relay]
    // A warm-up round of each (statement caches, prepared statements), then interleaved rounds.
    await rate(withoutRelay, mode)
    await rate(withRelay, mode)
    const without: Rate[] = []
    const withFilters: Rate[] = []
    const rounds = Math.max(5, env.rounds)
    for (let r = 0; r < rounds; r++) {
      without.push(await rate(withoutRelay, mode))
      withFilters.push(await rate(withRelay, mode))
    }
    without.push(await rate(withoutRelay, mode))
    const baseline = median(without.map((r) => r.perSecond))
    const value = median(withFilters.map((r) => r.perSecond))
    return [
      `${DIALECT_LABEL[dialect]}, ${mode}`,
      fmt.int(baseline * ENDPOINTS),
      fmt.int(value * ENDPOINTS),
      fmt.ratio(value / baseline),
      `${fmt.one(median(without.map((r) => r.cpuMicros)))} / ${fmt.one(median(withFilters.map((r) => r.cpuMicros)))}`,
    ]
  } finally {
    for (const relay of relays) await relay.stop()
    await plain.cleanup()
    await filtered.cleanup()
  }
}

export async function runFiltersBench(): Promise<BenchTable> {
  const dir = mkdtempSync(join(tmpdir(), 'hookrelay-bench-filters-'))
  const rows: string[][] = []
  try {
    const dialects: Dialect[] = (await postgresReachable()) ? ['sqlite', 'postgres'] : ['sqlite']
    for (const dialect of dialects) {
      for (const mode of ['one at a time', 'batches of 500'] as const) {
        const row = await measure(dialect, dir, mode)
        console.log(row.join('  '))
        rows.push(row)
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
  return {
    caption: `Deliveries fanned out per second, ${ENDPOINTS} endpoints, every message matching every endpoint.`,
    head: ['what', 'without filters', 'with filters', 'ratio', 'client CPU µs/message (without / with)'],
    align: ['l', 'r', 'r', 'r', 'r'],
    rows,
  }
}
