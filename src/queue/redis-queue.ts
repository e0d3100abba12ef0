import { RedisQueueDriver } from './redis-queue-driver.js'
import { resolveOptions, type RedisQueue, type RedisQueueOptions } from './redis-queue-options.js'

/**
 * Work distribution, wake-ups, circuit state and rate limits through Redis (ioredis), for a fleet
 * of worker processes on one Postgres. Redis holds the ids of due deliveries in a sorted set
 * scored by due time; workers pop the due ones atomically and claim exactly those rows in the
 * database. The database stays the source of truth: anything Redis loses is found again by the
 * reconciler, and while Redis is unreachable workers claim from the database.
 *
 * @example
 * const relay = createRelay({
 *   storage: postgresStorage({ connectionString: process.env.DATABASE_URL }),
 *   queue: redisQueue({ redis: new Redis(process.env.REDIS_URL) }),
 * })
 */
export function redisQueue(options: RedisQueueOptions): RedisQueue {
  return new RedisQueueDriver(resolveOptions(options))
}

export type { RedisQueue, RedisQueueOptions } from './redis-queue-options.js'
export type { RedisLike, RedisConnectionLike } from './redis-client.js'
export type { RedisCoordination, SharedCircuit } from './redis-coordination.js'
