import type { Emit } from '../core/emitter.js'
import type { CircuitState } from '../core/operations.js'
import type { CircuitBreakerSettings, EndpointRecord } from '../core/types.js'
import type { FleetCoordination } from '../queue/queue-driver.js'
import { EndpointBreaker } from './endpoint-breaker.js'
import type { HttpAttemptResult } from './http-transport.js'

/** Whether an attempt may go now, or until when it is put off. */
export type Admission = { allowed: true } | { allowed: false; until: number }

// While a probe is out, others wait this long (at most) before asking again.
const PROBE_WAIT_MS = 1_000

/**
 * One {@link EndpointBreaker} per endpoint. A circuit opens when the failure rate of the attempts
 * that came back within a rolling window passes a threshold (once the window holds at least
 * `volumeThreshold` of them), lets one probe through after the reset time (half-open) and closes
 * when the probe succeeds. While it is open, the dispatcher defers the endpoint's deliveries to the
 * half-open time without using an attempt, including those it claimed but had not started yet.
 *
 * Across processes, the queue driver's coordination shares the state: an open or close here is
 * published and applied elsewhere, and the half-open probe is one lock fleet-wide.
 */
export class EndpointCircuits {
  readonly #circuits = new Map<string, EndpointBreaker>()
  readonly #defaults: Required<CircuitBreakerSettings>
  readonly #coordination: FleetCoordination
  readonly #emit: Emit
  readonly #probeTtlMs: number
  readonly #now: () => number
  readonly #openListeners: ((endpointId: string, halfOpenAt: number) => void)[] = []
  #unsubscribe: (() => void) | null = null
  /** Circuits other processes opened, for endpoints this process has no breaker for yet: half-open time. */
  readonly #heard = new Map<string, number>()
  /** Circuits being made (reading the fleet's state), so concurrent first uses make one. */
  readonly #making = new Map<string, Promise<EndpointBreaker>>()
  /** Set while applying another process's change, so it is not published back. */
  #applyingRemote = false

  constructor(deps: {
    defaults: Required<CircuitBreakerSettings>
    coordination: FleetCoordination
    emit: Emit
    /** How long the fleet-wide probe lock lives: an attempt's time limit and some slack. */
    probeTtlMs: number
    /** The relay's clock (epoch ms): breakers time their windows and circuits by it. */
    now: () => number
  }) {
    this.#defaults = deps.defaults
    this.#coordination = deps.coordination
    this.#emit = deps.emit
    this.#probeTtlMs = deps.probeTtlMs
    this.#now = deps.now
  }

