import CircuitBreaker from 'opossum'
import type { Emit } from '../core/emitter.js'
import type { CircuitState } from '../core/operations.js'
import type { CircuitBreakerSettings, EndpointRecord } from '../core/types.js'
import type { FleetCoordination } from '../queue/queue-driver.js'
import type { HttpAttemptResult } from './http-transport.js'


/** Whether an attempt may go now, or until when it is put off. */
export type Admission = { allowed: true } | { allowed: false; until: number }

interface Circuit {
  breaker: CircuitBreaker<[() => Promise<HttpAttemptResult>], HttpAttemptResult>
  settings: Required<CircuitBreakerSettings>
  /** When the open circuit lets its probe through. */
  halfOpenAt: number
}

/** A failed attempt, thrown inside the breaker so that opossum counts it. */
class FailedAttempt extends Error {
  constructor(readonly result: HttpAttemptResult) {
    super(result.error ?? `HTTP ${result.statusCode}`)
  }
}

/** The attempt was cut short by `stop()`: not the endpoint's fault, so not counted. */
class AbortedAttempt extends FailedAttempt {}

// While a probe is out, others wait this long (at most) before asking again.
const PROBE_WAIT_MS = 1_000

/**
 * One opossum circuit breaker per endpoint. A circuit opens when the failure rate over a rolling
 * window passes a threshold (with a minimum volume), lets one probe through after the reset time
 * (half-open) and closes when the probe succeeds. While it is open, the dispatcher defers the
 * endpoint's deliveries to the half-open time without using an attempt.
 *
 * Across processes, the queue driver's coordination shares the state: an open or close here is
 * published and applied elsewhere, and the half-open probe is one lock fleet-wide.
 */
export class EndpointCircuits {
  readonly #circuits = new Map<string, Circuit>()
  readonly #defaults: Required<CircuitBreakerSettings>
  readonly #coordination: FleetCoordination
  readonly #emit: Emit
  readonly #probeTtlMs: number
  #unsubscribe: (() => void) | null = null
  /** Circuits other processes opened, for endpoints this process has no breaker for yet: half-open time. */
  readonly #heard = new Map<string, number>()
  /** Circuits being made (reading the fleet's state), so concurrent first uses make one. */
  readonly #making = new Map<string, Promise<Circuit>>()
  /** Set while applying another process's change, so it is not published back. */
  #applyingRemote = false

