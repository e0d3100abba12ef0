import { WaitingQueue } from './waiting-queue.js'

/** What a claim loop needs from its worker. */
export interface ClaimLoopOptions<T> {
  /** Items in flight at once. */
  concurrency: number
  /** Items claimed per round trip at most. */
  batchSize: number
  /** How often an idle loop looks for due work when nothing woke it. */
  pollIntervalMs: number
  now: () => number
  /** Claims up to `limit` due items under a lease; `[]` when none are due. */
  claim(limit: number): Promise<T[]>
  /** Works on one claimed item; it counts as in flight until this settles. Must not reject. */
  run(item: T): Promise<void>
  /** Claim nothing while this is false (e.g. no receiver has handlers yet). */
  canClaim?(): boolean
  /** A claim failed (the database blinked): reported, then retried with backoff. */
  onClaimError(error: unknown): void
  /**
   * Hands back claimed items that were never started: the loop stopped, or they waited for a slot
   * longer than `maxWaitMs`. Giving it lets the loop claim one batch ahead of its free slots, so
   * that a slot that frees starts the next item at once instead of after a claim's round trip.
   * Without it the loop claims only for free slots.
   */
  release?(items: T[]): void
  /** How long a claimed item may wait for a slot before it is handed back (keep it well inside the lease). */
  maxWaitMs?: number
}

// At most this many locally scheduled wake-ups are remembered; polling covers the rest.
const MAX_TRACKED_WAKEUPS = 10_000

/**
 * The loop every worker runs: claim due work in batches, run each item (at most `concurrency` at
 * once), and when nothing is due sleep until woken or until the next poll. Polling is the
 * guarantee; `wake()` (a commit in this process, NOTIFY, Redis) and `wakeAt()` (a retry this
 * process scheduled) only make it prompt.
 *
 * With `release`, it keeps up to one batch claimed ahead in a local queue (claimed under a lease,
 * not started): against a slow receiver every slot stays busy, since a slot that frees takes the
 * next item from the queue in the same turn. An item never waits there longer than `maxWaitMs`:
 * past it, it is handed back and claiming ahead pauses for as long (the slots are not turning over).
 */
