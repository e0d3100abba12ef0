import type { RateLimit } from '../core/types.js'
import type { FleetCoordination, SharedCircuitState } from './queue-driver.js'

/**
 * Circuit and rate-limit state kept in this process: right for one process, and for several
 * processes where limits per process are acceptable. Rate limits use a fixed window per endpoint.
 */
export class LocalCoordination implements FleetCoordination {
  readonly #windows = new Map<string, { start: number; count: number }>()
  readonly #probes = new Map<string, number>()

  async takeRateLimit(endpointId: string, limit: RateLimit, now: number) {
    const window = this.#windows.get(endpointId)
    if (!window || now - window.start >= limit.perMs) {
      this.#windows.set(endpointId, { start: now, count: 1 })
      return { allowed: true as const }
    }
    if (window.count < limit.max) {
      window.count++
      return { allowed: true as const }
    }
    return { allowed: false as const, retryAt: window.start + limit.perMs }
  }

  publishCircuit(_endpointId: string, _state: SharedCircuitState, _until: number | null): void {
    // Nobody else to tell.
  }

  onCircuit(): () => void {
    return () => {}
  }

  async readCircuit(): Promise<null> {
    return null
  }

  async tryAcquireProbe(endpointId: string, ttlMs: number): Promise<boolean> {
    const now = Date.now()
    const held = this.#probes.get(endpointId)
    if (held !== undefined && held > now) return false
    this.#probes.set(endpointId, now + ttlMs)
    return true
  }
}
