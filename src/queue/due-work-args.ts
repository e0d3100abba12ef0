import type { DueWork } from './queue-driver.js'

/** Arguments and replies of the Redis queue's scripts, and the timing they are built with. */

/** Due work sent to Redis per script call (ZADD arguments stay small). */
export const ENQUEUE_CHUNK = 500
/**
 * A reconciliation does not put back ids handed out this long before it read the database (their
 * claim may not have committed yet). An id popped by a worker that died before claiming it waits
 * at most this much longer for the next reconciliation.
 */
export const CLAIM_MARGIN_MS = 5_000
/** How long Redis remembers when an id was handed out (longer than any reconciliation's read). */
export const HANDED_OUT_MEMORY_MS = 120_000

export function pairs(work: readonly DueWork[]): (string | number)[] {
  const args: (string | number)[] = []
  for (const item of work) args.push(item.dueAt.getTime(), item.deliveryId)
  return args
}

export function parsePopped(reply: unknown): { reconciledAt: number | null; ids: string[] } {
  const [at, ids] = Array.isArray(reply) ? (reply as [unknown, unknown]) : ['', []]
  const reconciledAt = typeof at === 'string' && at !== '' ? Number(at) : null
  return {
    reconciledAt: reconciledAt !== null && Number.isFinite(reconciledAt) ? reconciledAt : null,
    ids: Array.isArray(ids) ? ids.map(String) : [],
  }
}
