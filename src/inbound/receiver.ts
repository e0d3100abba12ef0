import type { Emit } from '../core/emitter.js'
import { ValidationError } from '../core/errors.js'
import { newId } from '../core/ids.js'
import type { InboundMessageRecord, SigningScheme } from '../core/types.js'
import type { Storage } from '../storage/storage.js'
import type { InboundHandler } from './handler.js'
import type { InboundHandlerType, NoExplicitData, TypedInboundHandler, UntypedEvents } from './typed-events.js'
import type { HandlerSource, InboundProcessor } from './inbound-processor.js'
import type { IntakeBatcher } from './intake-batcher.js'
import { check } from './check-chain.js'
import { DUPLICATE, inlineResponse, RECEIVED, respond, type Refusal, type ReceiverResponse } from './receiver-answers.js'
import { checkHeaders, checkJson, checkMediaType, checkShape, checkSize, type ReceiverRequest } from './receiver-checks.js'
import type { ReceiverMode, ResolvedReceiverOptions } from './receiver-options.js'
import { checkIdentity, checkSignature, MAX_ID_LENGTH } from './receiver-verification.js'
import { keptHeaders } from './request-headers.js'

export type { ReceiverRequest } from './receiver-checks.js'
export type { ReceiverResponse } from './receiver-answers.js'

/** What a receiver needs from its relay. */
export interface ReceiverDeps {
  storage: Storage
  /** Durable-mode inserts: requests arriving together share one transaction. */
  intake: IntakeBatcher
  emit: Emit
  now: () => number
  processor: InboundProcessor
  /** The lease owner of inline runs in this process. */
  owner: string
  leaseMs: number
  /** A message was stored or a handler registered: workers in this process should look now. */
  wake(): void
}

/**
 * Takes webhooks in: verifies each request, refuses replays, stores each webhook once per sender
 * id, answers at once, and runs the handlers registered with {@link Receiver.on} durably. Create
 * one with `relay.receiver(options)`; mount it with an adapter (`hookrelay/express`,
 * `hookrelay/fastify`, `hookrelay/node`, `hookrelay/fetch`) or call {@link Receiver.handle}.
 */
export class Receiver<Events extends object = UntypedEvents> implements HandlerSource {
  /** The receiver's name: the `source` of the messages it stores. */
  readonly name: string
  readonly scheme: SigningScheme
  readonly mode: ReceiverMode
  /** Bodies above this many bytes are answered 413; adapters stop reading past it. */
  readonly maxBodyBytes: number
  /** @internal The handler retry schedule, in ms. */
  readonly retry: ResolvedReceiverOptions['retry']

  readonly #options: ResolvedReceiverOptions
  readonly #deps: ReceiverDeps
  readonly #handlers = new Map<string, InboundHandler[]>()
  readonly #signatureHeader: string
  /** Inline runs in progress in this process, by sender id: concurrent duplicates share one. */
  readonly #inline = new Map<string, Promise<{ id: string; type: string; response: ReceiverResponse }>>()

  constructor(options: ResolvedReceiverOptions, deps: ReceiverDeps) {
    this.#options = options
    this.#deps = deps
    this.name = options.name
    this.scheme = options.scheme
    this.mode = options.mode
    this.maxBodyBytes = options.maxBodyBytes
    this.retry = options.retry
    this.#signatureHeader =
      options.scheme === 'standard' ? 'webhook-signature' : options.scheme === 'github' ? 'x-hub-signature-256' : (options.headerName ?? 'stripe-signature').toLowerCase()
  }

