import { z } from 'zod'
import { type Duration } from '../core/duration.js'
import { EVENT_FILTER_PATTERN } from '../core/event-type.js'
import { parseFilter } from '../core/filters/parse-filter.js'
import type { PayloadFilter } from '../core/filters/payload-filter.js'
import { DURATION_HINT, durationCheck } from '../core/validation.js'

// Headers the relay sets itself; an endpoint's custom headers may not replace them.
const RESERVED_HEADERS = new Set([
  'host', 'content-length', 'content-type', 'transfer-encoding', 'connection', 'user-agent',
  'webhook-id', 'webhook-timestamp', 'webhook-signature', 'stripe-signature', 'x-hub-signature-256', 'traceparent',
])

const duration = z.custom<Duration>(durationCheck, { message: DURATION_HINT })

const url = z
  .string()
  .max(2048)
  .refine((value) => {
    try {
      const parsed = new URL(value)
      return (parsed.protocol === 'http:' || parsed.protocol === 'https:') && parsed.hostname !== ''
    } catch {
      return false
    }
  }, 'must be an absolute http:// or https:// URL')
  .refine((value) => {
    try {
      const parsed = new URL(value)
      return parsed.username === '' && parsed.password === ''
    } catch {
      return true
    }
  }, 'must not contain credentials; put them in headers instead')

const headers = z
  .record(z.string().regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/, 'is not a valid header name'), z.string().max(4096))
  .refine(
    (h) => Object.keys(h).every((name) => !RESERVED_HEADERS.has(name.toLowerCase())),
    { message: `may not set ${[...RESERVED_HEADERS].join(', ')}: hookrelay sets them` },
  )

const channel = z.string().regex(/^[A-Za-z0-9_.:-]{1,128}$/, 'channels use letters, digits and _ . : - (at most 128)')

/** The fields an endpoint is created with. */
export interface EndpointInput {
  /**
   * Your own id of the endpoint, unique per tenant (endpoints without a tenant count as one
   * tenant): creating an endpoint with a uid its tenant already has returns the existing one
   * unchanged (`created: false`), so registering at every start keeps one endpoint and one secret.
   * Letters, digits and `_ . : -`, at most 128. `endpoints.get(uid)` finds it.
   * @default none
   * @example uid: 'customer-42'
   */
  uid?: string
  /** Where deliveries are POSTed. http(s) only; non-public addresses are refused unless the relay allows them. */
  url: string
  /** Event types to receive: exact names, `'order.*'` wildcards or `'*'`. @default every type */
  eventTypes?: string[] | undefined
  /** Only messages sent to one of these channels reach the endpoint. @default every channel */
  channels?: string[] | undefined
  /** The tenant (your customer) the endpoint belongs to; messages are routed within a tenant. */
  tenant?: string | null | undefined
  description?: string | null | undefined
  /** The signing secret. @default a new `whsec_` secret */
  secret?: string | undefined
  /** Extra headers sent with every delivery (not the signature or content headers). */
  headers?: Record<string, string> | undefined
  /** Your data, stored and returned as is. */
  metadata?: Record<string, unknown> | undefined
  /**
   * This endpoint's retry schedule instead of the relay's, and schedules for some event types
   * (exact or `prefix.*`) that beat it. Precedence: this `byType`, this `schedule`, the relay's
   * `retry.byType`, the relay's `retry.schedule`.
   * @default the relay's
   * @example retry: { schedule: ['1m', '1h'], byType: { 'invoice.paid': ['10s', '1m', '10m'] } }
   */
  retry?: EndpointRetryInput | null | undefined
  /** Create it disabled. @default false */
  disabled?: boolean | undefined
  /**
   * At most `max` requests per `per` to this endpoint, across all workers sharing a queue driver.
   * Requests over the limit are deferred, not failed. @example { max: 50, per: '1s' }
   */
  rateLimit?: { max: number; per: Duration } | null | undefined
  /** At most this many attempts in flight to the endpoint at once, per process. @default unlimited */
  maxConcurrency?: number | null | undefined
  /**
   * `'fifo'` delivers messages one at a time in the order they were sent: the next waits until the
   * previous one succeeded or was dead-lettered. @default 'none'
   */
  ordering?: 'none' | 'fifo' | undefined
  /** Circuit-breaker settings for this endpoint instead of the relay's. */
  circuitBreaker?: CircuitBreakerInput | null | undefined
  /**
   * Only messages whose payload (`{ type, timestamp, data }`) matches this filter are routed to
   * the endpoint (explicit `endpointIds` bypass it). See docs/sending.md for the syntax.
   * @default null (every message that matches `eventTypes` and `channels`)
   * @example { 'data.amount': { $gte: 100 }, 'data.currency': { $in: ['EUR', 'USD'] } }
   */
  filter?: PayloadFilter | null | undefined
}

