import { attemptRequestHeaders } from './admin/attempt-headers.js'
import { sweepEndpointHealth, type EndpointHealthDeps } from './admin/endpoint-health.js'
import { recoverEndpoint } from './admin/recover.js'
import { resendMessage, type ResendOptions, type ResendResult } from './admin/resend.js'
import { PeriodicTask } from './admin/periodic.js'
import { endpointStats } from './admin/stats.js'
import { type Emit, toError } from './core/emitter.js'
import type { CircuitStateProvider, PurgeOptions } from './core/operations.js'
import { NotFoundError } from './core/errors.js'
import type { AttemptRecord, DeliveryRecord, MessageRecord } from './core/types.js'
import type { EndpointOperations } from './outbound/endpoints.js'
import type { ResolvedRelayOptions } from './relay-options.js'
import type { AttemptFilter, DeliveryFilter, Page, Storage } from './storage/storage.js'

/**
 * The read and operator surfaces `Relay` exposes (`relay.messages`, `relay.deliveries`,
 * `relay.attempts`, the endpoint operations), wired to the relay's storage and clock.
 */

/** A message with its parsed data and its deliveries, as `relay.messages.get` returns it. */
export interface MessageWithDeliveries extends MessageRecord {
  data: unknown
  deliveries: DeliveryRecord[]
}

/** Options of `relay.start()`. */
export interface StartOptions {
  /** Run delivery workers in this process. `false` makes a producer that only sends. @default true */
  workers?: boolean
  /** Run `migrate()` first. @default true */
  migrate?: boolean
}

/** `relay.messages`: messages sent. */
export interface MessageOperations {
  /** One message by id, with its parsed data and its deliveries. */
  get(id: string): Promise<MessageWithDeliveries>
  /**
   * Sends a message again: one new delivery per endpoint, due now, with the same `webhook-id` and
   * body (attempts recorded as `manual`). `endpointIds` defaults to the endpoints it was delivered
   * to. Throws `DELIVERY_IN_PROGRESS` for an endpoint it is still pending or in flight to.
   *
   * @example await relay.messages.resend('msg_01J…', { endpointIds: ['ep_01J…'] }) // { messageId, deliveryIds }
   */
  resend(id: string, options?: ResendOptions): Promise<ResendResult>
}

/** `relay.deliveries`: one message to one endpoint. */
export interface DeliveryOperations {
  /** One delivery by id. */
  get(id: string): Promise<DeliveryRecord>
  /** Deliveries matching `filter` (status, endpoint, message, tenant, type, time), newest first. */
  list(filter?: DeliveryFilter): Promise<Page<DeliveryRecord>>
}

/** `relay.attempts`: the attempt log. */
export interface AttemptOperations {
  /** Attempts matching `filter` (delivery, message, endpoint), newest first. */
  list(filter?: AttemptFilter): Promise<Page<AttemptRecord>>
  /**
   * The request headers `attempt` was sent with, for display: the signature and the endpoint's
   * custom header values read `REDACTED`. Rebuilt from the endpoint as it is now; `null` when the
   * message or endpoint is gone.
   * @example const headers = await relay.attempts.requestHeaders(attempt) // { 'webhook-id': 'msg_…', 'webhook-signature': '[redacted]', … }
   */
  requestHeaders(attempt: Pick<AttemptRecord, 'messageId' | 'endpointId' | 'startedAt'>): Promise<Record<string, string> | null>
}

/** What the relay's operations need from it. */
export interface RelayOperationsContext {
  storage: Storage
  now: () => number
  /** Wakes the workers for deliveries a replay or recovery made due at `dueAt`. */
  notify: (deliveryIds: readonly string[], dueAt: Date) => void
}

/** `relay.messages`; `assertUsable` throws once the relay is stopped (checked before a resend). */
export function messageOperations(ctx: RelayOperationsContext, assertUsable: () => void): MessageOperations {
  const { storage, now, notify } = ctx
  return {
    async get(id) {
      const message = await storage.getMessage(id)
      if (!message) throw new NotFoundError('Message', id)
      const deliveries = await storage.listDeliveries({ messageId: id, limit: 1000 })
      return { ...message, data: (JSON.parse(message.payload) as { data: unknown }).data, deliveries: deliveries.data }
    },
    resend: (id, resendOptions) => {
      assertUsable()
      return resendMessage({ storage, now, notify }, id, resendOptions)
    },
  }
}

/** `relay.deliveries`. */
export function deliveryOperations(storage: Storage): DeliveryOperations {
  return {
    async get(id) {
      const delivery = await storage.getDelivery(id)
      if (!delivery) throw new NotFoundError('Delivery', id)
      return delivery
    },
    list: (filter = {}) => storage.listDeliveries(filter),
  }
}

/** `relay.attempts`. */
export function attemptOperations(storage: Storage, options: Pick<ResolvedRelayOptions, 'signing' | 'delivery'>): AttemptOperations {
  return {
    list: (filter = {}) => storage.listAttempts(filter),
    requestHeaders: (attempt) => attemptRequestHeaders({ storage, options }, attempt),
  }
}

/** The operator side of `relay.endpoints`: recovery, stats and the health sweep. */
export function endpointOperations(
  ctx: RelayOperationsContext & {
    circuitState: CircuitStateProvider
    health: Omit<EndpointHealthDeps, 'storage' | 'now'>
  },
): EndpointOperations {
  const { storage, now, notify, circuitState } = ctx
  return {
    recover: (id, opts) => recoverEndpoint({ storage, now, notify }, id, opts),
    stats: (id, opts) => endpointStats({ storage, now, circuitState }, id, opts),
    sweepHealth: () => sweepEndpointHealth({ storage, now, ...ctx.health }),
  }
}

/** Starts endpoint health sweeps and scheduled retention, on the workers of this process; returns the tasks. */
export function startHousekeeping(deps: {
  options: ResolvedRelayOptions
  sweepHealth: () => Promise<unknown>
  purge: (options: PurgeOptions) => Promise<unknown>
  emit: Emit
}): PeriodicTask[] {
  const tasks: PeriodicTask[] = []
  const report = (context: string) => (error: unknown) =>
    deps.emit('error', { error: toError(error), context })
  const { endpointHealth, retention } = deps.options
  if (endpointHealth.disableAfterMs !== null) {
    const sweep = new PeriodicTask(() => deps.sweepHealth(), endpointHealth.checkIntervalMs, report('endpointHealth'))
    sweep.start()
    tasks.push(sweep)
  }
  if (retention) {
    const task = new PeriodicTask(
      () => deps.purge({ olderThan: retention.olderThanMs, batchSize: retention.batchSize }),
      retention.intervalMs,
      report('retention'),
    )
    task.start(Math.min(retention.intervalMs, 60_000))
    tasks.push(task)
  }
  return tasks
}
