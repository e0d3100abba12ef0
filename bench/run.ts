/**
 * `npm run bench`: runs the benchmarks and rewrites docs/benchmarks.md with the machine, the
 * versions, the load, the sizes, and each figure next to the baseline measured in the same run.
 *
 *   npm run bench                          every section (~20 minutes on 2 cores at the default sizes)
 *   npm run bench -- contenders history    only these sections, in the order of SECTIONS below
 *   BENCH_N=1000 BENCH_HISTORY=50000 npm run bench -- history      a small configuration
 *
 * Sizes: BENCH_N, BENCH_ROUNDS, BENCH_WARMUP, BENCH_N_SLOW, BENCH_CONCURRENCY, BENCH_HISTORY, BENCH_PENDING,
 * BENCH_PENDING_SMALL, BENCH_FAIL_SECONDS, BENCH_FAIL_LONG, BENCH_SEND_SECONDS, BENCH_MEMORY_PENDING,
 * BENCH_MEMORY_SECONDS, BENCH_TIMEOUT (see bench/support/env.ts). Services: POSTGRES_URL, REDIS_URL, and with
 * BENCH_MYSQL=1 MYSQL_URL (hookrelay on MySQL/MariaDB joins the contenders).
 * A partial run rewrites the sections it ran and keeps the others, marked with their run's date.
 */
import { execSync } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import { fileURLToPath } from 'node:url'
import { runContendersBench } from './contenders.js'
import { runDashboardBench } from './dashboard.js'
import { runFailuresBench } from './failures.js'
import { runFiltersBench } from './filters.js'
import { runFleetBench } from './fleet.js'
import { runHistoryBench } from './history.js'
import { runIntakeBench } from './intake.js'
import { runMemoryBench } from './memory.js'
import { runSendBench } from './send-rates.js'
import { runSigningBench } from './signing.js'
import { env } from './support/env.js'
import { fmt, markdownTable, printTable, figuresTable, type BenchSection } from './support/figures.js'

interface SectionSpec {
  name: string
  run(): Promise<BenchSection>
}

