/**
 * Outbound throughput: hookrelay delivering 20,000 messages to one local receiver (a separate
 * process), on SQLite and on Postgres, against a bare undici POST loop with the same concurrency
 * to the same receiver in the same run; plus the durable send()/sendMany() rates.
 *
 *   npx tsx bench/outbound.ts            (MESSAGES=5000 for a quick run)
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import pg from 'pg'
import { Agent, request } from 'undici'
import { createRelay, postgresStorage, sqliteStorage, type Storage } from '../src/index.js'

export interface BenchFigure {
  name: string
  value: number
  unit: string
  baseline?: number
  ratio?: number
  target?: string
}

const MESSAGES = Number(process.env.MESSAGES ?? 20_000)
const CONCURRENCY = 64
const POSTGRES_URL = process.env.POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
const BODY = JSON.stringify({ type: 'order.created', timestamp: new Date().toISOString(), data: { id: 'ord_1', total: 4200, items: [1, 2, 3] } })

async function startReceiver(delayMs = 0): Promise<{ url: string; child: ChildProcess }> {
  const script = fileURLToPath(new URL('./receiver-process.ts', import.meta.url))
  const child = spawn(process.execPath, ['--import', 'tsx', script], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, DELAY_MS: String(delayMs) },
  })
  const port = await new Promise<string>((resolve, reject) => {
    child.stdout!.once('data', (d: Buffer) => resolve(d.toString().trim()))
    child.once('exit', () => reject(new Error('receiver process exited')))
  })
  return { url: `http://127.0.0.1:${port}/webhook`, child }
}

/** The baseline: undici keep-alive POSTs, CONCURRENCY at a time, nothing else. */
async function bareLoop(url: string, total: number): Promise<number> {
  const agent = new Agent({ connections: CONCURRENCY, keepAliveTimeout: 10_000 })
  let next = 0
  const started = performance.now()
  const worker = async () => {
    while (next < total) {
      next++
      const res = await request(url, { method: 'POST', dispatcher: agent, body: BODY, headers: { 'content-type': 'application/json' } })
      await res.body.dump()
      if (res.statusCode !== 200) throw new Error(`receiver answered ${res.statusCode}`)
    }
  }
  await Promise.all(Array.from({ length: CONCURRENCY }, worker))
  const rate = total / ((performance.now() - started) / 1000)
  await agent.close()
  return rate
}

interface RelayRun {
  deliveriesPerSec: number
  sendPerSec: number
  sendManyPerSec: number
}

/** Enqueue MESSAGES with sendMany (workers off), then time the workers draining them. */
async function relayRun(makeStorage: Factory, url: string, messages = MESSAGES): Promise<RelayRun> {
  // Durable send() one at a time, and sendMany() in batches of 100, on their own tables.
  const producer = createRelay({ storage: makeStorage(), network: { allowPrivate: true } })
  await producer.start({ workers: false })
  await producer.endpoints.create({ url })
  const singles = Math.min(2_000, messages)
  let t = performance.now()
  for (let i = 0; i < singles; i++) await producer.send({ type: 'order.created', data: { i } })
  const sendPerSec = singles / ((performance.now() - t) / 1000)
  t = performance.now()
  for (let i = 0; i < messages; i += 100) {
    await producer.sendMany(Array.from({ length: Math.min(100, messages - i) }, (_, j) => ({ type: 'order.created', data: { i: i + j } })))
  }
  const sendManyPerSec = messages / ((performance.now() - t) / 1000)
  await producer.stop()

  // Delivery: a fresh database holding exactly messages due deliveries.
  const relay = createRelay({
    storage: makeStorage(),
    network: { allowPrivate: true },
    delivery: { concurrency: CONCURRENCY, batchSize: 100, pollInterval: '50ms' },
  })
  await relay.start({ workers: false })
  await relay.endpoints.create({ url })
  for (let i = 0; i < messages; i += 500) {
    await relay.sendMany(Array.from({ length: Math.min(500, messages - i) }, (_, j) => ({ type: 'order.created', data: { i: i + j } })))
  }
  await relay.stop()
  const worker = createRelay({
    storage: makeStorage.reuse(),
    network: { allowPrivate: true },
    delivery: { concurrency: CONCURRENCY, batchSize: 100, pollInterval: '50ms' },
  })
  let delivered = 0
  const done = new Promise<void>((resolve) => {
    worker.on('delivery.succeeded', () => {
      if (++delivered === messages) resolve()
    })
  })
  worker.on('error', (e) => console.error(e.context, e.error))
  const started = performance.now()
  await worker.start({ migrate: false })
  await done
  const deliveriesPerSec = messages / ((performance.now() - started) / 1000)
  await worker.stop()
  return { deliveriesPerSec, sendPerSec, sendManyPerSec }
}

