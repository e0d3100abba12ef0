import { randomBytes } from 'node:crypto'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import pg from 'pg'
import { createRelay, postgresStorage, redisQueue, storagePolling } from '../../../src/index.js'
import { POSTGRES_URL } from '../../support/urls.js'
import type { FleetWorkerSpec } from '../fixtures/fleet-worker.js'
import { spawnFixture, type FixtureProcess } from './processes.js'

/** What happened to one delivery, as the receiver saw it and as the attempts table recorded it. */
export interface DeliveryLedger {
  requests: number
  answered2xx: number
  attempts: number
  succeededAttempts: number
}

export interface FleetRunResult {
  messages: number
  deliveries: { status: string; count: number }[]
  /** Keyed by `${messageId}|${endpointId}`. */
  ledger: Map<string, DeliveryLedger>
  /** Deliveries leased by a worker when it was SIGKILLed (keyed like the ledger). */
  orphaned: Set<string>
  totalRequests: number
  totalAttempts: number
  deadAttemptCounts: number[]
  elapsedMs: number
}

export interface Chaos {
  /** After this many requests: SIGKILL worker 0 and start a replacement. */
  killAt?: number
  /** After this many requests: FLUSHALL (needs `redis`). */
  flushAt?: number
  /** After this many requests: stop Redis for `redisDownMs`, then start it again. */
  redisDownAt?: number
  redisDownMs?: number
}

export interface FleetRunOptions {
  messages: number
  workers: number
  /** One message in `deadEvery` goes to the endpoint that always answers 500. */
  deadEvery: number
  /** Share of requests to the flaky endpoint answered 500. */
  failureRate: number
  retrySchedule: string[]
  redis?: { url: string; flushAll?: () => Promise<void>; stop?: () => Promise<void>; start?: () => Promise<void> }
  chaos?: Chaos
  delivery?: FleetWorkerSpec['delivery']
  timeoutMs?: number
  log?: (line: string) => void
}

/**
 * Runs a fleet of worker processes against one Postgres (and optionally Redis): the test process
 * sends `messages` events, a receiver in the test process answers (flaky, or always 500), chaos
 * strikes mid-run, and the result is the receiver's ledger next to the database's.
 */
