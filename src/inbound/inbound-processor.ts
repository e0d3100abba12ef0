import type { Telemetry } from '../telemetry/telemetry.js'
import type { Emit } from '../core/emitter.js'
import { decideAfterAttempt } from '../core/retry-policy.js'
import type { InboundMessageRecord } from '../core/types.js'
import type { Storage } from '../storage/storage.js'
import { toInboundEvent, type InboundHandler } from './handler.js'
import type { BatchWriter } from '../core/batch-writer.js'
import { inboundSettlementWriter, type InboundSettlementItem } from './inbound-settlement-batcher.js'
import { isPermanentError } from './permanent-error.js'

/**
 * What happened to one run of a message's handlers:
 * `processed`, `unhandled` (no handler matched its type; nothing ran, no attempt counted),
 * `failed` (a retry is scheduled), `dead` (permanent error or schedule exhausted),
 * or `handed_back` (the relay stopped before the handlers finished; no attempt counted).
 */
export type InboundOutcome = 'processed' | 'unhandled' | 'failed' | 'dead' | 'handed_back'

/** What processing needs of one receiver. */
export interface HandlerSource {
  /** The handlers for `type`: the exact ones and the `'*'` ones, in registration order. */
  handlersFor(type: string): readonly InboundHandler[]
  /** The types that have handlers (`'*'` included), for the `inbound.unhandled` event. */
  readonly handledTypes: readonly string[]
  readonly retry: { readonly schedule: readonly number[]; readonly jitter: number }
}

export interface InboundProcessorDeps {
  storage: Storage
  emit: Emit
  now: () => number
  stopTimeoutMs: number
  /** The receiver of this relay named `source`, if any. */
  source(name: string): HandlerSource | undefined
  /** A span around each run of handlers, continuing the sender's `traceparent`, when OpenTelemetry is on. */
  telemetry?: Telemetry | null
  /** A message became due again at `at` (a retry, a hand-back): workers should look then. */
  onDue?(at: number): void
}

interface Flight {
  outcome: Promise<InboundOutcome>
  handBack: () => void
}

const MAX_ERROR_LENGTH = 2_000

/**
 * Runs the handlers of leased inbound messages and settles the outcome: the one place where an
 * inbound message is processed, retried or dead-lettered, for the workers and for inline receivers
 * alike. Events are emitted once the outcome is committed.
 */
export class InboundProcessor {
  readonly #deps: InboundProcessorDeps
  readonly #batcher: BatchWriter<InboundSettlementItem, boolean>
  readonly #inFlight = new Map<string, Flight>()

  constructor(deps: InboundProcessorDeps) {
    this.#deps = deps
    this.#batcher = inboundSettlementWriter(deps.storage, deps.emit)
  }

  /** Messages whose handlers are running in this process. */
  get activeCount(): number {
    return this.#inFlight.size
  }

  /** The outcome of the run of message `id` in progress in this process, if there is one. */
  running(id: string): Promise<InboundOutcome> | undefined {
    return this.#inFlight.get(id)?.outcome
  }

  /**
   * Runs the handlers of `message`, which `owner` holds the lease of, and settles the outcome.
   * Resolves with the outcome once it is committed; never rejects.
   */
  process(message: InboundMessageRecord, owner: string): Promise<InboundOutcome> {
    const existing = this.#inFlight.get(message.id)
    if (existing) return existing.outcome
    let handedBack = false
    let handBack!: () => void
    const abandoned = new Promise<InboundOutcome>((resolve) => {
      handBack = () => {
        handedBack = true
        resolve(this.#handBack(message, owner))
      }
    })
    const run = this.#run(message, owner, () => handedBack).catch((error: unknown) => {
      this.#deps.emit('error', { error: error as Error, context: 'inbound.process' })
      return 'handed_back' as const
    })
    const outcome = Promise.race([run, abandoned]).finally(() => this.#inFlight.delete(message.id))
    this.#inFlight.set(message.id, { outcome, handBack })
    return outcome
  }