  start(): void {
    this.#unsubscribe = this.#coordination.onCircuit((endpointId, state, until) => {
      const circuit = this.#circuits.get(endpointId)
      if (!circuit) {
        // Not attempted here yet: remember it, so the circuit starts in this state when it is made.
        if (state === 'open' && until !== null) this.#heard.set(endpointId, until)
        else this.#heard.delete(endpointId)
        return
      }
      this.#applyingRemote = true
      try {
        if (state === 'open' && circuit.state !== 'open') circuit.open(until ?? undefined)
        else if (state === 'closed' && circuit.state !== 'closed') circuit.close()
      } finally {
        this.#applyingRemote = false
      }
    })
  }

  /**
   * Calls `listener` whenever an endpoint's circuit opens here (tripped in this process or heard
   * from another), after the state changed: the dispatcher defers what it holds for the endpoint.
   */
  onOpened(listener: (endpointId: string, halfOpenAt: number) => void): void {
    this.#openListeners.push(listener)
  }

  /** The circuit's state; endpoints not attempted yet are closed. */
  state(endpointId: string): CircuitState {
    return this.#circuits.get(endpointId)?.state ?? 'closed'
  }

  /** When an open circuit lets its probe through; 0 when it is not open. */
  halfOpenAt(endpointId: string): number {
    const circuit = this.#circuits.get(endpointId)
    return circuit?.state === 'open' ? circuit.halfOpenAt : 0
  }

  /**
   * May an attempt to `endpoint` go now? Answered without waiting when this process already has
   * the endpoint's circuit and it is closed (the common case); `null` means "ask `admit`".
   */
  admitNow(endpoint: EndpointRecord): Admission | null {
    if (!this.#enabled(endpoint)) return ALLOWED
    const circuit = this.#circuits.get(endpoint.id)
    if (circuit && circuit.state === 'closed' && this.#current(circuit, endpoint)) return ALLOWED
    return null
  }

  /** May an attempt to `endpoint` go now? */
  async admit(endpoint: EndpointRecord, now: number): Promise<Admission> {
    const circuit = await this.#circuitFor(endpoint)
    if (!circuit || circuit.state === 'closed') return ALLOWED
    // Half-open: one probe, here and across the fleet; the rest wait for its outcome.
    const wait = { allowed: false as const, until: now + Math.min(PROBE_WAIT_MS, circuit.settings.resetTimeoutMs) }
    // Open: wait for the half-open time (past it, the breaker's own timer is about to fire: wait a little).
    if (circuit.state === 'open') return circuit.halfOpenAt > now ? { allowed: false, until: circuit.halfOpenAt } : wait
    if (!circuit.probeAvailable) return wait
    // The lock outlives the probe's flight but not the next reset, or a failed probe would block the next one.
    const ttl = Math.min(this.#probeTtlMs, circuit.settings.resetTimeoutMs)
    return (await this.#coordination.tryAcquireProbe(endpoint.id, ttl, now)) ? ALLOWED : wait
  }

  /**
   * Runs `attempt` and counts its outcome in the endpoint's circuit. Returns `'rejected'` when the
   * circuit turned open (or another probe went first) between `admit` and now.
   */
  async run(endpoint: EndpointRecord, attempt: () => Promise<HttpAttemptResult>): Promise<HttpAttemptResult | 'rejected'> {
    const circuit = this.#enabled(endpoint) ? this.#circuits.get(endpoint.id) : undefined
    if (!circuit) return attempt()
    if (!circuit.tryPass()) return 'rejected'
    let result: HttpAttemptResult
    try {
      result = await attempt()
    } catch (error) {
      circuit.failure()
      throw error
    }
    // Cut short by `stop()`: not the endpoint's fault, so not counted.
    if (result.aborted) circuit.abandonProbe()
    else if (result.statusCode !== null && result.statusCode >= 200 && result.statusCode < 300) circuit.success()
    else circuit.failure()
    return result
  }

  /** Stops every breaker's timers. */
  shutdown(): void {
    this.#unsubscribe?.()
    for (const circuit of this.#circuits.values()) circuit.shutdown()
    this.#circuits.clear()
  }

  #enabled(endpoint: EndpointRecord): boolean {
    return endpoint.circuitBreaker?.enabled ?? this.#defaults.enabled
  }

  /** Whether `circuit` was made with the settings `endpoint` has now (they may have been updated). */
  #current(circuit: EndpointBreaker, endpoint: EndpointRecord): boolean {
    const own = endpoint.circuitBreaker
    if (own === null) return circuit.settings === this.#defaults
    return sameSettings(circuit.settings, { ...this.#defaults, ...own })
  }

  /**
   * The endpoint's circuit, made on first use in the state the fleet has it in: open until the
   * half-open time another process announced (heard on the channel, or read back by a process that
   * started later), half-open past it, else closed.
   */
  async #circuitFor(endpoint: EndpointRecord): Promise<EndpointBreaker | undefined> {
    if (!this.#enabled(endpoint)) return undefined
    const existing = this.#circuits.get(endpoint.id)
    if (existing && this.#current(existing, endpoint)) return existing
    let making = this.#making.get(endpoint.id)
    if (!making) {
      const settings = endpoint.circuitBreaker === null ? this.#defaults : { ...this.#defaults, ...endpoint.circuitBreaker }
      making = this.#make(endpoint.id, settings, existing).finally(() => this.#making.delete(endpoint.id))
      this.#making.set(endpoint.id, making)
    }
    return making
  }

  async #make(endpointId: string, settings: Required<CircuitBreakerSettings>, replacing: EndpointBreaker | undefined): Promise<EndpointBreaker> {
    let until = this.#heard.get(endpointId)
    if (until === undefined && !replacing) {
      try {
        until = (await this.#coordination.readCircuit(endpointId))?.until
      } catch {
        // Shared state is a refinement: without it this process judges the endpoint on its own.
      }
    }
    this.#heard.delete(endpointId)
    replacing?.shutdown()
    const circuit = this.#create(endpointId, settings)
    if (until !== undefined) circuit.restoreOpen(until)
    this.#circuits.set(endpointId, circuit)
    return circuit
  }

  #create(endpointId: string, settings: Required<CircuitBreakerSettings>): EndpointBreaker {
    return new EndpointBreaker(settings, {
      opened: (halfOpenAt) => {
        if (!this.#applyingRemote) this.#coordination.publishCircuit(endpointId, 'open', halfOpenAt, this.#now())
        this.#emit('circuit.opened', { endpointId })
        for (const listener of this.#openListeners) listener(endpointId, halfOpenAt)
      },
      halfOpened: () => this.#emit('circuit.half_open', { endpointId }),
      closed: () => {
        if (!this.#applyingRemote) this.#coordination.publishCircuit(endpointId, 'closed', null, this.#now())
        this.#emit('circuit.closed', { endpointId })
      },
    }, this.#now)
  }
}

const ALLOWED: Admission = Object.freeze({ allowed: true })

function sameSettings(a: Required<CircuitBreakerSettings>, b: Required<CircuitBreakerSettings>): boolean {
  return (
    a.enabled === b.enabled &&
    a.errorThresholdPercentage === b.errorThresholdPercentage &&
    a.volumeThreshold === b.volumeThreshold &&
    a.windowMs === b.windowMs &&
    a.resetTimeoutMs === b.resetTimeoutMs
  )
}
