import { z } from 'zod'
import { isEventCatalog, type EventCatalog } from './catalog/define-events.js'
import { assertKnownFilters } from './catalog/validate-payload.js'
import { toMilliseconds, type Duration } from './core/duration.js'
import { EVENT_FILTER_PATTERN } from './core/event-type.js'
import type { RelayLogger } from './core/error-logger.js'
import { ValidationError } from './core/errors.js'
import type { CircuitBreakerSettings, SigningScheme } from './core/types.js'
import { circuitBreakerSchema, type CircuitBreakerInput } from './outbound/endpoint-input.js'
import { inboundOptionsSchema, resolveInboundLimits, type InboundLimits, type InboundRelayOptions } from './inbound/inbound-settings.js'
import { DURATION_HINT, durationCheck, parseOrThrow } from './core/validation.js'
import type { Storage } from './storage/storage.js'
import type { QueueDriver } from './queue/queue-driver.js'
import type { OpenTelemetryOption } from './telemetry/telemetry-options.js'
import {
  DEFAULT_NOTIFY_AT,
  notifyAtSchema,
  OPERATIONAL_EVENT_TYPES,
  operationalWebhookSchema,
  type OperationalWebhookOptions,
} from './outbound/operational-webhook-options.js'

import type { RelayOptions } from './relay-options.js'

/**
 * The least time a lease must outlast `delivery.timeout`: an attempt ends at its deadline, then its
 * outcome is written; both must happen before the lease expires and another worker may claim it.
 */
export const LEASE_MARGIN_MS = 500

export const DEFAULT_RETRY_SCHEDULE: readonly Duration[] = ['5s', '5m', '30m', '2h', '5h', '10h', '10h']
export const VERSION = '0.1.0'

const duration = z.custom<Duration>(durationCheck, { message: DURATION_HINT })
const positiveInt = z.number().int().positive()

const schema = z
  .object({
    storage: z.custom<Storage>((v) => typeof v === 'object' && v !== null && 'claimDeliveries' in v, {
      message: 'must be a storage such as sqliteStorage() or postgresStorage()',
    }),
    queue: z.custom<QueueDriver>((v) => typeof v === 'object' && v !== null && 'start' in v && 'notify' in v, {
      message: 'must be a queue driver such as storagePolling() or redisQueue()',
    }),
    signing: z.strictObject({
      scheme: z.enum(['standard', 'stripe', 'github']).optional(),
      headerName: z.string().regex(/^[A-Za-z0-9-]+$/).optional(),
    }),
    events: z.custom<EventCatalog>(isEventCatalog, { message: "must be a catalog made by defineEvents({ 'order.created': { schema } })" }),
    retry: z.strictObject({
      schedule: z.array(duration).max(50).optional(),
      byType: z
        .record(z.string().regex(EVENT_FILTER_PATTERN, "keys must be event types or 'prefix.*' wildcards"), z.array(duration).max(50))
        .optional(),
      jitter: z.number().min(0).max(1).optional(),
      permanentStatuses: z.array(z.number().int().min(100).max(599)).optional(),
      maxRetryAfter: duration.optional(),
    }),
    circuitBreaker: circuitBreakerSchema,
    delivery: z.strictObject({
      timeout: duration.optional(),
      concurrency: positiveInt.max(10_000).optional(),
      batchSize: positiveInt.max(1_000).optional(),
      pollInterval: duration.optional(),
      lease: duration.optional(),
      maxResponseBodyBytes: z.number().int().min(0).max(1_048_576).optional(),
      userAgent: z.string().min(1).optional(),
    }),
    inbound: inboundOptionsSchema,
    limits: z.strictObject({ maxPayloadBytes: positiveInt.optional() }),
    network: z.strictObject({
      allowPrivate: z.boolean().optional(),
      allowCidrs: z.array(z.string()).optional(),
    }),
    endpointHealth: z.strictObject({
      disableAfter: z.union([duration, z.literal(false)]).optional(),
      checkInterval: duration.optional(),
      notifyAt: notifyAtSchema.optional(),
    }),
    operationalWebhook: operationalWebhookSchema,
    openTelemetry: z.union([
      z.boolean(),
      z.strictObject({ tracerProvider: z.custom<object>((v) => typeof v === 'object' && v !== null).optional(), meterProvider: z.custom<object>((v) => typeof v === 'object' && v !== null).optional() }),
    ]),
    retention: z.union([
      z.literal(false),
      z.strictObject({
        olderThan: duration,
        interval: duration.optional(),
        batchSize: positiveInt.max(1_000).optional(),
      }),
    ]),
    stopTimeout: duration,
    now: z.custom<() => number>((v) => typeof v === 'function', { message: 'must be a function returning ms' }),
    logger: z.custom<RelayLogger | false>(
      (v) => v === false || (typeof v === 'object' && v !== null && typeof (v as { error?: unknown }).error === 'function'),
      { message: 'must be an object with an error() method (console, pino, winston), or false to silence it' },
    ),
  })
  .partial()
  .strict()