  constructor(deps: {
    defaults: Required<CircuitBreakerSettings>
    coordination: FleetCoordination
    emit: Emit
    /** How long the fleet-wide probe lock lives: an attempt's time limit and some slack. */
    probeTtlMs: number
  }) {
    this.#defaults = deps.defaults
    this.#coordination = deps.coordination
    this.#emit = deps.emit
    this.#probeTtlMs = deps.probeTtlMs
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
        if (state === 'open' && !circuit.breaker.opened) {
          circuit.breaker.open()
          if (until !== null) circuit.halfOpenAt = until
        } else if (state === 'closed' && !circuit.breaker.closed) {
          circuit.breaker.close()
        }
      } finally {
        this.#applyingRemote = false
      }
    })
  }

  /** The circuit's state; endpoints not attempted yet are closed. */
  state(endpointId: string): CircuitState {
    const breaker = this.#circuits.get(endpointId)?.breaker
    if (!breaker || breaker.closed) return 'closed'
    return breaker.opened ? 'open' : 'half_open'
  }

  /** May an attempt to `endpoint` go now? */
  async admit(endpoint: EndpointRecord, now: number): Promise<Admission> {
    const circuit = await this.#circuitFor(endpoint)
    if (!circuit) return { allowed: true }
    const { breaker } = circuit
    if (breaker.closed) return { allowed: true }
    // Half-open: one probe, here and across the fleet; the rest wait for its outcome.
    const wait = { allowed: false as const, until: now + Math.min(PROBE_WAIT_MS, circuit.settings.resetTimeoutMs) }
    // Open: wait for the half-open time (past it, opossum's own timer is about to fire: wait a little).
    if (breaker.opened) return circuit.halfOpenAt > now ? { allowed: false, until: circuit.halfOpenAt } : wait
    if (!breaker.pendingClose) return wait
    // The lock outlives the probe's flight but not the next reset, or a failed probe would block the next one.
    const ttl = Math.min(this.#probeTtlMs, circuit.settings.resetTimeoutMs)
    return (await this.#coordination.tryAcquireProbe(endpoint.id, ttl)) ? { allowed: true } : wait
  }

  /**
   * Runs `attempt` through the endpoint's breaker so its outcome counts. Returns `'rejected'` when
   * the circuit turned open (or another probe went first) between `admit` and now.
   */
  async run(endpoint: EndpointRecord, attempt: () => Promise<HttpAttemptResult>): Promise<HttpAttemptResult | 'rejected'> {
    const circuit = this.#circuit(endpoint)
    if (!circuit) return attempt()
    try {
      return await circuit.breaker.fire(attempt)
    } catch (error) {
      if (error instanceof FailedAttempt) return error.result
      if ((error as { code?: string }).code === 'EOPENBREAKER') return 'rejected'
      throw error
    }
  }

  /** Stops every breaker's timers. */
  shutdown(): void {
    this.#unsubscribe?.()
    for (const { breaker } of this.#circuits.values()) breaker.shutdown()
    this.#circuits.clear()
  }

  /**
   * The endpoint's circuit, made on first use in the state the fleet has it in: open until the
   * half-open time another process announced (heard on the channel, or read back by a process that
   * started later), half-open past it, else closed.
   */
  async #circuitFor(endpoint: EndpointRecord): Promise<Circuit | undefined> {
    const settings = { ...this.#defaults, ...endpoint.circuitBreaker }
    if (!settings.enabled) return undefined
    const existing = this.#circuits.get(endpoint.id)
    if (existing && sameSettings(existing.settings, settings)) return existing
    let making = this.#making.get(endpoint.id)
    if (!making) {
      making = this.#make(endpoint.id, settings, existing).finally(() => this.#making.delete(endpoint.id))
      this.#making.set(endpoint.id, making)
    }
    return making
  }

  async #make(endpointId: string, settings: Required<CircuitBreakerSettings>, replacing: Circuit | undefined): Promise<Circuit> {
    let until = this.#heard.get(endpointId)
    if (until === undefined && !replacing) {
      try {
        until = (await this.#coordination.readCircuit(endpointId))?.until
      } catch {
        // Shared state is a refinement: without it this process judges the endpoint on its own.
      }
    }
    this.#heard.delete(endpointId)
    replacing?.breaker.shutdown()
    const circuit = this.#create(endpointId, settings, until)
    this.#circuits.set(endpointId, circuit)
    return circuit
  }

  /** The circuit `run` fires through: the one `admit` made (never created here). */
  #circuit(endpoint: EndpointRecord): Circuit | undefined {
    const settings = { ...this.#defaults, ...endpoint.circuitBreaker }
    return settings.enabled ? this.#circuits.get(endpoint.id) : undefined
  }

  /** A breaker; with `openUntil` it starts open until then, or half-open if that time has passed. */
  #create(endpointId: string, settings: Required<CircuitBreakerSettings>, openUntil?: number): Circuit {
    const now = Date.now()
    const initial =
      openUntil === undefined
        ? undefined
        : openUntil > now
          ? { closed: false, halfOpen: false, lastTimerAt: now }
          : { closed: false, halfOpen: true }
    const breaker = new CircuitBreaker(
      async (attempt: () => Promise<HttpAttemptResult>) => {
        const result = await attempt()
        if (result.aborted) throw new AbortedAttempt(result)
        if (result.statusCode === null || result.statusCode < 200 || result.statusCode >= 300) throw new FailedAttempt(result)
        return result
      },
      {
        timeout: false, // the transport enforces the time limit
        errorThresholdPercentage: settings.errorThresholdPercentage,
        volumeThreshold: settings.volumeThreshold,
        resetTimeout: settings.resetTimeoutMs,
        rollingCountTimeout: settings.windowMs,
        rollingCountBuckets: 10,
        errorFilter: (error: unknown) => error instanceof AbortedAttempt,
        ...(initial && { state: initial }),
      },
    )
    const circuit: Circuit = { breaker, settings, halfOpenAt: openUntil ?? 0 }
    breaker.on('open', () => {
      circuit.halfOpenAt = Date.now() + settings.resetTimeoutMs
      if (!this.#applyingRemote) this.#coordination.publishCircuit(endpointId, 'open', circuit.halfOpenAt)
      this.#emit('circuit.opened', { endpointId })
    })
    breaker.on('halfOpen', () => this.#emit('circuit.half_open', { endpointId }))
    breaker.on('close', () => {
      if (!this.#applyingRemote) this.#coordination.publishCircuit(endpointId, 'closed', null)
      this.#emit('circuit.closed', { endpointId })
    })
    return circuit
  }
}

function sameSettings(a: Required<CircuitBreakerSettings>, b: Required<CircuitBreakerSettings>): boolean {
  return (
    a.enabled === b.enabled &&
    a.errorThresholdPercentage === b.errorThresholdPercentage &&
    a.volumeThreshold === b.volumeThreshold &&
    a.windowMs === b.windowMs &&
    a.resetTimeoutMs === b.resetTimeoutMs
  )
}
