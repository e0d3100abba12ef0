/**
 * hookrelay as the benchmarks run it: a target is one database (a SQLite file, or a fresh
 * Postgres schema, optionally with its own Redis key prefix) that can be opened again and again,
 * as a restarted process would, and that cleans itself up.
 */
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { createRelay, mysqlStorage, postgresStorage, redisQueue, sqliteStorage, type Relay, type Storage } from '../../src/index.js'
import { deleteKeys } from '../../test/fleet/support/redis-keys.js'
import { clientCpu } from './cpu.js'
import { deadline, dropSchemas, env, runTag, withApplicationName } from './env.js'
import { dropMysqlTables } from './mysql.js'

export type Dialect = 'sqlite' | 'postgres' | 'postgres+redis' | 'mysql'

export const DIALECT_LABEL: Record<Dialect, string> = {
  sqlite: 'hookrelay SQLite',
  postgres: 'hookrelay Postgres',
  'postgres+redis': 'hookrelay Postgres + Redis',
  mysql: 'hookrelay MySQL',
}

/** Tables are `<TABLE_PREFIX>messages`, … in the SQLite file and in the Postgres schema. */
export const TABLE_PREFIX = 'hr_'

export interface Target {
  dialect: Dialect
  /** SQLite file, or undefined. */
  filename?: string
  /** Postgres schema, or undefined. */
  schema?: string
  /** application_name of every Postgres connection this target opens. */
  applicationName?: string
  open(): Storage
  relay(options?: { concurrency?: number; workers?: boolean }): Relay
  cleanup(): Promise<void>
}

let targets = 0

/** A new, empty database for `dialect` (created on the first relay.start()). */
export function createTarget(dialect: Dialect, dir: string): Target {
  const id = `${++targets}`
  if (dialect === 'sqlite') {
    const filename = join(dir, `hookrelay-${id}.db`)
    const open = () => sqliteStorage({ filename, tablePrefix: TABLE_PREFIX })
    return {
      dialect,
      filename,
      open,
      relay: (options) => makeRelay(open(), undefined, options),
      async cleanup() {
        for (const suffix of ['', '-wal', '-shm']) rmSync(`${filename}${suffix}`, { force: true })
      },
    }
  }
  if (dialect === 'mysql') {
    // Tables of their own in MYSQL_URL's database (a prefix per target), dropped at cleanup.
    const tablePrefix = `b${runTag.slice(-6)}_hr${id}_`
    const open = () => mysqlStorage({ connectionString: env.mysqlUrl, tablePrefix, max: 10 })
    return {
      dialect,
      open,
      relay: (options) => makeRelay(open(), undefined, options),
      cleanup: () => dropMysqlTables(tablePrefix),
    }
  }
  const schema = `${runTag}_hr${id}`
  const applicationName = `${runTag}_hr${id}`
  const connectionString = withApplicationName(env.postgresUrl, applicationName)
  const keyPrefix = `${runTag}:hr${id}:`
  const open = () => postgresStorage({ connectionString, schema, tablePrefix: TABLE_PREFIX, max: 10 })
  const queue = () => (dialect === 'postgres+redis' ? redisQueue({ redis: env.redisUrl, keyPrefix }) : undefined)
  return {
    dialect,
    schema,
    applicationName,
    open,
    relay: (options) => makeRelay(open(), queue(), options),
    async cleanup() {
      await dropSchemas([schema])
      if (dialect === 'postgres+redis') await deleteKeys(env.redisUrl, keyPrefix)
    },
  }
}

function makeRelay(storage: Storage, queue: ReturnType<typeof redisQueue> | undefined, options: { concurrency?: number } = {}): Relay {
  const relay = createRelay({
    storage,
    ...(queue ? { queue } : {}),
    network: { allowPrivate: true },
    delivery: { concurrency: options.concurrency ?? env.concurrency },
  })
  relay.on('error', (e) => console.error(`[hookrelay ${e.context}]`, e.error.message))
  return relay
}

export const benchEvent = (i: number) => ({ type: 'order.created', data: { id: `ord_${i}`, total: 4200, items: [1, 2, 3] } })

/** Migrates the target, subscribes one endpoint to `url` (once), and enqueues n messages with sendMany (workers off). */
export async function enqueue(target: Target, url: string | undefined, n: number): Promise<void> {
  const producer = target.relay()
  await producer.start({ workers: false })
  try {
    if (url !== undefined) await producer.endpoints.create({ url })
    for (let i = 0; i < n; i += 500) {
      await producer.sendMany(Array.from({ length: Math.min(500, n - i) }, (_, j) => benchEvent(i + j)))
    }
  } finally {
    await producer.stop()
  }
}

export interface Drain {
  seconds: number
  clientCpuMicros: number
  delivered: number
}

/**
 * Starts a worker relay on the target and times it until `count` deliveries succeeded (or until
 * `stopAfterSeconds`), then stops it. `beforeStart`/`beforeStop` bracket the timed phase (server CPU).
 */
export async function drain(
  target: Target,
  count: number,
  hooks: { beforeStart?: () => Promise<void>; beforeStop?: () => Promise<void>; relay?: Relay } = {},
): Promise<Drain> {
  const worker = hooks.relay ?? target.relay()
  let delivered = 0
  const done = new Promise<void>((resolve) => {
    worker.on('delivery.succeeded', () => {
      if (++delivered === count) resolve()
    })
  })
  await hooks.beforeStart?.()
  const cpu = clientCpu()
  const started = performance.now()
  try {
    await worker.start({ migrate: false })
    await deadline(done, `${count} deliveries on ${DIALECT_LABEL[target.dialect]}`)
    const seconds = (performance.now() - started) / 1000
    const clientCpuMicros = cpu.stop()
    await hooks.beforeStop?.()
    return { seconds, clientCpuMicros, delivered }
  } finally {
    await worker.stop()
  }
}
