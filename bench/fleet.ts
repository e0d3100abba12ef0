/**
 * Scale-out: delivery throughput with 1, 2 and 4 worker processes on Postgres (storage polling
 * with LISTEN/NOTIFY) and on Postgres + Redis (`redisQueue()`), each draining MESSAGES due
 * deliveries to a receiver in its own process; and idle latency, from `send()` resolving (the
 * commit) in this process to the first byte at the receiver, with the worker in another process:
 * polling (pollInterval 1s, no wake-ups), LISTEN/NOTIFY, and Redis pub/sub.
 *
 *   npx tsx bench/fleet.ts            (MESSAGES=2000 SENDS=50 for a quick run; PARTS=latency for one part)
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import pg from 'pg'
import { createRelay, postgresStorage, redisQueue, type Relay } from '../src/index.js'
import { deleteKeys } from '../test/fleet/support/redis-keys.js'
import { reachable } from '../test/support/reachable.js'
import { printFigures, type BenchFigure } from './support/figures.js'

const MESSAGES = Number(process.env.MESSAGES ?? 5_000)
const SENDS = Number(process.env.SENDS ?? 100)
const WORKER_COUNTS = [1, 2, 4]
const CONCURRENCY = 64
const POSTGRES_URL = process.env.POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'
const PARTS = new Set((process.env.PARTS ?? 'throughput,latency').split(','))

type QueueKind = 'polling' | 'notify' | 'redis'

interface Receiver {
  base: string
  child: ChildProcess
  count(): Promise<number>
  times(): Promise<Record<string, number>>
}

const clock = () => performance.timeOrigin + performance.now()
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

function spawnTsx(file: string, env: Record<string, string> = {}): ChildProcess {
  const script = fileURLToPath(new URL(file, import.meta.url))
  return spawn(process.execPath, ['--import', 'tsx', script], { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'inherit'] })
}

function nextLine(child: ChildProcess, expected?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let buffer = ''
    const onData = (chunk: Buffer) => {
      buffer += chunk.toString()
      for (const line of buffer.split('\n').slice(0, -1)) {
        if (expected === undefined || line.trim() === expected) {
          child.stdout!.off('data', onData)
          child.off('exit', onExit)
          resolve(line.trim())
          return
        }
      }
      buffer = buffer.slice(buffer.lastIndexOf('\n') + 1)
    }
    const onExit = () => reject(new Error(`process exited before printing ${expected ?? 'a line'}`))
    child.stdout!.on('data', onData)
    child.once('exit', onExit)
  })
}

async function startReceiver(): Promise<Receiver> {
  const child = spawnTsx('./fleet-receiver.ts')
  const port = await nextLine(child)
  const base = `http://127.0.0.1:${port}`
  return {
    base,
    child,
    count: async () => Number(await (await fetch(`${base}/count`)).text()),
    times: async () => (await (await fetch(`${base}/times`)).json()) as Record<string, number>,
  }
}

interface BenchWorker {
  go(): void
  stop(): Promise<void>
  started: Promise<string>
}

async function spawnWorker(schema: string, queue: QueueKind, keyPrefix: string, pollInterval: string): Promise<BenchWorker> {
  const child = spawnTsx('./fleet-worker.ts', {
    HOOKRELAY_BENCH_WORKER: JSON.stringify({
      connectionString: POSTGRES_URL,
      schema,
      queue,
      redisUrl: REDIS_URL,
      keyPrefix,
      pollInterval,
      concurrency: CONCURRENCY,
      batchSize: 100,
    }),
  })
  await nextLine(child, 'loaded')
  const started = nextLine(child, 'started')
  started.catch(() => undefined)
  return {
    started,
    go: () => child.stdin!.write('go\n'),
    stop: async () => {
      if (child.exitCode !== null) return
      const exited = new Promise((r) => child.once('exit', r))
      child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000)
      await exited
      clearTimeout(timer)
    },
  }
}

/** A producer relay on a fresh schema (its queue enqueues in Redis for the Redis runs). */
async function producerFor(schema: string, queue: QueueKind, keyPrefix: string): Promise<Relay> {
  const relay = createRelay({
    storage: postgresStorage({ connectionString: POSTGRES_URL, schema }),
    ...(queue === 'redis' ? { queue: redisQueue({ redis: REDIS_URL, keyPrefix }) } : {}),
    network: { allowPrivate: true },
  })
  await relay.start({ workers: false })
  return relay
}

/** Deliveries per second with `workers` processes draining MESSAGES due deliveries. */
async function throughput(receiver: Receiver, queue: QueueKind, workers: number, schemas: string[]): Promise<number> {
  const schema = `bench_fleet_${randomBytes(4).toString('hex')}`
  schemas.push(schema)
  const keyPrefix = `hr_bench_${randomBytes(4).toString('hex')}:`
  const producer = await producerFor(schema, queue, keyPrefix)
  const processes: BenchWorker[] = []
  try {
    await producer.endpoints.create({ url: `${receiver.base}/webhook` })
    for (let i = 0; i < MESSAGES; i += 500) {
      await producer.sendMany(Array.from({ length: Math.min(500, MESSAGES - i) }, (_, j) => ({ type: 'order.created', data: { i: i + j } })))
    }
    processes.push(...(await Promise.all(Array.from({ length: workers }, () => spawnWorker(schema, queue, keyPrefix, '50ms')))))
    const before = await receiver.count()
    const started = clock()
    for (const p of processes) p.go()
    while ((await receiver.count()) < before + MESSAGES) await sleep(10)
    return MESSAGES / ((clock() - started) / 1000)
  } finally {
    await Promise.all(processes.map((p) => p.stop()))
    await producer.stop()
  }
}

