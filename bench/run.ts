/**
 * `npm run bench`: runs every benchmark and rewrites docs/benchmarks.md with the machine, the
 * versions, the conditions, and each figure next to the baseline measured in the same run.
 *
 *   npm run bench                      all of them (several minutes)
 *   npm run bench -- signing outbound  only these (signing, outbound, intake, fleet, bullmq)
 */
import { execSync } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import { fileURLToPath } from 'node:url'
import { runBullmqBench } from './bullmq.js'
import { runFleetBench } from './fleet.js'
import { runIntakeBench } from './intake.js'
import { runOutboundBench, type BenchFigure } from './outbound.js'
import { runSigningBench } from './signing.js'

interface Section {
  title: string
  how: string
  figures: BenchFigure[]
}

const wanted = new Set(process.argv.slice(2))
const want = (name: string) => wanted.size === 0 || wanted.has(name)

function version(command: string): string {
  try {
    return execSync(command, { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim().split('\n')[0]!
  } catch {
    return 'not found'
  }
}

function machine(): string[] {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
  const installed = (name: string) => {
    try {
      return (JSON.parse(readFileSync(new URL(`../node_modules/${name}/package.json`, import.meta.url), 'utf8')) as { version: string }).version
    } catch {
      return '?'
    }
  }
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU'
  return [
    `- Date: ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC`,
    `- Machine: ${os.cpus().length} × ${cpu}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, ${os.type()} ${os.release()}`,
    `- Load average when the run started: ${os.loadavg().map((l) => l.toFixed(2)).join(', ')}`,
    `- Node ${process.version}; hookrelay ${pkg.version}; kysely ${installed('kysely')}, better-sqlite3 ${installed('better-sqlite3')}, pg ${installed('pg')}, undici ${installed('undici')}, fastify ${installed('fastify')}`,
    `- ${version('psql --version')}, ${version('redis-server --version')}`,
  ]
}

async function main(): Promise<void> {
  const header = machine()
  const sections: Section[] = []

  if (want('signing')) {
    console.log('== signing')
    const results = await runSigningBench()
    sections.push({
      title: 'Signing and verification',
      how: 'Operations per CPU-second, median of interleaved rounds, against a bare `crypto.createHmac(…).digest(\'base64\')` over the same payload in the same rounds. Target: ≥ 0.85 for HMAC.',
      figures: results.map((r) => ({ name: r.name, value: r.opsPerSec, unit: 'ops/s', baseline: r.baselineOpsPerSec, ratio: r.ratio })),
    })
  }
  if (want('outbound')) {
    console.log('== outbound')
    sections.push({
      title: 'Outbound delivery',
      how: 'Deliveries per second draining 20,000 due messages (concurrency 64, batches of 100) to one receiver in a separate process, against a bare undici keep-alive POST loop with the same concurrency to the same receiver in the same run; then the durable send() rates. Targets: ≥ 0.6 of the bare loop on SQLite, ≥ 0.5 on Postgres.',
      figures: await runOutboundBench(),
    })
  }
  if (want('intake')) {
    console.log('== intake')
    const results = await runIntakeBench()
    sections.push({
      title: 'Inbound intake',
      how: 'Requests per second through Fastify (verify + dedupe + persist + answer, SQLite file) against a bare Fastify route answering 200, load from a separate process (autocannon), every request a new signed webhook. Targets: ≥ 0.5 of the bare route; p99 < 10 ms at half the peak rate.',
      figures: results.map((r) => ({
        name: `${r.name} (p50 ${r.p50} ms, p99 ${r.p99} ms)`,
        value: r.value,
        unit: 'req/s',
        baseline: r.baseline,
        ratio: r.ratio,
      })),
    })
  }

  if (want('fleet')) {
    console.log('== fleet')
    sections.push({
      title: 'Many processes: throughput and idle latency',
      how: 'Throughput draining 5,000 messages with 1, 2 and 4 worker processes (concurrency 64 each) on Postgres with NOTIFY and on Postgres + Redis, receiver in its own process; idle latency from send() commit to the first byte at the receiver, worker in another process, with polling (1 s), NOTIFY and Redis. Target: p50 ≤ 10 ms across processes. On 2 cores one process already uses both, so more processes add contention, not capacity.',
      figures: await runFleetBench(),
    })
  }
  if (want('bullmq')) {
    console.log('== bullmq')
    sections.push({
      title: 'hookrelay against BullMQ',
      how: 'The comparison a user would make: 10,000 jobs through a BullMQ worker POSTing with undici via Redis, against hookrelay draining 10,000 messages on SQLite and on Postgres, same receiver process, concurrency 64 on both sides, both signing every request. The ratio is hookrelay / BullMQ.',
      figures: await runBullmqBench(),
    })
  }
  const lines = [
    '# Benchmarks',
    '',
    'Written by `npm run bench` (bench/run.ts). Every figure is measured next to a baseline in the same',
    'run, on the same machine, so the ratio is the number to read; absolute rates move with the machine',
    'and with whatever else it is doing.',
    '',
    '## Machine and conditions',
    '',
    ...header,
    '',
  ]
  for (const section of sections) {
    lines.push(`## ${section.title}`, '', section.how, '', '| what | value | baseline | ratio |', '| --- | ---: | ---: | ---: |')
    for (const f of section.figures) {
      const baseline = f.baseline === undefined ? '' : f.baseline.toFixed(0)
      const ratio = f.ratio === undefined ? '' : `${f.ratio.toFixed(2)}${f.target ? ` (target ${f.target})` : ''}`
      lines.push(`| ${f.name} | ${f.value.toFixed(0)} ${f.unit} | ${baseline} | ${ratio} |`)
    }
    lines.push('')
  }
  const notes = readNotes()
  if (notes) lines.push(notes)
  const out = fileURLToPath(new URL('../docs/benchmarks.md', import.meta.url))
  writeFileSync(out, `${lines.join('\n').trimEnd()}\n`)
  console.log(`\nwrote ${out}`)
}

/** Hand-written analysis kept across runs: everything from "## Reading the figures" on. */
function readNotes(): string {
  try {
    const current = readFileSync(new URL('../docs/benchmarks.md', import.meta.url), 'utf8')
    const at = current.indexOf('## Reading the figures')
    return at >= 0 ? current.slice(at) : ''
  } catch {
    return ''
  }
}

main().catch((error: unknown) => {
  console.error(error)
  process.exitCode = 1
})