/** An endpoint's retry schedules, as `create` and `update` take them (one of the two at least). */
export interface EndpointRetryInput {
  /** Delays between attempts for every type; attempts = length + 1. @example ['1m', '1h'] */
  schedule?: Duration[] | undefined
  /** Delays by event type (exact or `prefix.*`). @example { 'invoice.*': ['10s', '1m'] } */
  byType?: Record<string, Duration[]> | undefined
}

/** Circuit-breaker settings, as options take them. */
export interface CircuitBreakerInput {
  /** Turn the breaker off. @default true */
  enabled?: boolean | undefined
  /** Open when more than this percentage of attempts in the window failed. @default 50 */
  errorThresholdPercentage?: number | undefined
  /** Minimum attempts in the window before the circuit can open. @default 10 */
  volumeThreshold?: number | undefined
  /** The rolling window. @default '60s' */
  window?: Duration | undefined
  /** How long the circuit stays open before one probe goes through. @default '30s' */
  resetTimeout?: Duration | undefined
}

/**
 * The fields that can be changed with `endpoints.update`; `null` clears an optional field (a uid
 * as well: `uid: null`).
 */
export type EndpointUpdate = Partial<Omit<EndpointInput, 'secret' | 'disabled' | 'uid'>> & { uid?: string | null }

/** A payload filter, checked by `parseFilter`: each problem is reported at its own path. */
const filter = z.custom<PayloadFilter>().superRefine((value, ctx) => {
  for (const issue of parseFilter(value).issues) ctx.addIssue({ code: 'custom', path: [...issue.path], message: issue.message })
})

export const circuitBreakerSchema = z.strictObject({
  enabled: z.boolean().optional(),
  errorThresholdPercentage: z.number().min(1).max(100).optional(),
  volumeThreshold: z.number().int().min(1).max(100_000).optional(),
  window: duration.optional(),
  resetTimeout: duration.optional(),
})

const uid = z.string().regex(/^[A-Za-z0-9_.:-]{1,128}$/, 'uids use letters, digits and _ . : - (1 to 128)')

export const endpointInputSchema = z.strictObject({
  uid: uid.optional(),
  url,
  eventTypes: z.array(z.string().regex(EVENT_FILTER_PATTERN, "must be an event type, a 'prefix.*' wildcard or '*'")).max(256).optional(),
  channels: z.array(channel).max(64).optional(),
  tenant: z.string().min(1).max(256).nullable().optional(),
  description: z.string().max(1024).nullable().optional(),
  secret: z.string().min(16, 'must be at least 16 characters (use generateSecret())').max(512).optional(),
  headers: headers.optional(),
  metadata: z.record(z.string(), z.unknown()).optional(),
  retry: z
    .strictObject({
      schedule: z.array(duration).max(50).optional(),
      byType: z
        .record(z.string().regex(EVENT_FILTER_PATTERN, "keys must be event types or 'prefix.*' wildcards"), z.array(duration).max(50))
        .refine((byType) => Object.keys(byType).length <= 256, 'at most 256 event types')
        .optional(),
    })
    .refine((retry) => retry.schedule !== undefined || retry.byType !== undefined, 'give schedule, byType or both (null for the relay’s)')
    .nullable()
    .optional(),
  disabled: z.boolean().optional(),
  rateLimit: z.strictObject({ max: z.number().int().positive(), per: duration }).nullable().optional(),
  maxConcurrency: z.number().int().positive().max(10_000).nullable().optional(),
  ordering: z.enum(['none', 'fifo']).optional(),
  circuitBreaker: circuitBreakerSchema.nullable().optional(),
  filter: filter.nullable().optional(),
})

export const endpointUpdateSchema = endpointInputSchema
  .omit({ secret: true, disabled: true, uid: true })
  .extend({ uid: uid.nullable() })
  .partial()

/** `endpoints.upsert` takes the fields of `create`, and a uid is required: it names the endpoint. */
export const endpointUpsertSchema = endpointInputSchema.extend({ uid })