  /**
   * Registers a handler for an event type (exact, e.g. `'invoice.paid'` or `'issues.opened'`)
   * or for every type (`'*'`). Several handlers of one message all run, in registration order;
   * if any throws, the message is retried as a whole, so handlers must be idempotent. A webhook
   * whose type no handler matches is stored `unhandled` (see the `inbound.unhandled` event).
   *
   * With an event map (`relay.receiver<Events>()`), `type` must be one of its types (or `'*'`) and
   * `event.data` is typed from it; without one, `on<Data>(type, …)` types `data` by hand.
   *
   * @example
   * stripe.on('invoice.paid', async (event, ctx) => {
   *   await markPaid(event.data.object.id, { dedupeKey: ctx.webhookId })
   * })
   */
  on<Data = NoExplicitData, K extends InboundHandlerType<Events> = InboundHandlerType<Events>>(
    type: K,
    handler: TypedInboundHandler<Events, K, Data>,
  ): this {
    if (typeof type !== 'string' || type === '' || type.length > MAX_ID_LENGTH) {
      throw new ValidationError(`receiver.on(): type must be an event type such as 'invoice.paid', or '*' for every type; got ${JSON.stringify(type)}.`, [
        { path: ['type'], message: 'must be a non-empty string' },
      ])
    }
    if (typeof handler !== 'function') {
      throw new ValidationError('receiver.on(): handler must be a function (event, ctx) => Promise<void> | void.', [
        { path: ['handler'], message: 'must be a function' },
      ])
    }
    const list = this.#handlers.get(type) ?? []
    list.push(handler as InboundHandler)
    this.#handlers.set(type, list)
    this.#deps.wake() // messages stored before the first handler may be due now
    return this
  }

  /** True once at least one handler is registered; workers only claim messages of such receivers. */
  get hasHandlers(): boolean {
    return this.#handlers.size > 0
  }

  /** The types that have handlers (`'*'` included), in registration order. */
  get handledTypes(): readonly string[] {
    return [...this.#handlers.keys()]
  }

  /** The handlers that run for `type`: exact ones, then `'*'` ones, each in registration order. */
  handlersFor(type: string): readonly InboundHandler[] {
    const exact = this.#handlers.get(type) ?? []
    const any = type === '*' ? [] : (this.#handlers.get('*') ?? [])
    return exact.length === 0 ? any : any.length === 0 ? exact : [...exact, ...any]
  }

  /**
   * Handles one webhook request, framework-neutral. In order: the size limit (413), the content
   * type (415), required headers (400), signature and timestamp (401: the answer never says which
   * check failed, the `inbound.rejected` event does), JSON (400), then one idempotent insert keyed
   * by (receiver, sender's webhook id), and a 200 at once (`mode: 'inline'`: after the handlers).
   * Nothing is stored for a refused request. Never rejects.
   */
  async handle(request: ReceiverRequest): Promise<ReceiverResponse> {
    try {
      return await this.#handle(request)
    } catch (error) {
      this.#deps.emit('error', { error: error as Error, context: `receiver ${this.name}` })
      return respond(500, { error: 'internal_error' })
    }
  }

  async #handle(request: ReceiverRequest): Promise<ReceiverResponse> {
    const o = this.#options
    const { refusal, value: webhook } = check(request)
      .then(checkShape)
      .then((r) => checkSize(r, o.maxBodyBytes))
      .then(checkMediaType)
      .then((r) => checkHeaders(r, o))
      .then((r) => checkSignature(r, o))
      .then(checkJson)
      .then((r) => checkIdentity(r, o)).verdict
    if (refusal) return this.#refuse(refusal)
    const { webhookId, type, text, headers } = webhook

    const receivedAt = this.#deps.now()
    const message: InboundMessageRecord = {
      id: newId('in', receivedAt),
      source: this.name,
      webhookId,
      type,
      payload: text,
      headers: keptHeaders(headers, this.#signatureHeader),
      status: 'pending',
      attempts: 0,
      nextAttemptAt: new Date(receivedAt),
      leaseOwner: null,
      lastError: null,
      deadReason: null,
      receivedAt: new Date(receivedAt),
      updatedAt: new Date(receivedAt),
      processedAt: null,
    }
    return this.mode === 'inline' ? this.#acceptInline(message) : this.#acceptDurable(message)
  }

  /** Durable mode: one (batched) insert, then 200; the workers run the handlers. */
  async #acceptDurable(message: InboundMessageRecord): Promise<ReceiverResponse> {
    const result = await this.#deps.intake.insert(message)
    const { emit } = this.#deps
    if (result.inserted) {
      emit('inbound.accepted', { id: message.id, source: this.name, webhookId: message.webhookId, type: message.type })
      // Workers claim only for receivers with handlers, and `on()` wakes them: without one, a
      // wake-up per webhook would only spin their loop.
      if (this.hasHandlers) this.#deps.wake()
      return respond(200, RECEIVED)
    }
    const existing = result.existing
    emit('inbound.duplicate', { id: existing.id, source: this.name, webhookId: existing.webhookId, type: existing.type })
    return respond(200, DUPLICATE)
  }

  /** Inline mode: duplicates arriving while the first copy runs in this process share its answer. */
  async #acceptInline(message: InboundMessageRecord): Promise<ReceiverResponse> {
    const running = this.#inline.get(message.webhookId)
    if (running) {
      const first = await running
      this.#deps.emit('inbound.duplicate', { id: first.id, source: this.name, webhookId: message.webhookId, type: first.type })
      return first.response.status === 200 ? respond(200, DUPLICATE) : first.response
    }
    const run = this.#runInline(message).finally(() => this.#inline.delete(message.webhookId))
    this.#inline.set(message.webhookId, run)
    return (await run).response
  }

