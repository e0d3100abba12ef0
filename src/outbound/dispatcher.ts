import { randomBytes } from 'node:crypto'
import { actionableStorageError } from '../storage/storage-errors.js'
import type { Emit } from '../core/emitter.js'
import { decideAfterAttempt } from '../core/retry-policy.js'
import { retryScheduleFor } from '../core/retry-schedule.js'
import type { DeadReason } from '../core/types.js'
import { LEASE_MARGIN_MS, type ResolvedRelayOptions } from '../relay-options.js'
import { ClaimLoop } from '../queue/claim-loop.js'
import type { QueueDriver } from '../queue/queue-driver.js'
import type { ClaimedDelivery, Storage } from '../storage/storage.js'
import type { EndpointRecord } from '../core/types.js'
import type { EndpointCircuits } from './circuit-breakers.js'
import { DeliveryGate, type Deferral } from './delivery-gate.js'
import type { HttpAttemptResult, HttpTransport } from './http-transport.js'
import type { BatchWriter } from '../core/batch-writer.js'
import { settlementWriter, type SettlementItem } from './settlement-batcher.js'
import { abortController, outcomeSubmission, signedHeaders } from './delivery-outcome.js'
import type { Telemetry } from '../telemetry/telemetry.js'

type AttemptSpan = ReturnType<Telemetry['attempt']>

export interface DispatcherDeps {
  storage: Storage
  queue: QueueDriver
  transport: HttpTransport
  circuits: EndpointCircuits
  options: ResolvedRelayOptions
  emit: Emit
  /** A span per attempt and the `traceparent` header, when OpenTelemetry is on. */
  telemetry?: Telemetry | null
}

/**
 * The outbound worker loop of one process: claims due deliveries in batches under a lease,
 * attempts each over HTTP (at most `delivery.concurrency` at once), asks the retry policy what
 * happens next, and settles the outcomes in batches. Where a delivery is retried: `#attempt`.
 */
export class Dispatcher {
  /** This process's lease owner name, unique per dispatcher. */
  readonly owner = `w_${randomBytes(6).toString('hex')}`
  readonly #deps: DispatcherDeps
  /** Outcomes are written in batches; see `settlementWriter`. */
  readonly #settlements: BatchWriter<SettlementItem, boolean>
  readonly #gate: DeliveryGate
  readonly #loop: ClaimLoop<ClaimedDelivery>
  /** Outcomes queued but not yet written. */
  #unwritten = 0
  /** Aborts the attempts still running when `stop()` runs out of patience. */
  readonly #abort = abortController()
  /** The retry policy with the relay's default schedule (made once, not per attempt). */
  readonly #retryPolicy: Parameters<typeof decideAfterAttempt>[2]