const SECTIONS: SectionSpec[] = [
  {
    name: 'signing',
    run: async () => ({
      title: 'Signing and verification',
      how: "Operations per CPU-second, median of interleaved rounds, against a bare `crypto.createHmac(…).digest('base64')` over the same payload in the same rounds. Target: ≥ 0.85 for HMAC.",
      figures: (await runSigningBench()).map((r) => ({ name: r.name, value: r.opsPerSec, unit: 'ops/s', baseline: r.baselineOpsPerSec, ratio: r.ratio })),
    }),
  },
  {
    name: 'contenders',
    run: async () => ({
      title: 'Delivery: hookrelay against what a team would glue together',
      how: `The same ${fmt.int(env.n)} deliveries, concurrency ${env.concurrency}, to the same receiver process answering at once, every contender signing each request (HMAC-SHA256 of id.timestamp.body). Each enqueues everything first (untimed), then is timed from starting its workers to the last acknowledged delivery; with BENCH_ROUNDS > 1 the contenders run in interleaved rounds and each one's median round is shown. BullMQ uses its own Redis key prefix; graphile-worker, pg-boss and hookrelay on Postgres each a fresh schema, dropped afterwards. Client CPU: \`process.cpuUsage()\` of the bench process over the timed phase ÷ deliveries (the receiver is another process and is not in it). Postgres server CPU: utime + stime from /proc/<pid>/stat of the contender's own backends (found by application_name), after minus before, ÷ deliveries; the server's shared background processes are not counted. Targets: SQLite ≥ 0.65 of the bare loop and ≥ 1.5 × BullMQ; Postgres ≥ 0.5 and ≥ 1.2 × BullMQ; Postgres + Redis ≥ Postgres; client CPU ≤ 150 µs, server CPU ≤ 100 µs per delivery.`,
      tables: [await runContendersBench(0)],
    }),
  },
  {
    name: 'slow',
    run: async () => ({
      title: 'Delivery to a receiver answering in 20 ms',
      how: `As above with ${fmt.int(env.nSlow)} deliveries and a receiver that answers each request after 20 ms. The receiver counts its open requests every 2 ms while requests arrive; the column is their mean over the timed phase (the most possible is ${env.concurrency}). Target: ≥ 0.9 of the bare loop on both dialects, in-flight within 10 % of the concurrency.`,
      tables: [await runContendersBench(20)],
    }),
  },
  {
    name: 'history',
    run: async () => ({
      title: 'Cost against history',
      how: `Each run in a fresh database. Throughput draining ${fmt.int(env.n)} messages on empty tables, and the same with ${fmt.int(env.history)} delivered messages (each with its succeeded delivery and its attempt: ${fmt.int(env.history * 3)} rows) already in the tables; the drain rate of the first ${fmt.int(env.pendingSmall)} deliveries with ${fmt.int(env.pendingSmall)} and with ${fmt.int(env.pending)} pending. Rows are seeded with INSERT … SELECT from one template row made through the API (recursive CTE on SQLite, generate_series on Postgres), untimed. Each baseline runs before and after the run it is compared with, and the ratio is to their mean. On Postgres the empty and the history runs are vacuumed, analyzed and checkpointed after enqueuing (autovacuum and the checkpointer would have been through days-old history), a sudden backlog is not. Target: ratio ≥ 0.9.`,
      tables: await runHistoryBench(),
    }),
  },
  {
    name: 'failures',
    run: async () => ({
      title: 'Failing receivers',
      how: `The receiver answers 500 to 1 % or 20 % of requests (every 100th, every 5th); hookrelay's default retry schedule (first retry after 5 s) and circuit breaker. Throughput is attempts per second, every request answered (2xx or 500, retries included), so the retries' own requests are not held against it; ratio to the mean of the same run with none failing, measured before and after. The long runs (${env.failLong.join(', ')}) drain a backlog larger than the run can deliver for ${env.failSeconds} s and read the attempts in each 10 s window. Target: ≥ 0.9 and flat.`,
      tables: await runFailuresBench(),
    }),
  },
  {
    name: 'send',
    run: async () => ({
      title: 'Durable enqueue: send()',
      how: `Each cell runs for ${env.sendSeconds} s with the workers off. hookrelay has one subscribed endpoint, so each send also writes one delivery. Targets: one at a time SQLite ≥ 5,000/s, Postgres ≥ 1,000/s; 32 concurrent callers SQLite ≥ 10,000/s, Postgres ≥ 5,000/s.`,
      tables: await runSendBench(),
    }),
  },
  {
    name: 'filters',
    run: async () => ({
      title: 'Fan-out with payload filters',
      how: `Workers off; sends to the same number of endpoints (BENCH_FILTER_ENDPOINTS) with no filter, then with a three-clause filter (\`$gte\`, \`$in\`, \`$or\` of \`$exists\` and equality) on every endpoint that every message matches, so both write the same deliveries; interleaved rounds of max(0.5, BENCH_SEND_SECONDS / 3) s (BENCH_ROUNDS, at least 5), medians; the client CPU per message (\`process.cpuUsage()\`) reads through a busy machine better than the rate. SQLite evaluates filters in JavaScript (compiled once per filter), Postgres as jsonpath inside the fan-out statement. Target: ratio ≥ 0.9.`,
      tables: [await runFiltersBench()],
    }),
  },
  {
    name: 'memory',
    run: async () => ({
      title: 'Memory holding and draining a backlog (SQLite)',
      how: `${fmt.int(env.memoryPending)} pending deliveries seeded in a SQLite file, drained by a relay in its own process (concurrency ${env.concurrency}) for at most ${env.memorySeconds} s; its RSS from /proc/<pid>/status every 100 ms. The process runs the relay bundled by esbuild under plain node, as a compiled app would (under tsx it would start 65 MB larger): once with Node's defaults, once with --max-old-space-size=128, each on a freshly seeded file. Target: < 250 MB (with the defaults).`,
      tables: await runMemoryBench(),
    }),
  },
  {
    name: 'intake',
    run: async () => ({
      title: 'Inbound intake',
      how: 'Requests per second through Fastify (verify + dedupe + persist + answer, SQLite file) against a bare Fastify route answering 200, load from a separate process (autocannon), every request a new signed webhook. Targets: ≥ 0.8 of the bare route; p99 < 10 ms at half the peak rate.',
      figures: (await runIntakeBench()).map((r) => ({ name: `${r.name} (p50 ${r.p50} ms, p99 ${r.p99} ms)`, value: r.value, unit: 'req/s', baseline: r.baseline, ratio: r.ratio })),
    }),
  },
  {
    name: 'fleet',
    run: async () => ({
      title: 'Many processes: throughput and idle latency',
      how: 'Throughput draining 5,000 messages with 1, 2 and 4 worker processes (concurrency 64 each) on Postgres with NOTIFY and on Postgres + Redis, receiver in its own process; idle latency from send() commit to the first byte at the receiver, worker in another process, with polling (1 s), NOTIFY and Redis. Target: p50 ≤ 10 ms across processes. On 2 cores one process already uses both, so more processes add contention, not capacity.',
      figures: await runFleetBench(),
    }),
  },
  {
    name: 'dashboard',
    run: async () => {
      const messages = Number(process.env.BENCH_DASHBOARD_N ?? 20_000)
      return {
        title: 'Delivery with a dashboard open',
        how: `A blast of ${fmt.int(messages)} deliveries on a fresh SQLite relay (sent in batches of 500 to a local receiver answering 200 at once), timed from the first send to the last success, with a client reading the dashboard's live feed (Server-Sent Events, a frame per 250 ms) against the same blast with nobody watching; ${env.rounds} round(s) each way, alternated, mean rate. BENCH_DASHBOARD_N sets the size. Target: ≥ 0.95.`,
        figures: (await runDashboardBench(messages, Math.max(1, env.rounds))).figures,
      }
    },
  },
]