  /**
   * Stores the message already leased to this process (so a crash mid-run leaves a record a worker
   * takes over once the lease expires), runs the handlers, settles, and answers by the outcome.
   * A copy of a message that is not processed yet (an earlier run failed and the sender retries)
   * takes the message's lease and runs the handlers again: the sender drives the retries.
   */
  async #runInline(message: InboundMessageRecord): Promise<{ id: string; type: string; response: ReceiverResponse }> {
    const { storage, processor, emit, owner, leaseMs } = this.#deps
    const leased: InboundMessageRecord = {
      ...message,
      status: 'processing',
      leaseOwner: owner,
      nextAttemptAt: new Date(message.receivedAt.getTime() + leaseMs),
    }
    const result = await storage.insertInboundMessage(leased)
    if (result.inserted) {
      emit('inbound.accepted', { id: message.id, source: this.name, webhookId: message.webhookId, type: message.type })
      return { id: message.id, type: message.type, response: inlineResponse(await processor.process(leased, owner), false) }
    }

    const existing = result.existing
    emit('inbound.duplicate', { id: existing.id, source: this.name, webhookId: existing.webhookId, type: existing.type })
    const done = { id: existing.id, type: existing.type }
    if (existing.status !== 'pending' && existing.status !== 'processing') {
      return { ...done, response: respond(200, DUPLICATE) }
    }
    const running = processor.running(existing.id) ?? (await this.#takeLease(existing).then((m) => m && processor.process(m, owner)))
    if (running) return { ...done, response: inlineResponse(await running, true) }
    // Leased to another process that is running the handlers right now: ask the sender to come back.
    return {
      ...done,
      response: respond(409, { error: 'in_progress', message: 'This webhook is being processed; retry later.' }, { 'retry-after': '5' }),
    }
  }

  /**
   * Takes the lease of one stored message that is not leased (or whose lease expired): the sender
   * retried, so a scheduled retry is brought forward to now and the message is claimed by id.
   */
  async #takeLease(existing: InboundMessageRecord): Promise<InboundMessageRecord | undefined> {
    const { storage, owner, leaseMs } = this.#deps
    const now = new Date(this.#deps.now())
    if (existing.status === 'processing' && existing.nextAttemptAt && existing.nextAttemptAt > now) return undefined
    if (existing.status === 'pending') await storage.requeueInboundMessages([existing.id], ['pending'], now)
    const [mine] = await storage.claimInboundMessages({ owner, limit: 1, leaseMs, now, ids: [existing.id] })
    return mine
  }

  #refuse(refusal: Refusal): ReceiverResponse {
    this.#deps.emit('inbound.rejected', {
      source: this.name,
      webhookId: refusal.webhookId ?? null,
      type: null,
      status: refusal.status,
      reason: refusal.reason,
    })
    return respond(refusal.status, refusal.body, refusal.headers)
  }
}
