/**
 * One worker process of the fleet benchmark. Configured by HOOKRELAY_BENCH_WORKER (JSON); builds
 * its relay, prints `loaded`, waits for `go` on stdin, starts the workers and prints `started`.
 * SIGTERM stops it.
 *   queue: 'polling' (no wake-ups: storage polling only), 'notify' (polling + LISTEN/NOTIFY), 'redis'
 */
import { createInterface } from 'node:readline'
import { createRelay, postgresStorage, redisQueue, storagePolling, type Storage } from '../src/index.js'

interface WorkerSpec {
  connectionString: string
  schema: string
  queue: 'polling' | 'notify' | 'redis'
  redisUrl?: string
  keyPrefix?: string
  pollInterval: string
  concurrency: number
  batchSize: number
}

const spec = JSON.parse(process.env.HOOKRELAY_BENCH_WORKER ?? '{}') as WorkerSpec
const base = postgresStorage({ connectionString: spec.connectionString, schema: spec.schema, max: 10 })
// 'polling' hides the storage's wake-ups, so only the poll interval finds new work.
const storage: Storage =
  spec.queue === 'polling'
    ? (new Proxy(base, {
        get(target, property) {
          if (property === 'wakeups') return undefined
          const value = Reflect.get(target, property, target) as unknown
          return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value
        },
      }) as Storage)
    : base
const relay = createRelay({
  storage,
  queue:
    spec.queue === 'redis'
      ? redisQueue({ redis: spec.redisUrl!, keyPrefix: spec.keyPrefix!, listenToStorage: false })
      : storagePolling(),
  network: { allowPrivate: true },
  delivery: { concurrency: spec.concurrency, batchSize: spec.batchSize, pollInterval: spec.pollInterval },
  circuitBreaker: { enabled: false },
})
relay.on('error', (event) => process.stderr.write(`[bench worker ${process.pid}] ${event.context}: ${event.error.message}\n`))
// Warm the pool up before the clock starts.
await storage.getEndpoint('ep_warmup')
process.stdout.write('loaded\n')

const lines = createInterface({ input: process.stdin })
lines.on('line', (line) => {
  if (line.trim() !== 'go') return
  relay.start({ migrate: false }).then(
    () => process.stdout.write('started\n'),
    (error: unknown) => {
      process.stderr.write(`${String(error)}\n`)
      process.exit(1)
    },
  )
})
process.on('SIGTERM', () => {
  relay.stop().then(
    () => process.exit(0),
    () => process.exit(1),
  )
})
