/**
 * hookrelay against the do-it-yourself stack people compare it with: a BullMQ queue on Redis and
 * a BullMQ worker POSTing each job with undici. Same receiver (bench/receiver-process.ts, in its
 * own process), same concurrency (64), same number of jobs. Each side first enqueues everything
 * (BullMQ `addBulk`; hookrelay `sendMany` with its workers off), then the drain is timed with the
 * workers running, until the last delivery succeeded. hookrelay runs on SQLite and on Postgres.
 *
 * Both sides sign every request (HMAC-SHA256, Standard Webhooks style) and keep a record of it:
 * BullMQ its completed jobs in Redis (its default), hookrelay an attempt row per delivery.
 * BullMQ jobs get 8 attempts with exponential backoff, as webhook retries need.
 *
 *   npx tsx bench/bullmq.ts            (JOBS=2000 for a quick run)
 *
 * Uses its own BullMQ prefix and queue name on the shared Redis (REDIS_URL) and obliterates them at
 * the end; never FLUSHALL.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { createHmac, randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Queue, Worker } from 'bullmq'
import { Redis } from 'ioredis'
import pg from 'pg'
import { Agent, request } from 'undici'
import { createRelay, postgresStorage, sqliteStorage, type Storage } from '../src/index.js'
import { printFigures, type BenchFigure } from './outbound.js'

const JOBS = Number(process.env.JOBS ?? 10_000)
const CONCURRENCY = 64
const POSTGRES_URL = process.env.POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'
const BULLMQ_PREFIX = 'hookrelay-bench-bullmq'
const SECRET = randomBytes(24)

const event = (i: number) => ({ type: 'order.created', data: { id: `ord_${i}`, total: 4200, items: [1, 2, 3] } })

async function startReceiver(): Promise<{ url: string; child: ChildProcess }> {
  const script = fileURLToPath(new URL('./receiver-process.ts', import.meta.url))
  const child = spawn(process.execPath, ['--import', 'tsx', script], { stdio: ['ignore', 'pipe', 'inherit'] })
  const port = await new Promise<string>((resolve, reject) => {
    child.stdout!.once('data', (d: Buffer) => resolve(d.toString().trim()))
    child.once('exit', () => reject(new Error('receiver process exited')))
  })
  return { url: `http://127.0.0.1:${port}/webhook`, child }
}

interface Run {
  enqueuePerSec: number
  deliveriesPerSec: number
}

interface BullJob {
  url: string
  id: string
  body: string
}

/** BullMQ: addBulk everything (in chunks of 1,000), then a Worker with concurrency 64 drains it. */
async function bullmqRun(url: string, jobs: number): Promise<Run> {
  const name = `bench-${randomBytes(4).toString('hex')}`
  // BullMQ does not close connections handed to it: both are disconnected in `finally`.
  const connection = new Redis(REDIS_URL, { maxRetriesPerRequest: null })
  const workerConnection = connection.duplicate()
  const queue = new Queue<BullJob>(name, {
    connection,
    prefix: BULLMQ_PREFIX,
    defaultJobOptions: { attempts: 8, backoff: { type: 'exponential', delay: 5_000 } },
  })
  const agent = new Agent({ connections: CONCURRENCY, keepAliveTimeout: 10_000 })
  let worker: Worker<BullJob> | undefined
  try {
    let t = performance.now()
    for (let i = 0; i < jobs; i += 1_000) {
      await queue.addBulk(
        Array.from({ length: Math.min(1_000, jobs - i) }, (_, j) => {
          const id = `msg_${i + j}`
          const body = JSON.stringify({ ...event(i + j), timestamp: new Date().toISOString() })
          return { name: 'webhook', data: { url, id, body } }
        }),
      )
    }
    const enqueuePerSec = jobs / ((performance.now() - t) / 1000)

    let completed = 0
    const done = new Promise<void>((resolve, reject) => {
      worker = new Worker<BullJob>(
        name,
        async (job) => {
          const { url: target, id, body } = job.data
          const timestamp = Math.floor(Date.now() / 1000)
          const signature = createHmac('sha256', SECRET).update(`${id}.${timestamp}.${body}`).digest('base64')
          const res = await request(target, {
            method: 'POST',
            dispatcher: agent,
            body,
            headers: {
              'content-type': 'application/json',
              'webhook-id': id,
              'webhook-timestamp': String(timestamp),
              'webhook-signature': `v1,${signature}`,
            },
            headersTimeout: 15_000,
            bodyTimeout: 15_000,
          })
          await res.body.dump()
          if (res.statusCode < 200 || res.statusCode >= 300) throw new Error(`receiver answered ${res.statusCode}`)
        },
        { connection: workerConnection, prefix: BULLMQ_PREFIX, concurrency: CONCURRENCY, autorun: false },
      )
      worker.on('completed', () => {
        if (++completed === jobs) resolve()
      })
      worker.on('failed', (_job, error) => reject(error))
      worker.on('error', reject)
    })
    t = performance.now()
    void worker!.run()
    await done
    const deliveriesPerSec = jobs / ((performance.now() - t) / 1000)
    return { enqueuePerSec, deliveriesPerSec }
  } finally {
    await worker?.close()
    await queue.obliterate({ force: true })
    await queue.close()
    await agent.close()
    connection.disconnect()
    workerConnection.disconnect()
  }
}