/** A storage factory whose `reuse()` opens the same database again (a restart, as a worker would). */
type Factory = (() => Storage) & { reuse: () => Storage }

function sqliteFactory(dir: string): Factory {
  let n = 0
  let last = ''
  return Object.assign(
    (): Storage => {
      last = join(dir, `bench-${++n}.db`)
      return sqliteStorage({ filename: last })
    },
    { reuse: (): Storage => sqliteStorage({ filename: last }) },
  )
}

function postgresFactory(schemaBase: string, schemas: string[]): Factory {
  let n = 0
  let last = ''
  return Object.assign(
    (): Storage => {
      last = `${schemaBase}_${++n}`
      schemas.push(last)
      return postgresStorage({ connectionString: POSTGRES_URL, schema: last, max: 10 })
    },
    { reuse: (): Storage => postgresStorage({ connectionString: POSTGRES_URL, schema: last, max: 10 }) },
  )
}

export async function runOutboundBench(log: (line: string) => void = console.log): Promise<BenchFigure[]> {
  const { url, child } = await startReceiver()
  const dir = mkdtempSync(join(tmpdir(), 'hookrelay-bench-'))
  const schemas: string[] = []
  const figures: BenchFigure[] = []
  try {
    await bareLoop(url, 2_000) // warm up the receiver and the JIT
    const runs: [string, Factory, number][] = [['SQLite', sqliteFactory(dir), 0.6]]
    if (await postgresReachable()) runs.push(['Postgres', postgresFactory(`bench_${randomBytes(3).toString('hex')}`, schemas), 0.5])
    else log('Postgres not reachable: skipping the Postgres figures')
    for (const [name, factory, target] of runs) {
      const baseline = await bareLoop(url, MESSAGES)
      log(`bare undici loop: ${baseline.toFixed(0)} req/s`)
      const run = await relayRun(factory, url)
      log(`${name}: ${run.deliveriesPerSec.toFixed(0)} deliveries/s, send ${run.sendPerSec.toFixed(0)}/s, sendMany ${run.sendManyPerSec.toFixed(0)}/s`)
      figures.push(
        {
          name: `${name}: deliveries/s (${MESSAGES} messages, concurrency ${CONCURRENCY}) vs bare undici loop`,
          value: run.deliveriesPerSec,
          unit: 'deliveries/s',
          baseline,
          ratio: run.deliveriesPerSec / baseline,
          target: `≥ ${target}`,
        },
        { name: `${name}: durable send(), one at a time`, value: run.sendPerSec, unit: 'messages/s' },
        { name: `${name}: durable sendMany(), batches of 100`, value: run.sendManyPerSec, unit: 'messages/s' },
      )
    }
    // The same comparison against a receiver that takes 20 ms to answer, as real ones do: the
    // HTTP round trip, not hookrelay, should then be the bottleneck.
    const slow = await startReceiver(20)
    try {
      const slowBaseline = await bareLoop(slow.url, Math.min(MESSAGES, 10_000))
      const slowRun = await relayRun(sqliteFactory(dir), slow.url, Math.min(MESSAGES, 10_000))
      log(`SQLite, 20 ms receiver: ${slowRun.deliveriesPerSec.toFixed(0)} deliveries/s vs bare ${slowBaseline.toFixed(0)}`)
      figures.push({
        name: `SQLite: deliveries/s to a receiver answering in 20 ms vs bare undici loop`,
        value: slowRun.deliveriesPerSec,
        unit: 'deliveries/s',
        baseline: slowBaseline,
        ratio: slowRun.deliveriesPerSec / slowBaseline,
      })
    } finally {
      slow.child.kill('SIGTERM')
    }
  } finally {
    child.kill('SIGTERM')
    rmSync(dir, { recursive: true, force: true })
    if (schemas.length > 0) {
      const pool = new pg.Pool({ connectionString: POSTGRES_URL, max: 1 })
      for (const s of schemas) await pool.query(`drop schema if exists "${s}" cascade`)
      await pool.end()
    }
  }
  return figures
}

async function postgresReachable(): Promise<boolean> {
  const pool = new pg.Pool({ connectionString: POSTGRES_URL, max: 1, connectionTimeoutMillis: 2_000 })
  try {
    await pool.query('select 1')
    return true
  } catch {
    return false
  } finally {
    await pool.end()
  }
}

export function printFigures(figures: readonly BenchFigure[]): void {
  for (const f of figures) {
    const ratio = f.ratio === undefined ? '' : `  ratio ${f.ratio.toFixed(2)} (baseline ${f.baseline!.toFixed(0)}, target ${f.target})`
    console.log(`${f.name.padEnd(80)} ${f.value.toFixed(0).padStart(7)} ${f.unit}${ratio}`)
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  runOutboundBench()
    .then(printFigures)
    .catch((error: unknown) => {
      console.error(error)
      process.exitCode = 1
    })
}
