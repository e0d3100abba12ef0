/**
 * Where the demo's relays keep their data.
 *
 * - SQLite (the default): a temporary directory with one database file per relay (one storage per
 *   file per process, as docs/storage.md advises), removed at the end.
 * - Postgres (`--postgres URL`): one fresh schema for the whole run, a table prefix per relay,
 *   dropped at the end.
 * - Postgres + Redis (`--redis URL` too): the same, with `redisQueue()` coordinating the workers;
 *   every key carries a prefix unique to the run, and the keys are deleted at the end.
 */
import { randomBytes } from 'node:crypto'
import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { postgresStorage, redisQueue, sqliteStorage, type QueueDriver, type Storage } from '../index.js'

export interface Backend {
  /** `sqlite`, `postgres`, `postgres+redis` or `mysql`. */
  readonly kind: 'sqlite' | 'postgres' | 'postgres+redis' | 'mysql'
  /** What to print about the storage and queue. */
  readonly facts: Array<[string, string]>
  /** A storage (and queue driver) for the relay called `name`, separate from every other relay's. */
  parts(name: string): { storage: Storage; queue?: QueueDriver }
  /** Removes everything the run created. Returns what it did, for the summary. */
  cleanup(): Promise<string>
  /** With `--keep`: the folder whose database files were left for the CLI. */
  readonly keptIn?: string
}

/** `keep`: leave the database files for the CLI to browse instead of removing them. */
export function sqliteBackend(keep = false): Backend {
  const dir = mkdtempSync(join(tmpdir(), 'hookrelay-demo-'))
  return {
    kind: 'sqlite',
    facts: [
      ['storage', `SQLite (better-sqlite3), one file per relay in ${dir}`],
      ['queue', 'storage polling (the default driver)'],
    ],
    parts: (name) => ({ storage: sqliteStorage({ filename: join(dir, `${name}.db`) }) }),
    async cleanup() {
      if (keep) {
        const files = readdirSync(dir).filter((f) => f.endsWith('.db'))
        return `kept ${files.length} databases in ${dir}`
      }
      rmSync(dir, { recursive: true, force: true })
      return `removed ${dir}`
    },
    ...(keep && { keptIn: dir }),
  }
}

/** Checks both servers answer before anything starts, so a wrong URL fails fast and clearly. */
export async function postgresBackend(postgresUrl: string, redisUrl: string | undefined): Promise<Backend> {
  const run = randomBytes(4).toString('hex')
  const schema = `hookrelay_demo_${run}`
  const keyPrefix = `hookrelay-demo-${run}:`
  const pg = (await import('pg')).default
  const admin = new pg.Pool({ connectionString: postgresUrl, max: 1, connectionTimeoutMillis: 5_000 })
  admin.on('error', () => undefined)
  try {
    await admin.query('select 1')
  } catch (error) {
    await admin.end().catch(() => undefined)
    throw new Error(`Cannot reach Postgres at ${redact(postgresUrl)}: ${(error as Error).message}`)
  }
  if (redisUrl) await pingRedis(redisUrl)

  return {
    kind: redisUrl ? 'postgres+redis' : 'postgres',
    facts: [
      ['storage', `Postgres ${redact(postgresUrl)}, fresh schema "${schema}" (dropped at the end), a table prefix per relay`],
      [
        'queue',
        redisUrl
          ? `redisQueue() on ${redact(redisUrl)}, key prefix "${keyPrefix}…" (deleted at the end)`
          : 'storage polling with LISTEN/NOTIFY wake-ups',
      ],
    ],
    parts(name) {
      const storage = postgresStorage({ connectionString: postgresUrl, schema, tablePrefix: `${name}_`, max: 8 })
      if (!redisUrl) return { storage }
      return { storage, queue: redisQueue({ redis: redisUrl, keyPrefix: `${keyPrefix}${name}:`, reconcileInterval: '2s' }) }
    },
    async cleanup() {
      const done: string[] = []
      try {
        await admin.query(`drop schema if exists "${schema}" cascade`)
        done.push(`dropped schema ${schema}`)
      } finally {
        await admin.end().catch(() => undefined)
      }
      if (redisUrl) done.push(`deleted ${await deleteRedisKeys(redisUrl, keyPrefix)} Redis keys ${keyPrefix}*`)
      return done.join(', ')
    },
  }
}

async function pingRedis(url: string): Promise<void> {
  let Redis: typeof import('ioredis').Redis
  try {
    ;({ Redis } = await import('ioredis'))
  } catch {
    throw new Error('--redis needs the Redis driver: npm install ioredis')
  }
  const redis = new Redis(url, { maxRetriesPerRequest: 1, lazyConnect: true, connectTimeout: 5_000, retryStrategy: () => null })
  redis.on('error', () => undefined)
  try {
    await redis.connect()
    await redis.ping()
  } catch (error) {
    throw new Error(`Cannot reach Redis at ${redact(url)}: ${(error as Error).message}`)
  } finally {
    redis.disconnect()
  }
}

async function deleteRedisKeys(url: string, prefix: string): Promise<number> {
  const { Redis } = await import('ioredis')
  const redis = new Redis(url, { maxRetriesPerRequest: 1 })
  redis.on('error', () => undefined)
  let deleted = 0
  try {
    let cursor = '0'
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000)
      if (keys.length > 0) deleted += await redis.del(...keys)
      cursor = next
    } while (cursor !== '0')
  } finally {
    redis.disconnect()
  }
  return deleted
}

/** A URL without its password, for printing; one that cannot be parsed is not printed (it may hold one). */
export function redact(url: string): string {
  try {
    const parsed = new URL(url)
    if (parsed.password) parsed.password = '***'
    return parsed.toString()
  } catch {
    return '(unparsable URL)'
  }
}