/** Send → first byte at the receiver, with one idle worker in another process. */
async function latency(receiver: Receiver, queue: QueueKind, schemas: string[]): Promise<{ p50: number; p99: number }> {
  const schema = `bench_fleet_${randomBytes(4).toString('hex')}`
  schemas.push(schema)
  const keyPrefix = `hr_bench_${randomBytes(4).toString('hex')}:`
  const producer = await producerFor(schema, queue, keyPrefix)
  const worker = await spawnWorker(schema, queue, keyPrefix, '1s')
  try {
    await producer.endpoints.create({ url: `${receiver.base}/latency` })
    worker.go()
    await worker.started
    await sleep(300)
    await receiver.times()
    const sentAt = new Map<string, number>()
    for (let i = 0; i < SENDS; i++) {
      const { messageId } = await producer.send({ type: 'order.created', data: { i } })
      sentAt.set(messageId, clock())
      await sleep(40 + Math.random() * 20)
    }
    const deadline = Date.now() + 5_000
    let arrived: Record<string, number> = {}
    while (Object.keys(arrived).length < SENDS && Date.now() < deadline) {
      Object.assign(arrived, await receiver.times())
      if (Object.keys(arrived).length < SENDS) await sleep(50)
    }
    const latencies = [...sentAt].map(([id, at]) => (arrived[id] ?? Number.POSITIVE_INFINITY) - at).sort((a, b) => a - b)
    const pick = (q: number) => latencies[Math.min(latencies.length - 1, Math.ceil(q * latencies.length) - 1)]!
    return { p50: Math.max(0, pick(0.5)), p99: Math.max(0, pick(0.99)) }
  } finally {
    await worker.stop()
    await producer.stop()
  }
}

export async function runFleetBench(log: (line: string) => void = console.log): Promise<BenchFigure[]> {
  const figures: BenchFigure[] = []
  if (!(await reachable(POSTGRES_URL))) {
    log('Postgres not reachable: skipping the fleet bench')
    return figures
  }
  const withRedis = await reachable(REDIS_URL)
  if (!withRedis) log('Redis not reachable: skipping the Postgres + Redis figures')
  const receiver = await startReceiver()
  const schemas: string[] = []
  try {
    const setups: [string, QueueKind][] = [['Postgres (NOTIFY)', 'notify']]
    if (withRedis) setups.push(['Postgres + Redis', 'redis'])
    for (const [name, queue] of PARTS.has('throughput') ? setups : []) {
      let single = 0
      for (const workers of WORKER_COUNTS) {
        const rate = await throughput(receiver, queue, workers, schemas)
        if (workers === 1) single = rate
        log(`${name}, ${workers} worker process(es): ${rate.toFixed(0)} deliveries/s`)
        figures.push({
          name: `${name}: deliveries/s, ${workers} worker process${workers > 1 ? 'es' : ''} (${MESSAGES} messages) vs 1 process`,
          value: rate,
          unit: 'deliveries/s',
          ...(workers > 1 ? { baseline: single, ratio: rate / single } : {}),
        })
      }
    }
    const modes: [string, QueueKind][] = [
      ['polling (pollInterval 1s)', 'polling'],
      ['LISTEN/NOTIFY', 'notify'],
    ]
    if (withRedis) modes.push(['Redis pub/sub', 'redis'])
    let polling = 0
    for (const [name, queue] of PARTS.has('latency') ? modes : []) {
      const { p50, p99 } = await latency(receiver, queue, schemas)
      if (queue === 'polling') polling = p50
      log(`idle latency, ${name}: p50 ${p50.toFixed(1)} ms, p99 ${p99.toFixed(1)} ms`)
      const target = queue === 'polling' ? {} : { baseline: polling, ratio: p50 / polling, target: 'p50 ≤ 10 ms' }
      figures.push(
        { name: `idle latency send() → receiver, worker in another process, ${name}: p50`, value: p50, unit: 'ms', ...target },
        { name: `idle latency send() → receiver, worker in another process, ${name}: p99`, value: p99, unit: 'ms' },
      )
    }
  } finally {
    receiver.child.kill('SIGTERM')
    if (withRedis) await deleteKeys(REDIS_URL, 'hr_bench_')
    const pool = new pg.Pool({ connectionString: POSTGRES_URL, max: 1 })
    for (const schema of schemas) await pool.query(`drop schema if exists "${schema}" cascade`).catch(() => undefined)
    await pool.end()
  }
  return figures
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const started = Date.now()
  runFleetBench()
    .then((figures) => {
      printFigures(figures)
      console.log(`(fleet bench took ${((Date.now() - started) / 1000).toFixed(0)} s)`)
    })
    .catch((error: unknown) => {
      console.error(error)
      process.exitCode = 1
    })
}
