/**
 * Throughput of sign() and verify() against a bare HMAC on the same input, measured in the same
 * run: `npx tsx bench/signing.ts`. Rounds interleave the operation and its baseline (alternating
 * which goes first), time is the process's CPU time, and the reported ratio is the median of the
 * per-round ratios, so a noisy neighbour on the machine does not decide the result.
 *
 * Reading the 1 KB rows: a bare HMAC of 1 KB takes ~2.5 µs, most of it OpenSSL setting up the HMAC
 * context, so any fixed work weighs ~4% per 100 ns. sign() must also hash the `id.timestamp.` prefix,
 * read the clock and build the headers; verify() must read three headers, check the time and
 * compare in constant time. A hand-written minimal standard verify (one signature, no header case
 * handling) measured ~0.80 on the same machine, a minimal sign ~0.84. At 64 KB the payload
 * dominates and the ratios are ~0.97.
 */
import { Buffer } from 'node:buffer'
import { createHmac, randomBytes } from 'node:crypto'
import { pathToFileURL } from 'node:url'
import { sign, verify, type SigningScheme } from '../src/signing/index.js'
import { median } from './support/figures.js'

/** One measured operation. */
export interface BenchResult {
  /** e.g. `'standard sign 1 KB'`. */
  name: string
  /** Median operations per CPU-second over the rounds. */
  opsPerSec: number
  /** Median operations per second of the bare HMAC baseline over the same rounds. */
  baselineOpsPerSec: number
  /** Median of the per-round ratios operation / baseline (1 = as fast as a bare HMAC). */
  ratio: number
}

/** Knobs for {@link runSigningBench}. */
export interface SigningBenchOptions {
  /** Rounds per operation; the median is reported. Default 7. */
  rounds?: number
  /** Minimum measuring time per operation and round, in ms. Default 150. */
  minTimeMs?: number
  /** Payload sizes in bytes. Default 1 KB and 64 KB. */
  sizes?: readonly number[]
}

let sink = 0

export async function runSigningBench(options: SigningBenchOptions = {}): Promise<BenchResult[]> {
  const rounds = options.rounds ?? 7
  const minTimeMs = options.minTimeMs ?? 150
  const sizes = options.sizes ?? [1024, 64 * 1024]
  const keyBytes = randomBytes(24)
  const secret = 'whsec_' + keyBytes.toString('base64')
  const results: BenchResult[] = []

  for (const size of sizes) {
    const payload = jsonPayload(size)
    const baseline = () => createHmac('sha256', keyBytes).update(payload).digest('base64').length
    const schemes: SigningScheme[] = ['standard', 'stripe', 'github']
    for (const scheme of schemes) {
      const id = 'msg_2Lq8cY3fQxVb7nT0aKd9Wm'
      // Round-trip through JSON: verify() gets headers parsed off the wire (flat strings), not the
      // concatenated strings sign() returns, which V8 reads more slowly char by char.
      const headers = JSON.parse(JSON.stringify(sign({ scheme, secret, id, payload }))) as Record<string, string>
      const operations: Record<string, () => number> = {
        sign: () => Object.keys(sign({ scheme, secret, id, payload })).length,
        verify: () => verify({ scheme, secret, payload, headers }).scheme.length,
      }
      for (const [what, operation] of Object.entries(operations)) {
        const name = `${scheme} ${what} ${formatSize(size)}`
        results.push(await compare(name, operation, baseline, rounds, minTimeMs))
      }
    }
  }
  if (sink === 42) console.log('')
  return results
}

async function compare(name: string, operation: () => number, baseline: () => number, rounds: number, minTimeMs: number): Promise<BenchResult> {
  // Warm up both so the JIT has compiled them before anything is measured.
  measure(operation, minTimeMs)
  measure(baseline, minTimeMs)
  const ops: number[] = []
  const base: number[] = []
  const ratios: number[] = []
  for (let round = 0; round < rounds; round++) {
    let a: number
    let b: number
    if (round % 2 === 0) {
      a = measure(operation, minTimeMs)
      b = measure(baseline, minTimeMs)
    } else {
      b = measure(baseline, minTimeMs)
      a = measure(operation, minTimeMs)
    }
    ops.push(a)
    base.push(b)
    ratios.push(a / b)
    // Let timers and I/O of a host process run between rounds.
    await new Promise((resolve) => setImmediate(resolve))
  }
  return { name, opsPerSec: Math.round(median(ops)), baselineOpsPerSec: Math.round(median(base)), ratio: median(ratios) }
}

/**
 * Operations per CPU-second of `fn`, run in batches until `minTimeMs` of CPU time has passed.
 * CPU time (process.cpuUsage) rather than wall time: on a shared machine, time spent descheduled
 * while other processes run would otherwise count against whichever side was running.
 */
function measure(fn: () => number, minTimeMs: number): number {
  let batch = 16
  let count = 0
  const start = cpuMicros()
  const deadline = start + minTimeMs * 1000
  let now = start
  while (now < deadline) {
    for (let i = 0; i < batch; i++) sink += fn()
    count += batch
    now = cpuMicros()
    if (batch < 4096) batch *= 2
  }
  return count / ((now - start) / 1e6)
}

function cpuMicros(): number {
  const { user, system } = process.cpuUsage()
  return user + system
}

function jsonPayload(size: number): string {
  const event = { type: 'order.created', data: { id: 'ord_1', note: '' } }
  const overhead = Buffer.byteLength(JSON.stringify(event))
  event.data.note = 'x'.repeat(Math.max(0, size - overhead))
  return JSON.stringify(event)
}

function formatSize(bytes: number): string {
  return bytes % 1024 === 0 ? `${bytes / 1024} KB` : `${bytes} B`
}

/** The results as a fixed-width table. */
export function formatBenchTable(results: readonly BenchResult[]): string {
  const rows = [['operation', 'ops/s', 'bare HMAC ops/s', 'ratio']]
  for (const r of results) rows.push([r.name, r.opsPerSec.toLocaleString('en-US'), r.baselineOpsPerSec.toLocaleString('en-US'), r.ratio.toFixed(2)])
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)))
  return rows.map((row) => row.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!))).join('  ')).join('\n')
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log(`hookrelay/signing vs bare createHmac('sha256', key).update(payload).digest('base64'); Node ${process.version}`)
  const results = await runSigningBench()
  console.log(formatBenchTable(results))
  const slow = results.filter((r) => r.ratio < 0.85)
  if (slow.length > 0) console.log(`\nBelow the 0.85 target: ${slow.map((r) => r.name).join(', ')}`)
}
