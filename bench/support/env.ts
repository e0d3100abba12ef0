/**
 * Sizes and services of the benchmark, from the environment, so that a small configuration runs in
 * a minute (`BENCH_N=1000 BENCH_HISTORY=50000 …`) and the defaults fit ~20 minutes on 2 cores.
 */
import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { Redis } from 'ioredis'

function int(name: string, fallback: number): number {
  const raw = process.env[name]
  if (raw === undefined || raw === '') return fallback
  const value = Number(raw.replaceAll('_', '').replaceAll(',', ''))
  if (!Number.isFinite(value) || value < 0) throw new Error(`${name} must be a non-negative number, got ${raw}`)
  return Math.floor(value)
}

export const env = {
  /** Deliveries per contender, receiver answering at once. */
  n: int('BENCH_N', 10_000),
  /** Deliveries per contender, receiver answering in 20 ms. */
  nSlow: int('BENCH_N_SLOW', 5_000),
  /** Rounds of the delivery race, interleaved; each contender's median round is reported. */
  rounds: Math.max(1, int('BENCH_ROUNDS', 1)),
  /** Deliveries of the warm-up run a section starts with (JIT, connections), not reported. */
  warmup: int('BENCH_WARMUP', 3_000),
  /** Slots in flight for every contender. */
  concurrency: int('BENCH_CONCURRENCY', 64),
  /** Delivered messages (each with its delivery and attempt) seeded before the history run. */
  history: int('BENCH_HISTORY', 1_000_000),
  /** Pending deliveries seeded for the large drain, and for the small one it is compared with. */
  pending: int('BENCH_PENDING', 1_000_000),
  pendingSmall: int('BENCH_PENDING_SMALL', 10_000),
  /** Length of the long failure runs (seconds), read in 10 s windows. */
  failSeconds: int('BENCH_FAIL_SECONDS', 60),
  /** Dialects of the long failure runs (comma-separated: sqlite, postgres). */
  failLong: (process.env.BENCH_FAIL_LONG ?? 'sqlite').split(',').map((d) => d.trim()).filter(Boolean),
  /** Length of each send() measurement (seconds). */
  sendSeconds: int('BENCH_SEND_SECONDS', 3),
  /** Pending deliveries held and drained in the memory run, and how long it may drain (seconds). */
  memoryPending: int('BENCH_MEMORY_PENDING', 1_000_000),
  memorySeconds: int('BENCH_MEMORY_SECONDS', 120),
  /** Any single wait longer than this (seconds) fails the measurement instead of hanging. */
  timeoutSeconds: int('BENCH_TIMEOUT', 600),
  postgresUrl: process.env.POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
  redisUrl: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
  mysqlUrl: process.env.MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/test',
  /** BENCH_MYSQL=1 adds hookrelay on MySQL/MariaDB to the contenders. */
  mysql: process.env.BENCH_MYSQL === '1',
}

/** A tag unique to this run: Postgres schemas, application names and Redis prefixes start with it. */
export const runTag = `hrbench_${randomBytes(3).toString('hex')}`

/** The connection string with an `application_name`, so the server CPU of our backends can be found. */
export function withApplicationName(url: string, name: string): string {
  return `${url}${url.includes('?') ? '&' : '?'}application_name=${encodeURIComponent(name)}`
}

export async function postgresReachable(): Promise<boolean> {
  const pool = new pg.Pool({ connectionString: env.postgresUrl, max: 1, connectionTimeoutMillis: 2_000 })
  try {
    await pool.query('select 1')
    return true
  } catch {
    return false
  } finally {
    await pool.end()
  }
}

export async function redisReachable(): Promise<boolean> {
  const redis = new Redis(env.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1, connectTimeout: 2_000 })
  redis.on('error', () => undefined)
  try {
    await redis.connect()
    await redis.ping()
    return true
  } catch {
    return false
  } finally {
    redis.disconnect()
  }
}

/** Drops Postgres schemas this run created (best effort: the process must still exit). */
export async function dropSchemas(schemas: readonly string[]): Promise<void> {
  if (schemas.length === 0) return
  const pool = new pg.Pool({ connectionString: env.postgresUrl, max: 1 })
  try {
    for (const schema of schemas) await pool.query(`drop schema if exists "${schema}" cascade`)
  } catch (error) {
    console.error(`could not drop ${schemas.join(', ')}:`, error)
  } finally {
    await pool.end()
  }
}

/** Resolves `promise`, or rejects after `seconds` with what was being waited for. */
export function deadline<T>(promise: Promise<T>, what: string, seconds = env.timeoutSeconds): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${seconds} s waiting for ${what}`)), seconds * 1000)
  })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))