/** Options with every default applied and every duration in milliseconds. Frozen. */
export interface ResolvedRelayOptions {
  signing: { scheme: SigningScheme; headerName: string }
  retry: { schedule: number[]; byType: Record<string, number[]>; jitter: number; permanentStatuses: number[]; maxRetryAfterMs: number }
  circuitBreaker: Required<CircuitBreakerSettings>
  delivery: {
    timeoutMs: number
    concurrency: number
    batchSize: number
    pollIntervalMs: number
    leaseMs: number
    maxResponseBodyBytes: number
    userAgent: string
  }
  /** The `inbound` section; what it leaves out is taken from `delivery`. */
  inbound: InboundLimits
  limits: { maxPayloadBytes: number }
  network: { allowPrivate: boolean; allowCidrs: string[] }
  /** `disableAfterMs: null`: never disable. */
  endpointHealth: { disableAfterMs: number | null; checkIntervalMs: number; notifyAtPercent: readonly number[] }
  operationalWebhook: Required<OperationalWebhookOptions> | null
  openTelemetry: OpenTelemetryOption
  /** `null`: no scheduled purge. */
  retention: { olderThanMs: number; intervalMs: number; batchSize: number } | null
  stopTimeoutMs: number
  /** The event catalog, if one was given. */
  events: EventCatalog | undefined
  now: () => number
  /** `false`: silent; `undefined`: console. */
  logger: RelayLogger | false | undefined
}

/** Validates user options (throwing a `ValidationError` that lists every problem) and applies defaults. */
export function resolveRelayOptions(input: RelayOptions | undefined): ResolvedRelayOptions {
  const o = parseOrThrow(schema, input ?? {}, 'createRelay() options')
  if (o.events && o.retry?.byType) assertKnownFilters(o.events, Object.keys(o.retry.byType), 'retry.byType', ['retry', 'byType'])
  const timeoutMs = toMilliseconds(o.delivery?.timeout ?? '15s', 'delivery.timeout')
  const leaseMs = toMilliseconds(o.delivery?.lease ?? timeoutMs + 30_000, 'delivery.lease')
  if (leaseMs < timeoutMs + LEASE_MARGIN_MS) {
    throw new ValidationError(
      `delivery.lease (${leaseMs} ms) must exceed delivery.timeout (${timeoutMs} ms) by at least ${LEASE_MARGIN_MS} ms; ` +
        'otherwise a lease could expire while its attempt is still running and the delivery would be sent twice.',
      [{ path: ['delivery', 'lease'], message: `must be at least delivery.timeout + ${LEASE_MARGIN_MS} ms` }],
    )
  }
  const delivery = {
    timeoutMs,
    concurrency: o.delivery?.concurrency ?? 64,
    batchSize: o.delivery?.batchSize ?? 50,
    pollIntervalMs: toMilliseconds(o.delivery?.pollInterval ?? '1s', 'delivery.pollInterval'),
    leaseMs,
    maxResponseBodyBytes: o.delivery?.maxResponseBodyBytes ?? 4096,
    userAgent: o.delivery?.userAgent ?? `hookrelay/${VERSION}`,
  }
  return Object.freeze({
    signing: { scheme: o.signing?.scheme ?? 'standard', headerName: (o.signing?.headerName ?? 'stripe-signature').toLowerCase() },
    retry: {
      schedule: (o.retry?.schedule ?? DEFAULT_RETRY_SCHEDULE).map((d, i) => toMilliseconds(d, `retry.schedule[${i}]`)),
      byType: Object.fromEntries(
        Object.entries(o.retry?.byType ?? {}).map(([type, s]) => [type, s.map((d, i) => toMilliseconds(d, `retry.byType.${type}[${i}]`))]),
      ),
      jitter: o.retry?.jitter ?? 0.2,
      permanentStatuses: o.retry?.permanentStatuses ?? [],
      maxRetryAfterMs: toMilliseconds(o.retry?.maxRetryAfter ?? '1h', 'retry.maxRetryAfter'),
    },
    circuitBreaker: {
      enabled: o.circuitBreaker?.enabled ?? true,
      errorThresholdPercentage: o.circuitBreaker?.errorThresholdPercentage ?? 50,
      volumeThreshold: o.circuitBreaker?.volumeThreshold ?? 10,
      windowMs: toMilliseconds(o.circuitBreaker?.window ?? '60s', 'circuitBreaker.window'),
      resetTimeoutMs: toMilliseconds(o.circuitBreaker?.resetTimeout ?? '30s', 'circuitBreaker.resetTimeout'),
    },
    delivery,
    inbound: resolveInboundLimits(o.inbound, delivery),
    limits: { maxPayloadBytes: o.limits?.maxPayloadBytes ?? 1_048_576 },
    network: { allowPrivate: o.network?.allowPrivate ?? false, allowCidrs: o.network?.allowCidrs ?? [] },
    endpointHealth: {
      disableAfterMs:
        o.endpointHealth?.disableAfter === false
          ? null
          : toMilliseconds(o.endpointHealth?.disableAfter ?? '5d', 'endpointHealth.disableAfter'),
      checkIntervalMs: Math.max(1, toMilliseconds(o.endpointHealth?.checkInterval ?? '1m', 'endpointHealth.checkInterval')),
      notifyAtPercent: [...new Set(o.endpointHealth?.notifyAt ?? DEFAULT_NOTIFY_AT)].sort((a, b) => a - b),
    },
    operationalWebhook: o.operationalWebhook
      ? { ...o.operationalWebhook, events: o.operationalWebhook.events ?? [...OPERATIONAL_EVENT_TYPES] }
      : null,
    openTelemetry: o.openTelemetry ?? false,
    retention: o.retention
      ? {
          olderThanMs: toMilliseconds(o.retention.olderThan, 'retention.olderThan'),
          intervalMs: Math.max(1, toMilliseconds(o.retention.interval ?? '1h', 'retention.interval')),
          batchSize: o.retention.batchSize ?? 500,
        }
      : null,
    stopTimeoutMs: toMilliseconds(o.stopTimeout ?? '10s', 'stopTimeout'),
    events: o.events,
    now: o.now ?? Date.now,
    logger: o.logger,
  })
}
