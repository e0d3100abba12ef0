import type { RateLimit } from '../core/types.js'
import type { FleetCoordination, SharedCircuitState } from './queue-driver.js'
import { SlidingWindowLimiter, type RateLimitDecision } from './sliding-window.js'

/**
 * Circuit and rate-limit state kept in this process: right for one process, and for several
 * processes where limits per process are acceptable. Rate limits use a sliding-window log per
 * endpoint: no window of the limit's length ever holds more than its `max`.
 */
export class LocalCoordination implements FleetCoordination {
  readonly #limiter = new SlidingWindowLimiter()
  readonly #probes = new Map<string, number>()

  async takeRateLimit(endpointId: string, limit: RateLimit, now: number): Promise<RateLimitDecision> {
    return this.#limiter.take(endpointId, limit, now)
  }

  publishCircuit(_endpointId: string, _state: SharedCircuitState, _until: number | null, _now: number): void {
    // Nobody else to tell (the relay records circuits in the database, see StoredCircuits).
  }

  onCircuit(): () => void {
    return () => {}
  }

  async readCircuit(): Promise<null> {
    return null
  }

  async tryAcquireProbe(endpointId: string, ttlMs: number, now: number): Promise<boolean> {
    const held = this.#probes.get(endpointId)
    if (held !== undefined && held > now) return false
    this.#probes.set(endpointId, now + ttlMs)
    return true
  }
}
