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
}

// At most this many locally scheduled wake-ups are remembered; polling covers the rest.
const MAX_TRACKED_WAKEUPS = 10_000

/**
 * The loop every worker runs: claim due work in batches, run each item (at most `concurrency` at
 * once), and when nothing is due sleep until woken or until the next poll. Polling is the
 * guarantee; `wake()` (a commit in this process, NOTIFY, Redis) and `wakeAt()` (a retry this
 * process scheduled) only make it prompt.
 */
export class ClaimLoop<T> {
  readonly #options: ClaimLoopOptions<T>
  /** Free slots worth a claim: half a batch, so the pipeline refills before it runs dry. */
  readonly #claimThreshold: number
  readonly #inFlight = new Set<Promise<void>>()
  #running = false
  #loop: Promise<void> | null = null
  #signalled = false
  #waiter: (() => void) | null = null
  #timer: NodeJS.Timeout | null = null
  /** Due times of wake-ups asked for with `wakeAt`, ascending; the timer is armed for the first. */
  #wakeTimes: number[] = []

  constructor(options: ClaimLoopOptions<T>) {
    this.#options = options
    this.#claimThreshold = Math.max(1, Math.floor(Math.min(options.batchSize, options.concurrency) / 2))
  }

  /** Items being worked on now. */
  get inFlight(): number {
    return this.#inFlight.size
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
  }

  /** Resolves when every item in flight now has settled. */
  async settled(): Promise<void> {
    await Promise.all([...this.#inFlight])
  }

  /** New work may be due: look now instead of at the next poll. */
  wake(): void {
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
      const free = o.concurrency - this.#inFlight.size
      // Claim in batches, not one by one as slots free up: a claim per item would make the
      // database round trip, not the item's own work, the bottleneck.
      const worthClaiming = free >= Math.min(this.#claimThreshold, o.concurrency) || this.#inFlight.size === 0
      if (free <= 0 || !worthClaiming || o.canClaim?.() === false) {
        await this.#sleep(o.pollIntervalMs)
        continue
      }
      const limit = Math.min(o.batchSize, free)
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
      for (const item of claimed) this.#track(item)
      // A full batch means more may be waiting: claim again at once. Otherwise idle until woken.
      if (claimed.length < limit) await this.#sleep(o.pollIntervalMs)
    }
  }

  #track(item: T): void {
    const done: Promise<void> = this.#options.run(item).finally(() => {
      this.#inFlight.delete(done)
      this.wake()
    })
    this.#inFlight.add(done)
  }

  #sleep(ms: number): Promise<void> {
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