/** Names the CLI accepted before: the sections that replaced them. */
const ALIASES: Record<string, string[]> = { outbound: ['contenders', 'slow', 'send'], bullmq: ['contenders', 'send'] }

function selected(args: readonly string[]): SectionSpec[] {
  const names = new Set(args.flatMap((a) => ALIASES[a] ?? [a]))
  const unknown = [...names].filter((n) => !SECTIONS.some((s) => s.name === n))
  if (unknown.length > 0) throw new Error(`unknown section ${unknown.join(', ')}; sections: ${SECTIONS.map((s) => s.name).join(', ')}`)
  return names.size === 0 ? SECTIONS : SECTIONS.filter((s) => names.has(s.name))
}

function version(command: string): string {
  try {
    return execSync(command, { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim().split('\n')[0]!
  } catch {
    return 'not found'
  }
}

function installed(name: string): string {
  try {
    return (JSON.parse(readFileSync(new URL(`../node_modules/${name}/package.json`, import.meta.url), 'utf8')) as { version: string }).version
  } catch {
    return '?'
  }
}

/**
 * This run's conditions: `run`, the lines of this run alone (date, machine, load); `shared`, those
 * true of every figure in the docs once it is written (sizes, versions, where the receiver runs).
 */
function machine(names: readonly string[], startedAt: Date, loadAtStart: number[]): { run: string[]; shared: string[] } {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
  const load = (l: number[]) => l.map((x) => x.toFixed(2)).join(', ')
  const minutes = (Date.now() - startedAt.getTime()) / 60_000
  const versions = ['kysely', 'better-sqlite3', 'pg', 'undici', 'fastify', 'bullmq', 'ioredis', 'graphile-worker', 'pg-boss']
  const run = [
    `- Date: ${startedAt.toISOString().slice(0, 16).replace('T', ' ')} UTC, ${minutes.toFixed(1)} minutes; sections: ${names.join(', ')}`,
    `- Machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'unknown CPU'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, ${os.type()} ${os.release()}`,
    `- Load average (1, 5, 15 min) at the start: ${load(loadAtStart)}; at the end: ${load(os.loadavg())}`,
  ]
  const shared = [
    `- Sizes: BENCH_N=${env.n}, BENCH_ROUNDS=${env.rounds}, BENCH_WARMUP=${env.warmup}, BENCH_N_SLOW=${env.nSlow}, BENCH_CONCURRENCY=${env.concurrency}, BENCH_HISTORY=${env.history}, BENCH_PENDING=${env.pending}, BENCH_PENDING_SMALL=${env.pendingSmall}, BENCH_FAIL_SECONDS=${env.failSeconds}, BENCH_FAIL_LONG=${env.failLong.join(',')}, BENCH_SEND_SECONDS=${env.sendSeconds}, BENCH_MEMORY_PENDING=${env.memoryPending}, BENCH_MEMORY_SECONDS=${env.memorySeconds}`,
    `- Node ${process.version}; hookrelay ${pkg.version}; ${versions.map((v) => `${v} ${installed(v)}`).join(', ')}`,
    `- ${version('psql --version')} (on this machine, shared by every process here), ${version('redis-server --version')}`,
    '- The receiver runs in its own process on the same 2 cores, as do Postgres and Redis: every figure is read against the baseline of the same run.',
  ]
  return { run, shared }
}

const DOC = new URL('../docs/benchmarks.md', import.meta.url)
const NOTES_HEADING = '## Reading the figures'

function currentDoc(): string {
  try {
    return readFileSync(DOC, 'utf8')
  } catch {
    return ''
  }
}

/** Hand-written analysis kept across runs: everything from "## Reading the figures" on. */
function readNotes(doc: string): string {
  const at = doc.indexOf(NOTES_HEADING)
  return at >= 0 ? doc.slice(at) : ''
}

/** The `## ` sections of a document before "## Reading the figures", by title, in order. */
function sectionsOf(doc: string): Map<string, string> {
  const at = doc.indexOf(NOTES_HEADING)
  const body = at >= 0 ? doc.slice(0, at) : doc
  const sections = new Map<string, string>()
  for (const part of body.split(/^(?=## )/m).slice(1)) sections.set(part.slice(3, part.indexOf('\n')).trim(), part.trimEnd())
  return sections
}

/** A section's run line: `_From the run of …_` right under its title. */
const RUN_LINE = /^_(?:From the run of|Not rerun: figures from the run of) [^\n]*_$/

/**
 * The figures' sections, in the order the current docs have them (new titles last): those this
 * run measured, marked with its date, and the others kept as they were, each still saying which run
 * measured it, so that a partial run neither drops nor reorders the others' figures.
 */
function mergedSections(doc: string, measured: ReadonlyMap<string, string>, runDate: string): string[] {
  const current = sectionsOf(doc)
  const earlier = /^- Date: ([^,\n]+)/m.exec(doc)?.[1]?.trim() ?? 'an earlier run'
  const titles = [...current.keys(), ...[...measured.keys()].filter((title) => !current.has(title))]
  const out: string[] = []
  for (const title of titles) {
    if (title === 'Machine and conditions') continue
    const fresh = measured.get(title)
    if (fresh !== undefined) {
      const [heading, ...rest] = fresh.split('\n')
      out.push([heading, '', `_From the run of ${runDate}._`, ...rest].join('\n'), '')
      continue
    }
    const lines = current.get(title)!.split('\n')
    out.push((RUN_LINE.test(lines[2] ?? '') ? lines : [lines[0]!, '', `_From the run of ${earlier}._`, ...lines.slice(1)]).join('\n'), '')
  }
  return out
}

/**
 * The new run's conditions, then the earlier runs' entries of the current docs (their sizes,
 * versions and receiver lines give way to this run's `shared` ones), for a person to prune.
 */
function conditions(doc: string, fresh: { run: readonly string[]; shared: readonly string[] }): string[] {
  const previous = sectionsOf(doc).get('Machine and conditions')?.split('\n').slice(1) ?? []
  const replaced = /^- (Sizes|Node v|psql|.*redis-server|The receiver runs)/
  const kept: string[] = []
  let skipping = false
  for (const line of previous) {
    if (line.startsWith('- ')) skipping = replaced.test(line)
    if (!skipping && line.trim() !== '') kept.push(line)
  }
  return [...fresh.run, ...kept, ...fresh.shared]
}

async function main(): Promise<void> {
  const specs = selected(process.argv.slice(2))
  const startedAt = new Date()
  const loadAtStart = os.loadavg()
  const sections: BenchSection[] = []
  for (const spec of specs) {
    console.log(`\n== ${spec.name}`)
    const started = performance.now()
    const section = await spec.run()
    console.log(`(${spec.name}: ${((performance.now() - started) / 1000).toFixed(0)} s)`)
    for (const table of [...(section.figures ? [figuresTable(section.figures)] : []), ...(section.tables ?? [])]) printTable(table)
    sections.push(section)
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
  ]
  const doc = currentDoc()
  lines.push(...conditions(doc, machine(specs.map((s) => s.name), startedAt, loadAtStart)), '')
  const measured = new Map<string, string>()
  for (const section of sections) {
    const text = [`## ${section.title}`, '', section.how, '']
    if (section.figures) text.push(...markdownTable(figuresTable(section.figures)), '')
    for (const table of section.tables ?? []) text.push(...markdownTable(table), '')
    measured.set(section.title, text.join('\n').trimEnd())
  }
  lines.push(...mergedSections(doc, measured, `${startedAt.toISOString().slice(0, 16).replace('T', ' ')} UTC`))
  const notes = readNotes(doc)
  if (notes) lines.push(notes)
  const out = fileURLToPath(DOC)
  writeFileSync(out, `${lines.join('\n').trimEnd()}\n`)
  console.log(`\nwrote ${out}`)
}

main().then(
  // Pools, sockets or timers a library leaves behind must not keep a finished run alive.
  () => process.exit(0),
  (error: unknown) => {
    console.error(error instanceof Error && error.message.startsWith('unknown section') ? error.message : error)
    process.exit(1)
  },
)
