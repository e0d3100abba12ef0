import type { ReportedCircuitState } from '../core/operations.js'
import type { RateLimit } from '../core/types.js'
import type { EndpointStore } from '../storage/storage.js'
import type { FleetCoordination, SharedCircuitState } from './queue-driver.js'

/**
 * The queue driver's coordination, plus a record of every circuit change in the endpoint's row
 * (`circuit_open_until`), so that circuit state is known beyond the workers that hold breakers:
 * - a process that runs no workers (a web or admin process, the CLI) reports it with `state()`;
 * - a worker meeting an endpoint for the first time starts from it when the driver's own shared
 *   state has nothing (no Redis, Redis unreachable or flushed, or a restart of a single process).
 * Writes follow the driver's publish, in order, off the delivery path; a failed write is reported
 * and leaves the previous record, which the next change overwrites.
 */
export class StoredCircuits implements FleetCoordination {
  readonly #coordination: FleetCoordination
  readonly #storage: EndpointStore
  readonly #report: (error: unknown, context: string) => void
  #writes: Promise<void> = Promise.resolve()

  constructor(deps: { coordination: FleetCoordination; storage: EndpointStore; report: (error: unknown, context: string) => void }) {
    this.#coordination = deps.coordination
    this.#storage = deps.storage
    this.#report = deps.report
  }

  takeRateLimit(endpointId: string, limit: RateLimit, now: number) {
    return this.#coordination.takeRateLimit(endpointId, limit, now)
  }

  publishCircuit(endpointId: string, state: SharedCircuitState, until: number | null, now: number): void {
    this.#coordination.publishCircuit(endpointId, state, until, now)
    const openUntil = state === 'open' && until !== null ? new Date(until) : null
    this.#writes = this.#writes
      .then(() => this.#storage.setEndpointCircuit(endpointId, openUntil))
      .catch((error: unknown) => this.#report(error, 'circuit.store'))
  }

  onCircuit(listener: (endpointId: string, state: SharedCircuitState, until: number | null) => void): () => void {
    return this.#coordination.onCircuit(listener)
  }

  tryAcquireProbe(endpointId: string, ttlMs: number, now: number): Promise<boolean> {
    return this.#coordination.tryAcquireProbe(endpointId, ttlMs, now)
  }

  /** The fleet's open state (the driver's), else the one recorded in the database, else `null`. */
  async readCircuit(endpointId: string): Promise<{ state: 'open'; until: number } | null> {
    const shared = await this.#coordination.readCircuit(endpointId)
    if (shared) return shared
    const stored = await this.#storage.getEndpointCircuit(endpointId)
    return stored?.openUntil ? { state: 'open', until: stored.openUntil.getTime() } : null
  }

  /**
   * The circuit as the fleet has it, from any process: `open` until its half-open time, then
   * `half_open` until a probe closes it, `closed` when nobody holds it open; `unknown` when neither
   * the driver nor the database can answer. An unknown endpoint is `closed` (callers check it exists).
   */
  async state(endpointId: string, now: number): Promise<ReportedCircuitState> {
    let open: { until: number } | null
    try {
      open = await this.readCircuit(endpointId)
    } catch (error) {
      this.#report(error, 'circuit.read')
      return 'unknown'
    }
    if (!open) return 'closed'
    return open.until > now ? 'open' : 'half_open'
  }

  /** Resolves once the circuit changes published so far are recorded (for `stop()` and tests). */
  async flush(): Promise<void> {
    await this.#writes
  }
}
