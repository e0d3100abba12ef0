import type { RateLimit } from '../core/types.js'

/** The answer of a rate limiter: go now, or not before `retryAt` (epoch ms). */
export type RateLimitDecision = { allowed: true } | { allowed: false; retryAt: number }

/** Refusals remembered per endpoint beyond which later ones share the last slot (bounds memory). */
const MAX_PROMISES_PER_LIMIT = 10

/**
 * A sliding-window log: an endpoint with a limit of `max` per `perMs` is let through only while
 * fewer than `max` requests were let through in the closed window `[now - perMs, now]`. So no
 * window of `perMs` (sliding, cold or warm) ever holds more than `max` admissions, where a fixed
 * window lets `2 × max` through around its boundary. Memory is `max` times per endpoint.
 *
 * A refused request is told when a slot frees up; successive refusals are told successive slots
 * (the oldest admission's expiry, then the next one's, …) rather than all the same time, so a
 * backlog comes back at the rate it can go instead of all at once to be refused again.
 *
 * Pure: the caller passes the time. The Redis driver runs the same algorithm in a Lua script
 * (`TAKE_SLIDING_WINDOW`), so that the limit holds across processes.
 */
export class SlidingWindowLimiter {
  readonly #logs = new Map<string, { admitted: number[]; promised: number[] }>()

  take(key: string, limit: RateLimit, now: number): RateLimitDecision {
    let log = this.#logs.get(key)
    if (!log) {
      log = { admitted: [], promised: [] }
      this.#logs.set(key, log)
    }
    const { admitted, promised } = log
    // Admissions older than the window leave it; promised slots that came due are spent.
    dropWhile(admitted, (at) => at < now - limit.perMs)
    dropWhile(promised, (at) => at <= now)
    if (admitted.length < limit.max) {
      insertSorted(admitted, now)
      return { allowed: true }
    }
    const retryAt = nextSlot(admitted, promised.length, limit)
    if (promised.length < limit.max * MAX_PROMISES_PER_LIMIT) promised.push(retryAt)
    return { allowed: false, retryAt: Math.max(retryAt, now + 1) }
  }
}

/**
 * When the `j`-th waiting request may go: the `j`-th oldest admission in the window leaves it one
 * millisecond after `perMs`; past the window's size, a whole window later per round.
 */
export function nextSlot(admitted: readonly number[], j: number, limit: RateLimit): number {
  const round = Math.floor(j / limit.max)
  const index = admitted.length - limit.max + (j % limit.max)
  return admitted[index]! + (limit.perMs + 1) * (round + 1)
}

function dropWhile(values: number[], drop: (value: number) => boolean): void {
  let n = 0
  while (n < values.length && drop(values[n]!)) n++
  if (n > 0) values.splice(0, n)
}

function insertSorted(values: number[], value: number): void {
  let i = values.length
  while (i > 0 && values[i - 1]! > value) i--
  values.splice(i, 0, value)
}
