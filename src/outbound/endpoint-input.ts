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
  /** Where deliveries are POSTed. http(s) only; non-public addresses are refused unless the relay allows them. */
  url: string
  /** Event types to receive: exact names, `'order.*'` wildcards or `'*'`. @default every type */
  eventTypes?: string[]
  /** Only messages sent to one of these channels reach the endpoint. @default every channel */
  channels?: string[]
  /** The tenant (your customer) the endpoint belongs to; messages are routed within a tenant. */
  tenant?: string | null
  description?: string | null
  /** The signing secret. @default a new `whsec_` secret */
  secret?: string
  /** Extra headers sent with every delivery (not the signature or content headers). */
  headers?: Record<string, string>
  /** Your data, stored and returned as is. */
  metadata?: Record<string, unknown>
  /** This endpoint's retry schedule instead of the relay's, e.g. `{ schedule: ['1m', '1h'] }`. */
  retry?: { schedule: Duration[] } | null
  /** Create it disabled. @default false */
  disabled?: boolean
  /**
   * At most `max` requests per `per` to this endpoint, across all workers sharing a queue driver.
   * Requests over the limit are deferred, not failed. @example { max: 50, per: '1s' }
   */
  rateLimit?: { max: number; per: Duration } | null
  /** At most this many attempts in flight to the endpoint at once, per process. @default unlimited */
  maxConcurrency?: number | null
  /**
   * `'fifo'` delivers messages one at a time in the order they were sent: the next waits until the
   * previous one succeeded or was dead-lettered. @default 'none'
   */
  ordering?: 'none' | 'fifo'
  /** Circuit-breaker settings for this endpoint instead of the relay's. */
  circuitBreaker?: CircuitBreakerInput | null
  /**
   * Only messages whose payload (`{ type, timestamp, data }`) matches this filter are routed to
   * the endpoint (explicit `endpointIds` bypass it). See docs/endpoints.md for the syntax.
   * @default null (every message that matches `eventTypes` and `channels`)
   * @example { 'data.amount': { $gte: 100 }, 'data.currency': { $in: ['EUR', 'USD'] } }
   */
  filter?: PayloadFilter | null
}

/** Circuit-breaker settings, as options take them. */
export interface CircuitBreakerInput {
  /** Turn the breaker off. @default true */
  enabled?: boolean
  /** Open when more than this percentage of attempts in the window failed. @default 50 */
  errorThresholdPercentage?: number
  /** Minimum attempts in the window before the circuit can open. @default 10 */
  volumeThreshold?: number
  /** The rolling window. @default '60s' */
  window?: Duration
  /** How long the circuit stays open before one probe goes through. @default '30s' */
  resetTimeout?: Duration
}

/** The fields that can be changed with `endpoints.update`; `null` clears an optional field. */
export type EndpointUpdate = Partial<Omit<EndpointInput, 'secret' | 'disabled'>>

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

export const endpointInputSchema = z.strictObject({
  url,
  eventTypes: z.array(z.string().regex(EVENT_FILTER_PATTERN, "must be an event type, a 'prefix.*' wildcard or '*'")).max(256).optional(),
  channels: z.array(channel).max(64).optional(),
  tenant: z.string().min(1).max(256).nullable().optional(),
  description: z.string().max(1024).nullable().optional(),
  secret: z.string().min(16, 'must be at least 16 characters (use generateSecret())').max(512).optional(),
  headers: headers.optional(),
  metadata: z.record(z.string(), z.unknown()).optional(),
  retry: z.strictObject({ schedule: z.array(duration).max(50) }).nullable().optional(),
  disabled: z.boolean().optional(),
  rateLimit: z.strictObject({ max: z.number().int().positive(), per: duration }).nullable().optional(),
  maxConcurrency: z.number().int().positive().max(10_000).nullable().optional(),
  ordering: z.enum(['none', 'fifo']).optional(),
  circuitBreaker: circuitBreakerSchema.nullable().optional(),
  filter: filter.nullable().optional(),
})

export const endpointUpdateSchema = endpointInputSchema.omit({ secret: true, disabled: true }).partial()
