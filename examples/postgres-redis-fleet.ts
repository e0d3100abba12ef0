/**
 * A fleet: several worker processes delivering from one Postgres, coordinated through Redis with
 * `redisQueue()` (due work handed out through Redis, wake-ups by pub/sub, circuit breakers and
 * rate limits shared by every process). Postgres stays the source of truth: if Redis is flushed
 * or down, workers fall back to claiming from the database and nothing is lost.
 *
 * In production the producer (your API) and the workers are separate deployments; `startWorker()`
 * and `startProducer()` below are what each runs. For the demo, `main()` runs a local receiver,
 * forks the workers from this same file, sends messages, and shows which worker delivered what.
 *
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres REDIS_URL=redis://127.0.0.1:6379 \
 *     npx tsx examples/postgres-redis-fleet.ts
 */
import { fork, type ChildProcess } from 'node:child_process'
import http from 'node:http'
import { createRequire } from 'node:module'
import type { AddressInfo } from 'node:net'
import { fileURLToPath, pathToFileURL } from 'node:url'
// In your app: import { createRelay, postgresStorage, redisQueue, type Relay } from 'hookrelay'
import { createRelay, postgresStorage, redisQueue, type Relay } from '../src/index.js'

export interface FleetOptions {
  connectionString?: string
  redisUrl?: string
  /** Prefix of every Redis key and channel; relays sharing a Redis on different databases need different ones. */
  keyPrefix?: string
}

function fleetOptions(options: FleetOptions): Required<FleetOptions> {
  return {
    connectionString: options.connectionString ?? process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
    redisUrl: options.redisUrl ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    keyPrefix: options.keyPrefix ?? 'hookrelay-fleet-example:',
  }
}

/** A worker process: delivers until SIGTERM. Run as many as you like, on as many machines. */
export async function startWorker(options: FleetOptions = {}): Promise<Relay> {
  const { connectionString, redisUrl, keyPrefix } = fleetOptions(options)
  const relay = createRelay({
    storage: postgresStorage({ connectionString }),
    queue: redisQueue({ redis: redisUrl, keyPrefix }), // or your ioredis client: { redis: new Redis(url) }
    network: { allowPrivate: true }, // the demo receiver is on 127.0.0.1; leave this off in production
  })
  relay.on('error', (e) => console.error(`[worker ${process.pid}] ${e.context}: ${e.error.message}`))
  await relay.start()
  process.once('SIGTERM', () => void relay.stop().then(() => process.exit(0)))
  return relay
}

/** The producer (your API): writes messages; the workers deliver them. */
export async function startProducer(options: FleetOptions = {}): Promise<Relay> {
  const { connectionString, redisUrl, keyPrefix } = fleetOptions(options)
  const relay = createRelay({
    storage: postgresStorage({ connectionString }),
    queue: redisQueue({ redis: redisUrl, keyPrefix }), // so that a send() wakes a worker at once
    network: { allowPrivate: true },
  })
  await relay.start({ workers: false }) // migrates, runs no workers
  return relay
}

export interface FleetDemo {
  /** Deliveries per worker pid, as the workers reported them. */
  deliveredBy: Map<number, number>
  /** Requests the receiver got. */
  received(): number
  producer: Relay
  close(): Promise<void>
}

/** The demo: a receiver, `workers` forked worker processes, and the producer. */
export async function main(options: FleetOptions & { workers?: number } = {}): Promise<FleetDemo> {
  const resolved = fleetOptions(options)
  let received = 0
  const receiver = http.createServer((req, res) => {
    req.resume().on('end', () => {
      received++
      res.writeHead(204).end()
    })
  })
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve))

  const producer = await startProducer(resolved)
  const endpoint = await producer.endpoints.create({ url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/webhooks` })

  const deliveredBy = new Map<number, number>()
  const children: ChildProcess[] = []
  for (let i = 0; i < (options.workers ?? 3); i++) {
    // The demo forks this very file with tsx; in production: `node dist/worker.js` per process/container.
    const child = fork(fileURLToPath(import.meta.url), [], {
      execArgv: ['--import', pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href],
      env: { ...process.env, FLEET_ROLE: 'worker', FLEET_OPTIONS: JSON.stringify(resolved) },
    })
    child.on('message', (message: { delivered?: number; ready?: boolean }) => {
      if (message.delivered) deliveredBy.set(child.pid!, message.delivered)
    })
    children.push(child)
  }
  // Wait for every worker to be up.
  await Promise.all(children.map((child) => new Promise<void>((resolve, reject) => {
    child.on('message', (message: { ready?: boolean }) => message.ready && resolve())
    child.once('exit', (code) => reject(new Error(`worker exited with ${code}`)))
  })))

  return {
    deliveredBy,
    received: () => received,
    producer,
    async close() {
      await Promise.all(children.map((child) => new Promise((resolve) => {
        child.once('exit', resolve)
        child.kill('SIGTERM')
      })))
      await producer.endpoints.delete(endpoint.id)
      await producer.stop()
      await new Promise<void>((resolve) => receiver.close(() => resolve()))
    },
  }
}

if (process.env.FLEET_ROLE === 'worker') {
  // A forked demo worker: reports its deliveries to the parent.
  const relay = await startWorker(JSON.parse(process.env.FLEET_OPTIONS ?? '{}') as FleetOptions)
  let delivered = 0
  relay.on('delivery.succeeded', () => process.send?.({ delivered: ++delivered }))
  process.send?.({ ready: true })
} else if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const demo = await main({ workers: 3 })
  const total = 1_000
  const started = Date.now()
  for (let i = 0; i < total; i += 100) {
    await demo.producer.sendMany(Array.from({ length: 100 }, (_, j) => ({ type: 'order.created', data: { n: i + j } })))
  }
  while (demo.received() < total) await new Promise((resolve) => setTimeout(resolve, 50))
  console.log(`${total} messages delivered in ${Date.now() - started} ms by 3 worker processes:`)
  for (const [pid, count] of demo.deliveredBy) console.log(`  worker ${pid}: ${count}`)
  await demo.close()
}
