/**
 * Memory holding and draining a large backlog: BENCH_MEMORY_PENDING pending deliveries seeded in a
 * SQLite file (bench/support/seed.ts), drained by a relay in a process of its own
 * (bench/memory-worker.ts, concurrency 64) for at most BENCH_MEMORY_SECONDS. Its RSS is read from
 * /proc/<pid>/status every 100 ms: before the workers start (holding), the most while draining,
 * and its peak (VmHWM); once with Node's defaults and once with the old generation capped
 * (`NODE_OPTIONS` below), each on a freshly seeded file. The worker is bundled with esbuild first
 * (the library's own packages left external) and runs under plain `node`, as a user's compiled app
 * would: under tsx the same process starts 65 MB larger (162 against 97 MB, a relay started on an
 * empty file).
 *
 *   npx tsx bench/memory.ts            (BENCH_MEMORY_PENDING=50000 BENCH_MEMORY_SECONDS=20 for a quick run)
 */
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'
import { processMemory } from './support/cpu.js'
import { deadline, env, sleep } from './support/env.js'
import { fmt, printTable, type BenchTable } from './support/figures.js'
import { createTarget, TABLE_PREFIX } from './support/hookrelay.js'
import { startReceiver } from './support/receiver.js'
import { seed } from './support/seed.js'

const MB = 2 ** 20

/**
 * The node options each drain runs with: Node's defaults (what the target is about), then the old
 * generation capped, which is how a memory-bound deployment trades a little throughput for RSS.
 * Without a cap V8 lets the old generation grow to about four times the live heap between major
 * collections (17 MB live here, ~85 MB before each collection).
 */
const NODE_OPTIONS: readonly (readonly string[])[] = [[], ['--max-old-space-size=128']]

export async function runMemoryBench(log: (line: string) => void = console.log): Promise<BenchTable[]> {
  const receiver = await startReceiver()
  const dir = mkdtempSync(join(tmpdir(), 'hookrelay-bench-memory-'))
  try {
    // Inside the repository, so that the packages left external resolve from its node_modules.
    const script = fileURLToPath(new URL('../node_modules/.cache/hookrelay-bench/memory-worker.mjs', import.meta.url))
    await build({
      entryPoints: [fileURLToPath(new URL('./memory-worker.ts', import.meta.url))],
      outfile: script,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      packages: 'external',
      logLevel: 'warning',
    })
    const rows: string[][] = []
    for (const nodeOptions of NODE_OPTIONS) rows.push(await drainOnce(script, nodeOptions, receiver.url, dir, log))
    return [
      {
        head: ['node options', 'pending at start', 'RSS loaded, idle (MB)', 'RSS max while draining, sampled (MB)', 'rise (MB)', 'peak RSS, VmHWM (MB)', 'drained', 'in s', 'deliveries/s'],
        align: ['l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r'],
        rows,
      },
    ]
  } finally {
    await receiver.close()
    rmSync(dir, { recursive: true, force: true })
  }
}

/** Seeds a fresh file, drains it in a child process started with `nodeOptions`, and returns the table row. */
async function drainOnce(script: string, nodeOptions: readonly string[], url: string, dir: string, log: (line: string) => void): Promise<string[]> {
  const target = createTarget('sqlite', dir)
  try {
    const pending = env.memoryPending
    const { seconds: seedSeconds } = await seed(target, url, 'pending', pending)
    log(`seeded ${fmt.int(pending)} pending deliveries in ${fmt.one(seedSeconds)} s`)
    const spec = { filename: target.filename, tablePrefix: TABLE_PREFIX, concurrency: env.concurrency, count: pending, seconds: env.memorySeconds }
    const child = spawn(process.execPath, [...nodeOptions, script], {
      env: { ...process.env, HOOKRELAY_BENCH_MEMORY: JSON.stringify(spec) },
      stdio: ['pipe', 'pipe', 'inherit'],
    })
    const lines = createInterface({ input: child.stdout! })
    const next = () =>
      new Promise<string>((resolve, reject) => {
        lines.once('line', resolve)
        child.once('exit', () => reject(new Error('memory worker exited early')))
      })
    try {
      await deadline(next(), 'the memory worker to load', 60)
      await sleep(500)
      const loaded = processMemory(child.pid!)?.rss ?? 0
      let maxRss = loaded
      const sampler = setInterval(() => {
        const m = processMemory(child.pid!)
        if (m && m.rss > maxRss) maxRss = m.rss
      }, 100)
      const done = next()
      child.stdin!.write('go\n')
      const line = await deadline(done, 'the memory worker to drain', env.memorySeconds + 120)
      clearInterval(sampler)
      const [, delivered, seconds, peak] = line.split(' ').map(Number) as [number, number, number, number]
      const options = nodeOptions.join(' ') || '(defaults)'
      log(`${options}: RSS ${fmt.int(loaded / MB)} MB loaded, max ${fmt.int(maxRss / MB)} MB sampled, peak ${fmt.int(peak / MB)} MB; drained ${fmt.int(delivered)} in ${fmt.one(seconds)} s`)
      return [
        options,
        fmt.int(pending),
        fmt.int(loaded / MB),
        fmt.int(maxRss / MB),
        fmt.int((maxRss - loaded) / MB),
        fmt.int(peak / MB),
        fmt.int(delivered),
        fmt.one(seconds),
        fmt.int(delivered / seconds),
      ]
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL')
    }
  } finally {
    await target.cleanup()
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  runMemoryBench()
    .then((tables) => tables.forEach((t) => printTable(t)))
    .catch((error: unknown) => {
      console.error(error)
      process.exitCode = 1
    })
}
