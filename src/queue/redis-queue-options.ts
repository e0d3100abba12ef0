import { z } from 'zod'
import { toMilliseconds, type Duration } from '../core/duration.js'
import { DURATION_HINT, durationCheck, parseOrThrow } from '../core/validation.js'
import type { QueueDriver } from './queue-driver.js'
import { connectionFactory, type ConnectionFactory, type RedisLike } from './redis-client.js'
import type { RedisCoordination } from './redis-coordination.js'

/** Options of {@link redisQueue}: the Redis to use, and how it is kept in step with the database. */
export interface RedisQueueOptions {
  /**
   * Your ioredis client, or a Redis URL. hookrelay never sends commands on your client: it opens
   * two connections of its own with `redis.duplicate()` (commands, and pub/sub), closes them on
   * `relay.stop()`, and leaves your client open. With a URL it creates both itself.
   * @example redisQueue({ redis: new Redis(process.env.REDIS_URL) })
   * @example redisQueue({ redis: 'redis://127.0.0.1:6379/0' })
   */
  redis: RedisLike | string
  /**
   * Prepended to every key and channel hookrelay uses, before the database identity: keys are
   * `<keyPrefix><database id>:<name>`, where the database id is a random id stored in hookrelay's
   * tables when they were first migrated. Relays on different databases, schemas or table
   * prefixes that share one Redis therefore never see each other's work or circuits, whatever
   * prefix they use. Required when the storage cannot tell its identity (a custom storage).
   * @default 'hookrelay:'
   * @example redisQueue({ redis, keyPrefix: 'billing-webhooks:' })
   */
  keyPrefix?: string | undefined
  /**
   * How often the database is compared with Redis: one process at a time (a `SET NX PX` lock)
   * puts due work that Redis does not hold (lost in a flush or restart, a worker that died, an
   * outbox send) back into it. Also bounds how long such work can wait for its first attempt.
   * @default '5s'
   * @example redisQueue({ redis, reconcileInterval: '2s' })
   */
  reconcileInterval?: Duration | undefined
  /**
   * The most due deliveries one reconciliation reads from the database. With more due than this,
   * workers also claim from the database until Redis has caught up.
   * @default 10000
   */
  reconcileBatchSize?: number | undefined
  /**
   * How long a Redis command may take before it counts as failed and workers claim from the
   * database instead. Commands are never queued while Redis is away.
   * @default '1s'
   */
  commandTimeout?: Duration | undefined
  /**
   * Also listen to the storage's commit announcements (Postgres LISTEN/NOTIFY), so that sends
   * inside your own transactions (the outbox), which only the database sees, wake workers at once
   * instead of at the next reconciliation.
   * @default true
   */
  listenToStorage?: boolean | undefined
}

/** `redisQueue()`'s driver: a `QueueDriver` whose coordination is shared through Redis. */
export interface RedisQueue extends QueueDriver {
  readonly coordination: RedisCoordination
  /**
   * Compares the database with Redis now (if no other process is doing so): due work Redis does
   * not hold is added. Resolves to the number of due deliveries read, or `null` when another
   * process holds the reconciliation lock or Redis is unreachable. Runs on its own every
   * `reconcileInterval` once the relay started.
   */
  reconcile(): Promise<number | null>
}

const optionsSchema = z
  .object({
    redis: z.custom<RedisLike | string>(
      (value) =>
        (typeof value === 'string' && value.length > 0) ||
        (typeof value === 'object' && value !== null && typeof (value as { duplicate?: unknown }).duplicate === 'function'),
      'must be an ioredis client (an object with duplicate()) or a redis:// URL',
    ),
    keyPrefix: z.string().max(100, 'must be at most 100 characters').optional(),
    reconcileInterval: z.custom<Duration>(durationCheck, DURATION_HINT).optional(),
    reconcileBatchSize: z.number().int('must be an integer').min(1).max(100_000).optional(),
    commandTimeout: z.custom<Duration>(durationCheck, DURATION_HINT).optional(),
    listenToStorage: z.boolean().optional(),
  })
  .strict()

/** Validates `redisQueue()`'s options and fills in the defaults. */
export function resolveOptions(options: RedisQueueOptions): ResolvedOptions {
  const parsed = parseOrThrow(optionsSchema, options ?? {}, 'redisQueue() options')
  return {
    factory: connectionFactory(parsed.redis),
    keyPrefix: parsed.keyPrefix ?? 'hookrelay:',
    explicitPrefix: parsed.keyPrefix !== undefined,
    reconcileIntervalMs: Math.max(100, toMilliseconds(parsed.reconcileInterval ?? '5s', 'reconcileInterval')),
    reconcileBatchSize: parsed.reconcileBatchSize ?? 10_000,
    commandTimeoutMs: Math.max(10, toMilliseconds(parsed.commandTimeout ?? '1s', 'commandTimeout')),
    listenToStorage: parsed.listenToStorage ?? true,
  }
}

export interface ResolvedOptions {
  factory: ConnectionFactory
  keyPrefix: string
  /** The user chose `keyPrefix`: then a storage without an identity may use it alone. */
  explicitPrefix: boolean
  reconcileIntervalMs: number
  reconcileBatchSize: number
  commandTimeoutMs: number
  listenToStorage: boolean
}
