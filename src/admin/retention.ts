import type { PurgeOptions, PurgeResult } from '../core/operations.js'
import { batchSizeOf } from '../core/batches.js'
import type { OperatorQueries } from '../storage/storage.js'
import { pointInTime } from './time.js'

const nextTick = () => new Promise<void>((resolve) => setImmediate(resolve))

/**
 * Deletes what ended before `olderThan`: deliveries that succeeded, died or were discarded (with
 * their attempts), then messages left without any delivery, then inbound messages processed,
 * unhandled or discarded (inbound dead letters stay until replayed or discarded), then expired
 * tenant portal links and sessions. Each batch is one short transaction of at most `batchSize` rows, so purging never
 * holds a long lock. Pending and in-flight deliveries (and their messages) are never touched.
 */
export async function purge(deps: { storage: OperatorQueries; now: () => number }, options: PurgeOptions): Promise<PurgeResult> {
  const { storage } = deps
  const limit = batchSizeOf(options)
  const cutoff = pointInTime(options.olderThan, deps.now(), 'olderThan')
  const total: PurgeResult = { deliveries: 0, attempts: 0, messages: 0, inbound: 0, portalSessions: 0 }
  const report = () => options.onProgress?.({ ...total })

  for (;;) {
    const batch = await storage.purgeDeliveries(cutoff, limit)
    if (batch.deliveries === 0) break
    total.deliveries += batch.deliveries
    total.attempts += batch.attempts
    report()
    await nextTick()
  }
  for (;;) {
    const count = await storage.purgeMessages(cutoff, limit)
    if (count === 0) break
    total.messages += count
    report()
    await nextTick()
  }
  for (;;) {
    const count = await storage.purgeInboundMessages(cutoff, limit)
    if (count === 0) break
    total.inbound += count
    report()
    await nextTick()
  }
  // Expired portal links and sessions open nothing: they go as soon as they expire.
  const now = new Date(deps.now())
  for (;;) {
    const count = await storage.portalSessions.purgeExpired(now, limit)
    if (count === 0) break
    total.portalSessions += count
    report()
    await nextTick()
  }
  return total
}
