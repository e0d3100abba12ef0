import type { DeliveryDeferredEvent } from '../core/events.js'
import type { EndpointRecord } from '../core/types.js'
import type { FleetCoordination } from '../queue/queue-driver.js'
import type { DeliveryQueueStore } from '../storage/storage.js'
import type { EndpointCircuits } from './circuit-breakers.js'

/** Why and until when a claimed delivery is put off instead of attempted. */
export interface Deferral {
  reason: DeliveryDeferredEvent['reason']
  until: number
}

// A delivery refused for the endpoint's concurrency waits this long before it is claimed again.
const CONCURRENCY_RETRY_MS = 100
// A FIFO delivery whose predecessor has no due time yet (it is being attempted) looks again this soon.
const ORDERING_RETRY_MS = 200

/**
 * Decides whether a claimed delivery may be attempted now. A "no" is a deferral, never a failure:
 * the delivery goes back to `pending` at the given time without using an attempt. Checked in
 * order: per-endpoint concurrency, FIFO order, open circuit, rate limit (which spends a token).
 */
export class DeliveryGate {
  readonly #storage: DeliveryQueueStore
  readonly #circuits: EndpointCircuits
  readonly #coordination: FleetCoordination
  readonly #inFlight = new Map<string, number>()

  constructor(deps: { storage: DeliveryQueueStore; circuits: EndpointCircuits; coordination: FleetCoordination }) {
    this.#storage = deps.storage
    this.#circuits = deps.circuits
    this.#coordination = deps.coordination
  }

  /** Returns `null` and holds a concurrency slot when the attempt may go; call `release` after it. */
  async admit(endpoint: EndpointRecord, deliveryId: string, now: number): Promise<Deferral | null> {
    // The slot is taken before any await, so concurrent admissions cannot both squeeze in.
    const running = this.#inFlight.get(endpoint.id) ?? 0
    if (endpoint.maxConcurrency !== null && running >= endpoint.maxConcurrency) {
      return { reason: 'concurrency_limited', until: now + CONCURRENCY_RETRY_MS }
    }
    this.#inFlight.set(endpoint.id, running + 1)
    // The common case (no FIFO, no rate limit, a closed circuit this process knows) needs no await.
    if (endpoint.ordering !== 'fifo' && !endpoint.rateLimit && this.#circuits.admitNow(endpoint)?.allowed) return null
    const deferral = await this.#check(endpoint, deliveryId, now)
    if (deferral) this.release(endpoint.id)
    return deferral
  }

  async #check(endpoint: EndpointRecord, deliveryId: string, now: number): Promise<Deferral | null> {
    if (endpoint.ordering === 'fifo') {
      const blocking = await this.#storage.findBlockingDelivery(endpoint.id, deliveryId)
      if (blocking) {
        // A predecessor being attempted has its lease expiry as due time: look again soon instead.
        const due = blocking.status === 'pending' ? (blocking.nextAttemptAt?.getTime() ?? now) : now
        return { reason: 'ordering', until: Math.max(due, now + ORDERING_RETRY_MS) }
      }
    }
    const admission = await this.#circuits.admit(endpoint, now)
    if (!admission.allowed) return { reason: 'circuit_open', until: admission.until }
    if (endpoint.rateLimit) {
      const taken = await this.#coordination.takeRateLimit(endpoint.id, endpoint.rateLimit, now)
      if (!taken.allowed) return { reason: 'rate_limited', until: taken.retryAt }
    }
    return null
  }

  /** Frees the concurrency slot `admit` took. */
  release(endpointId: string): void {
    const running = (this.#inFlight.get(endpointId) ?? 1) - 1
    if (running <= 0) this.#inFlight.delete(endpointId)
    else this.#inFlight.set(endpointId, running)
  }
}