export class ClaimLoop<T> {
  readonly #options: ClaimLoopOptions<T>
  /** Free room worth a claim: half a batch, so the pipeline refills before it runs dry. */
  readonly #claimThreshold: number
  /** How many claimed items may wait for a slot: one batch, or none without `release`. */
  readonly #ahead: number
  readonly #maxWaitMs: number
  #inFlight = 0
  #idle: (() => void)[] = []
  /** Claimed, not started, in claim order, with when each was claimed. */
  readonly #waiting = new WaitingQueue<T>()
  /** Claiming ahead is paused until then (items had to be handed back). */
  #aheadPausedUntil = 0
  #running = false
  #loop: Promise<void> | null = null
  #signalled = false
  /** The last claim found less than it asked for, and nothing has woken the loop since. */
  #drained = false
  #waiter: (() => void) | null = null
  #timer: NodeJS.Timeout | null = null
  /** Due times of wake-ups asked for with `wakeAt`, ascending; the timer is armed for the first. */
  #wakeTimes: number[] = []
  readonly #onSettled = (): void => {
    this.#inFlight--
    if (this.#waiting.size > 0 && this.#inFlight < this.#options.concurrency) this.#track(this.#waiting.shift())
    if (this.#inFlight === 0 && this.#idle.length > 0) {
      const idle = this.#idle
      this.#idle = []
      for (const resolve of idle) resolve()
    }
    // Wake the loop only when a claim is worth it now: waking it for every settled item would
    // cost a timer and a promise per item for nothing. Nor when the last claim found less than it
    // asked for: nothing more was due then, and new work wakes the loop itself (`wake`, `wakeAt`,
    // the poll); claiming on every settled item would be an empty claim each.
    if (this.#drained) return
    const held = this.#inFlight + this.waiting
    if (held === 0 || this.#options.concurrency + this.#ahead - held >= this.#claimThreshold) this.#signal()
  }

  constructor(options: ClaimLoopOptions<T>) {
    this.#options = options
    const batch = Math.max(1, Math.min(options.batchSize, options.concurrency))
    this.#claimThreshold = Math.max(1, Math.floor(batch / 2))
    this.#ahead = options.release ? batch : 0
    this.#maxWaitMs = options.maxWaitMs ?? Number.POSITIVE_INFINITY
  }

  /** Items being worked on now. */
  get inFlight(): number {
    return this.#inFlight
  }

  /** Items claimed and waiting for a slot. */
  get waiting(): number {
    return this.#waiting.size
  }

  start(): void {
    if (this.#running) return
    this.#running = true
    this.#loop = this.#run()
  }

  /** Stops claiming; resolves when the loop has ended. In-flight items go on (see `settled`). */
  async stop(): Promise<void> {
    if (!this.#running) return
    this.#running = false
    this.wake()
    await this.#loop
    if (this.#timer) clearTimeout(this.#timer)
    this.#wakeTimes = []
    const waiting = this.take(() => true)
    if (waiting.length > 0) this.#options.release?.(waiting)
  }

  /** Resolves when nothing is in flight any more. */
  settled(): Promise<void> {
    if (this.#inFlight === 0) return Promise.resolve()
    return new Promise((resolve) => this.#idle.push(resolve))
  }

  /**
   * Removes the waiting (claimed, not started) items that `predicate` selects and returns them:
   * the caller now owns them (e.g. defers an endpoint's items when its circuit opens).
   */
  take(predicate: (item: T) => boolean): T[] {
    return this.#waiting.take(predicate)
  }

  /** New work may be due: look now instead of at the next poll. */
  wake(): void {
    this.#drained = false
    this.#signal()
  }

  #signal(): void {
    this.#signalled = true
    const waiter = this.#waiter
    this.#waiter = null
    waiter?.()
  }

  /** Look again at `at` (work this process put off until then), even if that is before the next poll. */
  wakeAt(at: number): void {
    if (!this.#running || this.#wakeTimes.length >= MAX_TRACKED_WAKEUPS) return
    const times = this.#wakeTimes
    let i = times.length
    while (i > 0 && times[i - 1]! > at) i--
    times.splice(i, 0, at)
    if (i === 0) this.#armTimer()
  }

  #armTimer(): void {
    if (this.#timer) clearTimeout(this.#timer)
    this.#timer = null
    const next = this.#wakeTimes[0]
    if (next === undefined || !this.#running) return
    this.#timer = setTimeout(() => {
      const now = this.#options.now()
      while (this.#wakeTimes.length > 0 && this.#wakeTimes[0]! <= now) this.#wakeTimes.shift()
      this.wake()
      this.#armTimer()
    }, Math.max(0, next - this.#options.now()))
    this.#timer.unref()
  }

  async #run(): Promise<void> {
    const o = this.#options
    let failures = 0
    while (this.#running) {
      const now = o.now()
      this.#expire(now)
      const ahead = now < this.#aheadPausedUntil ? 0 : this.#ahead
      const held = this.#inFlight + this.waiting
      const room = o.concurrency + ahead - held
      // Claim in batches, not one by one as slots free up: a claim per item would make the
      // database round trip, not the item's own work, the bottleneck.
      const worthClaiming = room >= this.#claimThreshold || held === 0
      if (room <= 0 || !worthClaiming || o.canClaim?.() === false) {
        await this.#sleep(o.pollIntervalMs)
        continue
      }
      const limit = Math.min(o.batchSize, room)
      let claimed: T[]
      try {
        claimed = await o.claim(limit)
        failures = 0
      } catch (error) {
        failures++
        o.onClaimError(error)
        await this.#sleep(Math.min(o.pollIntervalMs * 2 ** failures, 30_000))
        continue
      }
      this.#accept(claimed)
      // A full batch means more may be waiting: claim again at once. Otherwise idle until woken
      // (a wake-up that came during the claim still counts: `#sleep` returns at once).
      this.#drained = claimed.length < limit
      if (this.#drained) await this.#sleep(o.pollIntervalMs)
    }
  }

  /** Starts what fits in the free slots; the rest waits for a slot. */
  #accept(claimed: T[]): void {
    const concurrency = this.#options.concurrency
    let i = 0
    // Older waiting items go first.
    while (this.#inFlight < concurrency && this.#waiting.size > 0) this.#track(this.#waiting.shift())
    while (i < claimed.length && this.#inFlight < concurrency) this.#track(claimed[i++]!)
    if (i === claimed.length) return
    const at = this.#options.now()
    for (; i < claimed.length; i++) this.#waiting.push(claimed[i]!, at)
  }

  /** Hands back the items that waited too long for a slot, and stops claiming ahead for as long. */
  #expire(now: number): void {
    let expired: T[] | null = null
    for (let since = this.#waiting.oldestSince(); since !== undefined && now - since >= this.#maxWaitMs; since = this.#waiting.oldestSince()) {
      ;(expired ??= []).push(this.#waiting.shift())
    }
    if (!expired) return
    this.#aheadPausedUntil = now + this.#maxWaitMs
    this.#options.release?.(expired)
  }

  #track(item: T): void {
    this.#inFlight++
    this.#options.run(item).then(this.#onSettled, this.#onSettled)
  }

  #sleep(ms: number): Promise<void> {
    // Wake in time to hand back a waiting item before it waits too long.
    const oldest = this.#waiting.oldestSince()
    if (oldest !== undefined) ms = Math.min(ms, Math.max(0, oldest + this.#maxWaitMs - this.#options.now()))
    if (this.#signalled || !this.#running) {
      this.#signalled = false
      return Promise.resolve()
    }
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#waiter = null
        resolve()
      }, ms)
      this.#waiter = () => {
        clearTimeout(timer)
        this.#signalled = false
        resolve()
      }
    })
  }
}