/** hookrelay: sendMany everything (batches of 500, workers off), then a relay with workers drains it. */
async function relayRun(open: () => Storage, url: string, jobs: number): Promise<Run> {
  const producer = createRelay({ storage: open(), network: { allowPrivate: true } })
  await producer.start({ workers: false })
  await producer.endpoints.create({ url })
  let t = performance.now()
  for (let i = 0; i < jobs; i += 500) {
    await producer.sendMany(Array.from({ length: Math.min(500, jobs - i) }, (_, j) => event(i + j)))
  }
  const enqueuePerSec = jobs / ((performance.now() - t) / 1000)
  await producer.stop()

  const worker = createRelay({ storage: open(), network: { allowPrivate: true }, delivery: { concurrency: CONCURRENCY } })
  let delivered = 0
  const done = new Promise<void>((resolve) => {
    worker.on('delivery.succeeded', () => {
      if (++delivered === jobs) resolve()
    })
  })
  worker.on('error', (e) => console.error(e.context, e.error))
  t = performance.now()
  await worker.start({ migrate: false })
  await done
  const deliveriesPerSec = jobs / ((performance.now() - t) / 1000)
  await worker.stop()
  return { enqueuePerSec, deliveriesPerSec }
}

async function reachable(check: () => Promise<unknown>): Promise<boolean> {
  try {
    await check()
    return true
  } catch {
    return false
  }
}

export async function runBullmqBench(log: (line: string) => void = console.log): Promise<BenchFigure[]> {
  const redisUp = await reachable(async () => {
    const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1, connectTimeout: 2_000 })
    redis.on('error', () => undefined)
    try {
      await redis.connect()
      await redis.ping()
    } finally {
      redis.disconnect()
    }
  })
  if (!redisUp) {
    log(`Redis not reachable at ${REDIS_URL}: skipping the BullMQ comparison`)
    return []
  }
  const postgresUp = await reachable(async () => {
    const pool = new pg.Pool({ connectionString: POSTGRES_URL, max: 1, connectionTimeoutMillis: 2_000 })
    try {
      await pool.query('select 1')
    } finally {
      await pool.end()
    }
  })

  const { url, child } = await startReceiver()
  const dir = mkdtempSync(join(tmpdir(), 'hookrelay-bench-bullmq-'))
  const schema = `bench_bullmq_${randomBytes(3).toString('hex')}`
  const figures: BenchFigure[] = []
  try {
    // Warm up the receiver, the JIT and the connections of both sides.
    await bullmqRun(url, 1_000)
    const warmFile = join(dir, 'warm.db')
    await relayRun(() => sqliteStorage({ filename: warmFile }), url, 1_000)

    const bull = await bullmqRun(url, JOBS)
    log(`BullMQ + undici: ${bull.deliveriesPerSec.toFixed(0)} deliveries/s (addBulk ${bull.enqueuePerSec.toFixed(0)} jobs/s)`)
    figures.push({ name: `BullMQ + undici worker: deliveries/s (${JOBS} jobs, concurrency ${CONCURRENCY})`, value: bull.deliveriesPerSec, unit: 'deliveries/s' })

    const sides: [string, () => Storage][] = []
    const file = join(dir, 'bench.db')
    sides.push(['SQLite', () => sqliteStorage({ filename: file })])
    if (postgresUp) sides.push(['Postgres', () => postgresStorage({ connectionString: POSTGRES_URL, schema, max: 10 })])
    else log('Postgres not reachable: skipping hookrelay on Postgres')

    const enqueue: BenchFigure[] = [{ name: 'BullMQ addBulk (chunks of 1,000)', value: bull.enqueuePerSec, unit: 'jobs/s' }]
    for (const [name, open] of sides) {
      const run = await relayRun(open, url, JOBS)
      const ratio = run.deliveriesPerSec / bull.deliveriesPerSec
      log(`hookrelay on ${name}: ${run.deliveriesPerSec.toFixed(0)} deliveries/s, ratio ${ratio.toFixed(2)} (sendMany ${run.enqueuePerSec.toFixed(0)} messages/s)`)
      figures.push({
        name: `hookrelay on ${name}: deliveries/s (${JOBS} messages, concurrency ${CONCURRENCY}) vs BullMQ`,
        value: run.deliveriesPerSec,
        unit: 'deliveries/s',
        baseline: bull.deliveriesPerSec,
        ratio,
        target: '—',
      })
      enqueue.push({ name: `hookrelay sendMany on ${name} (batches of 500, durable)`, value: run.enqueuePerSec, unit: 'messages/s' })
    }
    figures.push(...enqueue)
  } finally {
    child.kill('SIGTERM')
    rmSync(dir, { recursive: true, force: true })
    if (postgresUp) {
      const pool = new pg.Pool({ connectionString: POSTGRES_URL, max: 1 })
      await pool.query(`drop schema if exists "${schema}" cascade`)
      await pool.end()
    }
  }
  return figures
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const started = performance.now()
  runBullmqBench()
    .then((figures) => {
      printFigures(figures)
      console.log(`(${((performance.now() - started) / 1000).toFixed(1)} s)`)
    })
    .catch((error: unknown) => {
      console.error(error)
      process.exitCode = 1
    })
}
