import type { CircuitState } from '../core/operations.js'
import type { CircuitBreakerSettings } from '../core/types.js'

/** Where a breaker reports its state changes (each called once per change). */
export interface BreakerListener {
  opened(halfOpenAt: number): void
  halfOpened(): void
  closed(): void
}

// The window is counted in this many slices; the oldest drops out as time moves on.
const BUCKETS = 10

/**
 * One endpoint's circuit breaker: closed, open until a reset time, then half-open for one probe.
 *
 * It counts *completed* attempts only, in a rolling window of {@link BUCKETS} slices: the failure
 * rate is failures ÷ (failures + successes) of attempts that came back. (Counting attempts when
 * they start, as opossum does, lets every request in flight dilute the rate, so a failing
 * endpoint with many attempts in flight received about twice its concurrency before the circuit
 * opened.) Recording an outcome is O(1) whatever the window holds or the failure rate is: no
 * latencies kept, nothing sorted, no timers while closed.
 */
export class EndpointBreaker {
  readonly settings: Required<CircuitBreakerSettings>
  readonly #listener: BreakerListener
  readonly #now: () => number
  readonly #bucketMs: number
  readonly #successes = new Uint32Array(BUCKETS)
  readonly #failures = new Uint32Array(BUCKETS)
  #head = 0
  #headStartedAt: number
  #totalSuccesses = 0
  #totalFailures = 0
  #state: CircuitState = 'closed'
  /** Open: when the circuit goes half-open. */
  #halfOpenAt = 0
  /** Half-open: whether this process's one probe has been let through. */
  #probing = false
  #timer: NodeJS.Timeout | null = null

  constructor(settings: Required<CircuitBreakerSettings>, listener: BreakerListener, now: () => number = Date.now) {
    this.settings = settings
    this.#listener = listener
    this.#now = now
    this.#bucketMs = Math.max(1, Math.floor(settings.windowMs / BUCKETS))
    this.#headStartedAt = now()
  }

  get state(): CircuitState {
    return this.#state
  }

  /** Open: when the probe may go. */
  get halfOpenAt(): number {
    return this.#halfOpenAt
  }

  /** Half-open and this process's probe not yet let through. */
  get probeAvailable(): boolean {
    return this.#state === 'half_open' && !this.#probing
  }

  /**
   * Takes the right to send an attempt now: always while closed; in half-open, once (the probe).
   * False while open, or half-open with the probe already out.
   */
  tryPass(): boolean {
    if (this.#state === 'closed') return true
    if (this.#state === 'half_open' && !this.#probing) {
      this.#probing = true
      return true
    }
    return false
  }

  /** A 2xx came back. In half-open (the probe, or a late answer) it closes the circuit. */
  success(): void {
    if (this.#state === 'half_open') {
      this.close()
      return
    }
    if (this.#state !== 'closed') return
    this.#rotate()
    this.#successes[this.#head]!++
    this.#totalSuccesses++
  }

  /** An attempt failed. In half-open it opens the circuit again; closed, it may open it. */
  failure(): void {
    if (this.#state === 'half_open') {
      this.open()
      return
    }
    if (this.#state !== 'closed') return
    this.#rotate()
    this.#failures[this.#head]!++
    this.#totalFailures++
    const completed = this.#totalFailures + this.#totalSuccesses
    if (completed >= this.settings.volumeThreshold && (this.#totalFailures * 100) / completed > this.settings.errorThresholdPercentage) {
      this.open()
    }
  }

  /** Opens the circuit until `until` (default: now + resetTimeout), then half-open. */
  open(until = this.#now() + this.settings.resetTimeoutMs): void {
    if (this.#state === 'open') {
      if (until !== this.#halfOpenAt) this.#armHalfOpen(until)
      return
    }
    this.#state = 'open'
    this.#probing = false
    this.#armHalfOpen(until)
    this.#listener.opened(until)
  }

  /** Goes half-open at once (an open circuit whose reset time has passed). */
  halfOpen(): void {
    if (this.#state === 'half_open') return
    this.#clearTimer()
    this.#state = 'half_open'
    this.#probing = false
    this.#listener.halfOpened()
  }

  /** Closes the circuit and starts a fresh window (failures before the open no longer count). */
  close(): void {
    if (this.#state === 'closed') return
    this.#clearTimer()
    this.#state = 'closed'
    this.#probing = false
    this.#successes.fill(0)
    this.#failures.fill(0)
    this.#totalSuccesses = 0
    this.#totalFailures = 0
    this.#headStartedAt = this.#now()
    this.#listener.closed()
  }

  /**
   * Takes on the state another process left: open until `until`, or half-open if that has passed.
   * Silent: the process that opened the circuit already announced it.
   */
  restoreOpen(until: number): void {
    if (until > this.#now()) {
      this.#state = 'open'
      this.#armHalfOpen(until)
    } else {
      this.#state = 'half_open'
      this.#probing = false
    }
  }

  /** The probe let through by `tryPass` never reached the endpoint (the relay is stopping): free it. */
  abandonProbe(): void {
    if (this.#state === 'half_open') this.#probing = false
  }

  /** Stops the half-open timer. */
  shutdown(): void {
    this.#clearTimer()
  }

  #armHalfOpen(at: number): void {
    this.#clearTimer()
    this.#halfOpenAt = at
    this.#timer = setTimeout(() => {
      this.#timer = null
      if (this.#state === 'open') this.halfOpen()
    }, Math.max(0, at - this.#now()))
    this.#timer.unref()
  }

  #clearTimer(): void {
    if (this.#timer) clearTimeout(this.#timer)
    this.#timer = null
  }

  /** Moves the head to the slice `now` falls in, emptying the slices that dropped out of the window. */
  #rotate(): void {
    const now = this.#now()
    const elapsed = now - this.#headStartedAt
    if (elapsed < this.#bucketMs) return
    const steps = Math.min(BUCKETS, Math.floor(elapsed / this.#bucketMs))
    for (let i = 0; i < steps; i++) {
      this.#head = (this.#head + 1) % BUCKETS
      this.#totalSuccesses -= this.#successes[this.#head]!
      this.#totalFailures -= this.#failures[this.#head]!
      this.#successes[this.#head] = 0
      this.#failures[this.#head] = 0
    }
    this.#headStartedAt = steps === BUCKETS ? now : this.#headStartedAt + steps * this.#bucketMs
  }
}