  /**
   * Lets running handlers finish for up to `stopTimeout`, then hands the rest back (`pending`, due
   * now, no attempt counted) so another process takes them, and writes every outcome.
   */
  async stop(): Promise<void> {
    const running = [...this.#inFlight.values()]
    if (running.length > 0) {
      let timer: NodeJS.Timeout | undefined
      const timedOut = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, this.#deps.stopTimeoutMs)
      })
      await Promise.race([Promise.all(running.map((f) => f.outcome)), timedOut])
      clearTimeout(timer)
      for (const flight of this.#inFlight.values()) flight.handBack()
      await Promise.all([...this.#inFlight.values()].map((f) => f.outcome))
    }
    await this.#batcher.drain()
  }

  async #run(message: InboundMessageRecord, owner: string, handedBack: () => boolean): Promise<InboundOutcome> {
    const { emit, now } = this.#deps
    const source = this.#deps.source(message.source)
    if (!source) return this.#handBack(message, owner)
    const attempt = message.attempts + 1
    const base = { id: message.id, source: message.source, webhookId: message.webhookId, type: message.type }

    const errors: unknown[] = []
    let payload: unknown
    try {
      payload = JSON.parse(message.payload)
    } catch (error) {
      errors.push(new Error(`The stored payload is not JSON: ${(error as Error).message}`))
    }
    const handlers = source.handlersFor(message.type)
    // No handler for this type (a typo in `on()`, a type the app never subscribed to): say so
    // rather than record it `processed` after running nothing. Replayable once a handler exists.
    if (errors.length === 0 && handlers.length === 0) return this.#settleUnhandled(message, owner, source.handledTypes)
    if (errors.length === 0) {
      const event = toInboundEvent(message, payload)
      const ctx = {
        id: message.id,
        webhookId: message.webhookId,
        source: message.source,
        attempt,
        receivedAt: message.receivedAt,
        headers: message.headers,
      }
      // Every handler runs, even after one failed; the message is then retried as a whole.
      const runHandlers = async () => {
        for (const handler of handlers) {
          try {
            await handler(event, ctx)
          } catch (error) {
            errors.push(error)
          }
        }
        if (errors.length > 0) throw errors[0]
      }
      const telemetry = this.#deps.telemetry
      if (telemetry) {
        await telemetry.handle(base, message.headers.traceparent, runHandlers).catch(() => undefined)
      } else {
        await runHandlers().catch(() => undefined)
      }
    }
    if (handedBack()) return 'handed_back'

    const at = new Date(now())
    let item: InboundSettlementItem
    let outcome: InboundOutcome
    if (errors.length === 0) {
      outcome = 'processed'
      item = {
        settlement: { id: message.id, owner, status: 'processed', nextAttemptAt: null, attempted: true, lastError: null, at },
        afterCommit: () => emit('inbound.processed', { ...base, attempt }),
      }
    } else {
      const error = describeErrors(errors)
      const permanent = errors.some(isPermanentError)
      const decision = permanent
        ? ({ action: 'dead' } as const)
        : decideAfterAttempt(
            { statusCode: null },
            attempt,
            { schedule: source.retry.schedule, jitter: source.retry.jitter, permanentStatuses: [], maxRetryAfterMs: 0 },
            Math.random(),
          )
      if (decision.action === 'retry') {
        outcome = 'failed'
        const nextAttemptAt = new Date(at.getTime() + decision.delayMs)
        item = {
          settlement: { id: message.id, owner, status: 'pending', nextAttemptAt, attempted: true, lastError: error, at },
          afterCommit: () => {
            emit('inbound.failed', { ...base, attempt, error, nextAttemptAt })
            this.#deps.onDue?.(nextAttemptAt.getTime())
          },
        }
      } else {
        outcome = 'dead'
        item = {
          settlement: {
            id: message.id,
            owner,
            status: 'dead',
            nextAttemptAt: null,
            attempted: true,
            lastError: error,
            deadReason: permanent ? 'permanent_error' : 'exhausted',
            at,
          },
          afterCommit: () => emit('inbound.dead', { ...base, attempt, error }),
        }
      }
    }
    const committed = await this.#batcher.add(item)
    return committed ? outcome : 'handed_back'
  }

  async #settleUnhandled(message: InboundMessageRecord, owner: string, handledTypes: readonly string[]): Promise<InboundOutcome> {
    const at = new Date(this.#deps.now())
    const event = { id: message.id, source: message.source, webhookId: message.webhookId, type: message.type, handledTypes: [...handledTypes] }
    const committed = await this.#batcher.add({
      settlement: { id: message.id, owner, status: 'unhandled', nextAttemptAt: null, attempted: false, at },
      afterCommit: () => this.#deps.emit('inbound.unhandled', event),
    })
    return committed ? 'unhandled' : 'handed_back'
  }

  async #handBack(message: InboundMessageRecord, owner: string): Promise<InboundOutcome> {
    const at = new Date(this.#deps.now())
    await this.#batcher.add({
      settlement: { id: message.id, owner, status: 'pending', nextAttemptAt: at, attempted: false, at },
      afterCommit: () => this.#deps.onDue?.(at.getTime()),
    })
    return 'handed_back'
  }
}

function describeErrors(errors: readonly unknown[]): string {
  const text = errors
    .map((error) => (error instanceof Error ? `${error.name}: ${error.message}` : `Thrown: ${String(error)}`))
    .join('; ')
  return text.length > MAX_ERROR_LENGTH ? `${text.slice(0, MAX_ERROR_LENGTH - 1)}…` : text
}