export async function runFleet(options: FleetRunOptions): Promise<FleetRunResult> {
  const log = options.log ?? (() => undefined)
  const schema = `fleet_${randomBytes(4).toString('hex')}`
  const tablePrefix = 'hookrelay_'
  const keyPrefix = `hr_fleet_${randomBytes(4).toString('hex')}:`
  const admin = new pg.Pool({ connectionString: POSTGRES_URL, max: 2 })
  const table = (name: string) => `"${schema}"."${tablePrefix}${name}"`

  // ---- the receiver -------------------------------------------------------------------------
  const requests = new Map<string, { requests: number; answered2xx: number }>()
  let totalRequests = 0
  const pathToEndpoint = new Map<string, string>()
  const triggers: { at: number; run: () => void }[] = []
  const server = http.createServer((req, res) => {
    req.resume()
    req.on('end', () => {
      const dead = req.url === '/dead'
      const status = dead || Math.random() < options.failureRate ? 500 : 200
      const key = `${String(req.headers['webhook-id'])}|${pathToEndpoint.get(req.url ?? '') ?? '?'}`
      const entry = requests.get(key) ?? { requests: 0, answered2xx: 0 }
      entry.requests++
      if (status < 300) entry.answered2xx++
      requests.set(key, entry)
      totalRequests++
      res.writeHead(status)
      res.end(status < 300 ? 'ok' : 'nope')
      while (triggers.length > 0 && triggers[0]!.at <= totalRequests) triggers.shift()!.run()
    })
  })
  server.keepAliveTimeout = 60_000
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`

  const producer = createRelay({
    storage: postgresStorage({ connectionString: POSTGRES_URL, schema, tablePrefix }),
    queue: options.redis ? redisQueue({ redis: options.redis.url, keyPrefix }) : storagePolling(),
    network: { allowPrivate: true },
  })
  const workers: FixtureProcess[] = []
  const owners = new Map<FixtureProcess, Promise<string>>()
  const spec: FleetWorkerSpec = {
    connectionString: POSTGRES_URL,
    schema,
    tablePrefix,
    ...(options.redis ? { redis: { url: options.redis.url, keyPrefix, reconcileInterval: '1s' } } : {}),
    delivery: { concurrency: 32, batchSize: 50, pollInterval: '250ms', timeout: '2s', lease: '4s', ...options.delivery },
    retrySchedule: options.retrySchedule,
    circuitBreaker: { enabled: false },
  }
  const startWorker = async () => {
    const worker = spawnFixture('fleet-worker.ts', { HOOKRELAY_FLEET: JSON.stringify(spec) })
    workers.push(worker)
    owners.set(
      worker,
      worker.waitForLine((l) => l.startsWith('owner '), 120_000).then((l) => l.slice('owner '.length)),
    )
    owners.get(worker)!.catch(() => undefined)
    await worker.waitForLine((l) => l === 'ready', 30_000)
    return worker
  }

  const orphaned = new Set<string>()
  const chaosDone: Promise<void>[] = []
  const started = Date.now()
  try {
    await producer.start({ workers: false })
    const flaky = await producer.endpoints.create({ url: `${base}/flaky`, eventTypes: ['order.*'] })
    const dead = await producer.endpoints.create({ url: `${base}/dead`, eventTypes: ['dead.*'] })
    pathToEndpoint.set('/flaky', flaky.id)
    pathToEndpoint.set('/dead', dead.id)

    const chaos = options.chaos ?? {}
    if (chaos.killAt !== undefined) {
      triggers.push({
        at: chaos.killAt,
        run: () =>
          chaosDone.push(
            (async () => {
              const victim = workers[0]!
              const owner = await owners.get(victim)!
              // Frozen (SIGSTOP) while its leases are read, so that what it holds then is what the
              // kill orphans; thawed and tried again while it holds none (a loaded machine can
              // catch it between claims), so the kill always strikes work in flight.
              const pid = victim.child.pid!
              for (let tries = 0; ; tries += 1) {
                process.kill(pid, 'SIGSTOP')
                const rows = await admin.query<{ message_id: string; endpoint_id: string }>(
                  `select message_id, endpoint_id from ${table('deliveries')} where status = 'delivering' and lease_owner = $1`,
                  [owner],
                )
                if (rows.rows.length > 0 || tries >= 200) {
                  for (const row of rows.rows) orphaned.add(`${row.message_id}|${row.endpoint_id}`)
                  break
                }
                process.kill(pid, 'SIGCONT')
                await new Promise((resolve) => setTimeout(resolve, 10))
              }
              await victim.kill()
              log(`killed worker ${victim.child.pid} (${owner}) at ${totalRequests} requests; ${orphaned.size} leases orphaned`)
              await startWorker()
            })(),
          ),
      })
    }
    if (chaos.flushAt !== undefined && options.redis?.flushAll) {
      const flushAll = options.redis.flushAll
      triggers.push({
        at: chaos.flushAt,
        run: () =>
          chaosDone.push(
            flushAll().then(() => log(`FLUSHALL at ${totalRequests} requests`)),
          ),
      })
    }
    if (chaos.redisDownAt !== undefined && options.redis?.stop && options.redis.start) {
      const { stop, start } = options.redis
      triggers.push({
        at: chaos.redisDownAt,
        run: () =>
          chaosDone.push(
            (async () => {
              await stop()
              log(`Redis stopped at ${totalRequests} requests`)
              await new Promise((r) => setTimeout(r, chaos.redisDownMs ?? 1_500))
              await start()
              log(`Redis started again at ${totalRequests} requests`)
            })(),
          ),
      })
    }
    triggers.sort((a, b) => a.at - b.at)

    await Promise.all(Array.from({ length: options.workers }, startWorker))

    // Send while the workers run.
    for (let i = 0; i < options.messages; i += 100) {
      const batch = Array.from({ length: Math.min(100, options.messages - i) }, (_, j) => {
        const n = i + j
        return n % options.deadEvery === 0 ? { type: 'dead.letter', data: { n } } : { type: 'order.created', data: { n } }
      })
      await producer.sendMany(batch)
    }
    log(`sent ${options.messages} messages in ${Date.now() - started} ms`)

    const deadline = Date.now() + (options.timeoutMs ?? 150_000)
    for (;;) {
      const open = await admin.query<{ n: string }>(
        `select count(*) as n from ${table('deliveries')} where status not in ('succeeded', 'dead')`,
      )
      if (Number(open.rows[0]!.n) === 0 && triggers.length === 0) break
      if (Date.now() > deadline) throw new Error(`fleet run: ${open.rows[0]!.n} deliveries still open after the timeout`)
      await new Promise((r) => setTimeout(r, 250))
    }
    await Promise.all(chaosDone)
    const elapsedMs = Date.now() - started

    const deliveries = await admin.query<{ status: string; count: string }>(
      `select status, count(*) as count from ${table('deliveries')} group by status order by status`,
    )
    const attempts = await admin.query<{ message_id: string; endpoint_id: string; n: string; ok: string }>(
      `select message_id, endpoint_id, count(*) as n, count(*) filter (where outcome = 'succeeded') as ok
         from ${table('attempts')} group by message_id, endpoint_id`,
    )
    const deadCounts = await admin.query<{ attempts: number }>(
      `select attempts from ${table('deliveries')} where endpoint_id = $1`,
      [dead.id],
    )
    const ledger = new Map<string, DeliveryLedger>()
    for (const [key, seen] of requests) ledger.set(key, { ...seen, attempts: 0, succeededAttempts: 0 })
    let totalAttempts = 0
    for (const row of attempts.rows) {
      const key = `${row.message_id}|${row.endpoint_id}`
      const entry = ledger.get(key) ?? { requests: 0, answered2xx: 0, attempts: 0, succeededAttempts: 0 }
      entry.attempts += Number(row.n)
      entry.succeededAttempts += Number(row.ok)
      totalAttempts += Number(row.n)
      ledger.set(key, entry)
    }
    return {
      messages: options.messages,
      deliveries: deliveries.rows.map((r) => ({ status: r.status, count: Number(r.count) })),
      ledger,
      orphaned,
      totalRequests,
      totalAttempts,
      deadAttemptCounts: deadCounts.rows.map((r) => Number(r.attempts)),
      elapsedMs,
    }
  } finally {
    await Promise.allSettled(chaosDone)
    await Promise.all(workers.map((w) => w.stop()))
    await producer.stop().catch(() => undefined)
    server.closeAllConnections()
    await new Promise<void>((resolve) => server.close(() => resolve()))
    await admin.query(`drop schema if exists "${schema}" cascade`).catch(() => undefined)
    await admin.end()
  }
}
