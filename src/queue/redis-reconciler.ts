import type { QueueContext } from './queue-driver.js'
import { RECONCILE_ADD, type RedisConnectionLike } from './redis-client.js'
import type { RedisQueueConnection } from './redis-queue-connection.js'
import type { ResolvedOptions } from './redis-queue-options.js'
import { CLAIM_MARGIN_MS, ENQUEUE_CHUNK, pairs } from './due-work-args.js'

/**
 * One comparison of the database with Redis, under the reconciliation lock (`SET NX PX`): due work
 * Redis does not hold is added. Resolves to the number of due deliveries read, or `null` when
 * another process holds the lock.
 */
export async function reconcileOnce(
  context: QueueContext,
  redis: RedisConnectionLike,
  connection: RedisQueueConnection,
  options: ResolvedOptions,
  instanceId: string,
): Promise<number | null> {
  const interval = options.reconcileIntervalMs
  const lock = await redis.call('SET', connection.key('reconciler'), instanceId, 'NX', 'PX', interval)
  if (lock !== 'OK') return null
  const now = context.now()
  const due = await connection.retry(() =>
    context.storage.listDueDeliveries({ now: new Date(now), limit: options.reconcileBatchSize, horizonMs: 2 * interval }),
  )
  for (let i = 0; i < due.length; i += ENQUEUE_CHUNK) {
    // Only missing ids (a score written since, by a retry rescheduled meanwhile, is newer than
    // what was read), and not those handed out since the read began (or shortly before: popped,
    // not yet claimed): their claims are committing, and they would come back as empty claims.
    await RECONCILE_ADD.run(redis, [connection.key('due'), connection.key('handed-out')], [
      now - CLAIM_MARGIN_MS,
      ...pairs(due.slice(i, i + ENQUEUE_CHUNK)),
    ])
  }
  if (due.length < options.reconcileBatchSize) {
    await redis.call('SET', connection.key('reconciled-at'), String(now))
  } else {
    await redis.call('DEL', connection.key('reconciled-at'))
  }
  if (due.some((work) => work.dueAt.getTime() <= now)) {
    await redis.call('PUBLISH', connection.key('wake'), instanceId)
    context.onWake()
  }
  return due.length
}