  constructor(deps: DispatcherDeps) {
    this.#deps = deps
    this.#settlements = settlementWriter(deps.storage, deps.emit)
    const { retry } = deps.options
    this.#retryPolicy = {
      schedule: retry.schedule,
      jitter: retry.jitter,
      permanentStatuses: retry.permanentStatuses,
      maxRetryAfterMs: retry.maxRetryAfterMs,
    }
    this.#gate = new DeliveryGate({ storage: deps.storage, circuits: deps.circuits, coordination: deps.queue.coordination })
    const { delivery, now } = deps.options
    this.#loop = new ClaimLoop<ClaimedDelivery>({
      concurrency: delivery.concurrency,
      batchSize: delivery.batchSize,
      pollIntervalMs: delivery.pollIntervalMs,
      now,
      canClaim: () => this.#unwritten < delivery.concurrency,
      claim: (limit) => deps.queue.claim({ owner: this.owner, limit, leaseMs: delivery.leaseMs, now: new Date(now()) }),
      run: (item) =>
        this.#attempt(item, this.#abort.signal).catch((error: unknown) =>
          deps.emit('error', { error: error as Error, context: 'dispatcher.attempt' }),
        ),
      onClaimError: (error) => deps.emit('error', { error: actionableStorageError(error, 'Claiming deliveries') as Error, context: 'dispatcher.claim' }),
      // Claimed ahead but not started in time (or at stop): back to `pending` now, no attempt used.
      release: (items) => {
        for (const item of items) this.#handBack(item)
      },
      // Half the slack the lease leaves beyond an attempt's time limit, so a late start still ends inside it.
      maxWaitMs: Math.max(1, Math.floor((delivery.leaseMs - delivery.timeoutMs) / 2)),
    })
    // An open circuit defers what is claimed for the endpoint and not started yet: none of it is sent.
    deps.circuits.onOpened((endpointId, halfOpenAt) => {
      const held = this.#loop.take((item) => item.delivery.endpointId === endpointId)
      for (const item of held) void this.#defer(item, { reason: 'circuit_open', until: halfOpenAt })
    })
  }

  start(): void {
    this.#deps.circuits.start()
    this.#loop.start()
  }

  /** New work may be due: look now instead of at the next poll. */
  wake(): void {
    this.#loop.wake()
  }

  /**
   * Stops claiming, lets in-flight attempts finish for up to `stopTimeout`, then aborts the rest
   * and hands them back as `pending` without counting an attempt, and writes every outcome.
   */
  async stop(): Promise<void> {
    await this.#loop.stop()
    let timer: NodeJS.Timeout | undefined
    const timedOut = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, this.#deps.options.stopTimeoutMs)
    })
    await Promise.race([this.#loop.settled(), timedOut])
    clearTimeout(timer)
    this.#abort.abort()
    await this.#loop.settled()
    await this.#settlements.drain()
    this.#deps.circuits.shutdown()
  }

  async #attempt(item: ClaimedDelivery, signal: AbortSignal): Promise<void> {
    const { delivery, message, endpoint } = item
    const { options } = this.#deps
    if (!endpoint || endpoint.disabledAt) {
      return this.#deadWithoutAttempt(item, endpoint ? 'endpoint_disabled' : 'endpoint_deleted')
    }

    const deferral = await this.#gate.admit(endpoint, delivery.id, options.now())
    if (deferral) return this.#defer(item, deferral)
    // While delivering, `nextAttemptAt` is the lease expiry. An attempt whose deadline would pass it
    // (the item waited too long before its turn) is handed back instead: another worker could claim
    // it meanwhile and the receiver would get it twice at once.
    const leaseLeft = (delivery.nextAttemptAt?.getTime() ?? Number.POSITIVE_INFINITY) - options.now() - LEASE_MARGIN_MS
    if (leaseLeft < options.delivery.timeoutMs) return this.#handBack(item)
    let startedAt = 0
    let outcome: HttpAttemptResult | 'rejected'
    let span: AttemptSpan | undefined
    try {
      outcome = await this.#deps.circuits.run(endpoint, () => {
        startedAt = options.now()
        const headers = signedHeaders(options, endpoint, message, startedAt)
        const telemetry = this.#deps.telemetry
        if (telemetry) {
          const attributes = { messageId: message.id, deliveryId: delivery.id, endpointId: endpoint.id, attempt: delivery.attempts + 1, url: endpoint.url }
          span = telemetry.attempt(attributes, message.traceContext)
          headers.traceparent = span.traceparent
        }
        return this.#deps.transport.post({
          url: endpoint.url,
          headers,
          body: message.payload,
          timeoutMs: options.delivery.timeoutMs,
          signal,
        })
      })
    } finally {
      this.#gate.release(endpoint.id)
    }
    // The circuit opened, or another probe went first, between admission and the attempt.
    if (outcome === 'rejected') {
      const now = options.now()
      return this.#defer(item, { reason: 'circuit_open', until: Math.max(now + 1_000, this.#deps.circuits.halfOpenAt(endpoint.id)) })
    }
    const result = outcome
    span?.end(result.statusCode, result.error)
    const number = delivery.attempts + 1
    const at = new Date(options.now())
    // The relay is stopping: not the receiver's fault, so no attempt is counted.
    if (result.aborted) return this.#handBack(item)

    const decision = decideAfterAttempt(
      { statusCode: result.statusCode, retryAfterMs: result.retryAfterMs },
      number,
      this.#policyFor(message.type, endpoint),
      Math.random(),
    )
    const submission = outcomeSubmission(
      { item: { delivery, message, endpoint }, result, decision, number, startedAt, at },
      {
        owner: this.owner,
        emit: this.#deps.emit,
        onRetry: (deliveryId, nextAttemptAt) => {
          this.#loop.wakeAt(nextAttemptAt.getTime())
          this.#deps.queue.rescheduled([{ deliveryId, dueAt: nextAttemptAt }])
        },
      },
    )
    await this.#settle(submission)
  }

  /** The retry policy of a message of `type` to `endpoint`: see `retryScheduleFor` for which schedule wins. */
  #policyFor(type: string, endpoint: Pick<EndpointRecord, 'retrySchedule' | 'retryByType'>): Parameters<typeof decideAfterAttempt>[2] {
    const { retry } = this.#deps.options
    const schedule = retryScheduleFor(type, {
      endpointByType: endpoint.retryByType,
      endpoint: endpoint.retrySchedule,
      relayByType: retry.byType,
      relay: retry.schedule,
    })
    return schedule === retry.schedule ? this.#retryPolicy : { ...this.#retryPolicy, schedule }
  }

  /**
   * Queues an outcome for the next batch write without waiting for it: the attempt's slot is free
   * for the next delivery while the database commits. Claiming pauses while more than
   * `delivery.concurrency` outcomes are unwritten, so a slow database bounds the backlog. Events
   * still follow the commit (`afterCommit`).
   */
  #settle(item: SettlementItem): Promise<void> {
    this.#unwritten++
    this.#settlements.push(item, this.#written)
    return RESOLVED
  }

  readonly #written = (): void => {
    // Claiming pauses at `delivery.concurrency` unwritten outcomes: wake the loop as it drops below.
    if (--this.#unwritten === this.#deps.options.delivery.concurrency - 1) this.#loop.wake()
  }

  /** Gives a claimed delivery back as due now without using an attempt (stopping, it waited too long, or its lease cannot hold an attempt). */
  #handBack(item: ClaimedDelivery): Promise<void> {
    const id = item.delivery.id
    const at = new Date(this.#deps.options.now())
    return this.#settle({
      settlement: { deliveryId: id, owner: this.owner, status: 'pending', nextAttemptAt: at, at },
      afterCommit: () => {
        this.#loop.wake()
        this.#deps.queue.rescheduled([{ deliveryId: id, dueAt: at }])
      },
    })
  }

  /** Puts a delivery off without using an attempt (circuit open, rate limit, concurrency, FIFO order). */
  #defer(item: ClaimedDelivery, deferral: Deferral): Promise<void> {
    const { delivery, message } = item
    const at = new Date(this.#deps.options.now())
    const until = new Date(deferral.until)
    return this.#settle({
      settlement: { deliveryId: delivery.id, owner: this.owner, status: 'pending', nextAttemptAt: until, at },
      afterCommit: () => {
        this.#deps.emit('delivery.deferred', {
          deliveryId: delivery.id,
          messageId: message.id,
          endpointId: delivery.endpointId,
          type: message.type,
          reason: deferral.reason,
          until,
        })
        this.#loop.wakeAt(deferral.until)
        this.#deps.queue.rescheduled([{ deliveryId: delivery.id, dueAt: until }])
      },
    })
  }

  #deadWithoutAttempt(item: ClaimedDelivery, reason: DeadReason): Promise<void> {
    const at = new Date(this.#deps.options.now())
    const { delivery, message } = item
    return this.#settle({
      settlement: { deliveryId: delivery.id, owner: this.owner, status: 'dead', nextAttemptAt: null, deadReason: reason, at },
      afterCommit: () =>
        this.#deps.emit('delivery.dead', {
          deliveryId: delivery.id,
          messageId: message.id,
          endpointId: delivery.endpointId,
          type: message.type,
          attempt: delivery.attempts,
          reason,
          statusCode: null,
          error: null,
        }),
    })
  }
}

const RESOLVED = Promise.resolve()
