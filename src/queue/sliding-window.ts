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
  readonly #logs = new Map<string, { admitted: TimeQueue; promised: TimeQueue }>()

  take(key: string, limit: RateLimit, now: number): RateLimitDecision {
    let log = this.#logs.get(key)
    if (!log) {
      log = { admitted: new TimeQueue(), promised: new TimeQueue() }
      this.#logs.set(key, log)
    }
    const { admitted, promised } = log
    // Admissions older than the window leave it; promised slots that came due are spent.
    admitted.dropBefore(now - limit.perMs)
    promised.dropBefore(now + 1)
    if (admitted.size < limit.max) {
      admitted.insert(now)
      return { allowed: true }
    }
    const retryAt = nextSlot(admitted, promised.size, limit)
    if (promised.size < limit.max * MAX_PROMISES_PER_LIMIT) promised.insert(retryAt)
    return { allowed: false, retryAt: Math.max(retryAt, now + 1) }
  }
}

/**
 * When the `j`-th waiting request may go: the `j`-th oldest admission in the window leaves it one
 * millisecond after `perMs`; past the window's size, a whole window later per round.
 */
function nextSlot(admitted: TimeQueue, j: number, limit: RateLimit): number {
  const round = Math.floor(j / limit.max)
  const index = admitted.size - limit.max + (j % limit.max)
  return admitted.at(index) + (limit.perMs + 1) * (round + 1)
}

/**
 * Times in ascending order, dropped from the front in O(1) amortised (a head index, compacted
 * now and then): a limit of 10,000/s must not shift 10,000 numbers per request.
 */
class TimeQueue {
  #values: number[] = []
  #head = 0

  get size(): number {
    return this.#values.length - this.#head
  }

  /** The `index`-th oldest time. */
  at(index: number): number {
    return this.#values[this.#head + index]!
  }

  /** Drops the times before `time`. */
  dropBefore(time: number): void {
    while (this.#head < this.#values.length && this.#values[this.#head]! < time) this.#head++
    if (this.#head > 1024 && this.#head * 2 > this.#values.length) {
      this.#values = this.#values.slice(this.#head)
      this.#head = 0
    }
  }

  /** Adds a time, in order (callers' clocks are nearly monotonic: the scan from the end is short). */
  insert(time: number): void {
    let i = this.#values.length
    while (i > this.#head && this.#values[i - 1]! > time) i--
    if (i === this.#values.length) this.#values.push(time)
    else this.#values.splice(i, 0, time)
  }
}
